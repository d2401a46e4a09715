// "Remember the papers I open" (off by default): the sites it watches, the permission to see
// them (asked for only when the user turns the option on), the setting, and recording a page.
// Which pages are papers is the server's call: every address on these sites is sent, and a
// page that is not a paper is refused there (400) and forgotten here.

import * as api from "./api.js";

const ext = api.ext;
/** The sites: the manifest's optional_host_permissions (it alone names them). */
export const ORIGINS = Object.freeze([...ext.runtime.getManifest().optional_host_permissions]);
const KEY = "rememberViewed";

/** Whether the option is on and the browser still grants the sites. */
export async function enabled() {
  const stored = await ext.storage.local.get(KEY);
  return stored[KEY] === true && (await ext.permissions.contains({ origins: ORIGINS }));
}

/**
 * Turn the option on: ask the browser for the sites. Call it straight from the click (a user
 * gesture; Firefox refuses a request made after an await). Resolves to whether it was granted;
 * only then is the choice stored.
 */
export function turnOn() {
  return ext.permissions.request({ origins: ORIGINS }).then(async (granted) => {
    if (granted) await ext.storage.local.set({ [KEY]: true });
    return granted;
  });
}

/** Turn the option off: forget the choice and give the sites back. */
export async function turnOff() {
  await ext.storage.local.set({ [KEY]: false });
  await ext.permissions.remove({ origins: ORIGINS });
}

/** Whether an address is on one of the sites (a match pattern's scheme and host, nothing more). */
function watched(url) {
  let parsed;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  return ORIGINS.some((origin) => {
    const [, scheme, host] = origin.match(/^(\w+):\/\/([^/]+)\//);
    if (parsed.protocol !== `${scheme}:`) return false;
    return host.startsWith("*.") ? parsed.hostname.endsWith(host.slice(1)) : parsed.hostname === host;
  });
}

/** Record a page the user opened, when the option is on; the server decides if it is a paper. */
export async function remember(url) {
  if (!url || !watched(url) || !(await enabled())) return;
  try {
    await api.recordViewed(url);
  } catch {
    // not a paper page (400), or no server or token: nothing to keep, nothing to say
  }
}
