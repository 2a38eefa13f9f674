"""Differential check of the ``expression-cache`` and ``ast-walks`` fixes against upstream moto, in-process.

    python check_expressions.py [--cases 400] [--seed 1]

Generates random condition and update expressions, valid and not, with
attribute names and values that are sometimes missing, and runs each text
several times with fresh values (the cache's hits) in two phases on fresh
backends: first with upstream's parsers and walks, then with both fixes
applied, then with the fixes' caches cut to five entries (so they are emptied
all the time). It
compares every outcome: the exception (type and message) or the parsed
condition (its structure, the names and values it reports as used, and what
it says of a set of items), the placeholders an update expression reports,
each update_item's and transact_write_items' result, and the items of the
table afterwards. Exits 1 on the first difference, printing it; run it after
every moto bump.
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

from moto.dynamodb.comparisons import create_condition_expression_parser  # noqa: E402
from moto.dynamodb.models import DynamoDBBackend  # noqa: E402
from moto.dynamodb.models.dynamo_type import DynamoType, Item  # noqa: E402
from moto.dynamodb.parsing.ast_nodes import (  # noqa: E402
    ExpressionAttributeName,
    ExpressionAttributeValue,
)
from moto.dynamodb.parsing.expressions import UpdateExpressionParser  # noqa: E402

from fixes import ast_walks, expression_cache, transact_write  # noqa: E402

_PATHS = ["a", "b", "#n0", "#n1", "a.b", "#n0.c", "l[0]", "#n1[1].x", "and", "status", "9z", "a..b"]
_VALUES = [":v0", ":v1", ":v2", ":s", ":missing"]
_TYPES = ["S", "N", "BOOL", "L", "M", "XX"]


def _operand(rng: random.Random) -> str:
    r = rng.random()
    if r < 0.45:
        return rng.choice(_PATHS)
    if r < 0.85:
        return rng.choice(_VALUES)
    return f"size({rng.choice(_PATHS)})"


def _condition(rng: random.Random, depth: int = 0) -> str:
    kinds = ["cmp", "fn", "between", "in", "and", "or", "not", "paren", "junk"]
    weights = [6, 4, 1, 1, 3 - depth, 2 - depth / 2, 1, 1, 0.3]
    kind = rng.choices(kinds, [max(w, 0) for w in weights])[0]
    if kind == "cmp":
        op = rng.choice(["=", "<>", "<", "<=", ">", ">=", "=="])
        return f"{_operand(rng)} {op} {_operand(rng)}"
    if kind == "fn":
        fn = rng.choice(
            ["attribute_exists", "attribute_not_exists", "attribute_type", "begins_with", "contains", "nofn"]
        )
        if fn in ("attribute_exists", "attribute_not_exists"):
            return f"{fn}({rng.choice(_PATHS)})"
        return f"{fn}({rng.choice(_PATHS)}, {_operand(rng)})"
    if kind == "between":
        return f"{_operand(rng)} BETWEEN {_operand(rng)} AND {_operand(rng)}"
    if kind == "in":
        return f"{_operand(rng)} IN ({', '.join(_operand(rng) for _ in range(rng.randint(1, 3)))})"
    if kind in ("and", "or"):
        return f"{_condition(rng, depth + 1)} {kind.upper()} {_condition(rng, depth + 1)}"
    if kind == "not":
        return f"NOT {_condition(rng, depth + 1)}"
    if kind == "paren":
        inner = _condition(rng, depth + 1)
        return f"(({inner}))" if rng.random() < 0.2 else f"({inner})"
    return rng.choice(["a = ", "( a = :v0", "a = :v0 AND", "a ! :v0", "a = :v0)"])


def _update(rng: random.Random) -> str:
    actions = {
        "SET": [
            "a = :v0",
            "#n0 = :v1",
            "b = a + :v0",
            "b = if_not_exists(b, :v0) + :v1",
            "c = if_not_exists(#n1, :v2)",
            "l = list_append(if_not_exists(l, :l), :l)",
            "m.x = :v0",
            "a = :missing",
            "pk = :s",
        ],
        "REMOVE": ["b", "#n1", "l[0]", "m.x"],
        "ADD": ["n :v0", "ss :ss"],
        "DELETE": ["ss :ss"],
    }
    clauses = []
    for keyword in rng.sample(list(actions), rng.randint(1, 3)):
        chosen = rng.sample(actions[keyword], min(rng.randint(1, 2), len(actions[keyword])))
        clauses.append(f"{keyword} {', '.join(chosen)}")
    text = " ".join(clauses)
    if rng.random() < 0.05:
        text = rng.choice(["SET", "SET a = ", "SET a = :v0 SET b = :v1", "REMOVE a, a"])
    return text


def _names(rng: random.Random) -> dict[str, str] | None:
    r = rng.random()
    if r < 0.05:
        return None
    names = {"#n0": "a", "#n1": rng.choice(["b", "status"])}
    if r < 0.15:
        names.pop(rng.choice(list(names)))
    return names


def _values(rng: random.Random) -> dict[str, Any] | None:
    if rng.random() < 0.03:
        return None
    values: dict[str, Any] = {
        ":v0": {"N": str(rng.randint(0, 3))},
        ":v1": rng.choice([{"N": "2"}, {"S": "x"}]),
        ":v2": {"S": rng.choice(["S", "N", "x"])},
        ":s": {"S": rng.choice(["a", "b"])},
        ":l": {"L": [{"N": "1"}]},
        ":ss": {"SS": ["p", "q"]},
    }
    if rng.random() < 0.1:
        values.pop(rng.choice(list(values)))
    return values


_ITEMS = [
    None,
    {"pk": {"S": "k"}, "a": {"N": "1"}, "b": {"S": "x"}},
    {"pk": {"S": "k"}, "a": {"M": {"b": {"N": "2"}, "c": {"S": "S"}}}, "l": {"L": [{"N": "1"}, {"M": {"x": {"N": "0"}}}]}},
    {"pk": {"S": "k"}, "status": {"S": "a"}, "b": {"N": "3"}},
]


def _shape(value: Any, depth: int = 0) -> Any:
    """A comparable picture of an object graph (no addresses)."""
    if depth > 30:
        return "..."
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if isinstance(value, (list, tuple, set, frozenset)):
        items = [_shape(v, depth + 1) for v in value]
        return sorted(items, key=repr) if isinstance(value, (set, frozenset)) else items
    if isinstance(value, dict):
        return {str(k): _shape(v, depth + 1) for k, v in value.items()}
    if isinstance(value, DynamoType):
        return ["DynamoType", value.to_json()]
    return [type(value).__name__, _shape(getattr(value, "__dict__", repr(value)), depth + 1)]


def _outcome(fn: Any) -> Any:
    try:
        return ["ok", fn()]
    except Exception as e:  # noqa: BLE001 - the exception is the outcome compared
        return [type(e).__name__, str(e), getattr(e, "message", None)]


def _evaluate(op: Any) -> list[Any]:
    out = []
    for raw in _ITEMS:
        item = None if raw is None else Item(DynamoType(raw["pk"]), None, attrs=copy.deepcopy(raw))
        out.append(_outcome(lambda: bool(op.expr(item))))
    return out


def _condition_case(text: str, names: Any, values: Any) -> Any:
    def run() -> Any:
        parser = create_condition_expression_parser(text, names, values)
        op = parser.parse()
        return [_shape(op), parser.expr_attr_names_found, parser.expr_attr_values_found, _evaluate(op)]

    return _outcome(run)


def _update_placeholders(text: str) -> Any:
    def run() -> Any:
        tree = UpdateExpressionParser.make(text)
        names = [n.get_attribute_name_placeholder() for n in tree.find_clauses([ExpressionAttributeName])]
        values = [v.get_value_name() for v in tree.find_clauses([ExpressionAttributeValue])]
        return [names, values]

    return _outcome(run)


def _backend() -> DynamoDBBackend:
    backend = DynamoDBBackend("us-east-1", "123456789012")
    backend.create_table(
        "t",
        schema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        attr=[{"AttributeName": "pk", "AttributeType": "S"}],
        throughput=None,
        global_indexes=None,
        indexes=None,
        streams={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
        billing_mode="PAY_PER_REQUEST",
        sse_specification=None,
        tags=[],
        deletion_protection_enabled=False,
        warm_throughput=None,
    )
    return backend


def _items(backend: DynamoDBBackend) -> Any:
    return sorted(json.dumps(i.to_json(), sort_keys=True) for i in backend.get_table("t").all_items())


def run_phase(cases: int, seed: int) -> tuple[list[Any], dict[str, int]]:
    """Every outcome of the seeded cases, in order; and how often each kind of outcome came."""
    rng = random.Random(seed)
    outcomes: list[Any] = []
    kinds: dict[str, int] = {}
    backend = _backend()
    for case in range(cases):
        condition = _condition(rng)
        update = _update(rng)
        # Each text several times, with other names and values: the first is a miss, the rest hits.
        for _ in range(3):
            names, values = _names(rng), _values(rng)
            key = rng.choice(["k", "j", "i"])
            results = [
                _condition_case(condition, names, values),
                _update_placeholders(update),
                _outcome(
                    lambda: backend.update_item(
                        "t",
                        {"pk": {"S": key}},
                        update,
                        names,
                        values,
                        condition_expression=condition if rng.random() < 0.5 else None,
                        return_values_on_condition_check_failure="ALL_OLD",
                    ).to_json()
                ),
                _outcome(
                    lambda: backend.transact_write_items(
                        [
                            {
                                "Update": {
                                    "TableName": "t",
                                    "Key": {"pk": {"S": key}},
                                    "UpdateExpression": update,
                                    "ConditionExpression": condition,
                                    **({} if names is None else {"ExpressionAttributeNames": names}),
                                    **({} if values is None else {"ExpressionAttributeValues": values}),
                                }
                            }
                        ]
                    )
                ),
            ]
            for r in results:
                kinds[r[0]] = kinds.get(r[0], 0) + 1
            outcomes.append({"case": case, "condition": condition, "update": update, "results": results})
        outcomes.append({"case": case, "items": _items(backend)})
    return outcomes, kinds


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=400)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    transact_write.apply()  # both phases run TransactWriteItems as the local cloud does
    upstream, kinds = run_phase(args.cases, args.seed)
    expression_cache.apply()
    ast_walks.apply()
    fixed, _ = run_phase(args.cases, args.seed)
    # Again with caches of five entries, so that emptying a full cache happens all the time.
    expression_cache._MAX_ENTRIES = 5
    evicting, _ = run_phase(args.cases, args.seed)
    for side in (fixed, evicting):
        for expected, actual in zip(upstream, side, strict=True):
            if json.dumps(expected, sort_keys=True, default=str) != json.dumps(actual, sort_keys=True, default=str):
                print(json.dumps({"upstream": expected, "fixed": actual}, default=str))
                return 1
    print(json.dumps({"cases": args.cases, "seed": args.seed, "outcomes": kinds, "differences": 0}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
