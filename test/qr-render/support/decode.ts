import { Resvg } from '@resvg/resvg-js';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Decoding with the real tools: zbarimg reads PNG, pdftoppm turns a PDF page into PNG first. */
export interface Decoder {
  png(bytes: Buffer): Promise<string>;
  svg(svg: string): Promise<string>;
  pdf(bytes: Buffer): Promise<string>;
  close(): Promise<void>;
}

export async function createDecoder(): Promise<Decoder> {
  const dir = await mkdtemp(join(tmpdir(), 'blanca-qr-test-'));
  const limit = semaphore(Math.max(2, availableParallelism()));
  let counter = 0;
  const file = (ext: string) => join(dir, `${++counter}.${ext}`);

  const zbar = (path: string) =>
    limit(async () => {
      // -Sbinary: the raw bytes, no charset guessing (zbar takes short UTF-8 for Shift-JIS) and no newline added.
      const { stdout } = await run('zbarimg', ['--raw', '-q', '-Sbinary', path], { encoding: 'buffer' });
      return stdout.toString('utf8');
    });

  const png = async (bytes: Buffer) => {
    const path = file('png');
    await writeFile(path, bytes);
    return zbar(path);
  };

  return {
    png,
    // zbarimg cannot read SVG; resvg's own PNG writer is used here, not Blanca's encoder.
    svg: (svg) => png(new Resvg(svg, { font: { loadSystemFonts: false } }).render().asPng()),
    pdf: async (bytes) => {
      const pdfPath = file('pdf');
      const outBase = pdfPath.replace(/\.pdf$/, '-page');
      await writeFile(pdfPath, bytes);
      await limit(() => run('pdftoppm', ['-png', '-r', '150', '-singlefile', pdfPath, outBase]));
      return zbar(`${outBase}.png`);
    },
    close: () => rm(dir, { recursive: true, force: true }),
  };
}

/** Runs at most `slots` tasks at once; the tests stay within two cores' worth of child processes. */
function semaphore(slots: number) {
  const waiting: (() => void)[] = [];
  let free = slots;
  return async <T>(task: () => Promise<T>): Promise<T> => {
    if (free === 0) await new Promise<void>((resolve) => waiting.push(resolve));
    else free--;
    try {
      return await task();
    } finally {
      const next = waiting.shift();
      if (next) next();
      else free++;
    }
  };
}

/** Reads a PNG's pixels back through resvg (an independent PNG decoder), 1:1 without smoothing. */
export function decodePngPixels(png: Buffer, width: number, height: number): Buffer {
  const svg =
    `<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="${width}" height="${height}">` +
    `<image width="${width}" height="${height}" image-rendering="optimizeSpeed" xlink:href="data:image/png;base64,${png.toString('base64')}"/></svg>`;
  return new Resvg(svg, { font: { loadSystemFonts: false } }).render().pixels;
}

