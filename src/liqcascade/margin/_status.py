"""Per-row status codes of the vectorized margin functions."""

from __future__ import annotations

from enum import IntEnum


class Status(IntEnum):
    """Why a row's result is what it is.

    ``OK`` and ``NO_LIQUIDATION`` carry a number (``NO_LIQUIDATION``: a long that no positive
    price liquidates, returned as 0.0, or an inverse short returned as ``inf``); every other
    code comes with NaN, and a scalar call raises instead.
    """

    OK = 0
    NO_LIQUIDATION = 1
    INVALID_INPUT = 2
    BELOW_MAINTENANCE = 3
    BEYOND_LAST_BRACKET = 4


MESSAGES = {
    Status.INVALID_INPUT: "invalid input (size, price and collateral must be finite, size and "
    "prices > 0, side long/short or +1/-1)",
    Status.BELOW_MAINTENANCE: "collateral is already at or below the maintenance margin at the "
    "entry price: the position is liquidatable now; add collateral or reduce size",
    Status.BEYOND_LAST_BRACKET: "the position value reaches beyond the last bracket's cap; the "
    "exchange does not allow such a position",
}
