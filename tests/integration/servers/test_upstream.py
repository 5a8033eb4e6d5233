#!/usr/bin/env python3
"""A small HTTP/1.1 upstream for weir's integration tests.

It exists for what nginx cannot do on demand: fail in controlled ways. The
behaviour is chosen by the request path, so one server process serves a whole
test class:

  /echo...              200, JSON of the request head and body size/sha256
  /stream-echo          200, the request body sent back as it arrives (chunked)
  /status/N             status N, short body
  /seq/KEY/S1,S2,...    the i-th request for KEY gets status Si (last one repeats)
  /bytes/N              N bytes of 'x' with Content-Length
  /chunked/N            N bytes of 'x' in chunked coding
  /reset                headers + part of the body, then a TCP reset
  /reset-before         reads the request, then a TCP reset without a byte
  /close-after          200 with Connection: close semantics (closes the socket)
  /slow/MS              waits MS milliseconds, then 200
  /delayseq/KEY/M1,M2   the i-th request for KEY waits Mi ms, then 200 (last one repeats)
  /hang                 never answers (until the client goes away)
  /__stats              JSON {"connections": accepted, "requests": served}

Every response carries `x-upstream-name: NAME` (--name) so tests can tell
upstreams apart. The port is chosen by the kernel and printed on stdout as
the first line ("PORT 12345").
"""

import argparse
import hashlib
import json
import socket
import struct
import sys
import threading
import time

MAX_HEAD = 64 * 1024


class Counters:
    def __init__(self):
        self.lock = threading.Lock()
        self.connections = 0
        self.requests = 0
        self.stats_connections = 0  # connections that asked for /__stats only
        self.sequences = {}

    def next_in_sequence(self, key):
        with self.lock:
            i = self.sequences.get(key, 0)
            self.sequences[key] = i + 1
            return i


class Conn:
    def __init__(self, sock, server):
        self.sock = sock
        self.server = server
        self.buf = b""
        self.counted_as_stats = False

    def fill(self):
        data = self.sock.recv(256 * 1024)
        if not data:
            raise EOFError()
        self.buf += data

    def read_head(self):
        while b"\r\n\r\n" not in self.buf:
            if len(self.buf) > MAX_HEAD:
                raise ValueError("head too large")
            self.fill()
        head, self.buf = self.buf.split(b"\r\n\r\n", 1)
        lines = head.decode("latin-1").split("\r\n")
        method, target, version = lines[0].split(" ", 2)
        headers = []
        for line in lines[1:]:
            name, value = line.split(":", 1)
            headers.append((name.strip().lower(), value.strip()))
        return method, target, version, headers

    def read_exact(self, n):
        while len(self.buf) < n:
            self.fill()
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def read_line(self):
        while b"\r\n" not in self.buf:
            self.fill()
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line

    def body_chunks(self, headers):
        """Yields the request body piece by piece without holding it whole."""
        h = dict(headers)
        if "chunked" in h.get("transfer-encoding", "").lower():
            while True:
                size = int(self.read_line().split(b";")[0], 16)
                if size == 0:
                    while self.read_line() != b"":
                        pass
                    return
                left = size
                while left:
                    if not self.buf:
                        self.fill()
                    piece = self.buf[:left]
                    self.buf = self.buf[len(piece):]
                    left -= len(piece)
                    yield piece
                self.read_exact(2)
        else:
            left = int(h.get("content-length", "0"))
            while left:
                if not self.buf:
                    self.fill()
                piece = self.buf[:left]
                self.buf = self.buf[len(piece):]
                left -= len(piece)
                yield piece

    def send(self, data):
        self.sock.sendall(data)

    def respond(self, status, body=b"", extra=(), close=False):
        head = ["HTTP/1.1 %d X" % status,
                "x-upstream-name: %s" % self.server.name,
                "content-length: %d" % len(body)]
        head += ["%s: %s" % kv for kv in extra]
        if close:
            head.append("connection: close")
        self.send(("\r\n".join(head) + "\r\n\r\n").encode() + body)

    def reset(self):
        # SO_LINGER 0 turns close() into an RST.
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.sock.close()


def handle(conn, method, target, headers):
    server = conn.server
    path = target.split("?", 1)[0]
    h = dict(headers)
    if path == "/__stats":
        for _ in conn.body_chunks(headers):
            pass
        with server.counters.lock:
            if not conn.counted_as_stats:
                conn.counted_as_stats = True
                server.counters.stats_connections += 1
            body = json.dumps({"connections": server.counters.connections -
                               server.counters.stats_connections,
                               "requests": server.counters.requests}).encode()
        conn.respond(200, body, [("content-type", "application/json")])
        return True
    with server.counters.lock:
        server.counters.requests += 1
    if path == "/stream-echo":
        conn.send(("HTTP/1.1 200 OK\r\nx-upstream-name: %s\r\n"
                   "transfer-encoding: chunked\r\n\r\n" % server.name).encode())
        for piece in conn.body_chunks(headers):
            conn.send(b"%x\r\n%s\r\n" % (len(piece), piece))
        conn.send(b"0\r\n\r\n")
        return True
    if path == "/reset-before":
        for _ in conn.body_chunks(headers):
            pass
        conn.reset()
        return False
    sha = hashlib.sha256()
    size = 0
    for piece in conn.body_chunks(headers):
        sha.update(piece)
        size += len(piece)
    if path.startswith("/echo"):
        body = json.dumps({"method": method, "target": target, "headers": headers,
                           "body_size": size, "body_sha256": sha.hexdigest(),
                           "upstream": server.name}).encode()
        conn.respond(200, body, [("content-type", "application/json")])
    elif path.startswith("/status/"):
        conn.respond(int(path.split("/")[2]), b"status\n")
    elif path.startswith("/seq/"):
        _, _, key, seq = path.split("/", 3)
        statuses = [int(s) for s in seq.split(",")]
        i = server.counters.next_in_sequence(key)
        conn.respond(statuses[min(i, len(statuses) - 1)], b"seq %d\n" % i)
    elif path.startswith("/bytes/"):
        conn.respond(200, b"x" * int(path.split("/")[2]))
    elif path.startswith("/chunked/"):
        n = int(path.split("/")[2])
        conn.send(("HTTP/1.1 200 OK\r\nx-upstream-name: %s\r\n"
                   "transfer-encoding: chunked\r\n\r\n" % server.name).encode())
        step = 64 * 1024
        while n > 0:
            k = min(step, n)
            conn.send(b"%x\r\n%s\r\n" % (k, b"x" * k))
            n -= k
        conn.send(b"0\r\n\r\n")
    elif path == "/reset":
        conn.send(b"HTTP/1.1 200 OK\r\ncontent-length: 100000\r\n\r\n" + b"x" * 1000)
        time.sleep(0.05)
        conn.reset()
        return False
    elif path == "/close-after":
        conn.respond(200, b"bye\n", close=True)
        return False
    elif path.startswith("/delayseq/"):
        _, _, key, seq = path.split("/", 3)
        delays = [int(s) for s in seq.split(",")]
        i = server.counters.next_in_sequence(key)
        time.sleep(delays[min(i, len(delays) - 1)] / 1000.0)
        conn.respond(200, b"attempt %d\n" % i)
    elif path.startswith("/slow/"):
        time.sleep(int(path.split("/")[2]) / 1000.0)
        conn.respond(200, b"slow\n")
    elif path == "/hang":
        try:
            while conn.sock.recv(4096):
                pass
        except OSError:
            pass
        return False
    else:
        conn.respond(404, b"no such test path\n")
    return h.get("connection", "").lower() != "close"


def serve_connection(sock, server):
    conn = Conn(sock, server)
    try:
        while True:
            method, target, _version, headers = conn.read_head()
            if not handle(conn, method, target, headers):
                break
    except (EOFError, OSError, ValueError):
        pass
    finally:
        try:
            sock.close()
        except OSError:
            pass


class Server:
    def __init__(self, name, port):
        self.name = name
        self.counters = Counters()
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", port))
        self.sock.listen(512)

    def port(self):
        return self.sock.getsockname()[1]

    def run(self):
        while True:
            sock, _ = self.sock.accept()
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            with self.counters.lock:
                self.counters.connections += 1
            threading.Thread(target=serve_connection, args=(sock, self), daemon=True).start()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--name", default="upstream")
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    server = Server(args.name, args.port)
    print("PORT %d" % server.port(), flush=True)
    server.run()


if __name__ == "__main__":
    sys.exit(main())
