// TFN — Tensor Fusion Network (Zadeh, Chen, Poria, Cambria, Morency, EMNLP 2017): each modality
// is embedded by its own subnetwork, and the three embeddings, each extended by a constant 1, are
// fused by their 3-fold outer product, so the fused tensor holds the unimodal, every bimodal and
// the trimodal interactions at once; fully connected layers then regress the sentiment.
//
//   z̃^m = [1; z^m]                                     (eq. 1: the appended 1 keeps the lower-order terms)
//   z^m = [z̃^l ⊗ z̃^v ⊗ z̃^a] ∈ R^{(d_l+1)(d_v+1)(d_a+1)} (eq. 1: the tensor fusion layer, flattened)
//   ŷ  = FC_3(ReLU(FC_2(ReLU(FC_1(Dropout(z^m))))))     (§3.4: the sentiment inference subnetwork,
//                                                       two ReLU layers, then one output unit)
//   ŷ ← 2R·σ(ŷ) − R                                    (reference code: the output squashed into
//                                                       [−3, 3] by a scaled sigmoid; R = outputRange)
// The unimodal subnetworks are in ../unimodal.ts (shared with LMF). The reference code
// (Justin1904/TensorFusionNetworks, model.py) omits the ReLUs between its post-fusion layers and
// the sigmoid its comment announces; this follows the paper (ReLU layers) and the comment (sigmoid).
import * as tf from '@tensorflow/tfjs';
import { Dense } from '../../../nn/dense';
import { Mlp } from '../../../nn/mlp';
import { matMul } from '../../../nn/ops';
import { freezeConfig } from '../../../util/config';
import { deriveSeed, Rng } from '../../../util/rng';
import type { TextHost } from '../../text-host';
import { BaselineBase, REGRESSION_LOSSES, resolveBaselineConfig, type BaselineDims, type BaselineInputs, type BaselineOutput, type RegressionLoss } from '../types';
import { unimodalParams, UnimodalSubnets, withOne } from '../unimodal';

export interface TfnConfig {
  /** Width of each audio / visual MLP layer, d_a = d_v (paper §3.2: "three hidden layers of 32 ReLU units"). */
  audioHidden: number;
  visualHidden: number;
  /** Text LSTM units (paper §3.2: 128). */
  textHidden: number;
  /** d_l, the text embedding after the LSTM's linear map (paper §3.2: z^l ∈ R^128). */
  textOut: number;
  /** Width of the two post-fusion ReLU layers (paper §3.4: 128). */
  postFusionDim: number;
  /**
   * Dropout on each subnetwork's input / the LSTM state, and on the fused tensor. The paper gives
   * no rates; 0.2 is the reference code's TextSubNet default (Justin1904/TensorFusionNetworks).
   */
  audioDropout: number;
  visualDropout: number;
  textDropout: number;
  postFusionDropout: number;
  /** R of the scaled sigmoid output 2R·σ(·) − R (reference code: range 6, shift −3, i.e. R = 3); 0: a linear output. */
  outputRange: number;
  /** Training loss (MOSI labels are regressed with an L1 loss in the reference code, nn.L1Loss). */
  regressionLoss: RegressionLoss;
}

export const DEFAULT_TFN_CONFIG: Readonly<TfnConfig> = freezeConfig({
  audioHidden: 32,
  visualHidden: 32,
  textHidden: 128,
  textOut: 128,
  postFusionDim: 128,
  audioDropout: 0.2,
  visualDropout: 0.2,
  textDropout: 0.2,
  postFusionDropout: 0.2,
  outputRange: 3,
  regressionLoss: 'l1',
});

/** The quick preset's sizes (tests, CI): the structure unchanged, every width small. */
export const QUICK_TFN_OVERRIDES: Readonly<Partial<TfnConfig>> = freezeConfig({ audioHidden: 4, visualHidden: 4, textHidden: 16, textOut: 8, postFusionDim: 16 });

const RULES = {
  positiveInts: ['audioHidden', 'visualHidden', 'textHidden', 'textOut', 'postFusionDim'],
  rates: ['audioDropout', 'visualDropout', 'textDropout', 'postFusionDropout'],
  nonNegative: ['outputRange'],
  enums: { regressionLoss: REGRESSION_LOSSES },
};

export function resolveTfnConfig(overrides: Record<string, unknown> = {}, base: Readonly<TfnConfig> = DEFAULT_TFN_CONFIG): TfnConfig {
  return resolveBaselineConfig('tfn config', DEFAULT_TFN_CONFIG, overrides, RULES, base);
}

/** Size of the flattened fusion tensor, (d_a+1)(d_v+1)(d_l+1). */
export function tfnFusionSize(c: TfnConfig): number {
  return (c.audioHidden + 1) * (c.visualHidden + 1) * (c.textOut + 1);
}

/** The 3-fold outer product, flattened: a [B, p], v [B, q], l [B, s] → [B, p·q·s] (index (i·q + j)·s + k). */
export function outerProduct3(a: tf.Tensor2D, v: tf.Tensor2D, l: tf.Tensor2D): tf.Tensor2D {
  const b = a.shape[0];
  const [p, q, s] = [a.shape[1], v.shape[1], l.shape[1]];
  const av = matMul(tf.reshape(a, [b, p, 1]) as tf.Tensor3D, tf.reshape(v, [b, 1, q]) as tf.Tensor3D); // [B, p, q]
  const avl = matMul(tf.reshape(av, [b, p * q, 1]) as tf.Tensor3D, tf.reshape(l, [b, 1, s]) as tf.Tensor3D); // [B, p·q, s]
  return tf.reshape(avl, [b, p * q * s]) as tf.Tensor2D;
}

export class TfnModel extends BaselineBase {
  readonly config: TfnConfig;
  readonly subnets: UnimodalSubnets;
  readonly postFusion: Mlp; // fusion → P → P (ReLU)
  readonly out: Dense; // P → 1

  constructor(config: TfnConfig, dims: BaselineDims, host: TextHost, seed: number) {
    super('tfn', dims, host, seed);
    this.config = resolveTfnConfig(config as unknown as Record<string, unknown>);
    const c = this.config;
    const rng = new Rng(deriveSeed(seed, 'tfn/init'));
    this.subnets = new UnimodalSubnets('tfn', c, dims, rng);
    this.postFusion = new Mlp('tfn/postFusion', [tfnFusionSize(c), c.postFusionDim, c.postFusionDim], rng, { inputDropout: c.postFusionDropout });
    this.out = new Dense('tfn/out', c.postFusionDim, 1, rng);
  }

  forward(x: BaselineInputs, options: { training: boolean }): BaselineOutput {
    this.checkInputs(x);
    const subnetRng = new Rng(this.dropoutRng.seed());
    const fusionSeed = this.dropoutRng.seed();
    const z = this.subnets.apply(x, this.text, options.training, subnetRng);
    return tf.tidy(() => {
      const fused = outerProduct3(withOne(z.audio), withOne(z.visual), withOne(z.text)); // [B, (d_a+1)(d_v+1)(d_l+1)]
      const h = this.postFusion.apply(fused, options.training, fusionSeed); // [B, P]
      let y = tf.squeeze(this.out.apply(h), [1]); // [B]
      const r = this.config.outputRange;
      if (r > 0) y = tf.sub(tf.mul(tf.sigmoid(y), 2 * r), r);
      const out: BaselineOutput = { yHat: y as tf.Tensor1D, latents: { text: z.text, audio: z.audio, visual: z.visual, fusion: h } };
      return out as unknown as tf.TensorContainer;
    }) as unknown as BaselineOutput;
  }

  protected regressionLoss(): RegressionLoss {
    return this.config.regressionLoss;
  }

  variables(): tf.Variable[] {
    return [...this.subnets.variables(), ...this.postFusion.variables(), ...this.out.variables()];
  }

  protected disposeOwn(): void {
    this.subnets.dispose();
    this.postFusion.dispose();
    this.out.dispose();
  }
}

/** Trainable parameters by module (host table excluded: efficiency.ts adds it per host kind). */
export function tfnParams(c: TfnConfig, dims: BaselineDims): Record<'textSubnet' | 'audioSubnet' | 'visualSubnet' | 'postFusion', number> {
  const u = unimodalParams(c, dims);
  const p = c.postFusionDim;
  return { textSubnet: u.text, audioSubnet: u.audio, visualSubnet: u.visual, postFusion: tfnFusionSize(c) * p + p + p * p + p + p + 1 };
}
