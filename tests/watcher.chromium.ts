/**
 * Headless Chromium for the watcher's browser tests: Debian's /usr/bin/chromium driven
 * by playwright-core, with nothing that reaches the network on its own.
 */
import { chromium, type Browser, type Page } from 'playwright-core';

export const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
}

/** A UTC page the size of a laptop screen, so screenshots and time filters read the same everywhere. */
export function newPage(browser: Browser): Promise<Page> {
  return browser.newPage({ viewport: { width: 1400, height: 1000 }, timezoneId: 'UTC' });
}

/** Collects what a clean page must not produce: console errors, failed or refused requests, uncaught errors, dialogs. */
export function watchForProblems(page: Page): { problems: string[]; dialogs: string[] } {
  const problems: string[] = [];
  const dialogs: string[] = [];
  page.on('console', (m) => m.type() === 'error' && problems.push(`console: ${m.text()}`));
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('requestfailed', (r) => {
    // The event stream is cut when a test closes the page; that is not the page failing.
    if (!r.url().includes('/events') || !r.failure()?.errorText.includes('ABORTED')) problems.push(`failed: ${r.url()} ${r.failure()?.errorText}`);
  });
  page.on('response', (r) => r.status() >= 400 && problems.push(`HTTP ${r.status()} ${r.url()}`));
  page.on('dialog', (d) => {
    dialogs.push(d.message());
    void d.dismiss();
  });
  return { problems, dialogs };
}
