"""Feedback switches one by one: ``/api/stress?feedback=momentum,funding``."""

from __future__ import annotations

import json
import urllib.parse
from pathlib import Path

import pytest
from _server import ASOF_MAP, SYMBOL, Server
from typer.testing import CliRunner

from liqcascade.cli import app as cli_app
from liqcascade.serve._app import DEFAULT_PATHS
from liqcascade.serve._params import FEEDBACK_LOOPS, ParamError, feedback

pytestmark = pytest.mark.integration


def _stress(server: Server, loops: str, shock: float = -0.05, **more: object) -> dict:
    params = {"symbol": SYMBOL, "asof": ASOF_MAP, "shock": shock, "feedback": loops, "paths": 0}
    query = urllib.parse.urlencode({**params, **more})
    status, body = server.get(f"/api/stress?{query}")
    assert status == 200, body
    return body


@pytest.mark.parametrize(
    ("text", "loops"),
    [
        ("", ()),
        ("false", ()),
        ("true", ("depth_withdrawal", "flows", "funding", "momentum")),
        ("funding, momentum", ("funding", "momentum")),
        ("flows", ("flows",)),
    ],
)
def test_feedback_parameter(text: str, loops: tuple[str, ...]) -> None:
    assert feedback(text) == loops


def test_unknown_loop_is_refused_naming_the_allowed_ones() -> None:
    with pytest.raises(ParamError) as info:
        feedback("momentum,gamma")
    assert info.value.parameter == "feedback"
    assert "gamma" in info.value.allowed
    assert all(loop in info.value.allowed for loop in FEEDBACK_LOOPS)


def test_unknown_loop_is_422(server: Server) -> None:
    query = urllib.parse.urlencode(
        {"symbol": SYMBOL, "asof": ASOF_MAP, "shock": -0.03, "feedback": "gamma"}
    )
    status, body = server.get(f"/api/stress?{query}")
    assert (status, body["parameter"]) == (422, "feedback")


def test_all_loops_named_is_the_cli_with_feedback(server: Server, serve_store: Path) -> None:
    # the same inputs: both with their default Monte Carlo paths and seed
    body = _stress(server, ",".join(FEEDBACK_LOOPS), paths=DEFAULT_PATHS)
    result = CliRunner().invoke(cli_app, ["stress", "--symbol", SYMBOL, "--asof", ASOF_MAP,
                                          "--shock", "-0.05", "--feedback", "--json",
                                          "--store", str(serve_store)])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert body == json.loads(result.stdout)


def test_momentum_sellers_deepen_a_drop(server: Server) -> None:
    # momentum sellers add sell flow in the move's direction: the trough can only go lower
    none = _stress(server, "false")
    momentum = _stress(server, "momentum")
    assert momentum["trough_price"] < none["trough_price"]
    assert momentum["liquidated_long_usd"] >= none["liquidated_long_usd"]


def test_withdrawn_depth_adds_to_momentum(server: Server) -> None:
    # depth withdrawal thins the book as volatility rises: the same selling moves price further.
    # (ETF flows can push either way, so "all loops" is not ordered against a subset.)
    none = _stress(server, "false")["trough_price"]
    momentum = _stress(server, "momentum")["trough_price"]
    both = _stress(server, "momentum,depth_withdrawal")["trough_price"]
    assert both < momentum < none
