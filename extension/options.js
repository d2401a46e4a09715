// Options: the server URL and API token (storage.local: never synced), and a connection test.

import * as api from "./api.js";

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

load();
