"""envoy.filters.network.tcp_proxy and envoy.filters.network.wasm in the real
weir binary, relaying to a real TCP echo server (servers/tcp_echo.py) started
by the test, driven by real sockets. The network Wasm filter is built here,
at test time, from tests/testdata/proxywasm/network_filter.c."""

import hashlib
import os
import socket
import sys
import threading
import time
import unittest

import harness
import test_wasm_filters

sys.path.insert(0, os.path.join(harness.HERE, "servers"))
from tcp_echo import EchoServer  # noqa: E402

MB = 1024 * 1024
BIG = 100 * MB
RSS_GROWTH_LIMIT_KB = 16 * 1024
TCP_PROXY_TYPE = "type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy"
NETWORK_WASM_TYPE = "type.googleapis.com/envoy.extensions.filters.network.wasm.v3.Wasm"


def tcp_proxy(cluster="echo", stat_prefix="tcp_test", **extra):
    cfg = {"@type": TCP_PROXY_TYPE, "stat_prefix": stat_prefix}
    if cluster is not None:
        cfg["cluster"] = cluster
    cfg.update(extra)
    return {"name": "envoy.filters.network.tcp_proxy", "typed_config": cfg}


def network_wasm(configuration, fail_open=False):
    path = os.path.join(test_wasm_filters.build_filters(), "network_filter.wasm")
    config = {
        "name": "net-test",
        "configuration": {"@type": "type.googleapis.com/google.protobuf.StringValue", "value": configuration},
        "vm_config": {"runtime": "envoy.wasm.runtime.v8", "code": {"local": {"filename": path}}},
    }
    if fail_open:
        config["fail_open"] = True
    return {"name": "envoy.filters.network.wasm", "typed_config": {"@type": NETWORK_WASM_TYPE, "config": config}}


def bootstrap(listener_port, admin_port, filters, clusters):
    return {
        "admin": {"address": {"socket_address": {"address": "127.0.0.1", "port_value": admin_port}}},
        "static_resources": {
            "listeners": [{
                "name": "tcp",
                "address": {"socket_address": {"address": "127.0.0.1", "port_value": listener_port}},
                "filter_chains": [{"filters": filters}],
            }],
            "clusters": clusters,
        },
    }


def recv_exactly(sock, n):
    out = b""
    while len(out) < n:
        data = sock.recv(n - len(out))
        if not data:
            break
        out += data
    return out


def recv_until_eof(sock):
    chunks = []
    while True:
        data = sock.recv(65536)
        if not data:
            return b"".join(chunks)
        chunks.append(data)


def vm_hwm_kb(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    raise RuntimeError("no VmHWM")


class TcpProxyTestCase(harness.WeirTestCase):
    def setUp(self):
        super().setUp()
        self.echo = EchoServer()

    def tearDown(self):
        super().tearDown()
        self.echo.stop()

    def start(self, filters, clusters=None):
        clusters = clusters if clusters is not None else [harness.static_cluster("echo", [self.echo.port])]
        return self.start_weir(bootstrap(self.port(), self.port(), filters, clusters))

    def connect(self, weir, timeout=10):
        return socket.create_connection(("127.0.0.1", weir.listener_port), timeout=timeout)


class TcpProxyTest(TcpProxyTestCase):
    def test_relays_bytes_both_ways(self):
        weir = self.start([tcp_proxy()])
        with self.connect(weir) as s:
            for msg in (b"hello", b"x" * 70000, b"\x00\x01binary\xff"):
                s.sendall(msg)
                self.assertEqual(recv_exactly(s, len(msg)), msg)
            s.shutdown(socket.SHUT_WR)
            self.assertEqual(recv_until_eof(s), b"[eof]")
        self.assertEqual(weir.stat("tcp.tcp_test.downstream_cx_total"), 1)
        harness.wait_until(lambda: weir.stat("tcp.tcp_test.downstream_cx_active") == 0, what="connection closed")
        sent = 5 + 70000 + 9
        self.assertEqual(weir.stat("tcp.tcp_test.downstream_cx_rx_bytes_total"), sent)
        self.assertEqual(weir.stat("tcp.tcp_test.downstream_cx_tx_bytes_total"), sent + len(b"[eof]"))
        self.assertEqual(weir.stat("cluster.echo.upstream_cx_total"), 1)
        self.assertEqual(weir.stat("cluster.echo.upstream_cx_tx_bytes_total"), sent)

    def test_half_close_reaches_upstream_and_the_answer_still_arrives(self):
        weir = self.start([tcp_proxy()])
        with self.connect(weir) as s:
            s.sendall(b"request")
            s.shutdown(socket.SHUT_WR)  # client done sending; the reply comes after
            self.assertEqual(recv_until_eof(s), b"request[eof]")

    def test_streams_100mb_each_way_with_bounded_memory(self):
        weir = self.start([tcp_proxy()])
        before = vm_hwm_kb(weir.proc.pid)
        block = bytes(range(256)) * 256  # 64 KiB
        sent = hashlib.sha256()
        result = {}
        s = self.connect(weir, timeout=60)

        def reader():
            got = hashlib.sha256()
            size = 0
            while True:
                data = s.recv(256 * 1024)
                if not data:
                    break
                got.update(data)
                size += len(data)
            result["size"], result["sha"] = size, got.hexdigest()

        t = threading.Thread(target=reader)
        t.start()
        for _ in range(BIG // len(block)):
            s.sendall(block)
            sent.update(block)
        s.shutdown(socket.SHUT_WR)
        t.join(timeout=120)
        s.close()
        sent.update(b"[eof]")
        self.assertEqual(result.get("size"), BIG + 5)
        self.assertEqual(result.get("sha"), sent.hexdigest())
        growth = vm_hwm_kb(weir.proc.pid) - before
        self.assertLess(growth, RSS_GROWTH_LIMIT_KB, "VmHWM grew by %d kB" % growth)

    def test_upstream_connect_failure_closes_the_client_after_every_attempt(self):
        dead = [harness.free_port(), harness.free_port()]
        weir = self.start([tcp_proxy(cluster="dead", max_connect_attempts=2)],
                          clusters=[harness.static_cluster("dead", dead)])
        with self.connect(weir) as s:
            try:
                self.assertEqual(recv_until_eof(s), b"")
            except ConnectionResetError:
                pass  # a close with nothing sent may arrive as RST
        self.assertEqual(weir.stat("cluster.dead.upstream_cx_connect_fail"), 2)
        self.assertEqual(weir.stat("tcp.tcp_test.upstream_connect_attempts_exceeded"), 1)

    def test_idle_timeout_closes_both_sides(self):
        weir = self.start([tcp_proxy(idle_timeout="0.3s")])
        with self.connect(weir) as s:
            s.sendall(b"ping")
            self.assertEqual(recv_exactly(s, 4), b"ping")
            start = time.monotonic()
            try:
                rest = recv_until_eof(s)  # blocks until weir closes
            except ConnectionResetError:
                rest = b""
            self.assertEqual(rest, b"")
            self.assertGreaterEqual(time.monotonic() - start, 0.25)
        self.assertEqual(weir.stat("tcp.tcp_test.idle_timeout"), 1)

    def test_weighted_clusters_spread_connections(self):
        other = EchoServer()
        try:
            weir = self.start(
                [tcp_proxy(cluster=None, weighted_clusters={"clusters": [{"name": "echo", "weight": 1},
                                                                       {"name": "other", "weight": 1}]})],
                clusters=[harness.static_cluster("echo", [self.echo.port]),
                          harness.static_cluster("other", [other.port])])
            for _ in range(40):
                with self.connect(weir) as s:
                    s.sendall(b"a")
                    self.assertEqual(recv_exactly(s, 1), b"a")
            self.assertGreater(self.echo.connections, 0)
            self.assertGreater(other.connections, 0)
            self.assertEqual(self.echo.connections + other.connections, 40)
        finally:
            other.stop()


class NetworkWasmTest(TcpProxyTestCase):
    def test_counts_bytes_and_rewrites_both_directions(self):
        weir = self.start([network_wasm("prefix"), tcp_proxy()])
        with self.connect(weir) as s:
            s.sendall(b"hello")
            self.assertEqual(recv_exactly(s, len(b"echo:prefix:hello")), b"echo:prefix:hello")
            s.shutdown(socket.SHUT_WR)
            self.assertEqual(recv_until_eof(s), b"[eof]")
        harness.wait_until(lambda: weir.stat("wasmcustom.net_close_remote") == 1, what="close callback")
        self.assertEqual(weir.stat("wasmcustom.net_connections"), 1)
        self.assertEqual(weir.stat("wasmcustom.net_downstream_bytes"), 5)
        self.assertEqual(weir.stat("wasmcustom.net_upstream_bytes"), len(b"prefix:hello[eof]"))

    def test_line_mode_holds_bytes_until_a_newline(self):
        weir = self.start([network_wasm("line"), tcp_proxy()])
        with self.connect(weir) as s:
            s.sendall(b"hel")
            s.settimeout(0.3)
            with self.assertRaises(socket.timeout):
                s.recv(10)  # paused: nothing may reach the echo server
            s.settimeout(10)
            s.sendall(b"lo\n")
            self.assertEqual(recv_exactly(s, 6), b"hello\n")

    def test_pause_then_continue_stream_from_a_tick(self):
        weir = self.start([network_wasm("pause"), tcp_proxy()])
        with self.connect(weir) as s:
            s.sendall(b"held")
            self.assertEqual(recv_exactly(s, 4), b"held")
            s.sendall(b"more")
            self.assertEqual(recv_exactly(s, 4), b"more")

    def test_close_stream_closes_the_connection(self):
        weir = self.start([network_wasm("count"), tcp_proxy()])
        with self.connect(weir) as s:
            s.sendall(b"please close")
            self.assertEqual(recv_until_eof(s), b"")
        harness.wait_until(lambda: weir.stat("wasmcustom.net_close_local") == 1, what="local close callback")
        self.assertEqual(self.echo_bytes(weir), 0)

    def echo_bytes(self, weir):
        return weir.stat("cluster.echo.upstream_cx_tx_bytes_total")

    def test_trap_fails_closed(self):
        weir = self.start([network_wasm("count"), tcp_proxy()])
        with self.connect(weir) as s:
            s.sendall(b"trap")
            try:
                self.assertEqual(recv_until_eof(s), b"")
            except ConnectionResetError:
                pass
        self.assertEqual(self.echo_bytes(weir), 0)
        self.assertIn("failed", weir.log())

    def test_trap_fails_open_and_passes_bytes_through(self):
        weir = self.start([network_wasm("count", fail_open=True), tcp_proxy()])
        with self.connect(weir) as s:
            s.sendall(b"trap")
            self.assertEqual(recv_exactly(s, 4), b"trap")
            s.sendall(b"after")
            self.assertEqual(recv_exactly(s, 5), b"after")


class ValidateTest(harness.WeirTestCase):
    def test_validate_reports_tcp_proxy_errors_with_position(self):
        import subprocess
        path = os.path.join(self.workdir, "bad.yaml")
        with open(path, "w") as f:
            f.write("""static_resources:
  listeners:
  - name: tcp
    address: {socket_address: {address: 127.0.0.1, port_value: 0}}
    filter_chains:
    - filters:
      - name: envoy.filters.network.tcp_proxy
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy
          cluster: nowhere
          idle_timeout: soon
          tunneling_config: {hostname: x}
""")
        r = subprocess.run([harness.weir_bin(), "validate", "-c", path], stdout=subprocess.PIPE, text=True)
        self.assertEqual(r.returncode, 1, r.stdout)
        self.assertIn("bad.yaml:9:11: static_resources.listeners[0].filter_chains[0].filters[0].typed_config."
                      "stat_prefix: required field missing", r.stdout)
        self.assertIn("bad.yaml:10:20: static_resources.listeners[0].filter_chains[0].filters[0].typed_config.cluster: "
                      "unknown cluster 'nowhere'", r.stdout)
        self.assertIn("bad.yaml:11:25: static_resources.listeners[0].filter_chains[0].filters[0].typed_config."
                      "idle_timeout: invalid duration 'soon'", r.stdout)
        self.assertIn("bad.yaml:12:11: static_resources.listeners[0].filter_chains[0].filters[0].typed_config."
                      "tunneling_config: field is not supported by weir", r.stdout)
        self.assertIn("4 errors in", r.stdout)


if __name__ == "__main__":
    unittest.main()
