"""Our patches to moto, one module per fix.

Each fix is a module with an ``apply()`` that monkeypatches moto in place. They
are independent so that a benchmark or a test can start moto with one of them
disabled (``launcher.py --without-fix NAME``) and compare against upstream.
"""

from __future__ import annotations

from types import ModuleType

from . import (
    ast_walks,
    dispatch_cache,
    dynamodb_query,
    eventbridge_sns,
    expression_cache,
    keep_alive,
    kinesis_reads,
    request_lock,
    sqs_scans,
    streams_iterators,
    streams_records,
    transact_write,
)

# The order matters only for readability of the readiness line; the fixes touch
# disjoint parts of moto.
FIXES: dict[str, ModuleType] = {
    "lock": request_lock,
    "transact": transact_write,
    "eventbridge-sns": eventbridge_sns,
    "streams-iterators": streams_iterators,
    "streams-records": streams_records,
    "kinesis-reads": kinesis_reads,
    "dispatch-cache": dispatch_cache,
    "sqs-scans": sqs_scans,
    "dynamodb-query": dynamodb_query,
    "keep-alive": keep_alive,
    "expression-cache": expression_cache,
    "ast-walks": ast_walks,
}


def apply_fixes(disabled: set[str]) -> list[str]:
    """Applies every fix not in ``disabled``; returns the names applied."""
    unknown = disabled - FIXES.keys()
    if unknown:
        raise ValueError(
            f"unknown fix(es): {', '.join(sorted(unknown))}; known: {', '.join(FIXES)}"
        )
    applied = []
    for name, module in FIXES.items():
        if name in disabled:
            continue
        module.apply()
        applied.append(name)
    return applied
