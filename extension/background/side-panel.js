/**
 * Offer the side panel on Gmail tabs only, and open it from the toolbar button.
 */

export const GMAIL_ORIGIN = "https://mail.google.com";
export const PANEL_PATH = "extension/panel/panel.html";

/** True for a URL on Gmail; tabs the extension has no host access to have no URL and are not. */
export function isGmailUrl(url) {
  if (!url) return false;
  try {
    return new URL(url).origin === GMAIL_ORIGIN;
  } catch {
    return false;
  }
}

export function createSidePanelPolicy({ sidePanel, tabs }) {
  /** Enable the panel for this tab when it shows Gmail, disable it otherwise. */
  function applyTo(tabId, url) {
    const enabled = isGmailUrl(url);
    const options = enabled ? { tabId, path: PANEL_PATH, enabled } : { tabId, enabled };
    return sidePanel.setOptions(options).catch(() => {}); // the tab may have closed meanwhile
  }

  /** Set the defaults once per worker start: off everywhere, toolbar button opens it. */
  async function install() {
    await sidePanel.setPanelBehavior({ openPanelOnActionClick: true });
    await sidePanel.setOptions({ enabled: false });
    const open = await tabs.query({ url: `${GMAIL_ORIGIN}/*` });
    await Promise.all(open.map((tab) => applyTo(tab.id, tab.url)));
  }

  /** tabs.onUpdated listener: re-decide when a tab's address changes. */
  function onTabUpdated(tabId, change, tab) {
    if (change.url !== undefined || change.status === "loading") applyTo(tabId, tab.url);
  }

  return { install, applyTo, onTabUpdated };
}
