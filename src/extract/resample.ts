// Band-limited resampling as resampy 0.2's 'kaiser_best' filter, librosa 0.9's default for
// librosa.load (the MIRD authors' pins: librosa 0.9.1, resampy 0.2.2):
//   a windowed sinc with 64 zero crossings, Kaiser window β = 14.7697, roll-off 0.94759, tabulated
//   at 2^9 points per zero crossing and linearly interpolated; for downsampling the filter is
//   stretched by the rate ratio (and scaled by it). Output length ⌈n·ratio⌉ (librosa's
//   fix_length pads resampy's ⌊n·ratio⌋ with a zero).
// The table is computed here rather than read from resampy's shipped .npz; both evaluate the
// same formula (sinc_window), so they agree to float64 rounding.

const NUM_ZEROS = 64;
const PRECISION = 9;
const BETA = 14.769656459379492;
const ROLLOFF = 0.9475937167399596;

/** Modified Bessel function of the first kind, order 0 (power series; converges for any x). */
export function besselI0(x: number): number {
  let sum = 1;
  let term = 1;
  const q = (x * x) / 4;
  for (let k = 1; k < 500; k++) {
    term *= q / (k * k);
    sum += term;
    if (term < sum * 1e-17) break;
  }
  return sum;
}

let table: Float64Array | null = null;

/** resampy.filters.sinc_window(64, 9, kaiser(β), rolloff): the right half of the filter. */
export function kaiserBestWindow(): Float64Array {
  if (table !== null) return table;
  const bitsPer = 2 ** PRECISION;
  const n = bitsPer * NUM_ZEROS;
  const win = new Float64Array(n + 1);
  const i0b = besselI0(BETA);
  for (let i = 0; i <= n; i++) {
    const x = ROLLOFF * (i / bitsPer);
    const sinc = x === 0 ? 1 : Math.sin(Math.PI * x) / (Math.PI * x);
    const r = i / n;
    const taper = besselI0(BETA * Math.sqrt(Math.max(0, 1 - r * r))) / i0b;
    win[i] = ROLLOFF * sinc * taper;
  }
  table = win;
  return win;
}

/** resampy.resample(x, from, to, filter='kaiser_best') then librosa's fix_length to ⌈n·to/from⌉. */
export function resampleKaiserBest(x: Float32Array, from: number, to: number): Float32Array {
  if (!(from > 0) || !(to > 0)) throw new Error(`resample: rates must be positive (got ${from} → ${to})`);
  const ratio = to / from;
  const base = kaiserBestWindow();
  const win = new Float64Array(base.length);
  for (let i = 0; i < base.length; i++) win[i] = ratio < 1 ? (base[i] as number) * ratio : (base[i] as number);
  const delta = new Float64Array(win.length);
  for (let i = 0; i < win.length - 1; i++) delta[i] = (win[i + 1] as number) - (win[i] as number);
  const numTable = 2 ** PRECISION;
  const nOut = Math.floor(x.length * ratio);
  const nFixed = Math.ceil(x.length * ratio);
  const y = new Float32Array(nFixed);
  const scale = Math.min(1, ratio);
  const timeIncrement = 1 / ratio;
  const indexStep = Math.floor(scale * numTable);
  const nwin = win.length;
  const nOrig = x.length;
  let timeRegister = 0;
  for (let t = 0; t < nOut; t++) {
    const n = Math.floor(timeRegister);
    // left wing: x[n], x[n-1], …
    let frac = scale * (timeRegister - n);
    let indexFrac = frac * numTable;
    let offset = Math.floor(indexFrac);
    let eta = indexFrac - offset;
    const iMax = Math.min(n + 1, Math.floor((nwin - offset) / indexStep));
    let acc = 0;
    for (let i = 0; i < iMax; i++) {
      const j = offset + i * indexStep;
      acc += ((win[j] as number) + eta * (delta[j] as number)) * (x[n - i] as number);
    }
    // right wing: x[n+1], x[n+2], …
    frac = scale - frac;
    indexFrac = frac * numTable;
    offset = Math.floor(indexFrac);
    eta = indexFrac - offset;
    const kMax = Math.min(nOrig - n - 1, Math.floor((nwin - offset) / indexStep));
    for (let k = 0; k < kMax; k++) {
      const j = offset + k * indexStep;
      acc += ((win[j] as number) + eta * (delta[j] as number)) * (x[n + k + 1] as number);
    }
    y[t] = acc;
    timeRegister += timeIncrement;
  }
  return y;
}
