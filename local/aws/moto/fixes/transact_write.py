"""Fix ``transact``: TransactWriteItems without whole-table copies.

Upstream (moto 5.2.x, ``DynamoDBBackend.transact_write_items``) deep-copies
every table a transaction touches before running it, so that it can swap the
copies back in on cancellation. That makes each transaction O(table size): a
3-item transaction ran at 22 tx/s on an empty table and 1 tx/s at 6,000 items.
Every posting of the ledger is one transaction on tables that only grow, so a
local run slowed down as it went.

The swap also broke DynamoDB Streams: a cancelled transaction replaced the
table object, so shard iterators handed out before it kept reading the old
object, which held the cancelled writes' records and never got new ones.

Here, with the same order of evaluation as upstream (so the same errors win
when a request is wrong in several ways):

1. every item is checked first without writing anything: shape, key unicity,
   the table and key, and its condition, collecting one cancellation reason
   per item exactly like upstream;
2. the items that passed are then written in order through moto's own
   put_item/update_item/delete_item (which validate the item or the update
   expression and emit the stream records), saving a copy of only the item
   about to be written, and the length of its table's stream, first;
3. if a check failed or a write raised, those saved items are put back and
   the streams are cut back to their length, so nothing of a cancelled
   transaction stays visible, not even its stream records.

Step 2 runs even when step 1 already cancelled the transaction, because
upstream also reports a ValidationException found in a later item's update
expression instead of the cancellation; the request lock makes the brief
write-then-undo invisible to other requests.
"""

from __future__ import annotations

import copy
from typing import Any

from moto.dynamodb.comparisons import get_filter_expression
from moto.dynamodb.exceptions import (
    ConditionalCheckFailed,
    MockValidationException,
    MultipleTransactionsException,
    TooManyTransactionsException,
    TransactionCanceledException,
    TransactWriteSingleOpException,
)
from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodb.models.dynamo_type import DynamoType, Item
from moto.dynamodb.models.table import StreamShard, Table

_APPLIED = False

Reason = tuple[str, str, Any] | tuple[None, None, None]


class _UndoLog:
    """The state to restore if the transaction does not commit: per item, not per table."""

    def __init__(self) -> None:
        self._items: list[tuple[Table, DynamoType, DynamoType | None, Item | None]] = []
        self._streams: dict[int, tuple[StreamShard, list[Any], int]] = {}

    def save(self, table: Table, hash_key: DynamoType, range_key: DynamoType | None) -> None:
        current = table.get_item(hash_key, range_key)
        # Updates mutate the stored Item in place, so keep a private copy.
        self._items.append(
            (table, hash_key, range_key, copy.deepcopy(current) if current is not None else None)
        )
        shard = table.stream_shard
        if shard is not None and id(shard) not in self._streams:
            self._streams[id(shard)] = (shard, shard.items, len(shard.items))

    def rollback(self) -> None:
        for table, hash_key, range_key, previous in reversed(self._items):
            if table.has_range_key:
                bucket = table.items[hash_key]
                if previous is None:
                    bucket.pop(range_key, None)
                    if not bucket:
                        del table.items[hash_key]
                else:
                    bucket[range_key] = previous
            elif previous is None:
                table.items.pop(hash_key, None)
            else:
                table.items[hash_key] = previous
        for shard, records, length in self._streams.values():
            # moto replaces the list when it hands records to a Lambda event
            # source mapping; those were delivered, there is nothing to cut.
            if shard.items is records:
                del records[length:]
        self._items.clear()
        self._streams.clear()


def _item_key(table: Table, key: dict[str, Any]) -> tuple[DynamoType, DynamoType | None]:
    hash_key = DynamoType(key[table.hash_key_attr])
    range_key = DynamoType(key[table.range_key_attr]) if table.range_key_attr else None
    return hash_key, range_key


def transact_write_items(self: DynamoDBBackend, transact_items: list[dict[str, Any]]) -> None:
    if len(transact_items) > 100:
        raise TooManyTransactionsException()

    target_items: set[tuple[str, str]] = set()

    def check_unicity(table_name: str, key: dict[str, Any]) -> None:
        # Same identity as upstream: the table as the caller named it.
        item = (str(table_name), str(dict(sorted(key.items()))))
        if item in target_items:
            raise MultipleTransactionsException()
        target_items.add(item)

    reasons: list[Reason] = []
    # (index, op_type, op, key) of the items whose checks passed, in order.
    passed: list[tuple[int, str, dict[str, Any], dict[str, Any]]] = []
    # Upstream would raise this only after writing the items before it, and
    # their write errors take precedence; so remember it and raise it later.
    deferred_error: Exception | None = None

    # Phase 1: checks only, nothing is written.
    for index, item in enumerate(transact_items):
        if len(list(item.keys())) > 1:
            deferred_error = TransactWriteSingleOpException()
            break
        original_item: dict[str, Any] | None = None
        try:
            op_type, op = next(iter(item.items()))
            if op_type not in {"ConditionCheck", "Put", "Delete", "Update"}:
                raise ValueError("Unsupported transaction operation")

            table_name = op["TableName"]
            condition_expression = op.get("ConditionExpression")
            if op_type == "Put":
                attrs = op["Item"]
                table = self.get_table(table_name)
                key = {table.hash_key_attr: attrs[table.hash_key_attr]}
                if table.range_key_attr is not None:
                    key[table.range_key_attr] = attrs[table.range_key_attr]
            else:
                key = op["Key"]

            check_unicity(table_name, key)

            current = self.get_item(table_name, key)
            if condition_expression is not None:
                condition_op = get_filter_expression(
                    condition_expression,
                    op.get("ExpressionAttributeNames"),
                    op.get("ExpressionAttributeValues"),
                )
                if not condition_op.expr(current):
                    if op.get("ReturnValuesOnConditionCheckFailure") == "ALL_OLD" and current:
                        original_item = current.to_json()["Attributes"]
                    raise ConditionalCheckFailed(item=original_item)
            reasons.append((None, None, None))
            passed.append((index, op_type, op, key))
        except (MultipleTransactionsException, MockValidationException) as e:
            deferred_error = e
            break
        except ConditionalCheckFailed as e:
            reasons.append(("ConditionalCheckFailed", str(e.message), original_item))
        except Exception as e:
            reasons.append((type(e).__name__, str(e), original_item))

    # Phase 2: write what passed, keeping per-item undo information.
    undo = _UndoLog()
    try:
        for index, op_type, op, key in passed:
            if op_type == "ConditionCheck":
                continue
            table_name = op["TableName"]
            condition_expression = op.get("ConditionExpression")
            names = op.get("ExpressionAttributeNames")
            values = op.get("ExpressionAttributeValues")
            try:
                table = self.get_table(table_name)
                undo.save(table, *_item_key(table, key))
                if op_type == "Put":
                    self.put_item(
                        table_name,
                        op["Item"],
                        condition_expression=condition_expression,
                        expression_attribute_names=names,
                        expression_attribute_values=values,
                    )
                elif op_type == "Delete":
                    self.delete_item(
                        table_name,
                        key,
                        condition_expression=condition_expression,
                        expression_attribute_names=names,
                        expression_attribute_values=values,
                    )
                else:
                    self.update_item(
                        table_name,
                        key,
                        update_expression=op["UpdateExpression"],
                        condition_expression=condition_expression,
                        expression_attribute_names=names,
                        expression_attribute_values=values,
                    )
            except (MultipleTransactionsException, MockValidationException):
                raise
            except ConditionalCheckFailed as e:
                reasons[index] = ("ConditionalCheckFailed", str(e.message), None)
            except Exception as e:
                reasons[index] = (type(e).__name__, str(e), None)

        if deferred_error is not None:
            raise deferred_error
        if any(code is not None for code, _, _ in reasons):
            raise TransactionCanceledException(reasons)
    except BaseException:
        undo.rollback()
        raise


def apply() -> None:
    global _APPLIED
    if _APPLIED:
        return
    _APPLIED = True
    DynamoDBBackend.transact_write_items = transact_write_items  # type: ignore[method-assign]
