import { invalid } from '../platform/errors.js';
import { forbiddenCharacter, MAX_CSV_CELL_CHARS, MAX_CSV_COLUMNS, MAX_CSV_ROWS } from '../platform/input-limits.js';

// RFC 4180 CSV, both ways, small enough to read: quoted fields, "" inside quotes, CRLF or LF.

export interface CsvLimits {
  /** Rows, the header line included. */
  rows: number;
  columns: number;
  cellChars: number;
}
/** A header line and at most MAX_CSV_ROWS data rows. */
export const BULK_CSV_LIMITS: CsvLimits = { rows: MAX_CSV_ROWS + 1, columns: MAX_CSV_COLUMNS, cellChars: MAX_CSV_CELL_CHARS };

/**
 * Rows of cells; a quote may span lines. Blank lines are skipped. Parsing stops at the first
 * limit passed (400 on the field `csv` naming the limit and the line), and at a character no text
 * may hold, so a hostile file costs no more than reading it once.
 */
export function parseCsv(text: string, limits: CsvLimits = BULK_CSV_LIMITS): string[][] {
  const bad = forbiddenCharacter(text);
  if (bad) throw invalid('csv', `The file contains a character that is not allowed (${bad}).`);
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0; // Excel writes a byte-order mark
  const line = () => rows.length + 1;
  const endCell = () => {
    row.push(cell);
    cell = '';
    if (row.length > limits.columns) throw invalid('csv', `At most ${limits.columns} columns per line; line ${line()} has more.`);
  };
  const endRow = () => {
    endCell();
    if (row.length > 1 || row[0] !== '') rows.push(row);
    if (rows.length > limits.rows) throw invalid('csv', `At most ${limits.rows - 1} rows per file (after the header line).`);
    row = [];
  };
  for (; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          cell += '"';
          i++;
        } else quoted = false;
      } else cell += c;
    } else if (c === '"' && cell === '') quoted = true;
    else if (c === ',') endCell();
    else if (c === '\n') endRow();
    else if (c === '\r') {
      if (text[i + 1] === '\n') i++;
      endRow();
    } else cell += c;
    if (cell.length > limits.cellChars) throw invalid('csv', `A cell has at most ${limits.cellChars} characters; line ${line()} has a longer one.`);
  }
  if (cell !== '' || row.length > 0) endRow();
  return rows;
}

/** One CSV line. A cell starting with = + - @ gets a leading ' so spreadsheets never run it as a formula. */
export function csvLine(cells: ReadonlyArray<string | number | null | undefined>): string {
  return `${cells
    .map((value) => {
      let text = value === null || value === undefined ? '' : String(value);
      if (/^[=+\-@\t\r]/.test(text) && typeof value === 'string') text = `'${text}`;
      return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
    })
    .join(',')}\r\n`;
}
