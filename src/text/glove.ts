// Initialising BERT's word embeddings from GloVe 6B 100-d (data/text/glove-6b-100d.safetensors,
// made by scripts/extract-glove.ts; provenance in data/text/README.md).
//
// BERT's hidden size H is not 100, so each GloVe vector g (centred by the mean vector ḡ) goes
// through one fixed random matrix P ∈ R^{100×H} with orthonormal rows (H ≥ 100: inner products
// are kept, ⟨(g−ḡ)P, (g'−ḡ)P⟩ = ⟨g−ḡ, g'−ḡ⟩) or orthonormal columns (H < 100: a random
// subspace), then the rows are rescaled to BERT's init scale (element std 0.02) so word, position
// and segment embeddings keep their balance before the embedding LayerNorm. Rows without a
// GloVe vector (## pieces, specials, 8% of whole words) keep their N(0, 0.02²) init. The table
// stays an ordinary trainable [V, H] embedding: no projection at run time.
import * as tf from '@tensorflow/tfjs';
import { readSafetensors } from '../nn/safetensors';
import type { Bert } from './bert';
import type { WordPieceTokenizer } from './tokenizer';
import { repoPath } from '../paths';
import { deriveSeed, Rng } from '../util/rng';

export interface GloveTable {
  words: string[];
  /** [N, dim] row-major */
  vectors: Float32Array;
  dim: number;
}

export function defaultGlovePath(): string {
  return repoPath('data', 'text', 'glove-6b-100d.safetensors');
}

export function loadGlove(path: string = defaultGlovePath()): GloveTable {
  const file = readSafetensors(path);
  const vectors = file.tensors.get('vectors');
  if (vectors === undefined || vectors.shape.length !== 2) throw new Error(`${path}: expected a tensor "vectors" of shape [N, dim]`);
  let words: unknown;
  try {
    words = JSON.parse(file.metadata.words ?? 'null');
  } catch {
    words = null;
  }
  const [n, dim] = vectors.shape as [number, number];
  if (!Array.isArray(words) || words.length !== n) throw new Error(`${path}: metadata "words" must be a JSON list of ${n} words`);
  return { words: words as string[], vectors: vectors.data as Float32Array, dim };
}

/** P ∈ R^{d×h} with orthonormal rows (h ≥ d) or columns (h < d), by Gram–Schmidt on Gaussian draws. */
export function randomOrthonormal(d: number, h: number, rng: Rng): Float32Array {
  const rows = Math.min(d, h);
  const cols = Math.max(d, h);
  const q: Float64Array[] = [];
  for (let r = 0; r < rows; r++) {
    const v = Float64Array.from({ length: cols }, () => rng.normal());
    for (const u of q) {
      let dot = 0;
      for (let i = 0; i < cols; i++) dot += (v[i] as number) * (u[i] as number);
      for (let i = 0; i < cols; i++) v[i] = (v[i] as number) - dot * (u[i] as number);
    }
    let norm = 0;
    for (let i = 0; i < cols; i++) norm += (v[i] as number) ** 2;
    norm = Math.sqrt(norm);
    for (let i = 0; i < cols; i++) v[i] = (v[i] as number) / norm;
    q.push(v);
  }
  // q is [rows, cols] with orthonormal rows; transpose when the wanted shape is [d, h] with d > h
  const out = new Float32Array(d * h);
  for (let i = 0; i < d; i++) for (let j = 0; j < h; j++) out[i * h + j] = d <= h ? (q[i] as Float64Array)[j] as number : (q[j] as Float64Array)[i] as number;
  return out;
}

/**
 * Overwrites the word-embedding rows of words that have a GloVe vector. Returns how many rows
 * were set. Deterministic in `seed`.
 */
export function initWordEmbeddingsFromGlove(bert: Bert, tokenizer: WordPieceTokenizer, seed: number, glove: GloveTable = loadGlove()): number {
  const h = bert.config.hiddenSize;
  const d = glove.dim;
  if (tokenizer.vocabSize !== bert.config.vocabSize) throw new Error(`GloVe init: tokenizer has ${tokenizer.vocabSize} tokens, encoder vocabSize ${bert.config.vocabSize}`);
  const p = randomOrthonormal(d, h, new Rng(deriveSeed(seed, 'glove/projection')));
  const mean = new Float64Array(d);
  glove.words.forEach((_, r) => {
    for (let k = 0; k < d; k++) mean[k] = (mean[k] as number) + (glove.vectors[r * d + k] as number) / glove.words.length;
  });
  const table = bert.param('embeddings.word_embeddings.weight');
  const values = table.dataSync().slice() as Float32Array; // [V, H]
  const rows: number[] = [];
  const projected: number[][] = [];
  let sumSq = 0;
  glove.words.forEach((w, r) => {
    const id = tokenizer.idOf(w);
    if (id === undefined) return;
    const out = new Array<number>(h).fill(0);
    for (let k = 0; k < d; k++) {
      const g = (glove.vectors[r * d + k] as number) - (mean[k] as number);
      for (let j = 0; j < h; j++) out[j] = (out[j] as number) + g * (p[k * h + j] as number);
    }
    for (const x of out) sumSq += x * x;
    rows.push(id);
    projected.push(out);
  });
  if (rows.length === 0) return 0;
  const scale = 0.02 / Math.sqrt(sumSq / (rows.length * h));
  rows.forEach((id, i) => {
    const out = projected[i] as number[];
    for (let j = 0; j < h; j++) values[id * h + j] = (out[j] as number) * scale;
  });
  const t = tf.tensor2d(values, [bert.config.vocabSize, h]);
  table.assign(t);
  t.dispose();
  return rows.length;
}
