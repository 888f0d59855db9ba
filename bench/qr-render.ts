// Blanca's renderers against the qrcode package's own, on the same uncached payloads.
// Run: node --import tsx bench/qr-render.ts
import { Resvg } from '@resvg/resvg-js';
import QRCode from 'qrcode';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { renderPng, renderSvg, type QrDesign } from '../src/qr/render/index.js';

const PAYLOADS = Array.from(
  { length: 50 },
  (_, i) => `https://example.com/c/${(i * 7919).toString(36)}?utm_source=qr&utm_campaign=spring-${2025 + (i % 3)}&item=${i}`,
);
const ROUNDS = 4;
const ROUND_MS = 500;

type Task = (payload: string) => unknown;

/** ops/s over alternating rounds, so drift on a shared machine hits both sides alike. */
async function compare(name: string, blanca: Task, qrcode: Task): Promise<void> {
  const totals = { blanca: { ops: 0, ms: 0 }, qrcode: { ops: 0, ms: 0 } };
  for (const task of [blanca, qrcode]) for (const payload of PAYLOADS.slice(0, 5)) await task(payload); // warm-up
  for (let round = 0; round < ROUNDS; round++) {
    for (const [side, task] of [['blanca', blanca], ['qrcode', qrcode]] as const) {
      let ops = 0;
      const start = performance.now();
      while (performance.now() - start < ROUND_MS) {
        await task(PAYLOADS[ops % PAYLOADS.length] as string);
        ops++;
        // Native buffers are released by finalisers that only run between event-loop turns.
        if (ops % 10 === 0) await yieldToEventLoop();
      }
      totals[side].ops += ops;
      totals[side].ms += performance.now() - start;
    }
  }
  const rate = (side: keyof typeof totals) => (totals[side].ops / totals[side].ms) * 1000;
  const ratio = rate('blanca') / rate('qrcode');
  console.log(`${name.padEnd(42)} blanca ${rate('blanca').toFixed(0).padStart(6)} ops/s   qrcode ${rate('qrcode').toFixed(0).padStart(6)} ops/s   ratio ${ratio.toFixed(2)}×`);
}

const logoSvg =
  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100 100"><rect width="100" height="100" rx="20" fill="#e63946"/>' +
  '<path d="M30 25h25a15 15 0 0 1 0 30H30zM30 55h28a15 15 0 0 1 0 30H30z" fill="#fff"/></svg>';
const logoPng = new Resvg(logoSvg, { fitTo: { mode: 'width', value: 128 } }).render().asPng();
const styledWithLogo: QrDesign = {
  foreground: '#1d3557',
  background: '#f1faee',
  moduleStyle: 'rounded',
  finderStyle: 'circle',
  logo: `data:image/png;base64,${logoPng.toString('base64')}`,
};

console.log(`node ${process.version}, ${PAYLOADS.length} payloads, ${ROUNDS}×${ROUND_MS} ms per side and case\n`);
await compare('PNG 512 px (default design)', (p) => renderPng(p, {}, { size: 512 }), (p) => QRCode.toBuffer(p, { width: 512 }));
await compare('SVG (default design)', (p) => renderSvg(p, {}, { size: 512 }), (p) => QRCode.toString(p, { type: 'svg' }));
const styledWithoutLogo: QrDesign = { ...styledWithLogo, logo: undefined };
delete styledWithoutLogo.logo;
await compare('PNG 512 px styled, no logo (goal 400/s)', (p) => renderPng(p, styledWithoutLogo, { size: 512 }), (p) => QRCode.toBuffer(p, { width: 512 }));
await compare('PNG 512 px styled + PNG logo (goal 150/s)', (p) => renderPng(p, styledWithLogo, { size: 512 }), (p) => QRCode.toBuffer(p, { width: 512 }));
