// `mird mi-toy`: output format (row keys fixed: estimator, level, trueMI, clubClosedForm, mean,
// std, bias, mse), sibling files, and clear CLI errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const mird = (args: string[]) =>
  spawnSync(process.execPath, ['bin/mird.js', 'mi-toy', ...args], { encoding: 'utf8', env: { ...process.env, MIRD_QUIET: '1' } });

test('mi-toy writes one row per estimator and level with exactly the fixed keys', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mi-toy-'));
  try {
    const out = join(dir, 'toy.json');
    const r = mird(['--out', out, '--steps', '12', '--seed', '3', '--estimators', 'CLUB-h15,InfoNCE-h15', '--skip-d64', '--skip-minimisation']);
    assert.equal(r.status, 0, r.stderr);
    const rows = JSON.parse(readFileSync(out, 'utf8')) as Array<Record<string, unknown>>;
    assert.equal(rows.length, 2 * 5);
    for (const row of rows) {
      assert.deepEqual(Object.keys(row), ['estimator', 'level', 'trueMI', 'clubClosedForm', 'mean', 'std', 'bias', 'mse']);
      for (const k of ['trueMI', 'clubClosedForm', 'mean', 'std', 'bias', 'mse']) assert.ok(Number.isFinite(row[k]), `${k} not finite`);
      assert.ok(Math.abs((row.bias as number) - ((row.mean as number) - (row.trueMI as number))) < 1e-4);
    }
    assert.deepEqual([...new Set(rows.map((r2) => r2.estimator))], ['CLUB-h15', 'InfoNCE-h15']);
    assert.deepEqual(rows.slice(0, 5).map((r2) => r2.level), [2, 4, 6, 8, 10]);
    assert.ok(existsSync(join(dir, 'toy.md')) && existsSync(join(dir, 'toy.traces.json')));
    assert.match(readFileSync(join(dir, 'toy.md'), 'utf8'), /Seed 3/);
    // a skipped part leaves no earlier run's file behind under the same stem
    writeFileSync(join(dir, 'toy.d64.json'), '{"stale": true}\n');
    writeFileSync(join(dir, 'toy.minimisation.json'), '{"stale": true}\n');
    assert.equal(mird(['--out', out, '--steps', '12', '--seed', '3', '--estimators', 'CLUB-h15,InfoNCE-h15', '--skip-d64', '--skip-minimisation']).status, 0);
    assert.ok(!existsSync(join(dir, 'toy.d64.json')) && !existsSync(join(dir, 'toy.minimisation.json')));
    // same seed, same numbers
    const again = join(dir, 'again.json');
    assert.equal(mird(['--out', again, '--steps', '12', '--seed', '3', '--estimators', 'CLUB-h15,InfoNCE-h15', '--skip-d64', '--skip-minimisation']).status, 0);
    assert.deepEqual(JSON.parse(readFileSync(again, 'utf8')), rows);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('mi-toy rejects bad options with one clear message', () => {
  const noOut = mird([]);
  assert.equal(noOut.status, 2);
  assert.match(noOut.stderr, /--out <file.json> is required/);
  const badEst = mird(['--out', '/tmp/x.json', '--estimators', 'CLUB-wide']);
  assert.equal(badEst.status, 2);
  assert.match(badEst.stderr, /estimator "CLUB-wide" is not KIND-hN/);
  const badOut = mird(['--out', '/tmp/x.txt']);
  assert.equal(badOut.status, 2);
  assert.match(badOut.stderr, /must name a .json file/);
});
