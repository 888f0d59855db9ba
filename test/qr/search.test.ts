import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { describeEachEngine } from '../support/app.js';
import { call, createUser, startQrApp, type QrTestApp } from './support.js';

// Search ignores accents and case on both engines: "lopez" finds "López" and "LÓPEZ" finds "lopez".

describeEachEngine('QR code search', (engine) => {
  let app: QrTestApp;
  let user: { id: string; token: string };
  before(async () => {
    app = await startQrApp(engine);
    user = await createUser(app, 'Ventas');
  });
  after(() => app.close());

  test('accents and case do not matter in name, folder, content; a rename is searched by its new name', async () => {
    const mk = (name: string, extra: Record<string, unknown>) => call(app, 'POST', '/codes', user.token, { kind: 'static', name, ...extra });
    const card = await mk('Tarjeta de María López', { content: { type: 'vcard', firstName: 'María', lastName: 'López' } });
    assert.equal(card.status, 201, card.text);
    await mk('Menú', { folder: 'Café Señorial', content: { type: 'text', text: 'Carta del día' } });
    await mk('Plain', { content: { type: 'text', text: 'nothing here' } });
    const names = async (q: string) => (await call(app, 'GET', `/codes?q=${encodeURIComponent(q)}`, user.token)).body.codes.map((c: { name: string }) => c.name).sort();
    assert.deepEqual(await names('lopez'), ['Tarjeta de María López']);
    assert.deepEqual(await names('LÓPEZ'), ['Tarjeta de María López']);
    assert.deepEqual(await names('maria'), ['Tarjeta de María López']);
    assert.deepEqual(await names('cafe senorial'), ['Menú'], 'folder, ñ folded to n');
    assert.deepEqual(await names('MENU'), ['Menú']);
    assert.deepEqual(await names('dia'), ['Menú'], 'content');
    assert.deepEqual(await names('50%'), [], 'like wildcards stay literal');
    const renamed = await call(app, 'PATCH', `/codes/${card.body.id}`, user.token, { name: 'Tarjeta de Ángel Núñez' });
    assert.equal(renamed.status, 200, renamed.text);
    assert.deepEqual(await names('angel nunez'), ['Tarjeta de Ángel Núñez']);
    assert.deepEqual(await names('lopez'), ['Tarjeta de Ángel Núñez'], 'the content still names López');
  });
});
