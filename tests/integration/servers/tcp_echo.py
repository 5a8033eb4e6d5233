"""A threaded TCP echo server (stdlib only) for the TCP proxy tests.

Every byte received is sent back as it arrives. When the client half-closes
(FIN), the server answers "[eof]" after the echoed bytes and then closes —
so a test can tell that data sent after a client's FIN still reaches it.
Counts accepted connections (`connections`).

In-process:  server = EchoServer(); server.port; ...; server.stop()
Standalone:  python3 tcp_echo.py  (prints "PORT n", serves until killed)
"""

import socket
import sys
import threading


class EchoServer:
    def __init__(self, host="127.0.0.1"):
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind((host, 0))
        self.sock.listen(128)
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        self._lock = threading.Lock()
        self._clients = []
        self._stopped = False
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with self._lock:
                if self._stopped:
                    conn.close()
                    return
                self.connections += 1
                self._clients.append(conn)
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn):
        try:
            while True:
                data = conn.recv(256 * 1024)
                if not data:
                    conn.sendall(b"[eof]")
                    break
                conn.sendall(data)
        except OSError:
            pass
        finally:
            try:
                conn.close()
            except OSError:
                pass

    def stop(self):
        with self._lock:
            self._stopped = True
            clients = list(self._clients)
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.sock.close()
        for c in clients:
            try:
                c.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        self._thread.join(timeout=5)


if __name__ == "__main__":
    server = EchoServer()
    print("PORT %d" % server.port, flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        server.stop()
        sys.exit(0)
