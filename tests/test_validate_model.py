"""`siyu validate-model`: the battery's output contract, and that its checks can fail.

The whole quick battery takes a few minutes (the CDNOW calibration, stylized facts and the
Morris screening are most of it) and CI runs it on its own (`make validate`), so the CLI
test runs only the two fast families (diffusion, queue) through the command, in two
processes, and checks the result does not depend on the number of processes.
"""

from __future__ import annotations

import json

import pytest

from experiments.validation.bass import check_one
from experiments.validation.queue import check_queue
from siyu.cli import main

KEYS = {"name", "compares", "expected", "observed", "tolerance", "passed"}


def test_validate_model_writes_json_and_html(tmp_path):
    code = 0
    try:
        main(["validate-model", "--quick", "--only", "diffusion,queue", "--workers", "2", "--out", str(tmp_path)])
    except SystemExit as exc:
        code = exc.code
    data = json.loads((tmp_path / "validation.json").read_text())
    assert code == (0 if data["passed"] else 1)
    assert len(data["checks"]) == 6
    assert [c["family"] for c in data["checks"]] == ["diffusion"] * 4 + ["queue"] * 2    # report order
    # the same figures as in this process: results do not depend on --workers
    assert [c["observed"] for c in data["checks"][4:]] == [c.observed for c in check_queue(True)]
    for c in data["checks"]:
        assert KEYS <= set(c) and isinstance(c["passed"], bool) and c["evidence"]
    html = (tmp_path / "index.html").read_text()
    assert "siyu model validation" in html and html.count("chart-") >= 6


def test_bass_check_fails_against_a_wrong_expectation():
    assert check_one(0.03, 0.38, 30, "test", 20_000, 6).passed
    assert not check_one(0.03, 0.38, 30, "test", 20_000, 6, q_expected=0.45).passed


def test_queue_check_fails_against_a_wrong_expectation():
    assert not any(c.passed for c in check_queue(True, expected_factor=1.3))


def test_failed_check_exits_1(tmp_path, monkeypatch):
    from experiments import validation
    from experiments.validation import Check

    failing = Check("always_fails", "queue", "x", "1", "2", "exact", passed=False, evidence="a failing check")
    monkeypatch.setattr(validation, "families", lambda: {"queue": lambda quick: [failing]})
    with pytest.raises(SystemExit) as exc:
        main(["validate-model", "--quick", "--only", "queue", "--out", str(tmp_path)])
    assert exc.value.code == 1
    assert json.loads((tmp_path / "validation.json").read_text())["passed"] is False


def test_unknown_family_is_bad_input(tmp_path):
    with pytest.raises(SystemExit) as exc:
        main(["validate-model", "--only", "nonsense", "--out", str(tmp_path)])
    assert exc.value.code == 2
