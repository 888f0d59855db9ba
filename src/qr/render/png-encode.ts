import { crc32, deflateSync } from 'node:zlib';

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const FILTER_NONE = 0;
// "Up" with all-zero bytes repeats the row above; a QR code repeats each row about size/modules times.
const FILTER_UP = 2;
const COLOUR_RGB = 2;
const COLOUR_PALETTE = 3;
// Level 3 takes a third of the time of zlib's default 6 on these images for 10-20 % more bytes.
const DEFLATE_LEVEL = 3;

/**
 * Encodes an opaque RGBA raster (as resvg renders it) as the smallest plain PNG that is
 * cheap to make: a 1/2/4/8-bit palette when there are at most 256 colours, which is what
 * a QR code without a photo logo has, else 8-bit RGB. Rows equal to the one above are
 * stored as "Up" rows of zeros, so deflate has little to do. Alpha is dropped: the caller
 * paints an opaque background first, which also makes resvg's premultiplied values the plain ones.
 */
export function encodeOpaquePng(rgba: Uint8Array, width: number, height: number): Buffer {
  if (rgba.length !== width * height * 4) throw new Error(`expected ${width * height * 4} bytes of RGBA, got ${rgba.length}`);
  // An Int32Array view needs 4-byte alignment; napi buffers have it, a slice of a pooled buffer may not.
  const aligned = rgba.byteOffset % 4 === 0 ? rgba : Uint8Array.from(rgba);
  const repeats = repeatedRows(aligned, width, height);
  const image = indexedImage(aligned, width, height, repeats) ?? rgbImage(aligned, width, height, repeats);
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = image.bitDepth;
  header[9] = image.palette ? COLOUR_PALETTE : COLOUR_RGB;
  const chunks = [SIGNATURE, chunk('IHDR', header)];
  if (image.palette) chunks.push(chunk('PLTE', image.palette));
  chunks.push(chunk('IDAT', deflateSync(image.rows, { level: DEFLATE_LEVEL })), chunk('IEND', Buffer.alloc(0)));
  return Buffer.concat(chunks);
}

interface EncodedImage {
  /** Filter byte + pixel bytes per row, ready to deflate. */
  rows: Buffer;
  bitDepth: number;
  /** PLTE data, or null for RGB. */
  palette: Buffer | null;
}

function repeatedRows(rgba: Uint8Array, width: number, height: number): Uint8Array {
  const stride = width * 4;
  const bytes = Buffer.from(rgba.buffer, rgba.byteOffset, rgba.byteLength);
  const repeats = new Uint8Array(height);
  for (let y = 1; y < height; y++) {
    repeats[y] = bytes.compare(bytes, (y - 1) * stride, y * stride, y * stride, (y + 1) * stride) === 0 ? 1 : 0;
  }
  return repeats;
}

function assertOpaque(alpha: number): void {
  if (alpha !== 255) throw new Error('encodeOpaquePng got a transparent pixel; paint a background first');
}

/** 8-bit palette indices in one pass, then packed tighter when few colours; null past 256 colours. */
function indexedImage(rgba: Uint8Array, width: number, height: number, repeats: Uint8Array): EncodedImage | null {
  // Int32 words masked to 24 bits stay small integers, which V8's Map hashes without allocating.
  const words = new Int32Array(rgba.buffer, rgba.byteOffset, width * height);
  const indexOf = new Map<number, number>();
  const rgb: number[] = [];
  const stride = width + 1;
  const rows = Buffer.alloc(stride * height);
  let previous = -1;
  let index = 0;
  for (let y = 0; y < height; y++) {
    let out = y * stride;
    if (repeats[y]) {
      rows[out] = FILTER_UP;
      continue;
    }
    rows[out++] = FILTER_NONE;
    for (let i = y * width, end = i + width; i < end; i++) {
      const colour = (words[i] as number) & 0xffffff;
      if (colour !== previous) {
        previous = colour;
        const known = indexOf.get(colour);
        if (known !== undefined) {
          index = known;
        } else {
          if (indexOf.size === 256) return null;
          assertOpaque(rgba[i * 4 + 3] as number);
          index = indexOf.size;
          indexOf.set(colour, index);
          rgb.push(rgba[i * 4] as number, rgba[i * 4 + 1] as number, rgba[i * 4 + 2] as number);
        }
      }
      rows[out++] = index;
    }
  }
  const colours = indexOf.size;
  const bitDepth = colours <= 2 ? 1 : colours <= 4 ? 2 : colours <= 16 ? 4 : 8;
  return { rows: bitDepth === 8 ? rows : packRows(rows, width, height, repeats, bitDepth), bitDepth, palette: Buffer.from(rgb) };
}

function packRows(bytes: Buffer, width: number, height: number, repeats: Uint8Array, bitDepth: number): Buffer {
  const perByte = 8 / bitDepth;
  const stride = 1 + Math.ceil(width / perByte);
  const packed = Buffer.alloc(stride * height);
  for (let y = 0; y < height; y++) {
    let out = y * stride;
    packed[out++] = bytes[y * (width + 1)] as number;
    if (repeats[y]) continue;
    let byte = 0;
    let filled = 0;
    for (let i = y * (width + 1) + 1, end = i + width; i < end; i++) {
      byte = (byte << bitDepth) | (bytes[i] as number);
      if (++filled === perByte) {
        packed[out++] = byte;
        byte = 0;
        filled = 0;
      }
    }
    if (filled > 0) packed[out] = byte << (bitDepth * (perByte - filled));
  }
  return packed;
}

function rgbImage(rgba: Uint8Array, width: number, height: number, repeats: Uint8Array): EncodedImage {
  const stride = 1 + width * 3;
  const rows = Buffer.alloc(stride * height);
  for (let y = 0; y < height; y++) {
    let out = y * stride;
    if (repeats[y]) {
      rows[out] = FILTER_UP;
      continue;
    }
    rows[out++] = FILTER_NONE;
    for (let i = y * width * 4, end = i + width * 4; i < end; i += 4) {
      assertOpaque(rgba[i + 3] as number);
      rows[out++] = rgba[i] as number;
      rows[out++] = rgba[i + 1] as number;
      rows[out++] = rgba[i + 2] as number;
    }
  }
  return { rows, bitDepth: 8, palette: null };
}

function chunk(type: string, data: Buffer): Buffer {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'latin1');
  data.copy(out, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}
