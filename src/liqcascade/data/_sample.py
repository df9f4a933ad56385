"""The bundled real sample: compact Parquet per dataset inside the package (no ../shared)."""

from __future__ import annotations

import hashlib
import json
from importlib import resources
from pathlib import Path

import pyarrow.parquet as pq

from liqcascade.data._schema import DATASETS
from liqcascade.data._store import Store, WriteSummary
from liqcascade.errors import StoreError

SAMPLE_PACKAGE = "liqcascade.data.sample"


def sample_dir() -> Path:
    """The folder holding the sample's Parquet files, ``metadata.json`` and ``ATTRIBUTION.md``."""
    return Path(str(resources.files(SAMPLE_PACKAGE)))


def sample_files() -> dict[str, Path]:
    """Dataset name -> Parquet file of the bundled sample."""
    root = sample_dir()
    return {
        name: root / f"{name}.parquet" for name in DATASETS if (root / f"{name}.parquet").exists()
    }


def _verify(path: Path, expected_sha256: str) -> None:
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    if digest != expected_sha256:
        raise StoreError(
            f"bundled sample file {path} is damaged (sha256 {digest[:12]}..., expected "
            f"{expected_sha256[:12]}...); reinstall liqcascade"
        )


def load_sample(store: Store) -> dict[str, WriteSummary]:
    """Import the bundled real sample (BTC and ETH, about 2024-11 .. 2025-10-05) into ``store``.

    Idempotent: loading it twice changes nothing. Each row keeps its original ``source``
    (repository@commit and file); see ``ATTRIBUTION.md`` next to the files.

    Returns
    -------
    dict
        Dataset name -> rows added / replaced / unchanged.
    """
    meta = json.loads((sample_dir() / "metadata.json").read_text(encoding="utf-8"))
    out: dict[str, WriteSummary] = {}
    files = sample_files()
    for path in files.values():
        _verify(path, meta["files"][path.name]["sha256"])
    with store.transaction() as tx:
        for name, path in files.items():
            # arrow straight in: the files hold the schema's types, no pandas round trip
            out[name] = tx.write(name, pq.read_table(path))
    return out


__all__ = ["load_sample", "sample_dir", "sample_files"]
