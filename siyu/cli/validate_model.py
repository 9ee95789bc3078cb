"""``siyu validate-model [--quick] [--out DIR]``: run the model-validation battery
(:mod:`experiments.validation`) and write ``validation.json`` and ``index.html``.
Exit 0 when every check passes, 1 when any fails, 2 on bad input. Check families run
side by side in ``--workers`` processes (default 2).

``--transactions LOG.csv [--calibration-end DATE]`` runs the empirical check on a brand's
own log instead: siyu and BG/NBD fitted on the calibration period, both holdout errors."""

from __future__ import annotations

import difflib
import sys
import time
from pathlib import Path
from typing import Optional

import typer

from experiments.validation import families, run_battery, to_json
from experiments.validation.empirical import check_log, read_log
from reports.page import render_page
from reports.validation_page import page
from siyu.cli.common import Lang, Language, out, results_complete
from sim.errors import SiyuInputError
from sim.files import write_atomic


def validate_model(quick: bool = typer.Option(False, "--quick", help="small sizes (CI: a few minutes)"),
                   out_dir: Path = typer.Option(Path("reports/validation"), "--out", help="directory for index.html and validation.json"),
                   only: Optional[str] = typer.Option(None, "--only", help="comma-separated check families (diffusion,queue,docking,stylized,empirical,sensitivity)"),
                   workers: int = typer.Option(2, "--workers", min=1, max=64, help="processes running check families side by side (results do not depend on it)"),
                   transactions: Optional[Path] = typer.Option(None, "--transactions", help="CSV transaction log (customer_id, date, amount): check siyu against BG/NBD on your own customers"),
                   calibration_end: Optional[str] = typer.Option(None, "--calibration-end", help="with --transactions: last date of the calibration period, e.g. 1997-09-30 (default: halfway through the log)"),
                   lang: Language = Lang) -> None:
    """Check the model against theory, a second implementation, observed facts and real data.

    The checks: Bass diffusion and Erlang C (theory), a per-agent reference (docking),
    stylised facts, a real transaction log against BG/NBD (--transactions) and the
    verdict's sensitivity. On your own log:
    siyu validate-model --transactions orders.csv --calibration-end 2024-06-30 --out reports/my-log
    """
    if transactions is not None:
        if only:
            raise SiyuInputError("--only: not with --transactions (which runs the empirical check on that log)")
        log = read_log(transactions, calibration_end)
        t = time.perf_counter()
        checks = check_log(log, quick, workers)
        for c in checks:
            out.print(f"{'pass' if c.passed else 'FAIL'}  {c.name}: expected {c.expected}; observed {c.observed}",
                      markup=False)
        _finish(checks, quick, time.perf_counter() - t, out_dir, lang=lang,
                log=(str(transactions), calibration_end))
        return
    if calibration_end is not None:
        raise SiyuInputError("--calibration-end: only with --transactions")
    names = [s.strip() for s in only.split(",") if s.strip()] if only else None
    for name in names or []:
        if name not in families():
            hint = difflib.get_close_matches(name, families(), n=1)
            raise SiyuInputError(f"--only: unknown check family '{name}'"
                                 + (f" (did you mean '{hint[0]}'?)" if hint else "")
                                 + f"; expected some of: {', '.join(families())}")
    t = time.perf_counter()
    checks = run_battery(quick, names, on_check=lambda c: out.print(
        f"{'pass' if c.passed else 'FAIL'}  {c.name} ({c.seconds:.0f} s): expected {c.expected}; observed {c.observed}",
        markup=False), workers=workers)
    _finish(checks, quick, time.perf_counter() - t, out_dir, names, lang)


def _finish(checks, quick: bool, seconds: float, out_dir: Path, only: list[str] | None = None,
            lang: str = "en", log: tuple[str, str | None] = (None, None)) -> None:
    """Write validation.json and index.html (in ``lang``); exit 1 when a check failed.
    ``log``: the transaction log and calibration end a ``--transactions`` run checked."""
    j = write_atomic(out_dir / "validation.json", to_json(checks, quick, seconds))
    h = write_atomic(out_dir / "index.html", render_page(page(checks, quick, seconds, only, lang, *log), lang))
    results_complete()
    failed = [c.name for c in checks if not c.passed]
    out.print(f"{len(checks) - len(failed)}/{len(checks)} checks pass in {seconds:.0f} s; wrote {h} and {j}")
    if failed:
        out.print("failed: " + ", ".join(failed))
        sys.exit(1)
