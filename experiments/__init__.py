"""Experiments: comparisons, sweeps, sensitivity, optimisation, calibration and the
validation battery, each built from a design (:mod:`experiments.design`), run on an
executor (:mod:`experiments.executors`) into the run store (:mod:`experiments.store`)."""

from experiments.store import load

__all__ = ["load"]
