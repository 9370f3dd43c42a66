"""When a draft's form is renamed, the diagrams' references to it follow (as an editor's rename would).

A user task names its form by file name (``spiffworkflow:property name="formJsonSchemaFilename"``, and the UI
schema likewise). Renaming the form file alone would leave every such task pointing at nothing; so the save
that renames it also rewrites those property values in the draft's diagrams. Only the value attribute of those
property tags changes: the rest of each file stays byte for byte as it was.
"""

from __future__ import annotations

import re
from pathlib import PurePosixPath
from xml.sax.saxutils import escape

from engine.deploy.references import FORM_PROPERTIES

_PROPERTY_TAG = re.compile(rb"<(?:[\w.-]+:)?property\b[^>]*>")
_NAME = re.compile(rb'\bname\s*=\s*(["\'])(' + b"|".join(p.encode() for p in FORM_PROPERTIES) + rb")\1")


def follow_renamed_forms(files: dict[str, bytes], renamed: dict[str, str]) -> dict[str, bytes]:
    """``files`` with the form references of every diagram updated to the forms' new names."""
    forms = {old: new for old, new in renamed.items() if PurePosixPath(old).suffix.lower() == ".json"}
    if not forms:
        return files
    values = {_quoted(old): _quoted(new) for old, new in forms.items()}
    value = re.compile(rb'(\bvalue\s*=\s*(["\']))(' + b"|".join(re.escape(v) for v in values) + rb")(\2)")

    def retarget(tag: re.Match) -> bytes:
        text = tag.group(0)
        if not _NAME.search(text):
            return text
        return value.sub(lambda m: m.group(1) + values[m.group(3)] + m.group(4), text)

    return {
        name: _PROPERTY_TAG.sub(retarget, content)
        if PurePosixPath(name).suffix.lower() == ".bpmn"
        else content
        for name, content in files.items()
    }


def _quoted(name: str) -> bytes:
    return escape(name, {'"': "&quot;", "'": "&apos;"}).encode("utf-8")
