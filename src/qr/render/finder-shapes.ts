import type { FinderStyle } from './design.js';

/** A finder pattern is a 7×7 ring, a 1-module gap and a 3×3 centre: the 1:1:3:1:1 ratio readers search for. */
export const FINDER_SIZE = 7;

/** One finder at (x, y); drawn with fill-rule evenodd so the hole stays empty. */
export function finderPath(x: number, y: number, style: FinderStyle): string {
  switch (style) {
    case 'square':
      return rect(x, y, 7) + rect(x + 1, y + 1, 5) + rect(x + 2, y + 2, 3);
    case 'rounded':
      return roundedRect(x, y, 7, 2) + roundedRect(x + 1, y + 1, 5, 1.5) + roundedRect(x + 2, y + 2, 3, 1);
    case 'circle':
      return circle(x + 3.5, y + 3.5, 3.5) + circle(x + 3.5, y + 3.5, 2.5) + circle(x + 3.5, y + 3.5, 1.5);
  }
}

function rect(x: number, y: number, size: number): string {
  return `M${x} ${y}h${size}v${size}h${-size}z`;
}

function roundedRect(x: number, y: number, size: number, r: number): string {
  const side = size - 2 * r;
  return (
    `M${x + r} ${y}h${side}a${r} ${r} 0 0 1 ${r} ${r}v${side}a${r} ${r} 0 0 1 ${-r} ${r}` +
    `h${-side}a${r} ${r} 0 0 1 ${-r} ${-r}v${-side}a${r} ${r} 0 0 1 ${r} ${-r}z`
  );
}

export function circle(cx: number, cy: number, r: number): string {
  return `M${cx - r} ${cy}a${r} ${r} 0 1 0 ${2 * r} 0a${r} ${r} 0 1 0 ${-2 * r} 0z`;
}
