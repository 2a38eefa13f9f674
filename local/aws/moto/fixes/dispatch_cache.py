"""Fix ``dispatch-cache``: finding a request's backend, and its action's method, costs a dict lookup.

For every request, upstream's ``DomainDispatcherApplication`` asks which of
its backends serves the request's host: it lists moto's package directory
(``os.listdir`` plus an ``isdir`` per entry, some 190 of them) and then tries
hundreds of URL patterns in turn. In our profiles of the local cloud under
load that was about a tenth of the emulator's time, spent answering the same
question with the same answer. The answer depends on the host string alone,
so this fix memoizes it per host. Hosts are the handful of service
endpoints a run talks to, so the cache stays small; a miss falls through to
upstream, unchanged.

Then, for every request, ``BaseResponse.call_action`` lists the methods of
the service's response class (``inspect.getmembers``, some hundred
attributes) to see whether the action is one of them: about 4 % of each
DynamoDB process's samples under ``npm run bench`` at 80 tx/s. A class's
methods are fixed once the fixes are applied, so the list is kept per class.

The action's name is turned into the method's (``PutItem`` -> ``put_item``)
by ``camelcase_to_underscores``, a character loop, which SQS also runs on
some twenty attribute names every time it builds a queue's attributes (every
SendMessage does, for ``ContentBasedDeduplication``): about 8 % of the
messaging process's samples. It is a pure function of its string, so its
answers are kept, in every moto module that imported it.
"""

from __future__ import annotations

import functools
import sys
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

    from moto.core import responses

    upstream_method_names = responses.method_names_from_class
    method_names: dict[type, list[str]] = {}

    def method_names_from_class(clazz: Any) -> list[str]:
        if not isinstance(clazz, type):
            return upstream_method_names(clazz)
        names = method_names.get(clazz)
        if names is None:
            names = method_names[clazz] = upstream_method_names(clazz)
        return names

    responses.method_names_from_class = method_names_from_class  # type: ignore[attr-defined]

    from moto.core import utils

    upstream_camelcase = utils.camelcase_to_underscores
    kept_camelcase = functools.lru_cache(maxsize=4096)(upstream_camelcase)

    def camelcase_to_underscores(argument: Any) -> str:
        if isinstance(argument, str):
            return kept_camelcase(argument)
        return upstream_camelcase(argument)

    # Modules imported later take it from utils; those already imported hold their own reference.
    utils.camelcase_to_underscores = camelcase_to_underscores  # type: ignore[assignment]
    for name, module in list(sys.modules.items()):
        if name.startswith("moto.") and getattr(module, "camelcase_to_underscores", None) is upstream_camelcase:
            module.camelcase_to_underscores = camelcase_to_underscores  # type: ignore[attr-defined]
