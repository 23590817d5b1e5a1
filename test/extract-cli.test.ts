// mird extract end to end on the two real sample clips (data/samples): shapes, faces found,
// determinism across process counts, read back by `mird data inspect` and the data reader, a tiny
// extracted dataset trained for one epoch (quick preset), all with the default visual model
// (human); the same path with --visual-model face-api, and an unknown --visual-model; and the bad
// inputs of issue 13 (a text file named .mp4, a silent clip, a clip without a face, one without
// audio, a labels CSV without ids, no ffmpeg): named errors, and no dataset folder unless it is whole.
// Video needs Debian's ffmpeg; those tests skip, saying so, where it is not installed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readExtracted } from '../src/data/extracted';
import { VISUAL_DIM } from '../src/extract/visual';
import { HUMAN_VISUAL_DIM, humanVisualColumns } from '../src/extract/visual-human';

const root = process.cwd();
const WAV = join(root, 'data', 'samples', 'mosi_03bSnISJMiM_1.wav');
const MP4 = join(root, 'data', 'samples', 'mosi_Oz06ZWiO20M_6.mp4');
const hasFfmpeg = spawnSync('ffmpeg', ['-version']).status === 0 && spawnSync('ffprobe', ['-version']).status === 0;
const needsFfmpeg = hasFfmpeg ? false : "ffmpeg is not installed: install Debian's ffmpeg package (apt-get install ffmpeg) to run the video tests";

const mird = (args: string[], env: Record<string, string> = {}): { code: number; out: string; err: string } => {
  const r = spawnSync(process.execPath, [join(root, 'bin', 'mird.js'), ...args], { cwd: root, encoding: 'utf8', env: { ...process.env, MIRD_QUIET: '1', ...env } });
  return { code: r.status ?? 1, out: r.stdout, err: r.stderr };
};
const tmp = (): string => mkdtempSync(join(tmpdir(), 'mird-extract-'));

function labels(dir: string, rows: [string, string, string, string][]): string {
  const path = join(dir, 'labels.csv');
  writeFileSync(path, ['id,text,label,split', ...rows.map((r) => r.join(','))].join('\n') + '\n');
  return path;
}

/** A 16-bit mono WAV of `n` zero samples (digital silence). */
function silentWav(path: string, n: number): void {
  const b = Buffer.alloc(44 + 2 * n);
  b.write('RIFF', 0);
  b.writeUInt32LE(36 + 2 * n, 4);
  b.write('WAVEfmt ', 8);
  b.writeUInt32LE(16, 16);
  b.writeUInt16LE(1, 20);
  b.writeUInt16LE(1, 22);
  b.writeUInt32LE(16000, 24);
  b.writeUInt32LE(32000, 28);
  b.writeUInt16LE(2, 32);
  b.writeUInt16LE(16, 34);
  b.write('data', 36);
  b.writeUInt32LE(2 * n, 40);
  writeFileSync(path, b);
}

function ffmpeg(args: string[]): void {
  const r = spawnSync('ffmpeg', ['-v', 'error', '-y', ...args], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
}

test('the two real samples (default visual model human): shapes, a face in most frames, manifest, read back by data inspect, identical with 1 or 2 processes', { skip: needsFfmpeg }, () => {
  const dir = tmp();
  const media = join(dir, 'media');
  mkdirSync(media);
  symlinkSync(WAV, join(media, 'wav_clip.wav'));
  symlinkSync(MP4, join(media, 'video_clip.mp4'));
  const csv = labels(dir, [['wav_clip', 'ANYHOW IT WAS REALLY GOOD', '2.4', 'train'], ['video_clip', 'A REALLY AMBITIOUS WEIRD FAILURE', '-0.8', 'test']]);
  const a = join(dir, 'a');
  const r = mird(['extract', media, '--labels', csv, '--out', a, '--visual-frames', '10', '--video-fps', '5', '--jobs', '2']);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /2 clips \(train 1, test 1\); a face in \d+ of 10 video frames/);
  assert.ok(!existsSync(`${a}.partial`), 'the work folder is removed once the dataset is whole');

  const ds = readExtracted(a);
  assert.equal(ds.audioDim, 33);
  assert.equal(ds.visualDim, HUMAN_VISUAL_DIM);
  assert.ok(ds.notes.some((n) => /visual 226 per frame \(human: /.test(n)), ds.notes.join(' | '));
  const wav = ds.splits.train[0];
  const video = ds.splits.test[0];
  assert.ok(wav !== undefined && video !== undefined);
  assert.equal(wav.audio.length, 144); // 1 + ⌊73 441 / 512⌋ frames of the 3.33 s clip
  assert.equal(wav.visual.length, 0); // audio-only input
  assert.equal(video.audio.length, 321); // 7.44 s of AAC audio
  assert.equal(video.visual.length, 10);
  assert.equal(video.label, -0.8);

  // the pipeline's audio is the tested DSP: first MFCC frame of the WAV clip against the numpy reference
  const ref = JSON.parse(readFileSync('test/fixtures/extract/librosa-reference.json', 'utf8')) as { sample: { mfcc: number[]; zcr: number[] } };
  for (let k = 0; k < 20; k++) assert.ok(Math.abs((wav.audio.data[1 + k] as number) - (ref.sample.mfcc[k] as number)) < 1e-3, `mfcc ${k}`);
  assert.ok(Math.abs((wav.audio.data[0] as number) - (ref.sample.zcr[0] as number)) < 1e-6);

  const cols = humanVisualColumns();
  const at = (f: number, name: string): number => video.visual.data[f * HUMAN_VISUAL_DIM + cols.indexOf(name)] as number;
  let faces = 0;
  for (let f = 0; f < 10; f++) {
    const conf = at(f, 'face_confidence');
    if (conf === 0) continue;
    faces += 1;
    assert.ok(conf > 0.5 && conf <= 1, `confidence ${conf}`);
    const exprSum = cols.filter((c) => c.startsWith('expr_')).reduce((s, c) => s + at(f, c), 0);
    assert.ok(exprSum > 0.9 && exprSum <= 1 + 1e-6, `expression probabilities sum to ${exprSum} (human truncates each to two decimals)`);
    // landmarks relative to the box: the nose tip (30) inside it; a near-frontal speaker
    for (const c of ['lm30_x', 'lm30_y']) assert.ok(at(f, c) > 0.2 && at(f, c) < 0.8, `${c} ${at(f, c)}`);
    for (const c of ['pose_yaw', 'pose_pitch', 'pose_roll']) assert.ok(Math.abs(at(f, c)) < 0.8, `${c} ${at(f, c)}`);
  }
  assert.ok(faces >= 8, `a face in ${faces} of 10 frames`);

  const manifest = JSON.parse(readFileSync(join(a, 'manifest.json'), 'utf8')) as Manifest;
  assert.equal(manifest.parameters.visualFrames, 10);
  assert.equal(manifest.parameters.videoFps, 5);
  assert.equal(manifest.parameters.visualModel, 'human');
  assert.equal(manifest.visual.model, 'human');
  assert.deepEqual(manifest.visual.package, { name: '@vladmandic/human', version: '3.3.6' });
  assert.equal(manifest.visual.dim, HUMAN_VISUAL_DIM);
  assert.deepEqual(manifest.visual.columns, humanVisualColumns());
  for (const k of ['face_confidence', 'pose_yaw, pose_pitch, pose_roll', 'mesh_confidence', 'lm<i>_z']) assert.ok(manifest.visual.meanings[k] !== undefined, k);
  assert.match(manifest.versions.ffmpeg as string, /^ffmpeg version/);
  assert.equal(manifest.versions['@vladmandic/human'], '3.3.6');
  assert.equal(manifest.versions['@vladmandic/face-api'], null, 'the model not used');

  const inspect = mird(['data', 'inspect', a, '--json']);
  assert.equal(inspect.code, 0, inspect.err);
  const summary = JSON.parse(inspect.out) as { audioDim: number; visualDim: number };
  assert.equal(summary.audioDim, 33);
  assert.equal(summary.visualDim, HUMAN_VISUAL_DIM);

  const b = join(dir, 'b');
  const again = mird(['extract', join(media, 'wav_clip.wav'), join(media, 'video_clip.mp4'), '--labels', csv, '--out', b, '--visual-frames', '10', '--video-fps', '5', '--jobs', '1']);
  assert.equal(again.code, 0, again.err);
  assert.ok(readFileSync(join(a, 'features.safetensors')).equals(readFileSync(join(b, 'features.safetensors'))), 'same features with one process as with two');
  assert.equal(readFileSync(join(a, 'clips.csv'), 'utf8'), readFileSync(join(b, 'clips.csv'), 'utf8'));

  const exists = mird(['extract', media, '--labels', csv, '--out', a]);
  assert.equal(exists.code, 2);
  assert.match(exists.err, /a dataset is already there/);
});

interface Manifest {
  parameters: { visualFrames: number; videoFps: number; visualModel: string };
  visual: { dim: number; model: string; package: { name: string; version: string | null }; columns: string[]; meanings: Record<string, string> };
  versions: Record<string, string | null>;
}

test('--visual-model face-api: the same path with face-api\'s 151 columns (the first 151 of human\'s), recorded in the manifest', { skip: needsFfmpeg }, () => {
  const dir = tmp();
  const media = join(dir, 'media');
  mkdirSync(media);
  symlinkSync(MP4, join(media, 'video_clip.mp4'));
  const csv = labels(dir, [['video_clip', 'A REALLY AMBITIOUS WEIRD FAILURE', '-0.8', 'train']]);
  const out = join(dir, 'ds');
  const r = mird(['extract', media, '--labels', csv, '--out', out, '--visual-frames', '3', '--video-fps', '5', '--visual-model', 'face-api']);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /a face in 3 of 3 video frames/);
  const ds = readExtracted(out);
  assert.equal(ds.visualDim, VISUAL_DIM);
  assert.equal(ds.splits.train[0]?.visual.data.length, 3 * VISUAL_DIM);
  const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')) as Manifest;
  assert.equal(manifest.visual.model, 'face-api');
  assert.deepEqual(manifest.visual.package, { name: '@vladmandic/face-api', version: '1.7.15' });
  assert.equal(manifest.visual.dim, VISUAL_DIM);
  assert.deepEqual(manifest.visual.columns, humanVisualColumns().slice(0, VISUAL_DIM));
  assert.equal(manifest.versions['@vladmandic/face-api'], '1.7.15');
  assert.equal(manifest.versions['@vladmandic/human'], null);
});

test('--chroma cqt on the WAV: the CQT chroma columns of the reference, recorded in the manifest and the dataset notes; an unknown --chroma is a named error before anything is written', () => {
  const dir = tmp();
  const out = join(dir, 'ds');
  const csv = labels(dir, [['mosi_03bSnISJMiM_1', 'ANYHOW IT WAS REALLY GOOD', '2.4', 'train']]);
  const ref = JSON.parse(readFileSync('test/fixtures/extract/librosa-reference.json', 'utf8')) as { sample: { frames: number; chroma_cqt_direct: number[] } };
  const bad = mird(['extract', WAV, '--labels', csv, '--out', out, '--chroma', 'vqt']);
  assert.equal(bad.code, 2);
  assert.match(bad.err, /--chroma vqt: unknown \(known: stft, cqt\)/);
  assert.ok(!existsSync(out) && !existsSync(`${out}.partial`));
  const r = mird(['extract', WAV, '--labels', csv, '--out', out, '--chroma', 'cqt']);
  assert.equal(r.code, 0, r.err);
  const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'));
  assert.equal(manifest.parameters.audio.chroma, 'cqt');
  assert.match(manifest.audio.description, /chroma of a direct constant-Q transform/);
  const ds = readExtracted(out);
  assert.ok(ds.notes.some((n) => /CQT chroma/.test(n)));
  const clip = ds.splits.train[0];
  assert.ok(clip !== undefined && clip.audio.length === ref.sample.frames);
  let worst = 0;
  for (let t = 0; t < clip.audio.length; t++) for (let c = 0; c < 12; c++) worst = Math.max(worst, Math.abs((clip.audio.data[t * 33 + 21 + c] as number) - (ref.sample.chroma_cqt_direct[t * 12 + c] as number)));
  assert.ok(worst < 1e-6, `chroma cqt vs the reference: ${worst}`);
});

test('an unknown --visual-model is a named error before anything is read or written', () => {
  const dir = tmp();
  const out = join(dir, 'ds');
  const r = mird(['extract', join(dir, 'no-such-folder'), '--labels', join(dir, 'no-such.csv'), '--out', out, '--visual-model', 'openface']);
  assert.equal(r.code, 2);
  assert.match(r.err, /--visual-model openface: unknown visual model \(valid: human, face-api\)/);
  assert.ok(!existsSync(out) && !existsSync(`${out}.partial`));
});

test('bad clips (text named .mp4, silent, no face, no audio) are listed with reasons; nothing written; resume + --allow-failures', { skip: needsFfmpeg }, () => {
  const dir = tmp();
  const media = join(dir, 'media');
  mkdirSync(media);
  symlinkSync(WAV, join(media, 'good.wav'));
  writeFileSync(join(media, 'notvideo.mp4'), 'this is a text file, not a video\n');
  silentWav(join(media, 'silent.wav'), 16000);
  ffmpeg(['-f', 'lavfi', '-i', 'color=c=gray:s=320x240:r=10:d=1', '-f', 'lavfi', '-i', 'sine=frequency=440:duration=1', '-shortest', '-c:v', 'mpeg4', '-c:a', 'aac', join(media, 'noface.mp4')]);
  ffmpeg(['-f', 'lavfi', '-i', 'color=c=gray:s=320x240:r=10:d=1', '-an', '-c:v', 'mpeg4', join(media, 'noaudio.mp4')]);
  const csv = labels(dir, ['good', 'notvideo', 'silent', 'noface', 'noaudio'].map((id, i) => [id, `CLIP NUMBER ${i}`, String(i - 2), 'train'] as [string, string, string, string]));
  const out = join(dir, 'ds');
  const r = mird(['extract', media, '--labels', csv, '--out', out, '--visual-frames', '5', '--video-fps', '5']);
  assert.equal(r.code, 1, r.err);
  assert.match(r.err, /4 of 5 clips failed; no dataset written/);
  assert.match(r.err, /notvideo: .*notvideo\.mp4: unreadable media file/);
  assert.match(r.err, /silent: .*silent\.wav: silent audio \(peak 0, digital silence/);
  assert.match(r.err, /noface: .*noface\.mp4: no face in any of the 5 frames/);
  assert.match(r.err, /noaudio: .*noaudio\.mp4: no audio stream/);
  assert.ok(!existsSync(out), 'no dataset folder after failures');
  assert.ok(existsSync(`${out}.partial`), 'finished clips are kept for resume');

  // resume: every clip is already done (ok or failed); --allow-failures writes the one good clip
  const again = mird(['extract', media, '--labels', csv, '--out', out, '--visual-frames', '5', '--video-fps', '5', '--allow-failures'], { MIRD_QUIET: '0' });
  assert.equal(again.code, 0, again.err);
  assert.match(again.err, /5 clips \(5 already done in .*\), 0 to extract/);
  assert.match(again.out, /left out 4 failed clip\(s\)/);
  const ds = readExtracted(out);
  assert.equal(ds.splits.train.length, 1);
  assert.ok(ds.notes.some((n) => /4 clip\(s\) failed extraction/.test(n)));
  const failures = readFileSync(join(out, 'failures.csv'), 'utf8');
  assert.match(failures, /^id,file,reason\n/);
  assert.equal(failures.trim().split('\n').length, 5);
  const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')) as { failures: { id: string; reason: string }[] };
  assert.deepEqual(manifest.failures.map((f) => f.id).sort(), ['noaudio', 'noface', 'notvideo', 'silent']);
});

test('a labels CSV without ids, a file without a label row, and a missing ffmpeg are named errors; .wav needs no ffmpeg', () => {
  const dir = tmp();
  const media = join(dir, 'media');
  mkdirSync(media);
  symlinkSync(WAV, join(media, 'clip1.wav'));
  const bad = join(dir, 'noids.csv');
  writeFileSync(bad, 'name,text,label\nclip1,HELLO THERE,1.0\n');
  const out = join(dir, 'ds');
  const r = mird(['extract', media, '--labels', bad, '--out', out]);
  assert.equal(r.code, 1);
  assert.match(r.err, /noids\.csv: missing column "id" \(columns: name, text, label\)/);
  assert.ok(!existsSync(out) && !existsSync(`${out}.partial`), 'nothing written');

  const other = labels(dir, [['someone_else', 'HELLO', '1', 'train']]);
  const m = mird(['extract', media, '--labels', other, '--out', out]);
  assert.equal(m.code, 1);
  assert.match(m.err, /1 media file\(s\) have no row in the labels CSV .*clip1/);
  assert.ok(!existsSync(out) && !existsSync(`${out}.partial`));

  const csv = labels(dir, [['clip1', 'HELLO THERE', '1', 'train'], ['clip2', 'AND AGAIN', '-1', 'train']]);
  symlinkSync(MP4, join(media, 'clip2.mp4'));
  const noFfmpeg = mird(['extract', media, '--labels', csv, '--out', out], { MIRD_FFMPEG: join(dir, 'no-such-ffmpeg'), MIRD_FFPROBE: join(dir, 'no-such-ffprobe') });
  assert.equal(noFfmpeg.code, 1);
  assert.match(noFfmpeg.err, /clip2\.mp4: reading this file needs ffmpeg, which was not found .*Debian's ffmpeg package \(apt-get install ffmpeg\)/);
  assert.ok(!existsSync(out) && !existsSync(`${out}.partial`));

  const wavOnly = mird(['extract', join(media, 'clip1.wav'), '--labels', csv, '--out', out], { MIRD_FFMPEG: join(dir, 'no-such-ffmpeg'), MIRD_FFPROBE: join(dir, 'no-such-ffprobe') });
  assert.equal(wavOnly.code, 0, wavOnly.err);
  const ds = readExtracted(out);
  assert.equal(ds.splits.train[0]?.audio.length, 144);
});

test('a tiny extracted dataset trains for one epoch on the quick preset (mird train --data <folder>)', { skip: needsFfmpeg }, () => {
  const dir = tmp();
  const media = join(dir, 'media');
  mkdirSync(media);
  const rows: [string, string, string, string][] = [
    ['c1', 'IT WAS REALLY GOOD', '2.4', 'train'],
    ['c2', 'A WEIRD BUT INTERESTING FILM', '0.4', 'train'],
    ['c3', 'A REALLY AMBITIOUS FAILURE', '-0.8', 'valid'],
    ['c4', 'NOT BAD AT ALL', '1.0', 'test'],
  ];
  for (const [id] of rows) symlinkSync(MP4, join(media, `${id}.mp4`));
  const csv = labels(dir, rows);
  const data = join(dir, 'ds');
  const x = mird(['extract', media, '--labels', csv, '--out', data, '--visual-frames', '3', '--video-fps', '5']);
  assert.equal(x.code, 0, x.err);
  const run = join(dir, 'run');
  const t = mird(['train', '--preset', 'quick', '--data', data, '--set', 'maxEpochs=1', '--out', run]);
  assert.equal(t.code, 0, t.err);
  assert.match(t.out, /MIRD \(quick\)/);
  const config = JSON.parse(readFileSync(join(run, 'config.json'), 'utf8')) as { resolved: { model: { audioDim: number; visualDim: number } } };
  assert.equal(config.resolved.model.audioDim, 33, 'the model\'s audio size comes from the data');
  assert.equal(config.resolved.model.visualDim, HUMAN_VISUAL_DIM, 'and its visual size (human, the default)');
  assert.ok(existsSync(join(run, 'metrics.json')));
});
