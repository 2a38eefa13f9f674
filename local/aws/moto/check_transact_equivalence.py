"""Differential check of the ``transact`` fix against upstream moto, in-process.

    python check_transact_equivalence.py [--cases 300] [--seed 1]

Runs random transactions (Put/Update/Delete/ConditionCheck, failing and
passing conditions, ALL_OLD, duplicate keys, invalid update expressions,
unknown tables, missing keys) against two identical DynamoDB backends, one
with upstream's ``transact_write_items`` and one with ours, and compares the
outcome (exception type, message, cancellation reasons), the items of every
table and the stream records, sequence numbers included. Exits 1 on the first
difference, printing the case; run it after every moto bump.

One deliberate difference is allowed: an item with two operations raises
TransactWriteSingleOpException in both, but upstream has already written the
items before it (and keeps them); we write nothing.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import random
import sys
from typing import Any

# As in launcher.py: keep bytecode out of the source tree.
if sys.pycache_prefix is None:
    sys.pycache_prefix = os.path.join(
        os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
        ".local-cloud",
        "pycache",
    )

from moto.dynamodb.models import DynamoDBBackend  # noqa: E402

UPSTREAM = DynamoDBBackend.transact_write_items

from fixes import transact_write  # noqa: E402  (UPSTREAM must be taken before any patch)

FIXED = transact_write.transact_write_items

_STREAM = {"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"}


def _backend(seed_items: list[tuple[str, dict[str, Any]]]) -> DynamoDBBackend:
    backend = DynamoDBBackend("us-east-1", "123456789012")
    common: dict[str, Any] = dict(
        throughput=None,
        global_indexes=None,
        indexes=None,
        streams=_STREAM,
        billing_mode="PAY_PER_REQUEST",
        sse_specification=None,
        tags=[],
        deletion_protection_enabled=False,
        warm_throughput=None,
    )
    backend.create_table(
        "h",
        schema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        attr=[{"AttributeName": "pk", "AttributeType": "S"}],
        **common,
    )
    backend.create_table(
        "hr",
        schema=[
            {"AttributeName": "pk", "KeyType": "HASH"},
            {"AttributeName": "sk", "KeyType": "RANGE"},
        ],
        attr=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "N"},
        ],
        **common,
    )
    for table, item in seed_items:
        backend.put_item(table, copy.deepcopy(item))
    return backend


def _snapshot(backend: DynamoDBBackend) -> dict[str, Any]:
    out = {}
    for name, table in backend.tables.items():
        items = sorted(json.dumps(i.to_json(), sort_keys=True) for i in table.all_items())
        records = [
            json.dumps(
                # SizeBytes measures the record with its timestamp, so it
                # varies with the clock; neither says anything about the fix.
                {
                    k: v
                    for k, v in r.record["dynamodb"].items()
                    if k not in ("ApproximateCreationDateTime", "SizeBytes")
                }
                | {"eventName": r.record["eventName"]},
                sort_keys=True,
                default=str,
            )
            for r in (table.stream_shard.items if table.stream_shard else [])
        ]
        out[name] = (items, records)
    return out


def _key(rng: random.Random, table: str) -> dict[str, Any]:
    if table == "hr":
        return {"pk": {"S": rng.choice("abc")}, "sk": {"N": str(rng.randint(1, 2))}}
    return {"pk": {"S": rng.choice("abcd")}}


def _random_op(rng: random.Random) -> dict[str, Any]:
    kind = rng.choices(["Put", "Update", "Delete", "ConditionCheck", "Bogus", "Two"], [5, 5, 3, 3, 0.2, 0.2])[0]
    if kind == "Two":
        return {
            "Put": {"TableName": "h", "Item": {"pk": {"S": "z"}}},
            "Delete": {"TableName": "h", "Key": {"pk": {"S": "z"}}},
        }
    table = rng.choices(["h", "hr", "missing"], [10, 10, 0.5])[0]
    key = _key(rng, "hr" if table == "hr" else "h")
    op: dict[str, Any] = {"TableName": table}
    condition = rng.choice(
        [None, "attribute_exists(pk)", "attribute_not_exists(pk)", "v >= :one", "v < :one"]
    )
    values: dict[str, Any] = {}
    if kind == "Put":
        item = dict(key)
        item["v"] = rng.choice([{"N": "1"}, {"N": "5"}, {"S": "x"}])
        if rng.random() < 0.05:
            item.pop("pk")
        op["Item"] = item
    elif kind == "Update":
        op["Key"] = key
        expression = rng.choice(
            ["SET v = :two", "ADD v :two", "SET w = v + :two", "REMOVE v", "ADD s :str"]
        )
        op["UpdateExpression"] = expression
        if ":two" in expression:
            values[":two"] = {"N": "2"}
        if ":str" in expression:
            values[":str"] = {"S": "q"}
    else:
        op["Key"] = key
        if kind == "ConditionCheck" and condition is None:
            condition = "attribute_exists(pk)"
    if condition:
        op["ConditionExpression"] = condition
        if ":one" in condition:
            values[":one"] = {"N": "1"}
    if values:
        op["ExpressionAttributeValues"] = values
    if rng.random() < 0.5:
        op["ReturnValuesOnConditionCheckFailure"] = "ALL_OLD"
    return {kind: op}


def _run(fn: Any, backend: DynamoDBBackend, items: list[dict[str, Any]]) -> tuple[Any, ...]:
    try:
        fn(backend, copy.deepcopy(items))
        return ("ok",)
    except Exception as e:
        return (type(e).__name__, getattr(e, "message", str(e)), getattr(e, "description", None))


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=300)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    outcomes: dict[str, int] = {}
    for case in range(args.cases):
        seed_items = []
        for _ in range(rng.randint(0, 6)):
            table = rng.choice(["h", "hr"])
            item = _key(rng, table)
            item["v"] = rng.choice([{"N": "0"}, {"N": "3"}, {"S": "txt"}])
            seed_items.append((table, item))
        transactions = [
            [_random_op(rng) for _ in range(rng.randint(1, 5))] for _ in range(rng.randint(1, 3))
        ]
        upstream, fixed = _backend(seed_items), _backend(seed_items)
        for items in transactions:
            expected, actual = _run(UPSTREAM, upstream, items), _run(FIXED, fixed, items)
            outcomes[expected[0]] = outcomes.get(expected[0], 0) + 1
            if expected != actual:
                print(json.dumps({"case": case, "items": items, "upstream": expected, "fixed": actual}, default=str))
                return 1
            if expected[0] == "TransactWriteSingleOpException":
                break  # upstream's partial writes make the states diverge from here on
            if _snapshot(upstream) != _snapshot(fixed):
                print(json.dumps({"case": case, "items": items, "state": "differs"}))
                return 1
    print(json.dumps({"cases": args.cases, "seed": args.seed, "outcomes": outcomes, "differences": 0}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
