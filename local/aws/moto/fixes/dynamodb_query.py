"""Fix ``dynamodb-query``: a Query on a table's key reads its partition, not the whole table.

Upstream moto answers a Query without an index by sorting every item of the
table and keeping those whose partition key matches: O(n log n) in the size
of the table, per call. The ledger's timer sweep and the local runtime's
lease lookups query a few small partitions of a table that grows by some ten
items per transaction, so under a load test the emulator's time went mostly
to sorting items it then threw away.

moto keeps a table's items by partition key already. This fix gives the
query only that partition's items, in the order upstream's sort would give
them (within one partition: by sort key), and leaves the rest of the query
(key conditions, filters, paging, projection, direction) to upstream.
Queries on an index, which may span partitions, go to upstream unchanged.
"""

from __future__ import annotations

from typing import Any

_APPLIED = False


def apply() -> None:
    global _APPLIED
    if _APPLIED:
        return
    _APPLIED = True
    from moto.dynamodb.models.table import Table

    original = Table.query

    def query(self: Table, hash_key: Any, *args: Any, **kwargs: Any) -> Any:
        index_name = kwargs.get("index_name") if len(args) < 7 else args[6]
        if index_name or hash_key is None:
            return original(self, hash_key, *args, **kwargs)
        partition = self.items.get(hash_key)
        if partition is None:
            items: list[Any] = []
        elif self.range_key_attr:
            items = sorted(partition.values(), key=lambda x: x.range_key)
        else:
            items = [partition]
        # The request lock serves one request at a time, so the override cannot leak.
        self.all_items = lambda: items  # type: ignore[method-assign]
        try:
            return original(self, hash_key, *args, **kwargs)
        finally:
            del self.all_items

    Table.query = query  # type: ignore[method-assign]
