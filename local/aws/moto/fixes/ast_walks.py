"""Fix ``ast-walks``: an update expression's tree is walked without rebuilding the walk's rules per node.

Upstream validates an UpdateExpression by walking its tree ten times, one
processor per walk (``DepthFirstTraverser``). At every node of every walk it
asks the processor for its processing map, a dict it builds anew, then turns
the dict's keys into a tuple for an ``isinstance`` test, and, for a node that
matches, builds the dict again to find its processor; each ``isinstance``
goes through ``ABCMeta``. Under ``npm run bench`` the walks were a fifth of
the DynamoDB emulator's samples once expressions were no longer parsed anew
(fix ``expression-cache``).

Here a walk asks for the map once, and each node class is resolved to its
processor (the first class of the map the node is an instance of, as
upstream) once per set of map classes, not per node: every processor's map
is a fixed dict of its own bound methods, so the answers are the same. The
nodes are visited, the hooks called and the processed nodes put back in the
same order as upstream. A processor class that replaces how nodes are chosen
or processed keeps upstream's walk.

``Node.find_clauses``, which the validators and the request handler call
several times per expression, collects the same clauses in the same order;
whether it descends into a child is decided once per class, not by two
``isinstance`` tests through ``ABCMeta`` per child.

``check_expressions.py`` compares every outcome with these walks and
with upstream's.
"""

from __future__ import annotations

from typing import Any

_APPLIED = False
# A processor map's classes -> node class -> (is a Node, index of its processor or None):
# isinstance's answers, found once for every walk to come. A few dozen entries in all.
_resolved: dict[tuple[type, ...], dict[type, tuple[bool, int | None]]] = {}


def apply() -> None:
    global _APPLIED
    if _APPLIED:
        return
    _APPLIED = True
    from moto.dynamodb.parsing.ast_nodes import (
        DepthFirstTraverser,
        Expression,
        Node,
        UpdateExpressionFunction,
    )

    upstream_traverse = DepthFirstTraverser.traverse
    base_selection = DepthFirstTraverser.nodes_to_be_processed
    base_process = DepthFirstTraverser.process
    base_recursion = DepthFirstTraverser.traverse_node_recursively

    def traverse(self: DepthFirstTraverser, node: Any) -> Any:
        cls = type(self)
        if (
            cls.nodes_to_be_processed is not base_selection
            or cls.process is not base_process
            or cls.traverse_node_recursively is not base_recursion
        ):
            return upstream_traverse(self, node)
        rules = self._processing_map()
        keys = tuple(rules)
        processors = tuple(rules.values())
        pre_processing_of_child = self.pre_processing_of_child
        by_kind = _resolved.get(keys)
        if by_kind is None:
            by_kind = _resolved[keys] = {}

        def resolve(kind: type) -> tuple[bool, int | None]:
            index = next((i for i, k in enumerate(keys) if issubclass(kind, k)), None)
            answer = by_kind[kind] = (issubclass(kind, Node), index)
            return answer

        def visit(node: Any, child_id: int) -> Any:
            kind = type(node)
            is_node, index = by_kind.get(kind) or resolve(kind)
            if not is_node:
                return node
            parent_node = node.parent
            children = node.children
            if children is not None:
                for i, child_node in enumerate(children):
                    pre_processing_of_child(node, i)
                    visit(child_node, i)
            if index is not None:
                node = processors[index](node)
                node.parent = parent_node
                if parent_node:
                    parent_node.children[child_id] = node
            return node

        return visit(node, -1)

    # Child class -> whether find_clauses descends into it (upstream's two isinstance tests).
    descends: dict[type, bool] = {}

    def find_clauses(self: Node, clause_types: Any) -> list[Any]:
        clauses: list[Any] = []
        for child in self.children or []:
            kind = type(child)
            if kind in clause_types:
                clauses.append(child)
                continue
            into = descends.get(kind)
            if into is None:
                into = descends[kind] = issubclass(kind, (Expression, UpdateExpressionFunction))
            if into:
                clauses.extend(child.find_clauses(clause_types))
        return clauses

    DepthFirstTraverser.traverse = traverse  # type: ignore[method-assign]
    Node.find_clauses = find_clauses  # type: ignore[method-assign]
