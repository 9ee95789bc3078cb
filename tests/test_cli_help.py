"""The command line explains itself: ``siyu --version``, an example at the end of every
command's help, the choices of every option that has them, and no value type beside a
flag (``--force``, ``--help``)."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from siyu.cli import EXAMPLES, app

COMMANDS = ("validate", "run", "compare", "report", "sweep", "sensitivity", "optimize", "calibrate", "validate-model",
            "explore")
#: options whose values are a closed set, and values their help must list
CHOICES = {("report", "--lang"): ("en", "zh"), ("sensitivity", "--lang"): ("en", "zh"),
           ("optimize", "--lang"): ("en", "zh"), ("calibrate", "--lang"): ("en", "zh"),
           ("validate-model", "--lang"): ("en", "zh"), ("sweep", "--executor"): ("process", "dask"),
           ("sensitivity", "--executor"): ("process", "dask"), ("optimize", "--executor"): ("process", "dask"),
           ("calibrate", "--executor"): ("process", "dask"), ("sensitivity", "--method"): ("sobol", "morris"),
           ("compare", "--flip-metric"): ("gmv_total", "profit", "retention_90")}


def siyu(*args):
    env = dict(os.environ, COLUMNS="200")
    return subprocess.run([sys.executable, "-m", "siyu", *args], capture_output=True, text=True, env=env)


@pytest.fixture(scope="module")
def helps() -> dict[str, str]:
    """Each command's help (and the group's, under ""), as a wide terminal shows it."""
    runner = CliRunner()
    out = {}
    for c in ("", *COMMANDS):
        r = runner.invoke(app, [c, "--help"] if c else ["--help"], terminal_width=200, env={"COLUMNS": "200"})
        assert r.exit_code == 0, r.output
        out[c] = r.output
    return out


def test_every_command_is_registered_with_an_example():
    registered = {c.name for c in app.registered_commands}
    assert registered == set(COMMANDS) == set(EXAMPLES)


@pytest.mark.parametrize("command", COMMANDS)
def test_every_help_ends_with_an_example_of_that_command(helps, command):
    text = helps[command]
    assert text.strip(), command
    example = text[text.rindex("Example:"):]
    assert f"siyu {command} " in " ".join(example.split())


@pytest.mark.parametrize("command", ("", *COMMANDS))
def test_no_flag_shows_a_value_type(helps, command):
    assert "<bool>" not in helps[command]
    assert re.search(r"--help\s+Show this message", helps[command])


@pytest.mark.parametrize("command, option", sorted(CHOICES))
def test_options_with_choices_list_them(helps, command, option):
    line = next(line for line in helps[command].splitlines() if f"{option} " in line)
    for value in CHOICES[command, option]:
        assert re.search(rf"[<|]{value}[|>]", line), line


def test_an_unknown_choice_is_refused_with_the_choices():
    r = siyu("report", ".", "--lang", "fr")
    assert r.returncode == 2 and "Traceback" not in r.stderr + r.stdout
    assert "--lang" in r.stderr and "'en'" in r.stderr and "'zh'" in r.stderr


def test_version():
    from siyu import __version__, code_version
    r = siyu("--version")
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == f"siyu {__version__} (model code {code_version()})"


@pytest.mark.parametrize("command, option", [("run", "--strategy"), ("compare", "--strategies")])
def test_strategy_options_name_the_shipped_strategies(helps, command, option):
    text = " ".join(helps[command].split())
    assert "harvest, nurture" in text and "--strategies-from" in text
