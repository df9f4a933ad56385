"""The local web dashboard and its JSON API (``liqcascade serve``).

Owns the FastAPI application: pages (Overview, Liquidation map, Stress what-if, Reports, Live)
drawn with plotly.js, and a JSON API mirroring the Python API. The top layer: it may import
every other layer's PUBLIC names (``data``, ``leverage``, ``sim``, ``report``, ``validate``)
and nothing imports it. Reads the store, never writes it. FastAPI and uvicorn come with the
``serve`` extra and are imported only when an app is built.

Public API::

    from liqcascade.serve import create_app, run
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from liqcascade.errors import MissingExtraError

if TYPE_CHECKING:  # pragma: no cover
    from fastapi import FastAPI

LOOPBACK_WARNING = (
    "warning: serving on {host}, reachable from other machines; the dashboard has no "
    "authentication (bind 127.0.0.1 to keep it local)"
)


def _require_extra() -> None:
    for package in ("fastapi", "uvicorn"):
        try:
            __import__(package)
        except ImportError:
            raise MissingExtraError(package, "serve") from None


def create_app(
    store: str | Path, *, cards: str | Path | None = None, cluster: str = "serial"
) -> FastAPI:
    """Build the dashboard application over the store folder ``store`` (read, never written).

    Parameters
    ----------
    store
        An existing store folder (``liqcascade data sample --store DIR`` makes one).
    cards
        Folder of HTML validation model cards listed on the Reports page (optional).
    cluster
        Monte Carlo executor: ``"serial"`` (default; safe inside a threaded server) or the
        ``tcp://host:port`` of a Dask scheduler.

    Raises
    ------
    MissingExtraError
        fastapi or uvicorn is not installed (``pip install liqcascade[serve]``).
    InputError
        If ``store`` is not an existing folder.
    """
    _require_extra()
    from liqcascade.serve._app import build_app

    return build_app(store, cards=cards, cluster=cluster)


def is_loopback(host: str) -> bool:
    """True when ``host`` only accepts connections from this machine."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def run(
    store: str | Path,
    *,
    host: str = "127.0.0.1",
    port: int = 8765,
    cards: str | Path | None = None,
    cluster: str = "serial",
    warn: Callable[[str], object] = print,
) -> None:
    """Serve the dashboard until interrupted; ``warn`` receives the non-loopback warning."""
    _require_extra()
    import uvicorn

    app = create_app(store, cards=cards, cluster=cluster)
    if not is_loopback(host):
        warn(LOOPBACK_WARNING.format(host=host))
    uvicorn.run(app, host=host, port=port, log_level="warning")


__all__ = ["create_app", "is_loopback", "run"]
