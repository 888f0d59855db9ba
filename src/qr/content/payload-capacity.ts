export type ErrorCorrectionLevel = 'L' | 'M' | 'Q' | 'H';

/**
 * Bytes a version-40 code holds in byte mode at each level. qrcode switches to denser
 * modes where it can, so a payload within this many UTF-8 bytes always fits; a few
 * all-digit payloads just over it would too, which no form here produces.
 */
const MAX_BYTES: Record<ErrorCorrectionLevel, number> = { L: 2953, M: 2331, Q: 1663, H: 1273 };

export function payloadCapacity(level: ErrorCorrectionLevel): number {
  return MAX_BYTES[level];
}

export function fitsInQrCode(payload: string, level: ErrorCorrectionLevel): boolean {
  return Buffer.byteLength(payload, 'utf8') <= MAX_BYTES[level];
}
