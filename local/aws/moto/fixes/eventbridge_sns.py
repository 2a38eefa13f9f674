"""Fix ``eventbridge-sns``: EventBridge rules may target SNS topics.

Upstream's ``Rule.send_to_targets`` knows logs, archives, SQS, event buses and
API destinations, and raises NotImplementedError for anything else; an SNS
target therefore turns the whole PutEvents call into an HTTP 500, for every
event the rule matches. Our notifier fans ledger events out through exactly
such a rule (bus -> rule -> SNS topic -> filtered SQS subscriptions).

We let upstream deliver to the targets it knows, and publish to SNS targets
ourselves, the way EventBridge does: the event (or what InputPath, Input or
InputTransformer make of it) as the message body, no message attributes. SNS
then applies its subscriptions' filter policies and raw-delivery settings.
"""

from __future__ import annotations

import copy
import json
import logging
from typing import Any

from moto.core.utils import iso_8601_datetime_without_milliseconds, utcfromtimestamp
from moto.events.models import Rule
from moto.events.utils import EventTemplateParser
from moto.utilities.arns import parse_arn

_APPLIED = False
_log = logging.getLogger("ledger.moto.eventbridge_sns")

# The fields of an event as EventBridge delivers it, in its order. moto adds
# "ingestion-time" (and "replay-name" on replays) for its own bookkeeping.
_EVENT_FIELDS = (
    "version",
    "id",
    "detail-type",
    "source",
    "account",
    "time",
    "region",
    "resources",
    "detail",
)


def _is_sns_target(target: dict[str, Any]) -> bool:
    return str(target.get("Arn", "")).startswith("arn:") and parse_arn(target["Arn"]).service == "sns"


def _delivered_event(event: dict[str, Any]) -> dict[str, Any]:
    delivered = {name: copy.deepcopy(event[name]) for name in _EVENT_FIELDS if name in event}
    if "replay-name" in event:
        delivered["replay-name"] = event["replay-name"]
    when = delivered.get("time")
    if isinstance(when, (int, float)) or (isinstance(when, str) and _is_number(when)):
        delivered["time"] = iso_8601_datetime_without_milliseconds(utcfromtimestamp(float(when)))  # type: ignore[arg-type]
    return delivered


def _is_number(value: str) -> bool:
    try:
        float(value)
    except ValueError:
        return False
    return True


def _message_for(target: dict[str, Any], event: dict[str, Any], transform_input: bool) -> str:
    delivered = _delivered_event(event)
    if not transform_input:
        return json.dumps(delivered)
    if "Input" in target:
        # A constant JSON text, sent as is.
        return str(target["Input"])
    if "InputPath" in target:
        from jsonpath_ng.ext import parse

        matches = parse(target["InputPath"]).find(delivered)
        return json.dumps(matches[0].value if matches else None)
    transformer = target.get("InputTransformer")
    if transformer:
        # Same helper upstream uses for SQS targets, so both behave alike.
        transformed = EventTemplateParser.parse(
            input_template=transformer.get("InputTemplate"),
            input_paths_map=transformer.get("InputPathsMap", {}),
            event=event,  # type: ignore[arg-type]
        )
        return json.dumps(transformed)
    return json.dumps(delivered)


def _publish(rule: Rule, target: dict[str, Any], message: str) -> None:
    from moto.sns import sns_backends

    arn = parse_arn(target["Arn"])
    try:
        sns_backends[arn.account][arn.region].publish(message=message, arn=target["Arn"])
    except Exception:
        # EventBridge delivers asynchronously: a failed delivery (missing
        # topic, FIFO topic, ...) never fails PutEvents. Say it in the log.
        _log.warning("rule %s: delivery to %s failed", rule.arn, target["Arn"], exc_info=True)


def apply() -> None:
    global _APPLIED
    if _APPLIED:
        return
    _APPLIED = True
    original_send = Rule.send_to_targets

    def send_to_targets(self: Rule, original_event: Any, transform_input: bool = True) -> None:
        sns_targets = [t for t in self.targets if _is_sns_target(t)]
        if not sns_targets:
            original_send(self, original_event, transform_input)
            return
        if not self.event_pattern.matches_event(original_event):
            return
        # A shallow copy restricted to the targets upstream knows, so that the
        # shared rule is never mutated.
        others = copy.copy(self)
        others.targets = [t for t in self.targets if not _is_sns_target(t)]
        if others.targets:
            original_send(others, copy.deepcopy(original_event), transform_input)
        for target in sns_targets:
            _publish(self, target, _message_for(target, original_event, transform_input))

    Rule.send_to_targets = send_to_targets  # type: ignore[method-assign]
