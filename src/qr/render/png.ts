import { Resvg } from '@resvg/resvg-js';
import type { QrDesign } from './design.js';
import { resolveDesign } from './design.js';
import { layoutQr } from './layout.js';
import { encodeOpaquePng } from './png-encode.js';
import { svgFromLayout, type PixelSize } from './svg.js';

/**
 * A PNG rasterised from the same SVG that renderSvg returns. Same preconditions as renderSvg.
 *
 * resvg's own asPng() re-encodes 32-bit RGBA at zlib's default level and holds the raster
 * in memory V8 cannot see until a late GC; reading the pixels and writing a palette PNG
 * ourselves is about three times faster and keeps memory flat.
 */
export function renderPng(payload: string, design: QrDesign, options: PixelSize): Buffer {
  const layout = layoutQr(payload, resolveDesign(design));
  const svg = svgFromLayout(layout, options.size);
  const rendered = new Resvg(svg, {
    // System fonts take milliseconds to load and only a logo with <text> can use them.
    font: { loadSystemFonts: layout.logo?.logo.hasText ?? false },
    // Already opaque through the background rect; this makes it certain at the image edges.
    background: layout.background,
  }).render();
  return encodeOpaquePng(rendered.pixels, rendered.width, rendered.height);
}
