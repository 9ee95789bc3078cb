"""Hostile scenario files: every one ends in exit 0 or a clear exit-2 message.

Property-based (hypothesis): shipped scenarios are parsed, mutated (wrong types,
deleted tables, unknown keys, NaN / huge / negative numbers, empty and odd unicode
strings, deep nesting), written back as TOML and validated in-process through
``sim.cli.main(["validate", path])``; their bytes are also corrupted (syntax errors,
binary garbage). Each case must exit 0, or exit 2 with ``error: FILE: FIELD: what``
(or a file-level problem such as a TOML syntax error) and no traceback. A handful of
files also go through a real ``python -m sim.cli`` subprocess. Each property asserts
it ran its full quota of cases, over 1,000 in all.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import json
import math
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from siyu.cli import main

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = {p.name: tomllib.loads(p.read_text(encoding="utf-8")) for p in sorted((ROOT / "scenarios").glob("*.toml"))}

#: problems that concern the whole file rather than one field
FILE_LEVEL = ("TOML syntax error", "file is ", "not UTF-8", "arrays or tables nested too deeply", "values nested too deeply", "unreadable value", "cannot read file",
              "a scenario file is expected", "a sweep file is expected")

#: cases per property; together well over 1,000 generated cases per run
QUOTA = {"mutated": 700, "generated": 250, "bytes": 350}

def fuzz(quota: str) -> settings:
    return settings(max_examples=QUOTA[quota], deadline=None, database=None,
                    suppress_health_check=list(HealthCheck))


# -- writing TOML (every value inline, so any nesting is expressible) ---------------
def toml_string(text: str) -> str:
    body = json.dumps(text, ensure_ascii=False)[1:-1]
    return '"' + body.replace("\x7f", "\\u007f") + '"'


def toml_value(v: object) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        if math.isnan(v):
            return "nan"
        if math.isinf(v):
            return "inf" if v > 0 else "-inf"
        return repr(v)
    if isinstance(v, str):
        return toml_string(v)
    if isinstance(v, (dt.date, dt.datetime, dt.time)):
        return v.isoformat()
    if isinstance(v, Deep):
        return '{"a" = ' * v.depth + "1" + "}" * v.depth
    if isinstance(v, dict):
        return "{" + ", ".join(f"{toml_string(str(k))} = {toml_value(x)}" for k, x in v.items()) + "}"
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(toml_value(x) for x in v) + "]"
    raise TypeError(type(v))


def toml_dumps(doc: dict) -> str:
    return "".join(f"{toml_string(str(k))} = {toml_value(v)}\n" for k, v in doc.items())


# -- values and mutations ----------------------------------------------------------
odd_text = st.sampled_from([
    "", " ", "\t", "[/red]", "[bold]x[/]", "\x00", "../../etc/passwd", "harvest", "nurture", "custom",
    "__import__('os').system('id')", "agents.presets:Harvest", "日本語", "🙂" * 20, "a" * 300,
    "<script>alert(1)</script>", "${HOME}", "\u202e", "NaN", "1e309",
])
text = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=25) | odd_text
numbers = st.one_of(
    st.integers(min_value=-2**66, max_value=2**66),
    st.sampled_from([0, -1, 1, 3, 4, 2**31, 2**63 - 1, 2**63, 10**30, -10**30, 10**4000]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([float("nan"), float("inf"), float("-inf"), -0.0, 1e308, 5e-324, 0.5, 1.0000001]),
)
scalars = st.one_of(numbers, text, st.booleans(), st.dates(), st.datetimes())
keys = text.filter(bool) | st.sampled_from(["audience", "days", "kind", "levers", "all", "harvest", "name", "start"])
values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(keys, inner, max_size=4),
                      max_leaves=12)


class Deep:
    """Tables nested ``depth`` levels (written out iteratively: too deep to recurse)."""

    def __init__(self, depth: int):
        self.depth = depth


def containers(doc: object, path: tuple = ()) -> list[tuple]:
    """Paths of every table and array in a parsed document (the root included)."""
    out = [path] if isinstance(doc, (dict, list)) else []
    items = doc.items() if isinstance(doc, dict) else enumerate(doc) if isinstance(doc, list) else ()
    for k, v in items:
        out += containers(v, path + (k,))
    return out


def at(doc: object, path: tuple) -> object:
    for p in path:
        doc = doc[p]
    return doc


def mutate(doc: dict, data) -> dict:
    """Apply one to three random mutations to a deep copy of ``doc``."""
    doc = json.loads(json.dumps(doc, default=str))
    for _ in range(data.draw(st.integers(1, 3), label="mutations")):
        where = data.draw(st.sampled_from(containers(doc)), label="where")
        node = at(doc, where)
        op = data.draw(st.sampled_from(["set", "set", "set", "delete", "unknown", "deep", "empty"]), label="op")
        if isinstance(node, dict):
            key = data.draw(st.sampled_from(sorted(node)) if node else keys, label="key")
        else:
            key = data.draw(st.integers(0, max(len(node) - 1, 0)), label="index") if node else None
        if op == "set" and key is not None:
            value = data.draw(values, label="value")
            if isinstance(node, list) and key >= len(node):
                node.append(value)
            else:
                node[key] = value
        elif op == "delete" and isinstance(node, dict):
            node.pop(key, None)
        elif op == "delete" and key is not None and key < len(node):
            del node[key]
        elif op == "unknown" and isinstance(node, dict):
            node[data.draw(keys, label="new key")] = data.draw(values, label="value")
        elif op == "deep" and key is not None and (not isinstance(node, list) or key < len(node)):
            node[key] = Deep(data.draw(st.sampled_from([5, 50, 400, 3000]), label="depth"))
        elif op == "empty" and key is not None and (not isinstance(node, list) or key < len(node)):
            node[key] = data.draw(st.sampled_from([{}, [], "", 0]), label="empty")
    return doc


# -- the property --------------------------------------------------------------------
def validate(path: Path) -> tuple[int, str]:
    """Run ``siyu validate PATH`` in-process: (exit code, everything it printed)."""
    buf = io.StringIO()
    with contextlib.redirect_stderr(buf), contextlib.redirect_stdout(buf):
        try:
            main(["validate", str(path)])
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
    return code, buf.getvalue()


def assert_clean_outcome(path: Path, code: int, output: str) -> None:
    """Exit 0, or exit 2 with ``error: FILE: FIELD: message`` / a file-level problem."""
    assert "Traceback" not in output, output
    assert code in (0, 2), f"exit {code}:\n{output}"
    if code == 0:
        assert output.startswith("ok "), output
        return
    prefix = f"error: {path}: "
    assert output.startswith(prefix), output
    rest = output[len(prefix):]
    if rest.startswith(FILE_LEVEL):
        return
    field, sep, message = rest.partition(": ")
    assert sep and field.strip() and message.strip(), f"no field named:\n{output}"
    assert field != "(top level)", f"a problem not pinned to a field:\n{output}"


@pytest.fixture(scope="module")
def fuzz_dir(tmp_path_factory) -> Path:
    # brackets, spaces and unicode in the path: the file name is user text too
    d = tmp_path_factory.mktemp("fuzz") / "hostile [red] 文件 dir"
    d.mkdir()
    return d


def test_mutated_shipped_scenarios(fuzz_dir):
    ran = []

    @fuzz("mutated")
    @given(name=st.sampled_from(sorted(SHIPPED)), data=st.data())
    def case(name, data):
        doc = mutate(SHIPPED[name], data)
        path = fuzz_dir / "mutated.toml"
        path.write_text(toml_dumps(doc), encoding="utf-8")
        ran.append(1)
        assert_clean_outcome(path, *validate(path))

    case()
    assert len(ran) >= QUOTA["mutated"]


def test_generated_documents(fuzz_dir):
    """Whole documents from scratch: random tables with random keys and values."""
    ran = []

    @fuzz("generated")
    @given(doc=st.dictionaries(keys | st.sampled_from(["market", "category", "campaigns", "strategy"]), values,
                               max_size=6))
    def case(doc):
        path = fuzz_dir / "generated.toml"
        path.write_text(toml_dumps(doc), encoding="utf-8")
        ran.append(1)
        assert_clean_outcome(path, *validate(path))

    case()
    assert len(ran) >= QUOTA["generated"]


def test_corrupted_bytes(fuzz_dir):
    """Shipped files with bytes flipped, inserted, deleted or cut off; pure garbage."""
    ran = []
    originals = {p.name: p.read_bytes() for p in sorted((ROOT / "scenarios").glob("*.toml"))}

    @fuzz("bytes")
    @given(name=st.sampled_from(sorted(originals)), edits=st.lists(
        st.tuples(st.sampled_from(["flip", "insert", "delete", "truncate"]), st.floats(0, 1), st.binary(max_size=8)),
        min_size=1, max_size=6), garbage=st.booleans(), junk=st.binary(max_size=2000))
    def case(name, edits, garbage, junk):
        raw = bytearray(junk if garbage else originals[name])
        for op, where, blob in edits:
            i = int(where * len(raw))
            if op == "flip" and raw:
                raw[min(i, len(raw) - 1)] ^= (blob[0] if blob else 0xFF) or 0x80
            elif op == "insert":
                raw[i:i] = blob or b"\x00"
            elif op == "delete":
                del raw[i:i + 1 + len(blob)]
            elif op == "truncate":
                del raw[i:]
        path = fuzz_dir / "bytes.toml"
        path.write_bytes(bytes(raw))
        ran.append(1)
        assert_clean_outcome(path, *validate(path))

    case()
    assert len(ran) >= QUOTA["bytes"]


# -- the cases found by hand, and big files -------------------------------------------
HOSTILE = {
    "deep_array.toml": "x = " + "[" * 5000 + "]" * 5000 + "\n",
    "deep_inline.toml": "x = " + "{a = " * 3000 + "1" + "}" * 3000 + "\n",
    "deep_levers.toml": "[strategy.levers]\nharvest = " + "{a = " * 600 + "1" + "}" * 600 + "\n",
    "long_int.toml": "days = " + "9" * 5000 + "\n",
    "markup_key.toml": '[strategy.levers.harvest]\nchannel_mix = {"[/b]" = -1}\n',
    "markup_name.toml": 'name = "[/x] [bold]"\n',
    "nan.toml": "[category]\nprice_mean = nan\n",
    "strategy_code.toml": '[strategy]\ndefault = "__import__(\'os\').system(\'id\')"\n',
    "mix_not_one.toml": '[strategy.levers.all]\nchannel_mix = {douyin = 0.5}\n',
    "mix_unknown.toml": '[strategy.levers.all]\nchannel_mix = {tmall = 1.0}\n',
    "garbage.toml": bytes(range(256)) * 4,
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_files_in_a_subprocess(tmp_path, name):
    path = tmp_path / name
    content = HOSTILE[name]
    path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    r = subprocess.run([sys.executable, "-m", "siyu", "validate", str(path)], capture_output=True, text=True,
                       cwd=ROOT, timeout=120)
    assert "Traceback" not in r.stderr + r.stdout
    assert r.returncode == (0 if name == "markup_name.toml" else 2), r.stderr
    if r.returncode == 2:
        assert str(path) in r.stderr


def test_named_strategy_must_be_registered(tmp_path):
    path = tmp_path / "s.toml"
    path.write_text(HOSTILE["strategy_code.toml"])
    code, output = validate(path)
    assert code == 2 and "strategy.default" in output and "unknown strategy" in output


def test_channel_mix_shares_must_sum_to_one_and_name_channels(tmp_path):
    for name, field, words in (("mix_not_one.toml", "strategy.levers.all.channel_mix", "sum to 1"),
                               ("mix_unknown.toml", "strategy.levers.all.channel_mix", "unknown public channel")):
        path = tmp_path / name
        path.write_text(HOSTILE[name])
        code, output = validate(path)
        assert code == 2 and f"{path}: {field}: " in output and words in output, output


def test_ten_megabyte_files(tmp_path):
    """10 MB of comments is a valid (default) scenario; a 10 MB string is refused by field;
    a file over the size limit is refused before it is parsed."""
    comments = tmp_path / "comments.toml"
    comments.write_text(("# " + "x" * 98 + "\n") * 100_000)
    assert validate(comments)[0] == 0
    big_text = tmp_path / "description.toml"
    big_text.write_text('description = "' + "长" * 3_500_000 + '"\n')
    code, output = validate(big_text)
    assert code == 2 and f"{big_text}: description: " in output and len(output) < 2000
    huge = tmp_path / "huge.toml"
    huge.write_bytes(b"# " + b"x" * (17 * 2**20) + b"\n")
    code, output = validate(huge)
    assert code == 2 and "MB" in output


def test_validation_does_not_depend_on_the_machine_but_a_run_that_does_not_fit_is_refused(tmp_path, monkeypatch):
    """The same file validates everywhere; the memory guard runs where a run starts, and says
    how much it needs and how much there is."""
    import sim.resources

    monkeypatch.setattr(sim.resources, "available_memory", lambda: 2 * 2**30)
    path = tmp_path / "big.toml"
    path.write_text("[market]\naudience = 50000000\n")
    assert validate(path)[0] == 0
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf), contextlib.redirect_stderr(buf), pytest.raises(SystemExit) as exit_:
        main(["run", str(path), "--out", str(tmp_path / "out"), "--days", "2"])
    output = buf.getvalue()
    assert exit_.value.code == 2 and "market.audience" in output
    assert "GiB of memory" in output and "2.0 GiB" in output
    assert not (tmp_path / "out").exists()  # refused before anything was written


# -- sweep files (experiments.design.Experiment.from_toml) -----------------------------
SWEEP_FILE = ROOT / "experiments" / "moments_frequency.toml"
QUOTA |= {"sweep_mutated": 250, "sweep_bytes": 100}


def load_sweep(path: Path) -> tuple[int, str]:
    """Load a sweep file the way ``siyu sweep`` does: (0, "") or (2, message)."""
    from experiments.design import Experiment
    from sim.errors import SiyuInputError

    try:
        Experiment.from_toml(path)
    except SiyuInputError as exc:
        return 2, f"error: {exc}\n"
    return 0, "ok "


@pytest.mark.skipif(not SWEEP_FILE.exists(), reason="no shipped sweep file")
def test_mutated_sweep_files(fuzz_dir):
    base = tomllib.loads(SWEEP_FILE.read_text(encoding="utf-8"))
    base["base"] = str(ROOT / "scenarios" / "default.toml")  # the fuzz file lives elsewhere
    ran = []

    @fuzz("sweep_mutated")
    @given(data=st.data())
    def case(data):
        path = fuzz_dir / "sweep.toml"
        path.write_text(toml_dumps(mutate(base, data)), encoding="utf-8")
        ran.append(1)
        code, output = load_sweep(path)
        if code == 2 and "default.toml" in output and str(path) not in output:
            return  # a problem in the base scenario, reported against that file
        assert_clean_outcome(path, code, output)

    case()
    assert len(ran) >= QUOTA["sweep_mutated"]


@pytest.mark.skipif(not SWEEP_FILE.exists(), reason="no shipped sweep file")
def test_corrupted_sweep_bytes(fuzz_dir):
    original = SWEEP_FILE.read_bytes().replace(b'"../scenarios/default.toml"',
                                               f'"{ROOT / "scenarios" / "default.toml"}"'.encode())
    ran = []

    @fuzz("sweep_bytes")
    @given(edits=st.lists(st.tuples(st.floats(0, 1), st.binary(min_size=1, max_size=4)), min_size=1, max_size=5))
    def case(edits):
        raw = bytearray(original)
        for where, blob in edits:
            i = int(where * len(raw))
            raw[i:i + len(blob) // 2] = blob
        path = fuzz_dir / "sweep_bytes.toml"
        path.write_bytes(bytes(raw))
        ran.append(1)
        code, output = load_sweep(path)
        if code == 2 and "default.toml" in output and str(path) not in output:
            return
        assert_clean_outcome(path, code, output)

    case()
    assert len(ran) >= QUOTA["sweep_bytes"]
