"""Counts the requests the emulator serves, by service and action.

``GET /_ledger/stats`` answers ``{"requests": {"dynamodb.PutItem": 12, ...}}``
since the process started. The benchmark reads it before and after a run to
report emulator calls per transaction by service: counted here, every caller
is included (our functions, the local runtime's mappings and pipe, the
benchmark's own reads), which is what the emulator's CPU pays for. Not a fix:
AWS has no such route, and nothing but our tooling calls it.
"""

from __future__ import annotations

import io
import json
import threading
from collections import Counter
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import parse_qs

STATS_PATH = "/_ledger/stats"

_counts: Counter[str] = Counter()
_lock = threading.Lock()


def _service(environ: dict[str, Any]) -> str:
    auth = environ.get("HTTP_AUTHORIZATION", "")
    try:
        # AWS4-HMAC-SHA256 Credential=KEY/DATE/REGION/SERVICE/aws4_request, ...
        return auth.split("Credential=", 1)[1].split(",", 1)[0].split("/")[3]
    except IndexError:
        return "unknown"


def _action(environ: dict[str, Any]) -> str:
    target = environ.get("HTTP_X_AMZ_TARGET")
    if target:
        return target.rsplit(".", 1)[-1]
    if environ.get("CONTENT_TYPE", "").startswith("application/x-www-form-urlencoded"):
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        body = environ["wsgi.input"].read(length) if length > 0 else b""
        environ["wsgi.input"] = io.BytesIO(body)
        action = parse_qs(body.decode("utf-8", "replace")).get("Action")
        if action:
            return action[0]
    return f"{environ.get('REQUEST_METHOD', '?')} {environ.get('PATH_INFO', '')}"


def counting(app: Callable[..., Iterable[bytes]]) -> Callable[..., Iterable[bytes]]:
    def wrapped(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == STATS_PATH and environ.get("REQUEST_METHOD") == "GET":
            with _lock:
                body = json.dumps({"requests": dict(_counts)}).encode()
            start_response(
                "200 OK",
                [("Content-Type", "application/json"), ("Content-Length", str(len(body)))],
            )
            return [body]
        key = f"{_service(environ)}.{_action(environ)}"
        with _lock:
            _counts[key] += 1
        return app(environ, start_response)

    return wrapped
