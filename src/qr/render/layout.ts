import type { FinderStyle, ModuleStyle, ResolvedDesign } from './design.js';
import { finderPath, FINDER_SIZE } from './finder-shapes.js';
import { versionHoldingAtH } from './codeword-map.js';
import { hasCentreAlignment, largestSafePad, type Pad } from './logo-pad.js';
import type { Logo } from './logo.js';
import { buildMatrix, buildMatrixAtVersion, type ModuleMatrix } from './matrix.js';
import { modulePath } from './module-shapes.js';

/** Everything a renderer draws, in module units with the quiet zone included. */
export interface QrLayout {
  /** Width and height of the whole image in modules. */
  dimension: number;
  foreground: string;
  background: string;
  modules: PathLayer;
  finders: PathLayer;
  logo: LogoPlacement | null;
}

export interface PathLayer {
  d: string;
  /** Axis-aligned shapes look sharper without anti-aliasing; curves need it. */
  crisp: boolean;
}

export interface LogoPlacement {
  x: number;
  y: number;
  size: number;
  logo: Logo;
}

// Readers such as zbar fit straight lines to a finder's outer edge to measure the module
// size, and guess the version from it; on a circle the guess is off. From version 7 the
// version is written in the symbol itself, and circle finders decode reliably.
const MIN_VERSION_WITH_CIRCLE_FINDERS = 7;
// Small versions leave no room for a pad between the finder patterns.
const MIN_VERSION_WITH_LOGO = 5;
// One module of background around the logo, so its edge is not read as modules.
const LOGO_INSET = 1;

/** The symbol as cells rather than paths: what the PNG rasteriser draws from. */
export interface QrGrid {
  /** Width and height of the whole image in modules. */
  dimension: number;
  quietZone: number;
  /** Modules per side of the symbol, quiet zone not included. */
  size: number;
  /** Dark modules minus the finders and the logo pad, row-major over the symbol. */
  drawn: Uint8Array;
  /** The symbol's own dark modules (finders included). */
  dark: Uint8Array;
  foreground: string;
  background: string;
  moduleStyle: ModuleStyle;
  finderStyle: FinderStyle;
  logo: LogoPlacement | null;
}

export function gridQr(payload: string, design: ResolvedDesign): QrGrid {
  const minVersion = design.finderStyle === 'circle' ? MIN_VERSION_WITH_CIRCLE_FINDERS : 1;
  const { matrix, pad } = design.logo
    ? symbolWithLogoPad(payload, Math.max(minVersion, MIN_VERSION_WITH_LOGO))
    : { matrix: buildMatrix(payload, design.errorCorrection, minVersion), pad: null };
  const q = design.quietZone;
  return {
    dimension: matrix.size + 2 * q,
    quietZone: q,
    size: matrix.size,
    drawn: drawnModules(matrix, pad),
    dark: matrix.dark,
    foreground: design.foreground,
    background: design.background,
    moduleStyle: design.moduleStyle,
    finderStyle: design.finderStyle,
    logo: design.logo && pad ? placeLogo(design.logo, pad, q) : null,
  };
}

export function layoutQr(payload: string, design: ResolvedDesign): QrLayout {
  const grid = gridQr(payload, design);
  const { quietZone: q, size: n } = grid;
  const far = q + n - FINDER_SIZE;
  return {
    dimension: grid.dimension,
    foreground: grid.foreground,
    background: grid.background,
    modules: { d: modulePath(grid.drawn, n, q, grid.moduleStyle), crisp: grid.moduleStyle === 'square' },
    finders: {
      d: finderPath(q, q, grid.finderStyle) + finderPath(far, q, grid.finderStyle) + finderPath(q, far, grid.finderStyle),
      crisp: grid.finderStyle === 'square',
    },
    logo: grid.logo,
  };
}

/**
 * A logo always means level H. A version whose middle alignment pattern the logo would
 * hide is replaced by the next one without (7-13 become 14, 21-27 become 28): readers
 * that search the logo for that pattern, zbar among them, find false ones in dark logos.
 * From version 35 every version has one, and covering it is the only way left.
 */
function symbolWithLogoPad(payload: string, minVersion: number): { matrix: ModuleMatrix; pad: Pad | null } {
  let version = Math.max(minVersion, versionHoldingAtH(Buffer.byteLength(payload, 'utf8')) ?? 40);
  while (version <= 40 && hasCentreAlignment(version)) version++;
  if (version > 40) {
    const matrix = buildMatrix(payload, 'H', minVersion);
    return { matrix, pad: largestSafePad(matrix, { mayCoverCentreAlignment: true }) };
  }
  const matrix = buildMatrixAtVersion(payload, 'H', version);
  return { matrix, pad: largestSafePad(matrix, { mayCoverCentreAlignment: false }) };
}

function placeLogo(logo: Logo, pad: Pad, quietZone: number): LogoPlacement {
  const inset = Math.min(LOGO_INSET, pad.size / 6);
  return { x: quietZone + pad.start + inset, y: quietZone + pad.start + inset, size: pad.size - 2 * inset, logo };
}

/** Dark modules minus the finder patterns (drawn as their own shapes) and the logo pad. */
function drawnModules(matrix: ModuleMatrix, pad: Pad | null): Uint8Array {
  const n = matrix.size;
  const drawn = matrix.dark.slice();
  const clear = (x0: number, y0: number, size: number) => {
    for (let y = y0; y < y0 + size; y++) drawn.fill(0, y * n + x0, y * n + x0 + size);
  };
  clear(0, 0, FINDER_SIZE);
  clear(n - FINDER_SIZE, 0, FINDER_SIZE);
  clear(0, n - FINDER_SIZE, FINDER_SIZE);
  if (pad) clear(pad.start, pad.start, pad.size);
  return drawn;
}
