"""vm_config.code.remote with the real binary: `weir push` a filter built at
test time to a real `weir hub`, and `weir proxy` pulls it by tag and by
digest; an http URL + sha256 from a plain HTTP server; a wrong sha256 under
fail open and fail closed; the module cache across a restart with the
registry stopped; a re-pushed tag picked up under load with no failed
request, and a failed re-pull keeping the old module serving."""

import hashlib
import json
import os
import shutil
import subprocess
import sys

import harness
from hub_harness import Hub
from test_wasm_filters import build_filters
from test_wasm_plugins_admin import Load


def module_bytes(name):
    with open(os.path.join(build_filters(), name), "rb") as f:
        return f.read()


def digest_of(name):
    return "sha256:" + hashlib.sha256(module_bytes(name)).hexdigest()


def remote_filter(uri, name="remote", sha256="", fail_open=False, configuration="", refresh=None, timeout="5s"):
    remote = {"http_uri": {"uri": uri, "cluster": "registry", "timeout": timeout},
              "retry_policy": {"num_retries": 1, "retry_back_off": {"base_interval": "0.05s", "max_interval": "0.2s"}}}
    if sha256:
        remote["sha256"] = sha256
    if refresh:
        remote["weir_refresh_interval"] = refresh
    return {
        "name": "envoy.filters.http.wasm",
        "typed_config": {
            "@type": "type.googleapis.com/envoy.extensions.filters.http.wasm.v3.Wasm",
            "config": {
                "name": name,
                "fail_open": fail_open,
                "configuration": {"@type": "type.googleapis.com/google.protobuf.StringValue",
                                  "value": configuration},
                "vm_config": {"vm_id": name, "runtime": "envoy.wasm.runtime.v8", "code": {"remote": remote}},
            },
        },
    }


class RemoteWasmTest(harness.WeirTestCase):
    def setUp(self):
        super().setUp()
        self.tmp = self.workdir  # what hub_harness.Hub logs into
        self.cache = os.path.join(self.workdir, "modules")
        self.env = dict(os.environ, WEIR_STORE=os.path.join(self.workdir, "store"),
                        DOCKER_CONFIG=os.path.join(self.workdir, "docker"), HOME=self.workdir)
        self.hub = Hub(self, os.path.join(self.workdir, "hub"))
        self.addCleanup(self.hub.stop)

    def push(self, module_name, ref):
        p = subprocess.run([harness.weir_bin(), "push", os.path.join(build_filters(), module_name),
                            "%s/%s" % (self.hub.host, ref)], env=self.env, capture_output=True, text=True, timeout=120)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        return [l.split()[-1] for l in p.stdout.splitlines() if l.startswith("manifest digest")][0]

    def proxy(self, *filters, concurrency=1, name="weir"):
        hcm = harness.hcm([harness.vhost([harness.direct_route("/", 200, "direct\n")])])
        hcm["http_filters"] = list(filters) + hcm["http_filters"]
        config = harness.bootstrap(listener_port=self.port(), admin_port=self.port(), hcm_config=hcm)
        return self.start_weir(config, args=["--module-cache", self.cache], concurrency=concurrency, name=name)

    def plugins(self, weir):
        status, _, body = harness.admin_get(weir.admin_port, "/plugins")
        self.assertEqual(status, 200, body)
        return {p["name"]: p for p in json.loads(body)["plugins"]}

    def get(self, weir):
        return harness.http_get(weir.listener_port, "/")

    def test_pulls_by_tag_and_by_digest_and_serves_traffic_with_them(self):
        self.push("add_header.wasm", "team/hdr:v1")
        pinned = self.push("test_filter.wasm", "team/c:v1")
        weir = self.proxy(remote_filter("oci://%s/team/hdr:v1" % self.hub.host, name="by-tag"),
                          remote_filter("oci://%s/team/c@%s" % (self.hub.host, pinned), name="by-digest",
                                        sha256=digest_of("test_filter.wasm")[7:], configuration="pinned"))
        status, headers, body = self.get(weir)
        self.assertEqual(status, 200, body)
        self.assertEqual(headers.get("x-wasm"), "wat")
        self.assertEqual(headers.get("x-wasm-response"), "pinned")
        plugins = self.plugins(weir)
        tag = plugins["by-tag"]["remote"]
        self.assertEqual(tag["state"], "loaded")
        self.assertEqual(tag["module_digest"], digest_of("add_header.wasm"))
        self.assertTrue(tag["resolved"].startswith(self.hub.host + "/team/hdr@sha256:"), tag)
        self.assertTrue(tag["last_fetch"], tag)
        self.assertEqual(plugins["by-tag"]["module_digest"], digest_of("add_header.wasm"))
        digest = plugins["by-digest"]["remote"]
        self.assertEqual(digest["resolved"], "%s/team/c@%s" % (self.hub.host, pinned))
        self.assertEqual(digest["refresh_interval_ms"], 0)

    def test_wrong_sha256_is_refused_and_the_failure_policy_decides(self):
        self.push("add_header.wasm", "team/hdr:v1")
        wrong = digest_of("test_filter.wasm")[7:]
        uri = "oci://%s/team/hdr:v1" % self.hub.host
        weir = self.proxy(remote_filter(uri, sha256=wrong, fail_open=True, timeout="2s"), name="open")
        status, headers, _ = self.get(weir)
        self.assertEqual(status, 200)
        self.assertNotIn("x-wasm", headers)  # the stream passed the filter untouched
        remote = self.plugins(weir)["remote"]
        self.assertEqual(remote["state"], "waiting for module")
        self.assertEqual(remote["remote"]["state"], "failed")
        self.assertIn("mismatch", remote["remote"]["error"])
        self.assertGreaterEqual(remote["stats"]["fail_open"], 1)
        weir.stop()
        closed = self.proxy(remote_filter(uri, sha256=wrong, fail_open=False, timeout="2s"), name="closed")
        self.assertEqual(self.get(closed)[0], 503)

    def test_http_url_with_sha256_from_a_plain_http_server(self):
        files = os.path.join(self.workdir, "files")
        os.makedirs(files)
        shutil.copy(os.path.join(build_filters(), "add_header.wasm"), files)
        port = self.port()
        server = subprocess.Popen([sys.executable, "-m", "http.server", "--bind", "127.0.0.1", str(port),
                                   "--directory", files], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.addCleanup(lambda: (server.terminate(), server.wait()))
        harness.wait_until(lambda: harness.port_open(port), what="http.server", proc=server)
        url = "http://127.0.0.1:%d/add_header.wasm" % port
        weir = self.proxy(remote_filter(url, sha256=digest_of("add_header.wasm")[7:]))
        self.assertEqual(self.get(weir)[1].get("x-wasm"), "wat")
        self.assertEqual(self.plugins(weir)["remote"]["remote"]["module_digest"], digest_of("add_header.wasm"))

    def test_cache_survives_a_restart_with_the_registry_stopped(self):
        pinned = self.push("test_filter.wasm", "team/c:v1")
        self.push("add_header.wasm", "team/hdr:v1")
        filters = (remote_filter("oci://%s/team/hdr:v1" % self.hub.host, name="by-tag", timeout="2s"),
                   remote_filter("oci://%s/team/c@%s" % (self.hub.host, pinned), name="by-digest",
                                 configuration="cached", timeout="2s"))
        first = self.proxy(*filters, name="first")
        self.assertEqual(self.get(first)[1].get("x-wasm"), "wat")
        first.stop()
        self.hub.stop()
        second = self.proxy(*filters, name="second")
        status, headers, _ = self.get(second)
        self.assertEqual(status, 200)
        self.assertEqual(headers.get("x-wasm"), "wat")
        self.assertEqual(headers.get("x-wasm-response"), "cached")
        plugins = self.plugins(second)
        self.assertEqual(plugins["by-digest"]["remote"]["state"], "loaded")
        self.assertEqual(plugins["by-digest"]["remote"]["error"], "")
        self.assertIn("registry unreachable", plugins["by-tag"]["remote"]["error"])

    def test_repushed_tag_is_picked_up_under_load_and_a_failed_repull_keeps_it(self):
        self.push("add_header.wasm", "team/hdr:v1")
        weir = self.proxy(remote_filter("oci://%s/team/hdr:v1" % self.hub.host, configuration="v2",
                                        refresh="0.2s"), concurrency=2)
        self.assertEqual(self.get(weir)[1].get("x-wasm"), "wat")
        load = Load(weir.listener_port)
        try:
            harness.wait_until(lambda: load.total() > 50, what="load running")
            self.push("test_filter.wasm", "team/hdr:v1")
            harness.wait_until(lambda: self.get(weir)[1].get("x-wasm-response") == "v2",
                               what="the re-pushed module on new requests", proc=weir.proc)
            before = load.total()
            harness.wait_until(lambda: load.total() > before + 50, what="requests after the swap")
        finally:
            load.stop()
        self.assertEqual(load.errors, [])
        self.assertEqual(set(load.statuses), {200}, load.statuses)
        self.assertEqual(self.plugins(weir)["remote"]["remote"]["swaps"], 2)

        self.hub.stop()
        harness.wait_until(lambda: self.plugins(weir)["remote"]["remote"]["failures"] > 0,
                           what="a failed re-pull", proc=weir.proc)
        remote = self.plugins(weir)["remote"]["remote"]
        self.assertEqual(remote["state"], "loaded")
        self.assertEqual(remote["module_digest"], digest_of("test_filter.wasm"))
        self.assertNotEqual(remote["error"], "")
        status, headers, _ = self.get(weir)
        self.assertEqual(status, 200)
        self.assertEqual(headers.get("x-wasm-response"), "v2")


if __name__ == "__main__":
    import unittest
    unittest.main()
