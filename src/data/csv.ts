/**
 * Reading the CSV files users bring (manifests, predictions): the text encoding (UTF-8 with or
 * without a BOM, UTF-16 from Excel's "Unicode Text", refusing Latin-1 and binary files by name), the
 * delimiter (`,`, `;` from European Excel, tab, `|`), and the records with the line each starts on.
 * Parsing itself is `csv-parse` (RFC 4180 quoting, CRLF / LF / CR); this file only adds what errors
 * need: the file, the line, and how the file was read.
 */
import * as fs from 'node:fs';
import { parse } from 'csv-parse/sync';

/** One CSV record: its fields and the 1-based line it starts on. */
export interface CsvRow {
  line: number;
  fields: string[];
}

/** Text encodings {@link readCsvFile} recognises. */
export type CsvEncoding = 'utf-8' | 'utf-16le' | 'utf-16be';

/** Delimiters {@link readCsvFile} detects. */
export const CSV_DELIMITERS = [',', ';', '\t', '|'] as const;

/** A delimiter of {@link CSV_DELIMITERS}. */
export type CsvDelimiter = (typeof CSV_DELIMITERS)[number];

/** A CSV file as read: how it was read, its header and its data rows. */
export interface CsvFile {
  file: string;
  encoding: CsvEncoding;
  /** Whether the file started with a byte-order mark. */
  bom: boolean;
  delimiter: CsvDelimiter;
  /** The header row's fields, as written (trimmed). */
  header: string[];
  /** The data rows (blank lines and rows of empty fields left out), with their lines. */
  rows: CsvRow[];
}

/** Options of {@link readCsvFile}. */
export interface ReadCsvOptions {
  /** Column names expected in the header (case-insensitive), used to detect the delimiter. */
  expect?: readonly string[];
  /** Force the delimiter instead of detecting it. */
  delimiter?: CsvDelimiter;
}

/**
 * How the file was read, for messages: `UTF-16LE, ';'-separated` (UTF-8 and `,` are not mentioned).
 *
 * @example
 * ```ts
 * csvFormat(readCsvFile('preds.csv')); // "tab-separated"
 * ```
 */
export function csvFormat(f: Pick<CsvFile, 'encoding' | 'delimiter'>): string {
  const parts: string[] = [];
  if (f.encoding !== 'utf-8') parts.push(f.encoding.toUpperCase());
  parts.push(f.delimiter === '\t' ? 'tab-separated' : `'${f.delimiter}'-separated`);
  return parts.join(', ');
}

/** Line (1-based) and column of character offset `at` in `text`. */
function lineOf(bytes: Buffer, at: number): { line: number; column: number } {
  let line = 1;
  let start = 0;
  for (let i = 0; i < at; i++) {
    if (bytes[i] === 0x0a) {
      line++;
      start = i + 1;
    }
  }
  return { line, column: at - start + 1 };
}

/**
 * Decodes a text file: UTF-8 (a BOM is dropped), UTF-16 LE/BE (with a BOM, or without one when the
 * zero bytes of ASCII text show it). Anything else is an error naming the file and what it seems to
 * be: not UTF-8 (the first invalid byte's line; Latin-1 / Windows-1252 exports), an Excel workbook,
 * a Parquet file, or binary data.
 *
 * @example
 * ```ts
 * import * as fs from 'node:fs';
 * const { text, encoding } = decodeTextFile(fs.readFileSync('preds.csv'), 'preds.csv');
 * ```
 */
export function decodeTextFile(bytes: Buffer, file: string): { text: string; encoding: CsvEncoding; bom: boolean } {
  const b = bytes;
  if (b.length >= 3 && b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf) return { text: utf8(b.subarray(3), file), encoding: 'utf-8', bom: true };
  if (b.length >= 2 && b[0] === 0xff && b[1] === 0xfe) return { text: utf16(b.subarray(2), 'le', file), encoding: 'utf-16le', bom: true };
  if (b.length >= 2 && b[0] === 0xfe && b[1] === 0xff) return { text: utf16(b.subarray(2), 'be', file), encoding: 'utf-16be', bom: true };
  if (b.length >= 4 && b[0] === 0x50 && b[1] === 0x4b && b[2] === 0x03 && b[3] === 0x04) {
    throw new Error(`${file}: this is a zip archive (an Excel .xlsx workbook?), not CSV text; save it as "CSV UTF-8"`);
  }
  if (b.length >= 4 && b.toString('latin1', 0, 4) === 'PAR1') throw new Error(`${file}: this is a Parquet file, not CSV text`);
  // UTF-16 without a BOM: ASCII characters leave a zero in every other byte.
  const probe = Math.min(b.length - (b.length % 2), 4096);
  if (probe >= 4) {
    let evenZero = 0;
    let oddZero = 0;
    for (let i = 0; i < probe; i += 2) {
      if (b[i] === 0) evenZero++;
      if (b[i + 1] === 0) oddZero++;
    }
    const pairs = probe / 2;
    if (oddZero > 0.3 * pairs && evenZero < 0.05 * pairs) return { text: utf16(b, 'le', file), encoding: 'utf-16le', bom: false };
    if (evenZero > 0.3 * pairs && oddZero < 0.05 * pairs) return { text: utf16(b, 'be', file), encoding: 'utf-16be', bom: false };
  }
  const nul = b.indexOf(0);
  if (nul >= 0) {
    const { line } = lineOf(b, nul);
    throw new Error(`${file}: line ${line}: a NUL byte (offset ${nul}): this is binary data, not CSV text`);
  }
  return { text: utf8(b, file), encoding: 'utf-8', bom: false };
}

function utf8(b: Buffer, file: string): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(b);
  } catch {
    // Find the first invalid byte for the message.
    let i = 0;
    while (i < b.length) {
      const c = b[i];
      const len = c < 0x80 ? 1 : c >= 0xc2 && c <= 0xdf ? 2 : c >= 0xe0 && c <= 0xef ? 3 : c >= 0xf0 && c <= 0xf4 ? 4 : 0;
      let ok = len > 0 && i + len <= b.length;
      for (let k = 1; ok && k < len; k++) ok = (b[i + k] & 0xc0) === 0x80;
      if (ok && len > 1) ok = new TextDecoder('utf-8', { fatal: false }).decode(b.subarray(i, i + len)) !== '\ufffd';
      if (!ok) break;
      i += len;
    }
    const { line, column } = lineOf(b, i);
    throw new Error(
      `${file}: line ${line}, column ${column}: byte 0x${(b[i] ?? 0).toString(16).toUpperCase().padStart(2, '0')} is not UTF-8; ` +
        `the file is in another encoding (Latin-1 / Windows-1252, as older Excel saves "CSV"): save it as "CSV UTF-8" (or UTF-16)`,
    );
  }
}

function utf16(b: Buffer, order: 'le' | 'be', file: string): string {
  if (b.length % 2 !== 0) throw new Error(`${file}: UTF-16${order.toUpperCase()} text with an odd number of bytes (${b.length}): the file is truncated`);
  if (order === 'le') return b.toString('utf16le');
  const copy = Buffer.from(b);
  copy.swap16();
  return copy.toString('utf16le');
}

const PARSE_OPTIONS = {
  relax_column_count: true,
  // A quote inside an unquoted field (`12" vinyl`) is a character, as in pandas and the old reader.
  relax_quotes: true,
  // Spaces around fields and after a closing quote (`"a,b" ,c`); every cell is trimmed anyway.
  trim: true,
  skip_empty_lines: false,
  record_delimiter: ['\r\n', '\n', '\r'],
};

interface CsvParseError extends Error {
  code?: string;
}

/**
 * Parses CSV text (RFC 4180: quoted fields, doubled quotes, delimiters and newlines inside quotes;
 * LF, CRLF or CR line ends) with `csv-parse` into records, each with the 1-based line it starts on.
 * Blank lines and rows whose fields are all empty (Excel writes `,,,` for blank rows) are left out.
 * Errors name `what` and the line.
 *
 * @example
 * ```ts
 * parseCsv('path,label\n"a,b.png",cat\n'); // [{line: 1, fields: ['path','label']}, {line: 2, fields: ['a,b.png','cat']}]
 * ```
 */
export function parseCsv(text: string, what = 'CSV', delimiter: CsvDelimiter = ','): CsvRow[] {
  const s = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  // csv-parse reports each record's end as a byte offset (its own line count counts a CRLF inside
  // quotes twice), so lines are counted here: a record starts where the previous one ended.
  const bytes = Buffer.from(s, 'utf8');
  const records: Array<{ record: string[]; end: number }> = [];
  let line = 1;
  let pos = 0;
  const lineAt = (offset: number): number => {
    for (; pos < offset; pos++) {
      const c = bytes[pos];
      if (c === 0x0a || (c === 0x0d && bytes[pos + 1] !== 0x0a)) line++;
    }
    return line;
  };
  try {
    parse(bytes, {
      ...PARSE_OPTIONS,
      delimiter,
      on_record: (record: string[], context: { bytes: number }) => {
        records.push({ record, end: context.bytes });
        return null;
      },
    });
  } catch (e) {
    const err = e as CsvParseError;
    const start = lineAt(records.length ? records[records.length - 1].end : 0);
    if (err.code === 'CSV_QUOTE_NOT_CLOSED') throw new Error(`${what}: unterminated quoted field starting on line ${start}`, { cause: e });
    const msg = err.message.replace(/ at line \d+/, '');
    throw new Error(`${what}: line ${start}: ${msg}`, { cause: e });
  }
  const rows: CsvRow[] = [];
  let prevEnd = 0;
  for (const { record, end } of records) {
    const first = lineAt(prevEnd);
    prevEnd = end;
    if (record.every((f) => f.trim() === '')) continue;
    rows.push({ line: first, fields: record });
  }
  return rows;
}

/** The first line of `text` (the header), without its line end. */
function firstLine(text: string): string {
  const lines = text.split(/\r\n|\n|\r/);
  return lines.find((l) => l.trim() !== '') ?? '';
}

/**
 * Reads a CSV file: decodes it ({@link decodeTextFile}), detects the delimiter from the header (the
 * one of `, ; tab |` under which the most `expect`ed columns appear, then the most fields), parses it
 * ({@link parseCsv}) and splits off the header. Errors name the file (and line).
 *
 * @example
 * ```ts
 * const csv = readCsvFile('preds.csv', { expect: ['id', 'label', 'pred'] });
 * csv.delimiter; // ';' for a file saved by a German Excel
 * ```
 */
export function readCsvFile(file: string, opts: ReadCsvOptions = {}): CsvFile {
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new Error(`cannot read ${file}: ${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'a folder, not a file' : (e as Error).message}`, { cause: e });
  }
  const { text, encoding, bom } = decodeTextFile(bytes, file);
  const delimiter = opts.delimiter ?? detectDelimiter(firstLine(text), opts.expect ?? []);
  const rows = parseCsv(text, file, delimiter);
  if (rows.length === 0) return { file, encoding, bom, delimiter, header: [], rows: [] };
  return { file, encoding, bom, delimiter, header: rows[0].fields.map((h) => h.trim()), rows: rows.slice(1) };
}

/**
 * The delimiter of a header line: the candidate under which the most expected column names appear,
 * then the one giving the most fields, then `,`.
 *
 * @example
 * ```ts
 * detectDelimiter('id;label;pred', ['id', 'label', 'pred']); // ';'
 * ```
 */
export function detectDelimiter(header: string, expect: readonly string[]): CsvDelimiter {
  const wanted = new Set(expect.map((e) => e.toLowerCase()));
  let best: CsvDelimiter = ',';
  let bestScore = [-1, -1];
  for (const d of CSV_DELIMITERS) {
    let fields: string[];
    try {
      fields = (parse(header, { delimiter: d, relax_quotes: true, relax_column_count: true }) as string[][])[0] ?? [];
    } catch {
      continue;
    }
    const found = fields.filter((f) => wanted.has(f.trim().toLowerCase())).length;
    const score = [found, fields.length];
    if (score[0] > bestScore[0] || (score[0] === bestScore[0] && score[1] > bestScore[1])) {
      best = d;
      bestScore = score;
    }
  }
  return best;
}
