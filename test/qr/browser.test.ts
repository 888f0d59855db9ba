import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import net from 'node:net';
import { after, before, test } from 'node:test';
import { Resvg } from '@resvg/resvg-js';
import { launchBrowser, type BrowserHandle } from '../support/browser.js';
import { OWNER_PASSWORD } from '../support/app.js';
import { call, createUser, PHONE_UA, startQrApp, zbar, type QrTestApp } from './support.js';

// End to end in Chromium: a dynamic code with a logo is created in the portal, downloaded
// and decoded with zbarimg, its destination edited, scanned, and the scan shows in the chart.

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const LOGO_SVG = '<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64"><circle cx="32" cy="32" r="30" fill="#e11d48"/></svg>';

let app: QrTestApp;
let browser: BrowserHandle;
let origin: string;

before(async () => {
  const port = await freePort();
  origin = `http://127.0.0.1:${port}`;
  app = await startQrApp('sqlite', { env: { PUBLIC_URL: origin }, qr: { scanFlushMs: 200 } });
  await createUser(app, 'Marketing');
  await app.blanca.app.listen({ port, host: '127.0.0.1' });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await app?.close();
});

test('create a dynamic code with a logo, download and decode it, edit its destination, see the scan in the chart', async () => {
  const logoPng = new Resvg(LOGO_SVG).render().asPng();
  const dir = await fs.mkdtemp('/tmp/blanca-browser-');
  await fs.writeFile(`${dir}/logo.png`, logoPng);
  const context = await browser.newContext();
  const page = await context.newPage();
  try {
    await page.goto(`${origin}/login`);
    await page.fill('#f-identifier', 'owner@example.com');
    await page.fill('#f-password', OWNER_PASSWORD);
    await Promise.all([page.waitForURL(/\/users$/), page.click('button[type=submit]:has-text("Sign in")')]);

    await page.goto(`${origin}/codes/new?kind=dynamic`);
    await page.fill('#f-name', 'Spring poster');
    await page.fill('[id="f-c.url"]', 'https://example.com/spring');
    await page.fill('[id="f-d.foreground"]', '#1e3a8a');
    await page.setInputFiles('[id="f-d.logo"]', `${dir}/logo.png`);
    await Promise.all([page.waitForURL(/\/codes\/[0-9a-f-]{36}$/), page.click('form.stack button[type=submit]')]);
    await page.getByText('QR code "Spring poster" was created.').waitFor();
    const shortUrl = (await page.locator('a code').first().textContent())!.trim();
    assert.match(shortUrl, new RegExp(`^${origin}/[1-9A-HJ-NP-Za-km-z]{7}$`));

    const [download] = await Promise.all([page.waitForEvent('download'), page.click('a:has-text("PNG 1024px")')]);
    const file = `${dir}/download.png`;
    await download.saveAs(file);
    assert.equal(await zbar(await fs.readFile(file), 'png'), shortUrl, 'the downloaded PNG decodes to the short link');
    const codeId = page.url().split('/').pop()!;
    const view = await call(app, 'GET', `/codes/${codeId}`, app.adminToken);
    assert.equal(view.body.hasLogo, true);

    await page.click('a.button:has-text("Edit")');
    await page.fill('[id="f-c.url"]', 'https://example.org/summer');
    await Promise.all([page.waitForURL(new RegExp(`/codes/${codeId}$`)), page.click('form.stack button[type=submit]')]);
    assert.equal(await page.locator('#destination').textContent(), 'https://example.org/summer');

    const scan = await context.request.get(shortUrl, { maxRedirects: 0, headers: { 'user-agent': PHONE_UA } });
    assert.equal(scan.status(), 302);
    assert.equal(scan.headers().location, 'https://example.org/summer', 'the edit applies at once');

    await page.click('a.button:has-text("Statistics")');
    let total = '0';
    for (let i = 0; i < 30 && total !== '1'; i++) {
      await page.waitForTimeout(200);
      await page.reload();
      total = (await page.locator('#total-scans').textContent()) ?? '0';
    }
    assert.equal(total, '1');
    assert.equal(await page.locator('figure.scan-chart').getAttribute('data-total'), '1');
    assert.equal(await page.locator('svg.chart rect.bar title', { hasText: ': 1' }).count(), 1, 'one bar of height 1 in the chart');
    assert.ok((await page.locator('table.breakdown').first().textContent())!.includes('mobile'));
  } finally {
    await context.close();
    await fs.rm(dir, { recursive: true, force: true });
  }
});
