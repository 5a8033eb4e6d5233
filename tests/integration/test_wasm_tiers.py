"""The engine tiers in a running weir: under `auto` (the default) a plugin
serves at once on the interpreter and moves to the compiled tier when its
background compile is done, without failing a request; `weir.aot` compiles at
config load; a machine without a C compiler keeps serving on the interpreter
and says so once. Real weir, real nginx, real clients, a real wasm2c + cc
compile into a fresh cache."""

import json
import os
import tempfile
import unittest

import harness
import test_wasm_filters
from test_wasm_filters import build_filters, wasm_filter
from test_wasm_plugins_admin import Load, admin


class WasmTiersTest(harness.WeirTestCase):
    def setUp(self):
        super().setUp()
        self.nginx = self.start_nginx({"/": "return 200 'hello from nginx\\n';"})
        # A fresh artifact cache: the compile really runs.
        self.cache = tempfile.mkdtemp(prefix="weir-aot-cache-", dir=self.workdir)

    def start(self, engine, runtime="envoy.wasm.runtime.v8", env_extra=None, concurrency=2):
        env = dict(os.environ, WEIR_AOT_CACHE_DIR=self.cache)
        env.update(env_extra or {})
        f = wasm_filter(os.path.join(build_filters(), "test_filter.wasm"), "tiered", name="tiered")
        f["typed_config"]["config"]["vm_config"]["runtime"] = runtime
        hcm = harness.hcm([harness.vhost([harness.cluster_route("/", "nginx")])])
        hcm["http_filters"] = [f] + hcm["http_filters"][-1:]
        config = harness.bootstrap(listener_port=self.port(), admin_port=self.port(), hcm_config=hcm,
                                   clusters=[harness.static_cluster("nginx", [self.nginx.port])])
        return self.start_weir(config, args=["--wasm-engine", engine], concurrency=concurrency, env=env)

    def plugin(self, weir):
        status, _, body = admin(weir.admin_port, "GET", "/plugins")
        self.assertEqual(status, 200, body)
        return {p["name"]: p for p in json.loads(body)["plugins"]}["tiered"]

    def test_auto_moves_new_streams_to_compiled_code_under_load_without_failing_a_request(self):
        weir = self.start("auto")
        tier = self.plugin(weir)["tier"]
        self.assertEqual(tier["policy"], "auto")
        self.assertEqual(tier["module"], "interp")
        load = Load(weir.listener_port)
        try:
            # The first VM starts the compile; the swap happens on new streams.
            harness.wait_until(lambda: self.plugin(weir)["tier"]["module"] == "aot", timeout=120,
                               what="the compiled tier ready", proc=weir.proc)
            def every_worker_on_compiled_code():
                # The load's four keep-alive connections may all hash to one
                # worker (SO_REUSEPORT); new connections reach the others, so
                # a worker whose only stream came before the swap gets one.
                for _ in range(4):
                    harness.http_get(weir.listener_port, "/")
                tiers = [w.get("tier") for w in self.plugin(weir)["workers"]]
                return tiers == ["aot"] * len(tiers)

            harness.wait_until(every_worker_on_compiled_code, timeout=30,
                               what="every worker on compiled code", proc=weir.proc)
            before = load.total()
            harness.wait_until(lambda: load.total() > before + 50, what="requests on compiled code")
        finally:
            load.stop()
        self.assertEqual(load.errors, [])
        self.assertEqual(set(load.statuses), {200}, load.statuses)
        p = self.plugin(weir)
        self.assertEqual(p["tier"]["compile"], "done")
        self.assertGreaterEqual(p["stats"]["vm_compiled"], 1)
        self.assertEqual(p["stats"]["vm_failed"], 0)
        status, headers, _ = harness.http_get(weir.listener_port, "/")
        self.assertEqual(status, 200)
        self.assertEqual(headers.get("x-wasm-response"), "tiered")
        self.assertIn("compiled in", weir.log())

    def test_weir_aot_runtime_is_compiled_at_config_load(self):
        weir = self.start("interp", runtime="weir.aot")
        self.assertEqual(self.plugin(weir)["tier"], {"policy": "aot", "module": "aot"})
        status, headers, _ = harness.http_get(weir.listener_port, "/")
        self.assertEqual(status, 200)
        self.assertEqual(headers.get("x-wasm-response"), "tiered")
        self.assertEqual([w["tier"] for w in self.plugin(weir)["workers"]], ["aot"])

    def test_without_a_c_compiler_auto_keeps_serving_on_the_interpreter_and_says_so_once(self):
        empty = tempfile.mkdtemp(prefix="empty-path-", dir=self.workdir)
        weir = self.start("auto", env_extra={"PATH": empty})
        for _ in range(4):
            self.assertEqual(harness.http_get(weir.listener_port, "/")[0], 200)
        harness.wait_until(lambda: self.plugin(weir)["tier"].get("compile") == "failed", timeout=30,
                           what="the compile to fail", proc=weir.proc)
        tier = self.plugin(weir)["tier"]
        self.assertEqual(tier["module"], "interp")
        self.assertIn("not found", tier["error"])
        for _ in range(4):
            status, headers, _ = harness.http_get(weir.listener_port, "/")
            self.assertEqual(status, 200)
            self.assertEqual(headers.get("x-wasm-response"), "tiered")
        self.assertEqual(weir.log().count("the compiled tier is unavailable"), 1, weir.log())


if __name__ == "__main__":
    unittest.main()
