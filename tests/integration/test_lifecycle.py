"""Lifecycle: SIGTERM drain, SIGHUP reload (good and bad configs, under load)."""

import signal
import threading
import unittest

import harness
from harness import bootstrap, direct_route, vhost


class LifecycleTest(harness.WeirTestCase):
    def config(self, lport, aport, body):
        return bootstrap(lport, aport, virtual_hosts=[vhost([direct_route("/", 200, body)])])

    def test_sigterm_exits_zero_and_stops_accepting(self):
        w = self.start_weir(self.config(self.port(), self.port(), "x"))
        w.signal(signal.SIGTERM)
        self.assertEqual(w.proc.wait(timeout=15), 0)
        self.assertFalse(harness.port_open(w.listener_port))

    def test_sighup_swaps_config_and_rejects_bad_one(self):
        lport, aport = self.port(), self.port()
        w = self.start_weir(self.config(lport, aport, "one"))
        self.assertEqual(harness.http_get(lport, "/")[2], b"one")
        w.write_config(self.config(lport, aport, "two"))
        w.signal(signal.SIGHUP)
        harness.wait_until(lambda: harness.http_get(lport, "/")[2] == b"two", what="reloaded body")
        with open(w.config_path, "w") as f:
            f.write("static_resources: {listeners: [{name: 1, bogus: true}]}\n")
        w.signal(signal.SIGHUP)
        harness.wait_until(lambda: w.stat("server.config_reload_failure") == 1, what="rejected reload")
        self.assertEqual(harness.http_get(lport, "/")[2], b"two")

    def test_fifty_reloads_under_load_fail_no_request(self):
        lport, aport = self.port(), self.port()
        w = self.start_weir(self.config(lport, aport, "v0"), concurrency=2)
        stop = threading.Event()
        failures, done = [], [0]

        def client():
            import http.client
            conn = http.client.HTTPConnection("127.0.0.1", lport, timeout=5)
            while not stop.is_set():
                try:
                    conn.request("GET", "/")
                    r = conn.getresponse()
                    body = r.read()
                    if r.status != 200 or not body.startswith(b"v"):
                        failures.append((r.status, body))
                    done[0] += 1
                except Exception as e:  # any failure counts
                    failures.append(repr(e))
                    conn.close()
                    conn = http.client.HTTPConnection("127.0.0.1", lport, timeout=5)
            conn.close()

        threads = [threading.Thread(target=client) for _ in range(4)]
        for t in threads:
            t.start()
        for i in range(1, 51):
            w.write_config(self.config(lport, aport, "v%d" % i))
            w.signal(signal.SIGHUP)
            harness.wait_until(lambda: w.stat("server.config_reload") == i, what="reload %d" % i)
        stop.set()
        for t in threads:
            t.join()
        self.assertEqual(failures, [])
        self.assertGreater(done[0], 50)
        self.assertEqual(harness.http_get(lport, "/")[2], b"v50")


if __name__ == "__main__":
    unittest.main()
