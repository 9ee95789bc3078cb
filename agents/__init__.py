"""Strategies and agents: how an operator runs the pool (harvest, nurture, custom, and any
a user writes), the brand's operator accounts, and the per-agent Mesa reference model
that specifies the engine's behaviour customer by customer.

Importing ``agents`` registers the shipped strategies (:mod:`agents.presets`).
"""

from agents.strategy import Strategy, get_strategy, load_strategy_module, make_strategy
from agents import presets  # noqa: F401  (defines, and so registers, the shipped strategies)
from agents.play import simulate

__all__ = ["Strategy", "get_strategy", "load_strategy_module", "make_strategy", "simulate"]
