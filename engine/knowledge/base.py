"""The advisory knowledge base as versioned data, deployed like the diagrams.

A version is the whole set of entries at one moment: immutable, numbered, hashed, with who deployed it, when and
why (a ``knowledge.deployed`` audit event says the same, with the entries added, changed and removed). The
advisory path's ``kb_answer`` reads the newest deployed version; editing an entry means deploying a new version.
``flask deploy processes/`` deploys ``processes/knowledge_base.toml``; a process owner edits entries on
``/owner/knowledge``. Deploying entries identical to the newest version makes no new version.
"""

from __future__ import annotations

import hashlib
import json
import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, undefer

from engine import audit
from engine.clock import Clock, as_utc
from engine.errors import Conflict, ValidationFailed
from engine.models import KnowledgeVersion
from engine.store.db import begin_write
from handlers.adapters import Article, KnowledgeBase

FILE_NAME = "knowledge_base.toml"
DEPLOYED = "knowledge.deployed"
LANGUAGES = ("zh", "en")
ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,79}$")
TEXT_MAX = 2000  # characters of a question or an answer
KEYWORDS_MAX = 30


@dataclass(frozen=True)
class Deployed:
    version: KnowledgeVersion
    created: bool  # False: the entries were those of the newest version already


# ------------------------------------------------------------------ reading and checking entries


def parse_toml(text: str) -> list[dict[str, Any]]:
    """The ``[[entry]]`` tables of a knowledge-base file, checked (``ValidationFailed`` names each problem)."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ValidationFailed("the knowledge base is not valid TOML", {"file": str(exc)}) from None
    entries = data.get("entry", [])
    if not isinstance(entries, list):
        raise ValidationFailed("the knowledge base has no [[entry]] list", {"file": "use [[entry]] tables"})
    return check(entries)


def keyword_list(text: str) -> list[str]:
    """Keywords typed one per line or separated by commas (either width), lower-cased, blanks dropped."""
    return [k.strip().lower() for k in re.split(r"[,，\n]", text or "") if k.strip()]


def check(entries: Iterable[Any]) -> list[dict[str, Any]]:
    """The entries as stored (id, language, keywords, question, answer), or every problem at once."""
    cleaned: list[dict[str, Any]] = []
    errors: dict[str, str] = {}
    seen: set[str] = set()
    for n, raw in enumerate(entries):
        where = f"entry[{n}]"
        if not isinstance(raw, dict):
            errors[where] = "must be a table of id, language, keywords, question, answer"
            continue
        entry_id = str(raw.get("id") or "").strip()
        language = str(raw.get("language") or "zh").strip()
        keywords = raw.get("keywords") or []
        if isinstance(keywords, str):
            keywords = keyword_list(keywords)
        question = str(raw.get("question") or "").strip()
        answer = str(raw.get("answer") or "").strip()
        if not ID.match(entry_id):
            errors[f"{where}.id"] = "use lower-case letters, digits, - and _ (at most 80)"
        elif entry_id in seen:
            errors[f"{where}.id"] = f"{entry_id} is used by another entry"
        seen.add(entry_id)
        if language not in LANGUAGES:
            errors[f"{where}.language"] = "must be zh or en"
        if not isinstance(keywords, list) or not all(isinstance(k, str) for k in keywords):
            errors[f"{where}.keywords"] = "must be a list of words"
            keywords = []
        keywords = list(dict.fromkeys(k.strip().lower() for k in keywords if k.strip()))
        if not keywords:
            errors[f"{where}.keywords"] = "give at least one keyword"
        elif len(keywords) > KEYWORDS_MAX:
            errors[f"{where}.keywords"] = f"use at most {KEYWORDS_MAX} keywords"
        if not answer:
            errors[f"{where}.answer"] = "is required"
        for name, text in (("question", question), ("answer", answer)):
            if len(text) > TEXT_MAX:
                errors[f"{where}.{name}"] = f"use at most {TEXT_MAX} characters"
        cleaned.append(
            {
                "id": entry_id,
                "language": language,
                "keywords": keywords,
                "question": question,
                "answer": answer,
            }
        )
    if errors:
        raise ValidationFailed("the knowledge base has problems", errors)
    return cleaned


def digest(entries: list[dict[str, Any]]) -> str:
    body = json.dumps(entries, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


# ------------------------------------------------------------------ deploying


def deploy(
    session: Session,
    entries: Iterable[Any],
    *,
    actor: str,
    clock: Clock,
    reason: str,
    source: str,
) -> Deployed:
    """Check ``entries`` and deploy them as the next version (nothing new when they equal the newest)."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed("say why the knowledge base changes", {"reason": "is required"})
    cleaned = check(entries)
    sha = digest(cleaned)
    begin_write(session)
    newest = latest(session)
    if newest is not None and newest.sha256 == sha:
        session.commit()
        return Deployed(newest, False)
    now = as_utc(clock())
    version = KnowledgeVersion(
        version=(newest.version + 1) if newest else 1,
        sha256=sha,
        entries=cleaned,
        entry_count=len(cleaned),
        deployed_by=actor,
        deployed_at=now,
        reason=reason[:2000],
        source=source[:255],
    )
    before = {e["id"]: e for e in (newest.entries if newest else [])}
    after = {e["id"]: e for e in cleaned}
    payload = {
        "version": version.version,
        "sha256": sha,
        "entries": len(cleaned),
        "added": sorted(after.keys() - before.keys()),
        "changed": sorted(k for k in after.keys() & before.keys() if after[k] != before[k]),
        "removed": sorted(before.keys() - after.keys()),
        "reason": version.reason,
        "source": version.source,
    }
    session.add(version)
    try:
        session.flush()
        audit.append(session, [audit.PendingEvent(now, actor, DEPLOYED, None, payload)])
        session.commit()
    except IntegrityError:
        session.rollback()
        raise Conflict(
            "someone else deployed the knowledge base first; look again and deploy again"
        ) from None
    return Deployed(version, True)


def deploy_file(
    session: Session, path: str | Path, *, actor: str, clock: Clock, reason: str = ""
) -> Deployed:
    path = Path(path)
    entries = parse_toml(path.read_text(encoding="utf-8"))
    return deploy(
        session,
        entries,
        actor=actor,
        clock=clock,
        reason=reason or f"deployed from {path.name}",
        source=path.name,
    )


def files_in(paths: Iterable[str | Path]) -> list[Path]:
    """The knowledge-base files among ``paths``: a ``.toml`` file named itself, or ``knowledge_base.toml`` in a
    folder named."""
    found = []
    for raw in paths:
        path = Path(raw)
        if path.is_file() and path.suffix.lower() == ".toml":
            found.append(path)
        elif path.is_dir() and (path / FILE_NAME).is_file():
            found.append(path / FILE_NAME)
    return found


# ------------------------------------------------------------------ reading versions


def latest(session: Session) -> KnowledgeVersion | None:
    return session.scalars(
        select(KnowledgeVersion)
        .options(undefer(KnowledgeVersion.entries))
        .order_by(KnowledgeVersion.version.desc())
        .limit(1)
    ).first()


def versions(session: Session, limit: int = 50) -> list[KnowledgeVersion]:
    """The newest versions first (without their entries)."""
    return list(
        session.scalars(select(KnowledgeVersion).order_by(KnowledgeVersion.version.desc()).limit(limit))
    )


_BUILT: dict[str, KnowledgeBase] = {}


def deployed_base(session: Session) -> KnowledgeBase | None:
    """The newest deployed version as the adapter ``kb_answer`` searches (built once per version), or None
    when no version was ever deployed."""
    row = session.execute(
        select(KnowledgeVersion.id, KnowledgeVersion.version, KnowledgeVersion.sha256)
        .order_by(KnowledgeVersion.version.desc())
        .limit(1)
    ).first()
    if row is None:
        return None
    # Keyed by version and content: the same entries deployed again later are another version to record.
    key = f"{row.version}:{row.sha256}"
    base = _BUILT.get(key)
    if base is None:
        entries = session.scalar(select(KnowledgeVersion.entries).where(KnowledgeVersion.id == row.id))
        base = _BUILT[key] = as_knowledge_base(entries or [], row.version)
        if len(_BUILT) > 16:
            _BUILT.pop(next(iter(_BUILT)))
    return base


def as_knowledge_base(entries: list[dict[str, Any]], version: int | None = None) -> KnowledgeBase:
    return KnowledgeBase(
        [
            Article(e["id"], e["language"], tuple(e["keywords"]), e.get("question", ""), e["answer"])
            for e in entries
        ],
        version,
    )


def entries_of(base: KnowledgeBase) -> list[dict[str, Any]]:
    """A knowledge-base adapter's articles as entries (the shape versions store)."""
    return [
        {
            "id": a.id,
            "language": a.language,
            "keywords": list(a.keywords),
            "question": a.question,
            "answer": a.answer,
        }
        for a in base.articles
    ]


# ------------------------------------------------------------------ an agent's look-up


def search(entries: list[dict[str, Any]], query: str, limit: int = 10) -> list[dict[str, Any]]:
    """Entries for an agent's look-up, best first: each word of the query found in an entry's keywords,
    question or answer counts; a keyword found whole in the query counts double. Nothing for a blank query."""
    text = re.sub(r"\s+", " ", (query or "").lower()).strip()
    if not text:
        return []
    words = [w for w in re.split(r"[\s,，。？?！!]+", text) if w]
    scored = []
    for position, entry in enumerate(entries):
        keywords = entry["keywords"]
        haystack = " ".join([*keywords, entry.get("question", ""), entry["answer"], entry["id"]]).lower()
        score = sum(1 for w in words if w in haystack) + 2 * sum(1 for k in keywords if k in text)
        if score:
            scored.append((-score, position, entry))
    scored.sort(key=lambda item: item[:2])
    return [entry for _score, _position, entry in scored[:limit]]
