// Where the paper preset's training time goes, kernel by kernel: times every call of every wasm
// kernel (matrix products by shape, with GFLOP/s; the rest by kernel and input shape) over a few
// Algorithm-1 iterations, or over the forward + backward of one component, on the bench's
// fixture and batch (scripts/bench-paper.ts: `mird train --preset small --data synthetic:paper`,
// batch 32). wasm kernels run synchronously, so the wall time of each call is its cost; what is
// left of the run is tfjs's engine (tape, bookkeeping) and JS between kernels.
//
//   npx tsx scripts/profile-kernels.ts [--what iteration|host|wsa|audio-encoder|…] [--reps 3] [--top 40]
//
// --what takes `iteration` or a component key of bench-paper's PAPER_COMPONENT_KEYS (an unknown
// one lists them). For measurements to compare, use `npm run bench`; this is for finding what to
// work on next (environment.md §2.5 quotes it). Needs the wasm backend.
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/backend';
import { fwdBwd, paperComponents, paperFixture, PAPER_COMPONENT_KEYS } from './bench-paper';
import { runScript, scriptArg } from './script-io';

interface Row { calls: number; ms: number; flop: number }

/** "BatchMatMul b128 48×64×48" with its FLOPs, or "<kernel> [shape]" for anything else. */
function keyOf(kernel: string, inputs: tf.NamedTensorInfoMap, attrs: tf.NamedAttrMap | undefined): { key: string; flop: number } {
  if (kernel === 'BatchMatMul') {
    const a = inputs.a as tf.TensorInfo;
    const b = inputs.b as tf.TensorInfo;
    const { transposeA, transposeB } = (attrs ?? {}) as { transposeA?: boolean; transposeB?: boolean };
    const ra = a.shape.length;
    const rb = b.shape.length;
    const m = (transposeA ? a.shape[ra - 1] : a.shape[ra - 2]) as number;
    const k = (transposeA ? a.shape[ra - 2] : a.shape[ra - 1]) as number;
    const n = (transposeB ? b.shape[rb - 2] : b.shape[rb - 1]) as number;
    const batch = Math.max(a.shape.slice(0, -2).reduce((x, y) => x * y, 1), b.shape.slice(0, -2).reduce((x, y) => x * y, 1));
    const flags = `${transposeA ? ' Aᵀ' : ''}${transposeB ? ' Bᵀ' : ''}`;
    return { key: `BatchMatMul b${batch} ${m}×${k}×${n}${flags}`, flop: 2 * batch * m * k * n };
  }
  const first = Object.values(inputs)[0] as tf.TensorInfo | undefined;
  return { key: `${kernel} [${first?.shape.join(', ') ?? ''}]`, flop: 0 };
}

async function main(): Promise<void> {
  const what = scriptArg('what', 'iteration');
  if (what !== 'iteration' && !(PAPER_COMPONENT_KEYS as readonly string[]).includes(what)) {
    throw new Error(`--what must be iteration or one of ${PAPER_COMPONENT_KEYS.join(', ')}, got "${what}"`);
  }
  const reps = Number(scriptArg('reps', '3'));
  const top = Number(scriptArg('top', '40'));
  if (!Number.isInteger(reps) || reps < 1) throw new Error(`--reps must be a positive integer, got "${scriptArg('reps')}"`);
  if (!Number.isInteger(top) || top < 1) throw new Error(`--top must be a positive integer, got "${scriptArg('top')}"`);
  const info = await initBackend();
  if (info.name !== 'wasm') throw new Error(`profiles the wasm kernels; the backend is ${info.name}`);
  const { trainStep } = await import('../src/train/step');
  const fixture = await paperFixture();
  const parts = await paperComponents(fixture);
  const part = parts.components.find((c) => c.key === what); // undefined: the whole iteration
  const { trainer, batch } = fixture;
  const once = async (step: number): Promise<void> => {
    if (part === undefined) trainStep(trainer.stepContext, batch, trainer.rates(step), step);
    else await fwdBwd(part.vars, part.loss)();
  };
  const rows = new Map<string, Row>();
  let on = false;
  const restore: Array<() => void> = [];
  for (const k of tf.getKernelsForBackend('wasm')) {
    const config = k as { kernelFunc: tf.KernelFunc };
    const inner = config.kernelFunc;
    config.kernelFunc = (args) => {
      if (!on) return inner(args);
      const t0 = performance.now();
      const out = inner(args);
      const ms = performance.now() - t0;
      const { key, flop } = keyOf(k.kernelName, args.inputs, args.attrs);
      const row = rows.get(key) ?? { calls: 0, ms: 0, flop: 0 };
      row.calls += 1;
      row.ms += ms;
      row.flop += flop;
      rows.set(key, row);
      return out;
    };
    restore.push(() => { config.kernelFunc = inner; });
  }
  try {
    await once(1); // warm-up: first calls compile and size the heap
    await once(2);
    on = true;
    const t0 = performance.now();
    for (let i = 0; i < reps; i++) await once(3 + i);
    const wall = (performance.now() - t0) / reps;
    on = false;
    const sorted = [...rows.entries()].sort((x, y) => y[1].ms - x[1].ms);
    const inKernels = sorted.reduce((s, [, r]) => s + r.ms, 0) / reps;
    const products = sorted.filter(([key]) => key.startsWith('BatchMatMul'));
    const productMs = products.reduce((s, [, r]) => s + r.ms, 0);
    const productFlop = products.reduce((s, [, r]) => s + r.flop, 0);
    process.stdout.write(`${what}: ${wall.toFixed(0)} ms per run (mean of ${reps}), ${inKernels.toFixed(0)} ms of it in kernels; ` +
      `matrix products ${(productMs / reps).toFixed(0)} ms at ${(productFlop / productMs / 1e6).toFixed(1)} GFLOP/s\n`);
    process.stdout.write(`${'ms/run'.padStart(9)} ${'calls/run'.padStart(10)} ${'GFLOP/s'.padStart(8)}  kernel\n`);
    for (const [key, r] of sorted.slice(0, top)) {
      const rate = r.flop > 0 ? (r.flop / r.ms / 1e6).toFixed(1) : '';
      process.stdout.write(`${(r.ms / reps).toFixed(1).padStart(9)} ${String(Math.round(r.calls / reps)).padStart(10)} ${rate.padStart(8)}  ${key}\n`);
    }
  } finally {
    restore.forEach((r) => r());
    parts.dispose();
    fixture.dispose();
  }
}

runScript('profile-kernels', main);
