import { Resvg } from '@resvg/resvg-js';
import { createHash } from 'node:crypto';
import sharp from 'sharp';
import { MAX_LOGO_BYTES, MAX_LOGO_PIXELS, parseLogo, sniffLogoFormat, svgProblem } from '../qr/render/logo.js';
import type { StoredLogo } from './store.js';

/** Width an SVG logo is rasterised to on upload: the pad of a 2048 px export is smaller. */
export const SVG_RASTER_WIDTH = 512;

export type CleanLogoResult = { ok: true; logo: StoredLogo } | { ok: false; message: string };
const fail = (message: string): CleanLogoResult => ({ ok: false, message });

/**
 * Every logo upload ends as PNG or JPEG bytes that were really decoded: the format comes from
 * the magic bytes, the size and the pixel dimensions are bounded before decoding, WebP is
 * re-encoded as PNG (the PDF and PNG renderers place PNG and JPEG only), and an SVG is
 * rasterised with resvg, so no script, link or external reference of an SVG is ever stored or
 * served. The hash of the cleaned bytes is the logo's identity.
 */
export async function cleanLogo(input: Buffer): Promise<CleanLogoResult> {
  if (input.length === 0) return fail('Logo is empty.');
  if (input.length > MAX_LOGO_BYTES) return fail(`Logo must be at most ${MAX_LOGO_BYTES / 1024} KB.`);
  const format = sniffLogoFormat(input);
  if (format === null) return fail('Logo must be a PNG, JPEG, WebP or SVG image.');
  let bytes: Buffer;
  let mime: StoredLogo['mime'];
  if (format === 'svg') {
    const text = input.toString('utf8');
    const problem = svgProblem(text);
    if (problem) return fail(problem);
    try {
      bytes = new Resvg(text, { font: { loadSystemFonts: /<text[\s>]/.test(text) }, fitTo: { mode: 'width', value: SVG_RASTER_WIDTH } }).render().asPng();
    } catch {
      return fail('Logo is not an SVG file.');
    }
    mime = 'image/png';
  } else {
    try {
      // limitInputPixels refuses a decompression bomb before its pixels are allocated.
      const image = sharp(input, { limitInputPixels: MAX_LOGO_PIXELS * MAX_LOGO_PIXELS, failOn: 'error' });
      const meta = await image.metadata();
      if (meta.format !== format) return fail('Logo is not a valid image file.');
      if (!meta.width || !meta.height) return fail('Logo is not a valid image file.');
      if (meta.width > MAX_LOGO_PIXELS || meta.height > MAX_LOGO_PIXELS) return fail(`Logo must be at most ${MAX_LOGO_PIXELS} × ${MAX_LOGO_PIXELS} pixels.`);
      if (format === 'webp') {
        bytes = await image.png().toBuffer();
        mime = 'image/png';
      } else {
        // Decode fully once: a truncated or corrupt file is refused now, not at the first render.
        await image.raw().toBuffer();
        bytes = input;
        mime = format === 'png' ? 'image/png' : 'image/jpeg';
      }
    } catch (error) {
      const message = error instanceof Error ? error.message : '';
      if (/pixel limit/i.test(message)) return fail(`Logo must be at most ${MAX_LOGO_PIXELS} × ${MAX_LOGO_PIXELS} pixels.`);
      return fail('Logo is not a valid image file.');
    }
  }
  // The renderers' own check (PNG header, sizes) must accept what is stored.
  const parsed = parseLogo(`data:${mime};base64,${bytes.toString('base64')}`);
  if (!parsed.ok) return fail(parsed.message);
  return { ok: true, logo: { hash: createHash('sha256').update(bytes).digest('hex'), mime, bytes } };
}

/** A data URL as the API and portal send it → cleaned logo. */
export async function cleanLogoDataUrl(dataUrl: string): Promise<CleanLogoResult> {
  const parsed = parseLogo(dataUrl);
  if (!parsed.ok) return fail(parsed.message);
  return cleanLogo(parsed.logo.bytes);
}
