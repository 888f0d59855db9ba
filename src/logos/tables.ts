/**
 * Logo images, stored once per account by content hash (sha256 of the bytes). QR codes, and
 * later the account's branding, reference a logo by its hash, so lists never carry the bytes.
 */
export interface LogosTable {
  account_id: string;
  hash: string;
  /** Only these two: every upload is cleaned to one of them (src/logos/service.ts). */
  mime: 'image/png' | 'image/jpeg';
  /** base64 of the image bytes (text on both engines). */
  data: string;
  byte_length: number;
  created_at: number;
}
