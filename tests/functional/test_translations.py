"""Every string a page shows has its Chinese translation, and the catalogs hold nothing unused or broken."""

from __future__ import annotations

from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

WEB = Path(__file__).resolve().parents[2] / "web"
KEYWORDS = {"_": None, "gettext": None, "lazy_gettext": None, "ngettext": (1, 2)}
METHODS = [("templates/**.html", "jinja2"), ("**.py", "python")]


def used_messages() -> dict[str, str]:
    """msgid → where it is first used, from the templates and the Python code of web/."""
    found: dict[str, str] = {}
    for filename, _line, message, _comments, _context in extract_from_dir(
        str(WEB), METHODS, keywords=KEYWORDS, options_map={"templates/**.html": {"encoding": "utf-8"}}
    ):
        msgid = message[0] if isinstance(message, tuple) else message  # a plural is keyed by its singular
        if msgid:
            found.setdefault(msgid, filename)
    return found


def chinese() -> dict[str, str]:
    catalog: dict[str, str] = {}
    for po in sorted((WEB / "translations" / "zh_CN").glob("*.po")):
        with po.open("rb") as handle:
            for message in read_po(handle):
                if message.id:
                    text = message.string
                    if isinstance(text, tuple):  # a plural: every form must be there
                        text = text[0] if all(text) else ""
                    catalog[message.id if isinstance(message.id, str) else message.id[0]] = text
    return catalog


def test_every_string_used_in_the_pages_has_a_chinese_translation():
    used, catalog = used_messages(), chinese()
    assert len(used) > 50  # the extraction itself works
    missing = sorted(f"{where}: {msgid!r}" for msgid, where in used.items() if not catalog.get(msgid))
    assert not missing, "no Chinese translation for:\n" + "\n".join(missing)


def test_translations_keep_their_placeholders():
    import re

    placeholder = re.compile(r"%\((\w+)\)s")
    broken = [
        msgid
        for msgid, text in chinese().items()
        if isinstance(text, str) and set(placeholder.findall(msgid)) != set(placeholder.findall(text))
    ]
    assert not broken, f"placeholders differ between English and Chinese: {broken}"


def test_no_two_catalogs_translate_the_same_text_differently():
    seen: dict[str, tuple[str, str]] = {}
    clashes = []
    for po in sorted((WEB / "translations" / "zh_CN").glob("*.po")):
        with po.open("rb") as handle:
            for message in read_po(handle):
                if not message.id or not message.string:
                    continue
                earlier = seen.setdefault(message.id, (po.name, message.string))
                if earlier[1] != message.string:
                    clashes.append(
                        f"{message.id!r}: {earlier[0]} {earlier[1]!r} vs {po.name} {message.string!r}"
                    )
    assert not clashes, "the merged catalog keeps only one of these:\n" + "\n".join(clashes)
