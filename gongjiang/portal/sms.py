"""Text messages to a person's phone on file, through a pluggable sender (``settings.SMS_SENDER``, a dotted
path to a class with ``send(phone, text)``).

* :class:`ConsoleSender` (the development default) prints the message to the console with the phone masked;
  it writes no log record, so the code never reaches a log file.
* :class:`MemorySender` keeps the messages in :data:`outbox` for tests.

A production sender wraps the bureau's SMS gateway in the same one method.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string

from gongjiang.core.pii import mask_phone


class Sender(Protocol):
    def send(self, phone: str, text: str) -> None: ...


@dataclass(frozen=True)
class Message:
    phone: str
    text: str


outbox: list[Message] = []


class ConsoleSender:
    def send(self, phone: str, text: str) -> None:
        sys.stdout.write(f"[SMS {mask_phone(phone)}] {text}\n")
        sys.stdout.flush()


class MemorySender:
    def send(self, phone: str, text: str) -> None:
        outbox.append(Message(phone, text))


def sender() -> Sender:
    return import_string(settings.SMS_SENDER)()  # type: ignore[no-any-return]
