// The command line as a new user meets it: --version, help for every command and subcommand,
// one seed rule, and every flag and path checked before any work (exit 2, the flag named,
// nothing left behind). No test here trains a model through the CLI.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CliError, MAX_SEED, outputDir, outputFile, parseArgs, seedFlag, seedListFlag } from '../src/cli/args';
import { writeBackboneRows } from '../src/cli/backbones';
import { BACKBONE_CSV_HEADER } from '../src/text/backbone';
import { initBackend } from '../src/backend';
import { bertConfig } from '../src/text/bert-config';
import { pretrainMlm } from '../src/train/mlm';
import { WordPieceTokenizer } from '../src/text/tokenizer';
import { repoPath } from '../src/paths';

function mird(...args: string[]): { code: number | null; out: string; err: string } {
  const r = spawnSync(process.execPath, ['bin/mird.js', ...args], { cwd: repoPath(), encoding: 'utf8', env: { ...process.env, MIRD_QUIET: '1' } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** Exit 2 with a message matching `pattern` on stderr, before any work (nothing on stdout). */
function rejects(args: string[], pattern: RegExp): void {
  const r = mird(...args);
  assert.equal(r.code, 2, `mird ${args.join(' ')} exited ${r.code}: ${r.err}`);
  assert.match(r.err, pattern, `mird ${args.join(' ')}`);
  assert.equal(r.out, '', `mird ${args.join(' ')} printed results`);
  assert.doesNotMatch(r.err, /backend:/, `mird ${args.join(' ')} started the backend before failing`);
}

const dir = mkdtempSync(join(tmpdir(), 'mird-cli-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));

test('mird --version and -V print the package version', () => {
  const version = (JSON.parse(readFileSync(repoPath('package.json'), 'utf8')) as { version: string }).version;
  for (const flag of ['--version', '-V']) {
    const r = mird(flag);
    assert.equal(r.code, 0, r.err);
    assert.equal(r.out, `mird ${version}\n`);
  }
  const bare = mird();
  assert.equal(bare.code, 2);
  assert.match(bare.err, /missing command[\s\S]*usage: mird <command>/);
});

test('every command and subcommand has its own help, exit 0', () => {
  const cases: [string[], RegExp][] = [
    [['--help'], /usage: mird <command>[\s\S]*mird --version/],
    [['help', 'info'], /usage: mird info/],
    [['data', '--help'], /usage: mird data inspect/],
    [['data', '-h'], /usage: mird data inspect/],
    [['data', 'inspect', '--help'], /usage: mird data inspect/],
    [['info', '-h'], /usage: mird info/],
    [['mi-toy', '--help'], /usage: mird mi-toy/],
    [['pretrain-text', '-h'], /--max-length <number>/],
    [['backbones', '--help'], /subcommands:[\s\S]*compare[\s\S]*ship[\s\S]*show/],
    [['backbones', 'compare', '--help'], /usage: mird backbones compare[\s\S]*--remeasure/],
    [['backbones', 'ship', '-h'], /usage: mird backbones ship[\s\S]*--candidate/],
    [['backbones', 'show', '--help'], /usage: mird backbones show/],
  ];
  for (const [args, pattern] of cases) {
    const r = mird(...args);
    assert.equal(r.code, 0, `mird ${args.join(' ')}: ${r.err}`);
    assert.match(r.out, pattern, `mird ${args.join(' ')}`);
  }
  // a subcommand's help lists its own flags only
  assert.doesNotMatch(mird('backbones', 'show', '--help').out, /--seeds|--candidate/);
  assert.doesNotMatch(mird('backbones', 'compare', '--help').out, /--out /);
});

test('one seed rule: a non-negative integer below 2^32, lists without repeats', () => {
  assert.equal(seedFlag({}), 0);
  assert.equal(seedFlag({ seed: 7 }), 7);
  assert.equal(seedFlag({ seed: MAX_SEED }), MAX_SEED);
  for (const bad of [-3, 1.5, MAX_SEED + 1]) assert.throws(() => seedFlag({ seed: bad }), (e: unknown) => e instanceof CliError && /--seed must be a non-negative integer, got/.test(e.message));
  assert.deepEqual(seedListFlag({}), [0, 1, 2]);
  assert.deepEqual(seedListFlag({ seeds: '3, 1,2' }), [3, 1, 2]);
  assert.throws(() => seedListFlag({ seeds: '0,1,0' }), /--seeds lists seed 0 twice/);
  assert.throws(() => seedListFlag({ seeds: '0,,1' }), /--seeds has an empty entry/);
  assert.throws(() => seedListFlag({ seeds: '0,-1' }), /--seeds must be non-negative integers, got "-1"/);
  assert.throws(() => seedListFlag({ seeds: '0,x' }), /got "x"/);
  // the same rule through every command that takes a seed
  rejects(['data', 'inspect', 'synthetic:small', '--seed', '-3', '--no-tokens'], /--seed must be a non-negative integer, got -3/);
  rejects(['data', 'inspect', 'synthetic:small', '--seed', '1.5', '--no-tokens'], /--seed must be a non-negative integer, got 1\.5/);
  rejects(['mi-toy', '--out', join(dir, 'm.json'), '--seed', '4294967296'], /--seed must be a non-negative integer, got 4294967296/);
  rejects(['pretrain-text', '--seed', '-1', '--out', join(dir, 'p')], /--seed must be a non-negative integer, got -1/);
  rejects(['backbones', 'ship', '--candidate', 'glove', '--seed', '-2', '--out', join(dir, 's')], /--seed must be a non-negative integer, got -2/);
  rejects(['backbones', 'compare', '--candidates', 'glove', '--seeds', '0,0', '--csv', join(dir, 'x.csv')], /--seeds lists seed 0 twice/);
  assert.ok(!existsSync(join(dir, 'p')) && !existsSync(join(dir, 's')) && !existsSync(join(dir, 'x.csv')));
});

test('flag values: decimals only, no repeats, -h is --help', () => {
  const spec = { n: { type: 'number' as const, description: '' }, help: { type: 'boolean' as const, description: '' } };
  for (const bad of [' ', '0x10', 'Infinity', '1e', 'NaN']) assert.throws(() => parseArgs(['--n', bad], spec), /--n needs a (number|value)/, JSON.stringify(bad));
  assert.equal(parseArgs(['--n=-2.5e1'], spec).flags.n, -25);
  assert.throws(() => parseArgs(['--n', '1', '--n', '2'], spec), /--n is given twice/);
  assert.equal(parseArgs(['-h'], spec).flags.help, true);
});

test('output paths are checked before work: directories, files in the way', () => {
  const aDir = join(dir, 'taken.json');
  mkdirSync(aDir);
  const aFile = join(dir, 'file');
  writeFileSync(aFile, 'x');
  assert.throws(() => outputFile(aDir, '--out'), /--out .*taken\.json is a directory; give a file path/);
  assert.throws(() => outputFile(join(aFile, 'x.json'), '--out'), /file is a file, so .* cannot be created/);
  assert.throws(() => outputDir(aFile, '--out'), /--out .*file is a file, not a folder/);
  assert.equal(outputFile(join(dir, 'new', 'deeper', 'a.json'), '--out'), join(dir, 'new', 'deeper', 'a.json'));
  // mi-toy used to fail on a directory only after its whole run
  rejects(['mi-toy', '--out', aDir], /--out .*taken\.json is a directory/);
  rejects(['mi-toy', '--out', join(aFile, 'toy.json')], /is a file, so/);
  rejects(['backbones', 'ship', '--candidate', 'glove', '--out', aFile], /--out .* is a file, not a folder/);
  rejects(['backbones', 'compare', '--candidates', 'glove', '--csv', dir], /--csv .* is a directory/);
  rejects(['pretrain-text', '--out', aFile], /--out .* is a file, not a folder/);
});

test('pretrain-text: bad numbers name the flag and leave no run folder', () => {
  const out = join(dir, 'pretrain');
  rejects(['pretrain-text', '--max-length', '1', '--out', out], /--max-length must be an integer in \[3, 512\], got 1/);
  rejects(['pretrain-text', '--max-length', '513', '--out', out], /--max-length must be an integer in \[3, 512\], got 513/);
  rejects(['pretrain-text', '--warmup', '30', '--steps', '20', '--out', out], /--warmup must be an integer in \[0, 20\], got 30/);
  rejects(['pretrain-text', '--lr', '0', '--out', out], /--lr must be a positive number, got 0/);
  rejects(['pretrain-text', '--preset', 'constructor', '--out', out], /--preset must be one of/);
  rejects(['pretrain-text', '--quick', '--quick'], /--quick is given twice/);
  assert.ok(!existsSync(out), 'a rejected run made its folder');
});

test('pretraining: a finished run rerun reports its logged loss, not NaN', async () => {
  await initBackend();
  const small = WordPieceTokenizer.fromVocabFile(repoPath('test', 'fixtures', 'bert', 'vocab.txt'));
  const words = ['the', 'movie', 'was', 'really', 'good', 'bad', 'film', 'story'];
  const texts = Array.from({ length: 32 }, (_, i) => Array.from({ length: 3 + (i % 5) }, (_, j) => words[(i * 3 + j) % words.length]).join(' '));
  const config = bertConfig('tiny', { vocabSize: small.vocabSize, maxPositions: 16, hiddenSize: 16, intermediateSize: 32 });
  const options = { config, seed: 1, steps: 2, batchSize: 8, lr: 1e-2, warmupSteps: 1, maxLength: 12, weightDecay: 0.01, checkpointEvery: 1, heldOut: texts.slice(0, 8), outDir: join(dir, 'mlm') };
  const first = pretrainMlm(texts, small, options);
  const again = pretrainMlm(texts, small, options);
  assert.equal(again.stepsDone, 2);
  assert.equal(again.resumedFrom, 2);
  assert.ok(Number.isFinite(first.lastLoss));
  assert.equal(again.lastLoss, first.lastLoss);
  assert.equal(again.heldOutLoss, first.heldOutLoss);
  for (const r of [first, again]) {
    r.bert.dispose();
    r.head.dispose();
  }
});

test('data and info: flags named, -h works', () => {
  rejects(['data', 'inspect', 'mosi', '--max-tokens', '1'], /--max-tokens must be an integer ≥ 2, got 1/);
  rejects(['info', '--injection-layer', '-1'], /--injection-layer must be an integer ≥ 0, got -1/);
  rejects(['info', '--preset', 'quick', '--injection-layer', '5'], /--injection-layer 5: .*injectionLayer must be an integer in \[0, bert\.numLayers = 2\]/);
});

test('backbones show: a missing or unreadable CSV is an error, not silence', () => {
  rejects(['backbones', 'show', '--csv', join(dir, 'missing.csv')], /--csv .*missing\.csv: file not found/);
  rejects(['backbones', 'show', '--csv', dir], /--csv .* is a directory, not a file/);
  rejects(['backbones', 'show', '--seed', '3'], /unknown option --seed \(known: --csv, --help\)/);
  const bad = join(dir, 'bad.csv');
  writeFileSync(bad, 'not,the,header\n');
  rejects(['backbones', 'show', '--csv', bad], /--csv: .*bad\.csv: header must be/);
});

test('backbones compare: sources checked up front; nothing to do prints the results', () => {
  const csv = join(dir, 'b.csv');
  rejects(['backbones', 'compare', '--candidates', 'mlm', '--mlm', join(dir, 'no-mlm'), '--csv', csv], /--mlm .*no-mlm: folder not found; make one with `npx mird pretrain-text`/);
  rejects(['backbones', 'compare', '--candidates', 'glove,glove', '--csv', csv], /--candidates lists glove twice/);
  // a MOSEI stage of the other kind, or trained with other settings, is never reused silently
  rejects(['backbones', 'compare', '--candidates', 'use-lite-mosei', '--mosei', 'data/text/bert-mini', '--mosei-epochs', '3', '--csv', csv], /--mosei data\/text\/bert-mini is not a use-lite-mosei MOSEI stage/);
  rejects(['backbones', 'compare', '--candidates', 'use-lite-mosei', '--mosei', 'data/text/use-lite-mosei', '--mosei-epochs', '2', '--csv', csv], /holds a MOSEI stage trained for 3 epochs at lr 0\.0005; this run asks for --mosei-epochs 2 --mosei-lr 0\.0005/);
  rejects(['backbones', 'ship', '--candidate', 'use-lite-mosei', '--seed', '1', '--out', join(dir, 'u')], /--seed does not apply to use-lite-mosei/);
  assert.ok(!existsSync(csv), 'a rejected comparison wrote its CSV');
  writeFileSync(csv, [BACKBONE_CSV_HEADER, 'glove,0,valid,0.7,0.7,1.1,0.5', 'glove,0,test,0.6,0.6,1.2,0.4'].join('\n') + '\n');
  const r = mird('backbones', 'compare', '--candidates', 'glove', '--seeds', '0', '--csv', csv);
  assert.equal(r.code, 0, r.err);
  assert.match(r.err, /glove seed 0 already in .* skipped \(--remeasure measures again\)/);
  assert.match(r.out, /nothing to measure[\s\S]*glove +test +n=1 acc2_non0 60\.0/);
  assert.doesNotMatch(r.err, /backend:/);
});

test('backbones CSV rows: appended when new, replaced in place when re-measured', () => {
  const csv = join(dir, 'rows.csv');
  writeBackboneRows(csv, 'a', 0, ['a,0,valid,1,1,1,1', 'a,0,test,1,1,1,1'], false);
  writeFileSync(csv, readFileSync(csv, 'utf8') + 'b,0,valid,2,2,2,2\nb,0,test,2,2,2,2');
  writeBackboneRows(csv, 'a', 1, ['a,1,valid,3,3,3,3', 'a,1,test,3,3,3,3'], false);
  writeBackboneRows(csv, 'a', 0, ['a,0,valid,9,9,9,9', 'a,0,test,9,9,9,9'], true);
  assert.deepEqual(readFileSync(csv, 'utf8').split('\n'), [
    BACKBONE_CSV_HEADER, 'a,0,valid,9,9,9,9', 'a,0,test,9,9,9,9', 'b,0,valid,2,2,2,2', 'b,0,test,2,2,2,2', 'a,1,valid,3,3,3,3', 'a,1,test,3,3,3,3', '',
  ]);
});
