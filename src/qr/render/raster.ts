import { Resvg } from '@resvg/resvg-js';
import type { FinderStyle } from './design.js';
import { FINDER_SIZE } from './finder-shapes.js';
import type { LogoPlacement, QrGrid } from './layout.js';

/**
 * Draws a QR grid straight into an RGBA raster, without building and parsing an SVG.
 *
 * Cell edges are rounded to whole pixels, so every cell is one of at most four pixel sizes;
 * each shape (dot, rounded cell by its four corners, styled finder) is sampled once per size
 * on an 8×8 grid per pixel (65 coverage levels) and then stamped. Square modules and square
 * finders are plain fills, as crispEdges draws them in the SVG.
 */
export function rasterise(grid: QrGrid, size: number): { rgba: Uint8Array; width: number; height: number } {
  const { dimension: dim, quietZone: q, size: n, drawn, moduleStyle } = grid;
  const edge = new Int32Array(dim + 1);
  for (let i = 0; i <= dim; i++) edge[i] = Math.round((i * size) / dim);
  const shades = shadeTable(grid.background, grid.foreground);
  const fg = shades[LEVELS] as number;
  const out = new Uint32Array(size * size).fill(shades[0] as number);

  // Square finders are just dark cells, whatever the module style; styled ones are stamped as whole 7×7 shapes below.
  const squares = grid.finderStyle === 'square' ? finderCells(grid.dark, n) : null;
  const cells = drawn;
  for (let y = 0; y < n; y++) {
    const top = edge[q + y] as number;
    const h = (edge[q + y + 1] as number) - top;
    const row = y * n;
    for (let x = 0; x < n; x++) {
      const square = squares !== null && squares[row + x] === 1;
      if (cells[row + x] !== 1 && !square) continue;
      const left = edge[q + x] as number;
      const w = (edge[q + x + 1] as number) - left;
      if (moduleStyle === 'square' || square) {
        for (let py = top, end = top + h; py < end; py++) out.fill(fg, py * size + left, py * size + left + w);
        continue;
      }
      let variant = DOT;
      if (moduleStyle === 'rounded') {
        // The same corners modulePath rounds: run ends with nothing above or below.
        const start = x === 0 || cells[row + x - 1] !== 1;
        const finish = x === n - 1 || cells[row + x + 1] !== 1;
        const above = y > 0 && cells[row - n + x] === 1;
        const below = y < n - 1 && cells[row + n + x] === 1;
        variant = (start && !above ? TL : 0) | (finish && !above ? TR : 0) | (finish && !below ? BR : 0) | (start && !below ? BL : 0);
      }
      stamp(out, size, left, top, cellStamp(variant, w, h), w, h, shades);
    }
  }
  if (grid.finderStyle !== 'square') {
    const far = q + n - FINDER_SIZE;
    for (const [fx, fy] of [
      [q, q],
      [far, q],
      [q, far],
    ] as const) {
      const left = edge[fx] as number;
      const top = edge[fy] as number;
      const w = (edge[fx + FINDER_SIZE] as number) - left;
      const h = (edge[fy + FINDER_SIZE] as number) - top;
      stamp(out, size, left, top, finderStamp(grid.finderStyle, w, h), w, h, shades);
    }
  }
  if (grid.logo) drawLogo(out, size, grid.logo, size / dim, grid.background);
  return { rgba: new Uint8Array(out.buffer), width: size, height: size };
}

const SAMPLES = 8;
const LEVELS = SAMPLES * SAMPLES;
const DOT_RADIUS = 0.45; // as module-shapes.ts
const DOT = 16;
const TL = 1;
const TR = 2;
const BR = 4;
const BL = 8;

/** RGBA words from background (0) to foreground (LEVELS), blended as a rasteriser does at an edge. */
function shadeTable(background: string, foreground: string): Uint32Array {
  const bytes = new Uint8Array((LEVELS + 1) * 4);
  const channel = (hex: string, i: number) => parseInt(hex.slice(1 + 2 * i, 3 + 2 * i), 16);
  for (let level = 0; level <= LEVELS; level++) {
    for (let i = 0; i < 3; i++) {
      const bg = channel(background, i);
      bytes[level * 4 + i] = Math.round(bg + ((channel(foreground, i) - bg) * level) / LEVELS);
    }
    bytes[level * 4 + 3] = 255;
  }
  return new Uint32Array(bytes.buffer); // byte order is the platform's, so the raster's bytes come out RGBA
}

/** The dark cells of the three finder patterns. */
function finderCells(dark: Uint8Array, n: number): Uint8Array {
  const cells = new Uint8Array(n * n);
  for (const [x0, y0] of [
    [0, 0],
    [n - FINDER_SIZE, 0],
    [0, n - FINDER_SIZE],
  ] as const) {
    for (let y = y0; y < y0 + FINDER_SIZE; y++) for (let x = x0; x < x0 + FINDER_SIZE; x++) cells[y * n + x] = dark[y * n + x] as number;
  }
  return cells;
}

function stamp(out: Uint32Array, size: number, left: number, top: number, coverage: Uint8Array, w: number, h: number, shades: Uint32Array): void {
  let i = 0;
  for (let py = top; py < top + h; py++) {
    const row = py * size + left;
    for (let px = 0; px < w; px++, i++) {
      const c = coverage[i] as number;
      if (c !== 0) out[row + px] = shades[c] as number;
    }
  }
}

// Shapes by variant and pixel size; a handful per image size, bounded across sizes.
const stamps = new Map<string, Uint8Array>();
const MAX_STAMPS = 2048;

function cached(key: string, make: () => Uint8Array): Uint8Array {
  let found = stamps.get(key);
  if (!found) {
    if (stamps.size >= MAX_STAMPS) stamps.clear();
    found = make();
    stamps.set(key, found);
  }
  return found;
}

/** Coverage of a w×h pixel box by a shape given in units where the box is span×span. */
function sample(w: number, h: number, span: number, inside: (u: number, v: number) => boolean): Uint8Array {
  const coverage = new Uint8Array(w * h);
  for (let py = 0; py < h; py++) {
    for (let px = 0; px < w; px++) {
      let count = 0;
      for (let sy = 0; sy < SAMPLES; sy++) {
        const v = ((py + (sy + 0.5) / SAMPLES) / h) * span;
        for (let sx = 0; sx < SAMPLES; sx++) if (inside(((px + (sx + 0.5) / SAMPLES) / w) * span, v)) count++;
      }
      coverage[py * w + px] = count;
    }
  }
  return coverage;
}

function cellStamp(variant: number, w: number, h: number): Uint8Array {
  return cached(`c${variant}:${w}:${h}`, () =>
    sample(w, h, 1, (u, v) => {
      if (variant === DOT) return (u - 0.5) ** 2 + (v - 0.5) ** 2 <= DOT_RADIUS ** 2;
      const corner = u < 0.5 ? (v < 0.5 ? TL : BL) : v < 0.5 ? TR : BR;
      return (variant & corner) === 0 || (u - 0.5) ** 2 + (v - 0.5) ** 2 <= 0.25;
    }),
  );
}

/** The three nested shapes of finder-shapes.ts, filled even-odd. */
function finderStamp(style: FinderStyle, w: number, h: number): Uint8Array {
  return cached(`f${style}:${w}:${h}`, () =>
    sample(w, h, FINDER_SIZE, (u, v) => {
      let count = 0;
      if (style === 'circle') {
        const d = (u - 3.5) ** 2 + (v - 3.5) ** 2;
        for (const r of [3.5, 2.5, 1.5]) if (d <= r * r) count++;
      } else {
        for (const [offset, side, r] of [
          [0, 7, 2],
          [1, 5, 1.5],
          [2, 3, 1],
        ] as const) {
          const dx = Math.max(offset + r - u, 0, u - (offset + side - r));
          const dy = Math.max(offset + r - v, 0, v - (offset + side - r));
          if (u >= offset && u <= offset + side && v >= offset && v <= offset + side && dx * dx + dy * dy <= r * r) count++;
        }
      }
      return count % 2 === 1;
    }),
  );
}

// Logos rasterised at a given pixel size over a given background, by their bytes; bounded by total pixels.
const logoRasters = new Map<string, Uint32Array>();
const MAX_LOGO_RASTER_PIXELS = 16 * 1024 * 1024; // 64 MB
let logoRasterPixels = 0;

function drawLogo(out: Uint32Array, size: number, placement: LogoPlacement, scale: number, background: string): void {
  const left = Math.round(placement.x * scale);
  const top = Math.round(placement.y * scale);
  const w = Math.round((placement.x + placement.size) * scale) - left;
  const h = Math.round((placement.y + placement.size) * scale) - top;
  if (w <= 0 || h <= 0) return;
  const raster = logoRaster(placement, w, h, background);
  for (let y = 0; y < h; y++) out.set(raster.subarray(y * w, (y + 1) * w), (top + y) * size + left);
}

function logoRaster(placement: LogoPlacement, w: number, h: number, background: string): Uint32Array {
  const { logo } = placement;
  // The data URL is the logo's content (canonical base64), so equal logos share an entry.
  const key = `${w}x${h}:${background}:${logo.dataUrl}`;
  const hit = logoRasters.get(key);
  if (hit) {
    logoRasters.delete(key); // re-insert: Map order is the LRU order
    logoRasters.set(key, hit);
    return hit;
  }
  const svg =
    `<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="${w}" height="${h}">` +
    `<image width="${w}" height="${h}" preserveAspectRatio="xMidYMid meet" xlink:href="${logo.dataUrl}"/></svg>`;
  const pixels = new Resvg(svg, { font: { loadSystemFonts: logo.hasText }, background }).render().pixels;
  const raster = new Uint32Array(Uint8Array.from(pixels).buffer);
  while (logoRasters.size > 0 && logoRasterPixels + raster.length > MAX_LOGO_RASTER_PIXELS) {
    const [oldest, value] = logoRasters.entries().next().value as [string, Uint32Array];
    logoRasters.delete(oldest);
    logoRasterPixels -= value.length;
  }
  logoRasters.set(key, raster);
  logoRasterPixels += raster.length;
  return raster;
}
