// Audio features against the numpy reference of librosa's algorithms
// (scripts/librosa-reference.py → test/fixtures/extract/librosa-reference.json): a synthetic
// signal (feature definitions alone) and the real sample WAV (load: mono + resampy kaiser_best,
// then the features). Tolerances are float32-rounding sized: the reference is float64 numpy.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { AUDIO_DEFAULTS, audioColumns, audioFeatures, librosaSignal, type AudioFeatures } from '../src/extract/audio';
import { parseWav } from '../src/extract/wav';
import { resampleKaiserBest } from '../src/extract/resample';

interface RefFeatures {
  frames: number;
  zcr: number[];
  mfcc: number[];
  chroma_stft: number[];
  mfcc_slaney_constant_pad?: number[];
}
const ref = JSON.parse(readFileSync('test/fixtures/extract/librosa-reference.json', 'utf8')) as {
  synthetic: RefFeatures;
  sample: RefFeatures & { resampled_length: number; resampled_head: number[]; resampled_rms: number; chroma_cqt_direct: number[]; chroma_gap: { mean_abs: number } };
};

/** The fixture's synthetic signal, rebuilt (float32, as the script casts it). */
function synthetic(): Float32Array {
  const y = new Float32Array(22050);
  for (let n = 0; n < y.length; n++) {
    const t = n / 22050;
    y[n] = 0.5 * Math.sin(2 * Math.PI * 220 * t) + 0.3 * Math.sin(2 * Math.PI * (500 * t + 1500 * t * t)) * Math.exp(-t);
  }
  y.fill(0, 5000, 7000);
  return y;
}

/** max |ours − reference| over frames of columns [offset, offset + n). */
function maxError(f: AudioFeatures, offset: number, n: number, reference: number[]): number {
  let m = 0;
  for (let t = 0; t < f.frames; t++) for (let k = 0; k < n; k++) m = Math.max(m, Math.abs((f.data[t * f.dim + offset + k] as number) - (reference[t * n + k] as number)));
  return m;
}

function sampleSignal(): Float32Array {
  const w = parseWav(new Uint8Array(readFileSync('data/samples/mosi_03bSnISJMiM_1.wav')), 'data/samples/mosi_03bSnISJMiM_1.wav');
  assert.equal(w.sampleRate, 16000);
  assert.equal(w.channels.length, 2);
  return librosaSignal(w.channels, w.sampleRate, 22050);
}

test('synthetic signal: zcr, 20 MFCC (HTK mel) and 12 chroma match the numpy librosa reference', () => {
  const f = audioFeatures(synthetic());
  assert.equal(f.dim, 33);
  assert.equal(f.frames, ref.synthetic.frames); // 1 + ⌊22050 / 512⌋ = 44
  assert.ok(maxError(f, 0, 1, ref.synthetic.zcr) < 1e-6, 'zcr');
  // MFCC values reach a few hundred; float32 features and the 7-digit fixture bound the error
  assert.ok(maxError(f, 1, 20, ref.synthetic.mfcc) < 1e-3, `mfcc max error ${maxError(f, 1, 20, ref.synthetic.mfcc)}`);
  assert.ok(maxError(f, 21, 12, ref.synthetic.chroma_stft) < 1e-5, 'chroma');
});

test("synthetic signal: librosa >= 0.10's defaults (Slaney mel, zero centring pad) match too", () => {
  const f = audioFeatures(synthetic(), { ...AUDIO_DEFAULTS, melScale: 'slaney', padMode: 'constant' });
  const m = maxError(f, 1, 20, ref.synthetic.mfcc_slaney_constant_pad as number[]);
  assert.ok(m < 1e-3, `mfcc max error ${m}`);
  // and the two conventions really differ (the option is not a no-op)
  assert.ok(maxError(f, 1, 20, ref.synthetic.mfcc) > 1);
});

test('sample WAV: librosa.load (mono, resampy kaiser_best 16 kHz → 22.05 kHz) matches the reference signal', () => {
  const y = sampleSignal();
  assert.equal(y.length, ref.sample.resampled_length);
  ref.sample.resampled_head.forEach((v, i) => assert.ok(Math.abs((y[1000 + i] as number) - v) < 1e-7, `sample ${1000 + i}`));
  let ss = 0;
  for (const v of y) ss += v * v;
  assert.ok(Math.abs(Math.sqrt(ss / y.length) - ref.sample.resampled_rms) < 1e-6 * ref.sample.resampled_rms + 1e-9);
});

test('sample WAV: every frame of zcr / MFCC / chroma within tolerance of the reference; deterministic', () => {
  const y = sampleSignal();
  const f = audioFeatures(y);
  assert.equal(f.frames, ref.sample.frames);
  assert.ok(maxError(f, 0, 1, ref.sample.zcr) < 1e-6);
  const mfccErr = maxError(f, 1, 20, ref.sample.mfcc);
  assert.ok(mfccErr < 1e-3, `mfcc max error ${mfccErr}`);
  assert.ok(maxError(f, 21, 12, ref.sample.chroma_stft) < 1e-5);
  const again = audioFeatures(sampleSignal());
  assert.deepEqual(Buffer.from(again.data.buffer), Buffer.from(f.data.buffer));
  assert.equal(audioColumns().length, 33);
  assert.deepEqual(audioColumns().slice(0, 2), ['zcr', 'mfcc_0']);
  // STFT chroma is not CQT chroma: the measured gap is recorded in the fixture (mean |Δ| per value)
  assert.ok(ref.sample.chroma_gap.mean_abs > 0 && ref.sample.chroma_gap.mean_abs < 1);
});

test('sample WAV, chroma cqt: every frame within tolerance of the reference direct CQT chroma; the MFCC and zcr columns unchanged; a tone lands in its pitch class', () => {
  const y = sampleSignal();
  const t0 = performance.now();
  const f = audioFeatures(y, { ...AUDIO_DEFAULTS, chroma: 'cqt' });
  const ms = performance.now() - t0;
  const err = maxError(f, 21, 12, ref.sample.chroma_cqt_direct);
  assert.ok(err < 1e-6, `chroma cqt max error ${err} (${ms.toFixed(0)} ms)`);
  const stft = audioFeatures(y);
  for (let t = 0; t < f.frames; t++) for (let k = 0; k < 21; k++) assert.equal(f.data[t * 33 + k], stft.data[t * 33 + k]);
  assert.ok(maxError(f, 21, 12, ref.sample.chroma_stft) > 0.1, 'the option changes the chroma columns');
  // A4 = 440 Hz: chroma class A (index 9) is the largest in the middle frames
  const tone = new Float32Array(22050);
  for (let i = 0; i < tone.length; i++) tone[i] = 0.3 * Math.sin((2 * Math.PI * 440 * i) / 22050);
  const g = audioFeatures(tone, { ...AUDIO_DEFAULTS, chroma: 'cqt' });
  const mid = Math.floor(g.frames / 2);
  const row = Array.from(g.data.subarray(mid * 33 + 21, mid * 33 + 33));
  assert.equal(row.indexOf(Math.max(...row)), 9);
  assert.equal(Math.max(...row), 1);
});

test('resampler: a tone keeps its amplitude and frequency; up- and downsampling lengths are ⌈n·ratio⌉', () => {
  const n = 16000;
  const x = new Float32Array(n);
  for (let i = 0; i < n; i++) x[i] = 0.5 * Math.sin((2 * Math.PI * 1000 * i) / 16000);
  const up = resampleKaiserBest(x, 16000, 22050);
  assert.equal(up.length, Math.ceil(n * (22050 / 16000)));
  // away from the edges the output is the same tone at the new rate
  let worst = 0;
  for (let i = 2000; i < 20000; i++) worst = Math.max(worst, Math.abs((up[i] as number) - 0.5 * Math.sin((2 * Math.PI * 1000 * i) / 22050)));
  assert.ok(worst < 1e-3, `tone error ${worst}`);
  const down = resampleKaiserBest(x, 16000, 8000);
  assert.equal(down.length, 8000);
  let worstDown = 0;
  for (let i = 1000; i < 7000; i++) worstDown = Math.max(worstDown, Math.abs((down[i] as number) - 0.5 * Math.sin((2 * Math.PI * 1000 * i) / 8000)));
  assert.ok(worstDown < 1e-3, `downsampled tone error ${worstDown}`);
});

test('parseWav: a file that is not a WAV, and one without data, are errors naming the file', () => {
  assert.throws(() => parseWav(new TextEncoder().encode('hello, this is text'), 'notes.wav'), /notes\.wav: not a WAV file/);
  const header = new Uint8Array(36);
  const v = new DataView(header.buffer);
  header.set(new TextEncoder().encode('RIFF'), 0);
  v.setUint32(4, 28, true);
  header.set(new TextEncoder().encode('WAVEfmt '), 8);
  v.setUint32(16, 16, true);
  v.setUint16(20, 1, true);
  v.setUint16(22, 1, true);
  v.setUint32(24, 16000, true);
  v.setUint16(32, 2, true);
  v.setUint16(34, 16, true);
  assert.throws(() => parseWav(header, 'empty.wav'), /empty\.wav: WAV without a data chunk/);
});
