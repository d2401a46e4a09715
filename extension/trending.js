// The popup's Trending tab. It opens on "While you were away" (GET /api/catchup) when something
// trended after the last day you had seen: each paper once, most upvoted first, with where and
// when it trended, until you press Mark as seen. Otherwise, and then: "You are caught up" (the
// API's heading) over the usual lists: trending now (the documented score, with a link to how it
// is computed), the latest day's papers (Hugging Face's order), the week's most upvoted and the
// week's most starred (GitHub stars gained), each under the heading the API gives, which says its
// order (as the site's pages).

import * as api from "./api.js";
import { sayProblem } from "./desk.js";
import { el, paperRow } from "./render.js";

const LIMIT = 10;
const CATCHUP_LIMIT = 30;
const $ = (id) => document.getElementById(id);

function detail(item) {
  const parts = [];
  if (item.score != null) parts.push(`score ${item.score.toFixed(2)}`);
  if (item.period_upvotes) parts.push(`${item.period_upvotes}\u25b2`);
  if (item.best_rank) parts.push(`best HF #${item.best_rank}`);
  parts.push(`${item.lists} list${item.lists === 1 ? "" : "s"}`);
  if (item.days > 1) parts.push(`${item.days} days`);
  if (item.stars != null) {
    parts.push(`\u2605${item.stars}${item.stars_gained ? ` (+${item.stars_gained})` : ""}`);
  }
  return parts.join(" \u00b7 ");
}

async function load(period, listId, open) {
  const result = await api.trending(period, LIMIT);
  const rows = result.papers.map((item) => {
    const row = paperRow(item, { detail: detail(item) });
    row.addEventListener("click", () => open(item.id));
    return row;
  });
  $(listId).replaceChildren(...rows);
  $(`${period}-heading`).textContent = result.heading;
  return result;
}

/** A catch-up row: its best upvotes and rank, each day and list it was on, and a saved mark. */
function catchupRow(item, open) {
  const summary = [];
  if (item.best_upvotes) summary.push(`${item.best_upvotes}\u25b2 at most`);
  if (item.best_rank) summary.push(`best HF #${item.best_rank}`);
  summary.push(`${item.days} day${item.days === 1 ? "" : "s"}`);
  const lines = el("span", "trended");
  lines.append(el("span", "summary", summary.join(" \u00b7 ")));
  const badges = el("ul", "badges");
  badges.setAttribute("aria-label", "Where it trended");
  for (const line of item.trended) badges.append(el("li", "badge", line));
  lines.append(badges);
  const row = paperRow(item, { detail: lines, note: item.saved ? "\u2605 saved" : "" });
  row.dataset.saved = String(Boolean(item.saved));
  row.addEventListener("click", () => open(item.id));
  return row;
}

/**
 * Wire the tab; `show()` asks for the catch-up each time the tab is opened and loads the usual
 * lists the first time they are shown (again after a failure); `peek()` only puts the number of
 * unseen papers on the tab's label.
 */
export function initTrending({ open }) {
  let lists = null;
  let asked = 0; // the latest catch-up asked for the tab: an older answer arriving late is dropped
  let tickets = 0; // every catch-up asked, for the label: only the newest answer labels the tab
  let labelled = 0;
  let shownTo = null; // the last day of the catch-up on screen: Mark as seen marks up to it
  const note = $("catchup-note");
  const markSeen = $("mark-seen");

  $("now-how").addEventListener("click", async () => {
    const { serverUrl } = await api.getSettings();
    await api.ext.tabs.create({ url: `${api.checkServerUrl(serverUrl)}/trending.html` });
  });

  /** The label of the tab: how many papers trended since you last looked, if any. */
  function label(result) {
    const unseen = result.caught_up ? 0 : result.total;
    const mark = $("trending-unseen");
    mark.hidden = !unseen;
    mark.textContent = unseen ? String(unseen) : "";
    mark.title = unseen ? `${unseen} paper${unseen === 1 ? "" : "s"} trended since you last looked` : "";
  }

  async function ask(limit) {
    const ticket = ++tickets;
    const result = await api.catchup(limit);
    if (ticket > labelled) {
      labelled = ticket;
      label(result);
    }
    return result;
  }

  async function loadLists() {
    const trendNote = $("trend-note");
    trendNote.textContent = "Loading\u2026";
    try {
      const [now, day, week, starred] = await Promise.all([
        load("now", "trend-now", open),
        load("day", "trend-day", open),
        load("week", "trend-week", open),
        load("starred", "trend-starred", open),
      ]);
      $("starred-heading").parentElement.hidden = !starred.papers.length;
      $("trend-starred").hidden = !starred.papers.length;
      $("day-date").textContent = day.date;
      $("week-dates").textContent = `${week.from} to ${week.to}`;
      trendNote.textContent = now.papers.length || day.papers.length || week.papers.length ? "" :
        "Nothing has trended yet: import a listing, or run `paperboy import`.";
      performance.mark("paperboy:trending");
    } catch (problem) {
      trendNote.textContent = [problem.message, problem.hint].filter(Boolean).join(" ");
      lists = null; // let the next visit try again
    }
  }

  function showLists() {
    $("catchup").hidden = true;
    $("trend-lists").hidden = false;
    lists ??= loadLists();
    return lists;
  }

  function showCatchup(result) {
    shownTo = result.to;
    $("catchup-heading").textContent = result.heading;
    $("catchup-list").replaceChildren(...result.papers.map((item) => catchupRow(item, open)));
    $("catchup-shown").textContent = result.papers.length < result.total ?
      `the ${result.papers.length} most upvoted of ${result.total}` : "";
    markSeen.disabled = false;
    $("trend-lists").hidden = true;
    $("catchup").hidden = false;
    performance.mark("paperboy:catchup");
  }

  async function show() {
    const mine = ++asked;
    note.dataset.kind = "loading";
    note.textContent = "Looking for what trended while you were away\u2026";
    let result;
    try {
      result = await ask(CATCHUP_LIMIT);
    } catch (problem) {
      if (mine !== asked) return;
      sayProblem(note, problem, "While you were away is unavailable");
      return showLists();
    }
    if (mine !== asked) return;
    if (!result.caught_up) {
      note.dataset.kind = "ok";
      note.textContent = "";
      return showCatchup(result);
    }
    note.dataset.kind = "caught-up";
    note.textContent = result.heading;
    return showLists();
  }

  markSeen.addEventListener("click", async () => {
    markSeen.disabled = true;
    note.dataset.kind = "busy";
    note.textContent = "Marking as seen\u2026";
    try {
      // up to the last day shown, so that a day that came in meanwhile stays unseen
      await api.markSeen(shownTo);
    } catch (problem) {
      sayProblem(note, problem, "Not marked as seen");
      markSeen.disabled = false;
      return;
    }
    await show();
  });

  return {
    show,
    /** Ask for the catch-up's size only, for the tab's label; a failure is said in the tab. */
    async peek() {
      try {
        await ask(1);
      } catch {
        // the tab says what went wrong when it is opened
      }
    },
  };
}
