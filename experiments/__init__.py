"""Experiments: comparisons, sweeps, sensitivity, optimisation and calibration."""


def load(directory, keys=None, daily: bool = False):
    """All runs of an experiment directory as one tidy DataFrame (see :func:`experiments.store.load`)."""
    from experiments.store import load as _load

    return _load(directory, keys=keys, daily=daily)
