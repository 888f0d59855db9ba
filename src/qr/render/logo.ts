/** Stored logos are PNG or JPEG (src/logos cleans every upload); WebP and SVG are accepted as input. */
export type LogoFormat = 'png' | 'jpeg' | 'webp' | 'svg';

export interface Logo {
  format: LogoFormat;
  bytes: Buffer;
  /** Canonical base64 data URL, embedded as is in SVG output. */
  dataUrl: string;
  /** Only then does rasterising need system fonts, which are slow to load. */
  hasText: boolean;
}

export type LogoResult = { ok: true; logo: Logo } | { ok: false; message: string };

export const MAX_LOGO_BYTES = 512 * 1024;
// Every render decodes the logo again (nothing is cached here), so its pixel count is bounded too.
export const MAX_LOGO_PIXELS = 2048;
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const DATA_URL = /^data:(image\/png|image\/jpeg|image\/webp|image\/svg\+xml);base64,([A-Za-z0-9+/]*={0,2})$/;
export const LOGO_MIME: Record<LogoFormat, string> = { png: 'image/png', jpeg: 'image/jpeg', webp: 'image/webp', svg: 'image/svg+xml' };
const FORMAT_OF_MIME: Record<string, LogoFormat> = { 'image/png': 'png', 'image/jpeg': 'jpeg', 'image/webp': 'webp', 'image/svg+xml': 'svg' };

/** The image format by its magic bytes (never by file name or declared type). */
export function sniffLogoFormat(buffer: Buffer): LogoFormat | null {
  if (buffer.subarray(0, 8).equals(PNG_SIGNATURE)) return 'png';
  if (buffer.length >= 3 && buffer[0] === 0xff && buffer[1] === 0xd8 && buffer[2] === 0xff) return 'jpeg';
  if (buffer.length >= 12 && buffer.toString('latin1', 0, 4) === 'RIFF' && buffer.toString('latin1', 8, 12) === 'WEBP') return 'webp';
  return looksLikeSvg(buffer) ? 'svg' : null;
}

const fail = (message: string): LogoResult => ({ ok: false, message });

/** Accepts the bytes of an uploaded file and tells the format by content, not by file name. */
export function logoFromBytes(bytes: Uint8Array): LogoResult {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const format = sniffLogoFormat(buffer);
  if (format === null) return fail('Logo must be a PNG, JPEG, WebP or SVG image.');
  return checkLogo(format, buffer);
}

export function parseLogo(dataUrl: string): LogoResult {
  const match = DATA_URL.exec(dataUrl);
  if (!match) return fail('Logo must be a PNG, JPEG, WebP or SVG image given as a base64 data URL (data:image/png;base64,…).');
  const bytes = Buffer.from(match[2] ?? '', 'base64');
  const format = FORMAT_OF_MIME[match[1] ?? ''] as LogoFormat;
  // The declared type must be the real one: a "PNG" that is an SVG would skip the SVG checks.
  if (bytes.length > 0 && sniffLogoFormat(bytes) !== format) return fail('Logo is not a valid image file.');
  return checkLogo(format, bytes);
}

function checkLogo(format: LogoFormat, bytes: Buffer): LogoResult {
  if (bytes.length === 0) return fail('Logo is empty.');
  if (bytes.length > MAX_LOGO_BYTES) return fail(`Logo must be at most ${MAX_LOGO_BYTES / 1024} KB.`);
  const problem = format === 'png' ? pngProblem(bytes) : format === 'svg' ? svgProblem(bytes.toString('utf8')) : null;
  if (problem) return fail(problem);
  const mime = LOGO_MIME[format];
  return {
    ok: true,
    logo: { format, bytes, dataUrl: `data:${mime};base64,${bytes.toString('base64')}`, hasText: format === 'svg' && /<text[\s>]/.test(bytes.toString('utf8')) },
  };
}

function pngProblem(bytes: Buffer): string | null {
  // Signature, then the IHDR chunk: length, "IHDR", width, height.
  if (bytes.length < 33 || !bytes.subarray(0, 8).equals(PNG_SIGNATURE) || bytes.toString('latin1', 12, 16) !== 'IHDR') {
    return 'Logo is not a valid PNG file.';
  }
  const width = bytes.readUInt32BE(16);
  const height = bytes.readUInt32BE(20);
  if (width === 0 || height === 0) return 'Logo is not a valid PNG file.';
  if (width > MAX_LOGO_PIXELS || height > MAX_LOGO_PIXELS) return `Logo must be at most ${MAX_LOGO_PIXELS} × ${MAX_LOGO_PIXELS} pixels.`;
  return null;
}

function looksLikeSvg(bytes: Buffer): boolean {
  return /<svg[\s>]/.test(bytes.subarray(0, 4096).toString('utf8'));
}

/**
 * The SVG is rasterised on the server, where an outside reference could read local files
 * or reach the network, so a logo must be self-contained: no DTD, no external href or url().
 * Scripts could never run inside an <image>, but a logo has no use for them either.
 */
// A nested SVG data URL would be parsed with its own references, so only bitmaps may be embedded.
function isSelfContained(reference: string): boolean {
  return reference.startsWith('#') || /^data:image\/(?:png|jpeg|gif|webp)[;,]/i.test(reference);
}

export function svgProblem(text: string): string | null {
  if (!/<svg[\s>]/.test(text)) return 'Logo is not an SVG file.';
  if (/<!DOCTYPE|<!ENTITY/i.test(text)) return 'SVG logo must not contain a DOCTYPE or entities.';
  if (/<script[\s>]|\son[a-z]+\s*=/i.test(text)) return 'SVG logo must not contain scripts.';
  const references = [...text.matchAll(/href\s*=\s*["']\s*([^"']*)["']/gi), ...text.matchAll(/url\(\s*["']?\s*([^"')\s]*)/gi)];
  if (references.some((match) => !isSelfContained(match[1] ?? ''))) {
    return 'SVG logo must not link to other files; embed bitmaps as PNG or JPEG data URLs.';
  }
  if (/@import/i.test(text)) return 'SVG logo must not import style sheets.';
  return null;
}
