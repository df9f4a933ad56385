"""Parameter checks shared by the commands: each bad value is one clear line and exit status 2,
raised before any work starts (so a typo never costs a long run, and never writes half a file)."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from liqcascade.errors import InputError

MAX_PATHS = 10_000_000
_ADDRESS = re.compile(r"^(tcp|tls|ucx|inproc|ws|wss)://[A-Za-z0-9.\-_\[\]:]+:\d{1,5}$")
_DURATION = re.compile(r"^(\d+)\s*(min|m|h|d|w)$")
CLUSTERS = ("local", "serial", "dask")


class ParameterError(InputError):
    """A command-line parameter with a bad value (the command exits with status 2)."""


def _time(value: str, name: str) -> pd.Timestamp:
    try:
        ts = pd.Timestamp(value)
    except (ValueError, TypeError):
        raise ParameterError(f"{name} {value!r} is not a time; expected e.g. 2025-09-22") from None
    if ts is pd.NaT:
        raise ParameterError(f"{name} {value!r} is not a time; expected e.g. 2025-09-22")
    return ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")


def check_range(
    start: str | None, end: str | None, *, names: tuple[str, str] = ("--start", "--end")
) -> None:
    """``start`` and ``end`` parse as times and ``start < end`` (a half-open range)."""
    lo = _time(start, names[0]) if start is not None else None
    hi = _time(end, names[1]) if end is not None else None
    if lo is not None and hi is not None and lo >= hi:
        what = "is after" if lo > hi else "equals"
        raise ParameterError(
            f"{names[0]} {start} {what} {names[1]} {end}; the range is empty "
            f"({names[1]} is exclusive: give a later {names[1]})"
        )


def check_paths(paths: int | None) -> None:
    """Monte Carlo paths within 1 .. 10,000,000 (or not given)."""
    if paths is not None and not 1 <= paths <= MAX_PATHS:
        raise ParameterError(
            f"--paths {paths:,} is out of range; expected 1 .. {MAX_PATHS:,} "
            "(leave it out for no Monte Carlo)"
        )


def check_shock(shock: float) -> None:
    """A price move as a fraction strictly between -1 and 1."""
    if not -1.0 < shock < 1.0:
        raise ParameterError(
            f"--shock {shock} is out of range; expected a FRACTION in (-1, 1): "
            "-0.03 = 3 % down, 0.05 = 5 % up"
        )


def check_cluster(cluster: str | None) -> None:
    """``local``, ``serial``, ``dask`` or a scheduler address such as ``tcp://host:8786``."""
    if cluster is None or cluster in CLUSTERS or _ADDRESS.match(cluster):
        return
    raise ParameterError(
        f"--cluster {cluster!r} is not understood; expected local, serial, dask "
        "(a LocalCluster) or a scheduler address like tcp://host:8786"
    )


def check_duration(value: str | None, name: str) -> None:
    """A positive duration such as ``4h``, ``1d`` or ``30min`` (or not given: None or "")."""
    if value is None or value == "":
        return
    match = _DURATION.match(value.strip())
    if not match:
        raise ParameterError(f"{name} {value!r} is not a duration; expected e.g. 4h, 1d or 1w")
    if int(match.group(1)) == 0:
        raise ParameterError(f"{name} {value!r} is zero; expected a positive duration, e.g. 1d")


def check_output_file(path: Path | None, name: str) -> None:
    """A file to write: its folder exists and it is not itself a folder."""
    if path is None:
        return
    if path.is_dir():
        raise ParameterError(f"{name} {path} is a folder; expected a file name such as map.html")
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.is_dir():
        raise ParameterError(
            f"{name} {path}: the folder {parent} does not exist; create it or pick another path"
        )


def check_output_folder(path: Path | None, name: str) -> None:
    """A folder to write into: if it exists, it is a folder."""
    if path is not None and path.exists() and not path.is_dir():
        raise ParameterError(f"{name} {path} is a file; expected a folder (it is created)")


__all__ = [
    "MAX_PATHS",
    "ParameterError",
    "check_cluster",
    "check_duration",
    "check_output_file",
    "check_output_folder",
    "check_paths",
    "check_range",
    "check_shock",
]
