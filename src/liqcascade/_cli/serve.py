"""CLI: ``liqcascade serve`` (the local web dashboard; extra ``serve``)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

STORE_HELP = "Store directory (default: $LIQCASCADE_HOME or the user data dir); read only."


def register(app: typer.Typer) -> None:
    """Attach ``serve`` as a top-level command."""

    @app.command("serve")
    def serve_cmd(
        store: Annotated[Path | None, typer.Option("--store", help=STORE_HELP)] = None,
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
        """Serve the dashboard (Overview, map, stress, reports, live) and its JSON API.

        Example: liqcascade serve --store liqcascade-demo/store, then open
        http://127.0.0.1:8765 (API documentation at /docs).
        """
        from liqcascade.data import default_store_path
        from liqcascade.serve import run

        folder = store if store is not None else default_store_path()
        if cards is None and Path("docs/validation").is_dir():
            cards = Path("docs/validation")
        typer.echo(f"liqcascade dashboard on http://{host}:{port} (store {folder}); Ctrl-C stops")
        run(folder, host=host, port=port, cards=cards, cluster=cluster,
            warn=lambda m: typer.secho(m, fg=typer.colors.YELLOW, err=True))  # fmt: skip
