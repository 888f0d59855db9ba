import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { encodeOpaquePng } from '../../src/qr/render/png-encode.js';
import { decodePngPixels } from './support/decode.js';

/** An opaque RGBA raster whose pixel colours come from `colourAt`, with runs of equal rows. */
function raster(width: number, height: number, colourAt: (x: number, y: number) => [number, number, number]): Buffer {
  const rgba = Buffer.alloc(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const [r, g, b] = colourAt(x, Math.floor(y / 3) * 3);
      rgba.set([r, g, b, 255], (y * width + x) * 4);
    }
  }
  return rgba;
}

const header = (png: Buffer) => ({ width: png.readUInt32BE(16), height: png.readUInt32BE(20), bitDepth: png[24], colourType: png[25] });

describe('encodeOpaquePng', () => {
  const cases: [string, (x: number, y: number) => [number, number, number], number, number][] = [
    ['2 colours: 1-bit palette', (x, y) => ((x + y) % 2 ? [0, 0, 0] : [255, 255, 255]), 1, 3],
    ['4 colours: 2-bit palette', (x, y) => [((x + y) % 4) * 60, 10, 20], 2, 3],
    ['16 colours: 4-bit palette', (x) => [(x % 16) * 15, 100, 200], 4, 3],
    ['200 colours: 8-bit palette', (x, y) => [(x + y * 37) % 200, 7, 9], 8, 3],
    ['hundreds of colours: RGB', (x, y) => [(x + y * 37) % 256, Math.floor((x + y * 37) / 256), 1], 8, 2],
  ];
  for (const [name, colourAt, bitDepth, colourType] of cases) {
    test(`${name}, odd width, decodes to the same pixels`, () => {
      const width = 37;
      const height = 23;
      const rgba = raster(width, height, colourAt);
      const png = encodeOpaquePng(rgba, width, height);
      assert.deepEqual(header(png), { width, height, bitDepth, colourType });
      assert.ok(decodePngPixels(png, width, height).equals(rgba));
    });
  }

  test('refuses transparent pixels: the caller must paint a background', () => {
    const rgba = raster(4, 4, () => [1, 2, 3]);
    rgba[3] = 0;
    assert.throws(() => encodeOpaquePng(rgba, 4, 4), /transparent/);
  });

  test('works on a buffer that is not 4-byte aligned', () => {
    const rgba = raster(5, 5, (x) => (x % 2 ? [0, 0, 0] : [255, 255, 255]));
    const unaligned = Buffer.alloc(rgba.length + 1).subarray(1);
    rgba.copy(unaligned);
    assert.ok(decodePngPixels(encodeOpaquePng(unaligned, 5, 5), 5, 5).equals(rgba));
  });
});
