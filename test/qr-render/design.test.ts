import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  checkContrast,
  effectiveErrorCorrection,
  logoFromBytes,
  parseLogo,
  renderPdf,
  renderPng,
  renderSvg,
  validateDesign,
} from '../../src/qr/render/index.js';
import { LOGO_PNG, LOGO_SVG, pngLogoDataUrl, svgLogoDataUrl } from './support/fixtures.js';

const svgDataUrl = (svg: string) => `data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}`;
const URL_PAYLOAD = 'https://example.com/spring?utm_source=qr';

describe('validateDesign', () => {
  test('an empty design is valid: every field has a default', () => {
    assert.deepEqual(validateDesign({}), { ok: true, design: {} });
  });

  test('field errors are readable and name the field', () => {
    const result = validateDesign({ foreground: 'red', quietZone: 12, moduleStyle: 'hearts', extra: true });
    assert.deepEqual(result.ok ? [] : result.errors, [
      { path: 'extra', message: '"extra" is not a field of this form.' },
      { path: 'foreground', message: 'Foreground colour must be a colour such as #000000.' },
      { path: 'quietZone', message: 'Quiet zone must be between 0 and 10.' },
      { path: 'moduleStyle', message: 'Module style must be one of: square, rounded, dots.' },
    ]);
  });

  const logoCases: [string, string, RegExp][] = [
    ['a remote URL', 'https://example.com/logo.png', /base64 data URL/],
    ['PNG bytes that are not a PNG', `data:image/png;base64,${Buffer.from('GIF89a....').toString('base64')}`, /not a valid image/],
    ['an SVG declared as a PNG', `data:image/png;base64,${Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>').toString('base64')}`, /not a valid image/],
    ['an SVG that links to a file', svgDataUrl('<svg xmlns="http://www.w3.org/2000/svg"><image href="/etc/logo.png"/></svg>'), /must not link/],
    ['an SVG with a CSS url()', svgDataUrl('<svg xmlns="http://www.w3.org/2000/svg"><rect style="fill:url(https://x.test/p)"/></svg>'), /must not link/],
    ['an SVG embedding another SVG', svgDataUrl(`<svg xmlns="http://www.w3.org/2000/svg"><image href="${svgLogoDataUrl}"/></svg>`), /must not link/],
    ['an SVG with a DOCTYPE', svgDataUrl('<!DOCTYPE svg [<!ENTITY x "y">]><svg xmlns="http://www.w3.org/2000/svg"/>'), /DOCTYPE/],
    ['an SVG with a script', svgDataUrl('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'), /scripts/],
    ['an SVG with an event handler', svgDataUrl('<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>'), /scripts/],
  ];
  for (const [name, logo, message] of logoCases) {
    test(`refuses a logo that is ${name}`, () => {
      const result = validateDesign({ logo });
      assert.equal(result.ok, false);
      assert.equal(result.ok ? '' : result.errors[0]?.path, 'logo');
      assert.match(result.ok ? '' : (result.errors[0]?.message ?? ''), message);
    });
  }

  test('accepts PNG and self-contained SVG logos, with embedded bitmaps', () => {
    assert.equal(validateDesign({ logo: pngLogoDataUrl }).ok, true);
    assert.equal(validateDesign({ logo: svgLogoDataUrl }).ok, true);
    const withBitmap = svgDataUrl(`<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"><image xlink:href="${pngLogoDataUrl}"/></svg>`);
    assert.equal(validateDesign({ logo: withBitmap }).ok, true);
  });
});

describe('logoFromBytes', () => {
  test('tells PNG, JPEG, WebP and SVG apart by content', () => {
    const png = logoFromBytes(LOGO_PNG);
    const svg = logoFromBytes(Buffer.from(LOGO_SVG));
    assert.equal(png.ok && png.logo.dataUrl, pngLogoDataUrl);
    assert.equal(svg.ok && svg.logo.dataUrl, svgLogoDataUrl);
    assert.deepEqual(logoFromBytes(Buffer.from('%PDF-1.4')), { ok: false, message: 'Logo must be a PNG, JPEG, WebP or SVG image.' });
    assert.equal(logoFromBytes(Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 0])).ok && 'jpeg', 'jpeg');
    const webp = logoFromBytes(Buffer.from('RIFF\x00\x00\x00\x00WEBPVP8 ', 'latin1'));
    assert.equal(webp.ok && webp.logo.format, 'webp');
  });

  test('notices text in SVG logos, which needs fonts to rasterise', () => {
    const result = parseLogo(svgDataUrl('<svg xmlns="http://www.w3.org/2000/svg"><text>B</text></svg>'));
    assert.equal(result.ok && result.logo.hasText, true);
  });
});

describe('checkContrast', () => {
  test('black on white is ideal', () => {
    assert.deepEqual(checkContrast({}), { ok: true, ratio: 21, warnings: [] });
  });

  test('warns about low contrast, inverted colours and a thin quiet zone', () => {
    const report = checkContrast({ foreground: '#f0f0f0', background: '#777777', quietZone: 1 });
    assert.equal(report.ok, false);
    assert.ok(report.ratio < 4);
    assert.deepEqual(
      report.warnings.map((warning) => warning.code),
      ['low_contrast', 'inverted', 'small_quiet_zone'],
    );
    assert.match(report.warnings[0]?.message ?? '', /^Contrast between the colours is \d\.\d:1/);
  });

  test('a dark brand colour on a light tint passes', () => {
    const report = checkContrast({ foreground: '#1d3557', background: '#f1faee' });
    assert.equal(report.ok, true);
    assert.ok(report.ratio > 10);
  });
});

describe('renderers', () => {
  test('a logo forces error correction H', () => {
    assert.equal(effectiveErrorCorrection({ errorCorrection: 'L', logo: pngLogoDataUrl }), 'H');
    assert.equal(effectiveErrorCorrection({ errorCorrection: 'L' }), 'L');
    assert.equal(effectiveErrorCorrection({}), 'M');
  });

  test('SVG is compact: one path for all modules, one for the finders, runs merged', () => {
    const svg = renderSvg(URL_PAYLOAD, {}, { size: 512 });
    assert.equal(svg.match(/<path/g)?.length, 2);
    assert.equal(svg.match(/<rect/g)?.length, 1, 'only the background is a rect');
    const runs = svg.match(/M/g)?.length ?? 0;
    assert.ok(runs < 300, `expected merged runs, got ${runs} shapes`);
    assert.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg" version="1\.1" width="512" height="512" viewBox="0 0 37 37">/);
  });

  test('the logo is an <image> on a clear pad of at most 20 % of the symbol', () => {
    const svg = renderSvg(URL_PAYLOAD, { logo: svgLogoDataUrl }, { size: 512 });
    const image = /<image x="([\d.]+)" y="([\d.]+)" width="([\d.]+)" height="([\d.]+)"[^>]*xlink:href="data:image\/svg\+xml;base64,/.exec(svg);
    assert.ok(image, 'logo image present');
    const dimension = Number(/viewBox="0 0 (\d+) \1"/.exec(svg)?.[1]);
    const symbol = dimension - 8;
    const padSide = Number(image[3]) + 2; // the image is inset one module on each side
    assert.ok(padSide ** 2 <= 0.2 * symbol ** 2, `pad ${padSide} of ${symbol}`);
    assert.ok(padSide >= 0.2 * symbol, 'logo still visible');
  });

  test('PNG has the requested size and a palette when the design has few colours', () => {
    const png = renderPng(URL_PAYLOAD, { foreground: '#1d3557' }, { size: 300 });
    assert.ok(png.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])));
    assert.equal(png.readUInt32BE(16), 300);
    assert.equal(png.readUInt32BE(20), 300);
    assert.equal(png[25], 3, 'palette colour type');
  });

  test('PDF page is the print size, drawn without fonts', async () => {
    const pdf = await renderPdf(URL_PAYLOAD, {}, { sizeMm: 50 });
    const text = pdf.toString('latin1');
    assert.ok(text.startsWith('%PDF-'));
    const points = (50 * 72) / 25.4;
    assert.match(text, new RegExp(`/MediaBox \\[0 0 ${points.toFixed(3).replace(/\.?0+$/, '').slice(0, 6)}`));
    assert.doesNotMatch(text, /\/Font/);
  });

  test('sizes outside the supported range are caller bugs', async () => {
    assert.throws(() => renderPng(URL_PAYLOAD, {}, { size: 16 }), RangeError);
    assert.throws(() => renderSvg(URL_PAYLOAD, {}, { size: 5000 }), RangeError);
    assert.throws(() => renderPdf(URL_PAYLOAD, {}, { sizeMm: 5 }), RangeError);
  });
});
