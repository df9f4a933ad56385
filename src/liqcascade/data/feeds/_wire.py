"""Reading one raw frame: bytes or text as received, or an already-decoded JSON object."""

from __future__ import annotations

import json
from typing import Any

from liqcascade.data.feeds._event import FrameError


def decode(frame: str | bytes | dict[str, Any] | list[Any]) -> Any:
    """The JSON value of ``frame``; plain-text control frames (``pong``) come back as str."""
    if isinstance(frame, dict | list):
        return frame
    text = frame.decode("utf-8") if isinstance(frame, bytes) else frame
    text = text.strip()
    if not text.startswith(("{", "[")):
        return text  # "pong", "ping": heartbeats, not data
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise FrameError(
            f"frame is not valid JSON ({exc.msg} at {exc.pos}): {text[:80]!r}"
        ) from None


__all__ = ["decode"]
