// Parameter and MAC counts against hand counts on a toy config (BERT host, and USE-lite host
// with the 'lstm-host' encoder and 'hostStates' reconstruction), parameter counts against the
// real variables of built models for every textHost × textEncoder × textReconstruction (toy
// config, quick preset, the main job's model), the frozen USE-lite's shapes against its
// model.json, and `mird info` (incl. --preset main).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { initBackend } from '../src/backend';
import { resolveModelConfig, type ModelConfig, type ModelConfigOverrides } from '../src/model/config';
import { MirdModel } from '../src/model/mird';
import { modelCost, costTotals, hostInputWidth, useLiteFrozenCost, USE_LITE_FROZEN } from '../src/eval/efficiency';
import { RUN_PRESETS } from '../src/train/presets';
import { BERT_PRESETS } from '../src/text/bert-config';
import { USE_LITE_VOCAB_SIZE, USE_LITE_WIDTH, useLiteDir } from '../src/text/use-lite';
import { mainModelConfig } from '../src/cli/info';
import { repoPath } from '../src/paths';

/**
 * The main job's model (`mird train` with no arguments), from its ingredients: RUN_PRESETS.main,
 * MOSI's utterance feature sizes (audio 73, visual 100) and the upper-layer shape in
 * data/text/use-lite-mosei/config.json (BERT mini filled in, USE-lite vocabulary, 512 positions, 1 type).
 */
function mainJobConfig(): ModelConfig {
  const shape = JSON.parse(readFileSync(repoPath('data', 'text', 'use-lite-mosei', 'config.json'), 'utf8')) as Record<string, number>;
  const upper = Object.fromEntries(['hiddenSize', 'numLayers', 'numHeads', 'intermediateSize', 'layerNormEps', 'hiddenDropout', 'attentionDropout'].map((k) => [k, shape[k] as number]));
  const p = RUN_PRESETS.main;
  return resolveModelConfig(resolveModelConfig(p.model, p.modelOverrides), {
    audioDim: 73, visualDim: 100, textHost: 'use-lite',
    bert: { ...BERT_PRESETS.mini, ...upper, vocabSize: USE_LITE_VOCAB_SIZE, maxPositions: 512, typeVocabSize: 1 },
  });
}

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

// USE-lite host (input width 512), 'lstm-host' encoder, 'hostStates' reconstruction: the rows
// that change; the rest equal HAND (WSA, layers, audio/visual, head and regressor do not depend on them).
const TOY_USE_LITE = resolveModelConfig(TOY, { textHost: 'use-lite', textEncoder: 'lstm-host', textReconstruction: 'hostStates' });
const HAND_USE_LITE: Record<string, [number, number]> = {
  ...HAND,
  textEncoder: [(512 + 2 + 1) * 8 + 6, 4 * (512 + 2) * 8 + 4], // LSTM 512→2 over the frozen states, FC 2·2+2 | 4 steps·(512+2)·8; FC 2·2
  sharedBertEmbeddings: [512 * 4 + 4 + 8, 4 * 512 * 4], // projection 512→4 + LayerNorm, no tables | 4 tokens·512·4
  textDecoder: [144 + 4 * 512 + 512, 64 + 4 * 64 + 4 * 4 * 512], // FC 4→512 instead of →10 | 4 steps·4·512
};

test('efficiency: USE-lite host + lstm-host encoder + hostStates reconstruction equal hand counts on a toy config', () => {
  const rows = modelCost(TOY_USE_LITE);
  assert.deepEqual(rows.map((r) => r.module).sort(), Object.keys(HAND_USE_LITE).sort());
  for (const r of rows) {
    const [p, m] = HAND_USE_LITE[r.module] as [number, number];
    assert.equal(r.params, p, `${r.module} params`);
    assert.equal(r.macs, m, `${r.module} MACs`);
  }
  // the frozen encoder rides along in the input row only, outside params, MACs and totals
  const frozen = rows.filter((r) => r.frozen !== undefined);
  assert.deepEqual(frozen.map((r) => r.module), ['sharedBertEmbeddings']);
  assert.deepEqual(frozen[0]?.frozen && { params: frozen[0].frozen.params, macs: frozen[0].frozen.macs }, useLiteFrozenCost(4));
  assert.equal(costTotals(rows).params, Object.values(HAND_USE_LITE).reduce((s, [p]) => s + p, 0));
  // a BERT host's 'lstm-host' reads its word embeddings (width H = 4), and 'hostStates' rebuilds them
  const bertHost = modelCost(resolveModelConfig(TOY, { textEncoder: 'lstm-host', textReconstruction: 'hostStates' }));
  const row = (m: string) => bertHost.find((r) => r.module === m) as { params: number; macs: number };
  assert.deepEqual([row('textEncoder').params, row('textEncoder').macs], [(4 + 2 + 1) * 8 + 6, 4 * (4 + 2) * 8 + 4]);
  assert.deepEqual([row('textDecoder').params, row('textDecoder').macs], [144 + 4 * 4 + 4, 64 + 4 * 64 + 4 * 4 * 4]);
  assert.deepEqual([row('sharedBertEmbeddings').params, row('sharedBertEmbeddings').macs], HAND.sharedBertEmbeddings);
});

test('efficiency: the frozen USE-lite shapes are those of its model.json (6,713,088 parameters on the token path)', () => {
  assert.equal(USE_LITE_FROZEN.width, USE_LITE_WIDTH);
  const manifest = JSON.parse(readFileSync(`${useLiteDir()}/model.json`, 'utf8')) as { weightsManifest: Array<{ weights: Array<{ name: string; shape: number[]; dtype: string }> }> };
  const weights = manifest.weightsManifest.flatMap((g) => g.weights);
  const shapeOf = (pattern: RegExp): number[] => {
    const hits = weights.filter((w) => pattern.test(w.name));
    assert.equal(hits.length, 1, `one weight matches ${pattern}`);
    return (hits[0] as { shape: number[] }).shape;
  };
  assert.deepEqual(shapeOf(/^module\/Embeddings_en$/), [USE_LITE_FROZEN.vocab, USE_LITE_FROZEN.embeddingDim]);
  USE_LITE_FROZEN.layers.forEach((l, i) => {
    assert.deepEqual(shapeOf(new RegExp(`Layer_${i}/TransformerLayer/MultiheadAttention/qkv_transform_single/kernel`)), [1, 1, l.inDim, 3 * l.attnDim]);
    assert.deepEqual(shapeOf(new RegExp(`Layer_${i}/TransformerLayer/MultiheadAttention/output_transform_single/kernel`)), [1, 1, l.attnDim, USE_LITE_FROZEN.width]);
    assert.deepEqual(shapeOf(new RegExp(`TransformerStack/Layer_${i}/TransformerLayer/FFN/conv1/Tensordot/Reshape_1$`)), [USE_LITE_FROZEN.width, USE_LITE_FROZEN.ffn]);
    assert.deepEqual(shapeOf(new RegExp(`TransformerStack/Layer_${i}/TransformerLayer/FFN/conv2/Tensordot/Reshape_1$`)), [USE_LITE_FROZEN.ffn, USE_LITE_FROZEN.width]);
    const residual = weights.filter((w) => new RegExp(`Layer_${i}/TransformerLayer/dense/kernel`).test(w.name));
    assert.equal(residual.length, l.residualProjection ? 1 : 0, `layer ${i} residual projection`);
    if (l.residualProjection) assert.deepEqual(residual[0]?.shape, [l.inDim, USE_LITE_FROZEN.width]);
  });
  // every float weight of the graph: the token path, plus the sentence tanh layer (512² + 512) and the timing signal's [1, 128]
  // (float scalars are graph constants, not weights)
  const size = (shape: number[]): number => shape.reduce((a, b) => a * b, 1);
  const floats = weights.filter((w) => w.dtype === 'float32' && size(w.shape) > 1).reduce((s, w) => s + size(w.shape), 0);
  assert.equal(floats, useLiteFrozenCost(50).params + 512 * 512 + 512 + 128);
  assert.equal(useLiteFrozenCost(50).params, 6713088);
  // 50 pieces: per piece 256·768 + 256·512 + 256·512 + 2·512·1536 (layer 0) + 512·1536 + 512·512 + 2·512·1536 (layer 1); attention 2·50²·(256 + 512)
  assert.equal(useLiteFrozenCost(50).macs, 50 * (196608 + 131072 + 131072 + 1572864 + 786432 + 262144 + 1572864) + 2 * 2500 * 768);
});

test('efficiency: parameter counts equal the sizes of the built model variables', async () => {
  await initBackend();
  // every textHost × textEncoder × textReconstruction ('bert' encoder needs a BERT host) on the
  // toy config, the quick preset and the main job's model; plus pooling and decoder variants
  const grid = (base: ModelConfig): ModelConfig[] => {
    const out: ModelConfig[] = [];
    for (const textHost of ['bert', 'use-lite'] as const) {
      for (const textEncoder of ['lstm', 'bert', 'lstm-host'] as const) {
        for (const textReconstruction of ['tokens', 'hostStates'] as const) {
          if (textHost === 'use-lite' && textEncoder === 'bert') continue;
          out.push(resolveModelConfig(base, { textHost, textEncoder, textReconstruction } as ModelConfigOverrides));
        }
      }
    }
    return out;
  };
  const main = mainJobConfig();
  const configs = [
    ...grid(TOY),
    resolveModelConfig(TOY, { textEncoder: 'bert', sharedPooling: 'pooled', textBertPooling: 'mean' }),
    resolveModelConfig(TOY, { textHost: 'use-lite', textEncoder: 'lstm-host', sharedPooling: 'pooled', decoderInput: 'repeatLatent', decoderHidden: 6 }),
    ...grid(resolveModelConfig('quick')),
    resolveModelConfig('quick', { textEncoder: 'bert', textBertPooling: 'pooled', decoderInput: 'repeatLatent', decoderHidden: 24 }),
    main,
    resolveModelConfig(main, { textEncoder: 'lstm', textReconstruction: 'tokens' }),
    resolveModelConfig(main, { textReconstruction: 'tokens' }),
  ];
  assert.equal(main.textHost, 'use-lite');
  assert.equal(main.textEncoder, 'lstm-host');
  assert.equal(main.textReconstruction, 'hostStates');
  for (const config of configs) {
    const label = `${config.textHost}/${config.textEncoder}/${config.textReconstruction}/${config.sharedPooling}/H${config.bert.hiddenSize}`;
    const model = new MirdModel(config, 1);
    const rows = modelCost(config);
    const byModule = new Map(rows.map((r) => [r.module as string, r.params]));
    const vars = model.moduleVariables();
    const size = (k: keyof typeof vars): number => vars[k].reduce((s, v) => s + v.size, 0);
    for (const k of Object.keys(vars) as (keyof typeof vars)[]) {
      const expected = k === 'sharedBert' ? (byModule.get('sharedBertEmbeddings') as number) + (byModule.get('sharedBertLayers') as number) : byModule.get(k);
      assert.equal(size(k), expected, `${label}: ${k}`);
    }
    assert.equal(model.paramCount(), costTotals(rows).params, label);
    assert.equal(model.sharedEncoder.host.inputWidth, hostInputWidth(config), label);
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
  const toyHost = info(['--preset', 'quick', '--text-host', 'use-lite', '--text-encoder', 'lstm-host', '--text-reconstruction', 'hostStates', '--json']);
  assert.equal(toyHost.status, 0, toyHost.stderr);
  assert.deepEqual((JSON.parse(toyHost.stdout) as { modules: unknown }).modules, modelCost(resolveModelConfig('quick', { textHost: 'use-lite', textEncoder: 'lstm-host', textReconstruction: 'hostStates' })));
  for (const [args, message] of [
    [['--preset', 'nope'], /--preset must be one of main, paper, small, quick, got "nope"/],
    [['--preset', 'quick', '--text-encoder', 'gpt'], /--text-encoder must be one of lstm, bert, lstm-host, got "gpt"/],
    [['--preset', 'quick', '--text-reconstruction', 'words'], /--text-reconstruction must be one of tokens, hostStates, got "words"/],
    [['--preset', 'quick', '--text-host', 'use-lite', '--text-encoder', 'bert'], /--text-host use-lite --text-encoder bert: .*textEncoder 'bert' \(a second BERT\) needs textHost 'bert'/],
    [['--preset', 'main', '--text-host', 'bert'], /--text-host bert: the main job's host is fixed by its text checkpoint/],
    [['--preset', 'quick', '--injection-layer', '5'], /injectionLayer must be an integer in \[0, bert\.numLayers = 2\]/],
  ] as const) {
    const bad = info([...args]);
    assert.equal(bad.status, 2, `${args.join(' ')} should exit 2`);
    assert.match(bad.stderr, message);
  }
});

test('mird info --preset main: the main job\'s model (RUN_PRESETS.main, MOSI 73/100, use-lite-mosei upper layers)', () => {
  const main = mainJobConfig();
  assert.deepEqual(mainModelConfig(), main);
  assert.deepEqual(mainModelConfig({ textEncoder: 'lstm' }), resolveModelConfig(main, { textEncoder: 'lstm' }));
  const info = (args: string[]) => spawnSync(process.execPath, ['bin/mird.js', 'info', '--preset', 'main', ...args], { encoding: 'utf8', env: { ...process.env, MIRD_QUIET: '1' } });
  const r = info(['--json']);
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout) as { preset: string; config: ModelConfig; modules: unknown; totals: unknown };
  assert.equal(out.preset, 'main');
  assert.deepEqual(out.config, main);
  assert.deepEqual(out.modules, modelCost(main));
  assert.deepEqual(out.totals, costTotals(modelCost(main)));
  const text = info([]);
  assert.equal(text.status, 0, text.stderr);
  assert.match(text.stdout, /frozen USE-lite \(512\) \+ upper layers 2×128, WSA after upper layer 0, text encoder lstm-host, text reconstruction hostStates/);
  assert.match(text.stdout, /audio 1×73, visual 1×100/);
  assert.match(text.stdout, new RegExp(`not counted: USE-lite lower encoder .*: ${useLiteFrozenCost(50).params} params .*${useLiteFrozenCost(50).macs} MACs`));
  assert.match(text.stdout, new RegExp(`total\\s+${costTotals(modelCost(main)).params}\\s`));
});
