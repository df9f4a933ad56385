"""Plotly figures of the weekly report, one small function per chart.

Each function takes the frames computed by the sections and returns a figure, or None when the
data for it is missing (the report then shows the section's reason instead).
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from liqcascade import _theme

WEEK_FILL = _theme.WEEK_FILL
LONG_COLOR = _theme.LONG
SHORT_COLOR = _theme.SHORT


def _figure(title: str, *, yaxis: str = "", xaxis: str = "day (UTC)", height: int = 380) -> Any:
    import plotly.graph_objects as go

    fig = go.Figure()
    _theme.style(fig, title=title, x=xaxis, y=yaxis)
    fig.update_layout(height=height, margin={"l": 70, "r": 20, "t": 50, "b": 50})
    return fig


def _shade_week(fig: Any, data: dict) -> None:
    fig.add_vrect(
        x0=data["window"]["week_start"],
        x1=data["window"]["cutoff"],
        fillcolor=WEEK_FILL,
        line_width=0,
        annotation_text="this week",
        annotation_position="top left",
    )


def price_chart(asset: str, daily: pd.DataFrame, data: dict) -> Any:
    """Daily candles of the last ~120 days with the 100-day average and broken levels."""
    import plotly.graph_objects as go

    block = data["assets"][asset]
    recent = daily.iloc[-120:]
    ma100 = daily["close"].rolling(100).mean().iloc[-120:]
    fig = _figure(f"{asset}: daily candles (Binance spot), 100-day average", yaxis="price (USD)")
    fig.add_trace(
        _theme.candlestick(
            recent,
            x=recent.index,
            name=f"{asset}/USDT",
            increasing_line_color=_theme.UP_CANDLE,
            decreasing_line_color=_theme.DOWN_CANDLE,
        )
    )
    fig.add_trace(go.Scatter(x=ma100.index, y=ma100, name="100-day average", line={"width": 2}))
    for level in block.get("supports_broken") or []:
        fig.add_hline(y=level, line_dash="dot", annotation_text=f"{level:,.0f} broken")
    fig.update_layout(xaxis_rangeslider_visible=False)
    _shade_week(fig, data)
    return fig


def market_cap_chart(daily: pd.DataFrame, data: dict) -> Any:
    import plotly.graph_objects as go

    fig = _figure("Total crypto market cap (daily close)", yaxis="market cap (USD)")
    fig.add_trace(go.Scatter(x=daily.index, y=daily["close"], name="total market cap"))
    level = (data["market"].get("round_level_above") or {}).get("level")
    if level:
        fig.add_hline(y=level, line_dash="dot", annotation_text=f"${level / 1e12:.0f} T")
    _shade_week(fig, data)
    return fig


def liquidations_chart(daily: pd.DataFrame, estimated: pd.DataFrame | None) -> Any:
    """Reported longs/shorts per day and source, with the estimated p50 and p10-p90 bars."""
    import plotly.graph_objects as go

    fig = _figure(
        "BTC+ETH liquidations per day: reported by source, estimated true",
        yaxis="liquidated notional (USD)",
    )
    shades = {
        "long": [_theme.LONG, _theme.LONG_LIGHT, "#8c3c00"],
        "short": [_theme.SHORT, _theme.SHORT_LIGHT, "#003c5f"],
    }
    days = [f"{d:%a %d %b}" for d in daily.index]
    for k, source in enumerate(dict.fromkeys(daily.columns.get_level_values(0))):
        for side in ("long", "short"):
            if (source, side) not in daily.columns:
                continue
            fig.add_trace(
                go.Bar(
                    x=days,
                    y=daily[(source, side)],
                    name=f"{side}s - {source}",
                    marker_color=shades[side][k % 3],
                )
            )
    if estimated is not None:
        for side, color in (("long", LONG_COLOR), ("short", SHORT_COLOR)):
            p50 = estimated[f"estimated_{side}_p50"]
            fig.add_trace(
                go.Scatter(
                    x=[f"{d:%a %d %b}" for d in estimated.index],
                    y=p50,
                    mode="markers",
                    name=f"estimated {side}s (p50)",
                    marker={"color": color, "symbol": "diamond", "size": 10},
                    error_y={
                        "type": "data",
                        "symmetric": False,
                        "array": estimated[f"estimated_{side}_p90"] - p50,
                        "arrayminus": p50 - estimated[f"estimated_{side}_p10"],
                    },
                )
            )
    fig.update_layout(barmode="group", xaxis_type="category")
    return fig


def open_interest_chart(frames: dict[str, pd.DataFrame], data: dict) -> Any:
    import plotly.graph_objects as go

    fig = _figure(
        "Open interest, all venues (4h close)", yaxis="open interest (USD)", xaxis="time (UTC)"
    )
    for asset in ("BTC", "ETH"):
        oi = frames.get(f"oi_{asset}")
        if oi is not None:
            fig.add_trace(go.Scatter(x=oi.index, y=oi["close_usd"], name=f"{asset} OI"))
    _shade_week(fig, data)
    return fig


def funding_chart(table: pd.DataFrame) -> Any:
    import plotly.graph_objects as go

    fig = _figure(
        "Funding this week: mean rate annualised, per venue",
        yaxis="funding (% per year)",
        xaxis="venue",
    )
    for asset in ("BTC", "ETH"):
        rows = table[table["asset"] == asset]
        fig.add_trace(go.Bar(x=rows["exchange"], y=rows["mean_annualised"], name=asset))
    fig.update_layout(barmode="group", yaxis_tickformat=".1%")
    return fig


def etf_chart(table: pd.DataFrame) -> Any:
    import plotly.graph_objects as go

    fig = _figure("US spot ETF net flows per day", yaxis="net flow (USD)")
    for asset in ("BTC", "ETH"):
        fig.add_trace(go.Bar(x=table.index, y=table[asset], name=f"{asset} ETFs"))
    fig.update_layout(barmode="relative")
    return fig


def treasury_chart(data: dict) -> Any:
    import plotly.graph_objects as go

    months = data["treasury"]["by_month"]
    fig = _figure(
        "Corporate treasury BTC purchases per month (week made)", yaxis="BTC bought", xaxis="month"
    )
    fig.add_trace(
        go.Bar(
            x=[m["month"] + (" (to date)" if m.get("partial") else "") for m in months],
            y=[m["btc"] for m in months],
            name="BTC bought",
        )
    )
    fig.update_layout(xaxis_type="category")
    return fig


def options_chart(frames: dict[str, pd.DataFrame], data: dict) -> Any:
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    fig = make_subplots(specs=[[{"secondary_y": True}]])
    fig.update_layout(
        title={"text": "Hedging: put/call OI ratio (Deribit) and BTC DVOL", "x": 0.01},
        height=380,
        template=_theme.template(),
        margin={"l": 70, "r": 70, "t": 50, "b": 50},
        xaxis_title="day (UTC)",
    )
    for asset in ("BTC", "ETH"):
        ratio = frames.get(f"put_call_{asset}")
        if ratio is not None:
            fig.add_trace(
                go.Scatter(
                    x=ratio.index,
                    y=ratio["ratio"],
                    name=f"{asset} put/call OI",
                    mode="lines+markers",
                ),
                secondary_y=False,
            )
    dvol = frames.get("dvol")
    if dvol is not None:
        fig.add_trace(
            go.Scatter(x=dvol.index, y=dvol["close"], name="BTC DVOL", line={"width": 1}),
            secondary_y=True,
        )
    fig.update_yaxes(title_text="put/call", secondary_y=False)
    fig.update_yaxes(title_text="DVOL", tickformat=".0%", secondary_y=True)
    _shade_week(fig, data)
    return fig


def correlation_chart(curves: pd.DataFrame, data: dict) -> Any:
    import plotly.graph_objects as go

    fig = _figure(
        "Rolling 30-day correlation of daily returns with macro", yaxis="correlation (−1..1)"
    )
    for name in curves.columns:
        series = curves[name].dropna()
        fig.add_trace(go.Scatter(x=series.index, y=series, name=name))
    _shade_week(fig, data)
    return fig


def treasury_stocks_chart(table: pd.DataFrame) -> Any:
    import plotly.graph_objects as go

    fig = _figure(
        "Crypto-treasury companies: share price change", yaxis="change (%)", xaxis="ticker"
    )
    fig.add_trace(go.Bar(x=table["ticker"], y=table["week_change_pct"], name="this week"))
    fig.add_trace(
        go.Bar(x=table["ticker"], y=table["from_ytd_high_pct"], name="from year-to-date high")
    )
    fig.update_layout(barmode="group", yaxis_tickformat=".0%")
    return fig


def fear_greed_chart(series: pd.DataFrame, data: dict) -> Any:
    import plotly.graph_objects as go

    recent = series.iloc[-180:]
    fig = _figure("Fear & Greed index (0 = extreme fear)", yaxis="index (0..100)")
    fig.add_trace(go.Scatter(x=recent.index, y=recent["value"], name="Fear & Greed"))
    _shade_week(fig, data)
    return fig


def liquidation_map_chart(asset: str, curve: pd.DataFrame) -> Any:
    """Cumulative notional liquidated by a move from the as-of price (longs down, shorts up)."""
    import plotly.graph_objects as go

    fig = _figure(
        f"{asset} liquidation map: notional liquidated by a move",
        yaxis="cumulative liquidated (USD)",
        xaxis="price move from the as-of price (%)",
    )
    down, up = curve[curve["move_pct"] <= 0], curve[curve["move_pct"] >= 0]
    fig.add_trace(
        go.Scatter(
            x=down["move_pct"] * 100.0,  # fraction -> percent axis
            y=down["long_usd"],
            name="longs (drop)",
            fill="tozeroy",
            line={"color": LONG_COLOR},
        )
    )
    fig.add_trace(
        go.Scatter(
            x=up["move_pct"] * 100.0,
            y=up["short_usd"],
            name="shorts (rise)",
            fill="tozeroy",
            line={"color": SHORT_COLOR},
        )
    )
    fig.update_layout(xaxis_title="price move from the as-of price (%)")
    return fig


def stress_chart(stress: dict) -> Any:
    """Simulated longs liquidated by a further drop from the as-of close, per asset."""
    import plotly.graph_objects as go

    fig = _figure(
        "Stress test: longs liquidated by a further drop (Monte Carlo p50, bars p10-p90)",
        yaxis="longs liquidated (USD)",
        xaxis="shock",
    )
    for asset in ("BTC", "ETH"):
        shocks = [s for s in stress["shocks"] if s["asset"] == asset and s.get("available")]
        has_mc = all(s.get("liquidated_long_p50") is not None for s in shocks)
        y = [s["liquidated_long_p50" if has_mc else "liquidated_long_usd"] for s in shocks]
        error = (
            {
                "type": "data",
                "symmetric": False,
                "array": [s["liquidated_long_p90"] - v for s, v in zip(shocks, y, strict=True)],
                "arrayminus": [
                    v - s["liquidated_long_p10"] for s, v in zip(shocks, y, strict=True)
                ],
            }
            if has_mc
            else None
        )
        text = [
            f"move {s['move_p50']:+.1%} (p10 {s['move_p10']:+.1%}, p90 {s['move_p90']:+.1%})"
            if has_mc
            else f"trough {s['move_pct']:+.1%}"
            for s in shocks
        ]
        fig.add_trace(
            go.Bar(
                x=[f"{s['shock']:+.0%} shock" for s in shocks],
                y=y,
                name=asset,
                text=text,
                error_y=error,
            )
        )
    fig.update_layout(barmode="group", xaxis_type="category")
    return fig


def oi_by_exchange_chart(asset: str, table: pd.DataFrame, data: dict) -> Any:
    """Open interest per venue, stacked (the largest 8 and the rest as "other")."""
    import plotly.graph_objects as go

    fig = _figure(
        f"{asset} open interest by exchange (30 days)",
        yaxis="open interest (USD)",
        xaxis="time (UTC)",
    )
    for venue in table.columns:
        fig.add_trace(
            go.Scatter(x=table.index, y=table[venue], name=venue, stackgroup="oi", mode="none")
        )
    _shade_week(fig, data)
    return fig


def funding_history_chart(asset: str, frame: pd.DataFrame, data: dict) -> Any:
    """Funding per venue per settlement, annualised, over 30 days."""
    import plotly.graph_objects as go

    rows = frame[frame["asset"] == asset]
    fig = _figure(
        f"{asset} funding per venue over time, annualised",
        yaxis="funding (% per year)",
        xaxis="settlement (UTC)",
    )
    for venue, group in rows.groupby("exchange", sort=True):
        fig.add_trace(go.Scatter(x=group["time"], y=group["annualised"], name=venue, mode="lines"))
    fig.update_layout(yaxis_tickformat=".0%")
    _shade_week(fig, data)
    return fig


def long_short_chart(wide: pd.DataFrame, data: dict) -> Any:
    """Binance long/short ratios over 30 days (1 = as many longs as shorts)."""
    import plotly.graph_objects as go

    fig = _figure(
        "Long/short ratios, Binance perps (30 days)", yaxis="longs ÷ shorts", xaxis="time (UTC)"
    )
    for symbol, kind in wide.columns:
        name = f"{symbol.split('/')[0]} {kind.replace('_', ' ')}"
        fig.add_trace(go.Scatter(x=wide.index, y=wide[(symbol, kind)], name=name, mode="lines"))
    fig.add_hline(y=1.0, line_dash="dot", line_color=_theme.NEUTRAL)
    _shade_week(fig, data)
    return fig


def etf_funds_chart(table: pd.DataFrame) -> Any:
    """ETF net flows per fund and day, stacked (outflows below zero)."""
    import plotly.graph_objects as go

    fig = _figure("US spot ETF net flows per fund", yaxis="net flow (USD)")
    for fund in table.columns:
        if table[fund].fillna(0.0).abs().sum() == 0.0:
            continue
        fig.add_trace(go.Bar(x=[f"{d:%a %d %b}" for d in table.index], y=table[fund], name=fund))
    fig.update_layout(barmode="relative", xaxis_type="category")
    return fig


def liquidation_heatmap_chart(asset: str, grid: pd.DataFrame, price: float | None) -> Any:
    """Price x time heatmap of modelled notional at risk (longs + shorts), as-of price line."""
    import numpy as np
    import plotly.graph_objects as go

    times = np.sort(grid["time"].unique())
    prices = np.sort(grid["price"].unique())
    at_risk = (grid["long_usd"] + grid["short_usd"]).to_numpy().reshape(len(times), len(prices))
    fig = _figure(
        f"{asset} liquidation heatmap (modelled; longs below the price, shorts above)",
        yaxis="price (USD)",
        xaxis="time (UTC, bar open)",
        height=460,
    )
    fig.add_trace(
        go.Heatmap(
            x=times,
            y=prices,
            z=at_risk.T,
            colorscale=_theme.HEATMAP_SCALE,
            colorbar={"title": {"text": "USD at risk"}},
            hovertemplate="%{x}<br>price %{y:,.0f} USD<br>%{z:,.0f} USD at risk<extra></extra>",
            name="USD at risk",
        )
    )
    if price is not None:
        fig.add_hline(y=price, line_dash="dot", line_color="#ffffff",
                      annotation_text=f"as of: {price:,.0f}")  # fmt: skip
    return fig


def all_charts(data: dict, frames: dict[str, pd.DataFrame]) -> dict[str, list[Any]]:
    """Figures per report section key (only those whose data exists)."""
    charts: dict[str, list[Any]] = {
        k: []
        for k in (
            "assets",
            "market",
            "liquidations",
            "open_interest",
            "funding",
            "liquidation_map",
            "options",
            "etf_flows",
            "treasury",
            "macro",
            "treasury_stocks",
            "sentiment",
        )
    }
    for asset in ("ETH", "BTC"):
        if f"price_{asset}" in frames and data["assets"][asset].get("available"):
            charts["assets"].append(price_chart(asset, frames[f"price_{asset}"], data))
    if "market_cap" in frames:
        charts["market"].append(market_cap_chart(frames["market_cap"], data))
    if "liquidations_daily" in frames:
        charts["liquidations"].append(
            liquidations_chart(frames["liquidations_daily"], frames.get("liquidations_estimated"))
        )
    if any(k in frames for k in ("oi_BTC", "oi_ETH")):
        charts["open_interest"].append(open_interest_chart(frames, data))
    for asset in ("BTC", "ETH"):
        if f"oi_exchange_{asset}" in frames:
            charts["open_interest"].append(
                oi_by_exchange_chart(asset, frames[f"oi_exchange_{asset}"], data)
            )
    if "long_short_history" in frames:
        charts["open_interest"].append(long_short_chart(frames["long_short_history"], data))
    if "funding" in frames:
        charts["funding"].append(funding_chart(frames["funding"]))
    if "funding_history" in frames:
        for asset in ("BTC", "ETH"):
            if (frames["funding_history"]["asset"] == asset).any():
                charts["funding"].append(
                    funding_history_chart(asset, frames["funding_history"], data)
                )
    for asset in ("BTC", "ETH"):
        if f"liqgrid_{asset}" in frames:
            price = (data["liquidation_map"].get(asset) or {}).get("price")
            charts["liquidation_map"].append(
                liquidation_heatmap_chart(asset, frames[f"liqgrid_{asset}"], price)
            )
        if f"liqmap_{asset}" in frames:
            charts["liquidation_map"].append(
                liquidation_map_chart(asset, frames[f"liqmap_{asset}"])
            )
    if data["stress"].get("available"):
        charts["liquidation_map"].append(stress_chart(data["stress"]))
    if any(k.startswith("put_call_") for k in frames) or "dvol" in frames:
        charts["options"].append(options_chart(frames, data))
    if "etf_flows" in frames:
        charts["etf_flows"].append(etf_chart(frames["etf_flows"]))
    if "etf_funds" in frames:
        charts["etf_flows"].append(etf_funds_chart(frames["etf_funds"]))
    if data["treasury"].get("available"):
        charts["treasury"].append(treasury_chart(data))
    if "correlations" in frames:
        charts["macro"].append(correlation_chart(frames["correlations"], data))
    if "treasury_stocks" in frames:
        charts["treasury_stocks"].append(treasury_stocks_chart(frames["treasury_stocks"]))
    if "fear_greed" in frames:
        charts["sentiment"].append(fear_greed_chart(frames["fear_greed"], data))
    return charts
