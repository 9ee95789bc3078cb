"""The house rules of the code, checked from its source: imports run one way
(``siyu → reports → experiments → agents → sim``), no module imports itself round a
circle, project imports sit at the top of a module, and every number a run produces is
declared once (:mod:`sim.outcomes`) and every scenario field has a unit."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from conftest import ROOT

#: the layers, lowest first: a module may import its own layer and those below it
LAYERS = ("sim", "agents", "experiments", "reports", "siyu")
#: the one place allowed to reach upward: deprecated forwarding names for old notebooks
FORWARDING = {"sim/__init__.py"}
#: imports a module may make inside a function, and why: the explorer's UI stack (Solara and
#: its widgets) takes seconds to load and every command imports the façade
LAZY = {("siyu/__init__.py", "siyu.explorer")}


def modules(root: Path = ROOT) -> dict[str, Path]:
    """Dotted module name -> file, for every module of the layered packages."""
    out = {}
    for package in LAYERS:
        for path in sorted((root / package).rglob("*.py")):
            parts = path.relative_to(root).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            out[name] = path
    return out


def imports(path: Path, module: str) -> list[tuple[str, int, bool]]:
    """Project modules ``path`` imports: (dotted name, line, at module top?). Relative
    imports are resolved; ``from pkg import name`` counts as importing ``pkg.name`` when
    that is a module, else ``pkg``; ``importlib.import_module("...")`` counts too."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    top = {id(n) for n in tree.body}
    is_package = path.name == "__init__.py"
    found = []

    def add(name: str, node: ast.AST) -> None:
        if name.split(".")[0] in LAYERS:
            found.append((name, node.lineno, id(node) in top))

    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                add(alias.name, node)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = module.split(".") if is_package else module.split(".")[:-1]
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join(anchor + ([base] if base else []))
            for alias in node.names:
                add(f"{base}.{alias.name}", node)
        elif (isinstance(node, ast.Call) and getattr(node.func, "attr", None) == "import_module" and node.args
              and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)):
            add(node.args[0].value, node)
    return found


def resolve(name: str, known: dict[str, Path]) -> str:
    """The module a dotted import names: itself, or its parent for ``from pkg import name``."""
    while name and name not in known:
        name = name.rpartition(".")[0]
    return name


def layer(module: str) -> int:
    return LAYERS.index(module.split(".")[0])


def upward_imports(root: Path = ROOT) -> list[str]:
    known = modules(root)
    bad = []
    for module, path in known.items():
        rel = path.relative_to(root).as_posix()
        for name, line, _ in imports(path, module):
            target = resolve(name, known)
            if target and layer(target) > layer(module) and rel not in FORWARDING:
                bad.append(f"{rel}:{line} imports {target} (a higher layer)")
    return bad


def cycles(root: Path = ROOT) -> list[list[str]]:
    """Import circles among the modules (module-level imports: what runs at import time)."""
    known = modules(root)
    graph = {m: set() for m in known}
    for module, path in known.items():
        for name, _, at_top in imports(path, module):
            target = resolve(name, known)
            if target and target != module and at_top and path.relative_to(root).as_posix() not in FORWARDING:
                graph[module].add(target)
    found, state = [], {}

    def visit(m: str, stack: list[str]) -> None:
        state[m] = "open"
        for n in sorted(graph[m]):
            if state.get(n) == "open":
                found.append(stack[stack.index(n):] + [n])
            elif n not in state:
                visit(n, stack + [n])
        state[m] = "done"

    for m in sorted(graph):
        if m not in state:
            visit(m, [m])
    return found


def local_imports(root: Path = ROOT) -> list[str]:
    """Project imports inside functions: they hide dependencies (and usually dodge a circle)."""
    known = modules(root)
    return [f"{path.relative_to(root)}:{line} imports {name}"
            for module, path in known.items() if path.relative_to(root).as_posix() not in FORWARDING
            for name, line, at_top in imports(path, module)
            if not at_top and not any(path.relative_to(root).as_posix() == f and (name == m or name.startswith(m + "."))
                                      for f, m in LAZY)]


def test_imports_run_one_way():
    assert upward_imports() == []


def test_no_import_circles():
    assert cycles() == []


def test_project_imports_are_at_the_top_of_modules():
    assert local_imports() == []


def test_the_checks_can_fail(tmp_path):
    """An upward import, a circle and a hidden import in a copy of the tree are all found."""
    for package in LAYERS:
        (tmp_path / package).mkdir()
        (tmp_path / package / "__init__.py").write_text("")
    (tmp_path / "sim" / "engine.py").write_text("from reports import page\n")
    (tmp_path / "reports" / "page.py").write_text("import reports.other\n")
    (tmp_path / "reports" / "other.py").write_text("from reports.page import x\n\ndef f():\n    import agents\n")
    assert upward_imports(tmp_path) == ["sim/engine.py:1 imports reports.page (a higher layer)"]
    assert cycles(tmp_path) == [["reports.other", "reports.page", "reports.other"]]
    assert local_imports(tmp_path) == ["reports/other.py:4 imports agents"]


# -- one table of outcomes, one unit per parameter ----------------------------------------
def test_every_number_a_run_produces_is_declared(small):
    import siyu
    from sim import outcomes

    r = siyu.simulate(small, "nurture", seed=1, days=40)
    assert tuple(r.daily.columns) == outcomes.DAILY_COLUMNS
    assert {c: str(t) for c, t in r.daily.dtypes.items()} == outcomes.daily_dtypes()
    identity = {"scenario", "scenario_hash", "strategy", "seed", "replication", "days", "version"}
    assert set(r.summary) - identity == set(outcomes.SUMMARY_METRICS)
    assert all(o.en and o.zh for o in outcomes.OUTCOMES)
    assert set(outcomes.COMPARED) <= set(outcomes.SUMMARY_METRICS) and set(outcomes.KPIS) <= set(outcomes.COMPARED)


def test_the_daily_table_keeps_the_column_order_users_know():
    from sim.outcomes import DAILY_COLUMNS

    assert DAILY_COLUMNS == (
        "day", "pool", "active", "muted", "lost", "banned", "exposed", "unaware",
        "contacts", "acquired", "arrivals", "referrals", "mutes", "unmutes", "deletes", "bans", "lost_to_bans",
        "orders", "orders_private", "orders_public", "gmv_private", "gmv_public", "gmv", "take_paid",
        "acquisition_cost", "reward_cost", "mean_trust", "mean_fatigue", "groups", "group_chatter",
        "inquiries", "answered", "auto_replied", "unanswered", "mean_wait_minutes", "p90_wait_minutes",
        "followups", "followups_missed", "staff", "staff_cost", "operating_cost",
        "trust_p10", "trust_p50", "trust_p90", "fatigue_p10", "fatigue_p50", "fatigue_p90")


def _leaf_fields(model, prefix=""):
    from pydantic import BaseModel

    for name, info in model.model_fields.items():
        inner = [a for a in (getattr(info.annotation, "__args__", None) or (info.annotation,))
                 if isinstance(a, type) and issubclass(a, BaseModel)]
        if inner:
            for sub in inner:
                yield from _leaf_fields(sub, f"{prefix}{name}.")
        else:
            yield f"{prefix}{name}", model, name


def test_every_scenario_parameter_declares_its_unit():
    from sim.scenario import UNITS, Scenario, unit_of

    missing = [path for path, model, name in _leaf_fields(Scenario) if unit_of(model, name) not in UNITS]
    assert missing == []


@pytest.mark.parametrize("path", sorted((ROOT / "scenarios").glob("*.toml")), ids=lambda p: p.stem)
def test_no_scenario_file_points_outside_the_repository(path):
    """A user's clone has only the repository: no path in a shipped scenario climbs out of it."""
    assert "../" not in path.read_text(encoding="utf-8")
