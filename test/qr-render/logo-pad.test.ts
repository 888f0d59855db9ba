import assert from 'node:assert/strict';
import { test } from 'node:test';
import { codewordMapAtH, versionHoldingAtH } from '../../src/qr/render/codeword-map.js';
import { hasCentreAlignment, largestSafePad } from '../../src/qr/render/logo-pad.js';
import { buildMatrixAtVersion } from '../../src/qr/render/matrix.js';

// ISO/IEC 18004 table 1: codewords per version.
const TOTAL_CODEWORDS = [
  26, 44, 70, 100, 134, 172, 196, 242, 292, 346, 404, 466, 532, 581, 655, 733, 815, 901, 991, 1085, 1156, 1258, 1364, 1474, 1588, 1706, 1828, 1921,
  2051, 2185, 2323, 2465, 2611, 2761, 2876, 3034, 3196, 3362, 3532, 3706,
];

const matrixAt = (version: number) => buildMatrixAtVersion('QR', 'H', version);

test('the codeword map places every codeword of every version, blocks of equal error correction', () => {
  for (let version = 1; version <= 40; version++) {
    const map = codewordMapAtH(matrixAt(version));
    assert.equal(map.blockOf.length, TOTAL_CODEWORDS[version - 1], `version ${version}`);
    const perBlock = new Array<number>(map.blocks).fill(0);
    for (const block of map.blockOf) perBlock[block]! += 1;
    assert.ok(Math.max(...perBlock) - Math.min(...perBlock) <= 1, `version ${version}: blocks differ by at most one data codeword`);
  }
});

test('logo pads stay within 20 % and leave every function pattern visible', () => {
  for (let version = 5; version <= 40; version++) {
    const matrix = matrixAt(version);
    const pad = largestSafePad(matrix, { mayCoverCentreAlignment: false });
    if (!pad) continue;
    const n = matrix.size;
    assert.ok(pad.size ** 2 <= 0.2 * n ** 2, `version ${version}: pad ${pad.size} of ${n}`);
    assert.equal((n - pad.size) % 2, 0, 'centred on the module grid');
    let hidden = 0;
    for (let y = pad.start; y < pad.start + pad.size; y++) {
      for (let x = pad.start; x < pad.start + pad.size; x++) hidden += matrix.reserved[y * n + x] ?? 0;
    }
    assert.equal(hidden, 0, `version ${version}: function modules under the pad`);
  }
});

test('versions whose middle alignment pattern a centred logo would hide', () => {
  const withCentre = Array.from({ length: 40 }, (_, i) => i + 1).filter(hasCentreAlignment);
  assert.deepEqual(withCentre, [7, 8, 9, 10, 11, 12, 13, 21, 22, 23, 24, 25, 26, 27, 35, 36, 37, 38, 39, 40]);
});

test('byte capacity at level H picks the smallest version that holds the payload', () => {
  assert.equal(versionHoldingAtH(7), 1);
  assert.equal(versionHoldingAtH(8), 2);
  assert.equal(versionHoldingAtH(1273), 40);
  assert.equal(versionHoldingAtH(1274), null);
});
