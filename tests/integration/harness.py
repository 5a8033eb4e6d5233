"""Shared pieces for weir's integration tests.

Everything is real and local: the weir binary (WEIR_BIN, set by CTest) started
with a config written to a temp dir, nginx started with a generated config,
clients on loopback. Ports come from the kernel (bind port 0, read it back).
Configs are built as Python dicts and written as JSON, which is valid YAML.

    class MyTest(harness.WeirTestCase):
        def test_x(self):
            weir = self.start_weir(harness.bootstrap(
                listener_port=self.port(), admin_port=self.port(),
                virtual_hosts=[harness.vhost(routes=[harness.direct_route("/", 200, "hi")])]))
            status, headers, body = harness.http_get(weir.listener_port, "/")
"""

import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))


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


def wait_until(predicate, timeout=10.0, what="condition", proc=None):
    """Polls `predicate` until true; for process start-up only (there is no
    event to wait on across a process boundary)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError("process exited with %s while waiting for %s" % (proc.returncode, what))
        try:
            if predicate():
                return
        except OSError:
            pass
        time.sleep(0.02)
    raise RuntimeError("timed out waiting for %s" % what)


def port_open(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


# --- config builders (Envoy v3 shapes) ----------------------------------------

def direct_route(prefix, status, body=None, name=None, response_headers=None):
    r = {"match": {"prefix": prefix}, "direct_response": {"status": status}}
    if body is not None:
        r["direct_response"]["body"] = {"inline_string": body}
    if name:
        r["name"] = name
    if response_headers:
        r["response_headers_to_add"] = [{"header": {"key": k, "value": v}}
                                        for k, v in response_headers.items()]
    return r


def redirect_route(prefix, **redirect):
    return {"match": {"prefix": prefix}, "redirect": redirect}


def cluster_route(prefix, cluster, **action):
    a = {"cluster": cluster}
    a.update(action)
    return {"match": {"prefix": prefix}, "route": a}


def vhost(routes, domains=("*",), name="vh"):
    return {"name": name, "domains": list(domains), "routes": routes}


def static_cluster(name, ports, host="127.0.0.1", **extra):
    c = {
        "name": name,
        "type": "STATIC",
        "connect_timeout": "1s",
        "load_assignment": {
            "cluster_name": name,
            "endpoints": [{"lb_endpoints": [
                {"endpoint": {"address": {"socket_address": {"address": host, "port_value": p}}}}
                for p in ports]}],
        },
    }
    c.update(extra)
    return c


def hcm(virtual_hosts, stat_prefix="ingress_http", access_log=None, **extra):
    cfg = {
        "@type": "type.googleapis.com/envoy.extensions.filters.network."
                 "http_connection_manager.v3.HttpConnectionManager",
        "stat_prefix": stat_prefix,
        "route_config": {"name": "local_route", "virtual_hosts": virtual_hosts},
        "http_filters": [{
            "name": "envoy.filters.http.router",
            "typed_config": {"@type": "type.googleapis.com/envoy.extensions.filters.http.router.v3.Router"},
        }],
    }
    if access_log:
        cfg["access_log"] = access_log
    cfg.update(extra)
    return cfg


def file_access_log(path, text_format=None, json_format=None):
    tc = {"@type": "type.googleapis.com/envoy.extensions.access_loggers.file.v3.FileAccessLog", "path": path}
    if text_format is not None:
        tc["log_format"] = {"text_format_source": {"inline_string": text_format}}
    if json_format is not None:
        tc["log_format"] = {"json_format": json_format}
    return {"name": "envoy.access_loggers.file", "typed_config": tc}


def bootstrap(listener_port, admin_port, virtual_hosts=None, clusters=(), hcm_config=None,
              listener_name="listener_0", per_connection_buffer_limit_bytes=None):
    if hcm_config is None:
        hcm_config = hcm(virtual_hosts or [vhost([direct_route("/", 200, "ok\n")])])
    listener = {
        "name": listener_name,
        "address": {"socket_address": {"address": "127.0.0.1", "port_value": listener_port}},
        "filter_chains": [{"filters": [{
            "name": "envoy.filters.network.http_connection_manager",
            "typed_config": hcm_config,
        }]}],
    }
    if per_connection_buffer_limit_bytes is not None:
        listener["per_connection_buffer_limit_bytes"] = per_connection_buffer_limit_bytes
    return {
        "admin": {"address": {"socket_address": {"address": "127.0.0.1", "port_value": admin_port}}},
        "static_resources": {"listeners": [listener], "clusters": list(clusters)},
    }


# --- processes --------------------------------------------------------------

class Weir:
    """A `weir proxy` child process."""

    # Wasm plugins run on the interpreter unless a test asks for a tier: under
    # the proxy's default (auto) VMs move to compiled code when a background
    # compile finishes, which restarts the state plugins keep in their own
    # memory and which several tests count on. test_wasm_tiers.py runs auto
    # and aot. WEIR_TEST_WASM_ENGINE changes the default: CTest's
    # integration_aot_* entries run the Proxy-Wasm suites with "aot".
    def __init__(self, workdir, config, args=(), concurrency=1, name="weir", env=None):
        self.workdir = workdir
        self.config_path = os.path.join(workdir, name + ".yaml")
        self.write_config(config)
        listener = config["static_resources"]["listeners"][0]
        self.listener_port = listener["address"]["socket_address"]["port_value"]
        self.admin_port = config["admin"]["address"]["socket_address"]["port_value"]
        self.log_path = os.path.join(workdir, name + ".log")
        self._log = open(self.log_path, "wb")
        cmd = [weir_bin(), "proxy", "-c", self.config_path, "--concurrency", str(concurrency)]
        if "--wasm-engine" not in args:
            cmd += ["--wasm-engine", os.environ.get("WEIR_TEST_WASM_ENGINE", "interp")]
        cmd += list(args)
        self.proc = subprocess.Popen(cmd, stdout=self._log, stderr=subprocess.STDOUT, env=env)
        # Generous: weir.aot plugins compile before the listeners open.
        wait_until(lambda: admin_get(self.admin_port, "/ready")[0] == 200, timeout=60, what="weir /ready",
                   proc=self.proc)

    def write_config(self, config):
        tmp = self.config_path + ".tmp"
        with open(tmp, "w") as f:
            json.dump(config, f, indent=1)
        os.replace(tmp, self.config_path)

    def signal(self, sig):
        self.proc.send_signal(sig)

    def stop(self, timeout=15):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._log.close()
        return self.proc.returncode

    def log(self):
        with open(self.log_path, "rb") as f:
            return f.read().decode("utf-8", "replace")

    def stat(self, name):
        """One counter/gauge value from /stats?format=json (None if absent)."""
        status, _, body = admin_get(self.admin_port, "/stats?format=json")
        assert status == 200, body
        for s in json.loads(body)["stats"]:
            if s.get("name") == name:
                return s.get("value")
        return None


class Nginx:
    """nginx (Debian nginx-light) serving `locations` on its own port.

    locations: {"/path": "nginx directives"}, e.g. {"/": "return 200 'hello';"}.
    """

    def __init__(self, workdir, locations=None, port=None, name="nginx"):
        self.port = port or free_port()
        self.dir = os.path.join(workdir, name)
        os.makedirs(os.path.join(self.dir, "logs"), exist_ok=True)
        locations = locations or {"/": "return 200 'hello from nginx\\n';"}
        locs = "\n".join("    location %s { %s }" % (p, d) for p, d in locations.items())
        conf = """
worker_processes 1;
error_log %(dir)s/logs/error.log warn;
pid %(dir)s/nginx.pid;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path %(dir)s/body;
  proxy_temp_path %(dir)s/proxy;
  fastcgi_temp_path %(dir)s/fastcgi;
  uwsgi_temp_path %(dir)s/uwsgi;
  scgi_temp_path %(dir)s/scgi;
  keepalive_requests 100000;
  server {
    listen 127.0.0.1:%(port)d;
%(locs)s
  }
}
""" % {"dir": self.dir, "port": self.port, "locs": locs}
        self.conf = os.path.join(self.dir, "nginx.conf")
        with open(self.conf, "w") as f:
            f.write(conf)
        nginx = shutil.which("nginx") or "/usr/sbin/nginx"
        self.proc = subprocess.Popen([nginx, "-p", self.dir, "-c", self.conf, "-g", "daemon off;"],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_until(lambda: port_open(self.port), what="nginx port", proc=self.proc)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGQUIT)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


# --- clients ----------------------------------------------------------------

def http_request(port, method, path, body=None, headers=None, timeout=10):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        resp = conn.getresponse()
        data = resp.read()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, data
    finally:
        conn.close()


def http_get(port, path, headers=None, timeout=10):
    return http_request(port, "GET", path, headers=headers, timeout=timeout)


def admin_get(port, path):
    return http_request(port, "GET", path, timeout=5)


def admin_post(port, path):
    return http_request(port, "POST", path, timeout=5)


def raw_exchange(port, data, timeout=5.0, until_close=True):
    """Sends raw bytes, returns everything read until the server closes (or
    the timeout, if it keeps the connection open and until_close is False)."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(data)
        chunks = []
        while True:
            try:
                b = s.recv(65536)
            except socket.timeout:
                if until_close:
                    raise
                break
            if not b:
                break
            chunks.append(b)
        return b"".join(chunks)


def read_response(sock_file):
    """Reads one HTTP/1.1 response (Content-Length or chunked) from a
    socket.makefile('rb'); returns (status, headers dict, body)."""
    status_line = sock_file.readline()
    if not status_line:
        raise EOFError("connection closed before a response")
    parts = status_line.decode().split(" ", 2)
    status = int(parts[1])
    headers = {}
    while True:
        line = sock_file.readline()
        if line in (b"\r\n", b""):
            break
        k, v = line.decode().split(":", 1)
        headers[k.strip().lower()] = v.strip()
    body = b""
    if headers.get("transfer-encoding", "").lower() == "chunked":
        while True:
            size = int(sock_file.readline().split(b";")[0], 16)
            if size == 0:
                while sock_file.readline() not in (b"\r\n", b""):
                    pass
                break
            body += sock_file.read(size)
            sock_file.readline()
    elif "content-length" in headers:
        body = sock_file.read(int(headers["content-length"]))
    return status, headers, body


class WeirTestCase(unittest.TestCase):
    """Temp dir + process bookkeeping; everything started is stopped in tearDown."""

    def setUp(self):
        self.workdir = tempfile.mkdtemp(prefix="weir-it-")
        self._procs = []

    def tearDown(self):
        for p in reversed(self._procs):
            try:
                p.stop()
            except Exception:  # keep tearing down the rest
                pass
        shutil.rmtree(self.workdir, ignore_errors=True)

    def port(self):
        return free_port()

    def start_weir(self, config, args=(), concurrency=1, name="weir", env=None):
        w = Weir(self.workdir, config, args=args, concurrency=concurrency, name=name, env=env)
        self._procs.append(w)
        return w

    def start_nginx(self, locations=None, name="nginx"):
        n = Nginx(self.workdir, locations=locations, name=name)
        self._procs.append(n)
        return n
