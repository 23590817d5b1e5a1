import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseCsv, readCsv, columnIndex, parseFiniteNumber, CsvError } from '../src/data/csv';

test('plain records, LF and CRLF, trailing newline or not', () => {
  for (const text of ['a,b\n1,2\n3,4\n', 'a,b\r\n1,2\r\n3,4\r\n', 'a,b\n1,2\n3,4', 'a,b\r\n1,2\r\n3,4\n\n']) {
    const t = parseCsv(text, 'x.csv');
    assert.deepEqual(t.header, ['a', 'b']);
    assert.deepEqual(t.rows, [['1', '2'], ['3', '4']]);
    assert.deepEqual(t.lines, [2, 3]);
  }
});

test('quoted fields hold commas, doubled quotes and line breaks; line numbers follow physical lines', () => {
  const text = 'id,text,n\r\n1,"hello, world",5\r\n2,"she said ""hi""",6\r\n3,"two\nlines\r\nthree",7\r\n4,,8\r\n5,"",9';
  const t = parseCsv(text, 'q.csv');
  assert.deepEqual(t.rows.map((r) => r[1]), ['hello, world', 'she said "hi"', 'two\nlines\r\nthree', '', '']);
  assert.deepEqual(t.lines, [2, 3, 4, 7, 8]);
  assert.deepEqual(t.rows.map((r) => r[2]), ['5', '6', '7', '8', '9']);
});

test('empty last field and a BOM', () => {
  const t = parseCsv('\ufeffa,b\n1,\n', 'bom.csv');
  assert.deepEqual(t.header, ['a', 'b']);
  assert.deepEqual(t.rows, [['1', '']]);
});

test('errors name the file and the line', () => {
  const cases: [string, RegExp][] = [
    ['a,b\n1,2\n3\n', /bad\.csv line 3: 1 fields, expected 2/],
    ['a,b\n1,"open\n2,3\n', /bad\.csv line 2: quoted field never closed/],
    ['a,b\n1,"x"y\n', /bad\.csv line 2: unexpected character "y" after a closing quote/],
    ['a,b\n1,x"y\n', /bad\.csv line 2: a quote in the middle of an unquoted field/],
    ['a,b\n1,2\n\n3,4\n', /bad\.csv line 3: blank line inside the data/],
    ['a,a\n1,2\n', /bad\.csv line 1: duplicate column "a"/],
    ['', /bad\.csv: empty file/],
  ];
  for (const [text, re] of cases) assert.throws(() => parseCsv(text, 'bad.csv'), (e: unknown) => e instanceof CsvError && re.test(e.message));
});

test('readCsv: missing file; columnIndex and parseFiniteNumber name file, line and column', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mird-csv-'));
  assert.throws(() => readCsv(join(dir, 'nope.csv')), /nope\.csv: file not found/);
  const p = join(dir, 'n.csv');
  writeFileSync(p, 'x,y\n1,2\n3,NaN\n4,inf\n5,\n');
  const t = readCsv(p);
  assert.throws(() => columnIndex(t, 'z'), /n\.csv: missing column "z" \(columns: x, y\)/);
  assert.equal(parseFiniteNumber(t, 0, 'y', t.rows[0]![1]!), 2);
  assert.throws(() => parseFiniteNumber(t, 1, 'y', t.rows[1]![1]!), /n\.csv line 3, field y: expected a finite number, got "NaN"/);
  assert.throws(() => parseFiniteNumber(t, 2, 'y', t.rows[2]![1]!), /line 4, field y/);
  assert.throws(() => parseFiniteNumber(t, 3, 'y', t.rows[3]![1]!), /line 5, field y: expected a finite number, got ""/);
});
