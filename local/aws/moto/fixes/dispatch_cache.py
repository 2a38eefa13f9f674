"""Fix ``dispatch-cache``: finding a request's backend costs a dict lookup, not a directory scan.

For every request, upstream's ``DomainDispatcherApplication`` asks which of
its backends serves the request's host: it lists moto's package directory
(``os.listdir`` plus an ``isdir`` per entry, some 190 of them) and then tries
hundreds of URL patterns in turn. In our profiles of the local cloud under
load that was about a tenth of the emulator's time, spent answering the same
question with the same answer. The answer depends on the host string alone,
so this fix memoizes it per host. Hosts are the handful of service
endpoints a run talks to, so the cache stays small; a miss falls through to
upstream, unchanged.
"""

from __future__ import annotations

from typing import Any

_APPLIED = False
_MAX_HOSTS = 1024


def apply() -> None:
    global _APPLIED
    if _APPLIED:
        return
    _APPLIED = True
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication

    original = DomainDispatcherApplication.get_backend_for_host
    cache: dict[str | None, Any] = {}

    def get_backend_for_host(self: DomainDispatcherApplication, host: str | None) -> Any:
        try:
            return cache[host]
        except KeyError:
            pass
        backend = original(self, host)
        # Only answers that name a backend are stable; a miss may be retried with another host.
        if backend and len(cache) < _MAX_HOSTS:
            cache[host] = backend
        return backend

    DomainDispatcherApplication.get_backend_for_host = get_backend_for_host  # type: ignore[method-assign]
