"""OKX v5: the public ``liquidation-orders`` channel (instType SWAP).

Documentation: https://www.okx.com/docs-v5/en/#public-data-websocket-liquidation-orders-channel
(checked 2026-12-01). Push example from that page::

    {"arg": {"channel": "liquidation-orders", "instType": "SWAP"},
     "data": [{"details": [{"bkLoss": "0", "bkPx": "0.007831", "ccy": "", "posSide": "short",
                            "side": "buy", "sz": "13", "ts": "1692266434010"}],
               "instFamily": "IOST-USDT", "instId": "IOST-USDT-SWAP", "instType": "SWAP",
               "uly": "IOST-USDT"}]}

**Side convention**: ``side`` is the liquidation ORDER's side (as Binance): ``sell`` closes a
LONG, ``buy`` closes a SHORT. ``posSide`` is "Position mode side: long (hedge mode long),
short (hedge mode short), net (net mode)"; when it says long/short it must agree with
``side`` (a frame where they disagree is rejected).

Size ``sz`` is in CONTRACTS ("For FUTURES/SWAP, the unit is contract"): base units =
``sz x ctVal`` for linear swaps; for inverse swaps (``BTC-USD-SWAP``) ``ctVal`` is USD face
value. ``ctVal`` comes from the instruments endpoint (the collector loads it through ccxt when
it can) or :data:`CONTRACT_VALUES`; an instrument with no known ``ctVal`` is reported, never
guessed. Price: ``bkPx`` — the BANKRUPTCY price of the transfer to the liquidation account,
not a fill price. Time ``ts``. Coverage ``complete``; the doc warns that "liquidation data
comes from different data sources, so the updated data is not necessarily in chronological
order".

Heartbeat: send the text ``ping`` when no message arrived for less than 30 s; OKX answers
``pong`` and closes a connection silent for 30 s.
"""

from __future__ import annotations

from typing import Any

from liqcascade.data.feeds._event import (
    FrameError,
    LiquidationEvent,
    contract_event,
    integer,
    number,
)
from liqcascade.data.feeds._wire import decode
from liqcascade.data.importers.dumps.tardis_liquidations import tardis_symbol_to_ccxt
from liqcascade.errors import InputError

VENUE = "okx"
COVERAGE = "complete"
URL = "wss://ws.okx.com:8443/ws/v5/public"
PING_INTERVAL_S: float | None = 25.0
# ctVal of OKX swaps (linear: base units per contract; inverse: USD per contract), from the
# OKX instruments endpoint as recorded in ccxt's test fixture ts/src/test/static/markets/okx.json
# (ccxt/ccxt@3802e1a2); SOL from OKX's instrument page as used by the Tardis importer.
CONTRACT_VALUES: dict[str, float] = {
    "BTC-USDT-SWAP": 0.01,
    "ETH-USDT-SWAP": 0.1,
    "SOL-USDT-SWAP": 1.0,
    "LTC-USDT-SWAP": 1.0,
    "ADA-USDT-SWAP": 100.0,
    "XRP-USDT-SWAP": 100.0,
    "DOGE-USDT-SWAP": 1000.0,
    "TRX-USDT-SWAP": 1000.0,
    "SUSHI-USDT-SWAP": 1.0,
    "BTC-USD-SWAP": 100.0,
}
_ORDER_SIDES = {"SELL": "long", "BUY": "short"}


class UnknownContractError(FrameError):
    """An OKX instrument whose contract value is unknown (sizes cannot be converted)."""

    def __init__(self, inst_id: str) -> None:
        self.inst_id = inst_id
        super().__init__(
            f"okx instrument {inst_id!r} has no known contract value (ctVal); sizes are in "
            "contracts. Collect with network access (ctVal is loaded from OKX) or pass "
            f"contract_values={{'{inst_id}': <ctVal>}}"
        )


def liquidated_side(order_side: str, position_side: str = "net") -> str:
    """Position side closed by an OKX liquidation order (``sell`` -> ``long``).

    Examples
    --------
    >>> liquidated_side("buy", "short"), liquidated_side("sell", "net")
    ('short', 'long')
    """
    try:
        side = _ORDER_SIDES[str(order_side).upper()]
    except KeyError:
        raise FrameError(
            f"okx liquidation field 'side' is {order_side!r}; expected buy or sell"
        ) from None
    if position_side in ("long", "short") and position_side != side:
        raise FrameError(
            f"okx liquidation has side {order_side!r} but posSide {position_side!r}; a "
            f"{order_side} liquidation order closes a {side} position"
        )
    return side


def subscribe_messages(symbols: list[str]) -> list[dict[str, Any]]:
    """The one subscription (all swaps; symbols are filtered afterwards)."""
    return [{"op": "subscribe", "args": [{"channel": "liquidation-orders", "instType": "SWAP"}]}]


def ping_message() -> str:
    """OKX's heartbeat: the bare text ``ping``."""
    return "ping"


def parse(
    frame: str | bytes | dict[str, Any], *, contract_values: dict[str, float] | None = None
) -> list[LiquidationEvent]:
    """Liquidation events in one frame (``[]`` for acks, ``pong`` and other channels).

    Raises
    ------
    UnknownContractError
        An instrument whose ``ctVal`` is neither in ``contract_values`` nor packaged.
    """
    message = decode(frame)
    if not isinstance(message, dict) or "data" not in message:
        return []
    if (message.get("arg") or {}).get("channel") != "liquidation-orders":
        return []
    values = {**CONTRACT_VALUES, **(contract_values or {})}
    events: list[LiquidationEvent] = []
    for block in message.get("data") or []:
        if not isinstance(block, dict):
            continue
        inst_id = str(block.get("instId", ""))
        for detail in block.get("details") or []:
            events.append(_event(inst_id, detail, values))
    return events


def _symbol(inst_id: str) -> str:
    try:
        return tardis_symbol_to_ccxt("okex-swap", inst_id)
    except InputError as exc:
        raise FrameError(f"okx instId {inst_id!r}: {exc}") from None


def _event(inst_id: str, detail: dict[str, Any], values: dict[str, float]) -> LiquidationEvent:
    symbol = _symbol(inst_id)
    side = liquidated_side(detail.get("side", ""), str(detail.get("posSide", "net")))
    price = number(detail, "bkPx", VENUE)
    contracts = number(detail, "sz", VENUE)
    time_ms = integer(detail, "ts", VENUE)
    if inst_id not in values:
        raise UnknownContractError(inst_id)
    # ctVal: base units per linear contract, USD per inverse one
    key = (inst_id, detail.get("side"), time_ms, detail.get("sz"), detail.get("bkPx"))
    size = values[inst_id]
    return contract_event(
        VENUE, COVERAGE, symbol, side, time_ms, price, contracts, contract_size=size, key=key
    )


__all__ = [
    "CONTRACT_VALUES",
    "COVERAGE",
    "URL",
    "VENUE",
    "UnknownContractError",
    "liquidated_side",
    "parse",
    "subscribe_messages",
]
