"""The package's layout: imports only go down the data flow, and no module imports itself back.

Parts, lowest first: `errors`, `labels`, `paths`, `version` ← `letters` ← `segment` ← `corpus`
← `model` ← `store` ← `training` | `scoring` | `report` ← `cli` (and the package's `__init__`).
A module imports modules of its own part or of lower parts only; `training`, `scoring` and
`report` never import each other, but for `training` importing `scoring` (it logs the
model's MLflow pyfunc, which is serving code); `model` never imports MLflow. Every import
counts, those inside functions and `TYPE_CHECKING` blocks too.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "imr_ml"
RANKS = {"errors": 0, "labels": 0, "paths": 0, "version": 0, "letters": 1, "segment": 2,
         "corpus": 3, "model": 4, "store": 5, "training": 6, "scoring": 6, "report": 6, "cli": 7,
         "": 7}
SIDEWAYS = {"training": ("scoring",)}  # parts of the same rank a part may import
FORBIDDEN_THIRD_PARTY = {"model": ("mlflow",), "segment": ("mlflow", "sklearn"),
                         "letters": ("mlflow", "sklearn", "spacy")}


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in PACKAGE.rglob("*.py")}


def part(module: str) -> str:
    """The top-level part of a module: `imr_ml.model.features` → `model`; the root → ``."""
    return module.split(".")[1] if "." in module else ""


def imports(module: str) -> set[str]:
    """The imr_ml modules and the top-level third-party packages `module` imports."""
    path = MODULES[module]
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[:len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, *([base] if base else [])])
            # `from package import name` imports the submodule `name` where there is one
            submodules = [f"{base}.{a.name}" for a in node.names if f"{base}.{a.name}" in MODULES]
            found.update(submodules or [base])
            if submodules and len(submodules) < len(node.names):
                found.add(base)
    own = {name for name in found if name == "imr_ml" or name.startswith("imr_ml.")}
    return {name for name in own if name in MODULES} | {n.split(".")[0] for n in found - own}


GRAPH = {module: imports(module) for module in MODULES}


def test_every_module_is_seen():
    assert {"imr_ml.cli", "imr_ml.model.classifier", "imr_ml.segment.parser",
            "imr_ml.corpus.rules.labeller", "imr_ml.scoring.workers"} <= set(MODULES)
    assert "imr_ml.model.classifier" in GRAPH["imr_ml.model.persistence"]


@pytest.mark.parametrize("module", sorted(MODULES))
def test_imports_go_down_the_flow(module):
    own = part(module)
    wrong = sorted(
        target for target in GRAPH[module] if target in MODULES and part(target) != own
        and part(target) not in SIDEWAYS.get(own, ())
        and (RANKS[part(target)] >= RANKS[own] or part(target) == "cli"))
    assert not wrong, f"{module} ({own}) imports {wrong}, which are not below it"
    third_party = sorted(GRAPH[module] & set(FORBIDDEN_THIRD_PARTY.get(own, ())))
    assert not third_party, f"{module} imports {third_party}"


def test_no_import_cycle():
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(module: str) -> None:
        state[module] = 1
        path.append(module)
        for target in sorted(t for t in GRAPH[module] if t in MODULES):
            if state.get(target) == 1:
                cycle = path[path.index(target):] + [target]
                pytest.fail("import cycle: " + " -> ".join(cycle))
            if target not in state:
                visit(target)
        path.pop()
        state[module] = 2

    for module in sorted(MODULES):
        if module not in state:
            visit(module)


def test_the_checks_catch_what_they_forbid(monkeypatch):
    """An upward import that closes a cycle, planted in a copy of the graph, is found."""
    planted = {m: set(t) for m, t in GRAPH.items()}
    planted["imr_ml.errors"].add("imr_ml.model.persistence")  # which imports imr_ml.errors
    monkeypatch.setattr(sys.modules[__name__], "GRAPH", planted)
    with pytest.raises(AssertionError, match="not below it"):
        test_imports_go_down_the_flow("imr_ml.errors")
    with pytest.raises(pytest.fail.Exception, match="import cycle"):
        test_no_import_cycle()


def test_every_rules_file_ships_as_package_data():
    """A JSON file inside the package is listed for its package in pyproject.toml's
    package-data, so that a built wheel holds it (a pattern under `imr_ml` matches only files
    of `imr_ml` itself, not of its subpackages)."""
    import tomllib

    config = tomllib.loads((PACKAGE.parents[1] / "pyproject.toml").read_text(encoding="utf-8"))
    listed = config["tool"]["setuptools"]["package-data"]
    for path in PACKAGE.rglob("*.json"):
        package = ".".join(path.parent.relative_to(PACKAGE.parent).parts)
        assert path.name in listed.get(package, []), f"{path.name} not in {package}'s data"
