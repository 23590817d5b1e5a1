// A small RFC 4180 CSV reader for the real-data files (label.csv, utterance features).
// Quoted fields may hold commas, doubled quotes ("") and line breaks; records end in LF or
// CRLF. Every record remembers the physical line it starts on, so a reader can say
// "label.csv line 1734, field label: ..." instead of "row 1733 of something". danfojs is for
// notebook tables; the loaders use this so their errors can name file, line and field.
import { readFileSync, existsSync } from 'node:fs';
import { isAbsolute, relative } from 'node:path';
import { repoRoot } from '../paths';

export class CsvError extends Error {}

export interface CsvTable {
  file: string;
  header: string[];
  /** one entry per data record (header excluded), each with header.length fields */
  rows: string[][];
  /** 1-based physical line on which each data record starts */
  lines: number[];
}

/**
 * Splits CSV text into records. `file` only labels error messages. Every record must have as
 * many fields as the header; a blank last line is allowed, blank lines elsewhere are not.
 */
export function parseCsv(text: string, file = '<csv>'): CsvTable {
  const records: string[][] = [];
  const starts: number[] = [];
  let field = '';
  let record: string[] = [];
  let line = 1;
  let recordLine = 1;
  let inQuotes = false;
  let quoteOpenedLine = 0;
  let fieldWasQuoted = false;
  let i = 0;
  // a leading UTF-8 byte-order mark is not part of the first column name
  if (text.charCodeAt(0) === 0xfeff) i = 1;
  const n = text.length;
  const endRecord = (): void => {
    record.push(field);
    records.push(record);
    starts.push(recordLine);
    record = [];
    field = '';
    fieldWasQuoted = false;
  };
  while (i < n) {
    const ch = text[i] as string;
    if (inQuotes) {
      if (ch === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i += 2;
          continue;
        }
        inQuotes = false;
        i += 1;
        const next = text[i];
        if (next !== undefined && next !== ',' && next !== '\n' && next !== '\r') {
          throw new CsvError(`${file} line ${line}: unexpected character ${JSON.stringify(next)} after a closing quote (a quote inside a quoted field must be doubled)`);
        }
        continue;
      }
      if (ch === '\n') line += 1;
      field += ch;
      i += 1;
      continue;
    }
    if (ch === '"') {
      if (field.length > 0 || fieldWasQuoted) {
        throw new CsvError(`${file} line ${line}: a quote in the middle of an unquoted field (quote the whole field and double the quote)`);
      }
      inQuotes = true;
      fieldWasQuoted = true;
      quoteOpenedLine = line;
      i += 1;
      continue;
    }
    if (ch === ',') {
      record.push(field);
      field = '';
      fieldWasQuoted = false;
      i += 1;
      continue;
    }
    if (ch === '\r' || ch === '\n') {
      endRecord();
      i += ch === '\r' && text[i + 1] === '\n' ? 2 : 1;
      line += 1;
      recordLine = line;
      continue;
    }
    field += ch;
    i += 1;
  }
  if (inQuotes) throw new CsvError(`${file} line ${quoteOpenedLine}: quoted field never closed (end of file reached)`);
  // text not ending in a newline still has its last record pending
  if (field.length > 0 || record.length > 0 || fieldWasQuoted) endRecord();

  // blank lines at the very end (an editor's extra newline) carry no record
  while (records.length > 1) {
    const last = records[records.length - 1] as string[];
    if (last.length !== 1 || last[0] !== '') break;
    records.pop();
    starts.pop();
  }
  if (records.length === 0) throw new CsvError(`${file}: empty file, expected a header line`);
  const header = records[0] as string[];
  const seen = new Set<string>();
  for (const name of header) {
    if (seen.has(name)) throw new CsvError(`${file} line 1: duplicate column "${name}"`);
    seen.add(name);
  }
  const rows: string[][] = [];
  const lines: number[] = [];
  for (let r = 1; r < records.length; r++) {
    const rec = records[r] as string[];
    const at = starts[r] as number;
    if (rec.length === 1 && rec[0] === '') {
      throw new CsvError(`${file} line ${at}: blank line inside the data`);
    }
    if (rec.length !== header.length) {
      throw new CsvError(`${file} line ${at}: ${rec.length} fields, expected ${header.length} (${header.join(',')})`);
    }
    rows.push(rec);
    lines.push(at);
  }
  return { file, header, rows, lines };
}

/** Reads and parses a CSV file; a missing file is an error that names it. */
export function readCsv(path: string): CsvTable {
  if (!existsSync(path)) throw new CsvError(`${path}: file not found`);
  return parseCsv(readFileSync(path, 'utf8'), path);
}

/** Index of a required column; the error lists the columns that are there. */
export function columnIndex(table: CsvTable, name: string): number {
  const idx = table.header.indexOf(name);
  if (idx < 0) throw new CsvError(`${table.file}: missing column "${name}" (columns: ${table.header.join(', ')})`);
  return idx;
}

/** A finite number from a field, or an error naming file, line and column. */
export function parseFiniteNumber(table: CsvTable, row: number, column: string, value: string): number {
  const trimmed = value.trim();
  const x = trimmed === '' ? Number.NaN : Number(trimmed);
  if (!Number.isFinite(x)) {
    throw new CsvError(`${table.file} line ${table.lines[row]}, field ${column}: expected a finite number, got ${JSON.stringify(value)}`);
  }
  return x;
}

/** A path for notes and tables: relative to the repository root when inside it. */
export function displayPath(path: string): string {
  try {
    const rel = relative(repoRoot(), path);
    return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel) ? rel : path;
  } catch {
    return path;
  }
}
