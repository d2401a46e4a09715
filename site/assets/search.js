// Search without a server: Pagefind over the pages when served over http(s), else (file://, or
// no Pagefind bundle) the small JSON index of titles and authors. Results are built with
// textContent and <mark> elements only, so no indexed text is ever parsed as markup.
"use strict";

(function () {
  const root = new URL(".", document.currentScript.src.replace(/assets\/search\.js.*$/, ""));
  const form = document.getElementById("search-form");
  const input = document.getElementById("q");
  const out = document.getElementById("search-results");
  const query = new URLSearchParams(location.search).get("q") || "";
  input.value = query;
  if (query.trim()) run(query.trim());

  async function run(q) {
    status("Searching…");
    try {
      if (location.protocol === "file:") throw new Error("no fetch from file://");
      const pagefind = await import(new URL("pagefind/pagefind.js", root).href);
      await pagefind.options({ baseUrl: root.pathname });
      await mergeShards(pagefind);
      const found = await pagefind.search(q);
      const items = await Promise.all(found.results.slice(0, 30).map((r) => r.data()));
      show(q, found.results.length, items.map(fromPagefind), "full text");
    } catch (err) {
      const rows = await fallbackIndex();
      const hits = fallbackSearch(rows, q);
      show(q, hits.length, hits.slice(0, 50).map((row) => fromRow(row, q)), "titles and authors");
    }
  }

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

  function status(text) {
    out.replaceChildren();
    const p = document.createElement("p");
    p.textContent = text;
    out.append(p);
  }

  function show(q, total, items, how) {
    status(`${total} result${total === 1 ? "" : "s"} for “${q}” (${how}).`);
    const list = document.createElement("ol");
    for (const item of items) {
      const li = document.createElement("li");
      const a = document.createElement("a");
      a.href = item.href;
      a.append(...item.title);
      const meta = document.createElement("p");
      meta.className = "meta";
      meta.append(...item.meta);
      li.append(a, meta);
      list.append(li);
    }
    out.append(list);
  }

  // Pagefind's excerpt is escaped text with <mark> tags: keep the text and the marks, nothing else.
  function marked(html) {
    const doc = new DOMParser().parseFromString(`<p>${html}</p>`, "text/html");
    const nodes = [];
    for (const node of doc.body.firstChild.childNodes) {
      if (node.nodeName === "MARK") {
        const m = document.createElement("mark");
        m.textContent = node.textContent;
        nodes.push(m);
      } else {
        nodes.push(document.createTextNode(node.textContent));
      }
    }
    return nodes;
  }

  function fromPagefind(data) {
    const href = new URL(data.url, root).href; // a path from the site's root (baseUrl)
    return { href, title: [document.createTextNode(data.meta.title || data.url)], meta: marked(data.excerpt) };
  }

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
        if (marks[start]) {
          const m = document.createElement("mark");
          m.textContent = run;
          nodes.push(m);
        } else {
          nodes.push(document.createTextNode(run));
        }
        start = i;
      }
    }
    return nodes;
  }

  function fromRow(row, q) {
    const terms = words(q);
    const meta = `${row.authors.join(", ")} · ${row.date || "no date"} · ${row.id}`;
    return { href: new URL(row.url, root).href, title: highlight(row.title, terms), meta: highlight(meta, terms) };
  }

  form.addEventListener("submit", (event) => {
    const q = input.value.trim();
    if (!q) return;
    event.preventDefault();
    history.replaceState(null, "", `?q=${encodeURIComponent(q)}`);
    run(q);
  });
})();
