import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { backboneSummary, readBackboneResults, BACKBONE_CSV_HEADER } from '../src/text/backbone';

function mird(...args: string[]): { code: number | null; out: string; err: string } {
  const r = spawnSync(process.execPath, ['bin/mird.js', ...args], { encoding: 'utf8', env: { ...process.env, MIRD_QUIET: '1' } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

const dir = mkdtempSync(join(tmpdir(), 'backbones-'));
const csv = join(dir, 'b.csv');
writeFileSync(csv, [BACKBONE_CSV_HEADER, 'glove,0,valid,0.7,0.7,1.1,0.5', 'glove,1,valid,0.8,0.8,1.0,0.6', 'glove,0,test,0.6,0.6,1.2,0.4'].join('\n') + '\n');

test('backbone results: read, summarise (mean ± sd over seeds), show', () => {
  const rows = readBackboneResults(csv);
  assert.equal(rows.length, 3);
  const s = backboneSummary(rows);
  assert.deepEqual(s[0], { candidate: 'glove', split: 'valid', seeds: 2, acc2_non0: '75.0 ± 7.1', f1_non0: '75.0 ± 7.1', mae: '1.050 ± 0.071', corr: '0.550 ± 0.071' });
  const r = mird('backbones', 'show', '--csv', csv);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /glove +valid n=2 acc2_non0 75\.0 ± 7\.1/);
  const bad = join(dir, 'bad.csv');
  writeFileSync(bad, BACKBONE_CSV_HEADER + '\nglove,0,train,1,1,1,1\n');
  assert.throws(() => readBackboneResults(bad), /line 2, field split: expected valid or test/);
});

test('CLI errors name the option', () => {
  const r = mird('backbones', 'compare', '--candidates', 'bogus', '--csv', join(dir, 'x.csv'));
  assert.equal(r.code, 2);
  assert.match(r.err, /unknown candidate "bogus"/);
  const f = mird('backbones', 'compare', '--candidates', 'glove', '--freeze', 'all', '--csv', join(dir, 'x.csv'));
  assert.equal(f.code, 2);
  assert.match(f.err, /--freeze must be none or embeddings, got "all"/);
  const b = mird('backbones', 'compare', '--candidates', 'glove', '--batch', '0', '--csv', join(dir, 'x.csv'));
  assert.equal(b.code, 2);
  assert.match(b.err, /--batch must be a positive integer, got 0/);
  for (const [flag, value] of [['lr', '-1'], ['epochs', '2.5'], ['mosei-lr', '0'], ['mosei-epochs', '0']]) {
    const e = mird('backbones', 'compare', '--candidates', 'glove', `--${flag}`, value as string, '--csv', join(dir, 'x.csv'));
    assert.equal(e.code, 2, `--${flag} ${value}`);
    assert.match(e.err, new RegExp(`--${flag} must be a positive (integer|number), got ${value}`));
  }
  const th = mird('backbones', 'compare', '--candidates', 'glove', '--transfer-head', '--csv', join(dir, 'x.csv'));
  assert.equal(th.code, 2);
  assert.match(th.err, /--transfer-head applies to the mosei candidate only/);
  const uf = mird('backbones', 'compare', '--candidates', 'use-lite', '--freeze', 'embeddings', '--csv', join(dir, 'x.csv'));
  assert.equal(uf.code, 2);
  assert.match(uf.err, /--freeze and --pooling apply to the BERT candidates only/);
  const um = mird('backbones', 'compare', '--candidates', 'mosei,use-lite-mosei', '--mosei', join(dir, 'm'), '--csv', join(dir, 'x.csv'));
  assert.equal(um.code, 2);
  assert.match(um.err, /--mosei names one MOSEI-stage folder/);
  const us = mird('backbones', 'ship', '--candidate', 'use-lite', '--out', join(dir, 'never'));
  assert.equal(us.code, 2);
  assert.match(us.err, /use-lite cannot be shipped/);
  const p = mird('pretrain-text', '--preset', 'huge');
  assert.equal(p.code, 2);
  assert.match(p.err, /--preset must be one of base, small, mini, tiny/);
  assert.equal(mird('pretrain-text', '--help').code, 0);
  // --seed 0 is the default seed, so it must be accepted (it was rejected as "not positive");
  // a negative seed names the flag. --steps 0 fails after the seed check, before any data is read.
  const s0 = mird('pretrain-text', '--seed', '0', '--steps', '0');
  assert.equal(s0.code, 2);
  assert.match(s0.err, /--steps must be a positive integer, got 0/);
  const sn = mird('pretrain-text', '--seed', '-1');
  assert.equal(sn.code, 2);
  assert.match(sn.err, /--seed must be a non-negative integer, got -1/);
});
