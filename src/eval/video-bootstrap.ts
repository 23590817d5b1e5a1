// How far a test score can move with the sample of videos: a bootstrap over whole videos. Clips
// of one video share a speaker and usually an opinion, so they are not independent draws: MOSI's
// test split on Poria's split is 752 clips but only 31 videos. Each draw resamples the videos with
// replacement (every clip of a drawn video comes with it) and recomputes the metric, as the mean
// over the systems' seeds; for two systems, the paired difference on the same draw.
import { regressionMetrics } from './metrics';
import { Rng } from '../util/rng';
import { meanSd } from '../util/stats';

/** One system's test predictions per seed, all over the same clips in the same order. */
export interface SeedPredictions {
  ids: readonly string[];
  labels: Float32Array;
  /** one array per seed, aligned with ids */
  predictions: readonly Float32Array[];
}

export interface BootstrapInterval {
  /** the metric on the test split as it is (mean over seeds) */
  value: number;
  /** sample sd of the draws */
  sd: number;
  /** 2.5 % and 97.5 % quantiles of the draws */
  low: number;
  high: number;
}

export interface VideoBootstrapResult {
  videos: number;
  clips: number;
  draws: number;
  acc2Non0: BootstrapInterval;
  mae: BootstrapInterval;
  /** system b minus system a, on the same draws (only when b is given) */
  difference: { acc2Non0: BootstrapInterval; mae: BootstrapInterval } | null;
}

function interval(value: number, draws: number[]): BootstrapInterval {
  const s = [...draws].sort((a, b) => a - b);
  const { sd } = meanSd(s);
  const q = (p: number): number => s[Math.min(s.length - 1, Math.max(0, Math.round(p * (s.length - 1))))] as number;
  return { value, sd, low: q(0.025), high: q(0.975) };
}

function check(s: SeedPredictions, what: string): void {
  if (s.predictions.length === 0) throw new Error(`videoBootstrap: ${what} has no seeds`);
  if (s.labels.length !== s.ids.length) throw new Error(`videoBootstrap: ${what} has ${s.labels.length} labels for ${s.ids.length} clips`);
  s.predictions.forEach((p, i) => {
    if (p.length !== s.ids.length) throw new Error(`videoBootstrap: ${what} seed ${i} has ${p.length} predictions for ${s.ids.length} clips`);
  });
}

/** Mean over seeds of (Acc2 non-zero, MAE) on the clips at `rows`. */
function scores(s: SeedPredictions, rows: readonly number[]): { acc2: number; mae: number } {
  const y = Float32Array.from(rows, (r) => s.labels[r] as number);
  let acc2 = 0;
  let mae = 0;
  for (const p of s.predictions) {
    const m = regressionMetrics(Float32Array.from(rows, (r) => p[r] as number), y);
    acc2 += m.acc2Non0;
    mae += m.mae;
  }
  return { acc2: acc2 / s.predictions.length, mae: mae / s.predictions.length };
}

/**
 * Video-level bootstrap of a system's test Acc2 (non-zero labels, class x > 0) and MAE, and of
 * b − a when a second system on the same clips is given. `videoOf(id)` names a clip's video.
 */
export function videoBootstrap(a: SeedPredictions, videoOf: (id: string) => string, options: { draws?: number; seed?: number; b?: SeedPredictions } = {}): VideoBootstrapResult {
  check(a, 'system a');
  const b = options.b;
  if (b !== undefined) {
    check(b, 'system b');
    if (b.ids.length !== a.ids.length || b.ids.some((id, i) => id !== a.ids[i])) throw new Error('videoBootstrap: the two systems must predict the same clips in the same order');
  }
  const byVideo = new Map<string, number[]>();
  a.ids.forEach((id, i) => {
    const v = videoOf(id);
    const rows = byVideo.get(v) ?? [];
    rows.push(i);
    byVideo.set(v, rows);
  });
  const videos = [...byVideo.values()];
  const draws = options.draws ?? 2000;
  const rng = new Rng(options.seed ?? 0);
  const accA: number[] = [];
  const maeA: number[] = [];
  const accD: number[] = [];
  const maeD: number[] = [];
  for (let d = 0; d < draws; d++) {
    const rows: number[] = [];
    for (let k = 0; k < videos.length; k++) rows.push(...(videos[rng.int(videos.length)] as number[]));
    const sa = scores(a, rows);
    accA.push(sa.acc2);
    maeA.push(sa.mae);
    if (b !== undefined) {
      const sb = scores(b, rows);
      accD.push(sb.acc2 - sa.acc2);
      maeD.push(sb.mae - sa.mae);
    }
  }
  const all = a.ids.map((_, i) => i);
  const full = scores(a, all);
  const fullB = b === undefined ? null : scores(b, all);
  return {
    videos: videos.length,
    clips: a.ids.length,
    draws,
    acc2Non0: interval(full.acc2, accA),
    mae: interval(full.mae, maeA),
    difference: fullB === null ? null : { acc2Non0: interval(fullB.acc2 - full.acc2, accD), mae: interval(fullB.mae - full.mae, maeD) },
  };
}
