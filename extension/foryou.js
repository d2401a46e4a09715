// The popup's For you tab: the last listing days' papers most like your saved ones
// (GET /api/recommend), each with why it was picked: the words that weigh most in its score and
// the saved paper it is closest to. The tag selector (your tags, from GET /api/desk) learns from
// one tag's papers only; a row opens the paper's card.

import * as api from "./api.js";
import { sayProblem } from "./desk.js";
import { el, paperRow } from "./render.js";

const $ = (id) => document.getElementById(id);
const LIMIT = 10;

/** "because: words, words; close to <saved title>", from a pick's reasons. */
export function because(reasons = {}) {
  const parts = [];
  if (reasons.words?.length) parts.push(reasons.words.join(", "));
  if (reasons.saved) parts.push(`close to ${reasons.saved_title ?? reasons.saved}`);
  return parts.length ? `because: ${parts.join("; ")}` : "";
}

function option(value, label) {
  const node = el("option", "", label);
  node.value = value;
  return node;
}

/** Wire the tab; `show()` (re)loads the tags and the picks each time the tab is opened. */
export function initForYou({ open }) {
  const list = $("foryou-list");
  const note = $("foryou-note");
  const select = $("foryou-tag");
  let asked = 0; // the latest load: an older answer arriving late is dropped

  function tags(desk) {
    const chosen = select.value;
    const counts = desk.tags.filter(([tag]) => tag); // [[tag, count], ...], most used first
    select.replaceChildren(option("", `all your saved papers (${desk.papers.length})`),
      ...counts.map(([tag, count]) => option(tag, `${tag} (${count})`)));
    select.value = counts.some(([tag]) => tag === chosen) ? chosen : "";
  }

  function draw(found) {
    list.replaceChildren(...found.papers.map((item) => {
      const row = paperRow(item, { detail: because(item.because) });
      row.addEventListener("click", () => open(item.id));
      return row;
    }));
    note.dataset.kind = found.papers.length ? "ok" : "empty";
    if (!found.papers.length) {
      note.textContent = `No picks yet: ${found.note ?? "nothing on the lists is like your saved papers"}`;
      return;
    }
    const from = found.tag ? `your ${found.saved} papers tagged ${found.tag}` :
      `your ${found.saved} saved papers`;
    note.textContent = `Picked from ${found.candidates} papers of the last ${found.days} listing ` +
      `days (${found.from} to ${found.to}), learning from ${from}`;
  }

  async function load(withTags) {
    const mine = ++asked;
    note.dataset.kind = "loading";
    note.textContent = "Loading\u2026";
    try {
      if (withTags) {
        const desk = await api.desk();
        if (mine !== asked) return;
        tags(desk);
      }
      const found = await api.recommend({ tag: select.value, limit: LIMIT });
      if (mine !== asked) return;
      draw(found);
      performance.mark("paperboy:foryou");
    } catch (problem) {
      if (mine !== asked) return;
      list.replaceChildren();
      sayProblem(note, problem, "Papers for you are unavailable");
    }
  }

  select.addEventListener("change", () => load(false));
  return { show: () => load(true) };
}
