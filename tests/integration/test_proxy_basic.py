"""The connection manager over real sockets: direct responses, 404,
keep-alive, pipelining, codec errors, access logs."""

import json
import os
import socket
import unittest

import harness
from harness import bootstrap, direct_route, hcm, redirect_route, vhost


def read_log_lines(path, count):
    """The access log is written right after the response bytes; wait for it."""
    def ready():
        with open(path) as f:
            return len(f.read().splitlines()) >= count
    harness.wait_until(ready, timeout=5, what="access log lines")
    with open(path) as f:
        return f.read().splitlines()


class ProxyBasicTest(harness.WeirTestCase):
    def start(self, routes, **hcm_extra):
        cfg = bootstrap(self.port(), self.port(), hcm_config=hcm([vhost(routes)], **hcm_extra))
        return self.start_weir(cfg)

    def test_direct_response_has_body_status_and_server_headers(self):
        w = self.start([direct_route("/", 201, "made\n", response_headers={"x-extra": "1"})])
        status, headers, body = harness.http_get(w.listener_port, "/anything")
        self.assertEqual(status, 201)
        self.assertEqual(body, b"made\n")
        self.assertEqual(headers["x-extra"], "1")
        self.assertEqual(headers["server"], "envoy")
        self.assertIn("date", headers)
        self.assertEqual(headers["content-length"], "5")

    def test_unmatched_path_is_404_with_route_not_found_flag(self):
        log = os.path.join(self.workdir, "access.log")
        w = self.start([direct_route("/only", 200, "x")],
                       access_log=[harness.file_access_log(log, "%RESPONSE_CODE% %RESPONSE_FLAGS%\n")])
        status, _, _ = harness.http_get(w.listener_port, "/other")
        self.assertEqual(status, 404)
        # Response-code stats are charged when the stream finishes, which can
        # be just after the client has read the response (as in Envoy).
        harness.wait_until(lambda: w.stat("http.ingress_http.downstream_rq_4xx") >= 1, what="4xx stat")
        self.assertEqual(w.stat("http.ingress_http.downstream_rq_4xx"), 1)
        self.assertEqual(read_log_lines(log, 1), ["404 NR"])

    def test_redirect_route_answers_with_location(self):
        w = self.start([redirect_route("/", host_redirect="example.com", response_code="FOUND")])
        status, headers, _ = harness.http_get(w.listener_port, "/a/b?q=1")
        self.assertEqual(status, 302)
        self.assertEqual(headers["location"], "http://example.com/a/b?q=1")

    def test_keep_alive_serves_many_requests_on_one_connection(self):
        w = self.start([direct_route("/", 200, "ok")])
        import http.client
        conn = http.client.HTTPConnection("127.0.0.1", w.listener_port, timeout=5)
        for _ in range(20):
            conn.request("GET", "/")
            r = conn.getresponse()
            self.assertEqual(r.read(), b"ok")
        conn.close()
        self.assertEqual(w.stat("http.ingress_http.downstream_cx_total"), 1)
        self.assertEqual(w.stat("http.ingress_http.downstream_rq_total"), 20)

    def test_pipelined_requests_are_answered_in_order(self):
        w = self.start([direct_route("/a", 200, "A"), direct_route("/b", 200, "BB")])
        req = b"".join(b"GET /%s HTTP/1.1\r\nHost: x\r\n\r\n" % p for p in [b"a", b"b", b"a"])
        with socket.create_connection(("127.0.0.1", w.listener_port), timeout=5) as s:
            s.sendall(req)
            f = s.makefile("rb")
            bodies = [harness.read_response(f)[2] for _ in range(3)]
        self.assertEqual(bodies, [b"A", b"BB", b"A"])

    def test_expect_100_continue_gets_interim_response_first(self):
        w = self.start([direct_route("/", 200, "done")])
        with socket.create_connection(("127.0.0.1", w.listener_port), timeout=5) as s:
            s.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n")
            f = s.makefile("rb")
            self.assertEqual(f.readline(), b"HTTP/1.1 100 Continue\r\n")
            self.assertEqual(f.readline(), b"\r\n")
            s.sendall(b"hello")
            status, _, body = harness.read_response(f)
        self.assertEqual((status, body), (200, b"done"))

    def test_codec_errors_get_their_status_and_close(self):
        w = self.start([direct_route("/", 200, "ok")])
        cases = [
            (b"GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", b"400"),
            (b"GET / HTTP/1.1\r\nHost : x\r\n\r\n", b"400"),
            (b"GET /" + b"a" * 9000 + b" HTTP/1.1\r\nHost: x\r\n\r\n", b"414"),
            (b"GET / HTTP/1.1\r\nHost: x\r\n" + b"X-Big: " + b"a" * 70000 + b"\r\n\r\n", b"431"),
            (b"GET / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n", b"400"),
        ]
        for raw, code in cases:
            out = harness.raw_exchange(w.listener_port, raw)
            self.assertTrue(out.startswith(b"HTTP/1.1 " + code), (raw[:60], out[:80]))
            self.assertIn(b"connection: close", out.lower())
        self.assertEqual(w.stat("http.ingress_http.downstream_cx_protocol_error"), len(cases))

    def test_http10_rejected_with_426_by_default(self):
        w = self.start([direct_route("/", 200, "ok")])
        out = harness.raw_exchange(w.listener_port, b"GET / HTTP/1.0\r\n\r\n")
        self.assertTrue(out.startswith(b"HTTP/1.1 426"), out)

    def test_http10_served_when_accepted(self):
        w = self.start([direct_route("/", 200, "ok")],
                       http_protocol_options={"accept_http_10": True, "default_host_for_http_10": "h"})
        out = harness.raw_exchange(w.listener_port, b"GET / HTTP/1.0\r\n\r\n")
        self.assertTrue(out.startswith(b"HTTP/1.0 200") or out.startswith(b"HTTP/1.1 200"), out)
        self.assertTrue(out.endswith(b"ok"), out)

    def test_access_log_json_format_has_request_fields(self):
        log = os.path.join(self.workdir, "json.log")
        w = self.start([direct_route("/", 200, "ok")],
                       access_log=[harness.file_access_log(log, json_format={
                           "code": "%RESPONSE_CODE%", "method": "%REQ(:METHOD)%", "path": "%REQ(:PATH)%",
                           "sent": "%BYTES_SENT%"})])
        harness.http_get(w.listener_port, "/p?x=1")
        entry = json.loads(read_log_lines(log, 1)[0])
        self.assertEqual(entry, {"code": 200, "method": "GET", "path": "/p?x=1", "sent": 2})

    def test_request_id_is_generated(self):
        # The id is visible to the access log (and to upstreams).
        log = os.path.join(self.workdir, "id.log")
        w = self.start([direct_route("/", 200, "ok")],
                       access_log=[harness.file_access_log(log, "%REQ(X-REQUEST-ID)%\n")])
        harness.http_get(w.listener_port, "/")
        harness.http_get(w.listener_port, "/", headers={"x-request-id": "keep-me"})
        lines = read_log_lines(log, 2)
        self.assertEqual(len(lines[0]), 36)
        self.assertEqual(lines[1], "keep-me")


if __name__ == "__main__":
    unittest.main()
