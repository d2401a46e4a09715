// The popup: the paper on this page (or on ?url= / ?tab=), or what to do when Paperboy lacks it.

import * as api from "./api.js";
import { renderCard } from "./card.js";
import { initForYou } from "./foryou.js";
import { el, fill } from "./render.js";
import { initSaved } from "./saved.js";
import { initSearch } from "./search.js";
import { initTrending } from "./trending.js";

const $ = (id) => document.getElementById(id);
const KIND_LABELS = {
  "hf-page": "Hugging Face papers page", "hf-api": "Hugging Face daily papers data",
  "arxiv-list": "arXiv listing", "arxiv-search": "arXiv search results", "arxiv-rss": "arXiv feed",
};
const NEEDS_OPTIONS = new Set(["offline", "bad-url", "token", "not-paperboy"]);
const TABS = ["page", "trending", "saved", "foryou"];

let target = { url: "", tabId: null };
let pagePaper = null; // the id of the paper on the target page, once found
const shown = []; // ids of the cards shown, the current one last

/** Show a message in the page panel, with optional action buttons; hides the card. */
function setStatus(kind, headline, hint = "", actions = []) {
  const status = $("status");
  status.dataset.kind = kind;
  status.hidden = false;
  fill(status, { headline, hint });
  status.querySelector(".actions").replaceChildren(...actions);
  $("card-slot").replaceChildren();
  performance.mark(`paperboy:status:${kind}`);
}

function button(label, onClick, className = "") {
  const node = el("button", className, label);
  node.type = "button";
  node.addEventListener("click", onClick);
  return node;
}

/** Show a failure in words, with the ways out: Options and Try again. */
function showProblem(problem, retry = showPage) {
  const actions = [button("Try again", retry)];
  if (NEEDS_OPTIONS.has(problem.kind)) {
    actions.unshift(button("Open Options", () => api.ext.runtime.openOptionsPage(), "primary"));
  }
  const message = problem instanceof api.ApiProblem ? problem.message : `Unexpected error: ${problem}`;
  setStatus(`error-${problem.kind ?? "unexpected"}`, message, problem.hint ?? "", actions);
}

/** Replace the panel with a paper's card. */
function showCard(paper) {
  if (shown.at(-1) !== paper.id) shown.push(paper.id);
  const back = shown.length > 1 ? goBack : null;
  const card = renderCard(paper, { open: openPaper, back, changed: deskChanged });
  $("status").hidden = true;
  $("card-slot").replaceChildren(card);
  performance.mark("paperboy:card");
}

/** The card of the paper on the target page; the background worker badges the tab. */
function showPageCard(paper) {
  pagePaper = paper.id;
  showCard(paper);
  if (target.tabId === null) return;
  const note = { type: "paper-shown", tabId: target.tabId, url: target.url, id: paper.id };
  api.ext.runtime.sendMessage(note).catch(() => {}); // no worker awake: the badge can wait
}

/** Tell the background worker, so that the badges of the tabs showing the paper follow. */
function deskChanged(entry) {
  const note = { type: "desk-changed", id: entry.id };
  if (entry.id === pagePaper && target.tabId !== null) {
    Object.assign(note, { tabId: target.tabId, url: target.url });
  }
  api.ext.runtime.sendMessage(note).catch(() => {}); // no worker awake: it looks again on load
}

async function openPaper(id) {
  selectTab("page");
  setStatus("loading", "Loading…");
  try {
    showCard(await api.paper(id));
  } catch (problem) {
    showProblem(problem, () => openPaper(id));
  }
}

function goBack() {
  shown.pop();
  const id = shown.pop();
  if (id) openPaper(id);
}

/** The URL and tab the popup is about: ?url=, else ?tab=, else the active tab. */
async function resolveTarget(params) {
  const tabId = params.has("tab") ? Number(params.get("tab")) : null;
  if (params.get("url")) return { url: params.get("url"), tabId };
  if (tabId !== null) return { url: (await api.ext.tabs.get(tabId)).url ?? "", tabId };
  const [tab] = await api.ext.tabs.query({ active: true, currentWindow: true });
  return { url: tab?.url ?? "", tabId: tab?.id ?? null };
}

/** Look the page up; when Paperboy lacks it, read the page and offer to add or import it. */
async function showPage() {
  shown.length = 0;
  setStatus("loading", "Looking up this page…");
  if (!target.url) {
    setStatus("none", "Paperboy cannot see this tab's address.",
      "Open the popup from the toolbar on the paper's tab, or search above.");
    return;
  }
  try {
    showPageCard(await api.lookup(target.url));
  } catch (problem) {
    if (problem.kind === "api" && [400, 404].includes(problem.status)) await describe(problem);
    else showProblem(problem);
  }
}

async function describe(notFound) {
  const knownId = notFound.status === 404 ? notFound.id : null;
  let page = null;
  let unreadable = "";
  if (target.tabId !== null) {
    setStatus("loading", "Reading this page…");
    try {
      page = await readAndParse();
    } catch (problem) {
      if (problem instanceof api.ApiProblem && problem.kind !== "api") return showProblem(problem);
      unreadable = problem.message ?? String(problem);
    }
  }
  if (page && (page.appearances > 0 || page.papers > 1)) return offerListing(page);
  const id = knownId ?? (page?.papers === 1 ? page.ids[0] : null);
  if (id && !knownId) {
    try {
      return showPageCard(await api.lookup(id));
    } catch (problem) {
      if (problem.status !== 404) return showProblem(problem);
    }
  }
  if (id) return offerAdd(id, page, unreadable);
  setStatus("none", "No paper on this page.",
    "Paperboy knows paper pages (arXiv, Hugging Face, alphaXiv, ar5iv…) and listings. Search your archive above.");
}

/** The page's HTML, parsed by the server without storing: {kind, papers, appearances, ids, html}. */
async function readAndParse() {
  const [injection] = await api.ext.scripting.executeScript({
    target: { tabId: target.tabId },
    func: () => document.documentElement.outerHTML,
  });
  const html = injection?.result;
  if (typeof html !== "string") throw new Error("the page gave no HTML");
  try {
    return { ...(await api.parsePage(target.url, html)), html };
  } catch (problem) {
    if (problem.kind === "api" && problem.status === 422) return null;
    throw problem;
  }
}

function offerAdd(id, page, unreadable) {
  if (!page) {
    const why = unreadable ? `Paperboy could not read this page (${unreadable}).` :
      "Open the paper's page in a tab and press Add this page there.";
    setStatus("unknown", "Not in your archive", `${id}: ${why}`);
    return;
  }
  const add = button("Add this page", () => store(page, add, "Adding…", afterAdd), "primary");
  setStatus("unknown", "Not in your archive", `${id} is not stored yet. Add it from this page.`, [add]);
}

function offerListing(page) {
  const label = KIND_LABELS[page.kind] ?? page.kind;
  const words = `${page.papers} paper${page.papers === 1 ? "" : "s"}`;
  const go = button(`Import this listing (${words})`, () => store(page, go, "Importing…", afterImport),
    "primary");
  setStatus("listing", `${label}${page.date ? ` · ${page.date}` : ""}`,
    `Paperboy does not have this listing yet: ${words}, ${page.appearances} list entries.`, [go]);
}

async function store(page, control, busy, then) {
  control.disabled = true;
  control.textContent = busy;
  try {
    await then(await api.ingest(target.url, page.html));
  } catch (problem) {
    showProblem(problem, showPage);
  }
}

async function afterAdd(result) {
  if (!result.papers.length) {
    setStatus("error-empty", "Paperboy found no paper on this page.",
      result.problems.map((p) => p.reason).join("; "));
    return;
  }
  showPageCard(await api.paper(result.papers[0]));
}

function afterImport(result) {
  const problems = result.problems.length ? `; ${result.problems.length} items skipped` : "";
  setStatus("imported", `Imported ${result.papers.length} papers`,
    `${result.papers_new} new, ${result.appearances_new} new list entries${problems}.`,
    [button("Show trending", () => selectTab("trending"))]);
}

const trending = initTrending({ open: openPaper });
const saved = initSaved({ open: openPaper });
const forYou = initForYou({ open: openPaper });

function selectTab(name) {
  for (const tab of TABS) {
    $(`tab-${tab}`).setAttribute("aria-selected", String(tab === name));
    $(tab).hidden = tab !== name;
  }
  $("search").hidden = true;
  if (name === "trending") trending.show();
  if (name === "saved") saved.show();
  if (name === "foryou") forYou.show();
}

/**
 * One-key shortcuts, only while the focus is not in a text box: the key presses the button on
 * screen whose aria-keyshortcuts names it (and shows it in a <kbd>), or focuses that box.
 */
function shortcut(event) {
  if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey) return;
  if (event.key.length !== 1 || event.target.closest?.("input, textarea, select, [contenteditable]")) {
    return;
  }
  const control = [...document.querySelectorAll("[aria-keyshortcuts]")].find((node) =>
    node.getAttribute("aria-keyshortcuts") === event.key && node.checkVisibility());
  if (!control) return;
  event.preventDefault();
  if (control.matches("input, textarea")) control.focus();
  else if (!event.repeat) control.click();
}

async function main() {
  const params = new URLSearchParams(location.search);
  for (const tab of TABS) $(`tab-${tab}`).addEventListener("click", () => selectTab(tab));
  document.addEventListener("keydown", shortcut);
  $("open-options").addEventListener("click", () => api.ext.runtime.openOptionsPage());
  initSearch({ open: openPaper, query: params.get("q") ?? "", restore: () => selectTab(
    TABS.find((tab) => $(`tab-${tab}`).getAttribute("aria-selected") === "true") ?? "page") });
  try {
    target = await resolveTarget(params);
  } catch (problem) {
    setStatus("none", "Paperboy cannot see this tab.", String(problem.message ?? problem));
    return;
  }
  await showPage();
}

// the popup opens on This page; once that is shown, the Trending tab's label says how many
// papers trended since you last looked (the tab itself opens on them)
main().finally(() => trending.peek());
