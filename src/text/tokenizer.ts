// WordPiece tokenization equivalent to bert-base-uncased (Devlin et al. 2019; Google's
// tokenization.py / Hugging Face BertTokenizer with do_lower_case=True):
//   1. BasicTokenizer: drop NUL, U+FFFD and control characters, map every whitespace to a
//      space, put spaces around CJK ideographs, split on whitespace, lower-case, strip accents
//      (NFD, then drop combining marks, category Mn), split every punctuation character off.
//   2. WordPiece: greedy longest match from the left; pieces after the first carry "##"; a word
//      longer than 100 characters, or one with any unmatched remainder, becomes one [UNK].
// The vocabulary is a standard vocab.txt (one token per line, id = line number), so a user's
// own bert-*-uncased vocab.txt loads the same way as data/text/vocab.txt.
import { existsSync, readFileSync } from 'node:fs';
import type { TextTokenizer } from '../data/types';
import { repoPath } from '../paths';

export const MAX_CHARS_PER_WORD = 100;
export const DEFAULT_MAX_LENGTH = 50;

/** Path of the bert-base-uncased vocabulary shipped with the workspace. */
export function defaultVocabPath(): string {
  return repoPath('data', 'text', 'vocab.txt');
}

function isWhitespace(ch: string): boolean {
  return ch === ' ' || ch === '\t' || ch === '\n' || ch === '\r' || /^\p{Zs}$/u.test(ch);
}

function isControl(ch: string): boolean {
  if (ch === '\t' || ch === '\n' || ch === '\r') return false;
  return /^\p{C}$/u.test(ch);
}

function isPunctuation(ch: string): boolean {
  const cp = ch.codePointAt(0) as number;
  // ASCII symbols such as "$", "^", "`" are not Unicode punctuation but BERT splits them too
  if ((cp >= 33 && cp <= 47) || (cp >= 58 && cp <= 64) || (cp >= 91 && cp <= 96) || (cp >= 123 && cp <= 126)) return true;
  return /^\p{P}$/u.test(ch);
}

/** CJK Unified Ideographs blocks as in BERT (Hangul and kana are not included). */
function isCjk(cp: number): boolean {
  return (
    (cp >= 0x4e00 && cp <= 0x9fff) ||
    (cp >= 0x3400 && cp <= 0x4dbf) ||
    (cp >= 0x20000 && cp <= 0x2a6df) ||
    (cp >= 0x2a700 && cp <= 0x2b73f) ||
    (cp >= 0x2b740 && cp <= 0x2b81f) ||
    (cp >= 0x2b820 && cp <= 0x2ceaf) ||
    (cp >= 0xf900 && cp <= 0xfaff) ||
    (cp >= 0x2f800 && cp <= 0x2fa1f)
  );
}

function stripAccents(word: string): string {
  return word.normalize('NFD').replace(/\p{Mn}/gu, '');
}

/**
 * BERT's BasicTokenizer with lower-casing: the whole words and punctuation marks that
 * WordPiece then splits further.
 */
export function basicTokenize(text: string): string[] {
  let cleaned = '';
  for (const ch of text) {
    const cp = ch.codePointAt(0) as number;
    if (cp === 0 || cp === 0xfffd || isControl(ch)) continue;
    if (isWhitespace(ch)) cleaned += ' ';
    else if (isCjk(cp)) cleaned += ` ${ch} `;
    else cleaned += ch;
  }
  const out: string[] = [];
  for (const raw of cleaned.split(' ')) {
    if (raw === '') continue;
    const word = stripAccents(raw.toLowerCase());
    let current = '';
    for (const ch of word) {
      if (isPunctuation(ch)) {
        if (current !== '') out.push(current);
        out.push(ch);
        current = '';
      } else {
        current += ch;
      }
    }
    if (current !== '') out.push(current);
  }
  return out;
}

export interface EncodedBatch {
  /** [B, L] row-major int32 ids, padded with [PAD] */
  ids: Int32Array;
  /** [B, L] 1 for real tokens (incl. [CLS]/[SEP]), 0 for padding */
  mask: Float32Array;
  /** [B] number of real tokens per row */
  lengths: Int32Array;
  batchSize: number;
  maxLength: number;
}

export interface TokenizationRow {
  text: string;
  wordpieces: string;
  ids: string;
  numTokens: number;
  numUnk: number;
  truncated: boolean;
}

export class WordPieceTokenizer implements TextTokenizer {
  readonly tokens: readonly string[];
  private readonly index: Map<string, number>;
  readonly padId: number;
  readonly unkId: number;
  readonly clsId: number;
  readonly sepId: number;
  readonly maskId: number;

  constructor(tokens: readonly string[], readonly source = '<in-memory vocabulary>') {
    if (tokens.length === 0) throw new Error(`${source}: empty vocabulary`);
    this.tokens = tokens;
    this.index = new Map();
    tokens.forEach((t, i) => {
      if (t === '') throw new Error(`${source} line ${i + 1}: empty token`);
      // the first occurrence wins, as in BERT's load_vocab (later duplicates would shadow ids)
      if (!this.index.has(t)) this.index.set(t, i);
    });
    const need = (t: string): number => {
      const id = this.index.get(t);
      if (id === undefined) throw new Error(`${source}: vocabulary has no ${t} token (a BERT vocab.txt needs [PAD], [UNK], [CLS], [SEP], [MASK])`);
      return id;
    };
    this.padId = need('[PAD]');
    this.unkId = need('[UNK]');
    this.clsId = need('[CLS]');
    this.sepId = need('[SEP]');
    this.maskId = need('[MASK]');
  }

  /** Loads a vocab.txt (one token per line, id = 0-based line number). */
  static fromVocabFile(path: string = defaultVocabPath()): WordPieceTokenizer {
    if (!existsSync(path)) {
      throw new Error(`vocabulary file ${path} not found (expected a BERT vocab.txt; the default is made by "npx tsx scripts/vocab.ts")`);
    }
    const text = readFileSync(path, 'utf8');
    const lines = text.split('\n');
    if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
    return new WordPieceTokenizer(lines.map((l) => l.replace(/\r$/, '')), path);
  }

  get vocabSize(): number {
    return this.tokens.length;
  }

  idOf(token: string): number | undefined {
    return this.index.get(token);
  }

  /** Greedy longest-match-first WordPiece of one basic token. */
  wordPiece(word: string): string[] {
    const chars = Array.from(word);
    if (chars.length > MAX_CHARS_PER_WORD) return ['[UNK]'];
    const pieces: string[] = [];
    let start = 0;
    while (start < chars.length) {
      let end = chars.length;
      let found: string | null = null;
      while (start < end) {
        const sub = (start > 0 ? '##' : '') + chars.slice(start, end).join('');
        if (this.index.has(sub)) {
          found = sub;
          break;
        }
        end -= 1;
      }
      if (found === null) return ['[UNK]'];
      pieces.push(found);
      start = end;
    }
    return pieces;
  }

  /** Word pieces of a text, without [CLS]/[SEP] and without truncation. */
  tokenize(text: string): string[] {
    const out: string[] = [];
    for (const word of basicTokenize(text)) out.push(...this.wordPiece(word));
    return out;
  }

  /**
   * [CLS] pieces… [SEP], truncated so the whole sequence has at most maxLength ids (the end
   * of a long text is dropped; [SEP] is always kept). No padding: the length is the real one.
   */
  encode(text: string, maxLength: number = DEFAULT_MAX_LENGTH): Int32Array {
    if (!Number.isInteger(maxLength) || maxLength < 2) throw new Error(`encode: maxLength must be an integer ≥ 2 (room for [CLS] and [SEP]), got ${maxLength}`);
    const pieces = this.tokenize(text);
    const keep = Math.min(pieces.length, maxLength - 2);
    const ids = new Int32Array(keep + 2);
    ids[0] = this.clsId;
    for (let i = 0; i < keep; i++) ids[i + 1] = this.index.get(pieces[i] as string) as number;
    ids[keep + 1] = this.sepId;
    return ids;
  }

  /**
   * Encodes and pads a batch to `padTo` ('longest' = the longest row, else exactly maxLength).
   */
  encodeBatch(texts: readonly string[], maxLength: number = DEFAULT_MAX_LENGTH, padTo: 'longest' | 'max' = 'longest'): EncodedBatch {
    const rows = texts.map((t) => this.encode(t, maxLength));
    return padRows(rows, this.padId, padTo === 'max' ? maxLength : Math.max(2, ...rows.map((r) => r.length)));
  }

  /** Tokens of the ids; [PAD] ids are skipped. */
  convertIdsToTokens(ids: ArrayLike<number>): string[] {
    const out: string[] = [];
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i] as number;
      if (id === this.padId) continue;
      const tok = this.tokens[id];
      if (tok === undefined) throw new Error(`decode: id ${id} outside the vocabulary (size ${this.tokens.length})`);
      out.push(tok);
    }
    return out;
  }

  /** Text of the ids: special tokens dropped (unless asked), "##" pieces glued to the previous one. */
  decode(ids: ArrayLike<number>, keepSpecial = false): string {
    const special = new Set([this.padId, this.clsId, this.sepId]);
    const kept: number[] = [];
    for (let i = 0; i < ids.length; i++) if (keepSpecial || !special.has(ids[i] as number)) kept.push(ids[i] as number);
    return this.convertIdsToTokens(kept).join(' ').replace(/ ##/g, '').trim();
  }

  /** One row per text for display (notebooks): the word pieces, ids and [UNK] count. */
  explain(texts: readonly string[], maxLength: number = DEFAULT_MAX_LENGTH): TokenizationRow[] {
    return texts.map((text) => {
      const ids = this.encode(text, maxLength);
      const all = this.tokenize(text);
      return {
        text,
        wordpieces: this.convertIdsToTokens(ids).join(' '),
        ids: Array.from(ids).join(' '),
        numTokens: ids.length,
        numUnk: Array.from(ids).filter((i) => i === this.unkId).length,
        truncated: all.length > maxLength - 2,
      };
    });
  }
}

/** Pads rows of ids to `width` (rows longer than width are an error, not silently cut). */
export function padRows(rows: readonly Int32Array[], padId: number, width: number): EncodedBatch {
  const b = rows.length;
  const ids = new Int32Array(b * width).fill(padId);
  const mask = new Float32Array(b * width);
  const lengths = new Int32Array(b);
  rows.forEach((r, i) => {
    if (r.length > width) throw new Error(`padRows: row ${i} has ${r.length} ids, more than the width ${width}`);
    ids.set(r, i * width);
    mask.fill(1, i * width, i * width + r.length);
    lengths[i] = r.length;
  });
  return { ids, mask, lengths, batchSize: b, maxLength: width };
}

let cached: WordPieceTokenizer | null = null;

/** The bert-base-uncased tokenizer of data/text/vocab.txt, loaded once per process. */
export function defaultTokenizer(): WordPieceTokenizer {
  if (cached === null) cached = WordPieceTokenizer.fromVocabFile();
  return cached;
}

/**
 * For notebooks: how the default tokenizer splits the given transcripts (e.g. the first MOSI
 * clips), one row per text with word pieces, ids, length and [UNK] count.
 */
export function tokenizationTable(texts: readonly string[], maxLength: number = DEFAULT_MAX_LENGTH): TokenizationRow[] {
  return defaultTokenizer().explain(texts, maxLength);
}
