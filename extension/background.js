// Background worker: a toolbar badge on tabs that show a known paper, and a context-menu search.

import * as api from "./api.js";

const ext = api.ext;
const MENU_ID = "paperboy-search";
const cache = new Map(); // tabId -> {url, badge, title}: one lookup per tab and URL

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

/** The badge for a lookup: the best trend rank ("#3"), or a check for a known paper. */
async function badgeFor(url) {
  try {
    const paper = await api.lookup(url);
    const rank = paper.trend?.best_rank;
    return { badge: rank ? `#${rank}` : "\u2713", title: `Paperboy: ${paper.title}` };
  } catch (problem) {
    // unknown pages and a stopped server both leave the toolbar quiet; the popup explains
    return { badge: "", title: problem.status === 404 ? "Paperboy: not in your archive" : "Paperboy" };
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
    await ext.action.setBadgeBackgroundColor({ tabId, color: "#b4480f" });
    await ext.action.setBadgeText({ tabId, text: entry.badge });
    await ext.action.setTitle({ tabId, title: entry.title });
  } catch {
    cache.delete(tabId); // the tab closed while we looked
  }
}

ext.tabs.onUpdated.addListener((tabId, change, tab) => {
  if (change.url) cache.delete(tabId);
  if (change.status === "complete" || change.url) mark(tabId, tab.url);
});
// the popup tells us what it found on a tab whose address we could not look up ourselves
ext.runtime.onMessage.addListener((message, sender) => {
  if (sender.id !== ext.runtime.id || message?.type !== "paper-shown") return;
  if (Number.isInteger(message.tabId)) mark(message.tabId, message.url, message.id);
});
ext.tabs.onRemoved.addListener((tabId) => cache.delete(tabId));
ext.storage.onChanged.addListener((changes, area) => {
  // another server may know other papers
  if (area === "local" && (changes.serverUrl || changes.token)) cache.clear();
});
