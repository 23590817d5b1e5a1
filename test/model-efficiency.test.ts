// Parameter and MAC counts against hand counts on a toy config, and parameter counts
// against the real variables of built models (toy config and the quick preset, both text
// encoders), and `mird info`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { initBackend } from '../src/backend';
import { resolveModelConfig } from '../src/model/config';
import { MirdModel } from '../src/model/mird';
import { modelCost, costTotals } from '../src/eval/efficiency';

const TOY = resolveModelConfig('quick', {
  audioDim: 3, visualDim: 5, textLength: 4, audioLength: 6, visualLength: 2, latentDim: 2,
  bert: { vocabSize: 10, hiddenSize: 4, numLayers: 1, numHeads: 2, intermediateSize: 8, maxPositions: 8, typeVocabSize: 2 },
  textEmbeddingDim: 3, encoderHidden: 2, decoderHidden: 4, regressorHidden: 3, injectionLayer: 1,
});

// Worked by hand (see the derivation in the comments; H = 4, d = 2, L = 4, T_A = 6, T_V = 2).
const HAND: Record<string, [number, number]> = {
  textEncoder: [10 * 3 + 6 * 8 + 6, 4 * 5 * 8 + 2 * 2], // table 10×3; LSTM (3+2+1)·4·2; FC 2·2+2 | 4 steps·(3+2)·8; FC 2·2
  audioEncoder: [48 + 6, 6 * 5 * 8 + 4],
  visualEncoder: [64 + 6, 2 * 7 * 8 + 4],
  sharedBertEmbeddings: [(10 + 8 + 2) * 4 + 8, 0],
  sharedBertLayers: [4 * 20 + 40 + 36 + 16, 4 * (4 * 16 + 2 * 4 * 8) + 2 * 16 * 4], // QKVO, FFN in/out, 2 LayerNorms | projections + QKᵀ, AV
  wsa: [(12 + 32 + 16) + (20 + 40 + 24) + 8, (72 + 96 + 72 + 112 + 48) + (40 + 32 + 40 + 144 + 80)], // f_sim without bias
  sharedHead: [10, 8],
  textDecoder: [144 + 50, 64 + 4 * 64 + 4 * 4 * 10], // LSTM (4+4+1)·16, FC 4·10+10 | z W_x 4·16, 4 steps·4·16, FC 4 steps·4·10
  audioDecoder: [144 + 15, 64 + 6 * 64 + 6 * 4 * 3],
  visualDecoder: [144 + 25, 64 + 2 * 64 + 2 * 4 * 5],
  regressor: [27 + 4, 24 + 3],
};

test('efficiency: per-module parameters and MACs equal hand counts on a toy config', () => {
  const rows = modelCost(TOY);
  assert.deepEqual(rows.map((r) => r.module).sort(), Object.keys(HAND).sort());
  for (const r of rows) {
    const [p, m] = HAND[r.module] as [number, number];
    assert.equal(r.params, p, `${r.module} params`);
    assert.equal(r.macs, m, `${r.module} MACs`);
  }
  const t = costTotals(rows);
  assert.equal(t.params, Object.values(HAND).reduce((s, [p]) => s + p, 0));
  assert.equal(t.inferenceMacs, t.macs - (480 + 520 + 232));
});

test('efficiency: parameter counts equal the sizes of the built model variables', async () => {
  await initBackend();
  for (const config of [
    TOY,
    resolveModelConfig(TOY, { textEncoder: 'bert', sharedPooling: 'pooled', textBertPooling: 'mean' }),
    resolveModelConfig('quick'),
    resolveModelConfig('quick', { textEncoder: 'bert', textBertPooling: 'pooled', decoderInput: 'repeatLatent', decoderHidden: 24 }),
  ]) {
    const model = new MirdModel(config, 1);
    const rows = modelCost(config);
    const byModule = new Map(rows.map((r) => [r.module as string, r.params]));
    const vars = model.moduleVariables();
    const size = (k: keyof typeof vars): number => vars[k].reduce((s, v) => s + v.size, 0);
    for (const k of Object.keys(vars) as (keyof typeof vars)[]) {
      const expected = k === 'sharedBert' ? (byModule.get('sharedBertEmbeddings') as number) + (byModule.get('sharedBertLayers') as number) : byModule.get(k);
      assert.equal(size(k), expected, `${config.textEncoder}/${config.sharedPooling}: ${k}`);
    }
    assert.equal(model.paramCount(), costTotals(rows).params);
    model.dispose();
  }
});

test('efficiency: the paper preset is counted without allocating it (bert-base = 109,482,240 with pooler)', () => {
  const rows = modelCost(resolveModelConfig('paper'));
  const bert = rows.filter((r) => r.module.startsWith('sharedBert')).reduce((s, r) => s + r.params, 0);
  assert.equal(bert + 768 * 768 + 768, 109482240); // Hugging Face BertModel incl. its pooler
  assert.ok(rows.every((r) => Number.isInteger(r.params) && Number.isInteger(r.macs) && r.params >= 0));
});

test('mird info: --json modules equal modelCost of the preset with overrides; bad flags exit 2 naming the flag', () => {
  const info = (args: string[]) => spawnSync(process.execPath, ['bin/mird.js', 'info', ...args], { encoding: 'utf8', env: { ...process.env, MIRD_QUIET: '1' } });
  const r = info(['--preset', 'quick', '--text-encoder', 'bert', '--injection-layer', '0', '--json']);
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout) as { preset: string; modules: unknown; totals: { params: number } };
  const rows = modelCost(resolveModelConfig('quick', { textEncoder: 'bert', injectionLayer: 0 }));
  assert.equal(out.preset, 'quick');
  assert.deepEqual(out.modules, rows);
  assert.equal(out.totals.params, costTotals(rows).params);
  const text = info(['--preset', 'paper']);
  assert.equal(text.status, 0, text.stderr);
  assert.match(text.stdout, /WSA after layer 6/);
  assert.match(text.stdout, new RegExp(`total\\s+${costTotals(modelCost(resolveModelConfig('paper'))).params}\\s`));
  for (const [args, message] of [
    [['--preset', 'nope'], /--preset must be one of paper, small, quick, got "nope"/],
    [['--preset', 'quick', '--text-encoder', 'gpt'], /--text-encoder must be lstm or bert/],
    [['--preset', 'quick', '--injection-layer', '5'], /injectionLayer must be an integer in \[0, bert\.numLayers = 2\]/],
  ] as const) {
    const bad = info([...args]);
    assert.equal(bad.status, 2, `${args.join(' ')} should exit 2`);
    assert.match(bad.stderr, message);
  }
});
