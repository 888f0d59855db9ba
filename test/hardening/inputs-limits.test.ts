import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { AppError } from '../../src/platform/errors.js';
import { MAX_BODY_BYTES, MAX_CSV_CELL_CHARS, MAX_CSV_COLUMNS, MAX_CSV_ROWS, MAX_FIELD_INDEX, MAX_FIELD_NAME_LENGTH, MAX_FORM_FIELDS, MAX_JSON_DEPTH, MAX_UPLOAD_BYTES } from '../../src/platform/input-limits.js';
import { parseCsv } from '../../src/qr/csv.js';
import { unflatten } from '../../src/qr/form-input.js';
import { api, describeEachEngine, OWNER_PASSWORD, startTestApp, type TestApp } from '../support/app.js';
import { PortalClient } from '../support/portal.js';

// Issue 9 item 1: no input can stall the event loop. Every parser of request input is bounded,
// and going over a bound is a 400 (413 for sizes) that names the limit.

const refusal = (fn: () => unknown): AppError => {
  try {
    fn();
  } catch (error) {
    if (error instanceof AppError) return error;
    throw error;
  }
  assert.fail('expected a refusal');
};

describe('parsers refuse before they work', () => {
  test('the form unflattener refuses a huge index instead of walking a sparse array', () => {
    // Was: {"x[1000000000]": "y"} built an array of length 1e9 and compacting it froze the process.
    const error = refusal(() => unflatten({ url: 'https://example.com', 'x[1000000000]': 'y' }));
    assert.equal(error.status, 400);
    assert.match(error.fieldErrors[0]!.message, new RegExp(`from 0 to ${MAX_FIELD_INDEX}`));
    assert.equal(error.fieldErrors[0]!.path, 'x[1000000000]');
    assert.deepEqual(unflatten({ [`phones[${MAX_FIELD_INDEX}].number`]: '1' }), { phones: [{ number: '1' }] }, 'the largest index still works');
  });

  test('the form unflattener refuses long and deep names', () => {
    assert.match(refusal(() => unflatten({ ['a'.repeat(MAX_FIELD_NAME_LENGTH + 1)]: 'x' })).fieldErrors[0]!.message, new RegExp(`at most ${MAX_FIELD_NAME_LENGTH} characters`));
    assert.match(refusal(() => unflatten({ 'a.b.c.d.e': 'x' })).fieldErrors[0]!.message, /at most 4 parts/);
    assert.match(refusal(() => unflatten(Object.fromEntries(Array.from({ length: MAX_FORM_FIELDS + 1 }, (_, i) => [`f${i}`, 'x'])))).detail!, new RegExp(`At most ${MAX_FORM_FIELDS} fields`));
  });

  test('CSV parsing stops at the row, column and cell limits and at NUL', () => {
    const header = 'name,type,url\n';
    assert.equal(parseCsv(header + 'a,url,https://example.com\n'.repeat(MAX_CSV_ROWS)).length, MAX_CSV_ROWS + 1, 'exactly the limit is fine');
    assert.match(refusal(() => parseCsv(header + 'a,url,x\n'.repeat(MAX_CSV_ROWS + 1))).detail!, new RegExp(`At most ${MAX_CSV_ROWS} rows`));
    assert.match(refusal(() => parseCsv(`${Array.from({ length: MAX_CSV_COLUMNS + 1 }, (_, i) => `c${i}`).join(',')}\n`)).detail!, new RegExp(`At most ${MAX_CSV_COLUMNS} columns`));
    assert.equal(parseCsv(`a,${'x'.repeat(MAX_CSV_CELL_CHARS)}\n`)[0]![1]!.length, MAX_CSV_CELL_CHARS);
    assert.match(refusal(() => parseCsv(`a,"${'x'.repeat(MAX_CSV_CELL_CHARS + 1)}"\n`)).detail!, new RegExp(`at most ${MAX_CSV_CELL_CHARS} characters`));
    assert.match(refusal(() => parseCsv('name,type\nbad\u0000name,url\n')).detail!, /U\+0000/);
    for (const error of [refusal(() => parseCsv('\uFFFE')), refusal(() => parseCsv('a\n'.repeat(MAX_CSV_ROWS + 2)))]) assert.equal(error.fieldErrors[0]!.path, 'csv');
  });
});

describeEachEngine('request limits', (engine) => {
  let app: TestApp;
  let portal: PortalClient;
  let userId: string;
  before(async () => {
    app = await startTestApp(engine);
    userId = (await api(app, 'POST', '/users', app.adminToken, { name: 'Limits' })).body.id;
    portal = new PortalClient(app.blanca.app);
    assert.equal((await portal.signIn(app.ownerEmail, OWNER_PASSWORD)).status, 303);
  });
  after(() => app.close());

  test('a portal form field named c.x[1000000000] is refused at once with 400 naming the limit', async () => {
    await portal.get('/codes/new?kind=static&type=url');
    const response = await portal.post('/codes', { userId, kind: 'static', type: 'url', name: 'Sparse', 'c.url': 'https://example.com', 'c.x[1000000000]': 'y' });
    assert.equal(response.status, 400, 'was 303 after tens of seconds of work');
    assert.match(response.body, new RegExp(`indexes up to ${MAX_FIELD_INDEX}`));
    const codes = await api(app, 'GET', '/codes', app.adminToken);
    assert.equal(codes.body.total, 0, 'nothing was created');
  });

  test('bulk CSV: a column named with a huge index is refused once, for the file, before any row', async () => {
    const csv = `name,type,url,x[1000000000]\n${'a,url,https://example.com,y\n'.repeat(50)}`;
    const response = await api(app, 'POST', '/codes/bulk', app.adminToken, { userId, csv });
    assert.equal(response.status, 400, JSON.stringify(response.body));
    assert.equal(response.body.errors[0].path, 'csv');
    assert.match(response.body.errors[0].message, /x\[1000000000\].*Indexes in field names go from 0 to 99/);
  });

  test('bulk CSV over the row limit is refused with the limit named', async () => {
    const csv = `name,type,url\n${'a,url,https://example.com\n'.repeat(MAX_CSV_ROWS + 1)}`;
    const response = await api(app, 'POST', '/codes/bulk', app.adminToken, { userId, csv });
    assert.equal(response.status, 400);
    assert.match(response.body.errors[0].message, new RegExp(`At most ${MAX_CSV_ROWS} rows`));
  });

  test('form and query field counts and name lengths are bounded', async () => {
    await portal.get('/settings');
    const many = Object.fromEntries(Array.from({ length: MAX_FORM_FIELDS }, (_, i) => [`f${i}`, 'x']));
    const tooMany = await portal.post('/settings', { ...many, name: 'Acme' });
    assert.equal(tooMany.status, 400);
    assert.match(tooMany.body, new RegExp(`at most ${MAX_FORM_FIELDS} fields`));
    const longName = await portal.post('/settings', { name: 'Acme', ['n'.repeat(MAX_FIELD_NAME_LENGTH + 1)]: 'x' });
    assert.equal(longName.status, 400);
    assert.match(longName.body, new RegExp(`at most ${MAX_FIELD_NAME_LENGTH} characters`));

    const query = Array.from({ length: MAX_FORM_FIELDS + 1 }, (_, i) => `q${i}=1`).join('&');
    const listed = await api(app, 'GET', `/codes?${query}`, app.adminToken);
    assert.equal(listed.status, 400);
    assert.match(listed.body.errors[0].message, new RegExp(`At most ${MAX_FORM_FIELDS} fields`));
    const key = await api(app, 'PATCH', '/account', app.adminToken, { ['k'.repeat(MAX_FIELD_NAME_LENGTH + 1)]: 1 });
    assert.equal(key.status, 400);
    assert.match(key.body.errors[0].message, new RegExp(`at most ${MAX_FIELD_NAME_LENGTH} characters`));
  });

  test('JSON nesting is bounded', async () => {
    let deep: unknown = 'x';
    for (let i = 0; i < MAX_JSON_DEPTH + 1; i++) deep = [deep];
    const response = await api(app, 'PATCH', '/account', app.adminToken, { name: 'Acme', extra: deep });
    assert.equal(response.status, 400);
    assert.match(response.body.errors[0].message, new RegExp(`at most ${MAX_JSON_DEPTH} levels`));
    const huge = await app.blanca.app.inject({ method: 'PATCH', url: '/api/v1/account', headers: { authorization: `Bearer ${app.adminToken}`, 'content-type': 'application/json' }, payload: `{"x":${'['.repeat(200_000)}${']'.repeat(200_000)}}` });
    assert.equal(huge.statusCode, 400, 'a body nested 200 000 deep cannot overflow the stack');
  });

  test('bodies over the size limit are 413 naming the limit, API and portal alike', async () => {
    const json = await app.blanca.app.inject({ method: 'POST', url: '/api/v1/users', headers: { authorization: `Bearer ${app.adminToken}`, 'content-type': 'application/json' }, payload: JSON.stringify({ name: 'x'.repeat(MAX_BODY_BYTES) }) });
    assert.equal(json.statusCode, 413);
    assert.equal(json.json().code, 'payload_too_large');
    assert.match(json.json().detail, /over the limit of 1 MB/);

    await portal.get('/settings');
    const form = await portal.post('/settings', { name: 'x'.repeat(MAX_BODY_BYTES) });
    assert.equal(form.status, 413);
    assert.match(form.body, /larger than the limit of 1 MB/);
  });

  test('multipart uploads: a file over the limit is 413, too many files 400', async () => {
    await portal.get('/codes/bulk');
    const upload = (files: number, bytes: number) => {
      const boundary = 'blancaboundary';
      const parts = [`--${boundary}\r\nContent-Disposition: form-data; name="_csrf"\r\n\r\n${portal.csrf}\r\n`, `--${boundary}\r\nContent-Disposition: form-data; name="userId"\r\n\r\n${userId}\r\n`];
      for (let i = 0; i < files; i++) parts.push(`--${boundary}\r\nContent-Disposition: form-data; name="csv${i === 0 ? '' : i}"; filename="a.csv"\r\nContent-Type: text/csv\r\n\r\nname,type,url\n${'a'.repeat(bytes)}\r\n`);
      parts.push(`--${boundary}--\r\n`);
      return app.blanca.app.inject({ method: 'POST', url: '/codes/bulk', payload: parts.join(''), headers: { 'content-type': `multipart/form-data; boundary=${boundary}`, cookie: `qrp_session=${portal.cookie('qrp_session')}` } });
    };
    const big = await upload(1, MAX_UPLOAD_BYTES + 10);
    assert.equal(big.statusCode, 413, big.body.slice(0, 300));
    assert.match(big.body, /larger than the limit of 2 MB/);
    const three = await upload(3, 10);
    assert.equal(three.statusCode, 400, three.body.slice(0, 300));
  });
});
