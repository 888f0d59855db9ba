import type { QrDesign } from './design.js';
import { resolveDesign } from './design.js';
import { gridQr } from './layout.js';
import { encodeOpaquePng } from './png-encode.js';
import { rasterise } from './raster.js';
import { assertPixelSize, type PixelSize } from './svg.js';

/**
 * A PNG of the same drawing renderSvg describes, rasterised directly (raster.ts) rather than
 * through an SVG and resvg: the shapes are stamped per cell size and the logo is decoded once
 * per size and kept. Same preconditions as renderSvg.
 */
export function renderPng(payload: string, design: QrDesign, options: PixelSize): Buffer {
  assertPixelSize(options.size);
  const { rgba, width, height } = rasterise(gridQr(payload, resolveDesign(design)), options.size);
  return encodeOpaquePng(rgba, width, height);
}
