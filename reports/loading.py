"""Re-load a comparison from the directory :meth:`Comparison.write` filled, so a report
can be rebuilt (``siyu report DIR``, another language, a newer template) without
re-running anything. Only JSON and Parquet are read: never pickle, never code."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from experiments.compare import Comparison
from experiments.robust import Robust
from sim.errors import SiyuInputError
from sim.scenario import Scenario

#: a robust comparison's files (siyu compare --uncertain N)
ROBUST_FILES = ("robust.json", "robust_runs.parquet", "robust_flip_points.parquet")
REQUIRED = ("comparison.json", "daily.parquet", "runs.parquet", "retention.parquet")


def _read_json(path: Path) -> dict:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise SiyuInputError(f"{path}: cannot read ({exc.strerror or exc})") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise SiyuInputError(f"{path}: not valid JSON ({exc}); expected the file `siyu compare` writes") from None
    if not isinstance(data, dict):
        raise SiyuInputError(f"{path}: expected a JSON object")
    return data


def _read_parquet(path: Path) -> pd.DataFrame:
    try:
        return pd.read_parquet(path)
    except Exception as exc:  # pyarrow raises several types for damaged files
        raise SiyuInputError(f"{path}: cannot read Parquet ({type(exc).__name__}: {exc})") from None


def load_comparison(directory: str | Path):
    """The :class:`~experiments.compare.Comparison` stored in ``directory``.

    Needs ``comparison.json``, ``daily.parquet``, ``runs.parquet`` and
    ``retention.parquet``; uses ``cohorts.parquet``, ``scenario.json`` (the exact
    scenario) and ``scenario.toml`` (its source comments) when present. A directory
    without ``scenario.json`` gets a placeholder scenario named as in the summary, and
    its report's assumptions table says the file was not stored.
    """
    d = Path(directory)
    if not d.is_dir():
        raise SiyuInputError(f"{d}: not a directory; expected a comparison directory written by `siyu compare`")
    missing = [name for name in REQUIRED if not (d / name).is_file()]
    if missing:
        raise SiyuInputError(f"{d}: missing {', '.join(missing)}; expected the files `siyu compare --out DIR` writes")
    summary = _read_json(d / "comparison.json")
    for key in ("strategies", "compared", "replications", "seed", "scenario", "crossover_day", "difference"):
        if key not in summary:
            raise SiyuInputError(f"{d / 'comparison.json'}: field '{key}' is missing; expected the summary `siyu compare` writes")
    if (d / "scenario.json").is_file():
        try:
            scenario = Scenario.model_validate_json((d / "scenario.json").read_text(encoding="utf-8"))
        except Exception as exc:
            raise SiyuInputError(f"{d / 'scenario.json'}: not a valid scenario ({exc})") from None
    else:
        scenario = Scenario(name=str(summary["scenario"]), days=int(summary.get("days", 365)))
    if (d / "scenario.toml").is_file():
        scenario._source_text = (d / "scenario.toml").read_text(encoding="utf-8", errors="replace")
    cohorts = _read_parquet(d / "cohorts.parquet") if (d / "cohorts.parquet").is_file() else None
    robust = None
    if all((d / name).is_file() for name in ROBUST_FILES):
        try:
            robust = Robust.load(d)
        except Exception as exc:
            raise SiyuInputError(f"{d / 'robust.json'}: not a robust comparison `siyu compare --uncertain` writes "
                                 f"({exc})") from None
    return Comparison(scenario=scenario, strategies=list(summary["strategies"]),
                      replications=int(summary["replications"]), seed=int(summary["seed"]),
                      runs=_read_parquet(d / "runs.parquet"), daily=_read_parquet(d / "daily.parquet"),
                      retention=_read_parquet(d / "retention.parquet"), summary=summary, cohorts=cohorts,
                      robust=robust)
