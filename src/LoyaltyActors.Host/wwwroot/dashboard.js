// LoyaltyActors dashboard: plain JS over the live API, no dependencies. Polls the models every few
// seconds and follows the notifications stream (SSE read with fetch, so an API key can be sent).
"use strict";
(function () {
  const POLL_MS = 5000;
  const KEY_STORAGE = "loyalty.apiKey";
  const SVG_NS = "http://www.w3.org/2000/svg";
  const SEGMENT_COLOURS = { "champions": "#1a9850", "loyal": "#66bd63", "potential": "#fdae61", "at risk": "#f46d43", "hibernating": "#a50026", "all customers": "#2f6fdb" };
  const EXTRA_COLOURS = ["#5e3c99", "#2c7bb6", "#e66101", "#008837", "#7b3294", "#b2abd2"];
  const $ = (id) => document.getElementById(id);
  const fmt = new Intl.NumberFormat("en", { maximumFractionDigits: 2 });
  const fmt4 = new Intl.NumberFormat("en", { maximumFractionDigits: 4 });
  const problems = {};

  // ---- API access -------------------------------------------------------------------------------
  function apiKey() { try { return localStorage.getItem(KEY_STORAGE) || ""; } catch (e) { return ""; } }
  function headers(extra) {
    const h = Object.assign({ "Accept": "application/json" }, extra || {});
    const key = apiKey();
    if (key) h["Authorization"] = "Bearer " + key;
    return h;
  }
  async function getJson(path) {
    const response = await fetch(path, { headers: headers(), cache: "no-store" });
    if (!response.ok) {
      let detail = "";
      try { const body = await response.json(); detail = body.detail || body.title || ""; } catch (e) { /* not JSON */ }
      const error = new Error(response.status + (detail ? " " + detail : ""));
      error.status = response.status;
      throw error;
    }
    return response.json();
  }
  function describe(error) {
    if (error.status === 401) return "the server requires an API key: paste one above";
    if (error.status === 403) return "the API key was refused for this request";
    if (error.status === 503) return "not available on this node (" + error.message + ")";
    return String(error.message || error);
  }
  function setStatus() {
    const failing = Object.entries(problems).filter(([, p]) => p);
    const status = $("status");
    if (failing.length === 0) {
      status.textContent = "live · updated " + new Date().toLocaleTimeString();
      status.classList.remove("error");
    } else {
      status.textContent = failing.map(([what, p]) => what + ": " + p).join(" · ");
      status.classList.add("error");
    }
  }
  function el(tag, attrs, text) {
    const node = tag.startsWith("svg:") ? document.createElementNS(SVG_NS, tag.slice(4)) : document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
    if (text !== undefined) node.textContent = text;
    return node;
  }
  function setState(node, state) { node.setAttribute("data-state", state); node.setAttribute("data-updated", String(Date.now())); }
  function emptyMessage(container, text) { container.replaceChildren(el("p", { "class": "empty" }, text)); }

  // ---- Segments: centroids by recency (x) × monetary (y), area ∝ size ------------------------------
  function colourOf(label, index) { return SEGMENT_COLOURS[label] || EXTRA_COLOURS[index % EXTRA_COLOURS.length]; }
  function niceMax(v) {
    if (!(v > 0)) return 1;
    const p = Math.pow(10, Math.floor(Math.log10(v)));
    for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= v) return m * p;
    return 10 * p;
  }
  function drawSegments(model) {
    const svg = $("segments");
    const legend = $("segments-legend");
    const segments = (model.segments || []);
    svg.replaceChildren();
    legend.replaceChildren();
    svg.setAttribute("data-k", String(model.k));
    svg.setAttribute("data-segments", String(segments.length));
    if (segments.length === 0) {
      const t = el("svg:text", { x: 360, y: 150, "text-anchor": "middle", "class": "tick" },
        "No segments yet: the model seeds once enough customers have purchased (" + (model.customers || 0) + " so far).");
      svg.appendChild(t);
      setState(svg, "empty");
      return;
    }
    const W = 720, H = 300, L = 70, R = 20, T = 30, B = 44;
    const maxRecency = niceMax(Math.max(...segments.map(s => s.centroid.recency || 0)));
    const maxMonetary = niceMax(Math.max(...segments.map(s => s.centroid.monetary || 0)));
    const maxSize = Math.max(1, ...segments.map(s => s.size));
    // A little room below 0 on both axes, so that a segment at the origin is not drawn over the axes.
    const x0 = -0.04 * maxRecency, y0 = -0.06 * maxMonetary;
    const x = (v) => L + (W - L - R) * ((v - x0) / (maxRecency - x0));
    const y = (v) => H - B - (H - T - B) * ((v - y0) / (maxMonetary - y0));
    for (let i = 0; i <= 4; i++) {
      const xv = maxRecency * i / 4, yv = maxMonetary * i / 4;
      svg.appendChild(el("svg:line", { x1: x(xv), x2: x(xv), y1: T, y2: H - B, "class": "grid" }));
      svg.appendChild(el("svg:line", { x1: L, x2: W - R, y1: y(yv), y2: y(yv), "class": "grid" }));
      svg.appendChild(el("svg:text", { x: x(xv), y: H - B + 16, "text-anchor": "middle", "class": "tick" }, fmt.format(xv)));
      svg.appendChild(el("svg:text", { x: L - 6, y: y(yv) + 4, "text-anchor": "end", "class": "tick" }, fmt.format(yv)));
    }
    svg.appendChild(el("svg:line", { x1: L, x2: W - R, y1: H - B, y2: H - B, "class": "axis" }));
    svg.appendChild(el("svg:line", { x1: L, x2: L, y1: T, y2: H - B, "class": "axis" }));
    svg.appendChild(el("svg:text", { x: (L + W - R) / 2, y: H - 8, "text-anchor": "middle", "class": "tick" }, "recency (days since last purchase)"));
    svg.appendChild(el("svg:text", { x: 14, y: (T + H - B) / 2, "text-anchor": "middle", "class": "tick", transform: "rotate(-90 14 " + ((T + H - B) / 2) + ")" }, "monetary (net spend)"));
    // Largest first, so small segments stay visible on top.
    const ordered = segments.map((s, i) => [s, i]).sort((a, b) => b[0].size - a[0].size);
    for (const [s, i] of ordered) {
      const r = 6 + 34 * Math.sqrt(s.size / maxSize);
      const cx = x(s.centroid.recency || 0), cy = y(s.centroid.monetary || 0);
      const mark = el("svg:circle", {
        cx: cx, cy: cy, r: r, fill: colourOf(s.label, i), "fill-opacity": "0.6", stroke: colourOf(s.label, i),
        "class": "segment-mark", "data-segment-id": String(s.id), "data-label": s.label, "data-size": String(s.size)
      });
      mark.appendChild(el("svg:title", {}, s.label + ": " + s.size + " customers · recency " + fmt.format(s.centroid.recency) +
        " d · frequency " + fmt.format(s.centroid.frequency) + " · monetary " + fmt.format(s.centroid.monetary) + " · variety " + fmt.format(s.centroid.variety)));
      svg.appendChild(mark);
      svg.appendChild(el("svg:text", { x: cx, y: cy - r - 4, "text-anchor": "middle", "class": "mark-label" }, s.label + " (" + s.size + ")"));
    }
    segments.forEach((s, i) => {
      const item = el("li", {});
      item.appendChild(el("i", { style: "background:" + colourOf(s.label, i) }));
      item.appendChild(document.createTextNode(s.label + " — " + s.size + " customers, " + fmt.format(s.centroid.frequency) + " orders, " + fmt.format(s.centroid.monetary) + " spent"));
      legend.appendChild(item);
    });
    setState(svg, "ready");
  }

  // ---- Loyalty histogram ------------------------------------------------------------------------------
  function drawLoyalty(stats) {
    const box = $("loyalty");
    $("loyalty-total").textContent = stats.customers + " customers";
    box.setAttribute("data-customers", String(stats.customers));
    if (!stats.customers) { emptyMessage(box, "No customers yet: the histogram fills as events arrive."); setState(box, "empty"); return; }
    const W = 520, H = 220, L = 44, B = 34, T = 10, R = 8;
    const bins = stats.bins;
    const max = niceMax(Math.max(...bins.map(b => b.customers)));
    const svg = el("svg:svg", { viewBox: "0 0 " + W + " " + H, role: "img", "aria-label": "Loyalty score histogram" });
    const bw = (W - L - R) / bins.length;
    for (let i = 0; i <= 4; i++) {
      const v = max * i / 4, yy = H - B - (H - T - B) * i / 4;
      svg.appendChild(el("svg:line", { x1: L, x2: W - R, y1: yy, y2: yy, "class": "grid" }));
      svg.appendChild(el("svg:text", { x: L - 6, y: yy + 4, "text-anchor": "end", "class": "tick" }, fmt.format(v)));
    }
    bins.forEach((b, i) => {
      const h = (H - T - B) * b.customers / max;
      const bar = el("svg:rect", {
        x: L + i * bw + 1, y: H - B - h, width: Math.max(1, bw - 2), height: h, fill: "#2f6fdb",
        "class": "bin", "data-from": String(b.from), "data-to": String(b.to), "data-customers": String(b.customers)
      });
      bar.appendChild(el("svg:title", {}, "L in [" + fmt.format(b.from) + ", " + fmt.format(b.to) + "): " + b.customers + " customers"));
      svg.appendChild(bar);
    });
    for (let i = 0; i <= 4; i++) svg.appendChild(el("svg:text", { x: L + (W - L - R) * i / 4, y: H - B + 14, "text-anchor": "middle", "class": "tick" }, fmt.format(i / 4)));
    svg.appendChild(el("svg:text", { x: (L + W - R) / 2, y: H - 4, "text-anchor": "middle", "class": "tick" }, "loyalty score L"));
    svg.appendChild(el("svg:line", { x1: L, x2: W - R, y1: H - B, y2: H - B, "class": "axis" }));
    box.replaceChildren(svg);
    setState(box, "ready");
  }

  // ---- Tiers --------------------------------------------------------------------------------------
  function drawTiers(stats) {
    const box = $("tiers");
    $("tiers-total").textContent = stats.customers + " customers";
    if (!stats.customers) { emptyMessage(box, "No customers yet: every customer starts in tier base."); setState(box, "empty"); return; }
    const max = Math.max(1, ...stats.tiers.map(t => t.customers));
    const list = el("div", { "class": "bars" });
    for (const t of stats.tiers) {
      const row = el("div", { "class": "bar-row tier", "data-tier": t.tier, "data-customers": String(t.customers) });
      row.appendChild(el("span", {}, t.tier));
      const track = el("div", { "class": "bar-track" });
      track.appendChild(el("div", { "class": "bar-fill", style: "width:" + (100 * t.customers / max).toFixed(1) + "%" }));
      row.appendChild(track);
      row.appendChild(el("span", { "class": "num" }, String(t.customers)));
      list.appendChild(row);
    }
    box.replaceChildren(list);
    setState(box, "ready");
  }

  // ---- Rules ------------------------------------------------------------------------------------------
  function thresholds() {
    return { min_support: $("min-support").value || "0", min_confidence: $("min-confidence").value || "0", limit: $("rules-limit").value || "20" };
  }
  function drawRules(rules, query) {
    const table = $("rules");
    const body = table.querySelector("tbody");
    const rows = rules.map(r => {
      const tr = el("tr", { "class": "rule" });
      tr.appendChild(el("td", {}, r.antecedent));
      tr.appendChild(el("td", {}, r.consequent));
      tr.appendChild(el("td", { "class": "num" }, fmt4.format(r.support)));
      tr.appendChild(el("td", { "class": "num" }, fmt4.format(r.confidence)));
      tr.appendChild(el("td", { "class": "num" }, fmt.format(r.lift)));
      tr.appendChild(el("td", { "class": "num" }, String(r.count)));
      return tr;
    });
    body.replaceChildren(...rows);
    table.setAttribute("data-query", new URLSearchParams(query).toString());
    table.setAttribute("data-rules", String(rules.length));
    const empty = $("rules-empty");
    empty.hidden = rules.length > 0;
    empty.textContent = "No rule meets support ≥ " + query.min_support + " and confidence ≥ " + query.min_confidence + " yet: lower the thresholds, or wait for more baskets.";
    setState(table, rules.length ? "ready" : "empty");
  }

  // ---- Polling ----------------------------------------------------------------------------------------
  async function panel(name, load) {
    try { await load(); problems[name] = null; }
    catch (e) { problems[name] = describe(e); }
  }
  async function poll() {
    const query = thresholds();
    await Promise.all([
      panel("segments", async () => drawSegments(await getJson("/v1/segments"))),
      panel("loyalty", async () => drawLoyalty(await getJson("/v1/stats/loyalty?bins=10"))),
      panel("tiers", async () => drawTiers(await getJson("/v1/stats/tiers"))),
      panel("rules", async () => drawRules(await getJson("/v1/rules?" + new URLSearchParams(query).toString()), query)),
    ]);
    setStatus();
  }
  let timer = null;
  function schedule() {
    clearTimeout(timer);
    poll().finally(() => { timer = setTimeout(schedule, POLL_MS); });
  }

  // ---- Notifications: SSE over fetch (EventSource cannot send an Authorization header) ----------------
  const FEED_MAX = 100;
  let lastEventId = null;
  let streamAbort = null;
  function addNotification(id, type, json) {
    let n;
    try { n = JSON.parse(json); } catch (e) { return; }
    const feed = $("feed");
    const reward = n.data && n.data.reward !== undefined ? (typeof n.data.reward === "string" ? n.data.reward : JSON.stringify(n.data.reward)) : "";
    const item = el("li", { "class": "notification", "data-notification-id": n.notification_id || id || "", "data-type": n.type || type || "" });
    item.appendChild(el("time", {}, n.occurred_at || ""));
    item.appendChild(el("span", {}, n.customer_id || ""));
    item.appendChild(el("span", {}, (n.type || type || "notification") + (reward ? " · " + reward : "")));
    feed.prepend(item);
    while (feed.children.length > FEED_MAX) feed.lastElementChild.remove();
    $("feed-empty").hidden = true;
    setState(feed, "ready");
  }
  function parseFrames(buffer, onFrame) {
    // Frames end with a blank line; fields are "name: value" (one optional space).
    let index;
    while ((index = buffer.search(/\r?\n\r?\n/)) >= 0) {
      const frame = buffer.slice(0, index);
      buffer = buffer.slice(buffer.slice(index).match(/^\r?\n\r?\n/)[0].length + index);
      let id = null, event = "message", data = [];
      for (const line of frame.split(/\r?\n/)) {
        if (!line || line.startsWith(":")) continue;
        const colon = line.indexOf(":");
        const field = colon < 0 ? line : line.slice(0, colon);
        let value = colon < 0 ? "" : line.slice(colon + 1);
        if (value.startsWith(" ")) value = value.slice(1);
        if (field === "id") id = value; else if (field === "event") event = value; else if (field === "data") data.push(value);
      }
      if (data.length) onFrame(id, event, data.join("\n"));
      if (id !== null) lastEventId = id;
    }
    return buffer;
  }
  async function follow() {
    const feed = $("feed");
    const status = $("feed-status");
    if (feed.getAttribute("data-state") === "loading") setState(feed, "empty");
    streamAbort = new AbortController();
    let retryMs = 3000;
    try {
      const extra = { "Accept": "text/event-stream" };
      if (lastEventId) extra["Last-Event-ID"] = lastEventId;
      const response = await fetch("/v1/notifications/stream", { headers: headers(extra), signal: streamAbort.signal, cache: "no-store" });
      if (!response.ok) {
        const e = new Error(String(response.status)); e.status = response.status; throw e;
      }
      status.textContent = "connected";
      const reader = response.body.getReader();
      const decoder = new TextDecoder();
      let buffer = "";
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer = parseFrames(buffer + decoder.decode(value, { stream: true }), addNotification);
      }
      status.textContent = "stream closed, reconnecting…";
    } catch (e) {
      if (e.name === "AbortError") return;
      if (e.status === 404) { status.textContent = "the notifications stream is not available on this server"; retryMs = 30000; }
      else status.textContent = "disconnected (" + describe(e) + "), retrying…";
    }
    setTimeout(follow, retryMs);
  }

  // ---- API key --------------------------------------------------------------------------------------
  $("api-key").value = apiKey();
  $("key-form").addEventListener("submit", (e) => {
    e.preventDefault();
    try { localStorage.setItem(KEY_STORAGE, $("api-key").value.trim()); } catch (err) { /* storage disabled */ }
    if (streamAbort) streamAbort.abort();
    follow();
    schedule();
  });
  $("key-clear").addEventListener("click", () => {
    try { localStorage.removeItem(KEY_STORAGE); } catch (err) { /* storage disabled */ }
    $("api-key").value = "";
    schedule();
  });
  $("rules-form").addEventListener("submit", (e) => { e.preventDefault(); schedule(); });

  schedule();
  follow();
})();
