import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { OWNER_PASSWORD, startTestApp, type TestApp } from '../support/app.js';
import { launchBrowser, type BrowserHandle } from '../support/browser.js';

// Issue 9 item 7 in a real Chromium: the strict CSP blocks nothing of Blanca's own (styles apply,
// the language menu's script runs) and another site cannot frame a portal page (clickjacking).
let app: TestApp;
let browser: BrowserHandle;
let base: string;
let attacker: http.Server;
let attackerBase: string;

before(async () => {
  app = await startTestApp('sqlite');
  await app.blanca.app.listen({ port: 0, host: '127.0.0.1' });
  base = `http://127.0.0.1:${(app.blanca.app.server.address() as AddressInfo).port}`;
  // Another origin (localhost vs 127.0.0.1) that frames Blanca's pages.
  attacker = http.createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'text/html' }).end(`<!doctype html><iframe id="victim" src="${base}${req.url}"></iframe>`);
  });
  await new Promise<void>((resolve) => attacker.listen(0, '127.0.0.1', resolve));
  attackerBase = `http://localhost:${(attacker.address() as AddressInfo).port}`;
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await new Promise((resolve) => attacker?.close(resolve));
  await app?.close();
});

test('no CSP violation on Blanca pages; the brand styles and the language menu work', async () => {
  const page = await browser.newPage();
  const refused: string[] = [];
  page.on('console', (message) => {
    if (/Content Security Policy|Refused to/i.test(message.text())) refused.push(message.text());
  });
  await page.goto(`${base}/login`);
  const headerColour = await page.evaluate(() => getComputedStyle(document.querySelector('header.top')!).backgroundColor);
  assert.equal(headerColour, 'rgb(29, 78, 216)', 'the nonce-carrying stylesheet applied');
  await page.selectOption('#lang', 'es');
  await page.waitForFunction(() => document.documentElement.lang === 'es');
  await page.selectOption('#lang', 'en');
  await page.waitForFunction(() => document.documentElement.lang === 'en');
  await page.getByLabel('Email or user name').fill(app.ownerEmail);
  await page.getByLabel('Password').fill(OWNER_PASSWORD);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await page.waitForURL(`${base}/users`);
  for (const path of ['/codes', '/settings/sso', '/security', '/tokens']) await page.goto(`${base}${path}`);
  assert.deepEqual(refused, []);
});

test('another site cannot frame a portal page', async () => {
  const page = await browser.newPage();
  await page.goto(`${attackerBase}/login`);
  const frame = await (await page.waitForSelector('#victim')).contentFrame();
  assert.ok(frame);
  await frame.waitForLoadState('load');
  // A refused frame shows Chromium's own error document, never Blanca's form.
  assert.match(frame.url(), /^chrome-error:/, frame.url());
  assert.equal(await frame.$('form[action="/login"]'), null, 'the sign-in form is not rendered inside the frame');
});
