"""Languages and time for the pages: Chinese (zh_CN) and English, dates in the bank's time zone.

English is the source language of the templates; the Chinese catalog is kept by hand in one ``.po`` file per
area under ``web/translations/zh_CN/`` (so that the pages of one audience are translated in one place), merged
and compiled into the instance folder when the app starts and a source is newer than the compiled catalog.
Compiled catalogs are build output, never committed.

The language of a request: the signed-in user's choice, else the one picked on the page (kept in the session),
else the browser's ``Accept-Language``, else ``DEFAULT_LANGUAGE``.
"""

from __future__ import annotations

import os
import tempfile
from datetime import datetime, timedelta
from pathlib import Path

from babel import Locale
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import Flask, current_app, request, session
from flask_babel import Babel, format_datetime, format_timedelta, get_locale, gettext

from engine.clock import as_utc
from web.db import now as current_time
from web.schema_forms import localized

LANGUAGES = {"zh_CN": "中文", "en": "English"}
SOURCES = Path(__file__).resolve().parent / "translations"
# A deadline this close is shown as near (amber); past it, overdue (red).
NEAR = timedelta(hours=1)


def init_app(app: Flask) -> None:
    compiled = Path(app.instance_path) / "translations"
    compile_catalogs(SOURCES, compiled)
    app.config["BABEL_DEFAULT_LOCALE"] = app.config["DEFAULT_LANGUAGE"]
    app.config["BABEL_DEFAULT_TIMEZONE"] = app.config["TIMEZONE"]
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(compiled)
    Babel(app, locale_selector=select_language)
    app.jinja_env.filters.update(
        when=when, day=day, time_left=time_left, urgency=urgency, bilingual=bilingual
    )
    app.jinja_env.globals.update(LANGUAGES=LANGUAGES, current_language=current_language)


def select_language() -> str:
    from web.auth import current_user  # the user's own choice wins over the browser's

    user = current_user()
    if user is not None and user.language in LANGUAGES:
        return user.language
    chosen = session.get("language")
    if chosen in LANGUAGES:
        return chosen
    best = request.accept_languages.best_match(["zh_CN", "zh", "en"])
    return {"zh": "zh_CN"}.get(best, best) if best else current_app.config["DEFAULT_LANGUAGE"]


def current_language() -> str:
    """The page's language as one of ``LANGUAGES`` (Babel itself calls zh_CN "zh_Hans_CN")."""
    locale = get_locale()
    if locale is None:
        return current_app.config["DEFAULT_LANGUAGE"]
    return "zh_CN" if locale.language == "zh" else locale.language


def bilingual(text: str | None) -> str:
    """The page-language half of a diagram's "English 中文" name (task names, form titles)."""
    return localized(text, current_language())


# ------------------------------------------------------------------ catalogs


def compile_catalogs(sources: Path, target: Path) -> None:
    """Merge each language's ``*.po`` files into one compiled ``messages.mo`` when a source changed."""
    for language_dir in sorted(p for p in sources.iterdir() if p.is_dir()):
        po_files = sorted(language_dir.glob("*.po"))
        # Babel looks catalogs up by its own name for the locale ("zh_CN" is "zh_Hans_CN" to it).
        out = target / str(Locale.parse(language_dir.name)) / "LC_MESSAGES" / "messages.mo"
        newest = max((p.stat().st_mtime for p in po_files), default=0)
        if out.exists() and out.stat().st_mtime >= newest:
            continue
        catalog = Catalog(locale=language_dir.name)
        for po in po_files:
            with po.open("rb") as handle:
                for message in read_po(handle, locale=language_dir.name):
                    if message.id and message.string:
                        catalog[message.id] = message
        out.parent.mkdir(parents=True, exist_ok=True)
        # Written aside and renamed: a request in another process never reads half a catalog.
        with tempfile.NamedTemporaryFile(dir=out.parent, delete=False) as tmp:
            write_mo(tmp, catalog)
        os.chmod(tmp.name, 0o644)
        os.replace(tmp.name, out)


# ------------------------------------------------------------------ time, for people


def when(moment: datetime | None) -> str:
    """A date and time in the bank's time zone, e.g. ``2026-03-02 09:00``."""
    return "" if moment is None else format_datetime(as_utc(moment), "yyyy-MM-dd HH:mm")


def day(moment: datetime | None) -> str:
    return "" if moment is None else format_datetime(as_utc(moment), "yyyy-MM-dd")


def urgency(due: datetime | None, now: datetime | None = None) -> str:
    """``overdue``, ``near`` (within an hour) or ``ok`` — the CSS class that colours a deadline."""
    if due is None:
        return "none"
    left = as_utc(due) - (now or current_time())
    return "overdue" if left <= timedelta(0) else "near" if left <= NEAR else "ok"


def time_left(due: datetime | None, now: datetime | None = None) -> str:
    """How long until a deadline, in words of the page's language: "2 hours left", "overdue by 5 minutes"."""
    if due is None:
        return gettext("no deadline")
    left = as_utc(due) - (now or current_time())
    if left <= timedelta(0):
        return gettext("overdue by %(time)s", time=format_timedelta(-left, threshold=1.1))
    return gettext("%(time)s left", time=format_timedelta(left, threshold=1.1))
