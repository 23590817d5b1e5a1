// The offline text backbones compared in results/text_backbones.csv, and the shipped BERT default.
//
// Candidates (all the `mini` shape: 2 layers × 128, 2 heads, FFN 512, bert-base-uncased vocab):
//   random  BERT init N(0, 0.02²)
//   glove   random, with word-embedding rows from GloVe 6B-100d (src/text/glove.ts)
//   mlm     glove, then masked-LM pretraining on MOSEI + MOSI-train transcripts (mird pretrain-text)
//   mosei   mlm, then supervised sentiment regression on MOSEI train (selected on MOSEI valid;
//           no MOSI text), the encoder kept; its head is kept too (classifier.*), and
//           --transfer-head starts the MOSI regressor from it
// Each is fine-tuned as a text-only regressor on MOSI (src/train/sentence-regressor.ts).
// Candidate 5, USE-lite frozen + upper layers, lives in src/text/use-lite-regressor.ts (its
// training runs in src/train/use-lite-regressor.ts); it won the comparison
// and ships as the text-only default (data/text/use-lite-mosei). The best BERT ships here
// (data/text/bert-mini) as the encoder MIRD's WSA injects into.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Bert } from './bert';
import { bertConfig } from './bert-config';
import { loadBertCheckpoint } from './checkpoint';
import type { RegressorHeadValues } from './finetune';
import { readSafetensors, type TensorToWrite } from '../nn/safetensors';
import { initWordEmbeddingsFromGlove } from './glove';
import { defaultTokenizer, type WordPieceTokenizer } from './tokenizer';
import { repoPath } from '../paths';
import { deriveSeed } from '../util/rng';
import { meanSd } from '../util/stats';

export const BACKBONE_CANDIDATES = ['random', 'glove', 'mlm', 'mosei'] as const;
export type BackboneCandidate = (typeof BACKBONE_CANDIDATES)[number];

/** Folder of the shipped BERT default (Hugging Face format). */
export function defaultBackboneDir(): string {
  return repoPath('data', 'text', 'bert-mini');
}

export const REBUILD_DEFAULT_BACKBONE = 'see data/text/README.md ("bert-mini"): npx mird pretrain-text, then npx mird backbones ship';

/**
 * The BERT default: the encoder in data/text/bert-mini, the bert-base-uncased
 * tokenizer and, when the folder has one, the MOSEI regression head (classifier.*; null
 * otherwise). The caller owns (disposes) the encoder.
 */
export function loadDefaultBackbone(dir: string = defaultBackboneDir()): { bert: Bert; tokenizer: WordPieceTokenizer; notes: string[]; head: RegressorHeadValues | null } {
  if (!existsSync(join(dir, 'model.safetensors'))) throw new Error(`default text backbone not found in ${dir}; ${REBUILD_DEFAULT_BACKBONE}`);
  const { bert, tokenizer, notes, extra } = loadBertCheckpoint(dir);
  // the MOSEI stage's sentiment regressor, the start of a text-only regressor (finetune headInit)
  const w = extra.get('classifier.weight');
  const b = extra.get('classifier.bias');
  const head = w !== undefined && b !== undefined && w.data instanceof Float32Array && b.data instanceof Float32Array ? { weight: w.data, bias: b.data } : null;
  return { bert, tokenizer, notes, head };
}

export interface CandidateSources {
  /** folder of the MLM pretraining checkpoint (mird pretrain-text) */
  mlmDir: string;
  /** folder of the MOSEI intermediate encoder */
  moseiDir: string;
}

/** Builds the starting encoder of a candidate (before MOSI fine-tuning). */
export function buildCandidate(candidate: BackboneCandidate, seed: number, sources: CandidateSources): Bert {
  const tokenizer = defaultTokenizer();
  if (candidate === 'random' || candidate === 'glove') {
    const bert = new Bert(bertConfig('mini'), deriveSeed(seed, `backbone/${candidate}`));
    if (candidate === 'glove') initWordEmbeddingsFromGlove(bert, tokenizer, seed);
    return bert;
  }
  const dir = candidate === 'mlm' ? sources.mlmDir : sources.moseiDir;
  const loaded = loadBertCheckpoint(dir, { seed: deriveSeed(seed, `backbone/${candidate}`) });
  if (loaded.tokenizer.vocabSize !== tokenizer.vocabSize) throw new Error(`${dir}: vocabulary differs from data/text/vocab.txt`);
  return loaded.bert;
}

/**
 * The MOSEI stage's regression head in Hugging Face's sequence-classification layout
 * (classifier.weight [1, H] = PyTorch [out, in], classifier.bias [1]); loading an encoder skips it.
 */
export function regressorHeadTensors(head: RegressorHeadValues): Map<string, TensorToWrite> {
  return new Map<string, TensorToWrite>([
    ['classifier.weight', { shape: [1, head.weight.length], data: head.weight }],
    ['classifier.bias', { shape: [1], data: head.bias }],
  ]);
}

/** The regression head stored next to an encoder (classifier.*), for `--transfer-head`. */
export function readRegressorHead(dir: string): RegressorHeadValues {
  const file = readSafetensors(join(dir, 'model.safetensors'));
  const w = file.tensors.get('classifier.weight');
  const b = file.tensors.get('classifier.bias');
  if (w === undefined || b === undefined) throw new Error(`${file.path}: no classifier.weight / classifier.bias (a regression head is saved by the MOSEI stage of mird backbones)`);
  if (w.shape.length !== 2 || w.shape[0] !== 1 || b.shape.join(',') !== '1' || !(w.data instanceof Float32Array) || !(b.data instanceof Float32Array)) {
    throw new Error(`${file.path}: classifier.weight must be float [1, H] and classifier.bias float [1], got [${w.shape}] and [${b.shape}]`);
  }
  return { weight: w.data, bias: b.data };
}

export interface BackboneRow {
  candidate: string;
  seed: number;
  split: 'valid' | 'test';
  acc2_non0: number;
  f1_non0: number;
  mae: number;
  corr: number;
}

export const BACKBONE_CSV_HEADER = 'candidate,seed,split,acc2_non0,f1_non0,mae,corr';

export function defaultBackboneCsv(): string {
  return repoPath('results', 'text_backbones.csv');
}

export function readBackboneResults(path: string = defaultBackboneCsv()): BackboneRow[] {
  if (!existsSync(path)) return [];
  const lines = readFileSync(path, 'utf8').split('\n').filter((l) => l.trim() !== '');
  if (lines[0] !== BACKBONE_CSV_HEADER) throw new Error(`${path}: header must be "${BACKBONE_CSV_HEADER}", got "${lines[0] ?? ''}"`);
  return lines.slice(1).map((line, i) => {
    const f = line.split(',');
    const num = (k: number, what: string): number => {
      const v = Number(f[k]);
      if (f[k] === undefined || f[k] === '' || !Number.isFinite(v)) throw new Error(`${path} line ${i + 2}, field ${what}: not a number (${f[k] ?? 'missing'})`);
      return v;
    };
    const split = f[2];
    if (split !== 'valid' && split !== 'test') throw new Error(`${path} line ${i + 2}, field split: expected valid or test, got ${split}`);
    return { candidate: f[0] as string, seed: num(1, 'seed'), split, acc2_non0: num(3, 'acc2_non0'), f1_non0: num(4, 'f1_non0'), mae: num(5, 'mae'), corr: num(6, 'corr') };
  });
}

export interface BackboneSummaryRow {
  candidate: string;
  split: string;
  seeds: number;
  acc2_non0: string;
  f1_non0: string;
  mae: string;
  corr: string;
}

function meanStd(xs: number[], digits: number, scale = 1): string {
  const { mean, sd } = meanSd(xs);
  return `${(mean * scale).toFixed(digits)} ± ${(sd * scale).toFixed(digits)}`;
}

/**
 * Mean ± sample standard deviation over seeds, per candidate and split (Acc2 and F1 in %),
 * for notebooks: `showTable(backboneSummary(readBackboneResults()))`.
 */
export function backboneSummary(rows: readonly BackboneRow[]): BackboneSummaryRow[] {
  const keys: string[] = [];
  for (const r of rows) if (!keys.includes(`${r.candidate}|${r.split}`)) keys.push(`${r.candidate}|${r.split}`);
  return keys.map((key) => {
    const [candidate, split] = key.split('|') as [string, string];
    const g = rows.filter((r) => r.candidate === candidate && r.split === split);
    return {
      candidate,
      split,
      seeds: g.length,
      acc2_non0: meanStd(g.map((r) => r.acc2_non0), 1, 100),
      f1_non0: meanStd(g.map((r) => r.f1_non0), 1, 100),
      mae: meanStd(g.map((r) => r.mae), 3),
      corr: meanStd(g.map((r) => r.corr), 3),
    };
  });
}

/** The CSV name of the shipped default (safetensors metadata "label", written by `mird backbones ship --label`), or null. */
export function shippedBackboneLabel(dir: string = defaultBackboneDir()): string | null {
  const path = join(dir, 'model.safetensors');
  if (!existsSync(path)) return null;
  return readSafetensors(path).metadata.label ?? null;
}
