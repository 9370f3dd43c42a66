"""Masking the customer's phone and ID: the helpers every page and the API use, and the auditor's masker.

Where a number is shown in clear is decided by each view (an agent's customer-facing task needs the phone);
everywhere else it is masked. Auditors see everything about a case but do not need the customer's raw numbers
to judge how it was handled: on their pages the numbers are masked in the case facts, in the notices'
recipients and in the audit events' payloads (where a task's data may carry them), by value and by shape
(mainland mobile and ID card numbers).
"""

from __future__ import annotations

import json
import re
from typing import Any

from engine.models import Customer

# A mainland mobile number, or an 18-character resident ID, standing alone (not inside a case reference).
_MOBILE = re.compile(r"(?<![0-9A-Za-z])1[3-9][0-9]{9}(?![0-9A-Za-z])")
_ID_CARD = re.compile(r"(?<![0-9A-Za-z])[0-9]{17}[0-9Xx](?![0-9A-Za-z])")
SUMMARY_MAX = 240
VALUE_MAX = 80


def mask_phone(phone: str) -> str:
    """Keep what lets a person recognise the number (the first three and last four digits), hide the rest."""
    if len(phone) >= 9:
        return phone[:3] + "*" * (len(phone) - 7) + phone[-4:]
    return "*" * max(len(phone) - 2, 0) + phone[-2:]


def mask_id(value: str) -> str:
    """Keep the last four characters of an identifier, hide the rest."""
    if len(value) <= 4:
        return "*" * len(value)
    return "*" * (len(value) - 4) + value[-4:]


def mask(value: str | None) -> str:
    """``13812345678`` → ``138****5678``: enough to recognise a number, not enough to use it."""
    return mask_phone(value) if value else ""


class Masker:
    """Masks one case's customer numbers in any text."""

    def __init__(self, customer: Customer | None):
        known = [customer.phone, customer.external_id] if customer is not None else []
        # Longest first, so a number that contains another is masked whole.
        self.known = sorted({k for k in known if k and len(k) >= 4}, key=len, reverse=True)

    def text(self, text: str) -> str:
        for value in self.known:
            text = text.replace(value, mask(value))
        text = _MOBILE.sub(lambda m: mask(m.group()), text)
        return _ID_CARD.sub(lambda m: mask(m.group()), text)

    def payload(self, payload: dict[str, Any] | None) -> str:
        """The whole payload as indented JSON, masked (for the event's details)."""
        return self.text(json.dumps(payload or {}, ensure_ascii=False, indent=2, sort_keys=True))

    def summary(self, payload: dict[str, Any] | None) -> str:
        """``key: value`` pairs on one line, long values cut, masked: what the events table shows."""
        parts = []
        for key, value in (payload or {}).items():
            shown = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, sort_keys=True)
            shown = self.text(shown)  # before cutting, so no number is left half shown
            if len(shown) > VALUE_MAX:
                shown = shown[: VALUE_MAX - 1] + "…"
            parts.append(f"{key}: {shown}")
        line = "; ".join(parts)
        return line if len(line) <= SUMMARY_MAX else line[: SUMMARY_MAX - 1] + "…"
