import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/backend';
import { loadDefaultBackbone, defaultBackboneDir, readBackboneResults, shippedBackboneLabel, type BackboneRow } from '../src/text/backbone';
import { backboneChartSpec } from '../src/viz/backbones';
import { renderSvg, type VegaLiteSpec } from '../src/viz/render';
import { defaultUseLiteUpperDir } from '../src/text/use-lite-regressor';
import { BERT_PRESETS } from '../src/text/bert-config';
import { meanPool } from '../src/nn/layers';
import { readSafetensors } from '../src/nn/safetensors';
import { join } from 'node:path';

await initBackend();

test('the shipped default backbone loads as a mini BERT and encodes a transcript', () => {
  const meta0 = readSafetensors(join(defaultBackboneDir(), 'model.safetensors')).metadata;
  const { bert, tokenizer, head } = loadDefaultBackbone();
  // the shipped candidate (mlm2400-mosei-3ep-head) starts MOSI fine-tuning from the MOSEI stage's head
  assert.equal(meta0.transfer_head, 'true');
  assert.ok(head !== null, 'the shipped backbone has no classifier.* head');
  assert.equal(head.weight.length, 128);
  assert.equal(head.bias.length, 1);
  assert.ok([...head.weight, ...head.bias].every((x) => Number.isFinite(x)) && head.weight.some((x) => x !== 0));
  const meta = readSafetensors(join(defaultBackboneDir(), 'model.safetensors')).metadata;
  assert.ok(['random', 'glove', 'mlm', 'mosei'].includes(meta.candidate ?? ''), `metadata candidate ${meta.candidate}`);
  for (const k of ['hiddenSize', 'numLayers', 'numHeads', 'intermediateSize', 'vocabSize'] as const) assert.equal(bert.config[k], BERT_PRESETS.mini[k]);
  assert.equal(tokenizer.vocabSize, 30522);
  const rows = tokenizer.encodeBatch(['A LOT OF SAD PARTS', 'I LOVED IT'], 50);
  const ids = tf.tensor2d(rows.ids, [rows.batchSize, rows.maxLength], 'int32');
  const mask = tf.tensor2d(rows.mask, [rows.batchSize, rows.maxLength]);
  const pooled = meanPool(bert.forward(ids, mask, false), mask);
  assert.deepEqual(pooled.shape, [2, 128]);
  assert.ok(pooled.dataSync().every((x) => Number.isFinite(x)));
  bert.dispose();
  assert.throws(() => loadDefaultBackbone('/nonexistent/bert-mini'), /default text backbone not found in \/nonexistent\/bert-mini; see data\/text\/README\.md/);
});

test('backbone chart: a point per (candidate, seed, split), the 75% rule only on the test panel, and it renders', async () => {
  const rows: BackboneRow[] = [
    { candidate: 'a', seed: 0, split: 'valid', acc2_non0: 0.7, f1_non0: 0.7, mae: 1, corr: 0.5 },
    { candidate: 'a', seed: 0, split: 'test', acc2_non0: 0.72, f1_non0: 0.7, mae: 1, corr: 0.5 },
    { candidate: 'b', seed: 1, split: 'test', acc2_non0: 0.76, f1_non0: 0.7, mae: 1, corr: 0.5 },
  ];
  const spec = backboneChartSpec(rows) as { data: { values: Array<{ acc2: number }> }; spec: { layer: Array<{ transform?: Array<Record<string, unknown>> }> } };
  assert.deepEqual(spec.data.values.map((v) => Math.round(v.acc2)), [70, 72, 76]);
  assert.deepEqual(spec.spec.layer[1]?.transform?.[0], { filter: "datum.split === 'test'" });
  const svg = await renderSvg(spec as unknown as VegaLiteSpec);
  assert.match(svg, /<svg/);
});

test('both shipped text backbones name their rows in results/text_backbones.csv', () => {
  for (const dir of [defaultBackboneDir(), defaultUseLiteUpperDir()]) {
    const label = shippedBackboneLabel(dir);
    assert.ok(label !== null, `${dir}/model.safetensors has a "label" in its metadata`);
    const rows = readBackboneResults().filter((r) => r.candidate === label);
    assert.deepEqual(rows.map((r) => `${r.seed}/${r.split}`).sort(), ['0/test', '0/valid', '1/test', '1/valid', '2/test', '2/valid'], `rows of ${label}`);
  }
});
