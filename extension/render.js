// Shared render helpers: untrusted text reaches the DOM only as textContent or DOM nodes.

const SVG = "http://www.w3.org/2000/svg";

/** A fresh copy of the <template id=...> content's first element. */
export function clone(id) {
  return document.getElementById(id).content.firstElementChild.cloneNode(true);
}

/** Set the text of the [data-field=name] elements under root. */
export function fill(root, fields) {
  for (const [name, value] of Object.entries(fields)) {
    const node = root.querySelector(`[data-field="${name}"]`);
    if (node) node.textContent = value ?? "";
  }
  return root;
}

/** A new element with optional class and text. */
export function el(tag, className = "", text = "") {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text) node.textContent = text;
  return node;
}

/** Text with the [start, end) spans wrapped in <mark>, as a fragment. */
export function highlighted(text, spans = []) {
  const out = document.createDocumentFragment();
  let last = 0;
  for (const [start, end] of [...spans].sort((a, b) => a[0] - b[0])) {
    if (start < last || end <= start) continue;
    out.append(text.slice(last, start), el("mark", "", text.slice(start, end)));
    last = end;
  }
  out.append(text.slice(last));
  return out;
}

/** "A, B, C" or "A, B, C +4": the first three authors, and how many more. */
export function authorsShort(authors = [], shown = 3) {
  const head = authors.slice(0, shown).join(", ");
  return authors.length > shown ? `${head} +${authors.length - shown}` : head;
}

/** The href if it is a web link, else null (a stored link may be hostile). */
export function safeHref(href) {
  try {
    const url = new URL(href);
    return url.protocol === "https:" || url.protocol === "http:" ? url.href : null;
  } catch {
    return null;
  }
}

/** A link that opens in a new tab, or null when the href is not a web link. */
export function link(label, href) {
  const safe = safeHref(href);
  if (!safe) return null;
  const a = el("a", "", label);
  a.href = safe;
  a.target = "_blank";
  a.rel = "noopener noreferrer";
  return a;
}

/** A one-line summary of a paper's trend: "HF #1 · 60▲ · 3 lists". */
export function trendLine(trend = {}) {
  const parts = [];
  if (trend.best_rank) parts.push(`HF #${trend.best_rank}`);
  if (trend.upvotes != null) parts.push(`${trend.upvotes}\u25b2`);
  if (trend.last_date) parts.push(trend.last_date);
  return parts.join(" \u00b7 ");
}

/**
 * "★ 1,520 GitHub stars" from a paper's `stars` ({count, readings: [[day, n], ...]}), with the
 * growth since the first reading when there are two: "★ 1,520 GitHub stars (+320 since 2026-05-19)".
 */
export function starsText(stars) {
  if (!stars || typeof stars.count !== "number") return "";
  const n = (v) => v.toLocaleString("en-US");
  const line = `\u2605 ${n(stars.count)} GitHub star${stars.count === 1 ? "" : "s"}`;
  const readings = (stars.readings ?? []).filter((r) => typeof r[1] === "number");
  if (readings.length < 2) return line;
  const [day, first] = readings[0];
  const growth = stars.count - first;
  const sign = growth >= 0 ? "+" : "\u2212";
  return `${line} (${sign}${n(Math.abs(growth))} since ${day})`;
}

/** Upvote points in list-day, then observation order, from a paper's observations. */
export function upvoteSeries(observations = []) {
  return observations
    .filter((o) => typeof o.upvotes === "number")
    .sort((a, b) => (a.date + a.observed_at).localeCompare(b.date + b.observed_at))
    .map((o) => ({ date: o.date, upvotes: o.upvotes }));
}

/** A small SVG sparkline of the values, or null when there are fewer than two. */
export function sparkline(values, width = 96, height = 22) {
  if (values.length < 2) return null;
  const low = Math.min(...values);
  const span = Math.max(...values) - low || 1;
  const step = (width - 3) / (values.length - 1);
  const y = (v) => (height - 3 - ((v - low) / span) * (height - 6)).toFixed(1);
  const points = values.map((v, i) => `${(i * step).toFixed(1)},${y(v)}`).join(" ");
  const svg = document.createElementNS(SVG, "svg");
  svg.setAttribute("viewBox", `0 0 ${width} ${height}`);
  svg.setAttribute("width", String(width));
  svg.setAttribute("height", String(height));
  svg.setAttribute("class", "sparkline");
  svg.setAttribute("role", "img");
  const line = document.createElementNS(SVG, "polyline");
  line.setAttribute("points", points);
  const dot = document.createElementNS(SVG, "circle");
  dot.setAttribute("cx", ((values.length - 1) * step).toFixed(1));
  dot.setAttribute("cy", y(values.at(-1)));
  dot.setAttribute("r", "2");
  svg.append(line, dot);
  return svg;
}

/** One paper row (for search, similar and trending lists) from the #row template. */
export function paperRow(brief, { titleSpans = [], detail = "", note = "" } = {}) {
  const row = clone("row");
  row.dataset.id = brief.id;
  row.querySelector("[data-field=title]").append(highlighted(brief.title ?? "", titleSpans));
  const meta = [authorsShort(brief.authors), brief.date, brief.id].filter(Boolean);
  fill(row, { meta: meta.join(" \u00b7 "), note });
  const detailNode = row.querySelector("[data-field=detail]");
  if (detail instanceof Node) detailNode.append(detail);
  else detailNode.textContent = detail;
  return row;
}
