"""`siyu validate-model`: the battery's output contract, and that its checks can fail.

The whole quick battery takes about 70 s on this machine (docking and stylized facts are
most of it), so the CLI test runs the two fast families (diffusion, queue) through the
command; the others are exercised by `siyu validate-model --quick` itself.
"""

from __future__ import annotations

import json

import pytest

from experiments.validation.bass import check_one
from experiments.validation.queue import check_queue
from sim.cli import main

KEYS = {"name", "compares", "expected", "observed", "tolerance", "passed"}


def test_validate_model_writes_json_and_html(tmp_path):
    code = 0
    try:
        main(["validate-model", "--quick", "--only", "diffusion,queue", "--out", str(tmp_path)])
    except SystemExit as exc:
        code = exc.code
    data = json.loads((tmp_path / "validation.json").read_text())
    assert code == (0 if data["passed"] else 1)
    assert len(data["checks"]) == 6
    for c in data["checks"]:
        assert KEYS <= set(c) and isinstance(c["passed"], bool) and c["evidence"]
    html = (tmp_path / "index.html").read_text()
    assert "siyu model validation" in html and html.count("chart-") >= 6


def test_bass_check_fails_against_a_wrong_expectation():
    assert check_one(0.03, 0.38, 30, "test", 20_000, 6).passed
    assert not check_one(0.03, 0.38, 30, "test", 20_000, 6, q_expected=0.45).passed


def test_queue_check_fails_against_a_wrong_expectation():
    assert not any(c.passed for c in check_queue(True, expected_factor=1.3))


def test_unknown_family_is_bad_input(tmp_path):
    with pytest.raises(SystemExit) as exc:
        main(["validate-model", "--only", "nonsense", "--out", str(tmp_path)])
    assert exc.value.code == 2
