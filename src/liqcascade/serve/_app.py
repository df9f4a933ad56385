"""The FastAPI application: JSON API (documented at /docs), pages, report files, errors."""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import json
import math
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Annotated, Any

import pandas as pd
from fastapi import Depends, FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import (
    FileResponse,
    HTMLResponse,
    JSONResponse,
    Response,
    StreamingResponse,
)
from starlette.concurrency import run_in_threadpool

from liqcascade import __version__
from liqcascade.errors import InputError, LiqcascadeError, NoDataError
from liqcascade.serve import _params as check
from liqcascade.serve._pages import BODIES, shell
from liqcascade.serve._params import ParamError
from liqcascade.serve._service import Service
from liqcascade.sim import stress

STATIC = Path(__file__).parent / "static"
ASSETS = ("BTC", "ETH")
INTERVALS = ("4h", "8h", "12h", "1d")
# A live stream ends after this long; the browser's EventSource reconnects by itself (after
# ``retry`` ms). Bounded so that a server shutting down never waits on an open tab for long.
STREAM_SECONDS = 120.0

SymbolQ = Annotated[str | None, Query(description="ccxt symbol, e.g. BTC/USDT:USDT")]
AsofQ = Annotated[
    str | None, Query(description="UTC time; only data known by then, e.g. 2025-09-21T00:00Z")
]
ShockQ = Annotated[
    float | None,
    Query(description="price move as a FRACTION of the price (-0.03 = 3 % down), |shock| ≤ 0.5"),
]
FlowQ = Annotated[float, Query(description="market order in USD (negative = sell)")]
# stress()'s own default, so /api/stress answers what `stress --json` prints
DEFAULT_PATHS: int = inspect.signature(stress).parameters["paths"].default
PathsQ = Annotated[
    int, Query(description="Monte Carlo paths (0 = none), at most 20,000; default as the CLI")
]
FeedbackQ = Annotated[
    str,
    Query(
        description="feedback loops: true (all), false (none) or a comma list of momentum, "
        "funding, depth_withdrawal, flows (e.g. momentum,funding)"
    ),
]
SeedQ = Annotated[int, Query(ge=0, description="Monte Carlo seed (results depend on it only)")]
DetailQ = Annotated[bool, Query(description="add the page's extras (path, bars, leverage mix)")]


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def _error_body(exc: BaseException) -> tuple[int, dict[str, Any]]:
    """HTTP status and JSON body for an exception raised while answering."""
    if isinstance(exc, ParamError):
        return 422, exc.to_dict()
    if isinstance(exc, NoDataError):
        return 404, {"error": f"no data: {_one_line(exc)}"}
    if isinstance(exc, InputError):
        return 422, {"error": _one_line(exc), "parameter": None}
    return 500, {"error": f"internal error ({type(exc).__name__}): {_one_line(exc)}"}


def build_app(store: str | Path, *, cards: str | Path | None, cluster: str) -> FastAPI:
    """The app of :func:`liqcascade.serve.create_app` (documented there), fastapi imported.

    Raises :class:`InputError` if ``store`` is not an existing folder.
    """
    path = Path(store).expanduser()
    if not path.is_dir():
        raise InputError(
            f"store folder {path} does not exist; load data first "
            f"(liqcascade data sample --store {path}) or pass --store DIR"
        )
    service = Service(path, cards=Path(cards) if cards is not None else None, cluster=cluster)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        service.close()

    app = FastAPI(
        lifespan=lifespan,
        title="liqcascade dashboard API",
        version=__version__,
        description=(
            "Read-only JSON mirror of the liqcascade Python API over one store. Bad parameters "
            "answer 422 with `parameter`, `value` and `allowed`; missing data 404; a failure "
            "inside 500 with a one-line `error`. Results are cached per (inputs, store version)."
        ),
    )
    app.state.service = service
    _add_error_handlers(app)
    _add_api(app, service)
    _add_pages(app, service)
    return app


def _add_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        first = exc.errors()[0]
        name = str(first.get("loc", ["", "?"])[-1])
        value = request.query_params.get(name, "")
        err = ParamError(name, value, str(first.get("msg", "invalid value")))
        return JSONResponse(err.to_dict(), status_code=422)

    @app.exception_handler(ParamError)
    async def _param(request: Request, exc: ParamError) -> JSONResponse:
        return JSONResponse(exc.to_dict(), status_code=422)

    @app.exception_handler(LiqcascadeError)
    async def _ours(request: Request, exc: LiqcascadeError) -> JSONResponse:
        status, body = _error_body(exc)
        return JSONResponse(body, status_code=status)

    @app.exception_handler(Exception)
    async def _internal(request: Request, exc: Exception) -> JSONResponse:
        status, body = _error_body(exc)
        return JSONResponse(body, status_code=status)


def _stress_args(
    symbol: SymbolQ = None,
    asof: AsofQ = None,
    shock: ShockQ = None,
    flow_usd: FlowQ = 0.0,
    paths: PathsQ = DEFAULT_PATHS,
    feedback: FeedbackQ = "false",
    seed: SeedQ = 0,
) -> dict[str, Any]:
    # The query of /api/stress and /api/jobs/stress (a FastAPI dependency), checked.
    move = check.shock(shock)
    return {
        "symbol": check.symbol(symbol),
        "asof": check.timestamp(asof, "asof"),
        "shock": move,
        "flow_usd": check.flow_usd(flow_usd, move),
        "paths": check.paths(paths),
        "feedback": check.feedback(feedback),
        "seed": seed,
    }


StressArgs = Annotated[dict[str, Any], Depends(_stress_args)]


def _add_api(app: FastAPI, service: Service) -> None:
    @app.get("/healthz", tags=["meta"])
    def healthz() -> dict[str, str]:
        """Liveness: ``{"status": "ok"}``."""
        return {"status": "ok"}

    @app.get("/api/meta", tags=["meta"])
    def meta() -> dict[str, Any]:
        """The store: folder, version, perp symbols and the last candle time; cache counters."""
        return {"store": str(service.store_path), "version": service.version(),
                **_store_meta(service), "cache": {"hits": service.hits,
                "misses": service.misses}}  # fmt: skip

    @app.get("/api/stress", tags=["api"])
    def api_stress(args: StressArgs, detail: DetailQ = False) -> dict[str, Any]:
        """As ``liqcascade stress --json``: the cascade, insurance fund, ADL, MC quantiles."""
        return service.stress(**args, detail=detail)

    @app.post("/api/jobs/stress", status_code=202, tags=["api"])
    def job_stress(args: StressArgs, detail: DetailQ = True) -> dict[str, Any]:
        """Start ``/api/stress`` in the background; poll ``/api/jobs/{job}`` for progress."""
        from liqcascade.sim import MonteCarloPriors

        blocks = math.ceil((args["paths"] or 0) / MonteCarloPriors().block_size)
        job = service.start_job(
            blocks + 1,
            lambda j: service.stress(**args, detail=detail, progress=j.advance),
            lambda exc: _error_body(exc)[1],
        )
        return job.to_dict()

    @app.get("/api/jobs/{job_id}", tags=["api"])
    def job_status(job_id: str) -> dict[str, Any]:
        """A background job: ``state`` (running, done, error), ``done``/``total`` and result."""
        job = service.job(job_id)
        if job is None:
            raise ParamError("job_id", job_id, "the id returned by POST /api/jobs/stress")
        return job.to_dict()

    @app.get("/api/map", tags=["api"])
    def api_map(symbol: SymbolQ = None, asof: AsofQ = None, detail: DetailQ = False) -> dict:
        """As ``liqcascade leverage map --json``: grid (time x price) and cumulative curve."""
        return service.liquidation_map(
            check.symbol(symbol), check.timestamp(asof, "asof"), detail=detail
        )

    @app.get("/api/liquidations/estimate", tags=["api"])
    def api_estimate(
        symbol: Annotated[list[str] | None, Query(description="ccxt perp symbol; repeat")] = None,
        start: Annotated[str | None, Query(description="first bar (UTC)")] = None,
        end: Annotated[str | None, Query(description="end, exclusive (UTC)")] = None,
        interval: Annotated[str, Query(description="4h, 8h, 12h or 1d")] = "4h",
    ) -> dict[str, Any]:
        """As ``liqcascade liquidations estimate --json``: reported and p10/p50/p90 per bar."""
        if not symbol:
            raise ParamError("symbol", "", "required: a ccxt symbol, e.g. BTC/USDT:USDT")
        symbols = [check.symbol(s) for s in symbol]
        lo, hi = check.window(start, end)
        if interval not in INTERVALS:
            raise ParamError("interval", interval, f"one of {', '.join(INTERVALS)}")
        return service.estimate(symbols, lo, hi, interval)

    @app.get("/api/report/week", tags=["api"])
    def api_week(
        asof: Annotated[str | None, Query(description="as-of DAY, e.g. 2025-09-25")] = None,
    ) -> dict[str, Any]:
        """The weekly report's ``report.json`` as of that day's close."""
        return service.report_week(check.day(asof))

    @app.get("/api/overview", tags=["pages"])
    def api_overview(
        asset: Annotated[str, Query(description="BTC or ETH")] = "BTC", asof: AsofQ = None
    ) -> dict[str, Any]:
        """The Overview page's series (price, OI by venue, funding, long/short, liquidations)."""
        if asset not in ASSETS:
            raise ParamError("asset", asset, f"one of {', '.join(ASSETS)}")
        return service.overview(asset, check.timestamp(asof, "asof"))

    @app.get("/api/live/liquidations", tags=["pages"])
    def api_live(
        limit: Annotated[int, Query(ge=1, le=500, description="rows, newest first")] = 50,
    ) -> dict[str, Any]:
        """The newest liquidation rows and the store version (changes on every write)."""
        return service.latest_liquidations(limit)

    @app.get("/api/live/stream", tags=["pages"], response_class=StreamingResponse)
    async def api_live_stream(
        request: Request,
        limit: Annotated[int, Query(ge=1, le=500, description="rows, newest first")] = 50,
        interval: Annotated[
            float, Query(ge=0.2, le=60, description="seconds between store checks")
        ] = 3.0,
    ) -> StreamingResponse:
        """Server-sent events (text/event-stream): ``liquidations`` on connect and on new rows.

        Each ``liquidations`` event carries the JSON of ``/api/live/liquidations``; ``id`` is
        the store version. A failure is a ``failure`` event with the one-line JSON body. The
        stream closes after two minutes; browsers reconnect by themselves.
        """
        events = _live_events(service, request, limit=limit, interval=interval)
        return StreamingResponse(events, media_type="text/event-stream",
                                 headers={"Cache-Control": "no-cache"})  # fmt: skip


def _sse(event: str, data: dict[str, Any], ident: str | None = None) -> str:
    """One server-sent event (the data is one line of JSON)."""
    head = f"event: {event}\n" + (f"id: {ident}\n" if ident else "")
    return head + f"data: {json.dumps(data, separators=(',', ':'))}\n\n"


async def _live_events(
    service: Service, request: Request, *, limit: int, interval: float
) -> AsyncIterator[str]:
    """The Live page's stream: the newest rows whenever a change of the store changes them.

    The version moves on any file change, also while a commit has placed its files but not
    yet switched the manifest (the rows read then are the old ones): rows equal to the last
    pushed ones are not pushed again, so every event after the first carries new rows.
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + STREAM_SECONDS
    seen, pushed = None, None  # the last version read, the last rows pushed
    yield "retry: 1000\n\n"
    while loop.time() < deadline and not await request.is_disconnected():
        try:
            version = await run_in_threadpool(service.version)
            doc = None
            if version != seen:
                doc = await run_in_threadpool(service.latest_liquidations, limit)
                seen = version
            if doc is not None and doc["rows"] != pushed:
                pushed = doc["rows"]
                yield _sse("liquidations", doc, doc["version"])
            else:
                yield ": unchanged\n\n"  # a comment: keeps proxies from closing the stream
        except Exception as exc:  # reported to the page as an event, the stream goes on
            yield _sse("failure", _error_body(exc)[1])
        await asyncio.sleep(interval)


def _store_meta(service: Service) -> dict[str, Any]:
    def compute() -> dict[str, Any]:
        frame = service.store.sql(
            "SELECT symbol, max(time) AS last FROM candles WHERE market = 'perp' GROUP BY symbol "
            "ORDER BY symbol"
        )
        last = frame["last"].max() if not frame.empty else None
        return {
            "symbols": frame["symbol"].tolist(),
            "last_time": None if last is None or pd.isna(last) else last.isoformat(),
        }

    return service.cached("meta", (), compute)


def _add_pages(app: FastAPI, service: Service) -> None:
    def page(key: str) -> HTMLResponse:
        meta = _store_meta(service)
        defaults = {"last_time": meta["last_time"] or "", "symbols": ",".join(meta["symbols"])}
        return HTMLResponse(shell(key, BODIES[key], store=str(service.store_path),
                                  defaults=defaults))  # fmt: skip

    for key, route in (("overview", "/"), ("map", "/map"), ("stress", "/stress"),
                       ("reports", "/reports"), ("live", "/live")):  # fmt: skip
        app.add_api_route(route, lambda key=key: page(key), include_in_schema=False,
                          response_class=HTMLResponse)  # fmt: skip

    @app.get("/static/plotly.min.js", include_in_schema=False)
    def plotly_js() -> Response:
        from plotly.offline import get_plotlyjs

        return Response(get_plotlyjs(), media_type="application/javascript",
                        headers={"Cache-Control": "max-age=86400"})  # fmt: skip

    @app.get("/static/{name}", include_in_schema=False)
    def static(name: str) -> FileResponse:
        if name not in ("dashboard.js", "dashboard.css"):
            raise ParamError("name", name, "dashboard.js or dashboard.css")
        return FileResponse(STATIC / name)

    @app.get("/files/week/{asof}/report.html", include_in_schema=False)
    def week_html(asof: str) -> FileResponse:
        return FileResponse(service.report_week_files(check.day(asof)) / "report.html")

    @app.get("/files/replay", include_in_schema=False)
    def replay_html(start: str | None = None, end: str | None = None) -> FileResponse:
        lo, hi = check.window(start, end)
        folder = service.replay_files(lo, hi)
        return FileResponse(next(iter(sorted(folder.glob("*.html")))))

    @app.get("/api/cards", tags=["pages"])
    def cards() -> dict[str, list[str]]:
        """Names of the validation model cards (HTML) available under /files/cards/{name}."""
        return {"cards": [p.name for p in service.model_cards()]}

    @app.get("/files/cards/{name}", include_in_schema=False)
    def card(name: str) -> FileResponse:
        found = {p.name: p for p in service.model_cards()}
        if name not in found:
            raise ParamError("name", name, f"one of {sorted(found)}")
        return FileResponse(found[name])
