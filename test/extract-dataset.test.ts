// The extracted-dataset format and its reader without ffmpeg (audio-only .wav clips): openSource
// reads the folder; labels CSV problems and a damaged dataset are errors naming file and field.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSource } from '../src/data/sources';
import { readExtracted } from '../src/data/extracted';
import { readLabels } from '../src/extract/dataset';
import { readSafetensors, serializeSafetensors, type TensorToWrite } from '../src/nn/safetensors';

const root = process.cwd();
const WAV = join(root, 'data', 'samples', 'mosi_03bSnISJMiM_1.wav');
const tmp = (): string => mkdtempSync(join(tmpdir(), 'mird-extract-ds-'));

/** Three audio-only clips (train, valid, unlabeled) written by the CLI, without ffmpeg. */
function dataset(): string {
  const dir = tmp();
  const media = join(dir, 'media');
  mkdirSync(media);
  for (const id of ['a', 'b', 'c']) symlinkSync(WAV, join(media, `${id}.wav`));
  writeFileSync(join(dir, 'labels.csv'), 'id,text,label,split\na,"GOOD, REALLY GOOD",2.4,train\nb,NOT BAD,1,valid\nc,SOMETHING ELSE,,train\n');
  const out = join(dir, 'ds');
  const r = spawnSync(process.execPath, [join(root, 'bin', 'mird.js'), 'extract', media, '--labels', join(dir, 'labels.csv'), '--out', out, '--jobs', '1'], { cwd: root, encoding: 'utf8', env: { ...process.env, MIRD_QUIET: '1', MIRD_FFMPEG: join(dir, 'none'), MIRD_FFPROBE: join(dir, 'none') } });
  assert.equal(r.status, 0, r.stderr);
  return out;
}

test('openSource(<extracted folder>): splits, unlabeled clips (empty label), real lengths, quoted transcripts', () => {
  const out = dataset();
  const ds = openSource(out);
  assert.equal(ds.audioDim, 33);
  assert.equal(ds.splits.train.length, 1);
  assert.equal(ds.splits.valid.length, 1);
  assert.equal(ds.splits.test.length, 0);
  assert.equal(ds.unlabeled.length, 1);
  assert.equal(ds.unlabeled[0]?.label, null);
  const a = ds.splits.train[0];
  assert.equal(a?.text, 'GOOD, REALLY GOOD');
  assert.equal(a?.audio.length, 144);
  assert.equal(a?.audio.data.length, 144 * 33);
  assert.equal(a?.visual.length, 0);
  // the same file three times: identical features
  assert.deepEqual(Array.from(ds.splits.valid[0]?.audio.data ?? []), Array.from(a?.audio.data ?? []));
  const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')) as { versions: Record<string, string | null>; clips: { audioOnly: number }; text: { tokenizer: string } };
  assert.equal(manifest.versions.ffmpeg, null, 'ffmpeg was not needed');
  assert.equal(manifest.clips.audioOnly, 3);
  const st = readSafetensors(join(out, 'features.safetensors'));
  assert.deepEqual(st.tensors.get('audio')?.shape, [3, 144, 33]);
  assert.deepEqual(Array.from(st.tensors.get('text_ids')?.data.slice(0, 2) ?? []), [101, 2204]); // [CLS] good
});

test('a damaged dataset folder is an error naming the file and field', () => {
  const out = dataset();
  const damaged = (name: string, edit: (dir: string) => void): string => {
    const d = join(tmp(), name);
    cpSync(out, d, { recursive: true });
    edit(d);
    return d;
  };
  const fewer = damaged('fewer', (d) => {
    const lines = readFileSync(join(d, 'clips.csv'), 'utf8').trim().split('\n');
    writeFileSync(join(d, 'clips.csv'), lines.slice(0, -1).join('\n') + '\n');
  });
  assert.throws(() => readExtracted(fewer), /clips\.csv: 2 clips, but manifest\.json field clips\.count says 3/);
  const format = damaged('format', (d) => {
    const m = JSON.parse(readFileSync(join(d, 'manifest.json'), 'utf8')) as Record<string, unknown>;
    writeFileSync(join(d, 'manifest.json'), JSON.stringify({ ...m, format: 'something' }));
  });
  assert.throws(() => readExtracted(format), /manifest\.json, field format: "something"/);
  const lengths = damaged('lengths', (d) => {
    const st = readSafetensors(join(d, 'features.safetensors'));
    const tensors = new Map<string, TensorToWrite>([...st.tensors].map(([k, t]) => [k, { dtype: t.dtype === 'I32' ? 'I32' : 'F32', shape: t.shape, data: k === 'audio_length' ? Int32Array.from([144, 999, 144]) : t.data }]));
    writeFileSync(join(d, 'features.safetensors'), serializeSafetensors(tensors));
  });
  assert.throws(() => readExtracted(lengths), /features\.safetensors: audio_length of clip b is 999 \(expected 0\.\.144\)/);
  const empty = join(tmp(), 'empty');
  mkdirSync(empty);
  assert.throws(() => openSource(empty), /no manifest\.json \(not a dataset written by mird extract\)/);
});

test('labels CSV: missing id column, repeated ids, empty transcripts and bad splits name file, line and field', () => {
  const dir = tmp();
  const write = (name: string, text: string): string => {
    const p = join(dir, name);
    writeFileSync(p, text);
    return p;
  };
  assert.throws(() => readLabels(write('a.csv', 'clip,text,label\nx,HI,1\n')), /a\.csv: missing column "id" \(columns: clip, text, label\)/);
  assert.throws(() => readLabels(write('b.csv', 'id,text,label\nx,HI,1\nx,HO,2\n')), /b\.csv line 3, field id: "x" repeats line 2/);
  assert.throws(() => readLabels(write('c.csv', 'id,text,label\nx,,1\n')), /c\.csv line 2, field text: empty transcript for clip x/);
  assert.throws(() => readLabels(write('d.csv', 'id,text,label,split\nx,HI,1,dev\n')), /d\.csv line 2, field split: "dev" \(expected train, valid or test\)/);
  assert.throws(() => readLabels(write('e.csv', 'id,text,label\nx,HI,high\n')), /e\.csv line 2, field label: expected a finite number/);
  const ok = readLabels(write('f.csv', 'id,text,label\nx,HI,1\ny,HO,\n'));
  assert.equal(ok.hasSplit, false);
  assert.equal(ok.rows.get('y')?.label, null);
});
