"""Fix ``streams-iterators``: DynamoDB Streams shard iterators expire, as in AWS.

Upstream moto keeps every shard iterator it hands out, one per GetShardIterator
and one more per GetRecords (its ``NextShardIterator``), for the life of the
server: in ``DynamoDBStreamsBackend.shard_iterators``, and again in the list of
instances moto tracks for every model class. A pipe
polling an idle stream ten times a second grows the server by about 19 KB/s,
some 70 MB an hour. AWS expires an iterator 15 minutes after it is issued;
this fix does the same: iterators are kept in the order they were issued, the
expired ones are dropped whenever a new one is issued (so the map holds at
most 15 minutes of them), and using an expired or unknown one answers AWS's
``ExpiredIteratorException`` (HTTP 400), which a reader recovers from by
asking for a new iterator at its checkpoint.

``LEDGER_MOTO_STREAMS_ITERATOR_TTL_SECONDS`` shortens the lifetime for tests.
"""

from __future__ import annotations

import os
import time
from collections import OrderedDict
from typing import Any

DEFAULT_TTL_SECONDS = 15 * 60


def _ttl_seconds() -> float:
    raw = os.environ.get("LEDGER_MOTO_STREAMS_ITERATOR_TTL_SECONDS")
    return DEFAULT_TTL_SECONDS if raw in (None, "") else float(raw)


def apply() -> None:
    from moto.core.exceptions import JsonRESTError
    from moto.dynamodbstreams import models

    class ExpiredIteratorException(JsonRESTError):
        code = 400

        def __init__(self) -> None:
            super().__init__(
                "ExpiredIteratorException",
                "Iterator expired. The iterator was created over 15 minutes ago.",
            )

    ttl = _ttl_seconds()

    class ExpiringIterators(dict):  # type: ignore[type-arg]
        """The backend's iterator map, forgetting iterators ``ttl`` seconds after issue."""

        def __init__(self) -> None:
            super().__init__()
            self._issued: OrderedDict[str, float] = OrderedDict()

        def __setitem__(self, key: str, value: Any) -> None:
            now = time.monotonic()
            # Issue times only grow, so the expired ones are always at the front.
            while self._issued:
                oldest, issued_at = next(iter(self._issued.items()))
                if now - issued_at < ttl:
                    break
                self._issued.popitem(last=False)
                super().pop(oldest, None)
            super().__setitem__(key, value)
            self._issued[key] = now
            self._issued.move_to_end(key)

        def __getitem__(self, key: str) -> Any:
            issued_at = self._issued.get(key)
            if issued_at is None or time.monotonic() - issued_at >= ttl:
                raise ExpiredIteratorException()
            return super().__getitem__(key)

    # moto's BaseModel also appends every instance it creates to a class-wide
    # `instances_tracked` list (for its /moto-api/ data view), which would keep
    # each expired iterator alive anyway. Iterators are not worth tracking.
    def untracked_new(cls: type, *args: Any, **kwargs: Any) -> Any:
        return object.__new__(cls)

    models.ShardIterator.__new__ = untracked_new  # type: ignore[method-assign,assignment]

    original_init = models.DynamoDBStreamsBackend.__init__

    def __init__(self: Any, region_name: str, account_id: str) -> None:
        original_init(self, region_name, account_id)
        self.shard_iterators = ExpiringIterators()

    models.DynamoDBStreamsBackend.__init__ = __init__  # type: ignore[method-assign]
