"""Shared fixtures: small scenarios that run in well under a second."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from agents import make_strategy
from sim.model import PoolModel
from sim.scenario import Scenario

ROOT = Path(__file__).resolve().parents[1]

# every model built by the tests (and the CLI subprocesses they start) asserts the model
# invariants after each day (sim/invariants.py); a test may still pass check=False
os.environ.setdefault("SIYU_CHECK", "1")
SCENARIOS = sorted((ROOT / "scenarios").glob("*.toml"))


@pytest.fixture
def small() -> Scenario:
    """A 90-day default scenario with a small market (fast, all mechanics on)."""
    return Scenario.from_toml(ROOT / "scenarios" / "default.toml").with_overrides(
        days=90, **{"market.audience": 8000, "market.initial_pool": 600})


@pytest.fixture
def root() -> Path:
    return ROOT


def pool_model(scenario: Scenario, strategy: str, seed=None, **kwargs) -> PoolModel:
    """The engine's model of ``scenario`` under the strategy called ``strategy``."""
    return PoolModel(scenario, make_strategy(scenario, strategy), seed, **kwargs)


def interruptible() -> None:
    """``preexec_fn`` for a child that a test will Ctrl-C: restore SIGINT's default action.
    A shell that starts CI in the background hands its children SIGINT *ignored*, and
    Python then never raises KeyboardInterrupt, so the test would see a run that cannot be
    interrupted rather than the behaviour it checks."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_DFL)


#: Debian's chromium, driven by playwright (no browser download); headless, offline-minded
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def chromium_path() -> str | None:
    """Where chromium is, or ``None`` (browser tests then skip)."""
    return CHROMIUM if Path(CHROMIUM).exists() else shutil.which("chromium")


@pytest.fixture(scope="module")
def browser():
    """One headless chromium per test module (playwright)."""
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium_path(), args=ARGS)
        yield b
        b.close()
