// EF-LSTM — early fusion (the floor of Table 1; the baseline of Zadeh et al. 2018's MFN and
// Tsai et al. 2019's MulT papers): the modalities are concatenated at the input, one LSTM reads
// the fused sequence, and a small head regresses the sentiment from its final state.
//
//   x_t = [X^L_t; mean_τ X^A_τ; mean_τ X^V_τ]       t over the REAL text tokens
//   h   = LSTM(x_1 … x_{T_L})_{last real step}
//   ŷ   = W_2 ReLU(W_1 Dropout(h) + b_1) + b_2
//
// Aligning the lengths: the data are unaligned (no word-level alignment of frames to tokens here,
// and the main job's audio is one utterance vector), so the audio and visual sequences are each
// mean-pooled over their real frames and the mean is broadcast to every text step; the text steps
// define the sequence. (Word-aligned EF-LSTM, as in MFN's baseline, averages the frames inside each
// word instead; with utterance-level features both coincide.) Padded tokens freeze the LSTM state,
// so padding never changes a prediction.
import * as tf from '@tensorflow/tfjs';
import { Dense } from '../../../nn/dense';
import { meanPool } from '../../../nn/layers';
import { Lstm } from '../../../nn/lstm';
import { freezeConfig } from '../../../util/config';
import { deriveSeed, Rng } from '../../../util/rng';
import type { TextHost } from '../../text-host';
import { BaselineBase, REGRESSION_LOSSES, resolveBaselineConfig, type BaselineDims, type BaselineInputs, type BaselineOutput, type RegressionLoss } from '../types';

export interface EfLstmConfig {
  /**
   * LSTM units. There is no single reference configuration of EF-LSTM; 128, the unit count of
   * TFN's text LSTM (Zadeh et al. 2017 §3.2), keeps the floor comparable in size to TFN's text path.
   */
  hiddenSize: number;
  /** Width of the head's hidden ReLU layer (one hidden layer, as MMSA's EF_LSTM head: hidden → hidden → 1). */
  headHidden: number;
  /** Dropout on the LSTM's final state in training (0.2: the reference TFN/LMF code's text-LSTM default). */
  dropout: number;
  /** Training loss ('l1' as TFN/LMF's reference code, so the floor trains on the same objective). */
  regressionLoss: RegressionLoss;
}

export const DEFAULT_EF_LSTM_CONFIG: Readonly<EfLstmConfig> = freezeConfig({
  hiddenSize: 128,
  headHidden: 128,
  dropout: 0.2,
  regressionLoss: 'l1',
});

export const QUICK_EF_LSTM_OVERRIDES: Readonly<Partial<EfLstmConfig>> = freezeConfig({ hiddenSize: 16, headHidden: 16 });

const RULES = { positiveInts: ['hiddenSize', 'headHidden'], rates: ['dropout'], enums: { regressionLoss: REGRESSION_LOSSES } };

export function resolveEfLstmConfig(overrides: Record<string, unknown> = {}, base: Readonly<EfLstmConfig> = DEFAULT_EF_LSTM_CONFIG): EfLstmConfig {
  return resolveBaselineConfig('ef-lstm config', DEFAULT_EF_LSTM_CONFIG, overrides, RULES, base);
}

/** Width of one fused step: D_L + d_A + d_V. */
export function efLstmInputWidth(dims: BaselineDims): number {
  return dims.textWidth + dims.audioDim + dims.visualDim;
}

export class EfLstmModel extends BaselineBase {
  readonly config: EfLstmConfig;
  readonly lstm: Lstm;
  readonly fc1: Dense;
  readonly fc2: Dense;

  constructor(config: EfLstmConfig, dims: BaselineDims, host: TextHost, seed: number) {
    super('ef-lstm', dims, host, seed);
    this.config = resolveEfLstmConfig(config as unknown as Record<string, unknown>);
    const c = this.config;
    const rng = new Rng(deriveSeed(seed, 'ef-lstm/init'));
    this.lstm = new Lstm('efLstm/lstm', efLstmInputWidth(dims), c.hiddenSize, rng);
    this.fc1 = new Dense('efLstm/fc1', c.hiddenSize, c.headHidden, rng);
    this.fc2 = new Dense('efLstm/fc2', c.headHidden, 1, rng);
  }

  forward(x: BaselineInputs, options: { training: boolean }): BaselineOutput {
    this.checkInputs(x);
    const dropoutSeed = this.dropoutRng.seed();
    return tf.tidy(() => {
      const xl = this.text.apply(x); // [B, T_L, D_L]
      const [b, t] = xl.shape;
      const steps = tf.ones([b, t, 1]); // broadcast an utterance vector to every text step (a multiply, not Tile: slow on wasm)
      const a = tf.mul(steps, tf.expandDims(meanPool(x.audio, x.audioMask), 1)); // [B, T_L, d_A]
      const v = tf.mul(steps, tf.expandDims(meanPool(x.visual, x.visualMask), 1)); // [B, T_L, d_V]
      const fused = tf.concat([xl, a, v], 2) as tf.Tensor3D; // [B, T_L, D_L + d_A + d_V]
      let h: tf.Tensor2D = this.lstm.run(fused, x.textMask, x.hostLengths?.text).h; // [B, H]
      const state = h;
      if (options.training && this.config.dropout > 0) h = tf.dropout(h, this.config.dropout, undefined, dropoutSeed) as tf.Tensor2D;
      const y = tf.squeeze(this.fc2.apply(tf.relu(this.fc1.apply(h))), [1]) as tf.Tensor1D; // [B]
      const out: BaselineOutput = { yHat: y, latents: { fused: state } };
      return out as unknown as tf.TensorContainer;
    }) as unknown as BaselineOutput;
  }

  protected regressionLoss(): RegressionLoss {
    return this.config.regressionLoss;
  }

  variables(): tf.Variable[] {
    return [...this.lstm.variables(), ...this.fc1.variables(), ...this.fc2.variables()];
  }

  protected disposeOwn(): void {
    this.lstm.dispose();
    this.fc1.dispose();
    this.fc2.dispose();
  }
}

/** Trainable parameters by module (host table excluded). */
export function efLstmParams(c: EfLstmConfig, dims: BaselineDims): Record<'lstm' | 'head', number> {
  const h = c.hiddenSize;
  return { lstm: (efLstmInputWidth(dims) + h + 1) * 4 * h, head: h * c.headHidden + c.headHidden + c.headHidden + 1 };
}
