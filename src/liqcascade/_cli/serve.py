"""CLI: ``liqcascade serve`` (the local web dashboard; extra ``serve``)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from liqcascade._cli._common import StoreOption, examples

SERVE_EPILOG = examples(
    (
        "The bundled sample on http://127.0.0.1:8765 (API documentation at /docs):",
        "liqcascade serve --store liqcascade-demo/store",
    ),
    (
        "Another port; a non-loopback --host prints a warning (no authentication):",
        "liqcascade serve --store liqcascade-demo/store --port 9000",
    ),
    note="Reads the store, never writes it. Needs the `serve` extra (FastAPI + uvicorn).",
)


def register(app: typer.Typer) -> None:
    """Attach ``serve`` as a top-level command."""

    @app.command("serve", epilog=SERVE_EPILOG)
    def serve_cmd(
        store: StoreOption = None,
        host: Annotated[
            str,
            typer.Option("--host", help="Address to bind; anything but loopback prints a warning."),
        ] = "127.0.0.1",
        port: Annotated[int, typer.Option("--port", help="TCP port.", min=1, max=65535)] = 8765,
        cards: Annotated[
            Path | None,
            typer.Option("--cards", help="Folder of HTML validation model cards to list."),
        ] = None,
        cluster: Annotated[
            str,
            typer.Option("--cluster", help="Monte Carlo executor: serial or tcp://host:port."),
        ] = "serial",
    ) -> None:
        """Serve the dashboard (overview, map, stress, reports, live) and its JSON API."""
        from liqcascade.data import default_store_path
        from liqcascade.serve import run

        folder = store if store is not None else default_store_path()
        if cards is None and Path("docs/validation").is_dir():
            cards = Path("docs/validation")
        typer.echo(
            f"liqcascade dashboard on http://{host}:{port} (store {folder}); Ctrl-C stops",
            err=True,
        )
        run(
            folder,
            host=host,
            port=port,
            cards=cards,
            cluster=cluster,
            warn=lambda m: typer.secho(m, fg=typer.colors.YELLOW, err=True),
        )
