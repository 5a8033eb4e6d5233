"""Proxy-Wasm filters in the real weir binary, configured exactly as Envoy's
envoy.filters.http.wasm, in front of a real nginx, driven by a real client.

The filters are built here, at test time, from tests/testdata/proxywasm:
WAT (wat2wasm), C against the ABI (clang --target=wasm32-wasi) and
AssemblyScript with the real SDK (@solo-io/proxy-runtime 0.1.8; needs
`npm ci` in tests/testdata/proxywasm/assemblyscript, which scripts/setup.sh
runs)."""

import os
import subprocess
import tempfile
import unittest

import harness

HERE = os.path.dirname(os.path.abspath(__file__))
TESTDATA = os.path.join(HERE, "..", "testdata", "proxywasm")
_BUILT = {}


def build_filters():
    if not _BUILT:
        out = tempfile.mkdtemp(prefix="weir-wasm-filters-")
        subprocess.run([os.path.join(TESTDATA, "build.sh"), out], check=True, stdout=subprocess.DEVNULL)
        _BUILT["dir"] = out
    return _BUILT["dir"]


def build_as_filter():
    if "as" not in _BUILT:
        out = os.path.join(build_filters(), "as_filter.wasm")
        r = subprocess.run([os.path.join(TESTDATA, "assemblyscript", "build.sh"), out],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        if r.returncode != 0:
            raise RuntimeError("building the AssemblyScript filter failed:\n" + r.stdout)
        _BUILT["as"] = out
    return _BUILT["as"]


def wasm_filter(path, configuration="", root_id="", name="wasm-test", vm_id="", **extra):
    config = {
        "name": name,
        "root_id": root_id,
        "configuration": {"@type": "type.googleapis.com/google.protobuf.StringValue", "value": configuration},
        "vm_config": {
            "vm_id": vm_id,
            "runtime": "envoy.wasm.runtime.v8",
            "code": {"local": {"filename": path}},
        },
    }
    config.update(extra)
    return {
        "name": "envoy.filters.http.wasm",
        "typed_config": {
            "@type": "type.googleapis.com/envoy.extensions.filters.http.wasm.v3.Wasm",
            "config": config,
        },
    }


class WasmFilterTest(harness.WeirTestCase):
    def setUp(self):
        super().setUp()
        self.nginx = self.start_nginx({"/": "add_header x-upstream nginx; return 200 'hello from nginx\\n';"})

    def weir_with(self, *filters, concurrency=1):
        hcm = harness.hcm([harness.vhost([harness.cluster_route("/", "nginx")])])
        router = hcm["http_filters"][-1]
        hcm["http_filters"] = list(filters) + [router]
        config = harness.bootstrap(listener_port=self.port(), admin_port=self.port(), hcm_config=hcm,
                                   clusters=[harness.static_cluster("nginx", [self.nginx.port])])
        return self.start_weir(config, concurrency=concurrency)

    def _logs(self):
        return [os.path.join(self.workdir, f) for f in os.listdir(self.workdir) if f.endswith(".log")]

    def _log_text(self):
        text = []
        for path in self._logs():
            with open(path, errors="replace") as f:
                text.append(f.read())
        return "\n".join(text)

    def test_wat_filter_adds_a_response_header(self):
        weir = self.weir_with(wasm_filter(os.path.join(build_filters(), "add_header.wasm")))
        status, headers, body = harness.http_get(weir.listener_port, "/")
        self.assertEqual(status, 200)
        self.assertEqual(headers.get("x-wasm"), "wat")
        self.assertEqual(headers.get("x-upstream"), "nginx")
        self.assertEqual(body, b"hello from nginx\n")

    def test_c_filter_answers_403_unless_the_request_is_allowed(self):
        weir = self.weir_with(wasm_filter(os.path.join(build_filters(), "test_filter.wasm"), "deny"),
                              concurrency=2)
        for _ in range(4):  # both workers, each with its own VM
            status, headers, body = harness.http_get(weir.listener_port, "/")
            self.assertEqual(status, 403)
            self.assertEqual(body, b"denied by wasm")
            self.assertEqual(headers.get("x-denied-by"), "c")
        status, headers, body = harness.http_get(weir.listener_port, "/", headers={"x-allow": "yes"})
        self.assertEqual(status, 200)
        self.assertEqual(headers.get("x-wasm-response"), "deny")

    def test_c_filter_rewrites_the_response_body(self):
        weir = self.weir_with(wasm_filter(os.path.join(build_filters(), "test_filter.wasm"), "rewrite"))
        status, headers, body = harness.http_get(weir.listener_port, "/")
        self.assertEqual(status, 200)
        self.assertEqual(body, b"rewritten:17")  # len("hello from nginx\n")

    def test_trapping_filter_fails_closed_with_503_and_weir_keeps_serving(self):
        weir = self.weir_with(wasm_filter(os.path.join(build_filters(), "test_filter.wasm"), ""))
        status, _, _ = harness.http_get(weir.listener_port, "/", headers={"x-trap": "1"})
        self.assertEqual(status, 503)
        self.assertIsNone(weir.proc.poll(), "weir must survive a trapping filter")
        status, _, _ = harness.http_get(weir.listener_port, "/")
        self.assertEqual(status, 503)  # FAIL_CLOSED: the VM stays failed
        self.assertEqual(weir.stat("wasm.wasm-test.vm_failed"), 1)

    def test_plugin_metrics_show_in_stats(self):
        weir = self.weir_with(wasm_filter(os.path.join(build_filters(), "test_filter.wasm"), ""))
        for _ in range(3):
            self.assertEqual(harness.http_get(weir.listener_port, "/")[0], 200)
        self.assertEqual(weir.stat("wasmcustom.c_requests"), 3)

    def test_rejected_plugin_configuration_fails_config_load(self):
        hcm = harness.hcm([harness.vhost([harness.cluster_route("/", "nginx")])])
        hcm["http_filters"].insert(0, wasm_filter(os.path.join(build_filters(), "test_filter.wasm"), "reject"))
        config = harness.bootstrap(listener_port=self.port(), admin_port=self.port(), hcm_config=hcm,
                                   clusters=[harness.static_cluster("nginx", [self.nginx.port])])
        with self.assertRaises(RuntimeError):
            self.start_weir(config)
        log = self._log_text()
        self.assertIn("proxy_on_configure returned false", log)


class AssemblyScriptSdkFilterTest(harness.WeirTestCase):
    def setUp(self):
        super().setUp()
        if not os.path.exists(os.path.join(TESTDATA, "assemblyscript", "node_modules", ".bin", "asc")):
            self.skipTest("the AssemblyScript SDK is not installed: run `npm ci` in "
                          "tests/testdata/proxywasm/assemblyscript (scripts/setup.sh does)")
        self.nginx = self.start_nginx({"/": "return 200 'hello from nginx\\n';"})
        self.filter = build_as_filter()

    def weir_with(self, configuration):
        return WasmFilterTest.weir_with(
            self, wasm_filter(self.filter, configuration, root_id="add_header", name="as"))

    _logs = WasmFilterTest._logs
    _log_text = WasmFilterTest._log_text

    def test_adds_the_configured_header(self):
        weir = self.weir_with("from-config")
        status, headers, body = harness.http_get(weir.listener_port, "/")
        self.assertEqual(status, 200)
        self.assertEqual(headers.get("x-as-hello"), "from-config")
        self.assertEqual(body, b"hello from nginx\n")
        self.assertEqual(weir.stat("wasmcustom.as_requests"), 1)

    def test_answers_locally(self):
        weir = self.weir_with("x")
        status, headers, body = harness.http_get(weir.listener_port, "/", headers={"x-as-deny": "1"})
        self.assertEqual(status, 403)
        self.assertEqual(headers.get("x-denied-by"), "assemblyscript")
        self.assertEqual(body, b"denied by assemblyscript")

    def test_rewrites_the_body(self):
        weir = self.weir_with("rewrite")
        status, headers, body = harness.http_get(weir.listener_port, "/")
        self.assertEqual(status, 200)
        self.assertEqual(body, b"as-rewritten")


class AssemblyScriptSdkCalloutTest(harness.WeirTestCase):
    """The SDK's httpCall, tick timer, shared data and metric types, in weir."""

    def setUp(self):
        super().setUp()
        if not os.path.exists(os.path.join(TESTDATA, "assemblyscript", "node_modules", ".bin", "asc")):
            self.skipTest("the AssemblyScript SDK is not installed (scripts/setup.sh runs npm ci)")
        # One nginx plays the upstream and the authorization service: /auth
        # allows the user "alice" only.
        self.nginx = self.start_nginx({
            "/": "return 200 'hello from nginx\\n';",
            "= /auth": 'if ($http_x_user = "alice") { return 200 "ok"; } return 403 "no";',
        })
        self.filter = build_as_filter()

    def start(self, root_id, configuration, concurrency=1):
        hcm = harness.hcm([harness.vhost([harness.cluster_route("/", "nginx")])])
        router = hcm["http_filters"][-1]
        hcm["http_filters"] = [wasm_filter(self.filter, configuration, root_id=root_id, name=root_id), router]
        config = harness.bootstrap(listener_port=self.port(), admin_port=self.port(), hcm_config=hcm,
                                   clusters=[harness.static_cluster("nginx", [self.nginx.port]),
                                             harness.static_cluster("authz", [self.nginx.port])])
        return self.start_weir(config, concurrency=concurrency)

    def test_http_call_authorizes_the_request(self):
        weir = self.start("authz", "authz", concurrency=2)
        for _ in range(4):
            status, headers, body = harness.http_get(weir.listener_port, "/", headers={"x-user": "alice"})
            self.assertEqual(status, 200)
            self.assertEqual(body, b"hello from nginx\n")
            status, headers, body = harness.http_get(weir.listener_port, "/", headers={"x-user": "mallory"})
            self.assertEqual(status, 403)
            self.assertEqual(body, b"denied by authz")
            self.assertEqual(headers.get("x-authz-status"), "403")

    def test_http_call_to_an_unreachable_cluster_denies(self):
        weir = self.start("authz", "authz")
        self.nginx.stop()
        status, headers, body = harness.http_get(weir.listener_port, "/", headers={"x-user": "alice"})
        self.assertEqual(status, 403)
        self.assertEqual(body, b"denied by authz")

    def test_tick_publishes_through_shared_data_and_metrics(self):
        weir = self.start("ticker", "")

        def ticks():
            status, headers, _ = harness.http_get(weir.listener_port, "/")
            self.assertEqual(status, 200)
            return int(headers.get("x-ticks", "0"))

        first = ticks()
        harness.wait_until(lambda: ticks() >= first + 3, what="ticks advancing", proc=weir.proc)
        self.assertGreaterEqual(weir.stat("wasmcustom.as_ticks"), first + 3)
        _, _, prom = harness.admin_get(weir.admin_port, "/stats/prometheus")
        self.assertIn("wasmcustom_as_response_headers", prom.decode())


if __name__ == "__main__":
    unittest.main()
