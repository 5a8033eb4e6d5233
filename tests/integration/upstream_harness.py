"""Helpers for the upstream / router integration tests.

Starts the real pieces on loopback ports chosen by the kernel: weir itself
(with an Envoy v3 config written to a temp dir), nginx (generated config) and
the failure-mode test server in servers/test_upstream.py. Configs are written
as JSON, which is valid YAML, so tests build them as Python dicts.
"""

import http.client
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
SERVER = os.path.join(HERE, "servers", "test_upstream.py")


def weir_bin():
    path = os.environ.get("WEIR_BIN")
    if not path:
        build = os.environ.get("WEIR_BUILD_DIR", os.path.join(HERE, "..", "..", "build"))
        path = os.path.join(build, "weir")
    return os.path.abspath(path)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def refused_port():
    """A port nothing listens on (bound, then closed)."""
    return free_port()


def wait_for_port(port, timeout=10.0, proc=None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError("process exited with %s before listening" % proc.returncode)
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.02)
    raise RuntimeError("nothing listening on %d after %.0fs" % (port, timeout))


class TestUpstream:
    """servers/test_upstream.py as a child process."""

    def __init__(self, name="upstream"):
        self.name = name
        self.proc = subprocess.Popen([sys.executable, SERVER, "--name", name],
                                     stdout=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline().split()
        if len(line) != 2 or line[0] != "PORT":
            raise RuntimeError("test upstream did not report its port")
        self.port = int(line[1])

    def stats(self):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
        conn.request("GET", "/__stats")
        data = json.loads(conn.getresponse().read())
        conn.close()
        return data

    def stop(self):
        self.proc.kill()
        self.proc.wait()
        self.proc.stdout.close()


class Nginx:
    """nginx as an upstream (or as the reference proxy in the benchmark)."""

    def __init__(self, http_block, workdir):
        self.dir = tempfile.mkdtemp(dir=workdir)
        self.port = free_port()
        conf = os.path.join(self.dir, "nginx.conf")
        with open(conf, "w") as f:
            f.write(nginx_conf(self.dir, http_block.replace("@PORT@", str(self.port))))
        self.proc = subprocess.Popen(["nginx", "-c", conf, "-p", self.dir, "-e", "stderr"],
                                     stderr=subprocess.DEVNULL)
        wait_for_port(self.port, proc=self.proc)

    def stop(self):
        self.proc.terminate()
        self.proc.wait()


def nginx_conf(workdir, http_block, workers=1):
    return """
daemon off;
master_process off;
worker_processes %d;
pid %s/nginx.pid;
error_log stderr error;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path %s/body;
  proxy_temp_path %s/proxy;
  fastcgi_temp_path %s/fastcgi;
  uwsgi_temp_path %s/uwsgi;
  scgi_temp_path %s/scgi;
  keepalive_requests 1000000;
  %s
}
""" % (workers, workdir, workdir, workdir, workdir, workdir, workdir, http_block)


NGINX_UPSTREAM = """
server {
  listen 127.0.0.1:@PORT@;
  client_max_body_size 0;
  location = /hello { return 200 "hello from nginx\\n"; }
  location / { return 200 "nginx $request_method $request_uri\\n"; }
}
"""


def cluster(name, ports, lb_policy="ROUND_ROBIN", type_="STATIC", address="127.0.0.1",
            weights=None, **extra):
    endpoints = []
    for i, port in enumerate(ports):
        ep = {"endpoint": {"address": {"socket_address": {"address": address,
                                                           "port_value": port}}}}
        if weights:
            ep["load_balancing_weight"] = weights[i]
        endpoints.append(ep)
    c = {"name": name, "type": type_, "connect_timeout": "1s", "lb_policy": lb_policy,
         "load_assignment": {"cluster_name": name, "endpoints": [{"lb_endpoints": endpoints}]}}
    c.update(extra)
    return c


def bootstrap(listen_port, admin_port, routes, clusters, vhost_extra=None):
    vhost = {"name": "default", "domains": ["*"], "routes": routes}
    if vhost_extra:
        vhost.update(vhost_extra)
    hcm = {
        "@type": "type.googleapis.com/envoy.extensions.filters.network."
                 "http_connection_manager.v3.HttpConnectionManager",
        "stat_prefix": "ingress_http",
        "route_config": {"name": "local", "virtual_hosts": [vhost]},
        "http_filters": [{"name": "envoy.filters.http.router", "typed_config": {
            "@type": "type.googleapis.com/envoy.extensions.filters.http.router.v3.Router"}}],
    }
    return {
        "admin": {"address": {"socket_address": {"address": "127.0.0.1",
                                                 "port_value": admin_port}}},
        "static_resources": {
            "listeners": [{
                "name": "main",
                "address": {"socket_address": {"address": "127.0.0.1",
                                               "port_value": listen_port}},
                "filter_chains": [{"filters": [{
                    "name": "envoy.filters.network.http_connection_manager",
                    "typed_config": hcm}]}],
            }],
            "clusters": clusters,
        },
    }


class Weir:
    def __init__(self, config, workdir, concurrency=1):
        self.port = config["static_resources"]["listeners"][0]["address"]["socket_address"][
            "port_value"]
        self.admin_port = config["admin"]["address"]["socket_address"]["port_value"]
        path = os.path.join(workdir, "weir-%d.yaml" % self.port)
        with open(path, "w") as f:
            json.dump(config, f, indent=1)
        self.log = open(os.path.join(workdir, "weir-%d.log" % self.port), "w+")
        self.proc = subprocess.Popen([weir_bin(), "proxy", "-c", path, "--log-level", os.environ.get("WEIR_LOG_LEVEL", "warn"), "--concurrency",
                                      str(concurrency)], stdout=self.log, stderr=self.log)
        wait_for_port(self.port, proc=self.proc)

    def request(self, method, path, body=None, headers=None, timeout=10):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        conn.request(method, path, body=body, headers=headers or {})
        resp = conn.getresponse()
        data = resp.read()
        conn.close()
        return resp, data

    def stats(self):
        conn = http.client.HTTPConnection("127.0.0.1", self.admin_port, timeout=5)
        conn.request("GET", "/stats")
        text = conn.getresponse().read().decode()
        conn.close()
        out = {}
        for line in text.splitlines():
            name, _, value = line.partition(": ")
            if value.isdigit():
                out[name] = int(value)
        return out

    def vm_hwm_kb(self):
        with open("/proc/%d/status" % self.proc.pid) as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
        return 0

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.log.close()

    def output(self):
        self.log.flush()
        with open(self.log.name) as f:
            return f.read()


class UpstreamTestCase(unittest.TestCase):
    """Owns a temp dir and stops whatever the test started."""

    def setUp(self):
        if not os.path.exists(weir_bin()):
            self.fail("weir binary not found at %s (set WEIR_BIN)" % weir_bin())
        self.workdir = tempfile.mkdtemp(prefix="weir-upstream-")
        self._stoppers = []

    def tearDown(self):
        for stop in reversed(self._stoppers):
            try:
                stop()
            except Exception:  # keep tearing down
                pass
        shutil.rmtree(self.workdir, ignore_errors=True)

    def start_upstream(self, name="upstream"):
        up = TestUpstream(name)
        self._stoppers.append(up.stop)
        return up

    def start_nginx(self, http_block=NGINX_UPSTREAM):
        n = Nginx(http_block, self.workdir)
        self._stoppers.append(n.stop)
        return n

    def start_weir(self, routes, clusters, vhost_extra=None, concurrency=1):
        config = bootstrap(free_port(), free_port(), routes, clusters, vhost_extra)
        w = Weir(config, self.workdir, concurrency)
        self._stoppers.append(w.stop)
        return w


def route(prefix="/", **action):
    """A route matching `prefix`; keyword args form the `route` action."""
    return {"match": {"prefix": prefix}, "route": action}
