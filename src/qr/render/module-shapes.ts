import type { ModuleStyle } from './design.js';

/** Dots leave a small gap so each module reads as its own dot, yet stays large enough to sample. */
const DOT_RADIUS = 0.45;

/**
 * The path of all drawn modules of an n×n symbol, shifted by the quiet zone.
 * Horizontal runs become one shape each: far fewer path commands than one square per module,
 * which keeps SVG small and rasterising fast.
 */
export function modulePath(drawn: Uint8Array, n: number, offset: number, style: ModuleStyle): string {
  if (style === 'dots') return dotsPath(drawn, n, offset);
  let d = '';
  for (let y = 0; y < n; y++) {
    const row = y * n;
    let x = 0;
    while (x < n) {
      if (drawn[row + x] === 0) {
        x++;
        continue;
      }
      const start = x;
      while (x < n && drawn[row + x] === 1) x++;
      d += style === 'square' ? squareRun(start + offset, y + offset, x - start) : roundedRun(drawn, n, start, x, y, offset);
    }
  }
  return d;
}

function squareRun(x: number, y: number, width: number): string {
  return `M${x} ${y}h${width}v1h${-width}z`;
}

/**
 * A run whose corners are rounded only where nothing continues above or below,
 * so neighbouring runs flow into each other and a lone module becomes a circle.
 */
function roundedRun(drawn: Uint8Array, n: number, start: number, end: number, y: number, offset: number): string {
  const r = 0.5;
  const above = (x: number) => y > 0 && drawn[(y - 1) * n + x] === 1;
  const below = (x: number) => y < n - 1 && drawn[(y + 1) * n + x] === 1;
  const tl = above(start) ? 0 : r;
  const tr = above(end - 1) ? 0 : r;
  const br = below(end - 1) ? 0 : r;
  const bl = below(start) ? 0 : r;
  const left = start + offset;
  const right = end + offset;
  const top = y + offset;
  let d = `M${left + tl} ${top}H${right - tr}`;
  if (tr) d += `a${r} ${r} 0 0 1 ${r} ${r}`;
  d += `V${top + 1 - br}`;
  if (br) d += `a${r} ${r} 0 0 1 ${-r} ${r}`;
  d += `H${left + bl}`;
  if (bl) d += `a${r} ${r} 0 0 1 ${-r} ${-r}`;
  d += `V${top + tl}`;
  if (tl) d += `a${r} ${r} 0 0 1 ${r} ${-r}`;
  return `${d}z`;
}

function dotsPath(drawn: Uint8Array, n: number, offset: number): string {
  const r = DOT_RADIUS;
  const arcs = `a${r} ${r} 0 1 0 ${2 * r} 0a${r} ${r} 0 1 0 ${-2 * r} 0z`;
  // Rounded once: 0.5 - 0.45 is 0.04999999999999999 in binary floating point.
  const lead = Math.round((0.5 - r) * 1000) / 1000;
  let d = '';
  for (let y = 0; y < n; y++) {
    for (let x = 0; x < n; x++) {
      if (drawn[y * n + x] === 1) d += `M${x + offset + lead} ${y + offset + 0.5}${arcs}`;
    }
  }
  return d;
}
