import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { TSchema } from '@sinclair/typebox';
import { MESSAGES } from '../../src/messages.js';
import { translator, type Locale } from '../../src/platform/i18n.js';
import { CONTENT_SCHEMAS, CONTENT_TYPES, validateContent, type FieldError } from '../../src/qr/content/index.js';
import { localizeFormErrors } from '../../src/qr/form-errors.js';
import { contentFields, designFields } from '../../src/qr/form-views.js';
import { fieldHintKey, fieldLabelKey, fieldOptionKey, QR_MESSAGES_EN, QR_MESSAGES_ES, type QrFieldScope } from '../../src/qr/messages.js';
import { logoFromBytes, QrDesign } from '../../src/qr/render/index.js';
import { createUser, sessionCookie, startQrApp, type QrTestApp } from './support.js';

// Every field of every content type and of the design has its label, hint and choices in
// English and Spanish; the portal forms and their error messages use them.

interface Node {
  type?: string;
  title?: string;
  description?: string;
  properties?: Record<string, Node>;
  items?: Node;
  anyOf?: Array<{ const?: unknown }>;
}

/** The keys the form of one schema looks up, as form-views.ts walks it. */
function requiredKeys(scope: QrFieldScope, schema: TSchema): string[] {
  const keys: string[] = [];
  const walk = (node: Node, prefix: string) => {
    for (const [name, child] of Object.entries(node.properties ?? {})) {
      if (prefix === '' && name === 'type' && scope !== 'design') continue;
      const path = `${prefix}${name}`;
      keys.push(fieldLabelKey(scope, path));
      if (child.type === 'object') walk(child, `${path}.`);
      else if (child.type === 'array' && child.items?.type === 'object') walk(child.items, `${path}[0].`);
      else {
        if (child.description) keys.push(fieldHintKey(scope, path));
        if (child.anyOf?.every((o) => o.const !== undefined)) keys.push(...child.anyOf.map((o) => fieldOptionKey(scope, path, String(o.const))));
      }
    }
  };
  walk(schema as Node, '');
  return keys;
}

const ALL_KEYS = [...CONTENT_TYPES.flatMap((type) => requiredKeys(type, CONTENT_SCHEMAS[type])), ...requiredKeys('design', QrDesign)];
const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

describe('QR form texts', () => {
  test('every field of every content schema and of the design has a label, hint and choices in English and Spanish', () => {
    assert.ok(ALL_KEYS.length > 100, `walked ${ALL_KEYS.length} keys`);
    for (const locale of ['en', 'es'] as Locale[]) {
      const messages = MESSAGES[locale] as Record<string, string>;
      const missing = ALL_KEYS.filter((key) => !messages[key]?.trim());
      assert.deepEqual(missing, [], `${locale} lacks texts for these form fields`);
    }
  });

  test('the QR texts live in src/qr/messages.ts, and Spanish uses the same placeholders as English', () => {
    for (const [key, text] of Object.entries(QR_MESSAGES_EN)) {
      assert.equal(MESSAGES.en[key as keyof typeof QR_MESSAGES_EN], text);
      assert.deepEqual(placeholders(QR_MESSAGES_ES[key as keyof typeof QR_MESSAGES_EN]), placeholders(text), key);
    }
  });

  test('the Spanish forms show no English label, hint or choice of the schemas', () => {
    const t = translator(MESSAGES, 'es');
    for (const type of CONTENT_TYPES) {
      const page = String(contentFields(type, {}, [], t));
      for (const key of requiredKeys(type, CONTENT_SCHEMAS[type])) {
        const english = QR_MESSAGES_EN[key as keyof typeof QR_MESSAGES_EN];
        const spanish = QR_MESSAGES_ES[key as keyof typeof QR_MESSAGES_EN];
        if (english !== spanish) assert.ok(!page.includes(`>${english}<`) && !page.includes(`> ${english}<`), `${type} shows "${english}"`);
        assert.ok(page.includes(spanish), `${type} shows "${spanish}" (${key})`);
      }
    }
    const design = String(designFields({ foreground: '#eeeeee', quietZone: 1 }, false, [], t));
    for (const key of requiredKeys('design', QrDesign)) assert.ok(design.includes(QR_MESSAGES_ES[key as keyof typeof QR_MESSAGES_EN]), key);
    assert.match(design, /El contraste entre los colores es de 1\.\d:1/);
    assert.match(design, /Un margen de 1 es demasiado pequeño/);
    assert.doesNotMatch(design, /Contrast between|too small/);
  });

  test('validation messages of the QR library reach the Spanish form in Spanish', () => {
    const es = translator(MESSAGES, 'es');
    const en = translator(MESSAGES, 'en');
    const bad: unknown[] = [
      { type: 'url' },
      { type: 'url', url: 'ftp://example.com' },
      { type: 'url', url: 'https://user:pw@example.com' },
      { type: 'url', url: 'intranet' },
      { type: 'url', url: 'http://exa mple.com' },
      { type: 'text', text: '' },
      { type: 'text', text: 'x'.repeat(2001) },
      { type: 'wifi', ssid: 'Café', encryption: 'WPX' },
      { type: 'wifi', ssid: 'ÁÁÁÁÁÁÁÁÁÁÁÁÁÁÁÁÁÁÁÁÁ', encryption: 'WPA', password: 'short' },
      { type: 'wifi', ssid: 'Lab', encryption: 'WEP', password: 'abc' },
      { type: 'wifi', ssid: 'Lab', encryption: 'nopass', password: 'abc' },
      { type: 'email', to: 'not-an-address' },
      { type: 'sms', phone: 'call me' },
      { type: 'geo', latitude: 100, longitude: 'x' },
      { type: 'event', summary: 'Launch', start: '2025-05-01 18:00', end: '2025-05-01T17:00:00Z' },
      { type: 'event', summary: 'Launch', start: '2025-05-01T18:00:00Z', end: '2025-05-01T17:00:00Z' },
      { type: 'vcard', email: 'a@example.com', phones: [{ kind: 'mobile', number: '+34 600' }] },
      { type: 'vcard', firstName: 'Ana', url: 'mailto:a@example.com' },
      { type: 'text', text: 'ü'.repeat(2000) },
    ];
    for (const content of bad) {
      const result = validateContent(content);
      assert.equal(result.ok, false, JSON.stringify(content));
      if (result.ok) continue;
      const errors: FieldError[] = result.errors.map((e) => ({ path: e.path ? `c.${e.path}` : 'c.', message: e.message }));
      const spanish = localizeFormErrors(errors, { content }, es);
      spanish.forEach((error, i) => assert.notEqual(error.message, errors[i]!.message, `not translated: ${errors[i]!.message}`));
      // English keeps the library's wording, except that choices are named as the form names them.
      const english = localizeFormErrors(errors, { content }, en);
      english.forEach((error, i) => {
        if (!/must be one of/.test(error.message)) assert.equal(error.message, errors[i]!.message);
      });
    }
    const logo = logoFromBytes(Buffer.from('%PDF-1.4'));
    assert.equal(logo.ok, false);
    if (!logo.ok) assert.equal(localizeFormErrors([{ path: 'd.logo', message: logo.message }], {}, es)[0]!.message, 'El logotipo debe ser una imagen PNG, JPEG, WebP o SVG.');
    const choices = localizeFormErrors([{ path: 'c.encryption', message: 'x' }], { content: { type: 'wifi', ssid: 'Lab', encryption: 'WPX' } }, es);
    assert.equal(choices[0]!.message, 'El campo «Seguridad» debe ser uno de estos valores: WPA/WPA2/WPA3, WEP, Ninguna (red abierta).');
  });
});

describe('the QR code form in Spanish', () => {
  let app: QrTestApp;
  let cookie: string;

  before(async () => {
    app = await startQrApp('sqlite');
    const user = await createUser(app, 'Marketing');
    cookie = `${await sessionCookie(app, 'user', user.id)}; qrp_lang=es`;
  });
  after(async () => app?.close());

  test('shows Spanish labels, hints and choices, and Spanish errors after a bad submit', async () => {
    const page = await app.blanca.app.inject({ method: 'GET', url: '/codes/new?kind=static&type=wifi', headers: { cookie } });
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /<label for="f-c\.ssid">Nombre de la red<\/label>/);
    assert.match(page.body, /<option value="nopass">Ninguna \(red abierta\)<\/option>/);
    assert.match(page.body, /Márcalo si la red no emite su nombre\./);
    assert.match(page.body, /Color del primer plano/);
    assert.doesNotMatch(page.body, /Network name|Hidden network|Foreground colour/);

    const csrf = /name="_csrf" value="([^"]+)"/.exec(page.body)?.[1] ?? '';
    const userId = /name="userId" value="([^"]+)"/.exec(page.body)?.[1] ?? '';
    const body = new URLSearchParams({ _csrf: csrf, type: 'wifi', kind: 'static', userId, name: '', 'c.ssid': '', 'c.encryption': 'WPA' });
    const posted = await app.blanca.app.inject({ method: 'POST', url: '/codes', payload: body.toString(), headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' } });
    assert.equal(posted.statusCode, 400, posted.body.slice(0, 300));
    assert.match(posted.body, /Corrige lo siguiente/);
    assert.match(posted.body, /Escribe un nombre de 1 a 120 caracteres\./);
    assert.match(posted.body, /El campo «Nombre de la red» es obligatorio\./);
    assert.doesNotMatch(posted.body, /is required|Enter a name/);
  });
});
