"""The JSON API mirrors the Python API and the CLI; bad input answers 422, failures 500."""

from __future__ import annotations

import json
import urllib.parse
from pathlib import Path

import pytest
from _server import ASOF_MAP, SYMBOL, WEEK, Server, start_server
from typer.testing import CliRunner

from liqcascade.cli import app as cli_app

pytestmark = pytest.mark.integration


def _q(**params: object) -> str:
    return urllib.parse.urlencode(params, doseq=True)


def _cli_json(*args: str) -> dict:
    result = CliRunner().invoke(cli_app, list(args))
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_healthz(server: Server) -> None:
    assert server.get("/healthz") == (200, {"status": "ok"})


def test_shock_of_5_is_422_naming_the_parameter(server: Server) -> None:
    status, body = server.get(f"/api/stress?{_q(symbol=SYMBOL, asof=ASOF_MAP, shock=5)}")
    assert status == 422
    assert body["parameter"] == "shock"
    assert body["value"] == "5"
    assert "FRACTION" in body["allowed"]


@pytest.mark.parametrize(
    ("query", "parameter"),
    [
        ({"symbol": SYMBOL, "asof": ASOF_MAP, "shock": "abc"}, "shock"),
        ({"symbol": "btc", "asof": ASOF_MAP, "shock": -0.03}, "symbol"),
        ({"symbol": SYMBOL, "asof": "yesterday-ish", "shock": -0.03}, "asof"),
        ({"symbol": SYMBOL, "asof": ASOF_MAP, "shock": -0.03, "paths": 10**6}, "paths"),
        ({"symbol": SYMBOL, "asof": ASOF_MAP, "shock": -0.03, "flow_usd": 5e8}, "flow_usd"),
    ],
)
def test_bad_stress_parameters_are_422(server: Server, query: dict, parameter: str) -> None:
    status, body = server.get(f"/api/stress?{_q(**query)}")
    assert status == 422
    assert body["parameter"] == parameter
    assert body["allowed"]


def test_bad_report_day_and_estimate_window_are_422(server: Server) -> None:
    status, body = server.get("/api/report/week?asof=25-09-2025")
    assert (status, body["parameter"]) == (422, "asof")
    query = _q(symbol=SYMBOL, start="2025-09-26", end="2025-09-22")
    status, body = server.get(f"/api/liquidations/estimate?{query}")
    assert (status, body["parameter"]) == (422, "end")


def test_stress_matches_the_cli(server: Server, serve_store: Path) -> None:
    status, body = server.get(f"/api/stress?{_q(symbol=SYMBOL, asof=ASOF_MAP, shock=-0.03)}")
    assert status == 200
    cli = _cli_json("stress", "--symbol", SYMBOL, "--asof", ASOF_MAP, "--shock", "-0.03",
                    "--json", "--store", str(serve_store))  # fmt: skip
    assert body == cli
    assert body["trough_price"] < body["start_price"]


def test_map_matches_the_cli(server: Server, serve_store: Path) -> None:
    status, body = server.get(f"/api/map?{_q(symbol=SYMBOL, asof=ASOF_MAP)}")
    assert status == 200
    cli = _cli_json("leverage", "map", "--symbol", SYMBOL, "--asof", ASOF_MAP, "--json",
                    "--store", str(serve_store))  # fmt: skip
    assert body == cli


def test_map_detail_leverage_mix_adds_up_to_the_book(server: Server) -> None:
    status, body = server.get(f"/api/map?{_q(symbol=SYMBOL, asof=ASOF_MAP, detail='true')}")
    assert status == 200
    mix = body["leverage_mix"]
    assert len(mix["usd"]) == len(body["grid"]["price"])
    assert mix["bands"][0] == "≤5x"
    # the as-of book is the map's last column: the mix per price bin carries notional
    assert sum(map(sum, mix["usd"])) > 0
    assert len(body["bars"]["close"]) > 0


def test_estimate_matches_the_cli(server: Server, serve_store: Path) -> None:
    query = _q(symbol=SYMBOL, start="2025-09-22", end="2025-09-26")
    status, body = server.get(f"/api/liquidations/estimate?{query}")
    assert status == 200
    cli = _cli_json("liquidations", "estimate", "--symbol", SYMBOL, "--start", "2025-09-22",
                    "--end", "2025-09-26", "--json", "--store", str(serve_store))  # fmt: skip
    assert body == cli


def test_report_week_is_the_report_json(server: Server) -> None:
    status, body = server.get(f"/api/report/week?asof={WEEK}")
    assert status == 200
    assert body["asof"] == WEEK
    # ETH fell 12.8 % in the week of 2025-09-22 (README; Binance spot closes)
    assert body["assets"]["ETH"]["week_change_pct"] == pytest.approx(-0.128, abs=0.001)


def test_results_are_cached_per_store_version(server: Server) -> None:
    query = f"/api/liquidations/estimate?{_q(symbol=SYMBOL, start='2025-09-23', end='2025-09-24')}"
    server.get(query)
    before = server.get("/api/meta")[1]["cache"]["hits"]
    server.get(query)
    assert server.get("/api/meta")[1]["cache"]["hits"] >= before + 1


def test_long_runs_report_progress(server: Server) -> None:
    import time

    query = _q(symbol=SYMBOL, asof=ASOF_MAP, shock=-0.05, paths=256, seed=3)
    status, job = server.get(f"/api/jobs/stress?{query}", method="POST")
    assert status == 202
    # 256 paths in blocks of 64 = 4 blocks, +1 for the central run
    assert job["total"] == 5
    deadline = time.monotonic() + 120
    while job["state"] == "running" and time.monotonic() < deadline:
        time.sleep(0.2)
        job = server.get(f"/api/jobs/{job['job']}")[1]
    assert job["state"] == "done"
    assert job["done"] == job["total"]
    assert job["result"]["paths"] == 256
    assert set(job["result"]["quantiles"]["trough_price"]) >= {"p05", "p50", "p95"}


def test_failure_inside_is_a_one_line_500(server: Server, monkeypatch: pytest.MonkeyPatch) -> None:
    service = server.app.state.service

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("disk on fire\nTraceback (most recent call last): ...")

    monkeypatch.setattr(service, "overview", broken)
    status, body = server.get(f"/api/overview?asset=BTC&asof={WEEK}")
    assert status == 500
    assert body == {"error": "internal error (RuntimeError): disk on fire"}


def test_missing_store_is_refused(tmp_path: Path) -> None:
    from liqcascade.errors import InputError
    from liqcascade.serve import create_app

    with pytest.raises(InputError, match="does not exist"):
        create_app(tmp_path / "nowhere")


def test_the_server_never_writes_the_store(serve_store: Path) -> None:
    def listing() -> dict[str, int]:
        return {str(p): p.stat().st_mtime_ns for p in serve_store.rglob("*") if p.is_file()}

    before = listing()
    running = start_server(serve_store)
    try:
        assert running.get(f"/api/overview?asset=ETH&asof={WEEK}")[0] == 200
        assert running.get("/api/live/liquidations?limit=5")[0] == 200
    finally:
        running.stop()
    assert listing() == before


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("localhost", True),
        ("::1", True),
        ("0.0.0.0", False),
        ("192.168.1.20", False),
        ("example.org", False),
    ],
)
def test_loopback_hosts(host: str, loopback: bool) -> None:
    from liqcascade.serve import is_loopback

    assert is_loopback(host) is loopback


def test_non_loopback_host_warns(serve_store: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import uvicorn

    from liqcascade import serve

    calls: list[dict] = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: calls.append(kw))
    warnings: list[str] = []
    serve.run(serve_store, host="0.0.0.0", port=9, warn=warnings.append)
    serve.run(serve_store, host="127.0.0.1", port=9, warn=warnings.append)
    assert calls == [{"host": "0.0.0.0", "port": 9, "log_level": "warning"},
                     {"host": "127.0.0.1", "port": 9, "log_level": "warning"}]  # fmt: skip
    assert len(warnings) == 1
    assert "0.0.0.0" in warnings[0]
    assert "no authentication" in warnings[0]


def test_openapi_documents_the_api(server: Server) -> None:
    status, spec = server.get("/openapi.json")
    assert status == 200
    for path in ("/healthz", "/api/stress", "/api/map", "/api/liquidations/estimate",
                 "/api/report/week"):  # fmt: skip
        assert path in spec["paths"], path
    names = {p["name"] for p in spec["paths"]["/api/stress"]["get"]["parameters"]}
    assert {"symbol", "asof", "shock", "paths", "feedback"} <= names
