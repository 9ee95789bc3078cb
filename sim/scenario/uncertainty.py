"""Uncertain assumptions: the plausible range of a scenario parameter, declared in the
scenario file itself so a robust comparison (``siyu compare --uncertain N``) can vary it::

    [uncertainties."behaviour.fatigue_promo"]
    low = 0.15                    # every form needs low and high: the range a world may take
    high = 0.6
    distribution = "triangular"   # uniform (default) | triangular | lognormal | normal
    mode = 0.3                    # triangular: the most likely value
    source = "assumption"         # shown in the report's what-would-have-to-be-true table

``lognormal`` takes ``median`` and ``sigma`` (of the log), ``normal`` takes ``mean`` and
``sd``; both are truncated to ``low``..``high``. The keys mirror a sweep file's
uncertainty (``low`` / ``high``) so the same table reads the same in both places.
"""

from __future__ import annotations

import math
from typing import Literal

import numpy as np
from pydantic import model_validator
from scipy import stats

from sim.scenario.units import Strict, param

DISTRIBUTIONS = ("uniform", "triangular", "lognormal", "normal")


class Uncertainty(Strict):
    """The range (and, optionally, the shape) of one uncertain parameter."""

    low: float = param(..., unit="as_path", description="lowest plausible value (a world never goes below it)")
    high: float = param(..., unit="as_path", description="highest plausible value (a world never goes above it)")
    distribution: Literal["uniform", "triangular", "lognormal", "normal"] = param(
        "uniform", unit="choice", description="how plausible values inside low..high are")
    mode: float | None = param(None, unit="as_path", description="triangular: the most likely value")
    median: float | None = param(None, unit="as_path", gt=0, description="lognormal: the median")
    sigma: float | None = param(None, unit="sigma", gt=0, description="lognormal: the spread of the log")
    mean: float | None = param(None, unit="as_path", description="normal: the mean (before truncation to low..high)")
    sd: float | None = param(None, unit="as_path", gt=0, description="normal: the standard deviation")
    source: str = param("assumption", unit="text", max_length=500, description="where the range comes from")

    @model_validator(mode="after")
    def _shape(self) -> "Uncertainty":
        if not (math.isfinite(self.low) and math.isfinite(self.high)):
            raise ValueError("low and high must be finite numbers")
        if not self.low < self.high:
            raise ValueError(f"low ({self.low:g}) must be below high ({self.high:g})")
        needs = {"uniform": (), "triangular": ("mode",), "lognormal": ("median", "sigma"), "normal": ("mean", "sd")}
        missing = [k for k in needs[self.distribution] if getattr(self, k) is None]
        if missing:
            raise ValueError(f"distribution '{self.distribution}' needs {' and '.join(missing)}")
        extra = [k for k in ("mode", "median", "sigma", "mean", "sd")
                 if getattr(self, k) is not None and k not in needs[self.distribution]]
        if extra:
            raise ValueError(f"{', '.join(extra)} not used by distribution '{self.distribution}'")
        if self.distribution == "triangular" and not self.low <= self.mode <= self.high:
            raise ValueError(f"mode ({self.mode:g}) must lie within low..high ({self.low:g}..{self.high:g})")
        if self.distribution == "lognormal" and self.low <= 0:
            raise ValueError("lognormal needs low > 0")
        return self

    def ppf(self, u: np.ndarray) -> np.ndarray:
        """Map draws in [0, 1) onto this range by the inverse CDF (so a Latin hypercube on
        the unit cube stays stratified in every parameter)."""
        u = np.asarray(u, float)
        lo, hi = self.low, self.high
        if self.distribution == "uniform":
            x = lo + u * (hi - lo)
        elif self.distribution == "triangular":
            x = stats.triang(c=(self.mode - lo) / (hi - lo), loc=lo, scale=hi - lo).ppf(u)
        elif self.distribution == "normal":
            a, b = (lo - self.mean) / self.sd, (hi - self.mean) / self.sd
            x = stats.truncnorm(a, b, loc=self.mean, scale=self.sd).ppf(u)
        else:
            m, s = math.log(self.median), self.sigma
            a, b = (math.log(lo) - m) / s, (math.log(hi) - m) / s
            x = np.exp(stats.truncnorm(a, b, loc=m, scale=s).ppf(u))
        return np.clip(x, lo, hi)
