// The popup's search box: results as you type, highlights, arrow keys and Enter.

import * as api from "./api.js";
import { el, highlighted, paperRow } from "./render.js";

const DEBOUNCE_MS = 120;
const PER_PAGE = 8;
const $ = (id) => document.getElementById(id);

/** Wire the search box; `open(id)` shows a paper, `restore()` shows the tab that was open. */
export function initSearch({ open, restore, query = "" }) {
  const input = $("q");
  const list = $("results");
  const note = $("search-note");
  let timer = 0;
  let controller = null;
  let active = -1;

  function visible(on) {
    $("search").hidden = !on;
    input.setAttribute("aria-expanded", String(on));
    if (on) {
      for (const panel of document.querySelectorAll("main > [role=tabpanel]")) panel.hidden = true;
    } else {
      restore();
    }
  }

  function activate(index) {
    const rows = [...list.children];
    if (!rows.length) return;
    active = (index + rows.length) % rows.length;
    rows.forEach((row, i) => row.setAttribute("aria-selected", String(i === active)));
    input.setAttribute("aria-activedescendant", rows[active].id);
    rows[active].scrollIntoView({ block: "nearest" });
  }

  function choose(index) {
    const row = list.children[index];
    if (!row) return;
    input.value = "";
    visible(false);
    open(row.dataset.id);
  }

  function render(result) {
    active = -1;
    input.removeAttribute("aria-activedescendant");
    list.replaceChildren(...result.hits.map((hit, i) => hitRow(hit, i, choose)));
    const count = `${result.total} result${result.total === 1 ? "" : "s"}`;
    note.replaceChildren(count);
    if (result.suggestion) {
      const again = el("button", "link", result.suggestion);
      again.type = "button";
      again.addEventListener("click", () => {
        input.value = result.suggestion;
        run();
      });
      note.append(" · did you mean ", again, "?");
    }
    if (result.hits.length) activate(0);
  }

  async function run() {
    const q = input.value.trim();
    controller?.abort();
    if (!q) return;
    controller = new AbortController();
    note.textContent = "Searching…";
    try {
      render(await api.search(q, PER_PAGE, { signal: controller.signal }));
    } catch (problem) {
      if (problem.kind === "aborted") return;
      list.replaceChildren();
      note.textContent = [problem.message, problem.hint].filter(Boolean).join(" ");
    }
  }

  input.addEventListener("input", () => {
    clearTimeout(timer);
    const on = Boolean(input.value.trim());
    visible(on);
    if (on) timer = setTimeout(run, DEBOUNCE_MS);
    else {
      controller?.abort();
      list.replaceChildren();
      note.textContent = "";
    }
  });

  input.addEventListener("keydown", (event) => {
    const moves = { ArrowDown: 1, ArrowUp: -1 };
    if (event.key in moves) {
      event.preventDefault();
      activate(active + moves[event.key]);
    } else if (event.key === "Enter") {
      event.preventDefault();
      choose(active < 0 ? 0 : active);
    } else if (event.key === "Escape" && input.value) {
      event.preventDefault();
      input.value = "";
      input.dispatchEvent(new Event("input"));
    }
  });

  $("all-results").addEventListener("click", async () => {
    try {
      await api.ext.tabs.create({ url: await api.siteSearchUrl(input.value.trim()) });
    } catch (problem) {
      note.textContent = [problem.message, problem.hint].filter(Boolean).join(" ");
    }
  });

  if (query) {
    input.value = query;
    visible(true);
    run();
  }
  input.focus();
}

function hitRow(hit, index, choose) {
  const snippet = hit.snippet ?? { text: "", spans: [] };
  const detail = document.createDocumentFragment();
  if (snippet.start > 0) detail.append("… ");
  detail.append(highlighted(snippet.text, snippet.spans));
  if (snippet.truncated && !/[.!?]$/.test(snippet.text)) detail.append(" …");
  const row = paperRow(hit, { titleSpans: hit.title_spans, detail });
  row.id = `hit-${index}`;
  row.addEventListener("mousedown", (event) => event.preventDefault()); // keep focus in the box
  row.addEventListener("click", () => choose(index));
  return row;
}
