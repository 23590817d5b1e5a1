// Child process of test/wasm-threads.test.ts: the same work under whatever MIRD_WASM_THREADS the
// parent sets. Prints one JSON line: the backend's thread count and a digest of the exact float
// bits of (a) a large matMul, (b) a conv2d, (c) every variable of a MIRD model after three
// Algorithm-1 iterations on real batches of the synthetic benchmark (the paper's BERT host at
// small shapes: forward, T′ estimator steps, model step — values and gradients alike).
import { createHash } from 'node:crypto';
import { initBackend, tf } from '../src/backend';

const info = await initBackend();
const { prepareRun } = await import('../src/train/setup');
const { Trainer } = await import('../src/train/loop');
const { trainStep } = await import('../src/train/step');
const { epochBatches, disposeBatch } = await import('../src/data/batching');

const digest = createHash('sha256');
const add = (t: tf.Tensor): void => {
  const d = t.dataSync() as Float32Array;
  digest.update(new Uint8Array(d.buffer, d.byteOffset, d.byteLength));
};
tf.tidy(() => {
  add(tf.matMul(tf.randomNormal([300, 200], 0, 1, 'float32', 1), tf.randomNormal([200, 500], 0, 1, 'float32', 2)));
  add(tf.conv2d(tf.randomNormal([2, 40, 40, 8], 0, 1, 'float32', 3) as tf.Tensor4D, tf.randomNormal([3, 3, 8, 16], 0, 1, 'float32', 4) as tf.Tensor4D, 1, 'same'));
});
const p = await prepareRun({ preset: 'quick', data: 'synthetic:small', seed: 0 });
const { model, mi } = p.build(0);
const trainer = new Trainer(model, mi, p.data, p.resolved.train, 0, { run: null, checkpointMetadata: {} });
const batches = [...epochBatches(p.data.dataset.splits.train, p.data.tokenizer, { ...p.data.batchOptions, batchSize: p.resolved.train.batchSize, seed: 0, epoch: 0 })];
for (let k = 1; k <= 3; k++) trainStep(trainer.stepContext, batches[k - 1]!, trainer.rates(k), k);
batches.forEach(disposeBatch);
const names = [...model.namedVariables().keys()].sort();
for (const n of names) add(model.namedVariables().get(n)!);
process.stdout.write(`${JSON.stringify({ threads: info.threads, variables: names.length, digest: digest.digest('hex') })}\n`);
