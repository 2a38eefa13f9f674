"""Fix ``kinesis-reads``: GetRecords and PutRecord cost the same on a long shard as on a short one.

Upstream moto keeps a shard's records in an ordered dict keyed by sequence
number and, on every GetRecords, walks it from the first record to find those
after the iterator's position; every PutRecord copies all the keys to a list
to find the last one. Both grow with the shard: a consumer polling a stream
that has taken a few hundred thousand records spends its time rescanning
records it read long ago, and the emulator falls behind the rate it is given.

This fix keeps, beside the dict, the sorted list of its keys, and finds a
position by bisection. The answer is the same records, the same next
position and the same ``MillisBehindLatest``. The list is rebuilt whenever the
dict is not the one it was built from or has changed size behind our back
(upstream's resharding replaces a shard's dict), so no code path of moto's
can leave it stale.
"""

from __future__ import annotations

from bisect import bisect_right
from typing import Any

_APPLIED = False


def _keys(shard: Any) -> list[int]:
    cached = shard.__dict__.get("_ledger_keys")
    if cached is not None and cached[0] is shard.records and len(cached[1]) == len(shard.records):
        return cached[1]
    keys = list(shard.records.keys())
    shard.__dict__["_ledger_keys"] = (shard.records, keys)
    return keys


def apply() -> None:
    global _APPLIED
    if _APPLIED:
        return
    _APPLIED = True
    from moto.kinesis.models import Record, Shard

    def get_records(
        self: Shard, last_sequence_id: str, limit: int | None
    ) -> tuple[list[Record], int, int]:
        last_sequence_int = int(last_sequence_id)
        keys = _keys(self)
        start = bisect_right(keys, last_sequence_int)
        end = len(keys) if limit is None else min(len(keys), start + limit)
        results = [self.records[k] for k in keys[start:end]]
        secs_behind_latest = 0.0
        if results:
            last_sequence_int = results[-1].sequence_number
            very_last_record = self.records[keys[-1]]
            secs_behind_latest = very_last_record.created_at - results[-1].created_at
        return results, last_sequence_int, int(secs_behind_latest * 1000)

    def put_record(self: Shard, partition_key: str, data: str, explicit_hash_key: str) -> str:
        keys = _keys(self)
        sequence_number = (keys[-1] if keys else 0) + 1
        self.records[sequence_number] = Record(
            partition_key, data, sequence_number, explicit_hash_key
        )
        keys.append(sequence_number)
        return str(sequence_number)

    def get_min_sequence_number(self: Shard) -> int:
        keys = _keys(self)
        return keys[0] if keys else 0

    def get_max_sequence_number(self: Shard) -> int:
        keys = _keys(self)
        return keys[-1] if keys else 0

    Shard.get_records = get_records  # type: ignore[method-assign]
    Shard.put_record = put_record  # type: ignore[method-assign]
    Shard.get_min_sequence_number = get_min_sequence_number  # type: ignore[method-assign]
    Shard.get_max_sequence_number = get_max_sequence_number  # type: ignore[method-assign]
