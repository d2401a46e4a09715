// The popup's Trending tab: trending now (the documented score, with a link to how it is
// computed), the latest day's papers (Hugging Face's order) and the week's most upvoted, each
// under the heading the API gives, which says its order (as the site's pages).

import * as api from "./api.js";
import { paperRow } from "./render.js";

const LIMIT = 10;
const $ = (id) => document.getElementById(id);

function detail(item) {
  const parts = [];
  if (item.score != null) parts.push(`score ${item.score.toFixed(2)}`);
  if (item.period_upvotes) parts.push(`${item.period_upvotes}\u25b2`);
  if (item.best_rank) parts.push(`best HF #${item.best_rank}`);
  parts.push(`${item.lists} list${item.lists === 1 ? "" : "s"}`);
  if (item.days > 1) parts.push(`${item.days} days`);
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

/** Wire the tab; `show()` loads it the first time it is opened (and again after a failure). */
export function initTrending({ open }) {
  let loading = null;
  $("now-how").addEventListener("click", async () => {
    const { serverUrl } = await api.getSettings();
    await api.ext.tabs.create({ url: `${api.checkServerUrl(serverUrl)}/trending.html` });
  });
  async function show() {
    const note = $("trend-note");
    note.textContent = "Loading…";
    try {
      const [now, day, week] = await Promise.all([
        load("now", "trend-now", open),
        load("day", "trend-day", open),
        load("week", "trend-week", open),
      ]);
      $("day-date").textContent = day.date;
      $("week-dates").textContent = `${week.from} to ${week.to}`;
      note.textContent = now.papers.length || day.papers.length || week.papers.length ? "" :
        "Nothing has trended yet: import a listing, or run `paperboy import`.";
      performance.mark("paperboy:trending");
    } catch (problem) {
      note.textContent = [problem.message, problem.hint].filter(Boolean).join(" ");
      loading = null; // let the next visit try again
    }
  }
  return {
    show() {
      loading ??= show();
      return loading;
    },
  };
}
