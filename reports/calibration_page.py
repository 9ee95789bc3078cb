"""The report page of a calibration directory (``siyu calibrate --out DIR``): the fitted
values with their 95 % CIs, the goodness of fit on the calibration period and the holdout,
and the observed-vs-simulated chart, from the tables the command writes."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from experiments.calibrate import CalibrationResult
from reports import fmt
from reports.experiment_figures import calibration_figure
from reports.i18n import labels
from reports.page import Page, Section, Table
from sim.errors import SiyuInputError

#: what a calibration directory holds once the fit has ended (calibration.html is written last)
REQUIRED = ("parameters.csv", "fit.csv", "fit_summary.csv", "calibration.html")


def is_calibration(directory: Path) -> bool:
    return all((directory / name).is_file() for name in REQUIRED)


def calibration_page(directory: Path, lang: str = "en") -> Page:
    """What was fitted, how well, and the chart of observed against simulated."""
    t = labels(lang)
    try:
        parameters = pd.read_csv(directory / "parameters.csv")
        fit = pd.read_csv(directory / "fit.csv")
        summary = pd.read_csv(directory / "fit_summary.csv")
        figure = CalibrationResult(parameters, fit, summary, pd.DataFrame()).figure()
        verdicts = [t["cal_value"].format(parameter=r.parameter, estimate=fmt.plain(r.estimate, lang),
                                          lo=fmt.plain(r.ci_low, lang), hi=fmt.plain(r.ci_high, lang),
                                          low=fmt.plain(r.low, lang), high=fmt.plain(r.high, lang))
                    for r in parameters.itertuples()]
        verdicts += [t["cal_fit"].format(set=t.get(f"cal_{r.set}", r.set), moments=r.moments,
                                         rmse=fmt.plain(r.rmse, lang), mape=fmt.pct(r.mape, lang),
                                         inside=fmt.pct(r.share_inside_band, lang))
                     for r in summary.itertuples()]
    except (OSError, UnicodeDecodeError, ValueError, KeyError, AttributeError) as exc:
        raise SiyuInputError(f"{directory}: parameters.csv, fit.csv or fit_summary.csv is damaged ({exc}); "
                             "expected the files `siyu calibrate` writes") from None
    table = Table(header=[t["parameter"], t["cal_estimate"], t["cal_ci"], t["cal_searched"]],
                  rows=[[r.parameter, fmt.plain(r.estimate, lang),
                         f"{fmt.plain(r.ci_low, lang)} – {fmt.plain(r.ci_high, lang)}",
                         f"{fmt.plain(r.low, lang)} – {fmt.plain(r.high, lang)}"] for r in parameters.itertuples()],
                  css="params", verbatim=(0,))
    section = Section("calibration", t["cal_title"], lead=t["cal_lead"],
                      figures={"calibration": calibration_figure(figure, lang)}, tables=[table],
                      full_width=frozenset({"calibration"}))
    return Page(title=directory.name, sections=[section], verdicts=verdicts, verdict_note=t["cal_note"])
