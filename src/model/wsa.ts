// The modality-agnostic encoder WSA-BERT (paper eqs. 2–7).
//
// eq. 2  word-wise sparse attention, for m ∈ {A, V}: every word state w_k of W_mid (BERT's
//        states after layer k) scores every frame of X^m,
//          s^m_{kt} = ⟨w_k, f_sim^m(x^m_t)⟩        (f_sim^m = FC: d_m → H, no bias)
//          α^m_k = Sparsemax_t(s^m_k) over the real frames,   X̃^m = α^m X^m   [T_L, d_m]
// eq. 3  G^m = σ(FC([W_mid; X̃^m]))                                   (authors' code: ReLU)
// eq. 4  H = G^V ⊙ f_dis^V(X̃^V) + G^A ⊙ f_dis^A(X̃^A)                 (f_dis^m = FC: d_m → H)
// eq. 5  λ_k = min(‖w_k‖₂ / ‖h_k‖₂ · ε, 1),   W̃_mid = W_mid + diag(λ) H
// eq. 6  W̃ = Dropout(LayerNorm(W̃_mid)), then BERT continues from layer k
// eq. 7  z^S = FC(mean over real tokens of BERT's last states)
//
// The paper injects at "an intermediate layer" of BERT; the authors' code at 0 (right
// after the embeddings). config.injectionLayer chooses. The authors' code neither scales the
// scores nor masks padded frames; here padded frames are always masked (they get weight 0),
// and 1/√H scaling is an option (config.attentionScale).
import * as tf from '@tensorflow/tfjs';
import { Dense, makeVariable } from '../nn/dense';
import { layerNorm } from '../nn/layers';
import { matMul } from '../nn/ops';
import { Pooling } from '../nn/pooling';
import { maskedSoftmax, sparsemax } from '../nn/sparsemax';
import { Rng } from '../util/rng';
import type { AttentionKind, ModelConfig } from './config';
import type { TextHost, TextHostInputs } from './text-host';

/** What a traced forward returns: attention maps, gates, λ (owned by the caller; disposeOutput releases them). */
export interface WsaTrace {
  attentionAudio: tf.Tensor3D; // [B, T_L, T_A]
  attentionVisual: tf.Tensor3D; // [B, T_L, T_V]
  gateAudio: tf.Tensor3D; // [B, T_L, H]
  gateVisual: tf.Tensor3D; // [B, T_L, H]
  lambda: tf.Tensor2D; // [B, T_L]
  /** ‖H_k‖₂ per word before scaling */
  shiftNorm: tf.Tensor2D; // [B, T_L]
  /** ‖w_k‖₂ per word */
  wordNorm: tf.Tensor2D; // [B, T_L]
}

/** eq. 2 for one modality m. */
export interface WsaAttention {
  scores: tf.Tensor3D; // ⟨w_k, f_sim^m(x_t)⟩ [B, T_L, T_m]
  weights: tf.Tensor3D; // α^m [B, T_L, T_m], 0 on padded frames
  attended: tf.Tensor3D; // X̃^m = α^m X^m [B, T_L, d_m]
}

/** Every intermediate of eqs. 2–6 (`WsaFusion.steps`). */
export interface WsaSteps {
  audio: WsaAttention;
  visual: WsaAttention;
  gateAudioPre: tf.Tensor3D; // FC([W; X̃^A]) before σ / ReLU [B, T_L, H]
  gateVisualPre: tf.Tensor3D; // [B, T_L, H]
  gateAudio: tf.Tensor3D; // G^A [B, T_L, H]
  gateVisual: tf.Tensor3D; // G^V [B, T_L, H]
  shift: tf.Tensor3D; // H [B, T_L, H]
  wordNorm: tf.Tensor2D; // ‖w_k‖₂ [B, T_L]
  shiftNorm: tf.Tensor2D; // ‖h_k‖₂ [B, T_L]
  lambda: tf.Tensor2D; // λ_k [B, T_L]
  out: tf.Tensor3D; // W̃ = Dropout(LayerNorm(W + diag(λ) H)) [B, T_L, H]
}

export interface WsaInputs {
  words: tf.Tensor3D; // W_mid [B, T_L, H]
  audio: tf.Tensor3D; // X^A [B, T_A, d_A]
  audioMask: tf.Tensor2D; // [B, T_A]
  visual: tf.Tensor3D; // X^V [B, T_V, d_V]
  visualMask: tf.Tensor2D; // [B, T_V]
}

/**
 * ‖x‖₂ over the last axis, `atZero` where x = 0, with the gradient x/‖x‖ (0 where x = 0).
 * A custom gradient because tfjs has no gradient for the comparison a `where` needs, and
 * sqrt's gradient at 0 would be infinite.
 */
function makeSafeNorm(atZero: number): (x: tf.Tensor) => tf.Tensor {
  return tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const [x, save] = args as [tf.Tensor, tf.GradSaveFunc];
    const sq = tf.sum(tf.square(x), -1); // [...]
    const zero = tf.equal(sq, 0); // [...]
    const root = tf.sqrt(tf.where(zero, tf.onesLike(sq), sq)); // [...], never 0
    const norm = tf.where(zero, tf.fill(sq.shape, atZero), root); // [...]
    save([x, root, tf.cast(zero, 'float32')]);
    return {
      value: norm,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [sx, sroot, szero] = saved as [tf.Tensor, tf.Tensor, tf.Tensor];
        const scale = tf.div(tf.mul(dy, tf.sub(1, szero)), sroot); // dy/‖x‖, 0 where x = 0
        return [tf.mul(sx, tf.expandDims(scale, -1))]; // dy · x/‖x‖ [..., n]
      },
    };
  }) as (x: tf.Tensor) => tf.Tensor;
}
const normOrZero = makeSafeNorm(0);
const normOrOne = makeSafeNorm(1);

/** Word-wise sparse attention + MAG gating + scaled shift + LayerNorm + dropout (eqs. 2–6). */
export class WsaFusion {
  readonly simAudio: Dense; // f_sim^A: d_A → H, no bias
  readonly simVisual: Dense; // f_sim^V: d_V → H, no bias
  readonly gateAudioFc: Dense; // [W; X̃^A]: H + d_A → H
  readonly gateVisualFc: Dense; // [W; X̃^V]: H + d_V → H
  readonly disAudio: Dense; // f_dis^A: d_A → H
  readonly disVisual: Dense; // f_dis^V: d_V → H
  readonly lnGamma: tf.Variable; // [H]
  readonly lnBeta: tf.Variable; // [H]
  private readonly hidden: number;

  constructor(readonly config: ModelConfig, rng: Rng) {
    const h = config.bert.hiddenSize;
    this.hidden = h;
    // f_sim without a bias: a bias b adds ⟨w_k, b⟩ to every frame's score of word k, which
    // Sparsemax and softmax ignore (shift invariance), so it would get an exactly zero gradient.
    this.simAudio = new Dense('wsa/simAudio', config.audioDim, h, rng, { bias: false });
    this.simVisual = new Dense('wsa/simVisual', config.visualDim, h, rng, { bias: false });
    this.gateAudioFc = new Dense('wsa/gateAudio', h + config.audioDim, h, rng);
    this.gateVisualFc = new Dense('wsa/gateVisual', h + config.visualDim, h, rng);
    this.disAudio = new Dense('wsa/disAudio', config.audioDim, h, rng);
    this.disVisual = new Dense('wsa/disVisual', config.visualDim, h, rng);
    this.lnGamma = makeVariable('wsa/ln_gamma', [h], 'ones', rng);
    this.lnBeta = makeVariable('wsa/ln_beta', [h], 'zeros', rng);
  }

  /**
   * eq. 2 for one modality: scores [B, T_L, T_m], weights α (Sparsemax or softmax over the
   * real frames), attended features X̃^m = α X^m [B, T_L, d_m].
   */
  attend(words: tf.Tensor3D, x: tf.Tensor3D, mask: tf.Tensor2D, sim: Dense, kind: AttentionKind = this.config.attention): WsaAttention {
    const projected = sim.apply(x) as tf.Tensor3D; // f_sim^m(X^m) [B, T_m, H]
    let scores = matMul(words, projected, false, true); // [B, T_L, T_m]
    if (this.config.attentionScale === 'sqrt') scores = tf.mul(scores, 1 / Math.sqrt(this.hidden));
    const frameMask = tf.expandDims(mask, 1); // [B, 1, T_m], broadcast over words
    const weights = (kind === 'sparsemax' ? sparsemax(scores, frameMask) : maskedSoftmax(scores, frameMask)) as tf.Tensor3D;
    const attended = matMul(weights, x); // [B, T_L, d_m]
    return { scores, weights, attended };
  }

  /**
   * eqs. 2–6 with every intermediate: W_mid [B, T_L, H] → W̃ [B, T_L, H]. `dropoutSeed` makes
   * training dropout reproducible.
   */
  steps(inputs: WsaInputs, training: boolean, dropoutSeed: number): WsaSteps {
    const { words } = inputs;
    const audio = this.attend(words, inputs.audio, inputs.audioMask, this.simAudio);
    const visual = this.attend(words, inputs.visual, inputs.visualMask, this.simVisual);
    const activate = (pre: tf.Tensor3D): tf.Tensor3D => (this.config.gate === 'sigmoid' ? tf.sigmoid(pre) : tf.relu(pre));
    const gateAudioPre = this.gateAudioFc.apply(tf.concat([words, audio.attended], 2)) as tf.Tensor3D; // FC([W; X̃^A]) [B, T_L, H]
    const gateVisualPre = this.gateVisualFc.apply(tf.concat([words, visual.attended], 2)) as tf.Tensor3D; // [B, T_L, H]
    const gateAudio = activate(gateAudioPre); // G^A [B, T_L, H]
    const gateVisual = activate(gateVisualPre); // G^V [B, T_L, H]
    const shift = tf.add(tf.mul(gateVisual, this.disVisual.apply(visual.attended)), tf.mul(gateAudio, this.disAudio.apply(audio.attended))) as tf.Tensor3D; // H [B, T_L, H]
    // eq. 5 with the authors' guard: ‖h‖ := 1 where it is 0, then + 1e-6
    const wordNorm = normOrZero(words) as tf.Tensor2D; // [B, T_L]
    const lambda = tf.minimum(tf.mul(tf.div(wordNorm, tf.add(normOrOne(shift), 1e-6)), this.config.betaShift), 1) as tf.Tensor2D; // [B, T_L]
    const shifted = tf.add(words, tf.mul(tf.expandDims(lambda, 2), shift)); // W + diag(λ) H [B, T_L, H]
    let out = layerNorm(shifted, this.lnGamma as tf.Tensor as tf.Tensor1D, this.lnBeta as tf.Tensor as tf.Tensor1D, this.config.wsaLayerNormEps) as tf.Tensor3D; // [B, T_L, H]
    if (training && this.config.wsaDropout > 0) out = tf.dropout(out, this.config.wsaDropout, undefined, dropoutSeed) as tf.Tensor3D;
    const shiftNorm = normOrZero(shift) as tf.Tensor2D; // ‖h_k‖₂ unguarded, for inspection [B, T_L]
    return { audio, visual, gateAudioPre, gateVisualPre, gateAudio, gateVisual, shift, wordNorm, shiftNorm, lambda, out };
  }

  /** eqs. 2–6: W_mid [B, T_L, H] → W̃ [B, T_L, H], and the trace when asked for. */
  apply(inputs: WsaInputs, training: boolean, dropoutSeed: number, withTrace = false): { out: tf.Tensor3D; trace: WsaTrace | null } {
    const s = this.steps(inputs, training, dropoutSeed);
    const trace: WsaTrace | null = withTrace
      ? {
          attentionAudio: s.audio.weights,
          attentionVisual: s.visual.weights,
          gateAudio: s.gateAudio,
          gateVisual: s.gateVisual,
          lambda: s.lambda,
          shiftNorm: s.shiftNorm,
          wordNorm: s.wordNorm,
        }
      : null;
    return { out: s.out, trace };
  }

  variables(): tf.Variable[] {
    return [
      ...this.simAudio.variables(), ...this.simVisual.variables(),
      ...this.gateAudioFc.variables(), ...this.gateVisualFc.variables(),
      ...this.disAudio.variables(), ...this.disVisual.variables(),
      this.lnGamma, this.lnBeta,
    ];
  }

  dispose(): void {
    for (const v of this.variables()) v.dispose();
  }
}

export interface SharedEncoderInputs extends Omit<WsaInputs, 'words'>, TextHostInputs {}

/**
 * WSA-BERT: the text host to layer k, WSA + MAG, the host from layer k, pooling, dropout,
 * FC → z^S (eqs. 2–7). The host is a BERT or the USE-lite upper layers (./text-host.ts).
 */
export class SharedEncoder {
  readonly wsa: WsaFusion;
  readonly pooling: Pooling;
  readonly fc: Dense; // H → d

  constructor(readonly config: ModelConfig, readonly host: TextHost, rng: Rng) {
    const h = config.bert.hiddenSize;
    if (host.hiddenSize !== h || host.numLayers !== config.bert.numLayers || host.kind !== config.textHost) {
      throw new Error(
        `SharedEncoder: the ${host.kind} host is ${host.numLayers}×${host.hiddenSize} but the config says ${config.textHost} ${config.bert.numLayers}×${h}`,
      );
    }
    this.wsa = new WsaFusion(config, rng);
    this.pooling = new Pooling('shared', config.sharedPooling, h, rng);
    this.fc = new Dense('shared/fc', h, config.latentDim, rng);
  }

  apply(inputs: SharedEncoderInputs, training: boolean, dropoutRng: Rng, withTrace = false): { z: tf.Tensor2D; trace: WsaTrace | null } {
    const k = this.config.injectionLayer;
    const n = this.config.bert.numLayers;
    const embedded = this.host.embed(inputs, training); // [B, T_L, H]
    const words = this.host.runLayers(embedded, inputs.textMask, 0, k, training); // W_mid [B, T_L, H]
    const fused = this.wsa.apply({ ...inputs, words }, training, dropoutRng.seed(), withTrace); // W̃ [B, T_L, H]
    const last = this.host.runLayers(fused.out, inputs.textMask, k, n, training); // [B, T_L, H]
    let pooled: tf.Tensor2D = this.pooling.apply(last, inputs.textMask); // [B, H]
    if (training && this.config.sharedDropout > 0) pooled = tf.dropout(pooled, this.config.sharedDropout, undefined, dropoutRng.seed()) as tf.Tensor2D;
    return { z: this.fc.apply(pooled) as tf.Tensor2D, trace: fused.trace }; // z^S [B, d]
  }

  /**
   * Every intermediate of eqs. 2–7 for one batch, in evaluation mode (no dropout), for the
   * notebook; also the attention the other normaliser (softmax ↔ Sparsemax) would give on the
   * same scores. The caller owns (and disposes) every returned tensor.
   */
  steps(inputs: SharedEncoderInputs): Record<string, tf.Tensor> {
    return tf.tidy(() => {
      const w = this.wsa;
      const k = this.config.injectionLayer;
      const other: AttentionKind = this.config.attention === 'sparsemax' ? 'softmax' : 'sparsemax';
      const embedded = this.host.embed(inputs, false); // [B, T_L, H]
      const wMid = this.host.runLayers(embedded, inputs.textMask, 0, k, false); // [B, T_L, H]
      const s = w.steps({ ...inputs, words: wMid }, false, 0);
      const last = this.host.runLayers(s.out, inputs.textMask, k, this.config.bert.numLayers, false); // [B, T_L, H]
      const pooled = this.pooling.apply(last, inputs.textMask); // [B, H]
      return {
        embedded, wMid,
        audioScores: s.audio.scores, audioWeights: s.audio.weights, audioAttended: s.audio.attended,
        audioWeightsOther: w.attend(wMid, inputs.audio, inputs.audioMask, w.simAudio, other).weights,
        visualScores: s.visual.scores, visualWeights: s.visual.weights, visualAttended: s.visual.attended,
        visualWeightsOther: w.attend(wMid, inputs.visual, inputs.visualMask, w.simVisual, other).weights,
        gateAudioPre: s.gateAudioPre, gateVisualPre: s.gateVisualPre, gateAudio: s.gateAudio, gateVisual: s.gateVisual, shift: s.shift,
        wordNorm: s.wordNorm, shiftNorm: s.shiftNorm, lambda: s.lambda,
        fused: s.out, last, pooled, zShared: this.fc.apply(pooled),
      };
    });
  }

  /** The host's variables plus WSA, pooler and FC. */
  variables(): tf.Variable[] {
    return [...this.host.namedVariables().values(), ...this.wsa.variables(), ...this.pooling.variables(), ...this.fc.variables()];
  }

  dispose(): void {
    this.host.dispose();
    this.wsa.dispose();
    this.pooling.dispose();
    this.fc.dispose();
  }
}
