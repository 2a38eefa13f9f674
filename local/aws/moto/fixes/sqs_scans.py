"""Fix ``sqs-scans``: receiving and sending cost the same on a busy queue as on a quiet one.

Upstream moto answers "which messages are visible?" by asking each message,
and each asks the clock (a ``datetime`` built, subtracted from the epoch,
scaled): once per message per look. Worse, it checks each received message's
retention by reading *all* the queue's attributes, and every attribute read
counts the queue's messages three times (visible, delayed, in flight); a
send reads them all again for ``ContentBasedDeduplication``. A receive of ten
messages from a queue holding n therefore walks the queue some thirty times,
reading the clock each step. In our profiles a notifier queue with a few
hundred messages in flight took most of the messaging emulator's core, and
the fan-out fell tens of seconds behind.

This fix reads the clock once per look and walks the queue once per count,
and reads the retention period straight off the queue. The visible set, the
counts and the retention decision are the ones upstream computes, at the
same instant up to the microseconds a walk takes.
"""

from __future__ import annotations

from typing import Any

_APPLIED = False


def apply() -> None:
    global _APPLIED
    if _APPLIED:
        return
    _APPLIED = True
    from moto.sqs import models

    def messages(self: Any) -> list[Any]:
        now = models.unix_time_millis()
        return [m for m in self._messages if now > m.visible_at and not now < m.delayed_until]

    def delayed(self: Any) -> int:
        now = models.unix_time_millis()
        return sum(1 for m in self._messages if now < m.delayed_until)

    def not_visible(self: Any) -> int:
        now = models.unix_time_millis()
        return sum(1 for m in self._messages if not now > m.visible_at)

    def visible_count(self: Any) -> int:
        return len(messages(self))

    def is_message_valid_based_on_retention_period(
        self: Any, queue_name: str, message: Any
    ) -> bool:
        retention_period = int(self.get_queue(queue_name).message_retention_period)
        retain_until = retention_period + message.sent_timestamp / 1000
        return not retain_until <= models.unix_time()

    models.Queue.messages = property(messages)  # type: ignore[assignment]
    models.Queue.approximate_number_of_messages_delayed = property(delayed)  # type: ignore[assignment]
    models.Queue.approximate_number_of_messages_not_visible = property(not_visible)  # type: ignore[assignment]
    models.Queue.approximate_number_of_messages = property(visible_count)  # type: ignore[assignment]
    models.SQSBackend.is_message_valid_based_on_retention_period = (  # type: ignore[method-assign]
        is_message_valid_based_on_retention_period
    )
