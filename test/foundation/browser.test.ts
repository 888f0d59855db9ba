import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { OWNER_PASSWORD, startTestApp, type TestApp } from '../support/app.js';
import { launchBrowser, type BrowserHandle } from '../support/browser.js';

// The foundation scenario of the issue in a real Chromium: the owner creates the
// users of the article and a team leader for both; the team leader switches.
let app: TestApp;
let browser: BrowserHandle;
let base: string;

before(async () => {
  app = await startTestApp('sqlite');
  await app.blanca.app.listen({ port: 0, host: '127.0.0.1' });
  base = `http://127.0.0.1:${(app.blanca.app.server.address() as AddressInfo).port}`;
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await app?.close();
});

test('owner creates users and a team leader; the team leader switches between them', async () => {
  const page = await browser.newPage();
  await page.goto(`${base}/login`);
  await page.getByLabel('Email or user name').fill(app.ownerEmail);
  await page.getByLabel('Password').fill(OWNER_PASSWORD);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await page.waitForURL(`${base}/users`);

  for (const name of ['Marketing', 'Customer Service']) {
    await page.getByRole('link', { name: 'Create user' }).click();
    await page.getByLabel('Name', { exact: true }).fill(name);
    await page.getByRole('button', { name: 'Create' }).click();
    await page.waitForURL(`${base}/users`);
    await page.getByRole('cell', { name, exact: true }).waitFor();
  }

  await page.getByRole('link', { name: 'Accounts › Subaccounts' }).click();
  await page.getByRole('link', { name: 'Create subaccount' }).click();
  await page.getByLabel('Name', { exact: true }).fill('Lena Leader');
  await page.getByLabel('Email').fill('lena@example.com');
  await page.getByLabel('Role').selectOption('team_leader');
  await page.getByLabel('Password').fill('lena-password-1');
  await page.getByLabel('Marketing').check();
  await page.getByLabel('Customer Service').check();
  await page.getByRole('button', { name: 'Create' }).click();
  await page.waitForURL(`${base}/subaccounts`);
  const row = page.getByRole('row', { name: /Lena Leader/ });
  assert.match(await row.innerText(), /Team leader[\s\S]*Customer Service, Marketing/);

  const leader = await browser.newPage();
  await leader.goto(`${base}/login`);
  await leader.getByLabel('Email or user name').fill('lena@example.com');
  await leader.getByLabel('Password').fill('lena-password-1');
  // Keyboard only: Enter submits the form.
  await leader.getByLabel('Password').press('Enter');
  await leader.waitForURL(`${base}/users`);
  const switcher = leader.getByLabel('Work as user');
  assert.deepEqual(await switcher.locator('option').allInnerTexts(), ['Customer Service', 'Marketing']);
  await switcher.selectOption({ label: 'Marketing' });
  await leader.getByRole('button', { name: 'Switch' }).click();
  await leader.getByText('You are working as the user "Marketing".').waitFor();
  assert.match(await leader.locator('h1').innerText(), /Marketing/);
  await leader.getByLabel('Work as user').selectOption({ label: 'Customer Service' });
  await leader.getByRole('button', { name: 'Switch' }).click();
  await leader.getByText('You are working as the user "Customer Service".').waitFor();
  assert.match(await leader.locator('h1').innerText(), /Customer Service/);
  assert.equal(await leader.getByRole('link', { name: 'Account settings' }).count(), 0, 'a team leader has no account settings');
  await leader.screenshot({ path: '/tmp/blanca-team-leader.png' }).catch(() => undefined);
});
