// Provenance records of the shipped text backbones and the guard that refuses a backbone which
// has read TEST clips of the dataset it is about to be used on. Checked on the real data.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { closeSync, mkdtempSync, openSync, readFileSync, readSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSource, videoOfClipId } from '../src/data/sources';
import { pretrainingCorpus } from '../src/text/corpus';
import { defaultBackboneDir, shippedBackboneLabel } from '../src/text/backbone';
import { defaultUseLiteUpperDir, readUseLiteUpper } from '../src/text/use-lite-regressor';
import {
  assertBackboneHasNotRead, bertBackboneProvenance, checkBackboneOnDataset, CLIP_RULE_NAMES, loadBackboneProvenance, parseProvenance,
  readProvenance, resolveClipRule, resolveProvenance, useLiteMoseiProvenance, type BackboneProvenance,
} from '../src/text/provenance';

const bertDir = defaultBackboneDir();
const useDir = defaultUseLiteUpperDir();
const poria = openSource('mosi');
const standard = openSource('mosi-text');
const mosei = openSource('mosei-text');

/** The __metadata__ of a safetensors file (8-byte little-endian header length, then the JSON header). */
function safetensorsMetadata(path: string): Record<string, string> {
  const fd = openSync(path, 'r');
  try {
    const len = Buffer.alloc(8);
    readSync(fd, len, 0, 8, 0);
    const header = Buffer.alloc(Number(len.readBigUInt64LE(0)));
    readSync(fd, header, 0, header.length, 8);
    return (JSON.parse(header.toString('utf8')) as { __metadata__?: Record<string, string> }).__metadata__ ?? {};
  } finally {
    closeSync(fd);
  }
}

function countsOf(record: BackboneProvenance): Record<string, number> {
  return Object.fromEntries(resolveProvenance(record).map((r) => [`${r.stage.stage}: ${r.read.clips}`, r.ids.size]));
}

test('the shipped records resolve to the clips their stages read', () => {
  const bert = readProvenance(join(bertDir, 'provenance.json'));
  assert.equal(bert.backbone, 'bert-mini');
  assert.equal(bert.label, shippedBackboneLabel(bertDir));
  assert.deepEqual(countsOf(bert), {
    'mlm: mosei mlm pretraining': 22333,
    'mlm: mosei mlm held-out': 455,
    'mlm: mosi standard train': 1284,
    'mosei: mosei standard train': 16274,
    'mosei: mosei standard valid': 1861,
  });
  const labelled = bert.stages.flatMap((s) => s.reads.filter((r) => r.kind === 'clips' && r.labels).map((r) => `${s.stage}: ${r.kind === 'clips' ? r.clips : ''}`));
  assert.deepEqual(labelled, ['mosei: mosei standard train', 'mosei: mosei standard valid']);
  const use = readProvenance(join(useDir, 'provenance.json'));
  assert.equal(use.backbone, 'use-lite-mosei');
  assert.deepEqual(countsOf(use), { 'mosei: mosei standard train': 16274, 'mosei: mosei standard valid': 1861 });
  // no MOSI clip and no MOSEI test clip anywhere in use-lite-mosei's record; its USE-lite stage is external
  assert.ok(use.stages.every((s) => s.reads.every((r) => r.kind === 'external' || (r.dataset === 'mosei' && !r.folds.includes('test')))));
  assert.deepEqual(use.stages[0]?.reads.map((r) => r.kind), ['external']);
});

test('the shipped records are what the builders write for the facts of the shipped weights', () => {
  // use-lite-mosei: every stage fact comes from the weights' safetensors metadata
  const meta = readUseLiteUpper(useDir).metadata;
  const useExpected = useLiteMoseiProvenance({ backbone: 'use-lite-mosei', label: meta.label ?? null, metadata: meta, rebuild: ['npx mird backbones ship --candidate use-lite-mosei --mosei-epochs 3 --label use-lite-mosei'] });
  assert.deepEqual(readProvenance(join(useDir, 'provenance.json')), useExpected);
  assert.equal(useExpected.stages[1]?.settings.bestEpoch, 2);
  // bert-mini: MOSEI epochs / lr from its metadata; MLM steps, selected epoch and the commands from data/text/README.md
  const m = safetensorsMetadata(join(bertDir, 'model.safetensors'));
  assert.equal(m.transfer_head, 'true');
  const bertExpected = bertBackboneProvenance({
    backbone: 'bert-mini', label: m.label ?? null, candidate: 'mosei', seed: 0, mlmSteps: 2400,
    mlmSettings: { schedule: 'one linear schedule, 100 warm-up steps, decay to 0 at step 2,400 (no restarts)', batch: 32, lr: 0.001, maxPieces: 50, heldOutMaskedLoss: 5.25 },
    moseiEpochs: Number(m.mosei_epochs), moseiLr: Number(m.mosei_lr), moseiBestEpoch: 1, moseiSettings: { moseiValidMae: 0.648, moseiValidAcc2Non0: 0.762 }, head: true,
    rebuild: [
      'npx mird pretrain-text --steps 2400 --out runs/pretrain-text-mini-glove-s0-2400',
      'npx mird backbones ship --candidate mosei --mosei-epochs 3 --transfer-head --mlm runs/pretrain-text-mini-glove-s0-2400/checkpoint --mosei runs/text-backbones/mosei-intermediate-mlm2400-3ep-head --label mlm2400-mosei-3ep-head',
    ],
  });
  assert.deepEqual(readProvenance(join(bertDir, 'provenance.json')), bertExpected);
});

test('clip rules: the MLM corpus ids are the rules\' ids, MOSI and MOSEI share no video', () => {
  const corpus = pretrainingCorpus();
  assert.equal(corpus.ids.length, corpus.texts.length);
  assert.equal(corpus.heldOutIds.length, corpus.heldOut.length);
  const mosiTrain = resolveClipRule('mosi standard train');
  assert.deepEqual(corpus.ids.filter((id) => !id.includes('$_$')), [...mosiTrain]);
  assert.deepEqual(corpus.ids.filter((id) => id.includes('$_$')), [...resolveClipRule('mosei mlm pretraining')]);
  assert.deepEqual(corpus.heldOutIds, [...resolveClipRule('mosei mlm held-out')]);
  assert.deepEqual([...mosiTrain], standard.splits.train.map((c) => c.id));
  for (const name of CLIP_RULE_NAMES) assert.ok(resolveClipRule(name).length > 0, name);
  const videos = (ids: readonly string[]): Set<string> => new Set(ids.map((id) => videoOfClipId(id) ?? `no video: ${id}`));
  const mosiVideos = videos(['train', 'valid', 'test'].flatMap((s) => resolveClipRule(`mosi standard ${s}` as 'mosi standard train')));
  const moseiVideos = videos(['train', 'valid', 'test'].flatMap((s) => resolveClipRule(`mosei standard ${s}` as 'mosei standard train')));
  assert.equal(mosiVideos.size, 93);
  assert.equal(moseiVideos.size, 3217);
  assert.deepEqual([...mosiVideos].filter((v) => moseiVideos.has(v)), []);
});

test("bert-mini is refused on Poria's speaker-independent split: 590 of its 752 test clips are MOSI standard-train clips", () => {
  // measured independently of the guard: Poria test ∩ standard train
  const stdTrain = new Set(standard.splits.train.map((c) => c.id));
  const shared = poria.splits.test.filter((c) => stdTrain.has(c.id));
  assert.equal(poria.splits.test.length, 752);
  assert.equal(shared.length, 590);
  assert.throws(
    () => assertBackboneHasNotRead(bertDir, poria),
    (e: Error) => {
      assert.match(e.message, /^text backbone bert-mini \(data\/text\/bert-mini\/provenance\.json\) has read 590 of the 752 TEST clips of mosi-utterance:speaker-independent/);
      assert.match(e.message, new RegExp(`e\\.g\\. ${shared[0]?.id}`));
      assert.match(e.message, /in 23 of its 31 test videos/);
      assert.match(e.message, /stage "mlm" .* read 590 of them as clip rule "mosi standard train" \(1284 MOSI clips, trained on, text only, no labels\)/);
      assert.match(e.message, /data\/text\/use-lite-mosei/);
      assert.match(e.message, /rebuild bert-mini from a corpus without those clips .*npx mird pretrain-text --steps 2400/);
      return true;
    },
  );
  const check = checkBackboneOnDataset(bertDir, poria);
  assert.equal(check.test.readIds.length, 590);
  assert.deepEqual(check.test.readIds, shared.map((c) => c.id));
  // valid videos carved from Poria's train part: 121 of the 240 clips were read -> a warning
  assert.equal(check.valid.readIds.length, 121);
  assert.equal(check.warnings.length, 1);
  assert.match(check.warnings[0] ?? '', /read 121 of the 240 VALID clips .*selected on this valid split would be optimistic/);
});

test('bert-mini is allowed on the standard split (mosi-text) and refused on MOSEI (its test transcripts were in the MLM corpus)', () => {
  const check = assertBackboneHasNotRead(bertDir, standard);
  assert.deepEqual([check.test.readIds.length, check.test.readVideos.length, check.valid.readIds.length, check.valid.readVideos.length], [0, 0, 0, 0]);
  assert.deepEqual(check.warnings, []);
  assert.ok(check.notes.some((n) => /GloVe 6B/.test(n)));
  assert.throws(() => assertBackboneHasNotRead(bertDir, mosei), /has read 4560 of the 4653 TEST clips of mosei-text:standard .*clip rule "mosei mlm pretraining"/);
});

test('use-lite-mosei is allowed on both MOSI splits; on MOSEI its valid fold is a warning', () => {
  for (const ds of [poria, standard]) {
    const check = assertBackboneHasNotRead(useDir, ds);
    assert.deepEqual([check.test.readIds.length, check.valid.readIds.length, check.test.readVideos.length], [0, 0, 0], ds.name);
    assert.deepEqual(check.warnings, [], ds.name);
    assert.ok(check.notes.some((n) => /Universal Sentence Encoder lite .*not known to include MOSI/.test(n)), ds.name);
  }
  const check = assertBackboneHasNotRead(useDir, mosei);
  assert.equal(check.test.readIds.length, 0);
  assert.equal(check.valid.readIds.length, 1861);
  assert.match(check.warnings.join('\n'), /use-lite-mosei has read 1861 of the 1861 VALID clips .*"mosei standard valid"/);
});

test('synthetic datasets never overlap', () => {
  const check = assertBackboneHasNotRead(bertDir, openSource('synthetic:small'));
  assert.equal(check.test.readIds.length, 0);
  assert.ok(check.notes.some((n) => /synthetic clips .*no backbone has read them/.test(n)));
});

test('a folder without a record (a user\'s Hugging Face checkpoint) is allowed, with a note', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mird-prov-'));
  try {
    writeFileSync(join(dir, 'config.json'), '{"model_type":"bert"}\n');
    const ref = loadBackboneProvenance(dir);
    assert.equal(ref.record, null);
    const check = assertBackboneHasNotRead(dir, poria);
    assert.equal(check.test.readIds.length, 0);
    assert.match(check.notes.join('\n'), /no provenance\.json; its pretraining corpus is unknown to the workspace/);
    assert.throws(() => loadBackboneProvenance(join(dir, 'missing')), /backbone folder not found/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a malformed record is an error naming the file and the field', () => {
  const good = JSON.parse(readFileSync(join(bertDir, 'provenance.json'), 'utf8')) as BackboneProvenance;
  const broken = (edit: (r: Record<string, unknown> & BackboneProvenance) => void): unknown => {
    const r = structuredClone(good) as Record<string, unknown> & BackboneProvenance;
    edit(r);
    return r;
  };
  const cases: [unknown, RegExp][] = [
    [broken((r) => { (r.stages[1]?.reads[2] as unknown as Record<string, unknown>).labels = 'no'; }), /^Error: x\/provenance\.json: field stages\[1\]\.reads\[2\]\.labels must be true or false, got "no"$/],
    [broken((r) => { (r.stages[1]?.reads[2] as unknown as Record<string, unknown>).clips = 'mosi poria test'; }), /field stages\[1\]\.reads\[2\]\.clips must be one of "mosi standard train", .* got "mosi poria test"/],
    [broken((r) => { (r.stages[1]?.reads[2] as unknown as Record<string, unknown>).dataset = 'mosei'; }), /field stages\[1\]\.reads\[2\]\.dataset is "mosei" but clip rule "mosi standard train" names mosi clips/],
    [broken((r) => { (r.stages[1]?.reads[2] as unknown as Record<string, unknown>).folds = ['train', 'test']; }), /field stages\[1\]\.reads\[2\]\.folds is \[train, test\] but clip rule "mosi standard train" takes \[train\]/],
    [broken((r) => { (r.stages[2] as unknown as Record<string, unknown>).stage = 'mlm'; }), /field stages\[2\]\.stage repeats the stage name "mlm"/],
    [broken((r) => { r.version = 2 as 1; }), /field version must be 1, got 2/],
    [broken((r) => { delete (r as Record<string, unknown>).stages; }), /field stages is missing/],
    [broken((r) => { r.extra = true; }), /field extra is not a known field/],
    [broken((r) => { (r.stages[0]?.settings as Record<string, unknown>).seed = null; }), /field stages\[0\]\.settings\.seed must be a string, finite number or boolean, got null/],
    [[], /^Error: x\/provenance\.json: a provenance record must be a JSON object/],
  ];
  for (const [raw, pattern] of cases) assert.throws(() => parseProvenance(raw, 'x/provenance.json'), pattern);
  // a stored count that no longer matches the data: the rule or the data changed
  const stale = parseProvenance(broken((r) => { (r.stages[1]?.reads[2] as unknown as Record<string, unknown>).count = 1283; }), 'x/provenance.json');
  assert.throws(() => resolveProvenance(stale, 'x/provenance.json'), /^Error: x\/provenance\.json: field stages\[1\]\.reads\[2\]\.count is 1283 but clip rule "mosi standard train" .* now resolves to 1284 clips/);
  // unreadable JSON names the file; the guard reads the record through the same checks
  const dir = mkdtempSync(join(tmpdir(), 'mird-prov-'));
  try {
    writeFileSync(join(dir, 'provenance.json'), '{"format": ');
    assert.throws(() => assertBackboneHasNotRead(dir, standard), /provenance\.json: not a readable JSON provenance record/);
    writeFileSync(join(dir, 'provenance.json'), JSON.stringify(broken((r) => { r.stages = []; })));
    assert.throws(() => assertBackboneHasNotRead(dir, standard), /provenance\.json: field stages must list at least one stage/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('mird backbones ship writes the record of what it ships', async () => {
  const { run } = await import('../src/cli/backbones');
  const dir = mkdtempSync(join(tmpdir(), 'mird-ship-'));
  const out = join(dir, 'glove-s3');
  const quiet = process.stdout.write;
  try {
    process.stdout.write = (() => true) as typeof process.stdout.write;
    assert.equal(await run(['ship', '--candidate', 'glove', '--seed', '3', '--out', out, '--label', 'glove-test']), 0);
  } finally {
    process.stdout.write = quiet;
  }
  try {
    const record = readProvenance(join(out, 'provenance.json'));
    assert.equal(record.backbone, 'glove-s3');
    assert.equal(record.label, 'glove-test');
    assert.deepEqual(record.stages.map((s) => s.stage), ['init']);
    assert.equal(record.stages[0]?.settings.seed, 3);
    assert.deepEqual(record.stages[0]?.reads.map((r) => r.kind), ['external']);
    assert.deepEqual(record.rebuild, [`npx mird backbones ship --candidate glove --seed 3 --out ${out} --label glove-test`]);
    // GloVe only: nothing of MOSI read, so even Poria's split is fine
    assert.equal(assertBackboneHasNotRead(out, poria).test.readIds.length, 0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
