"""The Examples blocks in the margin docstrings run and hold."""

from __future__ import annotations

import doctest

import pytest

from liqcascade.margin import _api


@pytest.mark.golden
def test_api_docstring_examples() -> None:
    # liquidation_price's example is the Binance FAQ's isolated ETHUSDT long (1114.78)
    result = doctest.testmod(_api, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted >= 4
    assert result.failed == 0
