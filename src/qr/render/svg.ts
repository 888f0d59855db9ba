import type { QrDesign } from './design.js';
import { resolveDesign } from './design.js';
import { layoutQr, type QrLayout } from './layout.js';

export interface PixelSize {
  /** Width and height in pixels. */
  size: number;
}

/**
 * A standalone SVG document. The payload must fit the design's error-correction level
 * (see fitsInQrCode) and the design must have passed validateDesign; otherwise this throws.
 */
export function renderSvg(payload: string, design: QrDesign, options: PixelSize): string {
  return svgFromLayout(layoutQr(payload, resolveDesign(design)), options.size);
}

export function svgFromLayout(layout: QrLayout, size: number): string {
  assertPixelSize(size);
  const { dimension: dim, modules, finders, logo } = layout;
  const crisp = (layer: { crisp: boolean }) => (layer.crisp ? ' shape-rendering="crispEdges"' : '');
  let svg =
    `<svg xmlns="http://www.w3.org/2000/svg"${logo ? ' xmlns:xlink="http://www.w3.org/1999/xlink"' : ''} version="1.1"` +
    ` width="${size}" height="${size}" viewBox="0 0 ${dim} ${dim}">` +
    `<rect width="${dim}" height="${dim}" fill="${layout.background}"/>`;
  if (modules.d) svg += `<path fill="${layout.foreground}"${crisp(modules)} d="${modules.d}"/>`;
  svg += `<path fill="${layout.foreground}" fill-rule="evenodd"${crisp(finders)} d="${finders.d}"/>`;
  if (logo) {
    // An <image> rather than inlined markup: browsers never run scripts or load resources from it.
    svg +=
      `<image x="${logo.x}" y="${logo.y}" width="${logo.size}" height="${logo.size}"` +
      ` preserveAspectRatio="xMidYMid meet" xlink:href="${logo.logo.dataUrl}"/>`;
  }
  return `${svg}</svg>`;
}

export const MIN_PIXEL_SIZE = 32;
export const MAX_PIXEL_SIZE = 4096;

export function assertPixelSize(size: number): void {
  if (!Number.isInteger(size) || size < MIN_PIXEL_SIZE || size > MAX_PIXEL_SIZE) {
    throw new RangeError(`size must be an integer from ${MIN_PIXEL_SIZE} to ${MAX_PIXEL_SIZE} pixels, got ${size}`);
  }
}
