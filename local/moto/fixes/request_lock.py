"""Fix ``lock``: serve one request at a time inside moto's backends.

moto's backends are plain dicts and lists mutated without any locking, and the
werkzeug server runs each connection in its own thread. Concurrent requests
then race: upstream's TransactWriteItems deep-copies a table while another
thread inserts into it ("dictionary changed size during iteration", HTTP 500),
and check-then-write sequences (conditions, then the write) interleave. Our
Lambdas call DynamoDB with many sockets in parallel, so this is the normal
case for us, not an edge case.

One global lock around the dispatching WSGI app makes every request atomic.
Throughput is bounded by one core anyway (the GIL), so the lock costs little.
"""

from __future__ import annotations

import io
import threading
from collections.abc import Callable, Iterable
from typing import Any

from moto.moto_server.werkzeug_app import DomainDispatcherApplication

_LOCK = threading.Lock()
_APPLIED = False


def _buffer_request_body(environ: dict[str, Any]) -> None:
    """Reads the request body before taking the lock.

    A slow client (or a large PutRecords) would otherwise hold the lock while
    its bytes trickle in, stalling every other request.
    """
    stream = environ.get("wsgi.input")
    if stream is None:
        return
    length_header = environ.get("CONTENT_LENGTH")
    if length_header:
        try:
            length = int(length_header)
        except ValueError:
            return
        body = stream.read(length) if length > 0 else b""
    elif environ.get("wsgi.input_terminated"):
        # Chunked upload: werkzeug has already framed the stream, read to EOF.
        body = stream.read()
    else:
        return
    environ["wsgi.input"] = io.BytesIO(body)


def apply() -> None:
    global _APPLIED
    if _APPLIED:
        return
    _APPLIED = True
    original_call = DomainDispatcherApplication.__call__

    def locked_call(
        self: DomainDispatcherApplication,
        environ: dict[str, Any],
        start_response: Callable[..., Any],
    ) -> Iterable[bytes]:
        _buffer_request_body(environ)
        with _LOCK:
            result = original_call(self, environ, start_response)
            # A WSGI app may return a lazy iterable whose iteration still reads
            # backend state (or even calls start_response); it must be drained
            # while we hold the lock, and closed per the WSGI contract.
            try:
                chunks = list(result)
            finally:
                close = getattr(result, "close", None)
                if close is not None:
                    close()
        return chunks

    DomainDispatcherApplication.__call__ = locked_call  # type: ignore[method-assign]
