"""schemathesis hooks for `npm run fuzz:api` (tools/harness/src/fuzz/api.ts), loaded through SCHEMATHESIS_HOOKS.

- check `problem_details_on_4xx`: every 4xx answer is an RFC 9457 problem
  (`application/problem+json` with `type`, `title` and a `status` equal to the
  HTTP status), and a validation problem names each offending field in
  `errors`, by a name the API knows (a property of its schemas, a parameter,
  a name the request sent, or `(body)` for the body as a whole);
- `filter_case`: a POST is only ever sent data its schema rejects;
- `map_case`: half of the valid GETs read the data seeded before the run;
- `filter_failure`: the EXCLUSIONS below, each a failure the schema cannot
  prevent, are counted apart instead of failing the run.
"""

from __future__ import annotations

import json
import os
import zlib
from typing import Any

import schemathesis

VALIDATION_TYPE = "/problems/validation-error"


def _known_names(case: Any) -> set[str]:
    """Every property and parameter name the API document declares, plus what this request sent."""
    names: set[str] = {"(body)"}
    stack: list[Any] = [case.operation.schema.raw_schema]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            properties = node.get("properties")
            if isinstance(properties, dict):
                names.update(properties)
            if node.get("in") in ("path", "query", "header") and isinstance(node.get("name"), str):
                names.add(node["name"])
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    if isinstance(case.body, dict):
        names.update(str(key) for key in case.body)
    for container in (case.query, case.path_parameters):
        if isinstance(container, dict):
            names.update(str(key) for key in container)
    return names


def _first_segment(field: str) -> str:
    """The first name of a dotted field; the API writes an empty or dotted name as a JSON string."""
    if field.startswith('"'):
        try:
            name, _ = json.JSONDecoder().raw_decode(field)
            return name if isinstance(name, str) else field
        except ValueError:
            return field
    return field.split(".")[0]


@schemathesis.check
def problem_details_on_4xx(ctx: Any, response: Any, case: Any) -> bool | None:
    if not 400 <= response.status_code < 500:
        return None
    content_types = response.headers.get("content-type") or [""]
    media_type = content_types[0].split(";")[0].strip().lower()
    if media_type != "application/problem+json":
        raise AssertionError(
            f"A {response.status_code} must be application/problem+json, got {content_types[0]!r}"
        )
    try:
        body = json.loads(response.content)
    except ValueError as error:
        raise AssertionError(f"The problem body is not JSON: {error}") from None
    if not isinstance(body, dict):
        raise AssertionError("The problem body is not a JSON object")
    for member in ("type", "title"):
        if not isinstance(body.get(member), str) or body[member] == "":
            raise AssertionError(f"The problem has no `{member}` string")
    if body.get("status") != response.status_code:
        raise AssertionError(
            f"The problem's `status` is {body.get('status')!r}, the response's {response.status_code}"
        )
    if body["type"] != VALIDATION_TYPE:
        return None
    errors = body.get("errors")
    if not isinstance(errors, list) or not errors:
        raise AssertionError("A validation problem must list the offending fields in `errors`")
    known = _known_names(case)
    for entry in errors:
        field = entry.get("field") if isinstance(entry, dict) else None
        if not isinstance(field, str) or field == "":
            raise AssertionError(f"A validation error names no field: {entry!r}")
        if not isinstance(entry.get("message"), str) or entry["message"] == "":
            raise AssertionError(f"A validation error says nothing about {field!r}")
        head = _first_segment(field)
        if head not in known:
            raise AssertionError(
                f"A validation error names {field!r}, which is neither sent nor declared by the API"
            )
    return None


# --- What the run does not send, and what it does not count -------------------

STATE_CHANGING_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


@schemathesis.hook
def filter_case(ctx: Any, case: Any) -> bool:
    """A state-changing operation is only ever sent data its schema rejects.

    `--mode negative` is not enough on its own: a negative strategy may draw a
    value its mutation left valid, and schemathesis then marks the case
    positive and sends it (an early run sent three valid POST /v1/accounts
    bodies that way). For a POST that would be an accepted transaction, a state
    change the run must not cause, so such cases are dropped here.
    """
    if str(case.method).upper() not in STATE_CHANGING_METHODS:
        return True
    if os.environ.get("ATM_LEDGER_FUZZ_VALID_WRITES") == "1":
        return True  # the second pass, after the state check: valid POSTs on purpose
    meta = case.meta
    return meta is not None and meta.generation.mode.is_negative


# Ids of data seeded before the run (tools/harness/src/fuzz/api.ts): {"accountId": ..., "transactionId": ...}.
SEEDED: dict[str, str] = json.loads(os.environ.get("ATM_LEDGER_FUZZ_SEEDED") or "{}")


@schemathesis.hook
def map_case(ctx: Any, case: Any) -> Any:
    """Half of the valid GETs with an id in their path read the seeded data instead.

    A random id is almost never found, so without this the 200 answers (and
    their schemas) would go unchecked. Which half is decided by the drawn id, so
    a run stays reproducible from its seed. Negative cases keep their drawn id:
    replacing it could make them valid.
    """
    meta = case.meta
    if str(case.method).upper() != "GET" or meta is None or not meta.generation.mode.is_positive:
        return case
    params = dict(case.path_parameters or {})
    replaced = False
    for name, seeded in SEEDED.items():
        if name in params and zlib.crc32(str(params[name]).encode("utf-8")) % 2 == 0:
            params[name] = seeded
            replaced = True
    if replaced:
        case.path_parameters = params
    return case


# Failures that are not the API's fault, each with the reason the schema cannot express:
# name -> (operation, problem type of the answer, query parameter the request sent, reason).
EXCLUSIONS = {
    "issued-cursor": (
        "GET /v1/accounts/{accountId}/entries",
        "/problems/invalid-cursor",
        "cursor",
        "a cursor is opaque: only one the API issued is valid, which no schema can state",
    ),
}


def _problem_type(response: Any) -> str | None:
    try:
        body = json.loads(response.content)
    except ValueError:
        return None
    return body.get("type") if isinstance(body, dict) else None


def _record_exclusion(name: str, case: Any, response: Any) -> None:
    path = os.environ.get("ATM_LEDGER_FUZZ_EXCLUSIONS")
    if not path:
        return
    with open(path, "a", encoding="utf-8") as out:
        entry = {"exclusion": name, "operation": case.operation.label, "status": response.status_code}
        out.write(json.dumps(entry) + "\n")


@schemathesis.hook
def filter_failure(ctx: Any, failure: Any, case: Any, response: Any) -> bool:
    """Keeps every failure but those in EXCLUSIONS, which are recorded instead."""
    if type(failure).__name__ != "RejectedPositiveData":
        return True
    for name, (operation, problem_type, parameter, _reason) in EXCLUSIONS.items():
        if (
            case.operation.label == operation
            and parameter in (case.query or {})
            and _problem_type(response) == problem_type
        ):
            _record_exclusion(name, case, response)
            return False
    return True
