"""The example notebooks run top to bottom in a real kernel (``pytest --nbmake examples/``).

nbmake collects notebooks only when ``--nbmake`` is given, so the default test run
calls it here, in a child pytest: the notebooks stay ordinary files in ``examples/``
and a failing cell fails this test with the cell's traceback in the message.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

from conftest import ROOT

NOTEBOOKS = sorted((ROOT / "examples").glob("*.ipynb"))


def test_there_are_example_notebooks():
    names = {p.name for p in NOTEBOOKS}
    assert {"01_tour.ipynb", "02_write_your_own_strategy.ipynb"} <= names


@pytest.mark.endtoend
@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_runs(notebook):
    pytest.importorskip("nbmake")
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "--nbmake", "--nbmake-timeout=300", "-q", "-p", "no:cacheprovider",
         "-p", "no:xdist", str(notebook.relative_to(ROOT))],
        cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-6000:] + proc.stderr[-2000:]
