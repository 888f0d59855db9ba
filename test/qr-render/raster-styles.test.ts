import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { renderPng, type FinderStyle, type ModuleStyle, type QrDesign } from '../../src/qr/render/index.js';
import { createDecoder, type Decoder } from './support/decode.js';
import { pngLogoDataUrl, svgLogoDataUrl } from './support/fixtures.js';

// The PNG path draws every style itself (render/raster.ts): each module style × finder style,
// with and without a logo, at a size where cells are not whole pixels, must decode back.
const MODULES: ModuleStyle[] = ['square', 'rounded', 'dots'];
const FINDERS: FinderStyle[] = ['square', 'rounded', 'circle'];
const LOGOS: Record<string, string | undefined> = { 'no logo': undefined, 'PNG logo': pngLogoDataUrl, 'SVG logo': svgLogoDataUrl };
const PAYLOAD = 'https://example.com/c/3xK9pQz?utm_source=qr&utm_campaign=spring';

let decode: Decoder;
before(async () => {
  decode = await createDecoder();
});
after(() => decode.close());

describe('directly rasterised PNG styles decode back', { concurrency: true }, () => {
  for (const moduleStyle of MODULES) {
    for (const finderStyle of FINDERS) {
      for (const [logoName, logo] of Object.entries(LOGOS)) {
        test(`${moduleStyle} modules, ${finderStyle} finders, ${logoName}`, async () => {
          const design: QrDesign = { moduleStyle, finderStyle, foreground: '#1d3557', background: '#f1faee', ...(logo ? { logo } : {}) };
          for (const size of [512, 437]) {
            const png = renderPng(PAYLOAD, design, { size });
            assert.equal(png.readUInt32BE(16), size, 'PNG width');
            assert.equal(await decode.png(png), PAYLOAD, `${size} px`);
          }
        });
      }
    }
  }

  test('a cached logo raster is reused and the image stays the same', () => {
    const design: QrDesign = { moduleStyle: 'dots', finderStyle: 'circle', logo: pngLogoDataUrl };
    assert.ok(renderPng(PAYLOAD, design, { size: 300 }).equals(renderPng(PAYLOAD, design, { size: 300 })));
  });
});
