"""Helpers for the hub's integration tests: start `weir hub`, the reference
registry (Debian's docker-registry) with its own config, build small Wasm
modules with wat2wasm and OCI layouts for skopeo, and speak the registry API
with http.client."""

import gzip
import hashlib
import http.client
import io
import json
import os
import shutil
import signal
import subprocess
import tarfile
import tempfile
import unittest

import harness


def sha256(data):
    return "sha256:" + hashlib.sha256(data).hexdigest()


def wasm_module(extra_bytes=0, name="filter"):
    """A valid module exporting proxy_abi_version_0_2_1, padded with a data
    segment to about `extra_bytes`."""
    pad = "a" * extra_bytes
    wat = ('(module (memory (export "memory") %d) (func (export "proxy_abi_version_0_2_1"))'
           ' (func (export "proxy_on_context_create") (param i32 i32))'
           ' (data (i32.const 0) "%s:%s"))') % (max(1, (extra_bytes // 65536) + 1), name, pad)
    with tempfile.TemporaryDirectory() as d:
        src, out = os.path.join(d, "m.wat"), os.path.join(d, "m.wasm")
        with open(src, "w") as f:
            f.write(wat)
        subprocess.run(["wat2wasm", src, "-o", out], check=True)
        with open(out, "rb") as f:
            return f.read()


def compat_layout(root, module, tag="v1"):
    """An OCI layout holding a 'compat' image (plugin.wasm in a tar+gzip layer)."""
    def blob(data):
        d = hashlib.sha256(data).hexdigest()
        os.makedirs(os.path.join(root, "blobs", "sha256"), exist_ok=True)
        with open(os.path.join(root, "blobs", "sha256", d), "wb") as f:
            f.write(data)
        return {"digest": "sha256:" + d, "size": len(data)}
    os.makedirs(root, exist_ok=True)
    with open(os.path.join(root, "oci-layout"), "w") as f:
        f.write('{"imageLayoutVersion":"1.0.0"}')
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as t:
        ti = tarfile.TarInfo("plugin.wasm")
        ti.size = len(module)
        t.addfile(ti, io.BytesIO(module))
    layer = gzip.compress(buf.getvalue())
    cfg = json.dumps({"architecture": "amd64", "os": "linux",
                      "rootfs": {"type": "layers", "diff_ids": [sha256(buf.getvalue())]}}).encode()
    m = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
         "config": dict(mediaType="application/vnd.oci.image.config.v1+json", **blob(cfg)),
         "layers": [dict(mediaType="application/vnd.oci.image.layer.v1.tar+gzip", **blob(layer))],
         "annotations": {"module.wasm.image/variant": "compat"}}
    mb = json.dumps(m).encode()
    md = blob(mb)
    idx = {"schemaVersion": 2, "manifests": [dict(mediaType="application/vnd.oci.image.manifest.v1+json",
                                                  annotations={"org.opencontainers.image.ref.name": tag}, **md)]}
    with open(os.path.join(root, "index.json"), "w") as f:
        f.write(json.dumps(idx))
    return md["digest"]


class Hub:
    def __init__(self, test, data, args=()):
        self.test, self.data, self.args = test, data, list(args)
        self.port = harness.free_port()
        self.proc = None
        self.start()

    def start(self):
        self.log = open(os.path.join(self.test.tmp, "hub-%d.log" % self.port), "ab")
        self.proc = subprocess.Popen([harness.weir_bin(), "hub", "--listen", "127.0.0.1:%d" % self.port,
                                      "--data", self.data, "--workers", "2"] + self.args,
                                     stdout=self.log, stderr=self.log)
        harness.wait_until(lambda: harness.port_open(self.port), what="weir hub", proc=self.proc)

    def kill(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()
        self.log.close()

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
            self.log.close()

    @property
    def host(self):
        return "127.0.0.1:%d" % self.port


class DockerRegistry:
    """Debian's docker-registry (distribution/distribution), own config and port."""
    def __init__(self, test):
        self.port = harness.free_port()
        root = os.path.join(test.tmp, "docker-registry")
        os.makedirs(root, exist_ok=True)
        cfg = os.path.join(root, "config.yml")
        with open(cfg, "w") as f:
            f.write("version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: %s\n"
                    "  delete:\n    enabled: true\nhttp:\n  addr: 127.0.0.1:%d\n" % (os.path.join(root, "data"), self.port))
        self.log = open(os.path.join(root, "log"), "ab")
        self.proc = subprocess.Popen(["docker-registry", "serve", cfg], stdout=self.log, stderr=self.log)
        harness.wait_until(lambda: harness.port_open(self.port), what="docker-registry", proc=self.proc)

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.log.close()

    @property
    def host(self):
        return "127.0.0.1:%d" % self.port


def request(port, method, path, body=None, headers=None, timeout=30):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        c.request(method, path, body=body, headers=headers or {})
        r = c.getresponse()
        data = r.read()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, data
    finally:
        c.close()


def error_code(body):
    try:
        return json.loads(body)["errors"][0]["code"]
    except Exception:
        return None


class HubTestCase(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="weir-hub-it-")
        self.env = dict(os.environ, WEIR_STORE=os.path.join(self.tmp, "store"),
                        DOCKER_CONFIG=os.path.join(self.tmp, "docker"), HOME=self.tmp)
        self._stops = []

    def tearDown(self):
        for s in reversed(self._stops):
            s()
        shutil.rmtree(self.tmp, ignore_errors=True)

    def hub(self, data=None, args=()):
        h = Hub(self, data or os.path.join(self.tmp, "hub"), args)
        self._stops.append(h.stop)
        return h

    def docker_registry(self):
        r = DockerRegistry(self)
        self._stops.append(r.stop)
        return r

    def weir(self, *args, check=True, input=None):
        p = subprocess.run([harness.weir_bin()] + list(args), env=self.env, capture_output=True, text=True,
                           input=input, timeout=120)
        if check and p.returncode != 0:
            self.fail("weir %s failed (%d):\n%s%s" % (" ".join(args), p.returncode, p.stdout, p.stderr))
        return p

    def skopeo(self, *args, check=True):
        p = subprocess.run(["skopeo"] + list(args), env=self.env, capture_output=True, text=True, timeout=120)
        if check and p.returncode != 0:
            self.fail("skopeo %s failed:\n%s%s" % (" ".join(args), p.stdout, p.stderr))
        return p

    def write(self, name, data):
        path = os.path.join(self.tmp, name)
        with open(path, "wb") as f:
            f.write(data)
        return path
