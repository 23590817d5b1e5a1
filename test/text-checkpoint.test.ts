import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/backend';
import { loadBertCheckpoint, saveBertCheckpoint, canonicalName } from '../src/text/checkpoint';
import { readRegressorHead, regressorHeadTensors } from '../src/text/backbone';
import { f16ToF32, f32ToF16, parseSafetensors, readSafetensors, serializeSafetensors, type TensorToWrite } from '../src/nn/safetensors';
import { repoPath } from '../src/paths';

await initBackend();

const FIXTURE = repoPath('test', 'fixtures', 'bert');
interface Reference { ids: number[][]; mask: number[][]; embeddings: number[][][]; layer1: number[][][]; last: number[][][]; pooled: number[][] }
const ref = JSON.parse(readFileSync(join(FIXTURE, 'reference.json'), 'utf8')) as Reference;

function maxAbsDiff(t: tf.Tensor, expected: number[] | number[][] | number[][][]): number {
  const e = tf.tensor(expected as number[][]);
  const d = tf.max(tf.abs(tf.sub(t, e))).dataSync()[0] as number;
  e.dispose();
  return d;
}

/** A copy of the fixture folder whose tensors are rewritten by `edit`. */
function variant(edit: (name: string, t: TensorToWrite) => Array<[string, TensorToWrite]>, configEdit?: (c: Record<string, unknown>) => void): string {
  const dir = mkdtempSync(join(tmpdir(), 'bert-fixture-'));
  cpSync(FIXTURE, dir, { recursive: true });
  const file = readSafetensors(join(FIXTURE, 'model.safetensors'));
  const out = new Map<string, TensorToWrite>();
  for (const [name, e] of file.tensors) for (const [n, t] of edit(name, { shape: e.shape, data: e.data })) out.set(n, t);
  writeFileSync(join(dir, 'model.safetensors'), serializeSafetensors(out));
  if (configEdit) {
    const c = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as Record<string, unknown>;
    configEdit(c);
    writeFileSync(join(dir, 'config.json'), JSON.stringify(c));
  }
  return dir;
}

function checkForward(dir: string, tol = 1e-4): void {
  const { bert, tokenizer } = loadBertCheckpoint(dir, { pooler: true });
  assert.equal(tokenizer.vocabSize, 96);
  const ids = tf.tensor2d(ref.ids, undefined, 'int32');
  const mask = tf.tensor2d(ref.mask);
  const e = bert.embed(ids, false);
  const h1 = bert.runLayers(e, mask, 0, 1, false);
  const last = bert.runLayers(h1, mask, 1, 2, false);
  assert.ok(maxAbsDiff(e, ref.embeddings) < tol, `embeddings ${maxAbsDiff(e, ref.embeddings)}`);
  assert.ok(maxAbsDiff(h1, ref.layer1) < tol, `layer 1 ${maxAbsDiff(h1, ref.layer1)}`);
  assert.ok(maxAbsDiff(last, ref.last) < tol, `last ${maxAbsDiff(last, ref.last)}`);
  assert.ok(maxAbsDiff(bert.pool(last), ref.pooled) < tol, 'pooled');
  tf.dispose([ids, mask, e, h1, last]);
  bert.dispose();
}

test('forward pass of the fixture checkpoint matches the numpy reference to 1e-4', () => {
  checkForward(FIXTURE);
});

test('names without the "bert." prefix and old LayerNorm gamma/beta load the same', () => {
  const dir = variant((name, t) => [[name.replace(/^bert\./, '').replace(/LayerNorm\.weight$/, 'LayerNorm.gamma').replace(/LayerNorm\.bias$/, 'LayerNorm.beta'), t]]);
  checkForward(dir);
  rmSync(dir, { recursive: true });
});

test('MLM-head and optimizer-state tensors of a pretraining checkpoint are returned, not loaded', () => {
  const dir = variant((name, t) => [[name, t], ...(name === 'bert.embeddings.LayerNorm.bias' ? ([['adam.m.embeddings.LayerNorm.bias', t]] as Array<[string, TensorToWrite]>) : [])]);
  const { bert, extra } = loadBertCheckpoint(dir);
  assert.ok(extra.has('adam.m.embeddings.LayerNorm.bias') && extra.has('cls.predictions.bias') && extra.has('bert.pooler.dense.weight'));
  bert.dispose();
  rmSync(dir, { recursive: true });
});

test('F16 weights are converted to F32 (forward within float16 rounding)', () => {
  const dir = variant((name, t) => [[name, { ...t, dtype: 'F16' }]]);
  const w = readSafetensors(join(dir, 'model.safetensors')).tensors.get('bert.embeddings.word_embeddings.weight');
  assert.equal(w?.dtype, 'F16');
  checkForward(dir, 0.05);
  rmSync(dir, { recursive: true });
});

test('float16 and bfloat16 conversions', () => {
  assert.equal(f32ToF16(1), 0x3c00);
  assert.equal(f32ToF16(-2), 0xc000);
  assert.equal(f32ToF16(65504), 0x7bff);
  assert.equal(f32ToF16(70000), 0x7c00);
  assert.equal(f32ToF16(2 ** -24), 0x0001);
  assert.equal(f32ToF16(1 + 2 ** -11), 0x3c00); // a tie rounds to even
  assert.equal(f16ToF32(0x3555), 0.333251953125);
  assert.equal(f16ToF32(0x0001), 2 ** -24);
  // a BF16 tensor [1.5, -2] written by hand: bf16 bits are the top half of float32
  const header = JSON.stringify({ x: { dtype: 'BF16', shape: [2], data_offsets: [0, 4] } });
  const buf = new Uint8Array(8 + header.length + 4);
  new DataView(buf.buffer).setBigUint64(0, BigInt(header.length), true);
  buf.set(new TextEncoder().encode(header), 8);
  new DataView(buf.buffer).setUint16(8 + header.length, 0x3fc0, true);
  new DataView(buf.buffer).setUint16(8 + header.length + 2, 0xc000, true);
  assert.deepEqual(Array.from(parseSafetensors(buf).tensors.get('x')?.data ?? []), [1.5, -2]);
  assert.throws(() => parseSafetensors(new Uint8Array(4), 'x.safetensors'), /x\.safetensors: not a safetensors file/);
  // writing refuses what could not be read back as the same finite numbers
  assert.throws(() => serializeSafetensors(new Map([['w', { dtype: 'F16', shape: [2], data: Float32Array.from([1, 70000]) }]])), /tensor "w" value 70000 at flat index 1 cannot be written as F16/);
  assert.throws(() => serializeSafetensors(new Map([['w', { shape: [1], data: Float32Array.from([NaN]) }]])), /tensor "w" value NaN at flat index 0 cannot be written as F32/);
  const ok = parseSafetensors(serializeSafetensors(new Map([['w', { dtype: 'F16', shape: [2], data: Float32Array.from([65504, -0.5]) }]])));
  assert.deepEqual(Array.from(ok.tensors.get('w')?.data ?? []), [65504, -0.5]);
});

test('integer dtypes are read as int32; I64 beyond int32 is an error', () => {
  const file = (entries: Record<string, { dtype: string; shape: number[]; bytes: number[] }>): Uint8Array => {
    const header: Record<string, unknown> = {};
    let off = 0;
    for (const [k, e] of Object.entries(entries)) {
      header[k] = { dtype: e.dtype, shape: e.shape, data_offsets: [off, off + e.bytes.length] };
      off += e.bytes.length;
    }
    const h = new TextEncoder().encode(JSON.stringify(header));
    const buf = new Uint8Array(8 + h.length + off);
    new DataView(buf.buffer).setBigUint64(0, BigInt(h.length), true);
    buf.set(h, 8);
    buf.set(Object.values(entries).flatMap((e) => e.bytes), 8 + h.length);
    return buf;
  };
  const f = parseSafetensors(file({
    a: { dtype: 'I64', shape: [2], bytes: [5, 0, 0, 0, 0, 0, 0, 0, 0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff] },
    b: { dtype: 'I16', shape: [1], bytes: [0x00, 0x80] },
    c: { dtype: 'I8', shape: [2], bytes: [0xff, 7] },
    d: { dtype: 'U8', shape: [1], bytes: [0xff] },
    e: { dtype: 'F64', shape: [1], bytes: Array.from(new Uint8Array(Float64Array.from([-0.25]).buffer)) },
  }));
  assert.deepEqual(Array.from(f.tensors.get('a')!.data), [5, -2]);
  assert.ok(f.tensors.get('a')!.data instanceof Int32Array);
  assert.deepEqual(Array.from(f.tensors.get('b')!.data), [-32768]);
  assert.deepEqual(Array.from(f.tensors.get('c')!.data), [-1, 7]);
  assert.deepEqual(Array.from(f.tensors.get('d')!.data), [255]);
  assert.deepEqual(Array.from(f.tensors.get('e')!.data), [-0.25]);
  assert.ok(f.tensors.get('e')!.data instanceof Float32Array);
  assert.throws(() => parseSafetensors(file({ big: { dtype: 'I64', shape: [1], bytes: [0, 0, 0, 0x80, 0, 0, 0, 0] } }), 'x'), /x, tensor "big": I64 value 2147483648 does not fit in int32/);
});

test('export then import gives identical weights and outputs', () => {
  const { bert } = loadBertCheckpoint(FIXTURE, { pooler: true });
  const dir = mkdtempSync(join(tmpdir(), 'bert-export-'));
  saveBertCheckpoint(dir, bert, join(FIXTURE, 'vocab.txt'));
  const again = loadBertCheckpoint(dir, { pooler: true });
  for (const [name, v] of bert.params) {
    const w = again.bert.param(name);
    assert.deepEqual(Array.from(w.dataSync()), Array.from(v.dataSync()), name);
  }
  const src = readSafetensors(join(FIXTURE, 'model.safetensors')).tensors;
  const out = readSafetensors(join(dir, 'model.safetensors')).tensors;
  for (const [name, e] of out) assert.deepEqual(Array.from(e.data), Array.from(src.get(name)?.data ?? []), `${name} differs from the source file`);
  assert.equal(canonicalName('bert.encoder.layer.0.output.LayerNorm.gamma'), 'encoder.layer.0.output.LayerNorm.weight');
  assert.equal(canonicalName('classifier.weight'), null);
  // a sequence-level head saved next to the encoder is skipped on load and readable on its own
  const withHead = mkdtempSync(join(tmpdir(), 'bert-head-'));
  const head = { weight: Float32Array.from({ length: bert.config.hiddenSize }, (_, i) => i / 100), bias: Float32Array.from([-0.5]) };
  saveBertCheckpoint(withHead, bert, join(FIXTURE, 'vocab.txt'), { extra: regressorHeadTensors(head) });
  const loaded = loadBertCheckpoint(withHead, { pooler: true });
  assert.ok(loaded.extra.has('classifier.weight') && loaded.extra.has('classifier.bias'));
  const back = readRegressorHead(withHead);
  assert.deepEqual(Array.from(back.weight), Array.from(head.weight));
  assert.deepEqual(Array.from(back.bias), [-0.5]);
  assert.throws(() => readRegressorHead(dir), /no classifier\.weight \/ classifier\.bias/);
  loaded.bert.dispose();
  rmSync(withHead, { recursive: true });
  bert.dispose();
  again.bert.dispose();
  rmSync(dir, { recursive: true });
});

test('clear errors for missing files, names, shapes and vocabulary sizes', () => {
  assert.throws(() => loadBertCheckpoint('/nonexistent/bert'), /missing config\.json/);
  const missing = variant((name, t) => (name.includes('layer.1.attention.self.key.bias') ? [] : [[name, t]]));
  assert.throws(() => loadBertCheckpoint(missing), /missing tensors .*encoder\.layer\.1\.attention\.self\.key\.bias/);
  const unexpected = variant((name, t) => [[name, t], ...(name.endsWith('query.bias') ? ([[name.replace('layer.', 'layer.9'), t]] as Array<[string, TensorToWrite]>) : [])]);
  assert.throws(() => loadBertCheckpoint(unexpected), /unexpected tensor names .*layer\.90\.attention\.self\.query\.bias/);
  const shape = variant((name, t) => [[name, name === 'bert.encoder.layer.0.intermediate.dense.weight' ? { shape: [t.shape[1] as number, t.shape[0] as number], data: t.data } : t]]);
  assert.throws(() => loadBertCheckpoint(shape), /"bert\.encoder\.layer\.0\.intermediate\.dense\.weight" has shape \[32,64\], expected \[64,32\]/);
  const vocab = variant((name, t) => [[name, t]], (c) => {
    c.vocab_size = 97;
  });
  assert.throws(() => loadBertCheckpoint(vocab), /vocabulary sizes disagree: config\.json vocab_size 97, vocab\.txt 96 lines, word_embeddings 96 rows/);
  const act = variant((name, t) => [[name, t]], (c) => {
    c.hidden_act = 'relu';
  });
  assert.throws(() => loadBertCheckpoint(act), /hidden_act "relu" is not supported/);
  for (const d of [missing, unexpected, shape, vocab, act]) rmSync(d, { recursive: true });
});
