// The model's objective, eq. 21, as one function of one forward:
//
//   eq. 18  L_pred  = log( (1/N_l) Σ_{i labeled} (ŷ_i − y_i)² )        labeled clips only
//   eq. 19  L_recon = Σ_{m ∈ L,A,V} log L_rec^m                          every clip of the batch
//           L_rec^L = CE over real tokens (fused: the vocabulary logits are never built)
//           L_rec^A, L_rec^V = MSE over real frames
//   eq. 20  L_mim   = Σ_{pairs} Î_CLUB(x; y)                              every clip of the batch
//           (config.clampMi: Σ max(Î, 0); the raw Î are logged either way)
//   eq. 21  L = L_pred + L_recon + α · L_mim
//
// Alternatives to L_mim (config.constraint): 'oc', the orthogonality constraint of eq. 9,
// Σ_{m ∈ L,A,V} ‖Z^m Z^Sᵀ‖²_F / B² (the squared dot products of every z^m_i with every z^S_j,
// averaged so that α does not depend on the batch size); 'nc', no constraint; 'hsic', Σ HSIC_b
// between the latents of each active latent pair (src/mi/hsic.ts; not in the paper); 'xcorr', Σ
// of the mean squared cross-correlation between the coordinates of each active latent pair
// (src/mi/xcorr.ts; not in the paper); 'cca', the same between whitened latents (the squared
// canonical correlations; src/mi/xcorr.ts; not in the paper). config.whitening > 0 adds
// whitening · Σ_z ‖Cov(z) − I‖²_F / d² over the latents (src/mi/xcorr.ts; not in the paper).
// Unlabeled clips (splitRate > 0) enter eqs. 19 and 20 / 9 (config.unlabeledUse 'both'), or only
// one of them ('recon', 'mim': the other term then reads the labeled clips alone); never eq. 18.
// lossForm 'linear' drops the logs of eqs. 18–19 (plain MSE + Σ recon), for comparison.
import * as tf from '@tensorflow/tfjs';
import type { Batch } from '../data/types';
import type { MirdModel, MirdOutput } from '../model/mird';
import { hsic } from '../mi/hsic';
import { canonicalCorrelationPenalty, covarianceDeviation, crossCorrelationPenalty } from '../mi/xcorr';
import { maskedMse } from '../nn/losses';
import { detach, matMul } from '../nn/ops';
import type { MiPair, TrainConfig } from './config';
import { pairTensorsOf, type Latents, type MiTerms, type PairTensors } from './mi-terms';

/**
 * log(x) with x floored at LOG_FLOOR: a reconstruction that reaches exactly 0 (a modality whose
 * features are constant) would otherwise give −∞ and a NaN gradient.
 */
export const LOG_FLOOR = 1e-8;

export const TERM_NAMES = ['total', 'regression', 'reconText', 'reconAudio', 'reconVisual', 'constraint', 'whitening'] as const;
export type TermName = (typeof TERM_NAMES)[number];

/** Scalars of one evaluation of eq. 21; a term the config switches off is absent. */
export interface Objective {
  total: tf.Scalar;
  /** the raw MSE of eq. 18 (before the log), labeled clips only */
  regression: tf.Scalar;
  /** raw reconstruction losses (before the log) */
  reconText?: tf.Scalar;
  reconAudio?: tf.Scalar;
  reconVisual?: tf.Scalar;
  /** Σ of the MI estimates (mim; each max(Î, 0) with clampMi) or the orthogonality penalty (oc), before α */
  constraint?: tf.Scalar;
  /** Σ_z ‖Cov(z) − I‖²_F / d² over the latents (config.whitening > 0), before its weight */
  whitening?: tf.Scalar;
  /** the raw estimate of each active MI pair (mim only) */
  mi: Map<MiPair, tf.Scalar>;
}

export interface ObjectiveContext {
  model: MirdModel;
  config: TrainConfig;
  /** the estimators (constraint 'mim' with at least one pair), else null */
  mi: MiTerms | null;
  /** token ids that never count in the language reconstruction (e.g. [CLS], [SEP]) */
  ignoreTokenIds: readonly number[];
}

/** ‖Z^m Z^Sᵀ‖²_F / B² for z^m, z^S [B, d]. */
export function orthogonality(zm: tf.Tensor2D, zs: tf.Tensor2D): tf.Scalar {
  return tf.tidy(() => {
    const b = zm.shape[0];
    const gram = matMul(zm, zs, false, true); // [B, B]: z^m_i · z^S_j (wasm-friendly gradient)
    return tf.div(tf.sum(tf.square(gram)), b * b) as tf.Scalar;
  });
}

/** MSE over the first `numLabeled` rows (labeled clips come first in a Batch). yHat, labels [B]. */
export function labeledMse(yHat: tf.Tensor1D, labels: tf.Tensor1D, numLabeled: number): tf.Scalar {
  if (numLabeled <= 0) throw new Error('objective: a batch without labeled clips has no regression loss');
  return tf.tidy(() => {
    const p = tf.slice(yHat, [0], [numLabeled]); // [N_l]
    const y = tf.slice(labels, [0], [numLabeled]); // [N_l]
    return tf.mean(tf.square(tf.sub(p, y))) as tf.Scalar;
  });
}

/**
 * The batch with every unlabeled row's masks and host lengths zeroed, so that a masked loss over
 * it reads the labeled clips alone (the same batch when every clip is labeled). The new masks
 * belong to the caller's tidy scope.
 */
export function labeledRowsOnly(batch: Batch): Batch {
  const n = batch.numLabeled;
  if (n === batch.ids.length) return batch;
  const rows = tf.expandDims(batch.labeled, 1); // [B, 1]
  const keep = (m: tf.Tensor2D): tf.Tensor2D => tf.mul(m, tf.cast(rows, m.dtype)) as tf.Tensor2D;
  const cut = (a: Int32Array): Int32Array => a.map((v, i) => (i < n ? v : 0));
  const h = batch.hostLengths;
  return {
    ...batch,
    textMask: keep(batch.textMask),
    audioMask: keep(batch.audioMask),
    visualMask: keep(batch.visualMask),
    ...(h === undefined ? {} : { hostLengths: { text: cut(h.text), audio: cut(h.audio), visual: cut(h.visual) } }),
  };
}

/** The first `n` rows (the labeled clips: they come first in a Batch) of a [B, d] tensor. */
export const firstRows = (z: tf.Tensor2D, n: number): tf.Tensor2D => (n === z.shape[0] ? z : tf.slice(z, [0, 0], [n, -1]));

const logOf = (x: tf.Scalar): tf.Scalar => tf.log(tf.maximum(x, LOG_FLOOR)) as tf.Scalar;

/**
 * eq. 21 from a training forward (decode: true). `pairs` are the MI pairs' tensors built from
 * the same forward (required when ctx.mi is set; with unlabeledUse 'recon', from the labeled rows
 * only: `pairsOfRows`). The returned scalars are new tensors owned by
 * the caller (inside a gradient tape, the tape's tidy scope releases them).
 */
export function objective(out: MirdOutput, batch: Batch, ctx: ObjectiveContext, pairs: ReadonlyMap<MiPair, PairTensors> | null): Objective {
  const { config: c, model } = ctx;
  const r = out.reconstructions;
  if (r === null) throw new Error('objective: the forward ran without decoders (decode: false)');
  const regression = labeledMse(out.yHat, batch.labels, batch.numLabeled);
  const o: Objective = { total: regression, regression, mi: new Map() };
  const rb = c.unlabeledUse === 'mim' ? labeledRowsOnly(batch) : batch; // the clips eq. 19 reads
  if (c.reconText) o.reconText = model.textReconstructionLoss(r, rb, { ignoreIds: ctx.ignoreTokenIds });
  if (c.reconAudio) o.reconAudio = maskedMse(r.audio, rb.audio, rb.audioMask);
  if (c.reconVisual) o.reconVisual = maskedMse(r.visual, rb.visual, rb.visualMask);
  if (c.constraint === 'mim' && ctx.mi !== null) {
    if (pairs === null) throw new Error('objective: constraint mim needs the MI pairs of this forward');
    o.mi = ctx.mi.estimates(pairs);
    const terms = [...o.mi.values()].map((v) => (c.clampMi ? (tf.relu(v) as tf.Scalar) : v));
    o.constraint = terms.length === 0 ? tf.scalar(0) : (tf.addN(terms) as tf.Scalar);
  }
  // the clips eq. 9 (or HSIC, xcorr, cca) and the whitening penalty read
  const n = c.unlabeledUse === 'recon' ? batch.numLabeled : out.zShared.shape[0];
  if (c.constraint === 'oc' || c.constraint === 'hsic' || c.constraint === 'xcorr' || c.constraint === 'cca') {
    // with detachSharedInConstraint z^S enters as data
    const lat: Latents = {
      zText: firstRows(out.zText, n), zAudio: firstRows(out.zAudio, n), zVisual: firstRows(out.zVisual, n),
      zShared: firstRows(c.detachSharedInConstraint ? detach(out.zShared) : out.zShared, n),
      inputText: null, inputAudio: null, inputVisual: null,
    };
    if (c.constraint === 'oc') {
      o.constraint = tf.addN([orthogonality(lat.zText, lat.zShared), orthogonality(lat.zAudio, lat.zShared), orthogonality(lat.zVisual, lat.zShared)]) as tf.Scalar;
    } else {
      const latentPairs = c.miPairs.filter((p) => !p.startsWith('shared-input')); // between latents only
      const penalty = c.constraint === 'hsic' ? hsic : c.constraint === 'xcorr' ? crossCorrelationPenalty : canonicalCorrelationPenalty;
      const terms = [...pairTensorsOf(latentPairs, lat).values()].map((t) => penalty(t.x, t.y));
      o.constraint = terms.length === 0 ? tf.scalar(0) : (tf.addN(terms) as tf.Scalar);
    }
  }
  if (c.whitening > 0) {
    const zs = [out.zText, out.zAudio, out.zVisual, ...(c.oracleShared ? [] : [out.zShared])];
    o.whitening = tf.addN(zs.map((z) => covarianceDeviation(firstRows(z, n)))) as tf.Scalar;
  }
  const task: tf.Scalar[] = [regression, o.reconText, o.reconAudio, o.reconVisual].filter((t): t is tf.Scalar => t !== undefined);
  const taskTerms = c.lossForm === 'log' ? task.map(logOf) : task;
  const all = [
    ...taskTerms,
    ...(o.constraint === undefined ? [] : [tf.mul(o.constraint, c.alpha) as tf.Scalar]),
    ...(o.whitening === undefined ? [] : [tf.mul(o.whitening, c.whitening) as tf.Scalar]),
  ];
  o.total = tf.addN(all) as tf.Scalar;
  return o;
}

/** The scalars of an Objective in TERM_NAMES order then the MI pairs, for one host read per step. */
export function objectiveScalars(o: Objective): { names: string[]; values: tf.Scalar[] } {
  const names: string[] = [];
  const values: tf.Scalar[] = [];
  for (const n of TERM_NAMES) {
    const v = o[n];
    if (v !== undefined) {
      names.push(n);
      values.push(v);
    }
  }
  for (const [p, v] of o.mi) {
    names.push(`mi:${p}`);
    values.push(v);
  }
  return { names, values };
}
