"""Importers, one module per source format (see ``_base`` for the shape of a module).

``IMPORTERS`` is the explicit registry, in detection order: this package's importers for the
shared real-data sources and liqcascade's own record files, then the exchange/vendor dump
importers of ``importers.dumps`` (Binance public data, Tardis).
"""

from __future__ import annotations

from pathlib import Path

from liqcascade.data.importers import (
    btc_factors,
    coinglass,
    coinglass_options,
    crypto_liquidity,
    dattracker,
    deribit_dvol,
    farside,
    hyperliquid_stats,
    ohlcvfeed,
    pipe_terms,
    records,
    tradingview_mcap,
    yahoo_macro,
)
from liqcascade.data.importers._base import Importer
from liqcascade.data.importers._ws_capture import CAPTURE_IMPORTERS
from liqcascade.data.importers.dumps import DUMP_IMPORTERS
from liqcascade.errors import ImportFormatError

OWN_IMPORTERS: tuple[Importer, ...] = (
    ohlcvfeed,
    coinglass,
    coinglass_options,
    farside,
    crypto_liquidity,
    btc_factors,
    tradingview_mcap,
    dattracker,
    hyperliquid_stats,
    yahoo_macro,
    deribit_dvol,
    pipe_terms,
    records,
    *CAPTURE_IMPORTERS,
)
IMPORTERS: tuple[Importer, ...] = (*OWN_IMPORTERS, *DUMP_IMPORTERS)


def formats() -> list[str]:
    """The format names accepted by ``liqcascade data import <format>``."""
    return [m.FORMAT for m in IMPORTERS]


def importer_for(fmt: str) -> Importer:
    """The importer module called ``fmt``; an error lists the valid names."""
    for module in IMPORTERS:
        if fmt == module.FORMAT:
            return module
    raise ImportFormatError(
        "unknown format", value=fmt, expected="auto or one of " + ", ".join(formats())
    )


def detect_importer(path: Path, head: str) -> Importer | None:
    """The one importer that recognises ``path``; None if none does.

    Raises :class:`ImportFormatError` if several do (name the format explicitly then).
    """
    matches = [m for m in IMPORTERS if m.detect(path, head)]
    if len(matches) > 1:
        raise ImportFormatError(
            "ambiguous format",
            path=path,
            value=[m.FORMAT for m in matches],
            expected="exactly one matching importer; name the format instead of `auto`",
        )
    return matches[0] if matches else None


__all__ = ["IMPORTERS", "OWN_IMPORTERS", "detect_importer", "formats", "importer_for"]
