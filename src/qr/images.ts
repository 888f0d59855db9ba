import { createHash } from 'node:crypto';
import { invalid } from '../platform/errors.js';
import { MAX_PIXEL_SIZE, MAX_PRINT_MM, MIN_PIXEL_SIZE, MIN_PRINT_MM, renderPdf, renderPng, renderSvg, type QrDesign } from './render/index.js';
import type { ImageFormat } from './schemas.js';

export const DEFAULT_PIXELS = 512;
export const DEFAULT_PRINT_MM = 50;
export const CONTENT_TYPES: Record<ImageFormat, string> = { png: 'image/png', svg: 'image/svg+xml', pdf: 'application/pdf' };

export interface RenderedImage {
  body: Buffer;
  contentType: string;
  /** Strong ETag: the same payload, design, format and size always give the same bytes. */
  etag: string;
}

/** PNG and SVG sizes are pixels; PDF sizes are printed millimetres. */
export function checkSize(format: ImageFormat, size: number | undefined): number {
  if (format === 'pdf') {
    const mm = size ?? DEFAULT_PRINT_MM;
    if (mm < MIN_PRINT_MM || mm > MAX_PRINT_MM) throw invalid('size', `A PDF is ${MIN_PRINT_MM} to ${MAX_PRINT_MM} mm wide.`);
    return mm;
  }
  const px = size ?? DEFAULT_PIXELS;
  if (px < MIN_PIXEL_SIZE || px > MAX_PIXEL_SIZE) throw invalid('size', `An image is ${MIN_PIXEL_SIZE} to ${MAX_PIXEL_SIZE} pixels wide.`);
  return px;
}

/**
 * Rendered images by (payload + design hash, format, size), bounded by total bytes. The key
 * holds what the image is made of, not the code id, so an edit never serves a stale image
 * and two instances agree on ETags without sharing anything.
 */
export class ImageCache {
  private readonly entries = new Map<string, RenderedImage>();
  private bytes = 0;

  constructor(private readonly maxBytes = 64 * 1024 * 1024) {}

  /** `logo`: the stored logo by hash; its bytes are read only when the image is not cached. */
  async render(payload: string, design: QrDesign, format: ImageFormat, size: number, logo?: { hash: string; dataUrl: () => Promise<string> }): Promise<RenderedImage> {
    const digest = createHash('sha256').update(payload).update('\0').update(JSON.stringify(design)).update(`\0${logo?.hash ?? ''}\0${format}\0${size}`).digest('base64url');
    const hit = this.entries.get(digest);
    if (hit) {
      this.entries.delete(digest);
      this.entries.set(digest, hit);
      return hit;
    }
    if (logo) design = { ...design, logo: await logo.dataUrl() };
    const body =
      format === 'png' ? renderPng(payload, design, { size }) : format === 'svg' ? Buffer.from(renderSvg(payload, design, { size }), 'utf8') : await renderPdf(payload, design, { sizeMm: size });
    const image = { body, contentType: CONTENT_TYPES[format], etag: `"${digest.slice(0, 27)}"` };
    if (body.length <= this.maxBytes / 4) {
      this.entries.set(digest, image);
      this.bytes += body.length;
      for (const [key, old] of this.entries) {
        if (this.bytes <= this.maxBytes) break;
        this.entries.delete(key);
        this.bytes -= old.body.length;
      }
    }
    return image;
  }
}
