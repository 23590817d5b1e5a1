import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/backend';
import { loadDefaultBackbone, defaultBackboneDir } from '../src/text/backbone';
import { BERT_PRESETS, meanPool } from '../src/text/bert';
import { readSafetensors } from '../src/text/safetensors';
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
