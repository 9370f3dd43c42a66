"""Finding cases for the auditor: by reference, customer, received date, tier and status, a page at a time.

No Flask here: a Session and plain values in, rows out. Pages are keyset pages on the case id (newest first),
so a page deep in the list costs what the first one does; there is no OFFSET and no total count.

What each filter reads (see the report of the auditor pages for the indexes it wants):
- a reference prefix is a range on the unique index of ``cases.reference``;
- a customer is looked up in ``customers`` first (external id: its unique index; phone and name: no index yet),
  then their cases through ``cases.customer_id``;
- the received dates, tier and status filter the rows the id order walks.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session, aliased

from engine.models import Case, Customer, User

PAGE_SIZE = 25
# The letters and digits a reference is made of, in the order every collation puts them (digits first).
_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


@dataclass(frozen=True)
class Criteria:
    """What the auditor asked for; empty fields do not filter. Times are aware UTC (the bank's days, converted)."""

    reference: str = ""  # a whole reference or its beginning, upper case
    customer: str = ""  # the customer's external id, phone number or name (or the start of it)
    received_from: datetime | None = None  # inclusive
    received_before: datetime | None = None  # exclusive
    tier: str = ""
    status: str = ""


@dataclass(frozen=True)
class Keyset:
    """Which page: the cases older than ``before``, or newer than ``after``, or (neither) the newest."""

    before: int | None = None
    after: int | None = None


@dataclass
class Row:
    case: Case
    customer: Customer | None
    owner: User | None


@dataclass
class Page:
    rows: list[Row]
    newer: int | None  # the ``after`` of the page before this one (None on the first page)
    older: int | None  # the ``before`` of the next page (None on the last)


def search(session: Session, criteria: Criteria, keyset: Keyset = Keyset(), limit: int = PAGE_SIZE) -> Page:
    """One page of the cases that match, newest first."""
    owner = aliased(User)
    statement = (
        select(Case, Customer, owner)
        .outerjoin(Customer, Customer.id == Case.customer_id)
        .outerjoin(owner, owner.id == Case.owner_id)
        .where(*conditions(criteria))
    )
    backwards = keyset.after is not None and keyset.before is None
    if backwards:
        statement = statement.where(Case.id > keyset.after).order_by(Case.id.asc())
    else:
        if keyset.before is not None:
            statement = statement.where(Case.id < keyset.before)
        statement = statement.order_by(Case.id.desc())
    found = [Row(*row) for row in session.execute(statement.limit(limit + 1))]
    more = len(found) > limit
    rows = found[:limit]
    if backwards:
        rows.reverse()
        newer, older = (rows[0].case.id if more else None), (rows[-1].case.id if rows else None)
    else:
        newer = rows[0].case.id if rows and keyset.before is not None else None
        older = rows[-1].case.id if more else None
    return Page(rows, newer, older)


def conditions(criteria: Criteria) -> list:
    where = []
    if criteria.reference:
        where += reference_prefix(criteria.reference)
    if criteria.customer:
        where.append(Case.customer_id.in_(customers_matching(criteria.customer)))
    if criteria.received_from is not None:
        where.append(Case.received_at >= criteria.received_from)
    if criteria.received_before is not None:
        where.append(Case.received_at < criteria.received_before)
    if criteria.tier:
        where.append(Case.tier == criteria.tier)
    if criteria.status:
        where.append(Case.status == criteria.status)
    return where


def reference_prefix(prefix: str) -> list:
    """References that start with ``prefix`` (letters and digits), as a range the unique index can serve.

    The upper bound steps the last character within letters and digits, which every collation orders the same
    way (so the range is right on PostgreSQL's linguistic collations too); LIKE then drops anything else that
    falls inside it.
    """
    where = [Case.reference >= prefix, Case.reference.startswith(prefix, autoescape=True)]
    upper = _successor(prefix)
    if upper is not None:
        where.append(Case.reference < upper)
    return where


def _successor(prefix: str) -> str | None:
    """The smallest letters-and-digits string after every string that starts with ``prefix``."""
    head = prefix.rstrip(_ALPHABET[-1])
    if not head:
        return None
    position = _ALPHABET.find(head[-1])
    if position < 0:
        return None  # not a reference character: the LIKE alone decides
    return head[:-1] + _ALPHABET[position + 1]


def customers_matching(text: str) -> Select:
    """The ids of customers whose external id or phone is ``text``, or whose name starts with it."""
    phones = {text, normalise_phone(text)}
    return select(Customer.id).where(
        or_(
            Customer.external_id == text,
            Customer.phone.in_(phones),
            func.lower(Customer.name).startswith(text.lower(), autoescape=True),
        )
    )


def normalise_phone(text: str) -> str:
    """A phone number as people type it (spaces, dashes, +86) to the digits the bank keeps."""
    digits = "".join(ch for ch in text if ch.isdigit() or ch == "+")
    for country in ("+86", "0086"):
        if digits.startswith(country):
            return digits[len(country) :]
    return digits
