// liqcascade dashboard: fills the pages from the JSON API and draws them with plotly.js.
"use strict";

const T = window.LC_THEME;
const D = window.LC_DEFAULTS;
const Q = new URLSearchParams(location.search);
const usd = (x) => (x == null ? "–" : Math.abs(x) >= 1e9 ? `${(x / 1e9).toFixed(2)} B$`
  : `${(x / 1e6).toFixed(1)} M$`);
const pct = (x) => (x == null ? "–" : `${(x * 100).toFixed(2)} %`);
const num = (x) => (x == null ? "–" : x.toLocaleString("en-US", { maximumFractionDigits: 2 }));

function errorBox(message) {
  const box = document.querySelector(".error");
  if (message) { box.textContent = message; box.hidden = false; } else { box.hidden = true; }
}

async function api(url, options) {
  const response = await fetch(url, options);
  let body = null;
  try { body = await response.json(); } catch (e) { body = { error: response.statusText }; }
  if (!response.ok) {
    const err = new Error(body.error || `HTTP ${response.status}`);
    err.status = response.status;
    throw err;
  }
  return body;
}

function layout(title, xTitle, yTitle, extra) {
  return Object.assign({
    title: { text: title, x: 0.01, font: { size: 15 } },
    font: { family: T.font, size: 12 }, colorway: T.palette,
    paper_bgcolor: "#fff", plot_bgcolor: "#fff",
    margin: { l: 70, r: 20, t: 45, b: 60 },
    legend: { orientation: "h", y: -0.2 },
    xaxis: { title: { text: xTitle }, gridcolor: T.grid, ticks: "outside" },
    yaxis: { title: { text: yTitle }, gridcolor: T.grid, ticks: "outside" },
  }, extra || {});
}

function draw(id, traces, lay) {
  return Plotly.react(id, traces, lay, { responsive: true, displaylogo: false });
}

function unavailable(id, title, block) {
  draw(id, [], layout(title, "", "", {
    annotations: [{ text: `not available: ${block.reason || "no data"}`, showarrow: false,
      xref: "paper", yref: "paper", x: 0.5, y: 0.5 }],
    xaxis: { visible: false }, yaxis: { visible: false },
  }));
}

function isoInput(iso) { return iso ? iso.slice(0, 16) : ""; }
function toUtc(local) { return local ? `${local}Z` : ""; }

function fillForm(form, defaults) {
  form.querySelectorAll("[data-symbols]").forEach((sel) => {
    const symbols = (D.symbols || "").split(",").filter(Boolean);
    sel.innerHTML = symbols.map((s) => `<option>${s}</option>`).join("");
  });
  for (const [name, value] of Object.entries(defaults)) {
    const el = form.elements[name];
    if (el && value != null && value !== "") {
      if (el.type === "checkbox") el.checked = value === true || value === "true";
      else el.value = value;
    }
  }
}

function status(form, text) { form.querySelector(".status").textContent = text; }

// -- Overview ---------------------------------------------------------------------------------
async function overview() {
  const form = document.getElementById("form");
  fillForm(form, { asset: Q.get("asset") || "BTC",
    asof: isoInput(Q.get("asof") || D.last_time) });
  const run = async () => {
    errorBox(null); status(form, "loading…");
    const params = new URLSearchParams({ asset: form.elements.asset.value,
      asof: toUtc(form.elements.asof.value) });
    try {
      const d = await api(`/api/overview?${params}`);
      drawOverview(d); status(form, `as of ${d.asof}`);
    } catch (e) { errorBox(e.message); status(form, ""); }
  };
  form.addEventListener("submit", (ev) => { ev.preventDefault(); run(); });
  await run();
}

function drawOverview(d) {
  const a = d.asset;
  const p = d.price;
  if (p.available) {
    draw("chart-price", [
      { type: "candlestick", x: p.time, open: p.open, high: p.high, low: p.low, close: p.close,
        name: `${a}/USDT daily`, increasing: { line: { color: T.up } },
        decreasing: { line: { color: T.down } } },
      { type: "scatter", x: p.time, y: p.ma100, name: "100-day average",
        line: { color: T.palette[1], width: 2 } },
    ], layout(`${a}: price and 100-day average (Binance spot, daily)`, "day (UTC)", "price (USD)",
      { xaxis: { title: { text: "day (UTC)" }, rangeslider: { visible: false } } }));
  } else unavailable("chart-price", `${a} price`, p);
  const oi = d.open_interest;
  if (oi.available) {
    draw("chart-oi", Object.entries(oi.venues).map(([venue, y]) => ({
      type: "scatter", x: oi.time, y, name: venue, stackgroup: "oi", mode: "none" })),
    layout(`${a}: open interest by exchange`, "time (UTC)", "open interest (USD)"));
  } else unavailable("chart-oi", `${a} open interest`, oi);
  const f = d.funding;
  if (f.available) {
    draw("chart-funding", Object.entries(f.venues).map(([venue, s]) => ({
      type: "scatter", x: s.time, y: s.value, name: venue, mode: "lines" })),
    layout(`${a}: funding rate per venue, annualised`, "settlement (UTC)", "funding (% per year)",
      { yaxis: { title: { text: "funding (% per year)" }, tickformat: ".0%", gridcolor: T.grid } }));
  } else unavailable("chart-funding", `${a} funding`, f);
  const ls = d.long_short;
  if (ls.available) {
    draw("chart-ls", Object.entries(ls.kinds).map(([kind, s]) => ({
      type: "scatter", x: s.time, y: s.value, name: kind.replace("_", " "), mode: "lines" })),
    layout(`${a}: long/short ratio (Binance perp)`, "time (UTC)", "longs ÷ shorts (ratio)",
      { shapes: [{ type: "line", xref: "paper", x0: 0, x1: 1, y0: 1, y1: 1,
        line: { dash: "dot", color: "#888" } }] }));
  } else unavailable("chart-ls", `${a} long/short`, ls);
  const l = d.liquidations;
  if (l.available) {
    draw("chart-liq-venue", [
      { type: "bar", x: l.venues, y: l.long_usd, name: "longs liquidated", marker: { color: T.long } },
      { type: "bar", x: l.venues, y: l.short_usd, name: "shorts liquidated",
        marker: { color: T.short } },
    ], layout(`${a}: reported liquidations by venue, 24 h to ${l.snapshot_time.slice(0, 16)}`,
      "venue", "notional (USD)", { barmode: "group" }));
  } else unavailable("chart-liq-venue", `${a} liquidations by venue`, l);
  const e = l.estimated || {};
  if (e.available) {
    const traces = [];
    for (const [side, color, light] of [["long", T.long, T.longLight], ["short", T.short, T.shortLight]]) {
      traces.push({ type: "bar", x: e.time, y: e[`reported_${side}_usd`], name: `${side}s reported (Binance)`,
        marker: { color: light } });
      traces.push({ type: "scatter", x: e.time, y: e[`estimated_${side}_p50`], mode: "markers+lines",
        name: `${side}s estimated p50 (p10–p90 bars)`, line: { color },
        error_y: { type: "data", symmetric: false,
          array: e[`estimated_${side}_p90`].map((v, i) => v - e[`estimated_${side}_p50`][i]),
          arrayminus: e[`estimated_${side}_p50`].map((v, i) => v - e[`estimated_${side}_p10`][i]) } });
    }
    draw("chart-liq-band", traces, layout(`${a}: liquidations per day, reported and estimated true`,
      "day (UTC)", "notional (USD)", { barmode: "group" }));
  } else unavailable("chart-liq-band", `${a} estimated liquidations`, e);
}

// -- Liquidation map --------------------------------------------------------------------------
async function liquidationMap() {
  const form = document.getElementById("form");
  fillForm(form, { symbol: Q.get("symbol"), asof: isoInput(Q.get("asof") || D.last_time) });
  const run = async () => {
    errorBox(null); status(form, "computing the map…");
    const params = new URLSearchParams({ symbol: form.elements.symbol.value,
      asof: toUtc(form.elements.asof.value), detail: "true" });
    try {
      const d = await api(`/api/map?${params}`);
      drawMap(d); status(form, `as of ${d.asof}: price ${num(d.price)}`);
    } catch (e) { errorBox(e.message); status(form, ""); }
  };
  form.addEventListener("submit", (ev) => { ev.preventDefault(); run(); });
  await run();
}

function drawMap(d) {
  const g = d.grid;
  const nT = g.time.length; const nP = g.price.length;
  const z = []; const text = [];
  const mix = d.leverage_mix;
  for (let j = 0; j < nP; j++) {
    const row = []; const hover = [];
    const usdRow = mix.usd[j]; const tot = usdRow.reduce((s, v) => s + v, 0);
    const mixText = tot > 0 ? mix.bands.map((b, k) => `${b}: ${(100 * usdRow[k] / tot).toFixed(0)} %`)
      .join("<br>") : "no positions in the as-of book";
    for (let i = 0; i < nT; i++) {
      row.push(g.long_usd[i][j] + g.short_usd[i][j]);
      hover.push(`longs ${usd(g.long_usd[i][j])} · shorts ${usd(g.short_usd[i][j])}<br>`
        + `<b>leverage mix (book as of ${d.asof.slice(0, 16)})</b><br>${mixText}`);
    }
    z.push(row); text.push(hover);
  }
  const moves = d.curve.map((r) => d.price * (1 + r.move_pct));  // move_pct is a FRACTION
  const down = d.curve.filter((r) => r.move_pct <= 0); const up = d.curve.filter((r) => r.move_pct >= 0);
  draw("chart-map", [
    { type: "heatmap", x: g.time, y: g.price, z, text, colorscale: T.heatmap, name: "USD at risk",
      colorbar: { title: { text: "USD at risk" }, x: 0.77 },
      hovertemplate: "%{x}<br>price %{y:,.0f} USD<br><b>USD at risk %{z:,.0f}</b><br>%{text}<extra></extra>" },
    { type: "candlestick", x: d.bars.time, open: d.bars.open, high: d.bars.high, low: d.bars.low,
      close: d.bars.close, name: d.symbol, increasing: { line: { color: "#ffffff" } },
      decreasing: { line: { color: T.long } } },
    { type: "scatter", x: down.map((r) => r.long_usd), y: down.map((r) => d.price * (1 + r.move_pct)),
      xaxis: "x2", yaxis: "y", name: "longs liquidated by a drop to this price", fill: "tozerox",
      line: { color: T.long } },
    { type: "scatter", x: up.map((r) => r.short_usd), y: up.map((r) => d.price * (1 + r.move_pct)),
      xaxis: "x2", yaxis: "y", name: "shorts liquidated by a rise to this price", fill: "tozerox",
      line: { color: T.short } },
  ], layout(`${d.symbol} liquidation map as of ${d.asof.slice(0, 16)} UTC (modelled)`,
    "time (UTC, bar open)", "price (USD)", {
      xaxis: { title: { text: "time (UTC, bar open)" }, domain: [0, 0.74], rangeslider: { visible: false } },
      xaxis2: { title: { text: "cumulative liquidated (USD)" }, domain: [0.84, 1], gridcolor: T.grid },
      yaxis: { title: { text: "price (USD)" }, range: [Math.min(...moves), Math.max(...moves)],
        gridcolor: T.grid },
      shapes: [{ type: "line", xref: "paper", x0: 0, x1: 1, y0: d.price, y1: d.price,
        line: { dash: "dot", color: "#333" } }],
      height: 640 }));
}

// -- Stress what-if ---------------------------------------------------------------------------
async function stressPage() {
  const form = document.getElementById("form");
  fillForm(form, { symbol: Q.get("symbol"), asof: isoInput(Q.get("asof") || D.last_time),
    shock: Q.get("shock") || "-0.03", shock_range: Q.get("shock") || "-0.03",
    paths: Q.get("paths") || "0" });
  setLoops(form, Q.get("feedback") || "");
  const slider = form.elements.shock_range; const box = form.elements.shock;
  let timer = null;
  slider.addEventListener("input", () => {
    box.value = slider.value; clearTimeout(timer); timer = setTimeout(run, 300);
  });
  box.addEventListener("change", () => { slider.value = box.value; run(); });
  form.addEventListener("submit", (ev) => { ev.preventDefault(); run(); });
  loopBoxes(form).forEach((b) => b.addEventListener("change", () => run()));
  let generation = 0;
  async function run() {
    const mine = ++generation;
    errorBox(null); status(form, "simulating…");
    const f = form.elements;
    const params = new URLSearchParams({ symbol: f.symbol.value, asof: toUtc(f.asof.value),
      shock: f.shock.value, flow_usd: f.flow_usd.value || "0", paths: f.paths.value || "0",
      feedback: loopsOf(form), seed: f.seed.value || "0", detail: "true" });
    const bar = document.getElementById("progress");
    try {
      let d;
      if (Number(f.paths.value) > 0) {
        let job = await api(`/api/jobs/stress?${params}`, { method: "POST" });
        bar.hidden = false;
        while (job.state === "running") {
          bar.max = job.total; bar.value = job.done;
          status(form, `Monte Carlo: ${job.done} / ${job.total} blocks`);
          await new Promise((r) => setTimeout(r, 300));
          job = await api(`/api/jobs/${job.job}`);
        }
        bar.hidden = true;
        if (job.state === "error") throw new Error(job.error.error);
        d = job.result;
      } else {
        d = await api(`/api/stress?${params}`);
      }
      if (mine !== generation) return;
      drawStress(d); status(form, `shock ${pct(Number(f.shock.value))}`);
    } catch (e) {
      bar.hidden = true;
      if (mine === generation) { errorBox(e.message); status(form, ""); }
    }
  }
  await run();
}

// feedback switches <-> ?feedback= ("true", "false" or a comma list of loops)
function loopBoxes(form) { return [...form.querySelectorAll("input[name=feedback]")]; }
function loopsOf(form) {
  const on = loopBoxes(form).filter((b) => b.checked).map((b) => b.value);
  return on.length ? on.join(",") : "false";
}
function setLoops(form, value) {
  const text = String(value).toLowerCase();
  const all = ["true", "1", "on", "all"].includes(text);
  const named = text.split(",").map((s) => s.trim());
  loopBoxes(form).forEach((b) => { b.checked = all || named.includes(b.value); });
}

function kpi(label, value, cls, id) {
  return `<div class="kpi ${cls || ""}"><div class="label">${label}</div>`
    + `<div class="value" ${id ? `id="${id}"` : ""}>${value}</div></div>`;
}

function drawStress(d) {
  document.getElementById("kpis").innerHTML = [
    kpi("start price (USD)", num(d.start_price)),
    kpi("trough price (USD)", num(d.trough_price), "", "trough"),
    kpi("move", pct(d.move_pct)),
    kpi("longs liquidated", usd(d.liquidated_long_usd), "long"),
    kpi("shorts liquidated", usd(d.liquidated_short_usd), "short"),
    kpi("insurance fund used", usd(d.insurance_fund_used_usd)),
    kpi("auto-deleveraged (ADL)", usd(d.adl_usd)),
    kpi("rounds", d.rounds),
  ].join("");
  const p = d.path;
  draw("chart-path", [
    { type: "scatter", x: p.round, y: p.price, name: "price after the round", mode: "lines+markers",
      line: { color: T.palette[0] } },
    { type: "bar", x: p.round, y: p.liquidated_usd, name: "liquidated so far (cumulative)", yaxis: "y2",
      marker: { color: d.move_pct < 0 ? T.longLight : T.shortLight } },
  ], layout("Cascade path (central run)", "round", "price (USD)", {
    yaxis2: { title: { text: "liquidated, cumulative (USD)" }, overlaying: "y", side: "right", showgrid: false },
    margin: { l: 70, r: 70, t: 45, b: 60 } }));
  const table = document.getElementById("quantiles");
  if (d.quantiles) {
    const levels = Object.keys(d.quantiles.trough_price);
    const rows = Object.entries(d.quantiles).map(([name, qs]) => `<tr><td>${name}</td>`
      + levels.map((l) => `<td>${name.endsWith("_usd") ? usd(qs[l]) : name === "move_pct"
        ? pct(qs[l]) : num(qs[l])}</td>`).join("") + "</tr>");
    table.innerHTML = `<caption>Monte Carlo quantiles, ${d.paths} paths</caption><thead><tr><th>metric</th>`
      + levels.map((l) => `<th>${l}</th>`).join("") + `</tr></thead><tbody>${rows.join("")}</tbody>`;
    const q = d.quantiles;
    draw("chart-quantiles", ["liquidated_long_usd", "liquidated_short_usd", "insurance_fund_used_usd", "adl_usd"]
      .filter((k) => q[k]).map((k, i) => ({ type: "box", name: k.replace(/_usd$/, "").replaceAll("_", " "),
        q1: [q[k].p25], median: [q[k].p50], q3: [q[k].p75], lowerfence: [q[k].p05],
        upperfence: [q[k].p95], marker: { color: T.palette[i] } })),
    layout(`Monte Carlo: p05–p25–p50–p75–p95 over ${d.paths} paths`, "", "USD",
      { showlegend: false }));
  } else {
    table.innerHTML = "";
    unavailable("chart-quantiles", "Monte Carlo quantiles", { reason: "set paths > 0" });
  }
}

// -- Reports ----------------------------------------------------------------------------------
async function reports() {
  const week = document.getElementById("form-week");
  const replay = document.getElementById("form-replay");
  const day = (D.last_time || "").slice(0, 10);
  fillForm(week, { asof: Q.get("asof") || day });
  fillForm(replay, { start: Q.get("start"), end: Q.get("end") });
  week.addEventListener("submit", (ev) => {
    ev.preventDefault(); errorBox(null);
    const asof = week.elements.asof.value;
    status(week, "writing the report (this can take a few seconds)…");
    const frame = document.getElementById("week-frame");
    frame.onload = () => status(week, `report as of ${asof}`);
    frame.src = `/files/week/${asof}/report.html`;
    week.parentElement.querySelector(".links").innerHTML =
      `<a href="/api/report/week?asof=${asof}">report.json</a> · `
      + `<a href="/files/week/${asof}/report.html" target="_blank">open in a tab</a>`;
  });
  replay.addEventListener("submit", (ev) => {
    ev.preventDefault(); errorBox(null);
    const params = new URLSearchParams({ start: replay.elements.start.value, end: replay.elements.end.value });
    status(replay, "replaying…");
    const frame = document.getElementById("replay-frame");
    frame.onload = () => status(replay, "");
    frame.src = `/files/replay?${params}`;
  });
  const cards = await api("/api/cards");
  document.getElementById("cards").innerHTML = cards.cards.length
    ? cards.cards.map((c) => `<li><a href="/files/cards/${c}" target="_blank">${c}</a></li>`).join("")
    : "<li>No model card yet: run the validation (liqcascade validate) and serve with --cards DIR.</li>";
  if (Q.get("asof")) week.requestSubmit();
}

// -- Live -------------------------------------------------------------------------------------
// Server-sent events: the server checks the store every `interval` s and pushes the newest rows
// when its version changes (EventSource reconnects by itself when a stream ends).
async function live() {
  const every = Number(Q.get("interval") || 3);
  document.getElementById("interval").textContent = every;
  const body = document.querySelector("#live tbody");
  const statusEl = document.getElementById("live-status");
  let version = null; let known = null;
  const key = (r) => [r.time, r.exchange, r.symbol, r.interval, r.liquidated_side, r.event_id].join("|");
  function show(d) {
    if (d.version === version) return;
    const fresh = known ? d.rows.filter((r) => !known.has(key(r))) : [];
    known = new Set(d.rows.map(key));
    const freshKeys = new Set(fresh.map(key));
    body.innerHTML = d.rows.map((r) => `<tr class="${freshKeys.has(key(r)) ? "new" : ""}">`
      + `<td>${r.time.slice(0, 19).replace("T", " ")}</td><td>${r.exchange}</td><td>${r.symbol}</td>`
      + `<td>${r.interval || ""}</td><td class="side-${r.liquidated_side}">${r.liquidated_side}</td>`
      + `<td>${num(r.notional_usd)}</td><td>${num(r.price)}</td></tr>`).join("");
    if (version !== null) statusEl.dataset.updates = String(Number(statusEl.dataset.updates || 0) + 1);
    version = d.version;
    statusEl.textContent = `store version ${d.version}; ${fresh.length} new row(s) at `
      + `${new Date().toISOString().slice(11, 19)} UTC`;
  }
  const params = new URLSearchParams({ limit: "50", interval: String(every) });
  const source = new EventSource(`/api/live/stream?${params}`);
  source.addEventListener("liquidations", (ev) => { errorBox(null); show(JSON.parse(ev.data)); });
  source.addEventListener("failure", (ev) => errorBox(JSON.parse(ev.data).error));
  window.addEventListener("pagehide", () => source.close());
}

const PAGES = { overview, map: liquidationMap, stress: stressPage, reports, live };
document.addEventListener("DOMContentLoaded", () => {
  PAGES[document.body.dataset.page]().catch((e) => errorBox(e.message));
});
