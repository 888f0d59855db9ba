/**
 * Headless Chromium (Debian's /usr/bin/chromium via playwright-core) for end-to-end tests, plus
 * helpers for SimpleSAMLphp's login form.
 */
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { simpleSamlErrorFromHtml } from './simplesamlphp.js';

export interface BrowserHandle {
  browser: Browser;
  /** A page in a fresh context: its own cookies, so each page is a separate person. */
  newPage(): Promise<Page>;
  newContext(): Promise<BrowserContext>;
  close(): Promise<void>;
}

export async function launchBrowser(): Promise<BrowserHandle> {
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
    timeout: 30_000,
  });
  const newContext = async () => {
    const ctx = await browser.newContext();
    ctx.setDefaultTimeout(15_000);
    ctx.setDefaultNavigationTimeout(15_000);
    return ctx;
  };
  return {
    browser,
    newContext,
    async newPage() {
      const ctx = await newContext();
      const page = await ctx.newPage();
      page.once('close', () => void ctx.close().catch(() => undefined));
      return page;
    },
    async close() {
      await browser.close().catch(() => undefined);
    },
  };
}

/** Text of the SimpleSAMLphp error page the page shows (they answer HTTP 200), or null. */
export async function idpErrorOnPage(page: Page): Promise<string | null> {
  try {
    return simpleSamlErrorFromHtml(await page.content());
  } catch {
    return null; // page is navigating away: not an error page
  }
}

/**
 * Fills SimpleSAMLphp's username/password form (the page must be on, or heading to, it) and waits
 * until the browser has left the IdP (the auto-submitted POST to the SP's ACS has started).
 * Throws with SimpleSAMLphp's message on a wrong password or an IdP error page.
 */
export async function loginAtIdp(
  page: Page,
  username: string,
  password: string,
  opts: { timeoutMs?: number } = {},
): Promise<void> {
  const timeout = opts.timeoutMs ?? 15_000;
  const form = await page
    .waitForSelector('#username, #trackid', { timeout })
    .catch(async () => {
      throw new Error(`no IdP login form at ${page.url()}`);
    });
  if ((await form.getAttribute('id')) === 'trackid') {
    throw new Error(`IdP error page at ${page.url()}: ${(await idpErrorOnPage(page)) ?? 'unknown error'}`);
  }
  const idpOrigin = new URL(page.url()).origin;
  await page.fill('#username', username);
  await page.fill('#password', password);
  await Promise.all([page.waitForEvent('framenavigated', { timeout }), page.click('#submit_button')]);

  const deadline = Date.now() + timeout;
  while (Date.now() < deadline) {
    const url = new URL(page.url());
    if (url.origin !== idpOrigin) return;
    const error = await idpErrorOnPage(page);
    if (error) throw new Error(`IdP error page at ${url.href}: ${error}`);
    if (url.pathname.endsWith('/loginuserpass.php')) {
      const loginError = await page
        .locator('h2 + p strong')
        .first()
        .textContent({ timeout: 200 })
        .catch(() => null);
      if (loginError) throw new Error(`IdP login as ${username} failed: ${loginError.trim()}`);
    }
    await page.waitForTimeout(50);
  }
  throw new Error(`browser did not leave the IdP after login as ${username}; still at ${page.url()}`);
}
