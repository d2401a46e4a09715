// The paper card: title, authors, links, Hugging Face's signals (organisation, stars, comments,
// its summary and keywords, the server's copy of the thumbnail), your desk, trend badges with a
// sparkline, abstract, Markdown link and BibTeX to copy, similar papers. Math stays its TeX text.

import * as api from "./api.js";
import { renderDesk } from "./desk.js";
import {
  clone, el, fill, link, paperRow, safeHref, sparkline, starsText, upvoteSeries,
} from "./render.js";

const LINK_LABELS = { arxiv: "arXiv", pdf: "PDF", hf: "HF", code: "Code", project: "Project",
  doi: "DOI", page: "Page" };
const MAX_BADGES = 6;

/**
 * The card element for a paper detail; `open(id)` shows another paper, `back` goes back,
 * `changed(entry)` hears of each change to the paper's desk state.
 */
export function renderCard(paper, { open, back, changed } = {}) {
  const card = clone("card");
  const meta = [paper.published, paper.id, (paper.categories ?? []).join(" ")].filter(Boolean);
  fill(card, { title: paper.title, meta: meta.join(" \u00b7 "), abstract: paper.abstract });
  authors(card, paper.authors ?? []);
  links(card.querySelector(".links"), paper.links ?? {});
  signals(card, paper);
  trend(card, paper);
  abstract(card, paper.abstract);
  renderDesk(card, paper, { changed });
  copier(card, ".copy-markdown", markdownLink(paper), "Markdown link");
  copier(card, ".copy-bibtex", paper.bibtex ?? "", "BibTeX");
  if (back) {
    const button = card.querySelector(".back");
    button.hidden = false;
    button.addEventListener("click", back);
  }
  loadSimilar(card, paper.id, open);
  return card;
}

function authors(card, names) {
  const span = card.querySelector("[data-field=authors]");
  if (!names.length) {
    span.textContent = "Authors unknown";
    return;
  }
  span.textContent = names.slice(0, 3).join(", ");
  if (names.length <= 3) return;
  const more = card.querySelector(".more-authors");
  more.hidden = false;
  more.textContent = `+${names.length - 3} more`;
  more.addEventListener("click", () => {
    span.textContent = names.join(", ");
    more.hidden = true;
  });
}

function links(nav, map) {
  for (const [name, href] of Object.entries(map)) {
    const a = link(LINK_LABELS[name] ?? name, href);
    if (a) nav.append(a);
  }
}

/** Organisation, stars, comments, keywords and summary, as Hugging Face gave them; the thumbnail. */
function signals(card, paper) {
  const box = card.querySelector(".signals");
  const line = box.querySelector(".signal-line");
  const comments = Math.max(0, ...(paper.appearances ?? []).map((a) => a.comments ?? 0));
  const parts = [
    paper.org_name && el("span", "org", paper.org_name),
    starsText(paper.stars),
    comments && `${comments} comment${comments === 1 ? "" : "s"}`,
  ].filter(Boolean);
  parts.forEach((part, i) => line.append(...(i ? [" \u00b7 ", part] : [part])));
  if (paper.org_name) line.querySelector(".org").title = "The organisation on Hugging Face";
  const keywords = box.querySelector(".keywords");
  for (const word of (paper.hf_keywords ?? []).slice(0, 6)) keywords.append(el("li", "term", word));
  keywords.hidden = !keywords.children.length;
  const summary = box.querySelector(".hf-summary");
  fill(summary, { "hf-summary": paper.hf_summary });
  summary.hidden = !paper.hf_summary;
  box.hidden = !parts.length && keywords.hidden && summary.hidden;
  if (paper.thumbnail_local) showThumbnail(box, paper.thumbnail_local);
}

async function showThumbnail(box, path) {
  const src = await api.thumbnail(path);
  if (!src) return;
  const img = el("img", "thumb");
  img.alt = "";
  img.src = src; // an object URL of the server's own copy (CSP: img-src 'self' blob:)
  box.prepend(img);
  box.hidden = false;
}

function trend(card, paper) {
  const list = card.querySelector(".badges");
  const shown = [...(paper.appearances ?? [])]
    .sort((a, b) => b.date.localeCompare(a.date) || (a.rank ?? 999) - (b.rank ?? 999));
  for (const appearance of shown.slice(0, MAX_BADGES)) {
    const badge = el("li", "badge", appearance.badge);
    if (appearance.list.startsWith("hf-")) badge.classList.add("hf");
    list.append(badge);
  }
  if (shown.length > MAX_BADGES) list.append(el("li", "badge more", `+${shown.length - MAX_BADGES}`));
  if (!shown.length) list.append(el("li", "badge none", "Not seen on a list yet"));
  const series = upvoteSeries(paper.observations);
  const svg = sparkline(series.map((p) => p.upvotes));
  if (svg) {
    const first = series[0];
    const last = series.at(-1);
    const words = `Upvotes ${first.upvotes} on ${first.date} to ${last.upvotes} on ${last.date}`;
    svg.setAttribute("aria-label", words);
    const box = card.querySelector(".spark");
    box.title = words;
    box.append(el("span", "muted", "Upvotes"), svg, `${first.upvotes} \u2192 ${last.upvotes}\u25b2`);
  }
}

function abstract(card, text) {
  const box = card.querySelector(".abstract");
  const toggle = card.querySelector(".toggle-abstract");
  if (!text) {
    box.hidden = true;
    return;
  }
  toggle.addEventListener("click", () => {
    const open = box.classList.toggle("collapsed") === false;
    toggle.textContent = open ? "Show less" : "Show abstract";
    toggle.setAttribute("aria-expanded", String(open));
  });
}

/**
 * `[Title](https://arxiv.org/abs/ID)`: the title on one line, its brackets and backslashes
 * escaped so that it stays one link; the arXiv page, else the paper's own page or DOI.
 */
export function markdownLink(paper) {
  const title = (paper.title || paper.id).replace(/\s+/g, " ").trim().replace(/[\\[\]]/g, "\\$&");
  const links = paper.links ?? {};
  const href = [links.arxiv, links.page, links.doi].map(safeHref).find(Boolean);
  return href ? `[${title}](${href})` : title;
}

/** The button copies `text` to the clipboard, and says so (or shows the text to copy by hand). */
function copier(card, selector, text, what) {
  const button = card.querySelector(selector);
  const note = card.querySelector(".copied");
  const area = card.querySelector(".copy-text");
  button.disabled = !text;
  if (!text) button.title = `No ${what} for this paper`;
  button.addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText(text);
      area.hidden = true;
      note.textContent = `${what} copied ✓`;
    } catch {
      // clipboard refused (no focus or permission): show the text, selected, to copy by hand
      area.value = text;
      area.hidden = false;
      area.select();
      note.textContent = `Press Ctrl+C to copy the ${what}`;
    }
  });
}

async function loadSimilar(card, id, open) {
  const list = card.querySelector(".similar-list");
  const note = card.querySelector(".similar-note");
  note.textContent = "Finding similar papers…";
  try {
    const { similar } = await api.similar(id, 5);
    note.textContent = similar.length ? "" : "No similar papers in your archive yet.";
    for (const item of similar) {
      const terms = el("span", "terms");
      for (const term of item.shared_terms ?? []) terms.append(el("span", "term", term));
      const row = paperRow(item, { detail: terms });
      row.addEventListener("click", () => open?.(item.id));
      list.append(row);
    }
  } catch (problem) {
    note.textContent = `Similar papers unavailable: ${problem.message}`;
  }
}
