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

One request must not wait while holding it: an SQS ReceiveMessage long poll
(WaitTimeSeconds > 0) sleeps inside moto until a message arrives. Under the
lock that would freeze the whole local cloud for up to 20 s, including the
SendMessage that would end the wait. So a long poll is served as short polls
(WaitTimeSeconds 0) under the lock, waiting between them outside it until
another request has been served (any request may have enqueued a message:
a SendMessage, an SNS publish, an EventBridge rule's delivery) or five
seconds have passed (a message whose visibility timeout or delay ends
becomes receivable without any request, so such a message may be received
up to five seconds later than AWS would hand it out), until a message comes
or the wait is over: the same answer, without the stall, and an idle long
poll costs a short poll every five seconds instead of one every few
milliseconds.
"""

from __future__ import annotations

import io
import json
import threading
import time
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


# The longest a waiting long poll goes without looking again when no request comes:
# messages whose visibility timeout or delay ended are seen within this.
_IDLE_RECHECK_S = 5.0
# Bumped after every request served; waiting long polls wake on it.
_SERVED = threading.Condition()
_served_count = 0


def _wait_for_another_request(seen: int, timeout: float) -> int:
    with _SERVED:
        if _served_count == seen:
            _SERVED.wait(timeout)
        return _served_count


def _note_served() -> None:
    global _served_count
    with _SERVED:
        _served_count += 1
        _SERVED.notify_all()


def _long_poll_seconds(environ: dict[str, Any]) -> float:
    """WaitTimeSeconds of an SQS ReceiveMessage (JSON protocol), rewritten to 0; else 0."""
    if environ.get("HTTP_X_AMZ_TARGET") != "AmazonSQS.ReceiveMessage":
        return 0.0
    stream = environ.get("wsgi.input")
    if not isinstance(stream, io.BytesIO):
        return 0.0
    raw = stream.getvalue()
    try:
        body = json.loads(raw or b"{}")
        wait = float(body.get("WaitTimeSeconds", 0) or 0)
    except (ValueError, TypeError, AttributeError):
        return 0.0
    if wait <= 0:
        return 0.0
    body["WaitTimeSeconds"] = 0
    rewritten = json.dumps(body).encode()
    environ["wsgi.input"] = io.BytesIO(rewritten)
    environ["CONTENT_LENGTH"] = str(len(rewritten))
    environ["ATM_LEDGER_BODY"] = rewritten
    return wait


def _has_messages(chunks: list[bytes]) -> bool:
    try:
        return bool(json.loads(b"".join(chunks) or b"{}").get("Messages"))
    except (ValueError, AttributeError):
        return True  # not ours to interpret: hand it back as it is


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
        wait = _long_poll_seconds(environ)
        if wait > 0:
            deadline = time.monotonic() + wait
            seen = _served_count
            while True:
                captured: list[Any] = []
                # A fresh environ per poll: werkzeug caches the parsed request in it.
                attempt = {k: v for k, v in environ.items() if not k.startswith("werkzeug.")}
                attempt["wsgi.input"] = io.BytesIO(environ["ATM_LEDGER_BODY"])
                chunks = serve(self, attempt, lambda *a: captured.append(a))
                remaining = deadline - time.monotonic()
                if _has_messages(chunks) or remaining <= 0:
                    start_response(*captured[-1])
                    return chunks
                seen = _wait_for_another_request(seen, min(_IDLE_RECHECK_S, remaining))
        chunks = serve(self, environ, start_response)
        _note_served()
        return chunks

    def serve(
        self: DomainDispatcherApplication,
        environ: dict[str, Any],
        start_response: Callable[..., Any],
    ) -> list[bytes]:
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
