"""Hot load of Wasm plugins in a running weir: GET /plugins lists them, POST
/plugins/NAME replaces a module or adds a plugin, DELETE undoes it, all
without a restart and without failing a request in flight; a runaway
callback is stopped at its deadline. Real weir, real nginx, real clients."""

import base64
import http.client
import json
import os
import threading
import time
import unittest

import harness
import test_wasm_filters
from test_wasm_filters import build_filters, wasm_filter


def admin(port, method, path, body=None, headers=None):
    return harness.http_request(port, method, path, body=body, headers=headers or {}, timeout=30)


def read_module(name):
    with open(os.path.join(build_filters(), name), "rb") as f:
        return f.read()


class Load:
    """Keep-alive clients sending requests until stopped; counts the answers."""

    def __init__(self, port, clients=4):
        self.port = port
        self.stop_flag = threading.Event()
        self.statuses = {}
        self.errors = []
        self.lock = threading.Lock()
        self.threads = [threading.Thread(target=self._run, daemon=True) for _ in range(clients)]
        for t in self.threads:
            t.start()

    def _run(self):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        while not self.stop_flag.is_set():
            try:
                conn.request("GET", "/")
                resp = conn.getresponse()
                resp.read()
                with self.lock:
                    self.statuses[resp.status] = self.statuses.get(resp.status, 0) + 1
            except Exception as e:  # a failed request is what the test looks for
                with self.lock:
                    self.errors.append(repr(e))
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        conn.close()

    def total(self):
        with self.lock:
            return sum(self.statuses.values())

    def stop(self):
        self.stop_flag.set()
        for t in self.threads:
            t.join(timeout=15)


class PluginsAdminTest(harness.WeirTestCase):
    def setUp(self):
        super().setUp()
        self.nginx = self.start_nginx({"/": "return 200 'hello from nginx\\n';"})

    def start(self, *filters, concurrency=2):
        return test_wasm_filters.WasmFilterTest.weir_with(self, *filters, concurrency=concurrency)

    def plugins(self, weir):
        status, _, body = admin(weir.admin_port, "GET", "/plugins")
        self.assertEqual(status, 200, body)
        return {p["name"]: p for p in json.loads(body)["plugins"]}

    def wait_for_header(self, weir, header, value, headers=None):
        def seen():
            return harness.http_get(weir.listener_port, "/", headers=headers)[1].get(header) == value
        harness.wait_until(seen, what="%s: %s on new requests" % (header, value), proc=weir.proc)

    def test_lists_loaded_plugins_with_module_digest_and_state(self):
        weir = self.start(wasm_filter(os.path.join(build_filters(), "add_header.wasm"), name="hdr"))
        self.assertEqual(harness.http_get(weir.listener_port, "/")[0], 200)
        p = self.plugins(weir)["hdr"]
        import hashlib
        self.assertEqual(p["module_digest"], "sha256:" + hashlib.sha256(read_module("add_header.wasm")).hexdigest())
        self.assertEqual(p["abi_version"], "0.2.1")
        self.assertEqual(p["source"], "config")
        self.assertEqual(p["state"], "running")
        self.assertEqual(p["limits"]["callback_deadline_ms"], 100)
        self.assertEqual(p["stats"]["vm_created"], 1)

    def test_replacing_a_module_under_load_fails_no_request(self):
        weir = self.start(wasm_filter(os.path.join(build_filters(), "add_header.wasm"), name="hdr"))
        self.assertEqual(harness.http_get(weir.listener_port, "/")[1].get("x-wasm"), "wat")
        load = Load(weir.listener_port)
        try:
            harness.wait_until(lambda: load.total() > 50, what="load running")
            c_module = read_module("test_filter.wasm")
            wat_module = read_module("add_header.wasm")
            for i in range(6):
                module = c_module if i % 2 == 0 else wat_module
                status, _, body = admin(weir.admin_port, "POST", "/plugins/hdr", body=module,
                                        headers={"content-type": "application/wasm"})
                self.assertEqual(status, 200, body)
                before = load.total()
                harness.wait_until(lambda: load.total() > before + 20, what="requests after replace")
        finally:
            load.stop()
        self.assertEqual(load.errors, [])
        self.assertEqual(set(load.statuses), {200}, load.statuses)
        # The last module sent was the WAT one again.
        self.wait_for_header(weir, "x-wasm", "wat")
        self.assertEqual(self.plugins(weir)["hdr"]["source"], "admin")

    def test_replaced_module_takes_effect_and_delete_reverts_to_the_config_file(self):
        weir = self.start(wasm_filter(os.path.join(build_filters(), "add_header.wasm"), name="hdr"))
        status, _, body = admin(weir.admin_port, "POST", "/plugins/hdr", body=read_module("test_filter.wasm"))
        self.assertEqual(status, 200, body)
        # test_filter.wasm answers with x-wasm-response: <its configuration> ("").
        self.wait_for_header(weir, "x-wasm-response", "")
        status, _, body = admin(weir.admin_port, "DELETE", "/plugins/hdr")
        self.assertEqual(status, 200, body)
        self.wait_for_header(weir, "x-wasm", "wat")
        self.assertEqual(self.plugins(weir)["hdr"]["source"], "config")

    def test_adds_a_plugin_from_a_plugin_config_and_survives_a_reload(self):
        weir = self.start()
        body = json.dumps({
            "root_id": "", "configuration": {"@type": "type.googleapis.com/google.protobuf.StringValue",
                                             "value": "deny"},
            "vm_config": {"vm_id": "added", "runtime": "envoy.wasm.runtime.v8",
                          "code": {"local": {"inline_bytes": base64.b64encode(
                              read_module("test_filter.wasm")).decode()}}},
        })
        status, _, resp = admin(weir.admin_port, "POST", "/plugins/gate", body=body,
                                headers={"content-type": "application/json"})
        self.assertEqual(status, 200, resp)
        harness.wait_until(lambda: harness.http_get(weir.listener_port, "/")[0] == 403, what="the added plugin")
        self.assertEqual(harness.http_get(weir.listener_port, "/", headers={"x-allow": "1"})[0], 200)
        # SIGHUP reloads the file; the plugin added at run time stays.
        reloads = weir.stat("server.config_reload")
        weir.signal(__import__("signal").SIGHUP)
        harness.wait_until(lambda: weir.stat("server.config_reload") == reloads + 1, what="reload")
        self.assertEqual(harness.http_get(weir.listener_port, "/")[0], 403)
        status, _, _ = admin(weir.admin_port, "DELETE", "/plugins/gate")
        self.assertEqual(status, 200)
        harness.wait_until(lambda: harness.http_get(weir.listener_port, "/")[0] == 200, what="plugin removed")
        self.assertNotIn("gate", self.plugins(weir))

    def test_bad_uploads_are_refused_and_the_old_module_keeps_serving(self):
        weir = self.start(wasm_filter(os.path.join(build_filters(), "add_header.wasm"), name="hdr"))
        cases = [
            ("/plugins/hdr", b"\0asm\x01\0\0\0\x05garbage", 400, "invalid module"),
            ("/plugins/hdr", b"not json", 400, "neither a Wasm module nor JSON"),
            ("/plugins/nope", read_module("add_header.wasm"), 404, "no Wasm plugin named 'nope'"),
            ("/plugins/bad%2Fname", read_module("add_header.wasm"), 400, "invalid plugin name"),
            ("/plugins/hdr", json.dumps({"configuration": "reject", "vm_config": {
                "code": {"local": {"inline_bytes": base64.b64encode(read_module("test_filter.wasm")).decode()}}}}),
             400, "proxy_on_configure returned false"),
        ]
        for path, body, want, message in cases:
            status, _, resp = admin(weir.admin_port, "POST", path, body=body)
            self.assertEqual(status, want, (path, resp))
            self.assertIn(message, resp.decode())
        self.assertEqual(harness.http_get(weir.listener_port, "/")[1].get("x-wasm"), "wat")
        self.assertEqual(self.plugins(weir)["hdr"]["source"], "config")
        self.assertEqual(admin(weir.admin_port, "GET", "/plugins/hdr")[0], 405)

    def test_watch_config_reloads_when_a_module_file_changes(self):
        module = os.path.join(self.workdir, "watched.wasm")
        with open(module, "wb") as f:
            f.write(read_module("add_header.wasm"))
        hcm = harness.hcm([harness.vhost([harness.cluster_route("/", "nginx")])])
        hcm["http_filters"].insert(0, wasm_filter(module, name="watched"))
        config = harness.bootstrap(listener_port=self.port(), admin_port=self.port(), hcm_config=hcm,
                                   clusters=[harness.static_cluster("nginx", [self.nginx.port])])
        weir = self.start_weir(config, args=["--watch-config"])
        self.assertEqual(harness.http_get(weir.listener_port, "/")[1].get("x-wasm"), "wat")
        tmp = module + ".tmp"
        with open(tmp, "wb") as f:
            f.write(read_module("test_filter.wasm"))
        os.replace(tmp, module)
        self.wait_for_header(weir, "x-wasm-response", "")
        self.assertIn("watched.wasm changed: reloading", weir.log())

    def test_runaway_callback_is_stopped_at_the_deadline_and_weir_keeps_serving(self):
        weir = self.start(wasm_filter(os.path.join(build_filters(), "test_filter.wasm"), name="loopy",
                                      failure_policy="FAIL_RELOAD",
                                      reload_config={"backoff": {"base_interval": "0s"}}), concurrency=1)
        start = time.monotonic()
        status, _, _ = harness.http_get(weir.listener_port, "/", headers={"x-loop": "1"})
        elapsed = time.monotonic() - start
        self.assertEqual(status, 503)
        self.assertLess(elapsed, 2.0)
        self.assertEqual(harness.http_get(weir.listener_port, "/")[0], 200)
        self.assertEqual(weir.stat("wasm.loopy.deadline_exceeded"), 1)
        p = self.plugins(weir)["loopy"]
        self.assertEqual(p["stats"]["deadline_exceeded"], 1)
        self.assertEqual(p["stats"]["vm_reloaded"], 1)
        _, _, prom = harness.admin_get(weir.admin_port, "/stats/prometheus")
        self.assertIn("callback_on_request_headers_us", prom.decode())


if __name__ == "__main__":
    unittest.main()
