"""No code from data: the source never evaluates or unpickles anything, and data files
can only *name* registered strategies."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("sim", "agents", "experiments", "reports")

#: calls that turn data into code or objects; yaml.load is allowed only with SafeLoader
FORBIDDEN = {
    "eval(": re.compile(r"(?<![\w.])eval\s*\("),
    "exec(": re.compile(r"(?<![\w.])exec\s*\("),
    "pickle.load": re.compile(r"\b([cC]?[pP]ickle|dill|cloudpickle|joblib)\.loads?\s*\("),
    "pandas.read_pickle": re.compile(r"\bread_pickle\s*\("),
    "marshal.load": re.compile(r"\bmarshal\.loads?\s*\("),
    "shelve.open": re.compile(r"\bshelve\.open\s*\("),
    "numpy allow_pickle=True": re.compile(r"allow_pickle\s*=\s*True"),
    "__import__(": re.compile(r"\b__import__\s*\("),
}
YAML_LOAD = re.compile(r"\byaml\.(load|load_all)\s*\((?P<args>[^)]*)\)")


def sources() -> list[Path]:
    return sorted(p for pkg in PACKAGES for p in (ROOT / pkg).rglob("*.py"))


def offences(text: str) -> list[str]:
    found = [name for name, pattern in FORBIDDEN.items() if pattern.search(text)]
    found += [f"yaml.{m['args'][:30]}" for m in YAML_LOAD.finditer(text) if "SafeLoader" not in m["args"]]
    return found


def test_source_tree_never_evaluates_or_unpickles():
    assert len(sources()) > 10
    bad = {str(p.relative_to(ROOT)): found for p in sources() if (found := offences(p.read_text(encoding="utf-8")))}
    assert bad == {}


@pytest.mark.parametrize("snippet", [
    "x = eval(text)", "exec(code)", "pickle.load(fh)", "obj = cPickle.loads(b)", "pd.read_pickle(p)",
    "np.load(f, allow_pickle=True)", "yaml.load(fh)", "yaml.load(fh, Loader=yaml.Loader)", "__import__(name)",
])
def test_the_grep_catches_each_pattern(snippet):
    assert offences(snippet)


@pytest.mark.parametrize("snippet", ["retrieval(x)", "spec.loader.exec_module(m)", "yaml.load(fh, Loader=yaml.SafeLoader)",
                                     "model.evaluate(x)", "json.loads(t)"])
def test_the_grep_allows_lookalikes(snippet):
    assert not offences(snippet)


@pytest.mark.parametrize("name", ["__import__('os').system('touch PWNED')", "os.system", "agents.presets:Harvest",
                                  "sim.model.PoolModel", "../../evil.py", "Harvest"])
def test_scenario_can_only_name_registered_strategies(tmp_path, name):
    """A strategy name that looks like code or a module path is an unknown name: exit 2,
    nothing imported or executed."""
    f = tmp_path / "s.toml"
    f.write_text('name = "x"\ndays = 5\n[market]\naudience = 500\n[strategy]\ndefault = """' + name + '"""\n')
    for args in (["validate", f], ["run", f, "--out", tmp_path / "out"]):
        r = subprocess.run([sys.executable, "-m", "siyu", *map(str, args)], capture_output=True, text=True,
                           cwd=tmp_path, timeout=120)
        assert r.returncode == 2, r.stderr
        assert "strategy.default" in r.stderr and "unknown strategy" in r.stderr and "Traceback" not in r.stderr
    assert not (tmp_path / "PWNED").exists() and not (tmp_path / "out").exists()


def test_strategy_code_is_loaded_only_from_a_path_given_on_the_command_line(tmp_path):
    module = tmp_path / "mine.py"
    module.write_text("from agents.strategy import Strategy\n\nclass Mine(Strategy):\n    name = 'mine'\n")
    f = tmp_path / "s.toml"
    f.write_text('[strategy]\ndefault = "mine"\n')
    plain = subprocess.run([sys.executable, "-m", "siyu", "validate", str(f)], capture_output=True, text=True, cwd=ROOT)
    assert plain.returncode == 2 and "--strategies-from" in plain.stderr
    loaded = subprocess.run([sys.executable, "-m", "siyu", "validate", str(f), "--strategies-from", str(module)],
                            capture_output=True, text=True, cwd=ROOT)
    assert loaded.returncode == 0, loaded.stderr
