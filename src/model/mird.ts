// The MIRD network (paper §3): modality-specific encoders (eq. 1), the modality-agnostic
// encoder WSA-BERT (eqs. 2–7), decoders (eq. 8) and the regressor (eqs. 16–17).
// One forward returns every latent and reconstruction; losses and the CLUB estimators live
// elsewhere (src/train, src/mi) and reach the variables through `variableGroups()`.
import * as tf from '@tensorflow/tfjs';
import type { Batch } from '../data/types';
import { fusedLinearCrossEntropy, maskedMse, type FusedCrossEntropyOptions } from '../nn/losses';
import { detach } from '../nn/ops';
import { Bert } from '../text/bert';
import { UseLiteUpper } from '../text/use-lite-regressor';
import { deriveSeed, Rng } from '../util/rng';
import { validateModelConfig, type ModelConfig } from './config';
import { SequenceDecoder } from './decoders';
import { BertTextEncoder, LstmHostTextEncoder, LstmTextEncoder, SequenceEncoder, type TextEncoder } from './encoders';
import { BertHost, UseLiteHost, type TextHost } from './text-host';
import { Regressor } from './regressor';
import { SharedEncoder, type WsaTrace } from './wsa';

/** The padded tensors the network reads (a `Batch` has them all). */
export type MirdInputs = Pick<Batch, 'textIds' | 'textMask' | 'audio' | 'audioMask' | 'visual' | 'visualMask' | 'textStates' | 'hostLengths' | 'oracleShared'>;

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

/**
 * Module names shared with src/eval/efficiency.ts. 'sharedBert' is the shared encoder's text
 * host whatever its kind (config.textHost): a BERT, or the USE-lite upper layers (projection +
 * LayerNorm + transformer layers; the frozen USE-lite itself has no variables). The seed labels
 * 'mird/sharedBert' and 'mird/sharedBert/dropout' use the same word and must stay as they are
 * whatever this module is called (they fix every run's host weights and dropout masks).
 * efficiency.ts splits the module into sharedBertEmbeddings (the host's input stage: BERT's
 * tables, or USE-lite's projection + LayerNorm) and sharedBertLayers.
 */
export type ModuleName =
  | 'textEncoder' | 'audioEncoder' | 'visualEncoder'
  | 'sharedBert' | 'wsa' | 'sharedHead'
  | 'textDecoder' | 'audioDecoder' | 'visualDecoder'
  | 'regressor';

export interface MirdModelOptions {
  /**
   * The shared encoder's text host, e.g. one loaded from a checkpoint; it must match
   * config.textHost and config.bert's shape, and the model owns (disposes) it. Default: a
   * freshly initialised host of config.textHost (BERT, or USE-lite upper layers).
   */
  host?: TextHost;
  /** the second BERT of textEncoder 'bert' (default: freshly initialised) */
  textBert?: Bert;
}

/** A freshly initialised host of the config's kind and shape. */
export function makeTextHost(config: ModelConfig, seed: number): TextHost {
  if (config.textHost === 'bert') return new BertHost(new Bert(config.bert, seed));
  const b = config.bert;
  const shape = { hiddenSize: b.hiddenSize, numLayers: b.numLayers, numHeads: b.numHeads, intermediateSize: b.intermediateSize, layerNormEps: b.layerNormEps, hiddenDropout: b.hiddenDropout, attentionDropout: b.attentionDropout };
  return new UseLiteHost(new UseLiteUpper(seed, shape));
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
  private dropoutRng: Rng;
  private disposed = false;

  constructor(config: ModelConfig, readonly seed: number, options: MirdModelOptions = {}) {
    validateModelConfig(config);
    this.config = { ...config, bert: { ...config.bert } };
    const c = this.config;
    const rng = (label: string): Rng => new Rng(deriveSeed(seed, `mird/${label}`));
    const d = c.latentDim;
    const host = options.host ?? makeTextHost(c, deriveSeed(seed, 'mird/sharedBert'));
    this.sharedEncoder = new SharedEncoder(c, host, rng('sharedEncoder'));
    if (c.textEncoder === 'lstm') this.textEncoder = new LstmTextEncoder(c, rng('textEncoder'));
    else if (c.textEncoder === 'lstm-host') this.textEncoder = new LstmHostTextEncoder(c, host, rng('textEncoder'));
    else this.textEncoder = new BertTextEncoder(c, options.textBert ?? new Bert(c.bert, deriveSeed(seed, 'mird/textBert')), rng('textEncoder'));
    this.audioEncoder = new SequenceEncoder('audioEncoder', c.audioDim, c.encoderHidden, d, rng('audioEncoder'));
    this.visualEncoder = new SequenceEncoder('visualEncoder', c.visualDim, c.encoderHidden, d, rng('visualEncoder'));
    const textOut = c.textReconstruction === 'tokens' ? c.bert.vocabSize : host.inputWidth;
    this.textDecoder = new SequenceDecoder('textDecoder', 2 * d, c.decoderHidden, textOut, c.decoderInput, rng('textDecoder'));
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
    if (x.oracleShared !== undefined) expect(x.oracleShared.rank === 2 && x.oracleShared.shape[0] === b && x.oracleShared.shape[1] === c.latentDim, 'oracleShared', x.oracleShared.shape, `[${b}, ${c.latentDim}]`);
    if (c.textHost === 'use-lite') {
      const s = x.textStates;
      if (s === undefined) throw new Error('MirdModel.forward: the USE-lite host needs batch.textStates (frozen token states; attach them with src/text/use-lite-states.ts)');
      expect(s.rank === 3 && s.shape[0] === b && s.shape[1] === tl && s.shape[2] === this.sharedEncoder.host.inputWidth, 'textStates', s.shape, `[${b}, ${tl}, ${this.sharedEncoder.host.inputWidth}]`);
    }
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
      const zText = this.textEncoder.apply(x, training, textRng); // [B, d]
      const zAudio = this.audioEncoder.apply(x.audio, x.audioMask, x.hostLengths?.audio); // [B, d]
      const zVisual = this.visualEncoder.apply(x.visual, x.visualMask, x.hostLengths?.visual); // [B, d]
      const shared = this.sharedEncoder.apply(x, training, sharedRng, withTrace);
      // diagnostic (batch.oracleShared): z^S is the clip's true shared factor, given as data; the
      // shared encoder still runs (same dropout draws) but nothing downstream reads it
      const zShared = x.oracleShared === undefined ? shared.z : tf.clone(x.oracleShared); // [B, d]
      let reconstructions: MirdReconstructions | null = null;
      if (decode) {
        const textHidden = this.textDecoder.states(tf.concat([zText, zShared], 1) as tf.Tensor2D, x.textIds.shape[1]); // [B, T_L, H_dec]
        reconstructions = {
          text: options.textLogits === false ? null : (this.textDecoder.out.apply(textHidden) as tf.Tensor3D), // [B, T_L, V] (tokens) or [B, T_L, D_in] (hostStates)
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
   * Language reconstruction loss (eq. 8) from a forward's reconstructions. 'tokens': cross
   * entropy over the vocabulary through `fusedLinearCrossEntropy` (the logits are never built);
   * counted positions: textMask = 1 ([PAD] excluded), minus `ignoreIds` (e.g. [CLS] 101, [SEP] 102).
   * 'hostStates': MSE over real tokens against the host's input-level states.
   */
  textReconstructionLoss(r: MirdReconstructions, x: MirdInputs, options: FusedCrossEntropyOptions = {}): tf.Scalar {
    const out = this.textDecoder.out;
    if (this.config.textReconstruction === 'hostStates') {
      // MSE over real tokens against the host's input-level states, read as data
      return tf.tidy(() => maskedMse(out.apply(r.textHidden) as tf.Tensor3D, detach(this.textInputStates(x)), x.textMask));
    }
    // with the lengths on the host, only real tokens go through the vocabulary product
    const rows = options.rows ?? (x.hostLengths === undefined ? undefined : realPositions(x.hostLengths.text, x.textIds.shape[1]));
    return fusedLinearCrossEntropy(r.textHidden, out.w as tf.Tensor as tf.Tensor2D, out.b as tf.Tensor as tf.Tensor1D, x.textIds, x.textMask, { ...options, rows });
  }

  /** Variables per module (names shared with src/eval/efficiency.ts). */
  moduleVariables(): Record<ModuleName, tf.Variable[]> {
    const s = this.sharedEncoder;
    return {
      textEncoder: this.textEncoder.variables(),
      audioEncoder: this.audioEncoder.variables(),
      visualEncoder: this.visualEncoder.variables(),
      sharedBert: [...s.host.namedVariables().values()],
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

  /**
   * Every trainable variable under a name that is the same in every process (tfjs variable
   * names end in a per-process counter), so checkpoints and optimiser state restore anywhere:
   * `host/<name>` for the shared text host (Hugging Face BERT names, or the USE-lite upper
   * layers' names), `textEncoder/bert/<name>` for a second BERT, and the module path the
   * variable was created with elsewhere (e.g. `audioEncoder/lstm/wx`, `wsa/gateAudio/kernel`).
   */
  namedVariables(): Map<string, tf.Variable> {
    const out = new Map<string, tf.Variable>();
    const add = (name: string, v: tf.Variable): void => {
      if (out.has(name)) throw new Error(`MirdModel.namedVariables: two variables named ${name}`);
      out.set(name, v);
    };
    const stable = (v: tf.Variable): string => v.name.replace(/_\d+$/, '');
    const hostVars = this.sharedEncoder.host.namedVariables();
    for (const [k, v] of hostVars) add(`host/${k}`, v);
    const textBert = this.textEncoder instanceof BertTextEncoder ? this.textEncoder.bert : null;
    if (textBert instanceof Bert) for (const [k, v] of textBert.params) add(`textEncoder/bert/${k}`, v);
    const taken = new Set([...hostVars.values(), ...(textBert instanceof Bert ? textBert.params.values() : [])]);
    for (const v of this.variables()) if (!taken.has(v)) add(stable(v), v);
    if (out.size !== this.variables().length) throw new Error(`MirdModel.namedVariables: named ${out.size} of ${this.variables().length} variables`);
    return out;
  }

  /** Restarts every dropout stream (the model's and the BERTs'), e.g. at each epoch, so a resumed run draws the same masks. */
  setDropoutSeed(seed: number): void {
    this.dropoutRng = new Rng(deriveSeed(seed, 'mird/dropout'));
    this.sharedEncoder.host.setDropoutSeed(deriveSeed(seed, 'mird/sharedBert/dropout'));
    if (this.textEncoder instanceof BertTextEncoder && this.textEncoder.bert instanceof Bert) this.textEncoder.bert.setDropoutSeed(deriveSeed(seed, 'mird/textBert/dropout'));
  }

  /** X^L as features: the host's input-level states [B, L, D_in] (BERT word embeddings; USE-lite frozen states). */
  textInputStates(x: MirdInputs): tf.Tensor3D {
    return this.sharedEncoder.host.inputStates(x);
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

/** Flat positions b·T + t of the real tokens (t < length_b), ascending. */
export function realPositions(lengths: Int32Array, width: number): Int32Array {
  const out: number[] = [];
  lengths.forEach((len, b) => {
    for (let t = 0; t < Math.min(len, width); t++) out.push(b * width + t);
  });
  return Int32Array.from(out);
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
