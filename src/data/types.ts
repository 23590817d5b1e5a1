// One clip type for every data source (real MOSI/MOSEI, the authors' pickles, MMSA pickles,
// the synthetic generator), and the padded batch the model consumes.
import type * as tf from '@tensorflow/tfjs';

/** A variable-length feature sequence: `length` real frames of `dim` features, row-major. */
export interface Sequence {
  /** [length, dim] row-major, only real frames (no padding). */
  data: Float32Array;
  length: number;
  dim: number;
}

/** Ground-truth generative factors (synthetic data only), kept for probing disentanglement. */
export interface ClipFactors {
  shared: Float32Array;
  text: Float32Array;
  audio: Float32Array;
  visual: Float32Array;
}

export interface Clip {
  /** unique within a dataset, e.g. "03bSnISJMiM_1" */
  id: string;
  /**
   * the video (recording) the clip was cut from, where the source says so (MOSI, MOSEI): clips of
   * one video share a speaker and usually an opinion (train config videoContext reads it)
   */
  videoId?: string;
  /** raw transcript; never empty for a real source */
  text: string;
  /** pre-tokenized WordPiece ids when the source ships them (MMSA text_bert), else undefined */
  tokenIds?: Int32Array;
  /**
   * Utterance-level text features when a source ships them (Poria et al.'s 100-d text-CNN
   * vectors for MOSI, length 1). They leak labels on the standard split: see data/README.md.
   */
  textFeatures?: Sequence;
  /**
   * Frozen token states of a text host that does not train its lowest layers (USE-lite): one
   * frame per token of `tokenIds` ([tokens, width]); attached by the trainer, never by a reader.
   */
  textStates?: Sequence;
  audio: Sequence;
  visual: Sequence;
  /** sentiment in [-3, 3]; null for unlabeled clips */
  label: number | null;
  factors?: ClipFactors;
}

export type SplitName = 'train' | 'valid' | 'test';
export const SPLIT_NAMES: readonly SplitName[] = ['train', 'valid', 'test'];

export interface Dataset {
  /** e.g. "mosi-utterance", "mirdpkl:data/mosi/mosi.pkl", "synthetic:small" */
  name: string;
  splits: Record<SplitName, Clip[]>;
  /** clips without labels that join training batches at `splitRate` per labeled clip */
  unlabeled: Clip[];
  audioDim: number;
  visualDim: number;
  /** free-form provenance: files read, split rule, warnings counted while reading */
  notes: string[];
}

/** Turns text into WordPiece ids with [CLS]/[SEP], truncated to maxLength. */
export interface TextTokenizer {
  encode(text: string, maxLength: number): Int32Array;
  readonly padId: number;
  readonly vocabSize: number;
}

/**
 * A padded batch. Labeled clips come first, then unlabeled ones (`labeled[i] = 0`).
 * Masks are 1 for real positions and 0 for padding; lengths count real positions.
 */
export interface Batch {
  ids: string[];
  textIds: tf.Tensor2D; // [B, L] int32, padded with padId
  textMask: tf.Tensor2D; // [B, L] float32
  textLength: tf.Tensor1D; // [B] int32
  /** frozen host states aligned with textIds, zero at padding; only when the clips carry textStates */
  textStates?: tf.Tensor3D; // [B, L, D_host]
  audio: tf.Tensor3D; // [B, T_A, d_A] float32, normalised, zero-padded
  audioMask: tf.Tensor2D; // [B, T_A]
  audioLength: tf.Tensor1D; // [B] int32
  visual: tf.Tensor3D; // [B, T_V, d_V]
  visualMask: tf.Tensor2D; // [B, T_V]
  visualLength: tf.Tensor1D; // [B] int32
  /** the real lengths again, on the host (they are known when the batch is built): no read-back needed */
  hostLengths?: { text: Int32Array; audio: Int32Array; visual: Int32Array };
  /**
   * Diagnostic (train config oracleShared): each clip's true shared factor s, zero-padded to the
   * latent width, which MIRD then uses as z^S. Only on sources whose clips carry their factors.
   */
  oracleShared?: tf.Tensor2D; // [B, d]
  labels: tf.Tensor1D; // [B] float32, 0 where unlabeled
  labeled: tf.Tensor1D; // [B] float32, 1 labeled / 0 unlabeled
  numLabeled: number;
}
