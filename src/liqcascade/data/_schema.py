"""The column/dtype contract of every dataset in the store — the one place that defines it.

Conventions (see ``docs/data.md``):

- ``time`` is a UTC ``timestamp[ns, tz=UTC]``. For bars and windows it is the OPEN time: a bar
  ``[time, time + interval)`` is known only once it has closed, at ``time + interval``.
  Events (single liquidations, purchases) carry their own time and ``interval`` null.
- Prices and sizes are floats in base units; money is plain USD (never millions).
  Rates and percentages are FRACTIONS (0.0001 = 0.01 %): no percent column survives an import.
- ``symbol`` is ccxt form for instruments (``BTC/USDT:USDT`` linear perp, ``BTC/USD:BTC``
  inverse perp, ``BTC/USDT`` spot). Cross-venue aggregates use the bare asset (``BTC``) with
  ``exchange = "all"``. Macro series, indices and shares use their ticker (``SPX``, ``MSTR``).
- ``exchange`` is lower-case ccxt id (``binance``, ``bybit``, ``okx``, ``hyperliquid``...),
  ``all`` for an aggregate across venues, or the publisher (``yahoo``, ``deribit``...).
- ``source`` names where a row came from (file name and repository@commit when known); it is
  not part of any key: importing the same row again from a newer source replaces it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pyarrow as pa

from liqcascade.errors import SchemaError

TIME = pa.timestamp("ns", tz="UTC")
# Key columns that tell events of one series apart (not part of the series' identity);
# empty text, never null, for rows that are not single events.
EVENT_ID_COLUMNS = ("event_id", "reference")
STR = pa.string()
F64 = pa.float64()


@dataclass(frozen=True)
class Dataset:
    """A dataset's name, arrow schema, de-duplication key, partition column and closed
    vocabularies (``choices``: column -> the only values it may hold, checked on every write).
    """

    name: str
    schema: pa.Schema
    key: tuple[str, ...]
    partition_by: str  # column whose value names the partition folder (with the month)
    doc: str
    choices: dict[str, tuple[str, ...]] = field(default_factory=dict, hash=False)

    @property
    def columns(self) -> list[str]:
        return self.schema.names

    @property
    def series(self) -> tuple[str, ...]:
        """Key columns that name a series: the key without time and per-event ids."""
        return tuple(k for k in self.key if k != "time" and k not in EVENT_ID_COLUMNS)


# "both": the source reports longs and shorts together without a split (Hyperliquid daily totals).
LIQUIDATED_SIDES = ("long", "short", "both")
# partial: only the events some watched accounts took part in (Hyperliquid userFills).
COVERAGES = ("complete", "throttled", "partial", "aggregated")


def _schema(*fields: tuple[str, pa.DataType]) -> pa.Schema:
    return pa.schema([pa.field(name, dtype) for name, dtype in (*fields, ("source", STR))])


CANDLES = Dataset(
    "candles",
    _schema(
        ("time", TIME),
        ("exchange", STR),
        ("symbol", STR),
        ("market", STR),  # closed vocabulary: see choices
        ("interval", STR),  # 1m 5m 1h 4h 1d 1w
        ("open", F64),
        ("high", F64),
        ("low", F64),
        ("close", F64),
        ("volume", F64),  # base units; null if unknown
        ("quote_volume", F64),  # quote currency (USD/USDT); null if unknown
        ("currency", STR),  # quote / listing currency: USDT, USD, EUR...
    ),
    key=("exchange", "symbol", "market", "interval", "time"),
    partition_by="symbol",
    doc="Any priced series: crypto spot/perp/mark/index, macro closes, share prices, vol indices.",
    choices={"market": ("spot", "perp", "mark", "index", "macro", "equity", "volatility")},
)

OPEN_INTEREST = Dataset(
    "open_interest",
    _schema(
        ("time", TIME),
        ("exchange", STR),
        ("symbol", STR),
        ("interval", STR),  # bar interval for OHLC rows; null for point samples
        ("margin", STR),  # closed vocabulary: see choices
        ("open_usd", F64),
        ("high_usd", F64),
        ("low_usd", F64),
        ("close_usd", F64),  # point value for point samples
        ("close_base", F64),  # open interest in base units, when the source gives it
    ),
    key=("exchange", "symbol", "margin", "interval", "time"),
    partition_by="symbol",
    doc="Open interest in USD notional (and base units when known), per venue or 'all'.",
    choices={"margin": ("all", "stablecoin", "coin")},
)

FUNDING = Dataset(
    "funding",
    _schema(
        ("time", TIME),
        ("exchange", STR),
        ("symbol", STR),
        ("interval", STR),  # bar interval of the row (8h, 4h, 1d)
        ("weighting", STR),  # closed vocabulary: see choices
        ("rate", F64),  # FRACTION per funding interval (close of the bar)
        ("rate_high", F64),
        ("rate_low", F64),
        ("funding_interval_hours", F64),  # the venue's funding period the rate refers to
    ),
    key=("exchange", "symbol", "weighting", "interval", "time"),
    partition_by="symbol",
    doc="Funding rates as a FRACTION per funding interval, with the interval in hours.",
    choices={"weighting": ("none", "oi", "volume")},  # oi, volume: cross-venue weighted means
)

LIQUIDATIONS = Dataset(
    "liquidations",
    _schema(
        ("time", TIME),
        ("exchange", STR),
        ("symbol", STR),
        ("interval", STR),  # null for single events; 4h, 1d, 24h for aggregates (window open)
        ("liquidated_side", STR),  # the side of the position closed; see choices
        ("notional_usd", F64),
        ("qty", F64),  # base units; null for aggregates
        ("price", F64),  # fill/avg price; null for aggregates
        ("coverage", STR),  # closed vocabulary: see choices
        ("event_id", STR),  # distinguishes events within one timestamp; "" for aggregates
    ),
    key=("exchange", "symbol", "interval", "liquidated_side", "time", "event_id"),
    partition_by="symbol",
    doc="Liquidations, event-level or per bar/window; liquidated_side is explicit.",
    choices={"liquidated_side": LIQUIDATED_SIDES, "coverage": COVERAGES},
)

DEPTH = Dataset(
    "depth",
    _schema(
        ("time", TIME),
        ("exchange", STR),
        ("symbol", STR),
        ("market", STR),  # closed vocabulary: see choices
        ("band", F64),  # FRACTION from mid: 0.01 = within ±1 %
        ("bid_usd", F64),
        ("ask_usd", F64),
        ("bid_base", F64),
        ("ask_base", F64),
    ),
    key=("exchange", "symbol", "market", "band", "time"),
    partition_by="symbol",
    doc="Order-book depth: notional resting within ±band of mid, per side.",
    choices={"market": ("spot", "perp")},
)

LONG_SHORT = Dataset(
    "long_short",
    _schema(
        ("time", TIME),
        ("exchange", STR),
        ("symbol", STR),
        ("interval", STR),
        ("kind", STR),  # closed vocabulary: see choices
        ("long_fraction", F64),
        ("short_fraction", F64),
        ("ratio", F64),  # long / short
    ),
    key=("exchange", "symbol", "kind", "interval", "time"),
    partition_by="symbol",
    doc="Long/short ratios (accounts or positions), fractions in [0, 1].",
    choices={"kind": ("global_account", "top_account", "top_position")},
)

OPTIONS = Dataset(
    "options",
    _schema(
        ("time", TIME),
        ("exchange", STR),  # deribit, cme, okx, ... or all
        ("asset", STR),  # BTC | ETH
        ("expiry", TIME),  # null for totals across expiries
        ("metric", STR),  # open_interest_usd | volume_usd | call_oi | put_oi | ... (docs/data.md)
        ("interval", STR),  # 4h, 1d; null for snapshots
        ("value", F64),
        ("unit", STR),  # closed vocabulary: see choices
    ),
    key=("exchange", "asset", "metric", "expiry", "interval", "time"),
    partition_by="asset",
    doc="Options open interest / volume per venue, put/call OI per expiry (long format).",
    choices={"unit": ("usd", "contracts", "base", "fraction")},
)

ETF_FLOWS = Dataset(
    "etf_flows",
    _schema(
        ("time", TIME),  # trading day (00:00 UTC)
        ("asset", STR),  # BTC | ETH
        ("fund", STR),  # ticker, or TOTAL for the all-fund net flow
        ("flow_usd", F64),  # net creation (+) / redemption (-) in USD
    ),
    key=("asset", "fund", "time"),
    partition_by="asset",
    doc="US spot ETF daily net flows in USD, per fund and TOTAL.",
)

TREASURY = Dataset(
    "treasury",
    _schema(
        ("time", TIME),  # date the purchase was made / the holding was reported as of
        ("company", STR),
        ("ticker", STR),
        ("asset", STR),  # BTC | ETH | SOL ...
        ("kind", STR),  # closed vocabulary: see choices
        ("amount", F64),  # purchase: units acquired (base units); null for holdings
        ("holdings", F64),  # cumulative units held after the event
        ("cost_usd", F64),
        ("avg_price_usd", F64),
        ("filed_time", TIME),  # filing date (8-K) when the source gives it
        ("reference", STR),  # accession number / source URL
    ),
    key=("ticker", "asset", "kind", "time", "reference"),
    partition_by="asset",
    doc="Corporate treasury purchases and holdings.",
    choices={"kind": ("purchase", "holding")},
)

MARKET_CAP = Dataset(
    "market_cap",
    _schema(
        ("time", TIME),
        ("asset", STR),  # TOTAL | STABLECOINS | USDT | BTC_REALIZED ...
        ("interval", STR),
        ("open", F64),
        ("high", F64),
        ("low", F64),
        ("close", F64),  # USD
    ),
    key=("asset", "interval", "time"),
    partition_by="asset",
    doc="Market capitalisations in USD (total crypto, stablecoins, realized caps).",
)

SENTIMENT = Dataset(
    "sentiment",
    _schema(
        ("time", TIME),
        ("index", STR),  # fear_greed
        ("value", F64),  # the index's own scale (Fear & Greed: 0..100)
        ("classification", STR),
    ),
    key=("index", "time"),
    partition_by="index",
    doc="Sentiment indices, e.g. Alternative.me Fear & Greed (0 = extreme fear).",
)

FEED_GAPS = Dataset(
    "feed_gaps",
    _schema(
        ("time", TIME),  # first instant with no data
        ("exchange", STR),
        ("end", TIME),  # data again from here (reconnected)
        ("reason", STR),  # "disconnected: ...", "collector not running"
    ),
    key=("exchange", "time"),
    partition_by="exchange",
    doc="Stretches with no data from a live feed (`liqcascade collect`), and why.",
)

PIPE_TERMS = Dataset(
    "pipe_terms",
    _schema(
        ("time", TIME),  # day the terms were published: known from that day's close
        ("company", STR),
        ("ticker", STR),  # null when the source gives none
        ("period", STR),  # the period as the source words it: "2025-05 (PIPE announcement)"
        ("metric", STR),  # pipe_price (per share, listing currency) | pipe_amount_usd
        ("value", F64),
        ("unit", STR),  # as the source words it: "USD per share"
        ("attributed_primary_source", STR),  # what the page cites
        ("secondary_source", STR),  # the page the figure was transcribed from
    ),
    key=("company", "metric", "time"),
    partition_by="metric",
    doc="SECONDARY, hand-transcribed PIPE terms of treasury companies: show as 'reported'.",
)

DATASETS: dict[str, Dataset] = {
    d.name: d
    for d in (
        CANDLES,
        OPEN_INTEREST,
        FUNDING,
        LIQUIDATIONS,
        DEPTH,
        LONG_SHORT,
        OPTIONS,
        ETF_FLOWS,
        TREASURY,
        MARKET_CAP,
        SENTIMENT,
        FEED_GAPS,
        PIPE_TERMS,
    )
}


def dataset(name: str) -> Dataset:
    """Return the dataset called ``name`` (its columns, dtypes and partition key).

    Raises
    ------
    SchemaError
        An unknown name; the message lists the valid ones.

    Examples
    --------
    >>> dataset("funding").partition_by
    'symbol'
    """
    try:
        return DATASETS[name]
    except KeyError:
        raise SchemaError(
            f"unknown dataset {name!r}; expected one of {', '.join(sorted(DATASETS))}"
        ) from None


__all__ = [
    "COVERAGES",
    "DATASETS",
    "EVENT_ID_COLUMNS",
    "LIQUIDATED_SIDES",
    "Dataset",
    "dataset",
]
