// The popup's Saved tab: your saved papers (GET /api/desk, newest saved first), narrowed as you
// type (title, id or tag, every word) and by a tag chip; a row opens the paper's card, or its
// arXiv page when your archive does not hold the paper yet.

import * as api from "./api.js";
import { offerTags, sayProblem } from "./desk.js";
import { el, paperRow } from "./render.js";

const $ = (id) => document.getElementById(id);
const ARXIV_ID = /^(\d{4}\.\d{4,5}|[a-z-]+(\.[A-Z]{2})?\/\d{7})$/;

/** Every word of the filter is in the paper's title, id or tags (any case). */
function matches(entry, words) {
  const text = [entry.paper?.title ?? "", entry.id, ...entry.tags].join("\n").toLowerCase();
  return words.every((word) => text.includes(word));
}

/** Tags of the saved papers with their counts, most used first. */
function tagCounts(papers) {
  const counts = new Map();
  for (const entry of papers) {
    for (const tag of entry.tags) counts.set(tag, (counts.get(tag) ?? 0) + 1);
  }
  return [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
}

function marks(entry) {
  const parts = [entry.read_at ? "read" : "unread", `saved ${(entry.saved_at ?? "").slice(0, 10)}`];
  if (entry.note) parts.push("has a note");
  return parts.join(" \u00b7 ");
}

/** Wire the tab; `show()` (re)loads the list each time the tab is opened. */
export function initSaved({ open }) {
  const list = $("saved-list");
  const note = $("saved-note");
  const filter = $("saved-filter");
  const chips = $("saved-tags");
  let papers = [];
  let chosen = ""; // the tag chip pressed, or "" for all
  let asked = 0; // the latest load: an older answer arriving late is dropped

  function row(entry) {
    const brief = entry.paper ?? { id: entry.id, title: `${entry.id} (not in your archive yet)` };
    const tags = el("span", "terms");
    for (const tag of entry.tags) tags.append(el("span", "term", tag));
    const item = paperRow(brief, { detail: tags, note: marks(entry) });
    item.addEventListener("click", () => {
      if (entry.paper) open(entry.id);
      else if (ARXIV_ID.test(entry.id)) api.ext.tabs.create({ url: `https://arxiv.org/abs/${entry.id}` });
    });
    return item;
  }

  function chip(label, tag) {
    const button = el("button", "chip", label);
    button.type = "button";
    button.dataset.tag = tag;
    button.setAttribute("aria-pressed", String(tag === chosen));
    button.addEventListener("click", () => {
      chosen = tag;
      draw();
    });
    return button;
  }

  function draw() {
    const counts = tagCounts(papers);
    if (!counts.some(([tag]) => tag === chosen)) chosen = "";
    chips.replaceChildren(...(counts.length ? [chip("All", "")] : []),
      ...counts.map(([tag, count]) => chip(`${tag} (${count})`, tag)));
    const words = filter.value.toLowerCase().split(/\s+/).filter(Boolean);
    const shown = papers.filter((entry) => (!chosen || entry.tags.includes(chosen)) &&
      matches(entry, words));
    list.replaceChildren(...shown.map(row));
    note.dataset.kind = "ok";
    if (!papers.length) note.textContent = "Nothing saved yet: press Save (s) on a paper's card.";
    else if (shown.length === papers.length) note.textContent = `${papers.length} saved`;
    else note.textContent = `${shown.length} of ${papers.length} saved papers shown`;
  }

  filter.addEventListener("input", draw);

  async function show() {
    const mine = ++asked;
    note.dataset.kind = "loading";
    note.textContent = "Loading\u2026";
    try {
      const desk = await api.desk();
      if (mine !== asked) return;
      papers = desk.papers;
      offerTags(desk.tags.map(([tag]) => tag));
      draw();
      performance.mark("paperboy:saved");
    } catch (problem) {
      if (mine !== asked) return;
      papers = [];
      list.replaceChildren();
      chips.replaceChildren();
      sayProblem(note, problem, "Your saved papers are unavailable");
    }
  }
  return { show };
}
