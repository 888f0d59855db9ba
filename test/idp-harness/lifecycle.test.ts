/**
 * The harness's own contract, without a browser: options, live reconfiguration, certificate
 * rollover stages, and that no php process or temp dir outlives stop() or the test process.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { simpleSamlErrorFromHtml, startSimpleSamlIdp } from '../support/simplesamlphp.js';

const b64 = (pem: string) => pem.replace(/-----[^-]+-----|\s/g, '');

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => resolve(typeof a === 'object' && a ? a.port : 0));
    });
  });
}

async function answers(url: string): Promise<boolean> {
  try {
    await fetch(url, { signal: AbortSignal.timeout(2_000) });
    return true;
  } catch {
    return false;
  }
}

describe('SimpleSAMLphp harness lifecycle', { timeout: 60_000 }, () => {
  it('honours port and entityId, reconfigures live, stages a rollover, and cleans up on stop()', async () => {
    const port = await freePort();
    const entityId = 'https://sts.windows.net/00000000-0000-4000-8000-000000000001/';
    const idp = await startSimpleSamlIdp({ port, entityId, users: [] });
    try {
      assert.equal(idp.port, port);
      assert.equal(idp.baseUrl, `http://127.0.0.1:${port}/simplesaml/`);
      let md = await idp.fetchMetadata();
      assert.match(md, /entityID="https:\/\/sts\.windows\.net\/00000000-0000-4000-8000-000000000001\/"/);

      // Unknown SP → an error page that answers 200; after addSp the same URL shows the login form.
      const url = idp.idpInitiatedUrl('urn:sp:one', '/x');
      let res = await fetch(url);
      assert.equal(res.status, 200);
      assert.match(simpleSamlErrorFromHtml(await res.text()) ?? '', /metadata not found/i);
      await idp.addSp({ entityId: 'urn:sp:one', acsUrl: 'http://127.0.0.1:9/acs', sloUrl: 'http://127.0.0.1:9/slo' });
      res = await fetch(url); // no cookie jar: ends on the login form or the "no cookie" page
      assert.equal(simpleSamlErrorFromHtml(await res.text()), null);
      assert.match(res.url, /\/simplesaml\/module\.php\/core\/(loginuserpass|no_cookie)\.php/);
      await idp.removeSp('urn:sp:one');
      assert.match(simpleSamlErrorFromHtml(await (await fetch(url)).text()) ?? '', /metadata not found/i);

      // Rollover in two stages: announce, then switch.
      const first = idp.certificatePem;
      const { newCertificatePem } = await idp.rotateCertificate({ signWithNew: false });
      assert.equal(idp.certificatePem, first, 'still signing with the old key');
      assert.deepEqual(idp.metadataCertificatesPem.map(b64).sort(), [first, newCertificatePem].map(b64).sort());
      md = await idp.fetchMetadata();
      assert.ok(md.includes(b64(first)) && md.includes(b64(newCertificatePem)));
      await idp.completeRotation({ keepOld: false });
      assert.equal(idp.certificatePem, newCertificatePem);
      md = await idp.fetchMetadata();
      assert.ok(md.includes(b64(newCertificatePem)));
      assert.ok(!md.includes(b64(first)), 'old certificate dropped');
    } finally {
      await idp.stop();
    }
    assert.equal(await answers(idp.metadataUrl), false, 'php is gone');
    assert.equal(existsSync(idp.workDir), false, 'temp dir removed');
    await idp.stop(); // idempotent
  });

  for (const ending of ['exit', 'SIGTERM'] as const) {
    it(`kills php and removes the temp dir when the test process ends (${ending}) without stop()`, async () => {
      const harness = fileURLToPath(new URL('../support/simplesamlphp.ts', import.meta.url));
      const script = `
        import { startSimpleSamlIdp } from ${JSON.stringify(harness)};
        const idp = await startSimpleSamlIdp({ users: [] });
        console.log(JSON.stringify({ url: idp.metadataUrl, dir: idp.workDir }));
        // Waits for the parent to look; then ends without stop().
        process.stdin.once('data', () => process.exit(0));
      `;
      const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
        stdio: ['pipe', 'pipe', 'inherit'],
      });
      try {
        const line = await new Promise<string>((resolve, reject) => {
          let out = '';
          child.stdout.on('data', (b: Buffer) => {
            out += b.toString();
            if (out.includes('\n')) resolve(out.split('\n')[0]!);
          });
          child.once('exit', (code) => reject(new Error(`child exited early (${code})`)));
          setTimeout(() => reject(new Error('child did not start the IdP in 20 s')), 20_000).unref();
        });
        const { url, dir } = JSON.parse(line) as { url: string; dir: string };
        assert.equal(await answers(url), true);
        if (ending === 'SIGTERM') child.kill('SIGTERM');
        else child.stdin.write('go\n');
        await new Promise((r) => (child.exitCode !== null || child.signalCode !== null ? r(null) : child.once('exit', r)));
        assert.equal(await answers(url), false, 'php outlived the test process');
        assert.equal(existsSync(dir), false, 'temp dir outlived the test process');
      } finally {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      }
    });
  }
});
