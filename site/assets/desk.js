// The reading desk, live when `paperboy serve` serves the site: on the desk page (desk.html) the
// catch-up, the papers picked for you, the saved papers by tag, the recently viewed ones and a
// search, each paper with the popup's actions; on a paper's page, its save button, read mark and
// tags. It first asks the server for the desk session (GET api/session), which the server gives
// only to its own pages; without one (a static copy of the site, file://, another web server) it
// does nothing and the desk page keeps its note.
// Keys: j/k move, s save, r read, t tag, n note, m copy Markdown link, b copy BibTeX, o open,
// / search. Text from the store reaches the page only as textContent: nothing is parsed as markup.
"use strict";

(function () {
  const root = new URL(".", document.currentScript.src.replace(/assets\/desk\.js.*$/, ""));
  const page = document.getElementById("desk");
  const bar = document.getElementById("desk-bar");
  const KEYS = "j/k move \u00b7 s save \u00b7 r read \u00b7 t tag \u00b7 n note \u00b7 " +
    "m copy Markdown link \u00b7 b copy BibTeX \u00b7 o open \u00b7 / search";
  const states = new Map(); // paper id -> its desk entry, as the API gave it last
  const redraws = new Map(); // paper id -> the functions that draw its controls again
  const tagCounts = new Map(); // every tag in use -> papers saved with it
  let session = null;
  let status = null;
  let current = null; // the selected paper's row (the desk page) or the bar (a paper's page)

  if (!page && !bar) return;
  connect().then((live) => {
    if (!live) return;
    if (page) deskPage();
    else paperBar();
    document.addEventListener("keydown", onKey);
  });

  function el(tag, className = "", text = "") {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text) node.textContent = text;
    return node;
  }

  function button(label, title, onClick) {
    const node = el("button", "", label);
    node.type = "button";
    if (title) node.title = title;
    node.addEventListener("click", onClick);
    return node;
  }

  /** One API call with the session: its data, or an Error whose message the server wrote. */
  async function call(method, path, body) {
    const headers = { Accept: "application/json" };
    if (session) headers[session.header] = session.token;
    if (body !== undefined) headers["Content-Type"] = "application/json";
    let reply;
    try {
      reply = await fetch(new URL(`api/${path}`, root), {
        method, headers, cache: "no-store", credentials: "same-origin",
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch {
      throw new Error("the Paperboy server does not answer: is `paperboy serve` running?");
    }
    let answer = null;
    try {
      answer = await reply.json();
    } catch {
      throw new Error(`the server answered ${reply.status}, not the Paperboy API`);
    }
    if (!answer || answer.ok !== true) {
      const error = new Error(answer?.error?.message || `the server answered ${reply.status}`);
      error.status = reply.status;
      throw error;
    }
    return answer.data;
  }

  async function connect() {
    if (location.protocol !== "http:" && location.protocol !== "https:") return false;
    try {
      session = await call("GET", "session");
      return typeof session?.token === "string" && typeof session?.header === "string";
    } catch {
      return false;
    }
  }

  function say(text, kind = "ok") {
    if (!status) return;
    status.dataset.kind = kind;
    status.textContent = text;
  }

  const paperPath = (id) => `papers/${encodeURIComponent(id)}`;

  // ---- one paper's controls: save, read, tags, note, copy ----

  function authorsShort(authors = [], shown = 3) {
    const head = authors.slice(0, shown).join(", ");
    return authors.length > shown ? `${head} +${authors.length - shown}` : head;
  }

  function trendLine(trend = {}) {
    const parts = [];
    if (trend.best_rank) parts.push(`HF #${trend.best_rank}`);
    if (trend.upvotes != null) parts.push(`${trend.upvotes}\u25b2`);
    if (trend.last_date) parts.push(`last on the lists ${trend.last_date}`);
    return parts.join(" \u00b7 ");
  }

  function offerTags() {
    let list = document.getElementById("desk-tag-options");
    if (!list) {
      list = el("datalist");
      list.id = "desk-tag-options";
      document.body.append(list);
    }
    list.replaceChildren(...[...tagCounts.keys()].sort().map((tag) => {
      const option = el("option");
      option.value = tag;
      return option;
    }));
  }

  /** The controls of paper `id`, drawn from its desk state and drawn again on each change. */
  function controls(id) {
    const box = el("div", "desk-actions");
    const save = button("Save", "Save to your library (s)", () => toggle(id, "saved"));
    const read = button("Mark read", "Mark read (r)", () => toggle(id, "read"));
    const tagButton = button("Tag", "Add a tag (t)", () => openTag(box));
    const noteButton = button("Note", "Write a note (n)", () => openNote(box));
    const markdown = button("Copy Markdown link", "(m)", () => copy(id, "markdown"));
    const bibtex = button("Copy BibTeX", "(b)", () => copy(id, "bibtex"));
    for (const [node, key] of [[save, "s"], [read, "r"], [tagButton, "t"], [noteButton, "n"],
      [markdown, "m"], [bibtex, "b"]]) node.setAttribute("aria-keyshortcuts", key);
    const tags = el("ul", "desk-tags");
    tags.setAttribute("aria-label", "Tags");
    const tagForm = el("form", "desk-tag-form");
    tagForm.hidden = true;
    const tagInput = el("input");
    tagInput.type = "text";
    tagInput.maxLength = 100;
    tagInput.setAttribute("list", "desk-tag-options");
    tagInput.setAttribute("aria-label", "New tag");
    tagInput.placeholder = "tag (Enter adds, Esc closes)";
    tagForm.append(tagInput, el("button", "", "Add tag"));
    tagForm.addEventListener("submit", (event) => {
      event.preventDefault();
      const tag = tagInput.value.trim();
      if (!tag) return;
      // a tag files the paper: adding one saves it too, as `paperboy save ID --tag T`
      const body = states.get(id)?.saved_at ? { add_tags: [tag] } : { saved: true, add_tags: [tag] };
      change(id, body, `Tagged ${tag}`).then((done) => {
        if (done) tagInput.value = "";
      });
    });
    const noteForm = el("form", "desk-note-form");
    noteForm.hidden = true;
    const noteText = el("textarea");
    noteText.rows = 3;
    noteText.maxLength = 10000;
    noteText.setAttribute("aria-label", "Note");
    noteText.placeholder = "A note (Ctrl+Enter saves, Esc closes)";
    noteForm.append(noteText, el("button", "", "Save note"));
    noteForm.addEventListener("submit", (event) => {
      event.preventDefault();
      const note = noteText.value;
      change(id, { note }, note.trim() ? "Note saved" : "Note removed");
    });
    noteText.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) noteForm.requestSubmit();
    });
    const note = el("p", "desk-note-text");
    box.append(save, read, tagButton, noteButton, markdown, bibtex, tags, tagForm, noteForm, note);

    function draw() {
      const entry = states.get(id) || { tags: [], note: "" };
      save.textContent = entry.saved_at ? "Saved \u2605" : "Save";
      save.setAttribute("aria-pressed", String(Boolean(entry.saved_at)));
      save.title = entry.saved_at ? `Saved ${entry.saved_at.slice(0, 10)}: press to unsave (s)` :
        "Save to your library (s)";
      read.textContent = entry.read_at ? "Read \u2713" : "Mark read";
      read.setAttribute("aria-pressed", String(Boolean(entry.read_at)));
      tags.replaceChildren(...(entry.tags || []).map((tag) => {
        const chip = el("li", "tag", tag);
        const remove = button("\u00d7", `Remove tag ${tag}`, () =>
          change(id, { remove_tags: [tag] }, `Tag removed: ${tag}`));
        remove.setAttribute("aria-label", `Remove tag ${tag}`);
        chip.append(remove);
        return chip;
      }));
      note.textContent = entry.note || "";
      if (document.activeElement !== noteText) noteText.value = entry.note || "";
    }
    draw.box = box;
    if (!redraws.has(id)) redraws.set(id, new Set());
    redraws.get(id).add(draw);
    draw();
    return box;
  }

  function openTag(box) {
    box.querySelector(".desk-tag-form").hidden = false;
    box.querySelector(".desk-tag-form input").focus();
  }

  function openNote(box) {
    box.querySelector(".desk-note-form").hidden = false;
    box.querySelector(".desk-note-form textarea").focus();
  }

  /** POST one change to paper `id`; draw every view of it again and say `done`, or why not. */
  async function change(id, body, done) {
    try {
      const entry = await call("POST", `${paperPath(id)}/desk`, body);
      const before = states.get(id);
      states.set(id, entry);
      for (const draw of redraws.get(id) || []) draw();
      for (const tag of entry.tags) if (!tagCounts.has(tag)) tagCounts.set(tag, 0);
      offerTags();
      say(done);
      if (page && (Boolean(before?.saved_at) !== Boolean(entry.saved_at) || "add_tags" in body ||
          "remove_tags" in body)) loadSaved();
      return true;
    } catch (problem) {
      say(`Not changed: ${problem.message}`, "error");
      return false;
    }
  }

  function toggle(id, what) {
    const entry = states.get(id) || {};
    if (what === "saved") {
      const saved = Boolean(entry.saved_at);
      return change(id, { saved: !saved }, saved ? "Removed from your library" : "Saved");
    }
    const read = Boolean(entry.read_at);
    return change(id, { read: !read }, read ? "Marked unread" : "Marked read");
  }

  /** `[Title](https://arxiv.org/abs/ID)`, the title's brackets escaped, as the popup copies it. */
  function markdownLink(paper) {
    const title = (paper.title || paper.id).replace(/\s+/g, " ").trim().replace(/[\\[\]]/g, "\\$&");
    const links = paper.links || {};
    const href = [links.arxiv, links.page, links.doi].find((h) => /^https?:\/\//.test(h || ""));
    return href ? `[${title}](${href})` : title;
  }

  async function copy(id, what) {
    const name = what === "bibtex" ? "BibTeX" : "Markdown link";
    let text;
    try {
      const paper = await call("GET", paperPath(id));
      text = what === "bibtex" ? paper.bibtex : markdownLink(paper);
    } catch (problem) {
      say(`No ${name}: ${problem.message}`, "error");
      return;
    }
    try {
      await navigator.clipboard.writeText(text);
      say(`${name} copied \u2713`);
    } catch {
      // the clipboard refused (no focus or permission): show the text, selected, to copy by hand
      const area = el("textarea", "desk-copy");
      area.readOnly = true;
      area.value = text;
      status.replaceChildren(`Press Ctrl+C to copy the ${name}: `, area);
      area.select();
    }
  }

  // ---- a paper's page: its bar ----

  async function paperBar() {
    const id = bar.dataset.paper;
    status = el("p", "desk-status");
    status.setAttribute("role", "status");
    try {
      const [entry, desk] = await Promise.all([
        call("GET", `${paperPath(id)}/desk`), call("GET", "desk"),
      ]);
      states.set(id, entry);
      for (const [tag, n] of desk.tags) tagCounts.set(tag, n);
      offerTags();
    } catch (problem) {
      if (problem.status === 404) return; // the paper is not in this archive's store (yet)
      say(`Your desk is unavailable: ${problem.message}`, "error");
    }
    bar.replaceChildren(controls(id), status);
    document.querySelector("main h1")?.after(bar); // under the paper's title
    bar.hidden = false;
    current = bar;
  }

  // ---- the desk page ----

  function section(id, heading) {
    const node = el("section", "desk-section");
    node.id = id;
    const h = el("h2", "", heading);
    h.id = `${id}-heading`;
    node.setAttribute("aria-labelledby", h.id);
    const note = el("p", "meta desk-section-note");
    const list = el("ol", "desk-list");
    node.append(h, note, list);
    return node;
  }

  function row(paper, detail = "") {
    const item = el("li", "desk-item");
    item.tabIndex = -1;
    item.dataset.id = paper.id;
    const title = el("a", "title", paper.title || paper.id);
    title.href = new URL(paper.site_page || `paper/${paper.id}.html`, root).href;
    const meta = [authorsShort(paper.authors), paper.date, paper.id, trendLine(paper.trend)];
    item.append(title, el("div", "meta", meta.filter(Boolean).join(" \u00b7 ")));
    if (detail) item.append(el("div", "desk-detail", detail));
    item.append(controls(paper.id));
    item.addEventListener("focusin", () => select(item, false));
    return item;
  }

  function fill(node, papers, detail) {
    const list = node.querySelector(".desk-list");
    for (const old of list.querySelectorAll(".desk-item")) forget(old);
    list.replaceChildren(...papers.map((p) => row(p, detail(p))));
  }

  /** A row's controls leave the page: stop drawing them (each row's `draw` is its own). */
  function forget(item) {
    const set = redraws.get(item.dataset.id);
    if (!set) return;
    for (const draw of [...set]) if (!draw.box || !draw.box.isConnected) set.delete(draw);
  }

  function deskPage() {
    document.getElementById("desk-note").hidden = true;
    status = el("p", "desk-status");
    status.setAttribute("role", "status");
    status.setAttribute("aria-live", "polite");
    const form = el("form", "search desk-search");
    form.setAttribute("role", "search");
    const label = el("label", "", "Search the archive");
    label.htmlFor = "desk-q";
    const input = el("input");
    input.id = "desk-q";
    input.type = "search";
    input.autocomplete = "off";
    form.append(label, " ", input, " ", el("button", "", "Search"));
    const keys = el("p", "meta desk-keys", `Keys: ${KEYS}`);
    const results = section("desk-results", "Search results");
    results.hidden = true;
    const sections = [
      results,
      section("desk-catchup", "While you were away"),
      section("desk-foryou", "For you"),
      section("desk-saved", "Saved"),
      section("desk-viewed", "Recently viewed"),
    ];
    page.replaceChildren(form, keys, status, ...sections);
    page.hidden = false;
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      search(input.value.trim());
    });
    loadSaved().then(() => Promise.all([loadCatchup(), loadForYou(), loadViewed()]));
  }

  async function loadSaved(tag = page?.dataset.tag || "") {
    const node = document.getElementById("desk-saved");
    page.dataset.tag = tag;
    try {
      const desk = await call("GET", tag ? `desk?tag=${encodeURIComponent(tag)}` : "desk");
      if (!tag) {
        tagCounts.clear();
        for (const [name, n] of desk.tags) tagCounts.set(name, n);
        offerTags();
      }
      for (const entry of desk.papers) states.set(entry.id, entry);
      const chips = el("span", "desk-filter");
      chips.append(filterButton("All", "", tag));
      for (const [name, n] of tagCounts) chips.append(" ", filterButton(`${name} (${n})`, name, tag));
      const shown = desk.papers.map((entry) => ({ ...(entry.paper || { id: entry.id }) }));
      node.querySelector(".desk-section-note").replaceChildren(
        desk.papers.length ? `${desk.papers.length} saved${tag ? ` with the tag ${tag}` : ""}, ` +
          "newest first." : "Nothing saved yet: press s on a paper to save it.", chips);
      fill(node, shown, (p) => savedLine(states.get(p.id)));
      for (const draws of redraws.values()) for (const draw of draws) draw();
    } catch (problem) {
      say(`Your saved papers are unavailable: ${problem.message}`, "error");
    }
  }

  function savedLine(entry) {
    if (!entry) return "";
    const bits = [`saved ${(entry.saved_at || "").slice(0, 10)}`];
    if (entry.read_at) bits.push(`read ${entry.read_at.slice(0, 10)}`);
    return bits.join(" \u00b7 ");
  }

  function filterButton(label, tag, shown) {
    const node = button(label, tag ? `Only the papers tagged ${tag}` : "Every saved paper",
      () => loadSaved(tag));
    node.setAttribute("aria-pressed", String(tag === shown));
    return node;
  }

  async function loadCatchup() {
    const node = document.getElementById("desk-catchup");
    try {
      const found = await call("GET", "catchup?limit=50");
      node.querySelector("h2").textContent = found.caught_up ? "You are caught up" :
        "While you were away";
      const note = node.querySelector(".desk-section-note");
      note.replaceChildren(found.heading);
      if (!found.caught_up) {
        if (found.papers.length < found.total) note.append(` (the first ${found.papers.length} shown)`);
        note.append(" ", button("Mark as seen", `Mark the lists seen up to ${found.to}`, async () => {
          try {
            await call("POST", "catchup/seen", { day: found.to });
            say(`The lists are marked seen up to ${found.to}`);
            loadCatchup();
          } catch (problem) {
            say(`Not marked: ${problem.message}`, "error");
          }
        }));
      }
      fill(node, found.papers, (p) =>
        `trended ${p.trended.slice(0, 4).join("; ")}${p.trended.length > 4 ? "; \u2026" : ""}`);
    } catch (problem) {
      node.querySelector(".desk-section-note").textContent = `Unavailable: ${problem.message}`;
    }
  }

  async function loadForYou() {
    const node = document.getElementById("desk-foryou");
    try {
      const found = await call("GET", "recommend?limit=10");
      node.querySelector(".desk-section-note").textContent = found.note ||
        `From the papers of ${found.from} to ${found.to}, most like your ${found.saved} saved papers.`;
      fill(node, found.papers, (p) => {
        const because = p.because || {};
        const near = because.saved_title ? `close to \u201c${because.saved_title}\u201d` : "";
        const words = (because.words || []).length ? `shares: ${because.words.join(", ")}` : "";
        return [near, words].filter(Boolean).join(" \u00b7 ");
      });
    } catch (problem) {
      node.querySelector(".desk-section-note").textContent = `Unavailable: ${problem.message}`;
    }
  }

  async function loadViewed() {
    const node = document.getElementById("desk-viewed");
    try {
      const found = await call("GET", "viewed?limit=30");
      node.querySelector(".desk-section-note").textContent = found.papers.length ?
        "The papers you opened in the browser, newest first." :
        "Nothing yet: turn on \u201cRemember the papers I open\u201d in the extension's options.";
      fill(node, found.papers.map((v) => ({ ...(v.paper || { id: v.id }), viewed_at: v.viewed_at })),
        (p) => `opened ${(p.viewed_at || "").replace("T", " ").slice(0, 16)}`);
    } catch (problem) {
      node.querySelector(".desk-section-note").textContent = `Unavailable: ${problem.message}`;
    }
  }

  async function search(q) {
    const node = document.getElementById("desk-results");
    if (!q) {
      node.hidden = true;
      return;
    }
    node.hidden = false;
    const note = node.querySelector(".desk-section-note");
    note.textContent = "Searching\u2026";
    try {
      const found = await call("GET", `search?q=${encodeURIComponent(q)}&per_page=20`);
      note.textContent = found.total ?
        `${found.total} papers match \u201c${q}\u201d${found.total > found.hits.length ?
          `; the best ${found.hits.length} shown` : ""}.` : `No paper matches \u201c${q}\u201d.`;
      fill(node, found.hits, () => "");
      const first = node.querySelector(".desk-item");
      if (first) select(first);
    } catch (problem) {
      note.textContent = `Search failed: ${problem.message}`;
    }
  }

  // ---- keys ----

  function select(item, focus = true) {
    if (current && current !== item) current.classList.remove("selected");
    current = item;
    item.classList.add("selected");
    if (focus) {
      item.focus();
      item.scrollIntoView({ block: "nearest" });
    }
  }

  function move(step) {
    const items = [...document.querySelectorAll(".desk-item")].filter((i) => i.offsetParent);
    if (!items.length) return;
    const at = items.indexOf(current);
    const next = at < 0 ? (step > 0 ? 0 : items.length - 1) :
      Math.min(items.length - 1, Math.max(0, at + step));
    select(items[next]);
  }

  function onKey(event) {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    const typing = event.target.closest?.("input, textarea, select");
    if (typing) {
      if (event.key === "Escape") {
        const form = typing.closest(".desk-tag-form, .desk-note-form");
        if (form) form.hidden = true;
        typing.blur();
        if (current) current.focus();
      }
      return;
    }
    const key = event.key;
    if (key === "/") {
      event.preventDefault();
      (document.getElementById("desk-q") || document.getElementById("site-q")).focus();
      return;
    }
    if (page && (key === "j" || key === "k")) {
      event.preventDefault();
      move(key === "j" ? 1 : -1);
      return;
    }
    const id = current?.dataset.id || current?.dataset.paper;
    if (!id) return;
    const box = current.querySelector(".desk-actions");
    const act = {
      s: () => toggle(id, "saved"),
      r: () => toggle(id, "read"),
      t: () => openTag(box),
      n: () => openNote(box),
      m: () => copy(id, "markdown"),
      b: () => copy(id, "bibtex"),
      o: () => current.querySelector("a.title")?.click(),
    }[key === "Enter" && event.target === current ? "o" : key];
    if (act) {
      event.preventDefault();
      act();
    }
  }
})();
