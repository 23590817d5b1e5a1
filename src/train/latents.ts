// The latents z^L, z^A, z^V, z^S of clips under a trained model (evaluation mode, no decoders),
// and the clips' true factors where the source knows them (the synthetic benchmark), as host
// rows for the probes of src/eval/disentanglement.ts.
import * as tf from '@tensorflow/tfjs';
import { makeBatch, disposeBatch } from '../data/batching';
import type { Clip } from '../data/types';
import type { MirdModel } from '../model/mird';
import { FACTOR_NAMES, LATENT_NAMES, type ProbeSplitData } from '../eval/disentanglement';
import type { PreparedData } from './loop';

/** Latent rows of clips, `batchSize` clips per forward. */
export function latentsOfClips(model: MirdModel, clips: readonly Clip[], data: Pick<PreparedData, 'tokenizer' | 'batchOptions'>, batchSize: number): ProbeSplitData['latents'] {
  const out = Object.fromEntries(LATENT_NAMES.map((n) => [n, [] as Float64Array[]])) as ProbeSplitData['latents'];
  for (let i = 0; i < clips.length; i += batchSize) {
    const batch = makeBatch([], clips.slice(i, i + batchSize), data.tokenizer, data.batchOptions);
    try {
      const o = model.forward(batch, { training: false, decode: false });
      for (const n of LATENT_NAMES) {
        const t = o[n];
        const [rows, d] = t.shape;
        const v = t.dataSync(); // the probes run on the host
        for (let r = 0; r < rows; r++) out[n].push(Float64Array.from(v.subarray(r * d, (r + 1) * d)));
      }
      tf.dispose([o.zText, o.zAudio, o.zVisual, o.zShared, o.yHat]);
    } finally {
      disposeBatch(batch);
    }
  }
  return out;
}

/** The true factors s, p_L, p_A, p_V of clips; an error naming the first clip without them. */
export function factorsOfClips(clips: readonly Clip[], source: string): ProbeSplitData['factors'] {
  const out = Object.fromEntries(FACTOR_NAMES.map((n) => [n, [] as Float64Array[]])) as ProbeSplitData['factors'];
  for (const c of clips) {
    const f = c.factors;
    if (f === undefined) throw new Error(`${source}: clip ${c.id} has no known factors (only the synthetic benchmark has them)`);
    out.s.push(Float64Array.from(f.shared));
    out.pL.push(Float64Array.from(f.text));
    out.pA.push(Float64Array.from(f.audio));
    out.pV.push(Float64Array.from(f.visual));
  }
  return out;
}
