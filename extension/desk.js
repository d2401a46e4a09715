// Your reading desk on a paper's card: save, tags (completed from the tags you use), read, a
// note. Each change is one POST through api.js, all or nothing, and its answer is drawn back;
// a refusal (a bad tag, the token, the server) is said in words under the controls.

import * as api from "./api.js";
import { el, fill } from "./render.js";

const NEEDS_OPTIONS = new Set(["offline", "bad-url", "token", "not-paperboy"]);
const known = new Set(); // every tag seen in this popup, for the completion list

/** Say a failure on `node`, after `what` failed, with Open Options when the settings are the cure. */
export function sayProblem(node, problem, what) {
  const message = problem instanceof api.ApiProblem ? problem.message : `Unexpected error: ${problem}`;
  node.dataset.kind = "error";
  node.replaceChildren(`${what}: ${message}`);
  if (problem.hint) node.append(" ", problem.hint);
  if (NEEDS_OPTIONS.has(problem.kind)) {
    const options = el("button", "link", "Open Options");
    options.type = "button";
    options.addEventListener("click", () => api.ext.runtime.openOptionsPage());
    node.append(" ", options);
  }
}

/** Offer these tags, after those offered before, in the tag box's completion list. */
export function offerTags(tags) {
  for (const tag of tags) known.add(tag);
  const options = [...known].map((tag) => {
    const option = document.createElement("option");
    option.value = tag;
    return option;
  });
  document.getElementById("tag-options").replaceChildren(...options);
}

/** Wire the card's desk section for a paper; `changed(entry)` hears of each change. */
export function renderDesk(card, paper, { changed } = {}) {
  const box = card.querySelector(".desk");
  const status = box.querySelector(".desk-status");
  const save = box.querySelector(".save");
  const read = box.querySelector(".read");
  const tagInput = box.querySelector(".tag-input");
  const noteText = box.querySelector(".note-text");
  const noteState = box.querySelector(".note-state");
  let entry = null;
  let busy = false;

  function say(kind, text) {
    status.dataset.kind = kind;
    status.textContent = text;
  }

  /** Show the state `next`; the note box keeps a draft unless `note` (the note was the change). */
  function draw(next, note = false) {
    const draft = entry !== null && noteText.value !== entry.note;
    entry = next;
    save.setAttribute("aria-pressed", String(Boolean(entry.saved_at)));
    read.setAttribute("aria-pressed", String(Boolean(entry.read_at)));
    fill(save, { "save-label": entry.saved_at ? "Saved \u2605 (unsave)" : "Save" });
    fill(read, { "read-label": entry.read_at ? "Read \u2713 (mark unread)" : "Mark read" });
    save.title = entry.saved_at ? `Saved ${entry.saved_at.slice(0, 10)}: press to unsave` :
      "Save to your library";
    box.querySelector(".tags").replaceChildren(...entry.tags.map(tagChip));
    if (note || !draft) {
      noteText.value = entry.note;
      noteState.textContent = entry.note_at ? `saved ${entry.note_at.slice(0, 10)}` : "";
    }
    offerTags(entry.tags);
  }

  function tagChip(tag) {
    const chip = el("li", "tag");
    const remove = el("button", "remove-tag link", "\u00d7");
    remove.type = "button";
    remove.setAttribute("aria-label", `Remove tag ${tag}`);
    remove.title = `Remove tag ${tag}`;
    remove.addEventListener("click", () => change({ remove_tags: [tag] }, `Tag removed: ${tag}`));
    chip.append(el("span", "tag-name", tag), remove);
    return chip;
  }

  /** POST one change; on success draw the state after and say `done`, else say why not. */
  async function change(body, done) {
    if (busy || !entry) return false;
    busy = true;
    box.setAttribute("aria-busy", "true");
    say("busy", "Saving\u2026");
    try {
      draw(await api.changeDesk(paper.id, body), "note" in body);
      say("ok", done);
      changed?.(entry);
      return true;
    } catch (problem) {
      sayProblem(status, problem, "Not changed");
      return false;
    } finally {
      busy = false;
      box.removeAttribute("aria-busy");
    }
  }

  async function addTag() {
    const tag = tagInput.value.trim();
    if (!tag) {
      say("error", "Type a tag first.");
      return;
    }
    // a tag files the paper: adding one saves it too, as `paperboy save ID --tag T`
    const body = entry?.saved_at ? { add_tags: [tag] } : { saved: true, add_tags: [tag] };
    const words = entry?.saved_at ? `Tagged ${tag}` : `Saved and tagged ${tag}`;
    if (await change(body, words)) tagInput.value = "";
  }

  function saveNote() {
    const note = noteText.value;
    return change({ note }, note.trim() ? "Note saved" : "Note removed");
  }

  save.addEventListener("click", () => {
    const saved = Boolean(entry?.saved_at);
    change({ saved: !saved }, saved ? "Removed from your library" : "Saved to your library");
  });
  read.addEventListener("click", () => {
    const wasRead = Boolean(entry?.read_at);
    change({ read: !wasRead }, wasRead ? "Marked unread" : "Marked read");
  });
  box.querySelector(".add-tag").addEventListener("click", addTag);
  box.querySelector(".save-note").addEventListener("click", saveNote);
  tagInput.addEventListener("keydown", (event) => {
    if (event.key === "Enter") {
      event.preventDefault();
      addTag();
    }
  });
  noteText.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      saveNote();
    }
  });
  noteText.addEventListener("input", () => {
    noteState.textContent = noteText.value === (entry?.note ?? "") ? "" : "not saved yet";
  });
  // Esc leaves a text box for the card, where the one-key shortcuts work again
  for (const field of [tagInput, noteText]) {
    field.addEventListener("keydown", (event) => {
      if (event.key !== "Escape") return;
      event.preventDefault();
      card.focus();
    });
  }

  say("loading", "Loading your desk\u2026");
  Promise.all([api.paperDesk(paper.id), api.desk()]).then(([found, desk]) => {
    offerTags(desk.tags.map(([tag]) => tag));
    draw(found);
    for (const control of box.querySelectorAll("button, input, textarea")) control.disabled = false;
    say("ready", "");
  }, (problem) => sayProblem(status, problem, "Your desk is unavailable"));
}
