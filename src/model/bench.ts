// Micro-benchmarks of the model's hot paths, for the benchmark script (timings live in
// benchmarks, never in tests).
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../util/rng';
import { median } from '../util/stats';
import { Lstm } from '../nn/lstm';

export interface BenchResult {
  name: string;
  backend: string;
  /** median wall-clock milliseconds per step over `steps` timed steps (after `warmup` untimed ones) */
  msPerStep: number;
  minMs: number;
  /** median process CPU milliseconds per step, summed over the process's threads (robust when the machine is shared; above the wall clock when the wasm backend runs several threads) */
  cpuMsPerStep: number;
  steps: number;
  warmup: number;
}

/** Runs `warmup` untimed then `timed` timed steps; medians of wall-clock and process CPU time. */
async function timeSteps(name: string, step: () => Promise<void>, timed: number, warmup: number): Promise<BenchResult> {
  for (let i = 0; i < warmup; i++) await step();
  const times: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < timed; i++) {
    const start = performance.now();
    const c0 = process.cpuUsage();
    await step();
    const c = process.cpuUsage(c0);
    times.push(performance.now() - start);
    cpu.push((c.user + c.system) / 1000);
  }
  times.sort((p, q) => p - q);
  cpu.sort((p, q) => p - q);
  return { name, backend: tf.getBackend(), msPerStep: median(times), minMs: times[0] as number, cpuMsPerStep: median(cpu), steps: timed, warmup };
}

export interface LstmBenchOptions {
  batch?: number;
  steps?: number;
  inDim?: number;
  hidden?: number;
  timedSteps?: number;
  warmup?: number;
  seed?: number;
}

/**
 * ms per training step of LSTM(33 → 64) over 50 time steps, batch 32 (the paper's audio
 * feature size, the encoders' hidden size): forward, backward, Adam update. Loss: mean of
 * the final h² (every time step contributes through the recurrence). All steps real.
 */
export async function benchLstmStep(options: LstmBenchOptions = {}): Promise<BenchResult> {
  const b = options.batch ?? 32;
  const t = options.steps ?? 50;
  const d = options.inDim ?? 33;
  const h = options.hidden ?? 64;
  const timed = options.timedSteps ?? 20;
  const warmup = options.warmup ?? 3;
  const rng = new Rng(options.seed ?? 0);
  const lstm = new Lstm('benchLstm', d, h, rng);
  const x = tf.randomNormal([b, t, d], 0, 1, 'float32', rng.seed()) as tf.Tensor3D;
  const mask = tf.ones([b, t]) as tf.Tensor2D;
  const opt = tf.train.adam(1e-3);
  const step = async (): Promise<void> => {
    const loss = opt.minimize(() => tf.mean(tf.square(lstm.run(x, mask).h)) as tf.Scalar, true, lstm.variables());
    if (loss !== null) {
      await loss.data(); // wait for the backend to finish
      loss.dispose();
    }
  };
  const result = await timeSteps(`LSTM(${d}→${h}) × ${t} steps, batch ${b}: forward + backward + Adam`, step, timed, warmup);
  tf.dispose([x, mask]);
  opt.dispose();
  lstm.dispose();
  return result;
}
