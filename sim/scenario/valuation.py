"""How customer value is counted ([valuation]): the discount rate of LTV (:mod:`sim.customer_value`)."""

from __future__ import annotations

from sim.scenario.units import Strict, param


class Valuation(Strict):
    """Money later is worth less: LTV discounts each order to the customer's joining day."""

    discount_rate: float = param(0.0, unit="share", ge=0, le=1,
                                 description="yearly discount rate of customer lifetime value (0 = undiscounted)")
