import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, test } from 'node:test';
import { launchBrowser, type BrowserHandle } from '../support/browser.js';
import { OWNER_PASSWORD } from '../support/app.js';
import { call, createUser, startQrApp, zbar, type QrTestApp } from './support.js';

// The portal's code form in Chromium: list rows (a vCard's phones) are optional one by one.

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

let app: QrTestApp;
let browser: BrowserHandle;
let origin: string;

before(async () => {
  const port = await freePort();
  origin = `http://127.0.0.1:${port}`;
  app = await startQrApp('sqlite', { env: { PUBLIC_URL: origin } });
  await createUser(app, 'Marketing');
  await app.blanca.app.listen({ port, host: '127.0.0.1' });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await app?.close();
});

test('a vCard with one phone number is created from the portal and decodes', async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  try {
    await page.goto(`${origin}/login`);
    await page.fill('#f-identifier', 'owner@example.com');
    await page.fill('#f-password', OWNER_PASSWORD);
    await Promise.all([page.waitForURL(/\/users$/), page.click('button[type=submit]:has-text("Sign in")')]);

    await page.goto(`${origin}/codes/new?kind=static&type=vcard`);
    assert.equal(await page.locator('[id="f-c.phones[0].number"]').isVisible(), true, 'one phone row shows');
    assert.equal(await page.locator('[id="f-c.phones[1].number"]').isVisible(), false, 'further rows wait behind "More rows"');
    await page.fill('#f-name', 'Ana card');
    await page.fill('[id="f-c.firstName"]', 'Ana');
    await page.fill('[id="f-c.lastName"]', 'López');
    await page.selectOption('[id="f-c.phones[0].kind"]', 'work');
    await page.fill('[id="f-c.phones[0].number"]', '+34 600 11 22 33');
    await Promise.all([page.waitForURL(/\/codes\/[0-9a-f-]{36}$/), page.click('form.stack button[type=submit]')]);
    const codeId = page.url().split('/').pop()!;
    const view = await call(app, 'GET', `/codes/${codeId}`, app.adminToken);
    assert.deepEqual(view.body.content.phones, [{ kind: 'work', number: '+34 600 11 22 33' }]);
    const png = await context.request.get(`${origin}/codes/${codeId}/image?format=png&size=512`);
    assert.equal(png.status(), 200);
    assert.match(await zbar(Buffer.from(await png.body()), 'png'), /TEL;TYPE=WORK:\+34600112233/);

    // Editing shows the saved row and one empty row; "More rows" opens the rest without script.
    await page.goto(`${origin}/codes/${codeId}/edit`);
    assert.equal(await page.locator('[id="f-c.phones[0].number"]').inputValue(), '+34 600 11 22 33');
    assert.equal(await page.locator('[id="f-c.phones[1].number"]').isVisible(), true);
    await page.click('summary:has-text("More rows")');
    assert.equal(await page.locator('[id="f-c.phones[2].number"]').isVisible(), true);
    // Emptying a row removes the phone.
    await page.fill('[id="f-c.phones[0].number"]', '');
    await page.fill('[id="f-c.phones[2].number"]', '+34 911 00 00 00');
    await Promise.all([page.waitForURL(new RegExp(`/codes/${codeId}$`)), page.click('form.stack button[type=submit]')]);
    const edited = await call(app, 'GET', `/codes/${codeId}`, app.adminToken);
    assert.deepEqual(edited.body.content.phones, [{ kind: 'cell', number: '+34 911 00 00 00' }]);
  } finally {
    await context.close();
  }
});
