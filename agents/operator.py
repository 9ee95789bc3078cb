"""The brand's operator accounts as Mesa agents.

An account's state lives in the engine's arrays (:class:`sim.accounts.AccountBook`), and
the engine creates one :class:`OperatorAccount` per account when a model starts; this
module names them for code that works with the agents of a model
(``model.agents_by_type[OperatorAccount]``).
"""

from sim.accounts import AccountBook, GroupBook, OperatorAccount

__all__ = ["AccountBook", "GroupBook", "OperatorAccount"]
