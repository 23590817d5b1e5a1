// mird train | eval | predict | runs end to end, as a user runs them: the quick preset on the
// synthetic benchmark, the paper preset on the authors' pickle format with unlabeled clips (MIRD2)
// and a Hugging Face BERT folder (small fixtures), and the bad-input paths (clear error, non-zero
// exit, nothing half-written).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = process.cwd();
const mird = (...args: string[]): { code: number; out: string; err: string } => {
  const r = spawnSync(process.execPath, [join(root, 'bin', 'mird.js'), ...args], { cwd: root, encoding: 'utf8', env: { ...process.env, MIRD_QUIET: '1' } });
  return { code: r.status ?? 1, out: r.stdout, err: r.stderr };
};
const tmp = (): string => mkdtempSync(join(tmpdir(), 'mird-cli-'));

test('mird train --preset quick, then eval, predict, runs and --resume of the finished run', () => {
  const dir = join(tmp(), 'quick');
  const t = mird('train', '--preset', 'quick', '--set', 'maxEpochs=1', '--out', dir);
  assert.equal(t.code, 0, t.err);
  assert.match(t.out, /MIRD \(quick\)/);
  assert.match(t.out, /test Acc2/);
  for (const f of ['config.json', 'log.jsonl', 'state.json', 'metrics.json', 'predictions.csv', 'best.safetensors']) assert.ok(existsSync(join(dir, f)), f);
  const metrics = JSON.parse(readFileSync(join(dir, 'metrics.json'), 'utf8')) as { test: { mae: number } };
  const e = mird('eval', dir, '--json');
  assert.equal(e.code, 0, e.err);
  const evaluated = JSON.parse(e.out) as { metrics: { test: { mae: number } } };
  assert.ok(Math.abs(evaluated.metrics.test.mae - metrics.test.mae) < 1e-9, 'eval reproduces the test metrics of the run');
  const preds = join(dir, '..', 'preds.csv');
  const p = mird('predict', dir, 'synthetic:small', '--out', preds);
  assert.equal(p.code, 0, p.err);
  const lines = readFileSync(preds, 'utf8').trim().split('\n');
  assert.equal(lines[0], 'id,split,label,prediction');
  assert.equal(lines.length, 1 + 256 + 64 + 128 + 512);
  const l = mird('runs', '--dir', join(dir, '..'));
  assert.equal(l.code, 0, l.err);
  assert.match(l.out, /quick\s+synthetic:small\s+0\s+finished/);
  const s = mird('runs', 'show', dir);
  assert.equal(s.code, 0, s.err);
  assert.match(s.out, /selected epoch 1/);
  const r = mird('train', '--preset', 'quick', '--set', 'maxEpochs=1', '--out', dir, '--resume');
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /MIRD \(quick\)/);
});

test('--preset paper runs unchanged on the authors\' pickle + their unlabeled pickle + a Hugging Face BERT folder (MIRD2)', () => {
  const dir = join(tmp(), 'paper');
  const t = mird('train', '--preset', 'paper', '--data', 'test/fixtures/pickles/mird-p2.pkl', '--unlabeled', 'test/fixtures/pickles/mird-unlabeled.pkl', '--text-checkpoint', 'test/fixtures/bert', '--set', 'maxEpochs=2', '--out', dir);
  assert.equal(t.code, 0, t.err);
  const rec = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as { resolved: { train: { splitRate: number }; model: { bert: { hiddenSize: number }; audioDim: number; visualDim: number } }; notes: string[] };
  assert.equal(rec.resolved.train.splitRate, 2, 'unlabeled clips join at the authors\' split rate');
  assert.equal(rec.resolved.model.bert.hiddenSize, 32, 'the host shape comes from the checkpoint');
  assert.deepEqual([rec.resolved.model.audioDim, rec.resolved.model.visualDim], [33, 709]);
  assert.ok(rec.notes.some((n) => /no provenance.json; its pretraining corpus is unknown/.test(n)));
});

test('bad input: a clear error naming the thing, a non-zero exit, nothing in --out', () => {
  const parent = tmp();
  const out = join(parent, 'run');
  const cases: Array<[string[], RegExp]> = [
    [['--set', 'lrr=1'], /--set lrr: unknown key \(known: batchSize/],
    [['--set', 'lr=fast'], /lr must be a number, got "fast"/],
    [['--set', 'lr'], /--set lr: expected key=value/],
    [['--data', 'no/such.pkl'], /no\/such.pkl: file not found/],
    [['--text-checkpoint', 'bert-mini', '--preset', 'main'], /bert-mini .* has read 590 of the 752 TEST clips/],
    [['--preset', 'huge'], /--preset huge: unknown/],
    [['--seed', '1', '--seeds', '0,1'], /give --seed or --seeds, not both/],
    [['--seeds', '0,0'], /--seeds lists seed 0 twice/],
    [['--model', 'text-host', '--set', 'lr=1'], /--set lr does not apply to --model text-host \(it runs the host's shipped recipe; of the training keys only videoContext applies\)/],
    [['--model', 'text-host', '--set', 'videoContext=1.5'], /--set videoContext=1\.5: train config: videoContext must be in \[0, 1\] \(0: off\), got 1\.5/],
  ];
  for (const [args, msg] of cases) {
    const r = mird('train', ...(args.includes('--preset') ? [] : ['--preset', 'quick']), ...args, '--out', out);
    assert.notEqual(r.code, 0, args.join(' '));
    assert.match(r.err, msg, `${args.join(' ')}: ${r.err}`);
    assert.ok(!existsSync(out) || readdirSync(out).length === 0, `${args.join(' ')} left files in --out`);
  }
});

test('a checkpoint or a vocabulary that does not fit the run is an error naming it; --resume with other settings is refused', () => {
  const a = join(tmp(), 'a');
  assert.equal(mird('train', '--preset', 'quick', '--set', 'maxEpochs=1', '--out', a).code, 0);
  const resumed = mird('train', '--preset', 'quick', '--set', 'maxEpochs=1', '--set', 'lr=0.5', '--out', a, '--resume');
  assert.notEqual(resumed.code, 0);
  assert.match(resumed.err, /does not match the run \(--set: the run has/);
  // another model configuration's checkpoint in this run's folder
  const b = join(tmp(), 'b');
  assert.equal(mird('train', '--preset', 'quick', '--set', 'maxEpochs=1', '--set', 'latentDim=8', '--set', 'decoderHidden=16', '--out', b).code, 0);
  copyFileSync(join(b, 'best.safetensors'), join(a, 'best.safetensors'));
  const e = mird('eval', a);
  assert.notEqual(e.code, 0);
  assert.match(e.err, /has shape \[.*\], the model expects \[.*\] \(another model configuration\)/);
  // a text host whose vocabulary changed since the run
  const rec = JSON.parse(readFileSync(join(b, 'config.json'), 'utf8')) as { resolved: { textHost: { vocab: string } } };
  rec.resolved.textHost.vocab = 'wordpiece:30522:0000000000000000';
  writeFileSync(join(b, 'config.json'), JSON.stringify(rec));
  const v = mird('eval', b);
  assert.notEqual(v.code, 0);
  assert.match(v.err, /vocabulary changed since the run/);
});
