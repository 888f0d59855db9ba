import { Resvg } from '@resvg/resvg-js';
import PDFDocument from 'pdfkit';
import type { QrDesign } from './design.js';
import { resolveDesign } from './design.js';
import { layoutQr, type LogoPlacement } from './layout.js';

export interface PrintSize {
  /** Width and height of the printed code, quiet zone included, in millimetres. */
  sizeMm: number;
}

export const MIN_PRINT_MM = 10;
export const MAX_PRINT_MM = 1000;
const POINTS_PER_MM = 72 / 25.4;
// Print shops ask for 300 dpi; twice that keeps an SVG logo's edges clean at any print size.
const LOGO_RASTER_DPI = 600;
const MAX_LOGO_RASTER_PX = 2048;

/**
 * A one-page PDF exactly the size of the code, modules drawn as vector paths so it stays
 * sharp at any print size. Same preconditions as renderSvg.
 */
export function renderPdf(payload: string, design: QrDesign, options: PrintSize): Promise<Buffer> {
  if (!Number.isFinite(options.sizeMm) || options.sizeMm < MIN_PRINT_MM || options.sizeMm > MAX_PRINT_MM) {
    throw new RangeError(`sizeMm must be from ${MIN_PRINT_MM} to ${MAX_PRINT_MM}, got ${options.sizeMm}`);
  }
  const layout = layoutQr(payload, resolveDesign(design));
  const points = options.sizeMm * POINTS_PER_MM;
  const doc = new PDFDocument({
    size: [points, points],
    margin: 0,
    // No text is drawn, so skip loading the default Helvetica metrics.
    font: '',
    info: { Title: 'QR code', Creator: 'QR code generator' },
  });
  const chunks: Buffer[] = [];
  const finished = new Promise<Buffer>((resolve, reject) => {
    doc.on('data', (chunk: Buffer) => chunks.push(chunk));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
  const dim = layout.dimension;
  doc.scale(points / dim);
  doc.rect(0, 0, dim, dim).fill(layout.background);
  if (layout.modules.d) doc.path(layout.modules.d).fill(layout.foreground);
  doc.path(layout.finders.d).fill(layout.foreground, 'even-odd');
  if (layout.logo) {
    const logo = layout.logo;
    doc.image(logoForPdf(logo, (logo.size / dim) * options.sizeMm), logo.x, logo.y, {
      fit: [logo.size, logo.size],
      align: 'center',
      valign: 'center',
    });
  }
  doc.end();
  return finished;
}

/** pdfkit places PNG and JPEG only; an SVG logo is rasterised at print resolution instead (stored logos are never WebP). */
function logoForPdf(placement: LogoPlacement, printedMm: number): Buffer {
  const { logo } = placement;
  if (logo.format === 'png' || logo.format === 'jpeg') return logo.bytes;
  const pixels = Math.min(MAX_LOGO_RASTER_PX, Math.ceil((printedMm / 25.4) * LOGO_RASTER_DPI));
  return new Resvg(logo.bytes, { font: { loadSystemFonts: logo.hasText }, fitTo: { mode: 'width', value: pixels } }).render().asPng();
}
