"""The shape of the code: engine/ and handlers/ import no Flask, engine/'s folders sit in layers, nothing
imports another module's private names, and no module imports itself through others."""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("engine", "handlers", "web", "processes")

# engine/'s areas, lowest first: an area may import only areas of a lower layer (and itself). A new folder
# under engine/ must be placed here, which is the point: say where it sits before it grows imports.
ENGINE_LAYERS = {
    0: {"errors", "clock", "models"},
    1: {"forms", "store", "audit", "calendar"},
    2: {"accounts", "scripting", "messaging", "knowledge"},
    3: {"runtime", "deploy"},
    4: {"cases"},
    5: {"timers", "evidence"},
    6: {"studio"},
    7: {"reports"},
}
LAYER_OF = {area: layer for layer, areas in ENGINE_LAYERS.items() for area in areas}


def python_files(package: str):
    return sorted(p for p in (ROOT / package).rglob("*.py") if "alembic" not in p.parts)


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


@cache
def modules() -> dict[str, Path]:
    found = {module_name(p): p for package in PACKAGES for p in python_files(package)}
    found["app"] = ROOT / "app.py"
    return found


@cache
def imports_of(module: str) -> tuple[tuple[int, str, tuple[str, ...]], ...]:
    """(line, imported module, names taken from it) for every absolute import of our own modules."""
    known = modules()
    found = []
    for node in ast.walk(ast.parse(modules()[module].read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name, ()) for a in node.names if a.name in known]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                submodule = f"{node.module}.{alias.name}"
                if submodule in known:
                    found.append((node.lineno, submodule, ()))
                elif node.module in known:
                    found.append((node.lineno, node.module, (alias.name,)))
    return tuple(found)


def engine_area(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if parts[0] == "engine" and len(parts) > 1 else None


@pytest.mark.parametrize("package", ["engine", "handlers"])
def test_domain_packages_do_not_import_flask_or_web(package):
    offenders = []
    files = python_files(package)
    assert files, f"no Python files found under {package}/"
    for path in files:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            for name in names:
                root = name.split(".")[0]
                if root in {"flask", "werkzeug", "web", "app"}:
                    offenders.append(f"{path.relative_to(ROOT)}:{node.lineno} imports {name}")
    assert offenders == []


def test_every_engine_folder_has_a_layer():
    areas = {engine_area(m) for m in modules() if engine_area(m)}
    assert sorted(areas - set(LAYER_OF)) == [], "place the new area in ENGINE_LAYERS"


def test_engine_areas_import_only_lower_layers():
    offenders = []
    for module in modules():
        area = engine_area(module)
        if area is None or area not in LAYER_OF:
            continue
        for line, target, _ in imports_of(module):
            other = engine_area(target)
            if other is None or other == area:
                continue
            if LAYER_OF.get(other, 99) >= LAYER_OF[area]:
                offenders.append(f"{module}:{line} ({area}, layer {LAYER_OF[area]}) imports {target}")
    assert offenders == []


def test_no_module_imports_private_names_of_another():
    offenders = [
        f"{module}:{line} takes {name} from {target}"
        for module in modules()
        for line, target, names in imports_of(module)
        for name in names
        if name.startswith("_") and not name.startswith("__")
    ]
    assert offenders == []


def test_no_import_cycles():
    graph = {m: sorted({target for _, target, _ in imports_of(m)} - {m}) for m in modules()}
    state: dict[str, int] = {}  # 1 on the current path, 2 done
    path: list[str] = []
    cycles: list[str] = []

    def visit(module: str) -> None:
        state[module] = 1
        path.append(module)
        for target in graph[module]:
            if state.get(target) == 1:
                cycles.append(" -> ".join([*path[path.index(target) :], target]))
            elif target not in state:
                visit(target)
        path.pop()
        state[module] = 2

    for module in graph:
        if module not in state:
            visit(module)
    assert cycles == []


def test_the_pages_do_not_use_the_api_as_their_library():
    """What pages and the API share lives in web/ or the engine; only the app registers the API blueprint."""
    offenders = [
        f"{module}:{line} imports {target}"
        for module in modules()
        if module.startswith("web.") and not module.startswith("web.api")
        for line, target, _ in imports_of(module)
        if target == "web.api" or target.startswith("web.api.")
    ]
    assert offenders == []
