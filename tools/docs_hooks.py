"""mkdocs hooks: the navigation, and the CLI reference generated from the typer app.

Concept pages are taken in the order of ``CONCEPTS`` when they exist, then any other top-level
page, so a new ``docs/<area>.md`` shows up without editing mkdocs.yml.
"""

from __future__ import annotations

from typing import Any

from mkdocs.structure.files import File, Files

START = ["index.md", "getting-started.md", "tutorial.md", "cli.md"]
CONCEPTS = [
    "margin.md",
    "data.md",
    "data_dumps.md",
    "live.md",
    "leverage.md",
    "cascade.md",
    "validation.md",
    "report.md",
    "dashboard.md",
]
CLI_PAGE = "reference/cli.md"


def on_files(files: Files, config: Any) -> Files:
    """Add the generated CLI reference page."""
    files.append(File.generated(config, CLI_PAGE, content=cli_reference()))
    return files


def on_config(config: Any) -> Any:
    """Assemble the navigation from the pages that exist."""
    from pathlib import Path

    docs = Path(config["docs_dir"])
    top = {p.name for p in docs.glob("*.md")}
    concepts = [c for c in CONCEPTS if c in top]
    others = sorted(top - set(START) - set(CONCEPTS) - {"changelog.md"})
    api = sorted(p.relative_to(docs).as_posix() for p in (docs / "api").glob("*.md"))
    config["nav"] = [
        *[p for p in START if p in top],
        {"Concepts": concepts + others},
        {"Reference": [*api, CLI_PAGE]},
    ]
    return config


def cli_reference() -> str:
    """Markdown for every command: its help text, options and worked examples."""
    import typer

    from liqcascade.cli import app

    root = typer.main.get_command(app)
    lines = [
        "# CLI reference",
        "",
        "Generated from the commands themselves (`liqcascade COMMAND -h` prints the same). "
        "The conventions every command follows are in [the CLI conventions](../cli.md).",
        "",
    ]
    for path, command in _walk(root, ()):
        name = " ".join(("liqcascade", *path))
        lines += [f"## `{name}`", "", (command.help or "").strip(), ""]
        if command.deprecated:
            lines += ["!!! warning", "    Deprecated.", ""]
        lines += ["| option | help |", "|---|---|"]
        for param in command.params:
            names = ", ".join(f"`{o}`" for o in (*param.opts, *param.secondary_opts))
            if param.param_type_name == "argument":
                names = f"`{(param.metavar or param.name or '').upper()}`"
            help_text = (getattr(param, "help", None) or "").replace("|", "\\|")
            if getattr(param, "required", False):
                help_text += " **Required.**"
            lines.append(f"| {names} | {help_text} |")
        lines.append("")
        if command.epilog:
            lines += ["```text", command.epilog.strip(), "```", ""]
    return "\n".join(lines)


def _walk(group: Any, path: tuple[str, ...]) -> list[tuple[tuple[str, ...], Any]]:
    out = []
    for name, command in sorted(group.commands.items()):
        if hasattr(command, "commands"):
            out += _walk(command, (*path, name))
        else:
            out.append(((*path, name), command))
    return out
