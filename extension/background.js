// Background worker: a toolbar badge on tabs that show a known paper (a star when you saved it),
// a context-menu search, and, when the user turned it on, remembering the papers opened.

import * as api from "./api.js";
import * as viewed from "./viewed.js";

const ext = api.ext;
const MENU_ID = "paperboy-search";
const cache = new Map(); // tabId -> {url, id, badge, color, title}: one lookup per tab and URL
const KNOWN = "#b4480f";
const SAVED = "#1a7f37";

ext.runtime.onInstalled.addListener(async () => {
  await api.ensureDefaults();
  await ext.contextMenus.removeAll();
  ext.contextMenus.create({
    id: MENU_ID,
    title: "Search Paperboy for '%s'",
    contexts: ["selection"],
  });
});

// a device still running an older version may sync the token into the account again
ext.runtime.onStartup.addListener(() => api.moveFromSync());

ext.contextMenus.onClicked.addListener((info) => {
  if (info.menuItemId !== MENU_ID || !info.selectionText) return;
  const query = info.selectionText.trim().slice(0, 200);
  ext.tabs.create({ url: ext.runtime.getURL(`popup.html?q=${encodeURIComponent(query)}`) });
});

/** Whether you saved the paper; without a token (or a desk) the badge stays the rank's. */
async function isSaved(id) {
  try {
    return Boolean((await api.paperDesk(id)).saved_at);
  } catch {
    return false; // the popup says what is wrong with the token
  }
}

/** The badge for a lookup: a star for a saved paper, else the best trend rank ("#3"), or a
 * check for a known paper. */
async function badgeFor(url) {
  try {
    const paper = await api.lookup(url);
    const id = paper.id;
    if (await isSaved(id)) {
      return { id, badge: "\u2605", color: SAVED, title: `Paperboy: saved \u00b7 ${paper.title}` };
    }
    const rank = paper.trend?.best_rank;
    return { id, badge: rank ? `#${rank}` : "\u2713", color: KNOWN, title: `Paperboy: ${paper.title}` };
  } catch (problem) {
    // unknown pages and a stopped server both leave the toolbar quiet; the tooltip says which
    const titles = { 400: "Paperboy: no paper on this page", 404: "Paperboy: not in your archive" };
    const title = titles[problem.status] ?? "Paperboy";
    return { id: null, badge: "", color: KNOWN, title };
  }
}

/** Badge a tab for its URL, or for `ref` (an id) when the popup found the paper in the page. */
async function mark(tabId, url, ref = url) {
  if (!url || !/^https?:/.test(url)) return;
  let entry = cache.get(tabId);
  if (entry?.url !== url || ref !== url) {
    entry = { url, ...(await badgeFor(ref)) };
    cache.set(tabId, entry);
  }
  try {
    await ext.action.setBadgeBackgroundColor({ tabId, color: entry.color });
    await ext.action.setBadgeText({ tabId, text: entry.badge });
    await ext.action.setTitle({ tabId, title: entry.title });
  } catch {
    cache.delete(tabId); // the tab closed while we looked
  }
}

// Tab events are handled one at a time, in order: a slow lookup cannot badge a tab after a newer
// one, and a tab's badge is set only once its page was remembered (or not).
let tabEvents = Promise.resolve();
ext.tabs.onUpdated.addListener((tabId, change, tab) => {
  tabEvents = tabEvents.then(() => tabChanged(tabId, change, tab)).catch(() => {});
});

async function tabChanged(tabId, change, tab) {
  if (change.url) cache.delete(tabId);
  if (change.status === "complete") await viewed.remember(tab.url);
  if (change.status === "complete" || change.url) await mark(tabId, tab.url);
}
// the popup tells us what it found on a tab whose address we could not look up ourselves
ext.runtime.onMessage.addListener((message, sender) => {
  if (sender.id !== ext.runtime.id) return;
  if (message?.type === "paper-shown" && Number.isInteger(message.tabId)) {
    mark(message.tabId, message.url, message.id);
  }
  if (message?.type === "desk-changed" && typeof message.id === "string") {
    // the popup saved or unsaved a paper: badge again every tab showing it
    const tabs = new Map([...cache].filter(([, entry]) => entry.id === message.id)
      .map(([tabId, entry]) => [tabId, entry.url]));
    if (Number.isInteger(message.tabId)) tabs.set(message.tabId, message.url);
    for (const [tabId, url] of tabs) mark(tabId, url, message.id);
  }
});
ext.tabs.onRemoved.addListener((tabId) => cache.delete(tabId));
ext.storage.onChanged.addListener((changes, area) => {
  // another server may know other papers
  if (area === "local" && (changes.serverUrl || changes.token)) cache.clear();
});
