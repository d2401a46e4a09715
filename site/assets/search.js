// The search page. Served by `paperboy serve` (its /api/health answers beside the site), it asks
// /api/search: the query language, totals, order, sorts, date filters, did-you-mean and highlights
// of the CLI and the popup. Elsewhere it falls back to Pagefind over the pages (http(s)), or to
// the small JSON index of titles and authors (file://, or no Pagefind bundle), and says that
// fielded searches need the server. Every result list pages through to its last result.
// Results are built with textContent and <mark> elements only: no result text is parsed as markup.
"use strict";

(function () {
  const PER_PAGE = 20;
  const MAX_PAGE = 1000; // the API's highest page
  const HEALTH_MS = 5000;
  const FIELDED = /(^|[\s(])(title|abstract|author|cat|id|date|seen|trended|upvotes):/i;
  const root = new URL(".", document.currentScript.src.replace(/assets\/search\.js.*$/, ""));
  const form = document.getElementById("search-form");
  const input = document.getElementById("q");
  const options = document.getElementById("search-options");
  const mode = document.getElementById("search-mode");
  const out = document.getElementById("search-results");
  const pager = document.getElementById("search-pages");
  const fields = { sort: document.getElementById("sort"), from: document.getElementById("from"),
    to: document.getElementById("to") };
  const asked = readParams(new URLSearchParams(location.search));

  input.value = asked.q;
  for (const [name, field] of Object.entries(fields)) field.value = asked[name];
  if (asked.q) run(asked);

  function readParams(params) {
    const page = Number.parseInt(params.get("page") || "1", 10);
    return {
      q: (params.get("q") || "").trim(),
      sort: params.get("sort") || "relevance",
      from: params.get("from") || "",
      to: params.get("to") || "",
      page: Number.isFinite(page) && page > 0 ? page : 1,
      group: params.get("in") === "pages" ? "pages" : "papers",
    };
  }

  // This page's URL for a search (only the settings that differ from the defaults).
  function searchUrl(s) {
    const params = new URLSearchParams({ q: s.q });
    if (s.sort && s.sort !== "relevance") params.set("sort", s.sort);
    if (s.from) params.set("from", s.from);
    if (s.to) params.set("to", s.to);
    if (s.group === "pages") params.set("in", "pages");
    if (s.page > 1) params.set("page", String(s.page));
    return `${location.pathname}?${params}`;
  }

  async function run(s) {
    status("Searching…");
    pager.replaceChildren();
    if (await serverAnswers()) return viaApi(s);
    options.hidden = true; // Pagefind and the JSON index neither sort nor filter by date
    notice(s.q);
    try {
      if (location.protocol === "file:") throw new Error("no fetch from file://");
      const pagefind = await import(new URL("pagefind/pagefind.js", root).href);
      await pagefind.options({ baseUrl: root.pathname });
      await mergeShards(pagefind);
      await viaPagefind(pagefind, s);
    } catch (err) {
      const rows = await fallbackIndex();
      const hits = fallbackSearch(rows, plainWords(s.q));
      const shown = pageOf(hits, s.page).map((row) => fromRow(row, plainWords(s.q)));
      show(s, hits.length, shown, "titles and authors");
    }
  }

  // Whether `paperboy serve` serves this site: its API answers at api/health beside it.
  async function serverAnswers() {
    if (location.protocol !== "http:" && location.protocol !== "https:") return false;
    try {
      const reply = await fetch(new URL("api/health", root), {
        headers: { Accept: "application/json" },
        signal: AbortSignal.timeout(HEALTH_MS),
      });
      if (!reply.ok) return false;
      const body = await reply.json();
      return body !== null && body.ok === true && typeof body.data?.papers === "number";
    } catch (err) {
      return false;
    }
  }

  function notice(q) {
    const text = FIELDED.test(q)
      ? "This copy of the archive has no server, so author:, title:, cat:, date: and the other " +
        "fields are searched as plain words, and results cannot be sorted or filtered by date. " +
        "Run `paperboy serve` and open the search from it for the full query language."
      : "Searching without a server: author:, title:, cat:, date: searches, sorting and date " +
        "filters need the local server (`paperboy serve`).";
    mode.textContent = text;
  }

  // ---- the API (`paperboy serve`) ----

  async function viaApi(s) {
    options.hidden = false;
    mode.textContent = "";
    const url = new URL("api/search", root);
    const params = new URLSearchParams({ q: s.q, page: String(s.page), per_page: String(PER_PAGE) });
    if (s.sort) params.set("sort", s.sort);
    if (s.from) params.set("from", s.from);
    if (s.to) params.set("to", s.to);
    url.search = params.toString();
    let body;
    try {
      const reply = await fetch(url, { headers: { Accept: "application/json" } });
      body = await reply.json();
    } catch (err) {
      status(`The search server did not answer (${err.message}). Is \`paperboy serve\` running?`);
      return;
    }
    if (!body || body.ok !== true) {
      const problem = body?.error ?? {};
      status([problem.message || "The search failed.", problem.hint].filter(Boolean).join(" "));
      return;
    }
    const data = body.data;
    show(s, data.total, data.hits.map(fromHit), "", data);
  }

  function fromHit(hit) {
    const meta = [authorsShort(hit.authors), hit.date || "no date", hit.id];
    if (hit.trend?.upvotes) meta.push(`${hit.trend.upvotes}▲`);
    if (hit.trend?.best_rank) meta.push(`best #${hit.trend.best_rank}`);
    const snippet = hit.snippet ?? { text: "", spans: [] };
    const detail = [];
    if (snippet.start > 0) detail.push(document.createTextNode("… "));
    detail.push(...spans(snippet.text, snippet.spans));
    if (snippet.truncated && !/[.!?]$/.test(snippet.text)) detail.push(document.createTextNode(" …"));
    return {
      href: new URL(hit.site_page, root).href,
      title: spans(hit.title, hit.title_spans),
      meta: [document.createTextNode(meta.join(" · "))],
      detail,
    };
  }

  function authorsShort(authors = [], shown = 3) {
    const head = authors.slice(0, shown).join(", ");
    return authors.length > shown ? `${head} +${authors.length - shown}` : head;
  }

  // The text split at the API's [start, end) highlight spans into text and <mark> nodes.
  function spans(text = "", marks = []) {
    const nodes = [];
    let last = 0;
    for (const [start, end] of [...marks].sort((a, b) => a[0] - b[0])) {
      if (start < last || end <= start) continue;
      nodes.push(document.createTextNode(text.slice(last, start)), markNode(text.slice(start, end)));
      last = end;
    }
    nodes.push(document.createTextNode(text.slice(last)));
    return nodes;
  }

  function markNode(text) {
    const m = document.createElement("mark");
    m.textContent = text;
    return m;
  }

  // ---- Pagefind (a static host) ----

  // A big archive's index comes in shards: the first bundle lists the others to merge.
  async function mergeShards(pagefind) {
    if (window.PAPERBOY_MERGED) return;
    const reply = await fetch(new URL("pagefind/shards.json", root));
    const shards = reply.ok ? await reply.json() : [];
    for (const dir of shards) {
      await pagefind.mergeIndex(new URL(dir, root).href, { baseUrl: root.pathname });
    }
    window.PAPERBOY_MERGED = true;
  }

  // Paper pages first and on their own; day, week, month, topic and other pages as a second
  // group (each page carries a Pagefind `kind` filter; a site built without it is one list).
  async function viaPagefind(pagefind, s) {
    const q = plainWords(s.q);
    if (!q) throw new Error("no words to search");
    await pagefind.filters(); // loads them: a search counts its results by kind only after
    const all = await pagefind.search(q);
    const kinds = all.filters?.kind ?? {};
    const others = Object.keys(kinds).filter((kind) => kind !== "paper" && kinds[kind] > 0);
    let found = all;
    if ("paper" in kinds || others.length) {
      const wanted = s.group === "pages" ? { any: others } : "paper";
      found = await pagefind.search(q, { filters: { kind: wanted } });
    }
    const items = await Promise.all(pageOf(found.results, s.page).map((r) => r.data()));
    const otherCount = others.reduce((sum, kind) => sum + kinds[kind], 0);
    const paperCount = kinds.paper ?? 0;
    show(s, found.results.length, items.map(fromPagefind), "full text", null,
      { others: otherCount, papers: paperCount });
  }

  // Pagefind's excerpt is escaped text with <mark> tags: keep the text and the marks, nothing else.
  function marked(html) {
    const doc = new DOMParser().parseFromString(`<p>${html}</p>`, "text/html");
    const nodes = [];
    for (const node of doc.body.firstChild.childNodes) {
      nodes.push(node.nodeName === "MARK" ? markNode(node.textContent)
        : document.createTextNode(node.textContent));
    }
    return nodes;
  }

  function fromPagefind(data) {
    const href = new URL(data.url, root).href; // a path from the site's root (baseUrl)
    return { href, title: [document.createTextNode(data.meta.title || data.url)],
      meta: marked(data.excerpt), detail: [] };
  }

  // ---- the JSON index (file://, or no Pagefind bundle) ----

  async function fallbackIndex() {
    if (window.PAPERBOY_INDEX) return window.PAPERBOY_INDEX;
    if (location.protocol !== "file:") {
      try {
        const reply = await fetch(new URL("search-index.json", root));
        if (reply.ok) return (window.PAPERBOY_INDEX = await reply.json());
      } catch (err) { /* fall through to the script copy */ }
    }
    await new Promise((resolve, reject) => {
      const s = document.createElement("script");
      s.src = new URL("assets/search-index.js", root).href;
      s.onload = resolve;
      s.onerror = reject;
      document.head.append(s);
    });
    return window.PAPERBOY_INDEX || [];
  }

  // The query's words without field names and operators, which only the server understands.
  function plainWords(q) {
    return q.replace(/\b[a-z]+:/gi, " ").replace(/\b(AND|OR|NOT)\b|[()"[\]]/g, " ")
      .replace(/\s+/g, " ").trim();
  }

  function words(q) {
    return q.toLowerCase().split(/\s+/).filter(Boolean);
  }

  function fallbackSearch(rows, q) {
    const terms = words(q);
    const scored = [];
    for (const row of rows) {
      const title = row.title.toLowerCase();
      const rest = (row.authors.join(" ") + " " + row.id).toLowerCase();
      if (!terms.every((t) => title.includes(t) || rest.includes(t))) continue;
      scored.push([terms.filter((t) => title.includes(t)).length, row]);
    }
    scored.sort((a, b) => b[0] - a[0] || (b[1].date || "").localeCompare(a[1].date || ""));
    return scored.map((pair) => pair[1]);
  }

  // The text split into plain runs and <mark> runs wherever a query word occurs.
  function highlight(text, terms) {
    const lower = text.toLowerCase();
    const marks = new Array(text.length).fill(false);
    for (const t of terms) {
      for (let i = lower.indexOf(t); i >= 0; i = lower.indexOf(t, i + 1)) marks.fill(true, i, i + t.length);
    }
    const nodes = [];
    let start = 0;
    for (let i = 1; i <= text.length; i++) {
      if (i === text.length || marks[i] !== marks[start]) {
        const run = text.slice(start, i);
        nodes.push(marks[start] ? markNode(run) : document.createTextNode(run));
        start = i;
      }
    }
    return nodes;
  }

  function fromRow(row, q) {
    const terms = words(q);
    const meta = `${row.authors.join(", ")} · ${row.date || "no date"} · ${row.id}`;
    return { href: new URL(row.url, root).href, title: highlight(row.title, terms),
      meta: highlight(meta, terms), detail: [] };
  }

  // ---- showing results ----

  function pageOf(list, page) {
    return list.slice((page - 1) * PER_PAGE, page * PER_PAGE);
  }

  function status(text) {
    out.replaceChildren();
    const p = document.createElement("p");
    p.textContent = text;
    out.append(p);
  }

  function count(n, one, many) {
    return `${n.toLocaleString("en")} ${n === 1 ? one : many}`;
  }

  function show(s, total, items, how, data = null, groups = null) {
    const what = groups && s.group === "pages" ? count(total, "other page", "other pages")
      : count(total, "result", "results");
    const first = (s.page - 1) * PER_PAGE + 1;
    const shown = items.length ? `; ${first}–${first + items.length - 1}` : "";
    status(`${what} for “${s.q}”${how ? ` (${how})` : ""}${shown}.`);
    const head = out.firstChild;
    if (data?.suggestion) suggest(head, s, data.suggestion);
    for (const note of data?.notes ?? []) {
      const p = document.createElement("p");
      p.className = "note";
      p.textContent = note;
      out.append(p);
    }
    if (groups) group(s, groups);
    const list = document.createElement("ol");
    list.start = (s.page - 1) * PER_PAGE + 1;
    for (const item of items) {
      const li = document.createElement("li");
      const a = document.createElement("a");
      a.href = item.href;
      a.append(...item.title);
      const meta = document.createElement("p");
      meta.className = "meta";
      meta.append(...item.meta);
      li.append(a, meta);
      if (item.detail.length) {
        const detail = document.createElement("p");
        detail.append(...item.detail);
        li.append(detail);
      }
      list.append(li);
    }
    out.append(list);
    pages(s, total);
  }

  function suggest(head, s, suggestion) {
    const a = document.createElement("a");
    a.className = "suggestion";
    a.href = searchUrl({ ...s, q: suggestion, page: 1 });
    a.textContent = suggestion;
    head.append(" Did you mean ", a, "?");
  }

  // The link between the papers and the other pages a Pagefind search found.
  function group(s, groups) {
    const other = s.group === "pages" ? "papers" : "pages";
    const n = other === "pages" ? groups.others : groups.papers;
    if (!n) return;
    const p = document.createElement("p");
    const a = document.createElement("a");
    a.className = "group";
    a.href = searchUrl({ ...s, group: other, page: 1 });
    a.textContent = other === "pages"
      ? `${count(n, "day, week, month or topic page", "day, week, month and topic pages")} also match`
      : `back to the ${count(n, "paper", "papers")}`;
    p.append(a);
    out.append(p);
  }

  function pages(s, total) {
    const last = Math.min(Math.ceil(total / PER_PAGE), MAX_PAGE);
    pager.replaceChildren();
    if (last <= 1) return;
    const link = (page, text, rel) => {
      const a = document.createElement("a");
      a.href = searchUrl({ ...s, page });
      a.textContent = text;
      if (rel) a.rel = rel;
      return a;
    };
    if (s.page > 1) {
      pager.append(link(1, "« First"), " ", link(s.page - 1, "‹ Previous", "prev"), " ");
    }
    const here = document.createElement("span");
    here.textContent = `Page ${s.page} of ${last}`;
    pager.append(here);
    if (s.page < last) {
      pager.append(" ", link(s.page + 1, "Next ›", "next"), " ", link(last, "Last »"));
    }
    if (total > MAX_PAGE * PER_PAGE) {
      const p = document.createElement("p");
      p.className = "note";
      p.textContent = `The first ${count(MAX_PAGE * PER_PAGE, "result", "results")} can be ` +
        "paged through: narrow the query or the dates to see the rest.";
      pager.append(p);
    }
  }

  form.addEventListener("submit", (event) => {
    const q = input.value.trim();
    if (!q) return;
    event.preventDefault();
    const s = { ...asked, q, page: 1, group: "papers" };
    if (!options.hidden) {
      for (const [name, field] of Object.entries(fields)) s[name] = field.value;
    }
    location.assign(searchUrl(s));
  });
})();
