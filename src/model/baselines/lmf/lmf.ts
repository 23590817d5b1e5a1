// LMF — Low-rank Multimodal Fusion (Liu, Shen, Lakshminarasimhan, Liang, Zadeh, Morency, ACL 2018):
// TFN's fusion h = W · (z̃^a ⊗ z̃^v ⊗ z̃^l) with its weight tensor W constrained to rank r,
// W = Σ_{i=1..r} w_a^(i) ⊗ w_v^(i) ⊗ w_l^(i), so the product with the outer-product tensor
// factorises per modality and the tensor itself is never formed:
//
//   z̃^m = [1; z^m]                                               (as TFN, eq. 1 there)
//   h = Σ_{i=1..r} λ_i · Π_{m ∈ {a,v,l}} (z̃^m · w_m^(i)) + b        (eq. 6: the modality-specific
//                                                                 factors w_m^(i) ∈ R^{d_m+1}; "Π" is
//                                                                 the elementwise product)
//   ŷ = h                                                         (regression: the fused output is
//                                                                 the prediction, output_dim = 1)
// λ_i are the reference code's learnt fusion weights ("linear transformation instead of simple
// summation, more flexibility"; Justin1904/Low-rank-Multimodal-Fusion, model.py). The unimodal
// subnetworks are TFN's (../unimodal.ts). The code's factor learning rate (a separate Adam group)
// is one rate here (the trainer's lr): --set lr applies to factors and subnetworks alike.
import * as tf from '@tensorflow/tfjs';
import { makeVariable } from '../../../nn/dense';
import { matMul } from '../../../nn/ops';
import { freezeConfig } from '../../../util/config';
import { deriveSeed, Rng } from '../../../util/rng';
import type { TextHost } from '../../text-host';
import { BaselineBase, REGRESSION_LOSSES, resolveBaselineConfig, type BaselineDims, type BaselineInputs, type BaselineOutput, type RegressionLoss } from '../types';
import { unimodalParams, UnimodalSubnets, withOne } from '../unimodal';

export interface LmfConfig {
  /**
   * Subnetwork widths. The authors' MOSI script (train_mosi.py) grid-searches audio_hidden and
   * video_hidden ∈ {4, 8, 16}, text_hidden ∈ {64, 128, 256} with text_out = text_hidden / 2; the
   * chosen point is in their hyperparams.txt, not available offline here: the defaults take the
   * middle of each grid (8, 8, 128 → 64).
   */
  audioHidden: number;
  visualHidden: number;
  textHidden: number;
  textOut: number;
  /** r (grid {1, 4, 8, 16}; the paper reports stable results for ranks below 10 and uses 4 in its efficiency comparison). */
  rank: number;
  /** Subnetwork dropouts (grid {0, 0.1, 0.15, 0.2, 0.3, 0.5}: 0.15, a middle value). */
  audioDropout: number;
  visualDropout: number;
  textDropout: number;
  /** Training loss (train_mosi.py: nn.L1Loss). */
  regressionLoss: RegressionLoss;
}

export const DEFAULT_LMF_CONFIG: Readonly<LmfConfig> = freezeConfig({
  audioHidden: 8,
  visualHidden: 8,
  textHidden: 128,
  textOut: 64,
  rank: 4,
  audioDropout: 0.15,
  visualDropout: 0.15,
  textDropout: 0.15,
  regressionLoss: 'l1',
});

export const QUICK_LMF_OVERRIDES: Readonly<Partial<LmfConfig>> = freezeConfig({ audioHidden: 4, visualHidden: 4, textHidden: 16, textOut: 8 });

const RULES = {
  positiveInts: ['audioHidden', 'visualHidden', 'textHidden', 'textOut', 'rank'],
  rates: ['audioDropout', 'visualDropout', 'textDropout'],
  enums: { regressionLoss: REGRESSION_LOSSES },
};

export function resolveLmfConfig(overrides: Record<string, unknown> = {}, base: Readonly<LmfConfig> = DEFAULT_LMF_CONFIG): LmfConfig {
  return resolveBaselineConfig('lmf config', DEFAULT_LMF_CONFIG, overrides, RULES, base);
}

export class LmfModel extends BaselineBase {
  readonly config: LmfConfig;
  readonly subnets: UnimodalSubnets;
  /** w_m^(i) for i = 1..r as the columns of one [d_m+1, r] matrix per modality */
  readonly audioFactor: tf.Variable;
  readonly visualFactor: tf.Variable;
  readonly textFactor: tf.Variable;
  readonly fusionWeights: tf.Variable; // λ [r, 1]
  readonly fusionBias: tf.Variable; // b [1]

  constructor(config: LmfConfig, dims: BaselineDims, host: TextHost, seed: number) {
    super('lmf', dims, host, seed);
    this.config = resolveLmfConfig(config as unknown as Record<string, unknown>);
    const c = this.config;
    const rng = new Rng(deriveSeed(seed, 'lmf/init'));
    this.subnets = new UnimodalSubnets('lmf', c, dims, rng);
    // Glorot-uniform (the code: Glorot-normal), bias 0 as the code
    this.audioFactor = makeVariable('lmf/audioFactor', [c.audioHidden + 1, c.rank], 'glorot', rng);
    this.visualFactor = makeVariable('lmf/visualFactor', [c.visualHidden + 1, c.rank], 'glorot', rng);
    this.textFactor = makeVariable('lmf/textFactor', [c.textOut + 1, c.rank], 'glorot', rng);
    this.fusionWeights = makeVariable('lmf/fusionWeights', [c.rank, 1], 'glorot', rng);
    this.fusionBias = makeVariable('lmf/fusionBias', [1], 'zeros', rng);
  }

  forward(x: BaselineInputs, options: { training: boolean }): BaselineOutput {
    this.checkInputs(x);
    const z = this.subnets.apply(x, this.text, options.training, new Rng(this.dropoutRng.seed()));
    return tf.tidy(() => {
      const fa = matMul(withOne(z.audio), this.audioFactor as tf.Tensor as tf.Tensor2D); // z̃^a w_a^(i) for every i: [B, r]
      const fv = matMul(withOne(z.visual), this.visualFactor as tf.Tensor as tf.Tensor2D); // [B, r]
      const fl = matMul(withOne(z.text), this.textFactor as tf.Tensor as tf.Tensor2D); // [B, r]
      const prod = tf.mul(tf.mul(fa, fv), fl) as tf.Tensor2D; // Π_m, per rank: [B, r]
      const h = tf.add(matMul(prod, this.fusionWeights as tf.Tensor as tf.Tensor2D), this.fusionBias); // Σ_i λ_i (…) + b: [B, 1]
      const out: BaselineOutput = { yHat: tf.squeeze(h, [1]) as tf.Tensor1D, latents: { text: z.text, audio: z.audio, visual: z.visual, rankTerms: prod } };
      return out as unknown as tf.TensorContainer;
    }) as unknown as BaselineOutput;
  }

  protected regressionLoss(): RegressionLoss {
    return this.config.regressionLoss;
  }

  variables(): tf.Variable[] {
    return [...this.subnets.variables(), this.audioFactor, this.visualFactor, this.textFactor, this.fusionWeights, this.fusionBias];
  }

  protected disposeOwn(): void {
    this.subnets.dispose();
    for (const v of [this.audioFactor, this.visualFactor, this.textFactor, this.fusionWeights, this.fusionBias]) v.dispose();
  }
}

/** Trainable parameters by module (host table excluded). */
export function lmfParams(c: LmfConfig, dims: BaselineDims): Record<'textSubnet' | 'audioSubnet' | 'visualSubnet' | 'fusion', number> {
  const u = unimodalParams(c, dims);
  return { textSubnet: u.text, audioSubnet: u.audio, visualSubnet: u.visual, fusion: (c.audioHidden + 1 + c.visualHidden + 1 + c.textOut + 1) * c.rank + c.rank + 1 };
}
