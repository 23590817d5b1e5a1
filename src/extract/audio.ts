// Frame-level audio features as the MIRD authors computed them with librosa 0.9.1
// (qianfan1996/SKESL get_audio_embedding.py; REFERENCE-FACTS §1.8):
//   y, sr = librosa.load(path)                          22 050 Hz mono, resampy 'kaiser_best'
//   zero_crossing_rate(y, hop_length=512)               frame 2048, edge-padded centred frames
//   mfcc(y, sr, hop_length=512, htk=True)               20 MFCC of a 128-band HTK-mel power
//                                                       spectrogram (Slaney area norm), dB, DCT-II
//   chroma_cqt(y, sr, hop_length=512)                   12 chroma from a 252-bin CQT
// Everything here is plain float64 DSP on the host (no tfjs): the definitions are librosa's, and
// scripts/librosa-reference.py implements the same documented algorithms in numpy to produce the
// test fixture (test/fixtures/extract/). Chroma (config.chroma): 'stft' (default) is librosa's
// chroma_stft (tuning fixed at 0); 'cqt' is chroma from a direct constant-Q transform with
// librosa's filters (252 bins from C1, 36 per octave, tuning 0), the reference script's
// chroma_cqt_direct — closer to the authors' chroma_cqt, but not librosa's multi-rate transform
// nor its tuning estimate, and about 2 s per 7 s clip. The gap between the two is in the fixture.
import { resampleKaiserBest } from './resample';

export interface AudioFeatureConfig {
  sampleRate: number;
  frameLength: number; // n_fft, also the ZCR frame
  hopLength: number;
  nMfcc: number;
  nMels: number;
  /** 'htk' as the authors' call (htk=True), 'slaney' as librosa's default */
  melScale: 'htk' | 'slaney';
  /** centring pad of the STFT: librosa ≤ 0.9 'reflect' (the authors' 0.9.1), ≥ 0.10 'constant' */
  padMode: 'reflect' | 'constant';
  /** power_to_db's top_db (clip below max − topDb) */
  topDb: number;
  nChroma: number;
  /** chroma tuning in fractions of a chroma bin; librosa estimates it, we fix it (0 = A440) */
  tuning: number;
  /** 'stft': librosa's chroma_stft; 'cqt': chroma of a direct 252-bin constant-Q transform (the paper's chroma_cqt, approximately) */
  chroma: 'stft' | 'cqt';
}

export const AUDIO_DEFAULTS: Readonly<AudioFeatureConfig> = Object.freeze({
  sampleRate: 22050,
  frameLength: 2048,
  hopLength: 512,
  nMfcc: 20,
  nMels: 128,
  melScale: 'htk',
  padMode: 'reflect',
  topDb: 80,
  nChroma: 12,
  tuning: 0,
  chroma: 'stft',
});

/** Column names of one audio frame: zcr, mfcc_0..19, chroma_C..chroma_B. */
export function audioColumns(config: Readonly<AudioFeatureConfig> = AUDIO_DEFAULTS): string[] {
  const notes = ['C', 'C#', 'D', 'D#', 'E', 'F', 'F#', 'G', 'G#', 'A', 'A#', 'B'];
  const chroma = config.nChroma === 12 ? notes.map((n) => `chroma_${n}`) : Array.from({ length: config.nChroma }, (_, i) => `chroma_${i}`);
  return ['zcr', ...Array.from({ length: config.nMfcc }, (_, i) => `mfcc_${i}`), ...chroma];
}

/** librosa.to_mono: the mean over channels. */
export function toMono(channels: readonly Float32Array[]): Float32Array {
  const first = channels[0];
  if (first === undefined) throw new Error('toMono: no channels');
  if (channels.length === 1) return first;
  const out = new Float32Array(first.length);
  for (const ch of channels) for (let i = 0; i < out.length; i++) out[i] = (out[i] as number) + (ch[i] as number);
  for (let i = 0; i < out.length; i++) out[i] = (out[i] as number) / channels.length;
  return out;
}

/** librosa.load's signal: mono, then resampled to the target rate (resampy kaiser_best). */
export function librosaSignal(channels: readonly Float32Array[], sampleRate: number, target: number): Float32Array {
  const mono = toMono(channels);
  return sampleRate === target ? mono : resampleKaiserBest(mono, sampleRate, target);
}

/** Frames of a centred analysis: 1 + ⌊n / hop⌋ (librosa, center=True). */
export function frameCount(samples: number, hop: number): number {
  return 1 + Math.floor(samples / hop);
}

// ---------------------------------------------------------------------------------------------
// FFT (radix 2, in place) for the power spectrum of real frames

class RealFft {
  private readonly cos: Float64Array;
  private readonly sin: Float64Array;
  private readonly rev: Uint32Array;
  readonly re: Float64Array;
  readonly im: Float64Array;

  constructor(readonly n: number) {
    if (n < 2 || (n & (n - 1)) !== 0) throw new Error(`FFT size ${n}: must be a power of two`);
    this.cos = new Float64Array(n / 2);
    this.sin = new Float64Array(n / 2);
    for (let k = 0; k < n / 2; k++) {
      this.cos[k] = Math.cos((2 * Math.PI * k) / n);
      this.sin[k] = -Math.sin((2 * Math.PI * k) / n);
    }
    this.rev = new Uint32Array(n);
    const bits = Math.log2(n);
    for (let i = 0; i < n; i++) {
      let r = 0;
      for (let b = 0; b < bits; b++) r |= ((i >> b) & 1) << (bits - 1 - b);
      this.rev[i] = r;
    }
    this.re = new Float64Array(n);
    this.im = new Float64Array(n);
  }

  /** |FFT(x)|² for bins 0..n/2 into `out` (length n/2 + 1). */
  power(x: Float64Array, out: Float64Array): void {
    const { n, re, im, rev } = this;
    for (let i = 0; i < n; i++) {
      re[rev[i] as number] = x[i] as number;
      im[i] = 0;
    }
    for (let size = 2; size <= n; size *= 2) {
      const half = size / 2;
      const step = n / size;
      for (let start = 0; start < n; start += size) {
        for (let k = 0; k < half; k++) {
          const wr = this.cos[k * step] as number;
          const wi = this.sin[k * step] as number;
          const a = start + k;
          const b = a + half;
          const tr = wr * (re[b] as number) - wi * (im[b] as number);
          const ti = wr * (im[b] as number) + wi * (re[b] as number);
          re[b] = (re[a] as number) - tr;
          im[b] = (im[a] as number) - ti;
          re[a] = (re[a] as number) + tr;
          im[a] = (im[a] as number) + ti;
        }
      }
    }
    for (let k = 0; k <= n / 2; k++) out[k] = (re[k] as number) ** 2 + (im[k] as number) ** 2;
  }
}

/** numpy.pad index for mode 'reflect' (repeated reflection when the pad exceeds the signal) and 'edge'. */
function padIndex(i: number, n: number, mode: 'reflect' | 'edge'): number {
  if (i >= 0 && i < n) return i;
  if (mode === 'edge' || n === 1) return i < 0 ? 0 : n - 1;
  const period = 2 * (n - 1);
  let j = ((i % period) + period) % period;
  if (j >= n) j = period - j;
  return j;
}

/** |STFT|², [frames, n_fft/2 + 1] row-major: periodic Hann window, centred frames. */
export function powerSpectrogram(y: Float32Array, config: Pick<AudioFeatureConfig, 'frameLength' | 'hopLength' | 'padMode'>): { data: Float64Array; frames: number; bins: number } {
  const { frameLength: nFft, hopLength: hop, padMode } = config;
  const frames = frameCount(y.length, hop);
  const bins = nFft / 2 + 1;
  const fft = new RealFft(nFft);
  const window = new Float64Array(nFft);
  for (let i = 0; i < nFft; i++) window[i] = 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / nFft); // scipy hann, fftbins=True
  const frame = new Float64Array(nFft);
  const row = new Float64Array(bins);
  const data = new Float64Array(frames * bins);
  const half = nFft / 2;
  for (let t = 0; t < frames; t++) {
    const start = t * hop - half;
    for (let i = 0; i < nFft; i++) {
      const j = start + i;
      const v = j >= 0 && j < y.length ? (y[j] as number) : padMode === 'constant' ? 0 : (y[padIndex(j, y.length, 'reflect')] as number);
      frame[i] = v * (window[i] as number);
    }
    fft.power(frame, row);
    data.set(row, t * bins);
  }
  return { data, frames, bins };
}

/** librosa.feature.zero_crossing_rate (center=True: edge padding; threshold 1e-10; crossings / frame length). */
export function zeroCrossingRate(y: Float32Array, frameLength: number, hop: number): Float64Array {
  const frames = frameCount(y.length, hop);
  const out = new Float64Array(frames);
  const half = Math.floor(frameLength / 2);
  // signbit after values within ±1e-10 are set to +0 (zero counts as positive)
  const neg = (j: number): boolean => {
    const v = y[padIndex(j, y.length, 'edge')] as number;
    return Math.abs(v) <= 1e-10 ? false : v < 0;
  };
  for (let t = 0; t < frames; t++) {
    const start = t * hop - half;
    let count = 0;
    let prev = neg(start);
    for (let i = 1; i < frameLength; i++) {
      const cur = neg(start + i);
      if (cur !== prev) count += 1;
      prev = cur;
    }
    out[t] = count / frameLength; // librosa pads the crossing vector with a leading False
  }
  return out;
}

const hzToMelHtk = (f: number): number => 2595 * Math.log10(1 + f / 700);
const melToHzHtk = (m: number): number => 700 * (10 ** (m / 2595) - 1);
// Slaney's auditory-toolbox mel: linear below 1 kHz, logarithmic above
const F_SP = 200 / 3;
const MIN_LOG_HZ = 1000;
const MIN_LOG_MEL = MIN_LOG_HZ / F_SP;
const LOGSTEP = Math.log(6.4) / 27;
const hzToMelSlaney = (f: number): number => (f >= MIN_LOG_HZ ? MIN_LOG_MEL + Math.log(f / MIN_LOG_HZ) / LOGSTEP : f / F_SP);
const melToHzSlaney = (m: number): number => (m >= MIN_LOG_MEL ? MIN_LOG_HZ * Math.exp(LOGSTEP * (m - MIN_LOG_MEL)) : F_SP * m);

/** librosa.filters.mel (fmin 0, fmax sr/2, norm='slaney'): [nMels, n_fft/2 + 1] row-major. */
export function melFilterBank(sampleRate: number, nFft: number, nMels: number, scale: 'htk' | 'slaney'): Float64Array {
  const toMel = scale === 'htk' ? hzToMelHtk : hzToMelSlaney;
  const toHz = scale === 'htk' ? melToHzHtk : melToHzSlaney;
  const bins = nFft / 2 + 1;
  const maxMel = toMel(sampleRate / 2);
  const melF = Array.from({ length: nMels + 2 }, (_, i) => toHz((maxMel * i) / (nMels + 1)));
  const weights = new Float64Array(nMels * bins);
  for (let m = 0; m < nMels; m++) {
    const lo = melF[m] as number;
    const ce = melF[m + 1] as number;
    const hi = melF[m + 2] as number;
    const enorm = 2 / (hi - lo); // Slaney: constant energy per band
    for (let k = 0; k < bins; k++) {
      const f = (k * sampleRate) / nFft;
      const lower = (f - lo) / (ce - lo);
      const upper = (hi - f) / (hi - ce);
      weights[m * bins + k] = Math.max(0, Math.min(lower, upper)) * enorm;
    }
  }
  return weights;
}

/** scipy DCT-II, norm='ortho', first `keep` coefficients of a length-n vector. */
function dctOrthoMatrix(n: number, keep: number): Float64Array {
  const m = new Float64Array(keep * n);
  for (let k = 0; k < keep; k++) {
    const scale = k === 0 ? Math.sqrt(1 / n) : Math.sqrt(2 / n);
    for (let i = 0; i < n; i++) m[k * n + i] = scale * Math.cos((Math.PI * k * (2 * i + 1)) / (2 * n));
  }
  return m;
}

/**
 * librosa.feature.mfcc from a power spectrogram: mel power → power_to_db (ref 1, amin 1e-10,
 * top_db over the whole clip) → DCT-II ortho over the mel axis → first nMfcc. [frames, nMfcc].
 */
export function mfccFromPower(power: { data: Float64Array; frames: number; bins: number }, config: Pick<AudioFeatureConfig, 'sampleRate' | 'frameLength' | 'nMels' | 'nMfcc' | 'melScale' | 'topDb'>): Float64Array {
  const { frames, bins } = power;
  const fb = melFilterBank(config.sampleRate, config.frameLength, config.nMels, config.melScale);
  const db = new Float64Array(frames * config.nMels);
  let max = -Infinity;
  for (let t = 0; t < frames; t++) {
    for (let m = 0; m < config.nMels; m++) {
      let s = 0;
      for (let k = 0; k < bins; k++) s += (fb[m * bins + k] as number) * (power.data[t * bins + k] as number);
      const v = 10 * Math.log10(Math.max(1e-10, s));
      db[t * config.nMels + m] = v;
      if (v > max) max = v;
    }
  }
  const floor = max - config.topDb;
  for (let i = 0; i < db.length; i++) if ((db[i] as number) < floor) db[i] = floor;
  const dct = dctOrthoMatrix(config.nMels, config.nMfcc);
  const out = new Float64Array(frames * config.nMfcc);
  for (let t = 0; t < frames; t++) {
    for (let k = 0; k < config.nMfcc; k++) {
      let s = 0;
      for (let m = 0; m < config.nMels; m++) s += (dct[k * config.nMels + m] as number) * (db[t * config.nMels + m] as number);
      out[t * config.nMfcc + k] = s;
    }
  }
  return out;
}

/** librosa.filters.chroma (ctroct 5, octwidth 2, norm 2, base_c): [nChroma, n_fft/2 + 1]. */
export function chromaFilterBank(sampleRate: number, nFft: number, nChroma: number, tuning: number): Float64Array {
  const a440 = 440 * 2 ** (tuning / nChroma);
  const frqbins = new Float64Array(nFft);
  for (let k = 1; k < nFft; k++) frqbins[k] = nChroma * Math.log2((k * sampleRate) / nFft / (a440 / 16));
  frqbins[0] = (frqbins[1] as number) - 1.5 * nChroma; // 0 Hz: 1.5 octaves below bin 1
  const width = new Float64Array(nFft);
  for (let k = 0; k < nFft - 1; k++) width[k] = Math.max((frqbins[k + 1] as number) - (frqbins[k] as number), 1);
  width[nFft - 1] = 1;
  const half = Math.round(nChroma / 2);
  const wts = new Float64Array(nChroma * nFft);
  for (let k = 0; k < nFft; k++) {
    let norm = 0;
    for (let c = 0; c < nChroma; c++) {
      const x = (frqbins[k] as number) - c + half + 10 * nChroma;
      const d = x - nChroma * Math.floor(x / nChroma) - half; // np.remainder, then recentre
      const w = Math.exp(-0.5 * ((2 * d) / (width[k] as number)) ** 2);
      wts[c * nFft + k] = w;
      norm += w * w;
    }
    norm = Math.sqrt(norm);
    const octave = Math.exp(-0.5 * (((frqbins[k] as number) / nChroma - 5) / 2) ** 2);
    for (let c = 0; c < nChroma; c++) wts[c * nFft + k] = ((wts[c * nFft + k] as number) / norm) * octave;
  }
  // base_c: roll so that row 0 is C (the raw bank starts at A)
  const shift = 3 * Math.floor(nChroma / 12);
  const bins = nFft / 2 + 1;
  const out = new Float64Array(nChroma * bins);
  for (let c = 0; c < nChroma; c++) {
    const src = (c + shift) % nChroma;
    for (let k = 0; k < bins; k++) out[c * bins + k] = wts[src * nFft + k] as number;
  }
  return out;
}

/**
 * librosa.util.normalize(norm=inf, axis=0) on chroma rows [frames, n] in place: each frame scaled
 * to max |value| 1; a frame whose max is below float32's tiny is left as it is.
 */
function normalizeFramesInf(chroma: Float64Array, frames: number, n: number): void {
  const tiny = 1.1754943508222875e-38; // np.finfo(float32).tiny
  for (let t = 0; t < frames; t++) {
    let max = 0;
    for (let c = 0; c < n; c++) max = Math.max(max, Math.abs(chroma[t * n + c] as number));
    if (max >= tiny) for (let c = 0; c < n; c++) chroma[t * n + c] = (chroma[t * n + c] as number) / max;
  }
}

/** librosa.feature.chroma_stft (power 2, tuning fixed, each frame scaled to max 1): [frames, nChroma]. */
export function chromaFromPower(power: { data: Float64Array; frames: number; bins: number }, config: Pick<AudioFeatureConfig, 'sampleRate' | 'frameLength' | 'nChroma' | 'tuning'>): Float64Array {
  const { frames, bins } = power;
  const n = config.nChroma;
  const fb = chromaFilterBank(config.sampleRate, config.frameLength, n, config.tuning);
  const out = new Float64Array(frames * n);
  for (let t = 0; t < frames; t++) {
    for (let c = 0; c < n; c++) {
      let s = 0;
      for (let k = 0; k < bins; k++) s += (fb[c * bins + k] as number) * (power.data[t * bins + k] as number);
      out[t * n + c] = s;
    }
  }
  normalizeFramesInf(out, frames, n);
  return out;
}

/** CQT_BINS_PER_OCTAVE and CQT_BINS: librosa.feature.chroma_cqt's defaults (36 per octave, 7 octaves from C1). */
export const CQT_BINS_PER_OCTAVE = 36;
export const CQT_BINS = 252;
const C1_HZ = 32.70319566257483; // librosa.note_to_hz('C1')

/**
 * Chroma of a direct constant-Q transform, [frames, nChroma] (frames = 1 + ⌊n / hop⌋, centred at
 * t·hop). Bin k (f_k = C1 · 2^((k + tuning·3) / 36)) has librosa's filter: length
 * L_k = Q · sr / f_k with Q = 1 / (2^(1/36) − 1), taps n = ⌊−L_k/2⌋ … ⌊L_k/2⌋ − 1, a periodic Hann
 * window times e^(2πi f_k n / sr), scaled to unit L1 norm; |Σ_m y[c + n_m] w_m| · sqrt(L_k) with y
 * zero outside the signal (cqt(scale=True)). Then librosa's cq_to_chroma (each chroma class sums
 * its 3 bins per octave, centred) and each frame scaled to max 1, as chroma_stft.
 */
export function chromaCqt(y: Float32Array, config: Pick<AudioFeatureConfig, 'sampleRate' | 'hopLength' | 'nChroma' | 'tuning'>): Float64Array {
  const bpo = CQT_BINS_PER_OCTAVE;
  const n = config.nChroma;
  if (bpo % n !== 0) throw new Error(`chroma cqt: ${bpo} bins per octave do not split into ${n} chroma classes`);
  const sr = config.sampleRate;
  const frames = frameCount(y.length, config.hopLength);
  const fmin = C1_HZ * 2 ** ((config.tuning * (bpo / n)) / bpo);
  const q = 1 / (2 ** (1 / bpo) - 1);
  const cq = new Float64Array(CQT_BINS * frames);
  for (let k = 0; k < CQT_BINS; k++) {
    const f = fmin * 2 ** (k / bpo);
    const len = (q * sr) / f;
    const first = Math.floor(-len / 2);
    const taps = Math.floor(len / 2) - first; // numpy.arange(-len // 2, len // 2) with float len
    const re = new Float64Array(taps);
    const im = new Float64Array(taps);
    let l1 = 0;
    for (let m = 0; m < taps; m++) {
      const w = 0.5 - 0.5 * Math.cos((2 * Math.PI * m) / taps); // scipy hann(taps, sym=False)
      const phase = (2 * Math.PI * f * (first + m)) / sr;
      re[m] = w * Math.cos(phase);
      im[m] = w * Math.sin(phase);
      l1 += w;
    }
    const scale = Math.sqrt(len) / l1;
    for (let t = 0; t < frames; t++) {
      const start = t * config.hopLength + first;
      const m0 = Math.max(0, -start);
      const m1 = Math.min(taps, y.length - start);
      let sr0 = 0;
      let si0 = 0;
      for (let m = m0; m < m1; m++) {
        const v = y[start + m] as number;
        sr0 += v * (re[m] as number);
        si0 += v * (im[m] as number);
      }
      cq[k * frames + t] = Math.hypot(sr0, si0) * scale;
    }
  }
  // cq_to_chroma: class c collects bins whose (index + centre offset) // (bpo / n) ≡ c (mod n)
  const per = bpo / n;
  const shift = Math.floor(per / 2);
  const out = new Float64Array(frames * n);
  for (let t = 0; t < frames; t++) {
    for (let k = 0; k < CQT_BINS; k++) {
      const c = Math.floor(((k + shift) % bpo) / per);
      out[t * n + c] = (out[t * n + c] as number) + (cq[k * frames + t] as number);
    }
  }
  normalizeFramesInf(out, frames, n);
  return out;
}

export interface AudioFeatures {
  /** [frames, 1 + nMfcc + nChroma] row-major */
  data: Float32Array;
  frames: number;
  dim: number;
}

/**
 * All frames of a signal already at config.sampleRate: [zcr, mfcc…, chroma…] per frame (no
 * truncation here; the caller keeps the first N).
 */
export function audioFeatures(y: Float32Array, config: Readonly<AudioFeatureConfig> = AUDIO_DEFAULTS): AudioFeatures {
  if (y.length < 2) throw new Error(`audio of ${y.length} samples: too short to analyse`);
  const zcr = zeroCrossingRate(y, config.frameLength, config.hopLength);
  const power = powerSpectrogram(y, config);
  const mfcc = mfccFromPower(power, config);
  const chroma = config.chroma === 'cqt' ? chromaCqt(y, config) : chromaFromPower(power, config);
  const dim = 1 + config.nMfcc + config.nChroma;
  const frames = power.frames;
  const data = new Float32Array(frames * dim);
  for (let t = 0; t < frames; t++) {
    data[t * dim] = zcr[t] as number;
    for (let k = 0; k < config.nMfcc; k++) data[t * dim + 1 + k] = mfcc[t * config.nMfcc + k] as number;
    for (let c = 0; c < config.nChroma; c++) data[t * dim + 1 + config.nMfcc + c] = chroma[t * config.nChroma + c] as number;
  }
  return { data, frames, dim };
}
