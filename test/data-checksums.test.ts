// Every file listed in data/SHA256SUMS is present and unchanged, and every vendored data file
// is listed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { repoPath } from '../src/paths';

const dataDir = repoPath('data');

function listed(): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of readFileSync(join(dataDir, 'SHA256SUMS'), 'utf8').split('\n')) {
    if (line.trim() === '') continue;
    const m = /^([0-9a-f]{64}) [ *](.+)$/.exec(line);
    assert.ok(m, `malformed SHA256SUMS line: ${line}`);
    out.set(m[2] as string, m[1] as string);
  }
  return out;
}

test('every SHA256SUMS entry matches its file', () => {
  const sums = listed();
  assert.equal(sums.size, 9);
  for (const [file, expected] of sums) {
    const actual = createHash('sha256').update(readFileSync(join(dataDir, file))).digest('hex');
    assert.equal(actual, expected, `checksum mismatch for data/${file}`);
  }
});

test('every vendored file under mosi/, mosei/ and samples/ is listed', () => {
  const sums = listed();
  const walk = (dir: string): string[] =>
    readdirSync(dir).flatMap((name) => {
      const p = join(dir, name);
      return statSync(p).isDirectory() ? walk(p) : [relative(dataDir, p)];
    });
  for (const sub of ['mosi', 'mosei', 'samples']) {
    for (const file of walk(join(dataDir, sub))) {
      if (file.endsWith('.pkl')) continue; // users' own pickles are not vendored
      assert.ok(sums.has(file), `data/${file} is not in SHA256SUMS`);
    }
  }
});
