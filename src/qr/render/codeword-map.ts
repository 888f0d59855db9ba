import type { ModuleMatrix } from './matrix.js';

// ISO/IEC 18004 table 9 at level H, versions 1-40: number of Reed-Solomon blocks, and
// error-correction codewords over all blocks. Level H is the only one a logo is drawn on.
const H_BLOCKS = [
  1, 1, 2, 4, 4, 4, 5, 6, 8, 8, 11, 11, 16, 16, 18, 16, 19, 21, 25, 25, 25, 34, 30, 32, 35, 37, 40, 42, 45, 48, 51, 54, 57, 60, 63, 66, 70,
  74, 77, 81,
];
const H_EC_CODEWORDS = [
  17, 28, 44, 64, 88, 112, 130, 156, 192, 224, 264, 308, 352, 384, 432, 480, 532, 588, 650, 700, 750, 816, 900, 960, 1050, 1110, 1200, 1260,
  1350, 1440, 1530, 1620, 1710, 1800, 1890, 1980, 2100, 2220, 2310, 2430,
];

// Bytes each version holds at level H in byte mode (ISO/IEC 18004 table 7).
const H_BYTE_CAPACITY = [
  7, 14, 24, 34, 44, 58, 64, 84, 98, 119, 137, 155, 177, 194, 220, 250, 280, 310, 338, 382, 403, 439, 461, 511, 535, 593, 625, 658, 698, 742,
  790, 842, 898, 958, 983, 1051, 1093, 1139, 1219, 1273,
];

/**
 * The smallest version that surely holds this many UTF-8 bytes at level H. Cheaper than
 * letting qrcode find out, which builds and masks a whole symbol; denser modes qrcode may
 * pick can only make the payload smaller. Null when no version does.
 */
export function versionHoldingAtH(bytes: number): number | null {
  const index = H_BYTE_CAPACITY.findIndex((capacity) => capacity >= bytes);
  return index === -1 ? null : index + 1;
}

export interface CodewordMap {
  /** Per module: index of the codeword it belongs to, or -1 (function pattern, remainder bit). */
  codewordOf: Int32Array;
  /** Per codeword: the Reed-Solomon block it belongs to. */
  blockOf: Uint16Array;
  blocks: number;
  /** Wrong codewords each block can still repair: half its error-correction codewords. */
  correctable: number;
}

/**
 * Which codeword and which Reed-Solomon block every module of a level-H symbol carries:
 * the standard's zigzag placement over the non-function modules, and its interleaving
 * of data and error-correction codewords across blocks.
 */
export function codewordMapAtH(matrix: ModuleMatrix): CodewordMap {
  const { size: n, reserved } = matrix;
  const codewordOf = new Int32Array(n * n).fill(-1);
  // Two-module-wide columns from the right edge, alternating up and down, skipping the timing column.
  let codeword = 0;
  let bit = 0;
  let upwards = true;
  for (let right = n - 1; right > 0; right -= 2) {
    if (right === 6) right = 5;
    for (let step = 0; step < n; step++) {
      const y = upwards ? n - 1 - step : step;
      for (const x of [right, right - 1]) {
        if (reserved[y * n + x]) continue;
        codewordOf[y * n + x] = codeword;
        if (++bit === 8) {
          bit = 0;
          codeword++;
        }
      }
    }
    upwards = !upwards;
  }
  const total = codeword; // a partial last byte is remainder bits, which carry nothing
  for (let i = 0; i < codewordOf.length; i++) if (codewordOf[i]! >= total) codewordOf[i] = -1;

  const blocks = H_BLOCKS[matrix.version - 1] as number;
  const ecPerBlock = (H_EC_CODEWORDS[matrix.version - 1] as number) / blocks;
  const shortData = Math.floor((total - ecPerBlock * blocks) / blocks);
  const longBlocks = (total - ecPerBlock * blocks) % blocks; // the last blocks hold one data codeword more
  const blockOf = new Uint16Array(total);
  let next = 0;
  for (let i = 0; i <= shortData; i++) {
    for (let b = 0; b < blocks; b++) if (i < shortData || b >= blocks - longBlocks) blockOf[next++] = b;
  }
  for (let i = 0; i < ecPerBlock; i++) for (let b = 0; b < blocks; b++) blockOf[next++] = b;
  return { codewordOf, blockOf, blocks, correctable: Math.floor(ecPerBlock / 2) };
}
