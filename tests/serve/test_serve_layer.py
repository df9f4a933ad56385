"""``liqcascade.serve`` uses only the public API of the layers below it."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import liqcascade

SERVE = Path(liqcascade.__file__).resolve().parent / "serve"
ALLOWED_MODULES = {"liqcascade", "liqcascade.errors", "liqcascade._theme", "liqcascade._json"}


def test_serve_imports_public_names_only() -> None:
    offenders = []
    for path in sorted(SERVE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.ImportFrom) or node.level or not node.module:
                continue
            module = node.module
            if not module.startswith("liqcascade") or module.startswith("liqcascade.serve"):
                continue
            if module in ALLOWED_MODULES:
                continue
            public = set(getattr(importlib.import_module(module), "__all__", ()))
            parts = module.split(".")
            if len(parts) != 2:
                offenders.append(f"{path.name}: from {module} (private module)")
                continue
            offenders += [
                f"{path.name}: {module}.{a.name}" for a in node.names if a.name not in public
            ]
    assert offenders == []
