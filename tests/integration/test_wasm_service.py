"""envoy.bootstrap.wasm (Proxy-Wasm services) in the real weir binary, in
front of a real nginx, driven by a real client. Both modules are built here,
at test time, from tests/testdata/proxywasm: the service wasm_service.c
(publishes a value into shared data on every tick, receives queue messages,
makes an http_call) and the HTTP filter service_client.c (reads that value
into a response header, enqueues each request's path)."""

import json
import os
import signal
import subprocess
import unittest

import harness
import test_wasm_filters

SERVICE_TYPE = "type.googleapis.com/envoy.extensions.wasm.v3.WasmService"
VM_ID = "svc_vm"
EXAMPLE = os.path.join(harness.HERE, "..", "..", "examples", "wasm-service.yaml")


def module(name):
    return os.path.join(test_wasm_filters.build_filters(), name)


def wasm_service(configuration, singleton=True, name="svc"):
    return {
        "name": "envoy.bootstrap.wasm",
        "typed_config": {
            "@type": SERVICE_TYPE,
            "singleton": singleton,
            "config": {
                "name": name,
                "configuration": {"@type": "type.googleapis.com/google.protobuf.StringValue", "value": configuration},
                "vm_config": {"vm_id": VM_ID, "runtime": "envoy.wasm.runtime.v8",
                              "code": {"local": {"filename": module("wasm_service.wasm")}}},
            },
        },
    }


class WasmServiceTest(harness.WeirTestCase):
    def setUp(self):
        super().setUp()
        self.nginx = self.start_nginx({"/service": "return 200 'fresh-config';",
                                       "/": "return 200 'hello from nginx\\n';"})
        self.listener_port = self.port()
        self.admin_port = self.port()

    def config(self, *services):
        client = test_wasm_filters.wasm_filter(module("service_client.wasm"), name="client", vm_id=VM_ID)
        hcm = harness.hcm([harness.vhost([harness.cluster_route("/", "nginx")])])
        hcm["http_filters"].insert(0, client)
        config = harness.bootstrap(listener_port=self.listener_port, admin_port=self.admin_port, hcm_config=hcm,
                                   clusters=[harness.static_cluster("nginx", [self.nginx.port])])
        config["bootstrap_extensions"] = list(services)
        return config

    def get(self, weir, path="/"):
        status, headers, _ = harness.http_get(weir.listener_port, path)
        self.assertEqual(status, 200)
        return headers

    def wait_for_value(self, weir, prefix):
        # The service publishes on its own timer in another process: there
        # is no event to wait on, so poll the response header.
        harness.wait_until(lambda: self.get(weir).get("x-service-value", "").startswith(prefix + "-"),
                           what="x-service-value %s-*" % prefix, proc=weir.proc)

    def test_singleton_publishes_shared_data_that_worker_filters_read(self):
        weir = self.start_weir(self.config(wasm_service("v1")), concurrency=2)
        self.wait_for_value(weir, "v1")
        # One instance on the main thread, however many workers there are.
        self.assertEqual(weir.stat("wasmcustom.service_instances"), 1)
        self.assertEqual(weir.stat("wasmcustom.service_running"), 1)
        for _ in range(6):  # both workers' filter VMs see it
            self.assertTrue(self.get(weir)["x-service-value"].startswith("v1-"))

    def test_messages_enqueued_by_worker_filters_reach_the_singleton(self):
        weir = self.start_weir(self.config(wasm_service("q")), concurrency=2)
        for path in ("/a", "/b", "/c", "/d"):
            self.assertEqual(self.get(weir, path).get("x-service-queue"), "sent")
        harness.wait_until(lambda: weir.stat("wasmcustom.service_messages") == 4,
                           what="4 queue messages delivered", proc=weir.proc)

    def test_http_call_from_the_singleton_reaches_a_named_cluster(self):
        weir = self.start_weir(self.config(wasm_service("callout:nginx")))
        harness.wait_until(lambda: self.get(weir).get("x-service-callout") == "200 fresh-config",
                           what="the service's http_call result", proc=weir.proc)

    def test_non_singleton_runs_one_instance_per_worker(self):
        weir = self.start_weir(self.config(wasm_service("each", singleton=False)), concurrency=3)
        self.wait_for_value(weir, "each")
        self.assertEqual(weir.stat("wasmcustom.service_instances"), 3)
        self.assertEqual(weir.stat("wasmcustom.service_running"), 3)

    def test_reload_stops_the_old_services_and_starts_the_new_ones(self):
        weir = self.start_weir(self.config(wasm_service("v1"), wasm_service("w1", singleton=False, name="svc2")),
                               concurrency=2)
        self.wait_for_value(weir, "v1")
        weir.write_config(self.config(wasm_service("v2"), wasm_service("w2", singleton=False, name="svc2")))
        weir.signal(signal.SIGHUP)
        harness.wait_until(lambda: weir.stat("server.config_reload") == 1, what="reload", proc=weir.proc)
        self.wait_for_value(weir, "v2")
        # 1 + 2 started at first, as many again after the reload; the old
        # ones ran on_done (the gauge went down as the new ones came up).
        self.assertEqual(weir.stat("wasmcustom.service_instances"), 6)
        harness.wait_until(lambda: weir.stat("wasmcustom.service_running") == 3,
                           what="old services stopped on every worker", proc=weir.proc)

    def test_service_rejecting_its_configuration_is_a_startup_error_naming_it(self):
        with self.assertRaises(RuntimeError):
            self.start_weir(self.config(wasm_service("reject", name="picky")))
        with open(os.path.join(self.workdir, "weir.log"), errors="replace") as f:
            log = f.read()
        self.assertIn("bootstrap_extensions[0]", log)
        self.assertIn("picky", log)
        self.assertIn("proxy_on_configure returned false", log)

    def test_example_config_validates(self):
        # The example names its modules relative to where weir runs.
        r = subprocess.run([harness.weir_bin(), "validate", "-c", os.path.abspath(EXAMPLE)],
                           cwd=test_wasm_filters.build_filters(), stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, text=True)
        self.assertEqual(r.returncode, 0, r.stdout)

    def test_validate_reports_a_rejecting_service(self):
        path = os.path.join(self.workdir, "bad.json")
        with open(path, "w") as f:
            json.dump(self.config(wasm_service("reject", name="picky")), f)
        r = subprocess.run([harness.weir_bin(), "validate", "-c", path], stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, text=True)
        self.assertEqual(r.returncode, 1, r.stdout)
        self.assertIn("bootstrap_extensions[0]", r.stdout)
        self.assertIn("proxy_on_configure returned false", r.stdout)


if __name__ == "__main__":
    unittest.main()
