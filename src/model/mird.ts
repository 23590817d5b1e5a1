// The MIRD network (paper §3): modality-specific encoders (eq. 1), the modality-agnostic
// encoder WSA-BERT (eqs. 2–7), decoders (eq. 8) and the regressor (eqs. 16–17).
// One forward returns every latent and reconstruction; losses and the CLUB estimators live
// elsewhere (src/train, src/mi) and reach the variables through `variableGroups()`.
import * as tf from '@tensorflow/tfjs';
import type { Batch } from '../data/types';
import { fusedLinearCrossEntropy, type FusedCrossEntropyOptions } from '../nn/losses';
import type { BertConfig } from '../text/bert-config';
import type { BertEncoderApi } from '../text/bert-types';
import { Bert } from '../text/bert';
import { deriveSeed, Rng } from '../util/rng';
import { validateModelConfig, type ModelConfig } from './config';
import { SequenceDecoder } from './decoders';
import { BertTextEncoder, LstmTextEncoder, SequenceEncoder, type TextEncoder } from './encoders';
import { Regressor } from './regressor';
import { SharedEncoder, type WsaTrace } from './wsa';

/** The padded tensors the network reads (a `Batch` has them all). */
export type MirdInputs = Pick<Batch, 'textIds' | 'textMask' | 'audio' | 'audioMask' | 'visual' | 'visualMask'>;

export interface MirdReconstructions {
  /** logits [B, T_L, V]; null when forward was called with textLogits: false */
  text: tf.Tensor3D | null;
  /** the language decoder's states [B, T_L, H_dec]: logits = textHidden W_out + b_out */
  textHidden: tf.Tensor3D;
  audio: tf.Tensor3D; // [B, T_A, d_A]
  visual: tf.Tensor3D; // [B, T_V, d_V]
}

export interface MirdOutput {
  zText: tf.Tensor2D; // z^L [B, d]
  zAudio: tf.Tensor2D; // z^A [B, d]
  zVisual: tf.Tensor2D; // z^V [B, d]
  zShared: tf.Tensor2D; // z^S [B, d]
  /** null only when forward was called with decode: false */
  reconstructions: MirdReconstructions | null;
  yHat: tf.Tensor1D; // [B]
  /** attention maps, gates and λ of the WSA fusion when asked for (trace: true) */
  trace: WsaTrace | null;
}

export interface ForwardOptions {
  training: boolean;
  /** also return the WSA attention maps, gates and λ */
  trace?: boolean;
  /** run the decoders (default true); evaluation of ŷ alone can skip them */
  decode?: boolean;
  /**
   * materialise the language decoder's [B, T_L, V] logits (default true). Training steps
   * should pass false and use `textReconstructionLoss`, which never builds them (at the
   * authors' batch of 144 clips they are 880 MB per tensor).
   */
  textLogits?: boolean;
}

export interface VariableGroups {
  encoders: tf.Variable[];
  sharedEncoder: tf.Variable[];
  decoders: tf.Variable[];
  regressor: tf.Variable[];
}

/** Module names shared with src/eval/efficiency.ts. */
export type ModuleName =
  | 'textEncoder' | 'audioEncoder' | 'visualEncoder'
  | 'sharedBert' | 'wsa' | 'sharedHead'
  | 'textDecoder' | 'audioDecoder' | 'visualDecoder'
  | 'regressor';

export type BertFactory = (config: BertConfig, seed: number) => BertEncoderApi;

export interface MirdModelOptions {
  /** builds the BERT encoders (default: src/text/bert's Bert); tests may pass a stub */
  makeBert?: BertFactory;
}

export class MirdModel {
  readonly config: ModelConfig;
  readonly textEncoder: TextEncoder;
  readonly audioEncoder: SequenceEncoder;
  readonly visualEncoder: SequenceEncoder;
  readonly sharedEncoder: SharedEncoder;
  readonly textDecoder: SequenceDecoder;
  readonly audioDecoder: SequenceDecoder;
  readonly visualDecoder: SequenceDecoder;
  readonly regressor: Regressor;
  private readonly dropoutRng: Rng;
  private disposed = false;

  constructor(config: ModelConfig, readonly seed: number, options: MirdModelOptions = {}) {
    validateModelConfig(config);
    this.config = { ...config, bert: { ...config.bert } };
    const c = this.config;
    const makeBert: BertFactory = options.makeBert ?? ((bc, s) => new Bert(bc, s));
    const rng = (label: string): Rng => new Rng(deriveSeed(seed, `mird/${label}`));
    const d = c.latentDim;
    this.textEncoder = c.textEncoder === 'lstm'
      ? new LstmTextEncoder(c, rng('textEncoder'))
      : new BertTextEncoder(c, makeBert(c.bert, deriveSeed(seed, 'mird/textBert')), rng('textEncoder'));
    this.audioEncoder = new SequenceEncoder('audioEncoder', c.audioDim, c.encoderHidden, d, rng('audioEncoder'));
    this.visualEncoder = new SequenceEncoder('visualEncoder', c.visualDim, c.encoderHidden, d, rng('visualEncoder'));
    this.sharedEncoder = new SharedEncoder(c, makeBert(c.bert, deriveSeed(seed, 'mird/sharedBert')), rng('sharedEncoder'));
    this.textDecoder = new SequenceDecoder('textDecoder', 2 * d, c.decoderHidden, c.bert.vocabSize, c.decoderInput, rng('textDecoder'));
    this.audioDecoder = new SequenceDecoder('audioDecoder', 2 * d, c.decoderHidden, c.audioDim, c.decoderInput, rng('audioDecoder'));
    this.visualDecoder = new SequenceDecoder('visualDecoder', 2 * d, c.decoderHidden, c.visualDim, c.decoderInput, rng('visualDecoder'));
    this.regressor = new Regressor(d, c.regressorHidden, c.regressorDropout, rng('regressor'));
    this.dropoutRng = rng('dropout');
  }

  private checkInputs(x: MirdInputs): void {
    const c = this.config;
    const [b, tl] = x.textIds.shape;
    const expect = (cond: boolean, field: string, shape: readonly number[], want: string): void => {
      if (!cond) throw new Error(`MirdModel.forward: batch.${field} has shape [${shape}], expected ${want}`);
    };
    expect(x.textIds.rank === 2 && tl > 0, 'textIds', x.textIds.shape, '[B, T_L] with T_L > 0');
    expect(tl <= c.bert.maxPositions, 'textIds', x.textIds.shape, `T_L ≤ bert.maxPositions = ${c.bert.maxPositions}`);
    expect(x.textMask.shape[0] === b && x.textMask.shape[1] === tl, 'textMask', x.textMask.shape, `[${b}, ${tl}]`);
    expect(x.audio.rank === 3 && x.audio.shape[0] === b && x.audio.shape[2] === c.audioDim, 'audio', x.audio.shape, `[${b}, T_A, ${c.audioDim}]`);
    expect(x.audioMask.shape[0] === b && x.audioMask.shape[1] === x.audio.shape[1], 'audioMask', x.audioMask.shape, `[${b}, ${x.audio.shape[1]}]`);
    expect(x.visual.rank === 3 && x.visual.shape[0] === b && x.visual.shape[2] === c.visualDim, 'visual', x.visual.shape, `[${b}, T_V, ${c.visualDim}]`);
    expect(x.visualMask.shape[0] === b && x.visualMask.shape[1] === x.visual.shape[1], 'visualMask', x.visualMask.shape, `[${b}, ${x.visual.shape[1]}]`);
  }

  /** One pass over a padded batch. Every returned tensor is owned by the caller. */
  forward(x: MirdInputs, options: ForwardOptions): MirdOutput {
    if (this.disposed) throw new Error('MirdModel.forward: the model was disposed');
    this.checkInputs(x);
    const { training } = options;
    const withTrace = options.trace === true;
    const decode = options.decode !== false;
    // Seeds drawn before tidy, in a fixed order, so a forward consumes the same draws whatever it returns.
    const textRng = new Rng(this.dropoutRng.seed());
    const sharedRng = new Rng(this.dropoutRng.seed());
    const regressorSeed = this.dropoutRng.seed();
    return tf.tidy(() => {
      const zText = this.textEncoder.apply(x.textIds, x.textMask, training, textRng); // [B, d]
      const zAudio = this.audioEncoder.apply(x.audio, x.audioMask); // [B, d]
      const zVisual = this.visualEncoder.apply(x.visual, x.visualMask); // [B, d]
      const shared = this.sharedEncoder.apply(x, training, sharedRng, withTrace);
      const zShared = shared.z; // [B, d]
      let reconstructions: MirdReconstructions | null = null;
      if (decode) {
        const textHidden = this.textDecoder.states(tf.concat([zText, zShared], 1) as tf.Tensor2D, x.textIds.shape[1]); // [B, T_L, H_dec]
        reconstructions = {
          text: options.textLogits === false ? null : (this.textDecoder.out.apply(textHidden) as tf.Tensor3D), // [B, T_L, V]
          textHidden,
          audio: this.audioDecoder.apply(tf.concat([zAudio, zShared], 1) as tf.Tensor2D, x.audio.shape[1]), // [B, T_A, d_A]
          visual: this.visualDecoder.apply(tf.concat([zVisual, zShared], 1) as tf.Tensor2D, x.visual.shape[1]), // [B, T_V, d_V]
        };
      }
      const yHat = this.regressor.apply([zVisual, zText, zAudio, zShared], training, regressorSeed); // [B]
      const out: MirdOutput = { zText, zAudio, zVisual, zShared, reconstructions, yHat, trace: shared.trace };
      return out as unknown as tf.TensorContainer;
    }) as unknown as MirdOutput;
  }

  /**
   * Language reconstruction loss (eq. 8, cross entropy over the vocabulary) from a forward's
   * reconstructions, through `fusedLinearCrossEntropy` (the logits are never built).
   * Counted positions: textMask = 1 ([PAD] excluded), minus `ignoreIds` (e.g. [CLS] 101, [SEP] 102).
   */
  textReconstructionLoss(r: MirdReconstructions, x: MirdInputs, options: FusedCrossEntropyOptions = {}): tf.Scalar {
    const out = this.textDecoder.out;
    return fusedLinearCrossEntropy(r.textHidden, out.w as tf.Tensor as tf.Tensor2D, out.b as tf.Tensor as tf.Tensor1D, x.textIds, x.textMask, options);
  }

  /** Variables per module (names shared with src/eval/efficiency.ts). */
  moduleVariables(): Record<ModuleName, tf.Variable[]> {
    const s = this.sharedEncoder;
    return {
      textEncoder: this.textEncoder.variables(),
      audioEncoder: this.audioEncoder.variables(),
      visualEncoder: this.visualEncoder.variables(),
      sharedBert: s.bert.variables(),
      wsa: s.wsa.variables(),
      sharedHead: [...s.pooling.variables(), ...s.fc.variables()],
      textDecoder: this.textDecoder.variables(),
      audioDecoder: this.audioDecoder.variables(),
      visualDecoder: this.visualDecoder.variables(),
      regressor: this.regressor.variables(),
    };
  }

  /** Disjoint groups whose union is every trainable variable of the model. */
  variableGroups(): VariableGroups {
    const m = this.moduleVariables();
    return {
      encoders: [...m.textEncoder, ...m.audioEncoder, ...m.visualEncoder],
      sharedEncoder: [...m.sharedBert, ...m.wsa, ...m.sharedHead],
      decoders: [...m.textDecoder, ...m.audioDecoder, ...m.visualDecoder],
      regressor: m.regressor,
    };
  }

  variables(): tf.Variable[] {
    const g = this.variableGroups();
    return [...g.encoders, ...g.sharedEncoder, ...g.decoders, ...g.regressor];
  }

  paramCount(): number {
    return this.variables().reduce((s, v) => s + v.size, 0);
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.textEncoder.dispose();
    this.audioEncoder.dispose();
    this.visualEncoder.dispose();
    this.sharedEncoder.dispose();
    this.textDecoder.dispose();
    this.audioDecoder.dispose();
    this.visualDecoder.dispose();
    this.regressor.dispose();
  }
}

/** Release every tensor of a forward's output. */
export function disposeOutput(out: MirdOutput): void {
  const ts: tf.Tensor[] = [out.zText, out.zAudio, out.zVisual, out.zShared, out.yHat];
  const r = out.reconstructions;
  if (r !== null) {
    ts.push(r.textHidden, r.audio, r.visual);
    if (r.text !== null) ts.push(r.text);
  }
  if (out.trace !== null) ts.push(...Object.values(out.trace));
  tf.dispose(ts);
}
