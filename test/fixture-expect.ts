// Shared checks of reader output against test/fixtures/pickles/expected.json (written by
// scripts/make-fixtures.py alongside the pickles).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Clip, Sequence } from '../src/data/types';

export const FIXTURES = join('test', 'fixtures', 'pickles');
export const fixture = (name: string): string => join(FIXTURES, name);

export interface FrameExpect {
  first: number[];
  last: number[];
  sum: number;
}

export interface ClipsExpect {
  ids: string[];
  texts: string[];
  labels?: number[];
  tokenIds?: number[][];
  audioLengths: number[];
  videoLengths: number[];
  audio: FrameExpect[];
  video: FrameExpect[];
}

export interface FileExpect {
  audioDim: number;
  visualDim: number;
  splits: Record<'train' | 'valid' | 'test', ClipsExpect>;
  negInf?: number;
  clamped?: number;
  clips?: ClipsExpect;
  trainAudio1Last?: number[];
}

export const EXPECTED = JSON.parse(readFileSync(join(FIXTURES, 'expected.json'), 'utf8')) as Record<string, FileExpect> & {
  bad: Record<string, string[]>;
};

function checkSequence(seq: Sequence, length: number, dim: number, exp: FrameExpect, where: string): void {
  assert.equal(seq.length, length, `${where} length`);
  assert.equal(seq.dim, dim, `${where} dim`);
  assert.equal(seq.data.length, length * dim, `${where} holds only real frames`);
  assert.ok(seq.data instanceof Float32Array, `${where} is float32`);
  if (length === 0) return;
  assert.deepEqual([...seq.data.subarray(0, exp.first.length)], exp.first, `${where} first frame`);
  assert.deepEqual([...seq.data.subarray(length * dim - exp.last.length)], exp.last, `${where} last real frame`);
  let sum = 0;
  for (const x of seq.data) sum += x;
  assert.ok(Math.abs(sum - exp.sum) < 1e-6 * (1 + Math.abs(exp.sum)), `${where} sum ${sum} vs ${exp.sum}`);
}

export function checkClips(clips: Clip[], exp: ClipsExpect, audioDim: number, visualDim: number, where: string): void {
  assert.deepEqual(
    clips.map((c) => c.id),
    exp.ids,
    `${where} ids`,
  );
  assert.deepEqual(
    clips.map((c) => c.text),
    exp.texts,
    `${where} texts`,
  );
  if (exp.labels === undefined) {
    assert.ok(clips.every((c) => c.label === null), `${where} unlabeled`);
  } else {
    assert.deepEqual(
      clips.map((c) => c.label),
      exp.labels,
      `${where} labels`,
    );
  }
  if (exp.tokenIds !== undefined) {
    assert.deepEqual(
      clips.map((c) => (c.tokenIds === undefined ? null : [...c.tokenIds])),
      exp.tokenIds,
      `${where} tokenIds`,
    );
  }
  clips.forEach((c, i) => {
    checkSequence(c.audio, exp.audioLengths[i] as number, audioDim, exp.audio[i] as FrameExpect, `${where}[${i}].audio`);
    checkSequence(c.visual, exp.videoLengths[i] as number, visualDim, exp.video[i] as FrameExpect, `${where}[${i}].visual`);
  });
}

/** Runs f, expecting an Error whose message holds the file name and every needle. */
export function assertFails(f: () => unknown, file: string, needles: string[]): void {
  assert.throws(f, (err: unknown) => {
    assert.ok(err instanceof Error, 'an Error');
    assert.ok(err.message.includes(file), `message names ${file}: ${err.message}`);
    for (const n of needles) assert.ok(err.message.includes(n), `message holds "${n}": ${err.message}`);
    return true;
  });
}
