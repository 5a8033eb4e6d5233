"""Bodies streamed through weir: chunked both ways, and 100 MB in each
direction without weir holding it in memory (its peak RSS, VmHWM, must not
grow by more than a few MB)."""

import hashlib
import json
import socket
import threading
import unittest

from upstream_harness import UpstreamTestCase, cluster, route

MB = 1024 * 1024
BIG = 100 * MB
RSS_GROWTH_LIMIT_KB = 8 * 1024


def read_response_head(sock):
    buf = b""
    while b"\r\n\r\n" not in buf:
        data = sock.recv(65536)
        if not data:
            raise IOError("closed before response head")
        buf += data
    head, rest = buf.split(b"\r\n\r\n", 1)
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {}
    for line in lines[1:]:
        k, v = line.split(":", 1)
        headers[k.strip().lower()] = v.strip()
    return status, headers, rest


class ChunkedDecoder:
    """Incremental chunked-body decoder that hashes instead of keeping data."""

    def __init__(self):
        self.buf = b""
        self.sha = hashlib.sha256()
        self.size = 0
        self.done = False
        self.state = "size"
        self.left = 0

    def feed(self, data):
        self.buf += data
        while not self.done:
            if self.state == "size":
                i = self.buf.find(b"\r\n")
                if i < 0:
                    return
                n = int(self.buf[:i].split(b";")[0], 16)
                self.buf = self.buf[i + 2:]
                if n == 0:
                    self.done = True
                    return
                self.state, self.left = "data", n
            elif self.state == "data":
                if not self.buf:
                    return
                take = self.buf[:self.left]
                self.buf = self.buf[len(take):]
                self.sha.update(take)
                self.size += len(take)
                self.left -= len(take)
                if self.left == 0:
                    self.state = "crlf"
            else:
                if len(self.buf) < 2:
                    return
                self.buf = self.buf[2:]
                self.state = "size"


def pattern_block():
    return bytes((i * 7) & 0xFF for i in range(MB))


class StreamingTest(UpstreamTestCase):
    def setUp(self):
        super().setUp()
        self.up = self.start_upstream()
        self.weir = self.start_weir([route(cluster="up", timeout="120s")],
                                    [cluster("up", [self.up.port])])

    def test_chunked_request_is_forwarded_whole(self):
        sock = socket.create_connection(("127.0.0.1", self.weir.port))
        parts = [b"hello ", b"chunked ", b"world"]
        req = b"POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
        for p in parts:
            req += b"%x\r\n%s\r\n" % (len(p), p)
        req += b"0\r\n\r\n"
        sock.sendall(req)
        status, headers, rest = read_response_head(sock)
        self.assertEqual(status, 200)
        length = int(headers["content-length"])
        while len(rest) < length:
            rest += sock.recv(65536)
        sock.close()
        seen = json.loads(rest)
        self.assertEqual(seen["body_size"], len(b"".join(parts)))
        self.assertEqual(seen["body_sha256"], hashlib.sha256(b"".join(parts)).hexdigest())

    def test_chunked_response_is_streamed_to_client(self):
        resp, body = self.weir.request("GET", "/chunked/300000")
        self.assertEqual(resp.status, 200)
        self.assertEqual(len(body), 300000)

    def test_100mb_download_does_not_grow_memory(self):
        before = self.weir.vm_hwm_kb()
        sock = socket.create_connection(("127.0.0.1", self.weir.port))
        sock.sendall(b"GET /chunked/%d HTTP/1.1\r\nHost: x\r\n\r\n" % BIG)
        status, headers, rest = read_response_head(sock)
        self.assertEqual(status, 200)
        # weir re-frames: count bytes of the body however it is framed.
        total = len(rest)
        dec = None
        if headers.get("transfer-encoding") == "chunked":
            dec = ChunkedDecoder()
            dec.feed(rest)
            while not dec.done:
                data = sock.recv(1 << 20)
                if not data:
                    break
                dec.feed(data)
            total = dec.size
        else:
            length = int(headers["content-length"])
            while total < length:
                data = sock.recv(1 << 20)
                if not data:
                    break
                total += len(data)
        sock.close()
        self.assertEqual(total, BIG)
        growth = self.weir.vm_hwm_kb() - before
        self.assertLess(growth, RSS_GROWTH_LIMIT_KB, "VmHWM grew by %d kB" % growth)

    def test_100mb_upload_streams_both_ways_without_growing_memory(self):
        before = self.weir.vm_hwm_kb()
        sock = socket.create_connection(("127.0.0.1", self.weir.port))
        block = pattern_block()
        sent_sha = hashlib.sha256()
        result = {}

        def reader():
            status, headers, rest = read_response_head(sock)
            result["status"] = status
            dec = ChunkedDecoder()
            dec.feed(rest)
            while not dec.done:
                data = sock.recv(1 << 20)
                if not data:
                    break
                dec.feed(data)
            result["size"] = dec.size
            result["sha"] = dec.sha.hexdigest()

        t = threading.Thread(target=reader)
        sock.sendall(b"POST /stream-echo HTTP/1.1\r\nHost: x\r\n"
                     b"Content-Length: %d\r\n\r\n" % BIG)
        t.start()
        for _ in range(BIG // MB):
            sock.sendall(block)
            sent_sha.update(block)
        t.join(timeout=120)
        sock.close()
        self.assertEqual(result.get("status"), 200)
        self.assertEqual(result.get("size"), BIG)
        self.assertEqual(result.get("sha"), sent_sha.hexdigest())
        growth = self.weir.vm_hwm_kb() - before
        self.assertLess(growth, RSS_GROWTH_LIMIT_KB, "VmHWM grew by %d kB" % growth)


if __name__ == "__main__":
    unittest.main()
