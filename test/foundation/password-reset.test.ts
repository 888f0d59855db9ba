import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { SMTPServer } from 'smtp-server';
import { describeEachEngine, OWNER_PASSWORD, startTestApp, type TestApp } from '../support/app.js';
import { PortalClient } from '../support/portal.js';

interface Received {
  to: string[];
  raw: string;
}

/** The text body of a received mail, decoded from whatever transfer encoding nodemailer chose. */
function bodyOf(raw: string): string {
  const [head = '', ...rest] = raw.split(/\r?\n\r?\n/);
  const body = rest.join('\n\n');
  if (/content-transfer-encoding:\s*base64/i.test(head)) return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
  if (/content-transfer-encoding:\s*quoted-printable/i.test(head)) {
    const bytes = body.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/gi, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
    return Buffer.from(bytes, 'latin1').toString('utf8');
  }
  return body;
}

describeEachEngine('forgot password by e-mail (real SMTP server on loopback)', (engine) => {
  let app: TestApp;
  let smtp: SMTPServer;
  let slug: string;
  const inbox: Received[] = [];
  const waiters: Array<() => void> = [];
  let nowMs = Date.parse('2026-12-04T12:00:00Z');
  const clock = { now: () => new Date(nowMs) };

  const nextMail = (count: number) =>
    new Promise<Received>((resolve) => {
      const check = () => (inbox.length >= count ? resolve(inbox[count - 1]!) : waiters.push(check));
      check();
    });

  before(async () => {
    smtp = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      onData(stream, session, callback) {
        const chunks: Buffer[] = [];
        stream.on('data', (chunk: Buffer) => chunks.push(chunk));
        stream.on('end', () => {
          inbox.push({ to: session.envelope.rcptTo.map((r) => r.address), raw: Buffer.concat(chunks).toString('utf8') });
          for (const wake of waiters.splice(0)) wake();
          callback();
        });
      },
    });
    await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
    const port = (smtp.server.address() as AddressInfo).port;
    app = await startTestApp(engine, { clock, env: { SMTP_URL: `smtp://127.0.0.1:${port}`, SMTP_FROM: 'qr@acme.example' } });
    slug = (await app.blanca.deps.db.selectFrom('accounts').select('slug').executeTakeFirstOrThrow()).slug;
  });
  after(async () => {
    await app.close();
    await new Promise<void>((resolve) => smtp.close(() => resolve()));
  });

  test('the sign-in page offers the link only when SMTP is configured', async () => {
    const page = await new PortalClient(app.blanca.app).get('/login');
    assert.match(page.body, /href="\/login\/forgot"/);
    const plain = await startTestApp(engine);
    try {
      const without = await new PortalClient(plain.blanca.app).get('/login');
      assert.doesNotMatch(without.body, /login\/forgot/);
      assert.equal((await new PortalClient(plain.blanca.app).get('/login/forgot')).status, 404);
    } finally {
      await plain.close();
    }
  });

  test('a mailed link sets a new password once, ends the sessions, and is audited', async () => {
    const signedIn = new PortalClient(app.blanca.app);
    assert.equal((await signedIn.signIn(app.ownerEmail, OWNER_PASSWORD)).status, 303);

    const client = new PortalClient(app.blanca.app);
    await client.get('/login/forgot');
    const known = await client.post('/login/forgot', { account: slug, email: app.ownerEmail });
    assert.equal(known.status, 200);
    await client.get('/login/forgot');
    const unknown = await client.post('/login/forgot', { account: slug, email: 'nobody@example.com' });
    assert.equal(unknown.status, 200);
    const strip = (body: string) => body.replace(/name="_csrf" value="[^"]+"/g, '').replace(/nonce="[^"]+"/g, '').replace(/owner@example\.com|nobody@example\.com/g, 'EMAIL');
    assert.equal(strip(known.body), strip(unknown.body), 'known and unknown people get the same page');

    const mail = await nextMail(1);
    assert.deepEqual(mail.to, [app.ownerEmail]);
    assert.match(mail.raw, /^Subject: Reset your password for Acme/im);
    assert.match(mail.raw, /^From: QR platform <qr@acme\.example>/im);
    const text = bodyOf(mail.raw);
    const link = /http:\/\/localhost:\d+(\/login\/reset\?token=[\w-]+)/.exec(text)?.[1];
    assert.ok(link, text);
    const stored = await app.blanca.deps.db.selectFrom('password_resets').select('token_hash').execute();
    assert.equal(stored.length, 1, 'a mail only for the person who exists');
    assert.ok(!link.includes(stored[0]!.token_hash), 'only a hash of the token is stored');

    const form = await client.get(link);
    assert.equal(form.status, 200);
    const token = /name="token" value="([^"]+)"/.exec(form.body)![1]!;
    const mismatch = await client.post('/login/reset', { token, password: 'brand-new-pass-1', confirm: 'other-pass-12345' });
    assert.equal(mismatch.status, 400);
    const done = await client.post('/login/reset', { token, password: 'brand-new-pass-1', confirm: 'brand-new-pass-1' });
    assert.equal(done.status, 200);
    assert.match(done.body, /password is changed/);

    assert.equal((await signedIn.get('/users')).status, 303, 'the old session ended');
    assert.equal((await new PortalClient(app.blanca.app).signIn(app.ownerEmail, OWNER_PASSWORD)).status, 401, 'old password refused');
    assert.equal((await new PortalClient(app.blanca.app).signIn(app.ownerEmail, 'brand-new-pass-1')).status, 303, 'new password works');

    const again = await client.get(link);
    assert.equal(again.status, 410, 'a used link shows it no longer works');
    await client.get('/login/forgot');
    const reuse = await client.post('/login/reset', { token, password: 'third-password-1', confirm: 'third-password-1' });
    assert.equal(reuse.status, 410, 'second use refused');
    assert.equal((await new PortalClient(app.blanca.app).signIn(app.ownerEmail, 'brand-new-pass-1')).status, 303, 'the second use changed nothing');

    const audit = await app.blanca.deps.db.selectFrom('audit_log').select(['action', 'actor_label']).where('action', '=', 'auth.password_reset').execute();
    assert.equal(audit.length, 1);
  });

  test('an expired link is refused', async () => {
    const client = new PortalClient(app.blanca.app);
    await client.get('/login/forgot');
    await client.post('/login/forgot', { account: slug, email: app.ownerEmail });
    const mail = await nextMail(2);
    const link = /(\/login\/reset\?token=[\w-]+)/.exec(bodyOf(mail.raw))![1]!;
    const token = link.split('=')[1]!;
    nowMs += 31 * 60_000;
    assert.equal((await client.get(link)).status, 410);
    await client.get('/login/forgot');
    const late = await client.post('/login/reset', { token, password: 'too-late-pass-1', confirm: 'too-late-pass-1' });
    assert.equal(late.status, 410);
    assert.equal((await new PortalClient(app.blanca.app).signIn(app.ownerEmail, 'brand-new-pass-1')).status, 303, 'password unchanged');
  });

  test('the mail speaks the person’s language', async () => {
    await app.blanca.deps.db.updateTable('subaccounts').set({ locale: 'es' }).where('email', '=', app.ownerEmail).execute();
    const client = new PortalClient(app.blanca.app);
    await client.get('/login/forgot');
    await client.post('/login/forgot', { account: slug, email: app.ownerEmail });
    const mail = await nextMail(3);
    assert.match(bodyOf(mail.raw), /Elige una contraseña nueva aquí/);
  });
});
