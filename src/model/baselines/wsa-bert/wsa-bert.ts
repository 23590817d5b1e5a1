// WSA-BERT — Word-wise Sparse Attention BERT (Qian, Han, Li, Zheng et al., Interspeech 2022; the
// MIRD authors' earlier system, qianfan1996/WSA-BERT): each word state of BERT attends, with
// Sparsemax, over the whole unaligned audio and visual sequences; the attended features shift
// the word states through MAG gates; BERT continues from there and one linear unit regresses the
// sentiment from the pooled states. It is MIRD's modality-agnostic encoder alone (no private
// encoders, no decoders, no MI terms), so this file reuses SharedEncoder (../../wsa.ts) and adds
// only the regression head:
//
//   s^m_{kt} = ⟨w_k, f_sim^m(x^m_t)⟩,  α^m_k = Sparsemax_t(s^m_k),  X̃^m = α^m X^m     (eq. 2)
//   G^m = σ(FC([W_mid; X̃^m]))                                                         (eq. 3)
//   H = G^V ⊙ f_dis^V(X̃^V) + G^A ⊙ f_dis^A(X̃^A)                                       (eq. 4)
//   λ_k = min(‖w_k‖₂ / ‖h_k‖₂ · ε, 1),  W̃_mid = W_mid + diag(λ) H                      (eq. 5)
//   W̃ = Dropout(LayerNorm(W̃_mid)), then the host continues from layer k               (eq. 6)
//   z^S = FC(Dropout(Pool(last states)))   [B, d]                                      (MIRD eq. 7)
//   ŷ  = z^S w + b                                                                     (the head)
//
// The reference code's head is pooled → Dropout(0.5) → Linear(768, 1). Here it is the shared
// encoder's pooled → Dropout → FC(H → d) = z^S, then Linear(d → 1): a rank-d factorisation of
// the same linear map (no nonlinearity between), kept so that WSA-BERT is exactly MIRD's shared
// path, its z^S a [B, d] latent comparable with MIRD's. The WHOLE text host is trained (at
// hostLr, under MIRD's `host/<name>` names), as in MIRD and the reference code; the shared
// encoder's own variables keep MIRD's names too (`wsa/…`, `shared/…`), so MIRD's shared-encoder
// weights load into WSA-BERT by name; the head is `wsa-bert/head/…`.
import * as tf from '@tensorflow/tfjs';
import { Dense } from '../../../nn/dense';
import { POOLING_KINDS, type PoolingKind } from '../../../nn/pooling';
import type { BertConfig } from '../../../text/bert-config';
import { freezeConfig } from '../../../util/config';
import { deriveSeed, Rng } from '../../../util/rng';
import { PAPER_CONFIG, type AttentionKind, type AttentionScaleKind, type GateKind, type ModelConfig } from '../../config';
import { BertHost, UseLiteHost, type TextHost, type TextHostKind } from '../../text-host';
import { SharedEncoder } from '../../wsa';
import { BaselineBase, REGRESSION_LOSSES, resolveBaselineConfig, stableNames, type BaselineDims, type BaselineInputs, type BaselineOutput, type RegressionLoss } from '../types';

export interface WsaBertConfig {
  /** d, the width of z^S (MIRD paper and code: 64; the reference code has no z^S: see the file header). */
  latentDim: number;
  /**
   * Host layer after which WSA + MAG is injected (0 = right after the embeddings). Reference code:
   * fusion at r = 0 (REFERENCE-FACTS §3), as MIRD's main preset. MIRD's quick preset: 1 (quick
   * overrides); its paper / small presets: ⌊N/2⌋ (--set injectionLayer=6 / 2 for theirs).
   */
  injectionLayer: number;
  /** 'sparsemax' = WSA (the paper's system); 'softmax' = WA-BERT (the reference code's default model). */
  attention: AttentionKind;
  /** Scale of the eq.-2 scores: 'none' (paper and code) or 1/√H. */
  attentionScale: AttentionScaleKind;
  /** MAG gate activation: 'sigmoid' as MIRD's eq. 3 and MIRD's presets; the reference code (MAG's) uses 'relu'. */
  gate: GateKind;
  /** ε of λ_k (reference code: beta_shift 1.0). */
  betaShift: number;
  /** LayerNorm epsilon after the shift (reference code: 1e-5). */
  wsaLayerNormEps: number;
  /**
   * Dropout after the shift's LayerNorm and before the FC to z^S. Reference code: 0.5 (both);
   * MIRD's main preset: 0.1 (its pretrained upper layers; src/train/presets.ts), the default
   * here because main is the Table 1 job; the quick overrides take MIRD quick's 0.5.
   */
  wsaDropout: number;
  sharedDropout: number;
  /**
   * Pooling of the host's last states: 'mean' over real tokens (MIRD eq. 7 and MIRD's presets;
   * the USE-lite host has no [CLS]); the reference code uses BERT's pooled output ('pooled').
   */
  sharedPooling: PoolingKind;
  /** Training loss: MSE, as the reference code (MAG-BERT's driver, MSELoss) and MIRD's regression term. */
  regressionLoss: RegressionLoss;
}

export const DEFAULT_WSA_BERT_CONFIG: Readonly<WsaBertConfig> = freezeConfig({
  latentDim: 64,
  injectionLayer: 0,
  attention: 'sparsemax',
  attentionScale: 'none',
  gate: 'sigmoid',
  betaShift: 1,
  wsaLayerNormEps: 1e-5,
  wsaDropout: 0.1,
  sharedDropout: 0.1,
  sharedPooling: 'mean',
  regressionLoss: 'mse',
});

/** The quick preset's values (tests, CI): MIRD quick's shared encoder (src/model/config.ts QUICK_CONFIG). */
export const QUICK_WSA_BERT_OVERRIDES: Readonly<Partial<WsaBertConfig>> = freezeConfig({ latentDim: 16, injectionLayer: 1, wsaDropout: 0.5, sharedDropout: 0.5 });

/** The ModelConfig keys WSA-BERT shares with MIRD (every key of its config but the loss). */
export const WSA_BERT_SHARED_KEYS = Object.freeze(Object.keys(DEFAULT_WSA_BERT_CONFIG).filter((k) => k !== 'regressionLoss')) as readonly (keyof ModelConfig & keyof WsaBertConfig)[];

// the allowed values, complete by construction (a missing or extra kind is a type error)
const ATTENTIONS = Object.keys({ sparsemax: 0, softmax: 0 } satisfies Record<AttentionKind, 0>);
const SCALES = Object.keys({ none: 0, sqrt: 0 } satisfies Record<AttentionScaleKind, 0>);
const GATES = Object.keys({ sigmoid: 0, relu: 0 } satisfies Record<GateKind, 0>);

const RULES = {
  positiveInts: ['latentDim'],
  rates: ['wsaDropout', 'sharedDropout'],
  nonNegative: ['injectionLayer', 'betaShift', 'wsaLayerNormEps'],
  enums: { attention: ATTENTIONS, attentionScale: SCALES, gate: GATES, sharedPooling: POOLING_KINDS, regressionLoss: REGRESSION_LOSSES },
};

export function resolveWsaBertConfig(overrides: Record<string, unknown> = {}, base: Readonly<WsaBertConfig> = DEFAULT_WSA_BERT_CONFIG): WsaBertConfig {
  const c = resolveBaselineConfig('wsa-bert config', DEFAULT_WSA_BERT_CONFIG, overrides, RULES, base);
  if (!Number.isInteger(c.injectionLayer)) throw new Error(`wsa-bert config: injectionLayer must be a non-negative integer, got ${JSON.stringify(c.injectionLayer)}`);
  if (!(c.betaShift > 0)) throw new Error(`wsa-bert config: betaShift must be a positive number, got ${JSON.stringify(c.betaShift)}`);
  if (!(c.wsaLayerNormEps > 0)) throw new Error(`wsa-bert config: wsaLayerNormEps must be a positive number, got ${JSON.stringify(c.wsaLayerNormEps)}`);
  return c;
}

/** The text host's shape: its kind and its BertConfig (BERT's, or the USE-lite upper layers'). */
export interface WsaBertHostShape {
  kind: TextHostKind;
  bert: BertConfig;
}

export function hostShapeOf(host: TextHost): WsaBertHostShape {
  if (host instanceof BertHost) return { kind: 'bert', bert: { ...host.bert.config } };
  if (host instanceof UseLiteHost) return { kind: 'use-lite', bert: { ...host.upper.config } };
  throw new Error(`wsa-bert: unknown text host (kind ${host.kind}); expected a BertHost or a UseLiteHost`);
}

/**
 * The ModelConfig that SharedEncoder reads: WSA-BERT's keys, the data's frame sizes and the host's
 * shape. The other fields (private encoders, decoders, regressor, nominal lengths) are MIRD paper's
 * and are not read by the shared encoder; efficiency.ts sets the lengths before counting MACs.
 */
export function wsaBertEncoderConfig(c: WsaBertConfig, dims: Pick<BaselineDims, 'audioDim' | 'visualDim'>, host: WsaBertHostShape): ModelConfig {
  if (c.injectionLayer > host.bert.numLayers) {
    throw new Error(`wsa-bert config: injectionLayer must be at most the text host's numLayers (${host.bert.numLayers}), got ${c.injectionLayer}`);
  }
  const shared = Object.fromEntries(WSA_BERT_SHARED_KEYS.map((k) => [k, c[k]])) as Partial<ModelConfig>;
  return { ...PAPER_CONFIG, ...shared, audioDim: dims.audioDim, visualDim: dims.visualDim, textHost: host.kind, bert: { ...host.bert } };
}

export class WsaBertModel extends BaselineBase {
  readonly config: WsaBertConfig;
  /** what the shared encoder is built from (wsaBertEncoderConfig) */
  readonly encoderConfig: ModelConfig;
  readonly shared: SharedEncoder; // host to layer k, WSA + MAG, host from k, pool, dropout, FC → z^S
  readonly head: Dense; // d → 1

  constructor(config: WsaBertConfig, dims: BaselineDims, host: TextHost, seed: number) {
    super('wsa-bert', dims, host, seed);
    this.config = resolveWsaBertConfig(config as unknown as Record<string, unknown>);
    this.encoderConfig = wsaBertEncoderConfig(this.config, dims, hostShapeOf(host));
    const rng = new Rng(deriveSeed(seed, 'wsa-bert/init'));
    this.shared = new SharedEncoder(this.encoderConfig, host, rng);
    this.head = new Dense('wsa-bert/head', this.config.latentDim, 1, rng);
  }

  protected checkInputs(x: BaselineInputs): void {
    super.checkInputs(x);
    const b = this.encoderConfig.bert;
    if (this.encoderConfig.textHost === 'bert' && x.textIds.shape[1] > b.maxPositions) {
      throw new Error(`wsa-bert.forward: batch.textIds has shape [${x.textIds.shape}], expected T_L ≤ the BERT host's maxPositions = ${b.maxPositions}`);
    }
  }

  forward(x: BaselineInputs, options: { training: boolean }): BaselineOutput {
    this.checkInputs(x);
    const sharedRng = new Rng(this.dropoutRng.seed()); // the shared encoder's two dropout seeds (after the shift, before the FC)
    return tf.tidy(() => {
      const { z } = this.shared.apply(x, options.training, sharedRng); // z^S [B, d]
      const yHat = tf.squeeze(this.head.apply(z), [1]) as tf.Tensor1D; // [B]
      const out: BaselineOutput = { yHat, latents: { shared: z } };
      return out as unknown as tf.TensorContainer;
    }) as unknown as BaselineOutput;
  }

  protected regressionLoss(): RegressionLoss {
    return this.config.regressionLoss;
  }

  /** WSA + MAG, pooler, FC to z^S and the head (the host's variables are added by namedVariables). */
  variables(): tf.Variable[] {
    const s = this.shared;
    return [...s.wsa.variables(), ...s.pooling.variables(), ...s.fc.variables(), ...this.head.variables()];
  }

  /** Every host variable as `host/<name>` (MIRD's names: the whole host is trained, at hostLr), then the model's own. */
  namedVariables(): Map<string, tf.Variable> {
    const host = new Map([...this.text.host.namedVariables()].map(([k, v]) => [`host/${k}`, v] as const));
    return stableNames(this.kind, host, this.variables());
  }

  /**
   * Starts the path at the text host's sentiment head, as MIRD does on the main preset
   * (TrainConfig.initFromHostHead; src/train/setup.ts initSharedPathFromHead): z^S_0 = w·pool + b
   * and ŷ = z^S_0 (head weight e_0, bias 0), so the untrained model predicts what the host's head
   * predicts from the mean-pooled states. Other units of z^S keep their random start.
   */
  initFromHostHead(head: { weight: Float32Array; bias: Float32Array }): void {
    const fc = this.shared.fc;
    const h = fc.inDim;
    if (head.weight.length !== h) throw new Error(`wsa-bert initFromHostHead: the head reads ${head.weight.length} features, the host has ${h}`);
    if (this.config.sharedPooling !== 'mean') throw new Error("wsa-bert initFromHostHead: the host's head reads mean-pooled states; set sharedPooling=mean");
    tf.tidy(() => {
      const w = fc.w.arraySync() as number[][]; // [H, d]
      for (let i = 0; i < h; i++) (w[i] as number[])[0] = head.weight[i] as number;
      fc.w.assign(tf.tensor2d(w));
      const fb = (fc.b as tf.Variable).arraySync() as number[];
      fb[0] = head.bias[0] as number;
      (fc.b as tf.Variable).assign(tf.tensor1d(fb));
      const hw = new Array<number>(this.config.latentDim).fill(0);
      hw[0] = 1;
      this.head.w.assign(tf.tensor2d(hw, [this.config.latentDim, 1]));
      (this.head.b as tf.Variable).assign(tf.zeros([1]));
    });
  }

  /** Restarts the model's dropout stream and the host's (its hidden / attention dropout), as MirdModel does. */
  setDropoutSeed(seed: number): void {
    super.setDropoutSeed(seed);
    this.text.host.setDropoutSeed(deriveSeed(seed, 'wsa-bert/host/dropout'));
  }

  protected disposeOwn(): void {
    // the host is disposed by BaselineBase (this.text), so not through SharedEncoder.dispose
    this.shared.wsa.dispose();
    this.shared.pooling.dispose();
    this.shared.fc.dispose();
    this.head.dispose();
  }
}
