"""Fix ``streams-records``: DynamoDB Streams GetRecords writes its records as JSON directly.

Upstream moto answers GetRecords through its generic, model-driven response
serializer, which walks every attribute of every image against the service
model, picking each member's value through several layers of lookups. A
stream record is already in the wire shape (moto builds it from the item's
``to_json()``), so all that walk does for a record without binary attributes
is convert ``ApproximateCreationDateTime`` to epoch seconds. Under a pipe
polling a busy ledger table it was about a third of the DynamoDB process's
CPU (py-spy).

This fix serializes the envelope (``NextShardIterator``, headers, status) the
upstream way and writes the records with ``json.dumps``, converting the
timestamp with upstream's own converter. Records holding a binary value
(``B`` or ``BS`` anywhere, nested too) take the upstream path unchanged,
since its blob handling has rules of its own. The equivalence test in
``test/moto/fix-equivalence.int.test.ts`` reads the same stream through a
server with the fix and one without.
"""

from __future__ import annotations

import json
from typing import Any

_BINARY_TYPES = frozenset(("B", "BS"))


def _has_binary(attribute: Any) -> bool:
    """Whether a wire-shaped attribute value (``{"S": ...}``, ``{"M": {...}}``, ...) holds a blob."""
    if not isinstance(attribute, dict):
        return False
    for kind, value in attribute.items():
        if kind in _BINARY_TYPES:
            return True
        if kind == "M" and isinstance(value, dict):
            if any(_has_binary(v) for v in value.values()):
                return True
        elif kind == "L" and isinstance(value, list):
            if any(_has_binary(v) for v in value):
                return True
    return False


def _record_has_binary(record: dict[str, Any]) -> bool:
    change = record.get("dynamodb", {})
    for image in ("Keys", "NewImage", "OldImage"):
        attributes = change.get(image)
        if isinstance(attributes, dict) and any(_has_binary(v) for v in attributes.values()):
            return True
    return False


def apply() -> None:
    from moto.core.responses import ActionResult
    from moto.core.serialize import TimestampSerializer
    from moto.dynamodbstreams.responses import DynamoDBStreamsHandler

    unix = TimestampSerializer.TIMESTAMP_FORMAT_UNIX
    timestamps = TimestampSerializer(unix)
    upstream = DynamoDBStreamsHandler.get_records

    def wire(record: dict[str, Any]) -> dict[str, Any]:
        change = dict(record["dynamodb"])
        created = change.get("ApproximateCreationDateTime")
        if created is not None:
            change["ApproximateCreationDateTime"] = timestamps._convert_timestamp_to_str(
                created, unix
            )
        return {**record, "dynamodb": change}

    def get_records(self: Any) -> Any:
        answer = upstream(self)
        result = answer.result if isinstance(answer, ActionResult) else None
        records = result.get("Records") if isinstance(result, dict) else None
        if not records or any(_record_has_binary(r) for r in records):
            return answer
        status, headers, body = self.serialized(ActionResult({**result, "Records": []}))
        envelope = json.loads(body)
        envelope["Records"] = [wire(r) for r in records]
        return json.dumps(envelope), {**headers, "status": status}

    DynamoDBStreamsHandler.get_records = get_records  # type: ignore[method-assign]
