"""Walk every ``liqcascade`` command and hold it to the convention in docs/cli.md.

Commands are discovered from the typer app, so a new command is checked without editing this
file: ``-h`` works, its help ends with worked examples of that very command, option names are
the shared ones, and every command that produces a result takes ``--json`` -- whose example,
run on the bundled sample, prints exactly one JSON object on stdout.
"""

from __future__ import annotations

import json
import shlex
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from liqcascade._cli._common import STORE_HELP, SYNONYMS
from liqcascade.cli import app

ROOT = typer.main.get_command(app)

# Commands that run until stopped and so have no single result to print as JSON.
NO_RESULT = {
    ("serve",): "a web server that runs until stopped",
    ("collect",): "a live collector that runs until stopped",
    ("data", "collect"): "a live collector that runs until stopped",
}
# Commands whose --json example cannot run in a test, and where they are tested instead.
NOT_RUNNABLE = {
    ("data", "backfill"): "needs an exchange over the network (tests/data/test_live.py fakes it)",
}
# Commands that write data: their example runs on an empty store, not the shared sample
# (`demo` loads the sample: into an empty store, as a first run does).
WRITERS = {("data", "import"), ("data", "sample"), ("demo",)}
# A small file the `data import` example reads (Binance daily klines, real rows of 2025-09-21/22).
FILES = {
    "prices.csv": (
        "open_time_utc,open_time_ms,open,high,low,close,volume_base,close_time_ms\n"
        "2025-09-21 00:00:00,1758412800000,115632.38,115848.77,115188.00,115232.29,7.1,"
        "1758499199999\n"
        "2025-09-22 00:00:00,1758499200000,115232.29,115305.13,111800.00,112650.99,9.2,"
        "1758585599999\n"
    ),
}


# typer vendors its own click, so groups and options are recognised by what they have.
Command = Any


def _walk(group: Command, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Command]]:
    for name, command in sorted(group.commands.items()):
        if hasattr(command, "commands"):
            yield from _walk(command, (*path, name))
        else:
            yield (*path, name), command


COMMANDS = dict(_walk(ROOT))
IDS = [" ".join(path) for path in COMMANDS]


def _options(command: Command) -> list[Any]:
    return [p for p in command.params if p.param_type_name == "option"]


def _has_json(command: Command) -> bool:
    return any("--json" in option.opts for option in _options(command))


def _examples(path: tuple[str, ...], command: Command) -> list[list[str]]:
    """The command lines of ``path`` in its help's examples (without ``liqcascade``)."""
    prefix = ["liqcascade", *path]
    found = []
    for line in (command.epilog or "").splitlines():
        words = shlex.split(line.strip()) if line.strip().startswith("liqcascade ") else []
        if words[: len(prefix)] == prefix:
            found.append(words[1:])
    return found


def test_the_walk_finds_the_commands() -> None:
    # the walker must see nested groups (data, margin, report...) as well as top-level commands
    assert {("demo",), ("data", "list"), ("margin", "liq-price"), ("stress",)} <= set(COMMANDS)


@pytest.mark.parametrize("path", COMMANDS, ids=IDS)
def test_dash_h_prints_help_with_an_example(path: tuple[str, ...]) -> None:
    result = CliRunner().invoke(app, [*path, "-h"])
    assert result.exit_code == 0, result.output
    assert "Usage" in result.output and "Examples" in result.output
    command = COMMANDS[path]
    if not command.deprecated:  # a deprecated alias shows its replacement instead
        assert _examples(path, command), f"no `liqcascade {' '.join(path)} ...` example in its help"


@pytest.mark.parametrize("path", COMMANDS, ids=IDS)
def test_result_commands_take_json(path: tuple[str, ...]) -> None:
    assert _has_json(COMMANDS[path]) or path in NO_RESULT, f"{' '.join(path)} has no --json"


@pytest.mark.parametrize("path", COMMANDS, ids=IDS)
def test_option_names_are_the_shared_ones(path: tuple[str, ...]) -> None:
    for option in _options(COMMANDS[path]):
        main = next((o for o in option.opts if o.startswith("--")), option.opts[0])
        assert main not in SYNONYMS, f"{' '.join(path)}: {main} should be {SYNONYMS[main]}"
        if main == "--store":
            assert option.help == STORE_HELP or (option.help or "").startswith("Store folder")


def _inside(words: list[str], root: Path) -> list[str]:
    """The example's words with absolute paths moved under ``root`` (no shared /tmp folders)."""
    return [
        str(root / Path(w).relative_to("/")) if w.startswith("/") and i > 0 else w
        for i, w in enumerate(words)
    ]


# A deprecated alias shows its replacement's examples; NOT_RUNNABLE says where the rest are run.
RUNNABLE_JSON = [
    p
    for p in COMMANDS
    if _has_json(COMMANDS[p]) and not COMMANDS[p].deprecated and p not in NOT_RUNNABLE
]


def test_every_json_command_but_the_listed_ones_runs_its_example() -> None:
    with_json = {p for p in COMMANDS if _has_json(COMMANDS[p]) and not COMMANDS[p].deprecated}
    assert set(NOT_RUNNABLE) <= with_json, "NOT_RUNNABLE names a command without --json"
    assert with_json - set(NOT_RUNNABLE) == set(RUNNABLE_JSON)


@pytest.mark.integration
@pytest.mark.parametrize("path", RUNNABLE_JSON, ids=str)
def test_json_example_prints_one_object(
    path: tuple[str, ...], sample_store_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    command = COMMANDS[path]
    runs = [words for words in _examples(path, command) if "--json" in words]
    assert runs, f"`liqcascade {' '.join(path)} -h` shows no example with --json"
    args = _inside(runs[0], tmp_path)
    if "--store" not in args and any("--store" in o.opts for o in _options(command)):
        store = tmp_path / "empty-store" if path in WRITERS else sample_store_path
        args = [*args, "--store", str(store)]
    monkeypatch.chdir(tmp_path)  # examples write relative paths (report folders, HTML)
    for name, text in FILES.items():
        (tmp_path / name).write_text(text)
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, f"{args}: {result.output}\n{result.exception!r}"
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 1, f"stdout must be one JSON object, got:\n{result.stdout[:2000]}"
    assert isinstance(json.loads(lines[0]), dict)


def test_version() -> None:
    from liqcascade import __version__

    result = CliRunner().invoke(app, ["--version"])
    assert result.exit_code == 0 and result.stdout.strip() == f"liqcascade {__version__}"
