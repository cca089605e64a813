"""The HTTP side: a ThreadingHTTPServer on 127.0.0.1 that hands each request to `Simulator.handle` and
carries out the reply, including the transport faults (reset, hang, truncated body).

Timed faults sleep in the request's own thread on an Event, so they never block other requests and end
at once when the endpoint closes.
"""

from __future__ import annotations

import contextlib
import socket
import struct
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType

from .protocol import Reply
from .simulator import Simulator


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], simulator: Simulator) -> None:
        self.simulator = simulator
        self.stopping = threading.Event()
        super().__init__(address, _Handler)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as botocore's connection pool expects
    disable_nagle_algorithm = True  # headers and body go out in two writes; Nagle would hold the second
    server_version = "pcwatch-simulator"
    server: _Server

    def version_string(self) -> str:
        return self.server_version

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length > 0 else b""
        reply = self.server.simulator.handle(self.command, self.path, dict(self.headers.items()), body)
        if reply.delay > 0:
            self.server.stopping.wait(reply.delay)
        if reply.action in ("reset", "hang"):
            self._drop(reset=reply.action == "reset")
            return
        self._send(reply)

    do_POST = _serve
    do_GET = _serve
    do_PUT = _serve
    do_DELETE = _serve

    def _send(self, reply: Reply) -> None:
        body = reply.body
        self.send_response(reply.status)
        for name, value in reply.headers.items():
            self.send_header(name, value)
        if reply.action == "unsized":  # no Content-Length: the body ends when the connection closes
            self.send_header("Connection", "close")
            self.end_headers()
            self.close_connection = True
            with contextlib.suppress(OSError):  # the client may stop reading and close first
                self.wfile.write(body)
            return
        self.send_header("Content-Length", str(len(body)))
        if reply.action == "truncate":
            self.send_header("Connection", "close")
        self.end_headers()
        if reply.action == "truncate":
            self.wfile.write(body[: max(1, len(body) // 2)])
            self.wfile.flush()
            self._drop(reset=False)
            return
        with contextlib.suppress(OSError):  # a client refusing a huge body closes before it is all sent
            self.wfile.write(body)

    def _drop(self, *, reset: bool) -> None:
        """Close without (the rest of) a response; with `reset`, an RST instead of a FIN."""
        self.close_connection = True
        try:
            if reset:
                self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            else:
                self.connection.shutdown(socket.SHUT_WR)
        except OSError:
            pass

    def log_message(self, format: str, *args: object) -> None:
        pass  # requests are counted in Simulator.stats; per-request lines would flood a demo's terminal


class Endpoint:
    """A running simulator endpoint. `url` is where clients connect; `close()` (or leaving the `with`
    block) stops it."""

    def __init__(self, simulator: Simulator, host: str = "127.0.0.1", port: int = 0) -> None:
        self.simulator = simulator
        self._server = _Server((host, port), simulator)
        address = self._server.server_address
        self.host, self.port = str(address[0]), int(address[1])
        self.url = f"http://{self.host}:{self.port}"
        simulator.base_url = self.url  # where report URLs point when a request names no usable host
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.1},
            name="pcwatch-simulator",
            daemon=True,
        )
        self._thread.start()

    def close(self) -> None:
        self._server.stopping.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> Endpoint:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


def serve(simulator: Simulator, port: int = 0, host: str = "127.0.0.1") -> Endpoint:
    """Start serving `simulator` on `host:port` (0: any free port) in a daemon thread."""
    return Endpoint(simulator, host, port)
