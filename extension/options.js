// Options: the server URL and API token (storage.local: never synced), a connection test,
// the digest, and "Remember the papers I open" (recently viewed).

import * as api from "./api.js";
import * as viewed from "./viewed.js";

const form = document.getElementById("settings");
const result = document.getElementById("result");

function values() {
  return {
    serverUrl: form.serverUrl.value.trim().replace(/\/+$/, "") || api.DEFAULTS.serverUrl,
    token: form.token.value.trim(),
  };
}

function report(state, text, hint = "") {
  result.dataset.state = state;
  result.textContent = text;
  if (hint) {
    const line = document.createElement("span");
    line.className = "hint";
    line.textContent = hint;
    result.append(line);
  }
}

async function load() {
  const settings = await api.getSettings();
  form.serverUrl.value = settings.serverUrl;
  form.token.value = settings.token;
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  const settings = values();
  try {
    api.checkServerUrl(settings.serverUrl);
  } catch (problem) {
    report("error", problem.message, problem.hint);
    return;
  }
  await api.saveSettings(settings);
  form.serverUrl.value = settings.serverUrl;
  report("ok", "Saved.");
});

/** Reach the server with the form's values (saved or not) and check the token too. */
document.getElementById("test").addEventListener("click", async () => {
  const settings = values();
  report("busy", `Testing ${settings.serverUrl}…`);
  try {
    const health = await api.health({ settings });
    const about = `Connected to Paperboy ${health.version}: ${health.papers} papers, ` +
      `newest list day ${health.latest_date ?? "none yet"}.`;
    if (!settings.token) {
      report("error", `${about} No API token yet.`, "Run `paperboy token` and paste it above.");
      return;
    }
    await api.checkToken({ settings });
    report("ok", `${about} Token accepted.`);
  } catch (problem) {
    report("error", problem.message, problem.hint);
  }
});

/** Subscribe to the digest through the configured server (the answer is the same for any address). */
const subscribeForm = document.getElementById("subscribe");
const subscribed = document.getElementById("subscribed");
subscribeForm.addEventListener("submit", async (event) => {
  event.preventDefault();
  const topics = subscribeForm.topics.value.split("\n").map((t) => t.trim()).filter(Boolean);
  subscribed.dataset.state = "busy";
  subscribed.textContent = "Sending…";
  try {
    const answer = await api.subscribe(
      subscribeForm.email.value.trim(), subscribeForm.frequency.value, topics, { settings: values() });
    subscribed.dataset.state = "ok";
    subscribed.textContent = answer.message;
  } catch (problem) {
    subscribed.dataset.state = "error";
    subscribed.textContent = [problem.message, problem.hint].filter(Boolean).join(" ");
  }
});

/** Recently viewed: the option (its permission asked for at the click), the count, clearing. */
const remember = document.getElementById("remember");
const viewedCount = document.getElementById("viewedCount");

function sayViewed(state, text) {
  viewedCount.dataset.state = state;
  viewedCount.textContent = text;
}

/** Say how many papers the list holds; `quiet`, a server or token problem is not said. */
async function countViewed(quiet = false) {
  try {
    const n = (await api.viewed(500)).papers.length;
    sayViewed("ok", n === 1 ? "Your list holds 1 paper." : `Your list holds ${n} papers.`);
  } catch (problem) {
    if (!quiet) sayViewed("error", [problem.message, problem.hint].filter(Boolean).join(" "));
  }
}

remember.addEventListener("change", () => {
  if (!remember.checked) {
    viewed.turnOff().then(() => sayViewed("ok", "Turned off: no more papers are noted."));
    return;
  }
  const asked = viewed.turnOn(); // now, in the click: the browser shows its prompt
  sayViewed("busy", "Asking your browser for access to those sites…");
  asked.then((granted) => {
    remember.checked = granted;
    if (granted) countViewed();
    else sayViewed("error", "Not turned on: the browser did not grant access to those sites.");
  }, (problem) => {
    remember.checked = false;
    sayViewed("error", `Not turned on: ${problem.message}`);
  });
});

document.getElementById("clearViewed").addEventListener("click", async () => {
  try {
    const { cleared } = await api.clearViewed();
    sayViewed("ok", `Cleared: ${cleared} ${cleared === 1 ? "paper" : "papers"} forgotten.`);
  } catch (problem) {
    sayViewed("error", [problem.message, problem.hint].filter(Boolean).join(" "));
  }
});

async function loadViewed() {
  remember.checked = await viewed.enabled();
  await countViewed(!remember.checked); // with the option off, say only what there is
}

load();
loadViewed();
