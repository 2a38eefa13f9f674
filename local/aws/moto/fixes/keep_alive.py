"""Fix ``keep-alive``: keep HTTP/1.1 connections open between requests.

werkzeug's server (moto's) answers every request with ``Connection: close``,
because ``http.server`` cannot drain a body the application left unread
before it parses the next request line. Every SDK call then costs a TCP
connect, an accept, a new thread in the emulator and a close: measured under
the ledger's model-based test, about 250 new connections a second, and the
thread starts alone were an eighth of the emulator's samples. AWS keeps
connections alive, and so do our SDK clients (their agents are keep-alive).

A request whose body has a ``Content-Length`` (or that has no body) is read
whole before the application runs, so nothing is left on the socket for the
next request, and its answer leaves the connection open. A chunked body or
``Expect: 100-continue`` keeps upstream's behaviour (the connection closes),
as does a client that asks for ``Connection: close``.

The server never closes an idle connection itself: its thread waits for the
client's next request or its close. A server-side idle timeout would race
a client reusing the socket at that moment (ECONNRESET, and a retry that
fault-injection tests would count).
"""

from __future__ import annotations

import io

from moto.moto_server.werkzeug_app import MotoRequestHandler

_APPLIED = False


def _body_length(handler: MotoRequestHandler) -> int | None:
    """The request body's length when it can be read whole up front, else None."""
    headers = handler.headers
    if headers.get("Expect", "").strip().lower() == "100-continue":
        return None
    if "chunked" in headers.get("Transfer-Encoding", "").lower():
        return None
    length = headers.get("Content-Length")
    if length is None:
        return 0
    try:
        value = int(length)
    except ValueError:
        return None
    return value if value >= 0 else None


def apply() -> None:
    global _APPLIED
    if _APPLIED:
        return
    _APPLIED = True

    upstream_run_wsgi = MotoRequestHandler.run_wsgi
    upstream_send_header = MotoRequestHandler.send_header

    def run_wsgi(self: MotoRequestHandler) -> None:
        length = _body_length(self)
        if length is None:
            self._ledger_keep_alive = False
            upstream_run_wsgi(self)
            return
        socket_file = self.rfile
        body = socket_file.read(length) if length > 0 else b""
        if len(body) < length:
            # The client went away mid-body: nothing more can be read from this socket.
            self.close_connection = True
            return
        self._ledger_keep_alive = True
        self.rfile = io.BytesIO(body)
        try:
            upstream_run_wsgi(self)
        finally:
            self.rfile = socket_file
            self._ledger_keep_alive = False

    def send_header(self: MotoRequestHandler, keyword: str, value: str) -> None:
        # werkzeug's unconditional "Connection: close". http.server has already
        # decided from the request (close_connection), and says so when it closes.
        if (
            getattr(self, "_ledger_keep_alive", False)
            and not self.close_connection
            and keyword.lower() == "connection"
            and value.lower() == "close"
        ):
            return
        upstream_send_header(self, keyword, value)

    MotoRequestHandler.run_wsgi = run_wsgi  # type: ignore[method-assign]
    MotoRequestHandler.send_header = send_header  # type: ignore[method-assign]
