"""Fix ``expression-cache``: each distinct DynamoDB expression is parsed once.

Upstream parses every ConditionExpression and UpdateExpression anew on every
call, and a TransactWriteItems twice per item (once to check the request,
once to apply it); the update validator then deep-copies the parsed tree
before it resolves names and values in it. Under ``npm run bench`` that was
about two fifths of the DynamoDB emulator's samples, spent on a few dozen
expression texts that the functions send thousands of times: the values
change from call to call, the texts do not.

- An UpdateExpression's tree depends on its text alone. It is kept per text;
  upstream only reads it (``find_clauses``) or hands it to a validator, which
  works on a copy of its own. That copy is made by unpickling the tree, kept
  pickled beside it, instead of ``copy.deepcopy``: the same object graph,
  about six times faster.
- A ConditionExpression's tree depends on its text and its attribute names:
  the names are resolved while parsing, and the parse never looks at a value
  except to look it up. The tree is kept per text and names; each call builds
  its condition from the tree with its own values, looked up in the order of
  the text, so a missing value fails as it does upstream.

A text that fails to parse is not kept, so it fails again, the same way, on
every call. The caches are bounded: when full they are emptied and refill.
``check_expressions.py`` runs random expressions, valid and not,
through upstream and through this fix and compares every outcome.
"""

from __future__ import annotations

import copy
import pickle
from typing import Any

_APPLIED = False
_MAX_ENTRIES = 4096

# text -> tree, and id(tree) -> its pickle, for exactly the trees in _update_trees.
_update_trees: dict[str, Any] = {}
_pickled: dict[int, bytes] = {}
# (text, names) -> (tree, names found, values found)
_conditions: dict[tuple[str, Any], tuple[Any, list[str], list[str]]] = {}


def _keep_update_tree(text: str, tree: Any, data: bytes | None) -> None:
    if len(_update_trees) >= _MAX_ENTRIES:
        _update_trees.clear()
        _pickled.clear()
    _update_trees[text] = tree
    if data is not None:
        _pickled[id(tree)] = data


def _keep_condition(key: tuple[str, Any], entry: tuple[Any, list[str], list[str]]) -> None:
    if len(_conditions) >= _MAX_ENTRIES:
        _conditions.clear()
    _conditions[key] = entry


def apply() -> None:
    global _APPLIED
    if _APPLIED:
        return
    _APPLIED = True
    from moto.dynamodb.comparisons import ConditionExpressionParser
    from moto.dynamodb.parsing import validators
    from moto.dynamodb.parsing.expressions import UpdateExpressionParser

    upstream_make = UpdateExpressionParser.make.__func__  # type: ignore[attr-defined]

    def make(cls: type, expression_str: Any) -> Any:
        if cls is not UpdateExpressionParser or not isinstance(expression_str, str):
            return upstream_make(cls, expression_str)
        tree = _update_trees.get(expression_str)
        if tree is None:
            tree = upstream_make(cls, expression_str)
            try:
                data = pickle.dumps(tree, pickle.HIGHEST_PROTOCOL)
            except Exception:  # noqa: BLE001 - not picklable: its copies are deep copies
                data = None
            _keep_update_tree(expression_str, tree, data)
        return tree

    def copy_tree(obj: Any, memo: Any = None) -> Any:
        data = _pickled.get(id(obj))
        if data is not None:
            return pickle.loads(data)
        return copy.deepcopy(obj, memo)

    Kind = ConditionExpressionParser.Kind
    upstream_parse = ConditionExpressionParser.parse
    upstream_make_operand = ConditionExpressionParser._make_operand

    def parse_structure(self: ConditionExpressionParser) -> tuple[Any, list[str], list[str]]:
        # Upstream's parse() up to the point where it builds the condition.
        nodes = self._lex_condition_expression()
        nodes = self._parse_paths(nodes)
        nodes = self._apply_functions(nodes)
        nodes = self._apply_comparator(nodes)
        nodes = self._apply_in(nodes)
        nodes = self._apply_between(nodes)
        nodes = self._apply_parens_and_booleans(nodes)
        node = nodes[0]
        self._assert_no_redundant_parentheses(node)
        return node, self._find_literals(node), self._find_expr_attr_values(node)

    def parse(self: ConditionExpressionParser) -> Any:
        if not self.condition_expression:
            return upstream_parse(self)
        names = self.expression_attribute_names
        try:
            key = (
                self.condition_expression,
                None if names is None else tuple(sorted(names.items())),
            )
            entry = _conditions.get(key)
        except TypeError:  # names that are not plain strings: not ours to cache
            return upstream_parse(self)
        if entry is None:
            entry = parse_structure(self)
            _keep_condition(key, entry)
        node, names_found, values_found = entry
        self.expr_attr_names_found.extend(names_found)
        self.expr_attr_values_found.extend(values_found)
        return self._make_op_condition(node)

    def make_operand(self: ConditionExpressionParser, node: Any) -> Any:
        # A kept tree holds the values of the call that parsed it; every call uses its own.
        if node.kind == Kind.EXPRESSION_ATTRIBUTE_VALUE:
            return upstream_make_operand(
                self, node._replace(value=self._lookup_expression_attribute_value(node.text))
            )
        return upstream_make_operand(self, node)

    UpdateExpressionParser.make = classmethod(make)  # type: ignore[method-assign,assignment]
    validators.deepcopy = copy_tree  # type: ignore[attr-defined]
    ConditionExpressionParser.parse = parse  # type: ignore[method-assign]
    ConditionExpressionParser._make_operand = make_operand  # type: ignore[method-assign]
