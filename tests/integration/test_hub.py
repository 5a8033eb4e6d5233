"""weir hub and the weir OCI client against real third-party software:
skopeo (containers/image) copying into and out of the hub, Debian's
docker-registry (the reference Distribution registry) as the other
registry, apache2-utils' htpasswd for credentials; plus crash safety
(SIGKILL mid-push), concurrency and malformed input."""

import hashlib
import json
import os
import socket
import subprocess
import threading
import time
import unittest

import harness
from hub_harness import HubTestCase, compat_layout, error_code, request, sha256, wasm_module


class SkopeoTest(HubTestCase):
    def test_skopeo_copies_into_the_hub_out_again_and_inspects(self):
        hub = self.hub()
        module = wasm_module(name="skopeo")
        layout = os.path.join(self.tmp, "layout")
        manifest_digest = compat_layout(layout, module)
        self.skopeo("copy", "--dest-tls-verify=false", "oci:%s:v1" % layout, "docker://%s/filters/compat:v1" % hub.host)
        info = json.loads(self.skopeo("inspect", "--tls-verify=false", "docker://%s/filters/compat:v1" % hub.host).stdout)
        self.assertEqual(info["Digest"], manifest_digest)
        self.assertEqual(info["RepoTags"], ["v1"])
        out = os.path.join(self.tmp, "out")
        self.skopeo("copy", "--src-tls-verify=false", "docker://%s/filters/compat:v1" % hub.host, "oci:%s:v1" % out)
        with open(os.path.join(out, "index.json")) as f:
            self.assertEqual(json.load(f)["manifests"][0]["digest"], manifest_digest)
        # weir reads the compat variant skopeo pushed.
        p = self.weir("pull", "%s/filters/compat:v1" % hub.host, "-o", os.path.join(self.tmp, "m.wasm"))
        self.assertIn("compat", p.stdout)
        with open(os.path.join(self.tmp, "m.wasm"), "rb") as f:
            self.assertEqual(f.read(), module)

    def test_skopeo_copies_a_weir_artifact_between_hub_and_docker_registry(self):
        hub = self.hub()
        reg = self.docker_registry()
        path = self.write("f.wasm", wasm_module(name="copy"))
        pushed = self.weir("push", path, "%s/team/f:v1" % hub.host, "--root-id", "r1").stdout
        digest = [l.split()[-1] for l in pushed.splitlines() if l.startswith("manifest digest")][0]
        self.skopeo("copy", "--src-tls-verify=false", "--dest-tls-verify=false",
                    "docker://%s/team/f:v1" % hub.host, "docker://%s/team/f:v1" % reg.host)
        raw = self.skopeo("inspect", "--raw", "--tls-verify=false", "docker://%s/team/f:v1" % reg.host).stdout
        self.assertEqual(sha256(raw.encode()), digest)
        p = self.weir("pull", "%s/team/f:v1" % reg.host)
        self.assertIn(digest, p.stdout)


class ClientTest(HubTestCase):
    def roundtrip(self, host):
        module = wasm_module(name="rt")
        path = self.write("rt.wasm", module)
        p = self.weir("push", path, "%s/team/rt:v1" % host, "--root-id", "rt_root", "--language", "wat",
                      "--version", "1.2.3", "--description", "round trip")
        manifest = [l.split()[-1] for l in p.stdout.splitlines() if l.startswith("manifest digest")][0]
        self.assertIn("module digest:   " + sha256(module), p.stdout)
        self.weir("rmi", "%s/team/rt:v1" % host)
        out = os.path.join(self.tmp, "rt-out.wasm")
        self.weir("pull", "%s/team/rt@%s" % (host, manifest), "-o", out)
        with open(out, "rb") as f:
            self.assertEqual(f.read(), module)
        ins = self.weir("inspect", "%s/team/rt:v1" % host, "--remote").stdout
        self.assertIn("manifest digest: " + manifest, ins)
        self.assertIn("module digest:   " + sha256(module), ins)
        self.assertIn("abi versions:    proxy_abi_version_0_2_1", ins)
        self.assertIn("root ids:        rt_root", ins)
        self.assertIn("application/vnd.module.wasm.content.layer.v1+wasm", ins)
        imgs = self.weir("images").stdout
        self.assertIn("team/rt@" + manifest, imgs)

    def test_push_pull_against_weir_hub(self):
        self.roundtrip(self.hub().host)

    def test_push_pull_against_docker_registry(self):
        self.roundtrip(self.docker_registry().host)

    def test_pull_of_a_missing_image_is_a_clear_error(self):
        hub = self.hub()
        p = self.weir("pull", "%s/nope/none:v1" % hub.host, check=False)
        self.assertEqual(p.returncode, 1)
        self.assertIn("manifest not found", p.stderr)


class RobustnessTest(HubTestCase):
    def test_sigkill_mid_push_loses_no_acknowledged_push_and_serves_no_corrupt_blob(self):
        data = os.path.join(self.tmp, "hub")
        hub = self.hub(data)
        acknowledged = {}
        for i in range(5):
            blob = os.urandom(200000) + bytes([i])
            st, h, _ = request(hub.port, "POST", "/v2/crash/r/blobs/uploads/?digest=" + sha256(blob), body=blob)
            self.assertEqual(st, 201)
            acknowledged[sha256(blob)] = blob
        # A large upload in flight when the hub dies.
        big = os.urandom(8 * 1024 * 1024)
        st, h, _ = request(hub.port, "POST", "/v2/crash/r/blobs/uploads/")
        loc = h["location"]
        s = socket.create_connection(("127.0.0.1", hub.port))
        s.sendall(("PUT %s?digest=%s HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n"
                   % (loc, sha256(big), len(big))).encode())
        s.sendall(big[:3 * 1024 * 1024])
        hub.kill()
        s.close()
        hub.start()
        for d, blob in acknowledged.items():
            st, _, body = request(hub.port, "GET", "/v2/crash/r/blobs/" + d)
            self.assertEqual(st, 200)
            self.assertEqual(body, blob)
        st, _, body = request(hub.port, "GET", "/v2/crash/r/blobs/" + sha256(big))
        self.assertEqual(st, 404)
        # Every file under blobs/ holds what its name says.
        for root, _, files in os.walk(os.path.join(data, "blobs")):
            for name in files:
                with open(os.path.join(root, name), "rb") as f:
                    self.assertEqual(hashlib.sha256(f.read()).hexdigest(), name)

    def test_concurrent_pushes_of_the_same_blob(self):
        hub = self.hub()
        blob = os.urandom(1024 * 1024)
        results = []

        def push():
            st, _, _ = request(hub.port, "POST", "/v2/conc/r/blobs/uploads/?digest=" + sha256(blob), body=blob)
            results.append(st)
        threads = [threading.Thread(target=push) for _ in range(16)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual(results, [201] * 16)
        st, _, body = request(hub.port, "GET", "/v2/conc/r/blobs/" + sha256(blob))
        self.assertEqual((st, body == blob), (200, True))

    def test_malformed_input_gets_spec_errors_and_nothing_is_stored(self):
        data = os.path.join(self.tmp, "hub")
        hub = self.hub(data, ["--max-blob-size", "1000000"])
        ct = {"Content-Type": "application/vnd.oci.image.manifest.v1+json"}
        cases = [
            ("PUT", "/v2/m/r/manifests/v1", b"{not json", ct, 400, "MANIFEST_INVALID"),
            ("PUT", "/v2/m/r/manifests/v1", b'{"schemaVersion":2,"config":{"mediaType":"a/b","digest":"sha256:00","size":1}}',
             ct, 400, "MANIFEST_INVALID"),
            ("PUT", "/v2/m/r/manifests/v1", json.dumps({"schemaVersion": 2, "config": {
                "mediaType": "a/b", "digest": sha256(b"missing"), "size": 7}, "layers": []}).encode(), ct, 400,
             "MANIFEST_BLOB_UNKNOWN"),
            ("POST", "/v2/m/r/blobs/uploads/?digest=" + sha256(b"other"), b"payload", {}, 400, "DIGEST_INVALID"),
            ("POST", "/v2/m/r/blobs/uploads/?digest=sha256:xyz", b"payload", {}, 400, "DIGEST_INVALID"),
            ("POST", "/v2/m/r/blobs/uploads/?digest=" + sha256(b"x" * 1000001), b"x" * 1000001, {}, 413, "SIZE_INVALID"),
            ("GET", "/v2/m/%2e%2e/%2e%2e/etc/manifests/v1", None, {}, 400, "NAME_INVALID"),
            ("GET", "/v2/M/r/manifests/v1", None, {}, 400, "NAME_INVALID"),
            ("GET", "/v2/m/r/blobs/sha256:..%2F..%2Fpasswd", None, {}, 400, "DIGEST_INVALID"),
            ("GET", "/v2/m/r/manifests/v1", None, {}, 404, "MANIFEST_UNKNOWN"),
        ]
        for method, path, body, headers, want_status, want_code in cases:
            st, h, resp = request(hub.port, method, path, body=body, headers=headers)
            self.assertEqual((st, error_code(resp)), (want_status, want_code), "%s %s" % (method, path))
            self.assertEqual(h.get("content-type"), "application/json")
        st, _, body = request(hub.port, "GET", "/v2/_catalog")
        self.assertEqual(json.loads(body)["repositories"], [])
        blobs = [f for _, _, fs in os.walk(os.path.join(data, "blobs")) for f in fs]
        self.assertEqual(blobs, [])


class AuthTest(HubTestCase):
    def htpasswd(self):
        path = os.path.join(self.tmp, "htpasswd")
        subprocess.run(["htpasswd", "-B", "-c", "-b", path, "alice", "s3cret"], check=True, capture_output=True)
        return path

    def test_token_flow_with_skopeo_curl_and_weir_login(self):
        hub = self.hub(args=["--htpasswd", self.htpasswd(), "--allow-anonymous-pull"])
        st, h, body = request(hub.port, "GET", "/v2/")
        self.assertEqual(st, 401)
        self.assertIn('Bearer realm="http://127.0.0.1:%d/token"' % hub.port, h["www-authenticate"])
        curl = subprocess.run(["curl", "-s", "-u", "alice:s3cret",
                               "http://%s/token?service=weir-hub&scope=repository:a/b:pull,push" % hub.host],
                              capture_output=True, text=True, check=True)
        self.assertIn("token", json.loads(curl.stdout))
        layout = os.path.join(self.tmp, "layout")
        compat_layout(layout, wasm_module(name="auth"))
        denied = self.skopeo("copy", "--dest-tls-verify=false", "oci:%s:v1" % layout,
                             "docker://%s/sec/f:v1" % hub.host, check=False)
        self.assertNotEqual(denied.returncode, 0)
        bad = self.skopeo("copy", "--dest-tls-verify=false", "--dest-creds", "alice:wrong", "oci:%s:v1" % layout,
                          "docker://%s/sec/f:v1" % hub.host, check=False)
        self.assertNotEqual(bad.returncode, 0)
        self.skopeo("copy", "--dest-tls-verify=false", "--dest-creds", "alice:s3cret", "oci:%s:v1" % layout,
                    "docker://%s/sec/f:v1" % hub.host)
        # Anonymous pull is allowed.
        self.skopeo("inspect", "--tls-verify=false", "docker://%s/sec/f:v1" % hub.host)
        # weir login stores docker-style credentials; weir push uses them.
        bad_login = self.weir("login", hub.host, "-u", "alice", "-p", "nope", check=False)
        self.assertEqual(bad_login.returncode, 1)
        self.weir("login", hub.host, "-u", "alice", "--password-stdin", input="s3cret\n")
        with open(os.path.join(self.tmp, "docker", "config.json")) as f:
            self.assertIn(hub.host, json.load(f)["auths"])
        self.weir("push", self.write("a.wasm", wasm_module(name="a")), "%s/sec/a:v1" % hub.host)
        self.weir("logout", hub.host)
        p = self.weir("push", self.write("b.wasm", wasm_module(name="b")), "%s/sec/b:v1" % hub.host, check=False)
        self.assertEqual(p.returncode, 1)
        self.assertIn("weir login", p.stderr)

    def test_basic_auth_with_curl(self):
        hub = self.hub(args=["--htpasswd", self.htpasswd(), "--basic-auth"])
        st, h, _ = request(hub.port, "GET", "/v2/")
        self.assertEqual((st, h["www-authenticate"]), (401, 'Basic realm="weir-hub"'))
        ok = subprocess.run(["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "-u", "alice:s3cret",
                             "http://%s/v2/" % hub.host], capture_output=True, text=True)
        self.assertEqual(ok.stdout, "200")


class GcTest(HubTestCase):
    def test_gc_while_serving_removes_only_unreferenced_blobs(self):
        data = os.path.join(self.tmp, "hub")
        hub = self.hub(data)
        self.weir("push", self.write("g.wasm", wasm_module(name="g")), "%s/gc/f:v1" % hub.host)
        orphan = os.urandom(1000)
        request(hub.port, "POST", "/v2/gc/f/blobs/uploads/?digest=" + sha256(orphan), body=orphan)
        time.sleep(1.1)  # gc's age check has one-second resolution; --grace 0 still needs "older than now"
        p = self.weir("hub", "gc", "--data", data, "--grace", "0")
        self.assertIn("removed 1 blobs", p.stdout)
        self.assertEqual(request(hub.port, "GET", "/v2/gc/f/blobs/" + sha256(orphan))[0], 404)
        self.weir("rmi", "%s/gc/f:v1" % hub.host)
        self.weir("pull", "%s/gc/f:v1" % hub.host)


if __name__ == "__main__":
    unittest.main()
