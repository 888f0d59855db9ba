import { codewordMapAtH, type CodewordMap } from './codeword-map.js';
import type { ModuleMatrix } from './matrix.js';

/** A centred square of modules left empty for the logo. */
export interface Pad {
  start: number;
  size: number;
}

const MAX_PAD_AREA = 0.2;
// Rows and columns 0-8 hold finders, separators and format information: never cover them.
const RESERVED_EDGE = 9;
// The pad may spend this share of each block's repair capacity; the rest stays for dirt,
// glare and print defects.
const PAD_SHARE_OF_CORRECTION = 0.75;

/**
 * The largest centred pad, up to 20 % of the symbol, that leaves the alignment patterns
 * visible and whose hidden codewords every Reed-Solomon block can repair with capacity to
 * spare. Both depend on the version: about 10 % of the symbol for versions 5-6 (short
 * links), 3-6 % for versions 14-20, less above.
 */
export function largestSafePad(matrix: ModuleMatrix, options: { mayCoverCentreAlignment: boolean }): Pad | null {
  const n = matrix.size;
  const map = codewordMapAtH(matrix);
  const budget = Math.floor(map.correctable * PAD_SHARE_OF_CORRECTION);
  let size = Math.min(Math.floor(n * Math.sqrt(MAX_PAD_AREA)), n - 2 * RESERVED_EDGE);
  if ((n - size) % 2 !== 0) size -= 1;
  for (; size >= 3; size -= 2) {
    const pad = { start: (n - size) / 2, size };
    if (coversAlignment(matrix, pad, options.mayCoverCentreAlignment)) continue;
    if (worstBlockDamage(map, n, pad) <= budget) return pad;
  }
  return null;
}

function worstBlockDamage(map: CodewordMap, n: number, pad: Pad): number {
  const hidden = new Uint8Array(map.blockOf.length);
  const perBlock = new Uint16Array(map.blocks);
  let worst = 0;
  for (let y = pad.start; y < pad.start + pad.size; y++) {
    for (let x = pad.start; x < pad.start + pad.size; x++) {
      const codeword = map.codewordOf[y * n + x] as number;
      if (codeword < 0 || hidden[codeword]) continue;
      hidden[codeword] = 1;
      const block = map.blockOf[codeword] as number;
      worst = Math.max(worst, ++perBlock[block]!);
    }
  }
  return worst;
}

/**
 * Readers such as zbar re-fit their sampling grid on every alignment pattern; one hidden
 * under a logo makes them search the logo for it, and a false match there bends the grid
 * over a whole region. Inside the pad area, reserved modules are alignment patterns only.
 */
function coversAlignment(matrix: ModuleMatrix, pad: Pad, mayCoverCentre: boolean): boolean {
  const n = matrix.size;
  const positions = alignmentPositions(matrix.version, n);
  const middle = positions.length % 2 === 1 ? (positions[(positions.length - 1) / 2] as number) : -1;
  for (let y = pad.start; y < pad.start + pad.size; y++) {
    for (let x = pad.start; x < pad.start + pad.size; x++) {
      const inMiddlePattern = Math.abs(x - middle) <= 2 && Math.abs(y - middle) <= 2;
      if (matrix.reserved[y * n + x] && !(mayCoverCentre && inMiddlePattern)) return true;
    }
  }
  return false;
}

/** Versions 7-13, 21-27 and 35-40 have an odd number of alignment rows: one sits in the middle. */
export function hasCentreAlignment(version: number): boolean {
  return version >= 7 && (Math.floor(version / 7) + 2) % 2 === 1;
}

/** Row (and column) centres of the alignment patterns, ISO/IEC 18004 annex E. */
function alignmentPositions(version: number, size: number): number[] {
  if (version < 2) return [];
  const count = Math.floor(version / 7) + 2;
  const step = version === 32 ? 26 : Math.ceil((size - 13) / (2 * count - 2)) * 2;
  const positions = [size - 7];
  for (let i = 1; i < count - 1; i++) positions.push(size - 7 - i * step);
  positions.push(6);
  return positions.reverse();
}
