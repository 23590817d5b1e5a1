// Typed, validated access to the fields of an unpickled dataset dict. Every failure is one Error
// that names the file, the field (`train.audio`) and what was expected; warnings (−inf replaced,
// lengths clamped) are counted, kept in `notes` and printed once to stderr.
import { NdArray, describeJs } from './ndarray';
import type { PyDict, PyValue } from './pickle';
import { SPLIT_NAMES, type Clip, type SplitName } from './types';

/** The clips of one split (or of an unlabeled pickle) with their feature dims and a shape summary. */
export interface SplitPart {
  clips: Clip[];
  audioDim: number;
  visualDim: number;
  summary: string;
}

/** A 3-D feature array [N, T, d] as float32, C order, −inf already replaced by 0. */
export interface FeatureArray {
  data: Float32Array; // [N, T, d] row-major
  n: number;
  t: number;
  d: number;
}

export class PickleFields {
  readonly notes: string[] = [];

  constructor(readonly file: string) {}

  fail(field: string, message: string): never {
    throw new Error(`${this.file}: ${field === '' ? '' : field + ' '}${message}`);
  }

  warn(message: string): void {
    this.notes.push(message);
    process.stderr.write(`${this.file}: ${message}\n`);
  }

  /**
   * The three split dicts of a labeled pickle, each read by `read`; every split must have the
   * train split's feature dims (`visualKey` names the visual field in errors: video or vision).
   */
  splits(
    top: PyDict,
    expected: string,
    visualKey: string,
    read: (d: PyDict, split: SplitName) => SplitPart,
  ): { splits: Record<SplitName, Clip[]>; summaries: string[]; audioDim: number; visualDim: number } {
    const splits = {} as Record<SplitName, Clip[]>;
    const summaries: string[] = [];
    let dims: { audio: number; visual: number; where: string } | null = null;
    for (const split of SPLIT_NAMES) {
      const part = read(this.dict(this.key(top, split, '', expected), split, expected), split);
      if (dims !== null && (part.audioDim !== dims.audio || part.visualDim !== dims.visual)) {
        this.fail(split, `has feature dims audio ${part.audioDim} / ${visualKey} ${part.visualDim} but ${dims.where} has ${dims.audio} / ${dims.visual}`);
      }
      dims ??= { audio: part.audioDim, visual: part.visualDim, where: split };
      splits[split] = part.clips;
      summaries.push(`${split} ${part.clips.length} (${part.summary})`);
    }
    const d = dims as { audio: number; visual: number };
    return { splits, summaries, audioDim: d.audio, visualDim: d.visual };
  }

  /** A dict; `field` '' is the top level. */
  dict(v: PyValue, field: string, expected: string): PyDict {
    if (v instanceof Map) return v;
    this.fail(field === '' ? 'top level' : field, `is ${describePy(v)} but expected a dict (${expected})`);
  }

  key(d: PyDict, key: string, parent: string, expected: string): PyValue {
    const v = d.get(key);
    if (v !== undefined) return v;
    const where = parent === '' ? key : `${parent}.${key}`;
    const keys = [...d.keys()].map(String).join(', ');
    this.fail('', `missing key "${where}" (expected ${expected}); ${parent === '' ? 'the top-level dict' : parent} has keys: ${keys || '(none)'}`);
  }

  /** [N, T, d] numeric array → float32; NaN/+inf are errors, −inf become 0 with a warning. */
  features(v: PyValue, field: string, n: number | null): FeatureArray {
    const expected = '[N, T, d] (3-D float array)';
    if (!(v instanceof NdArray)) this.fail(field, `is ${describePy(v)} but expected ${expected}`);
    if (v.ndim !== 3 || !v.isNumeric) {
      this.fail(field, `has shape [${v.shape.join(',')}] (${v.dtype}) but expected ${expected}`);
    }
    const [rows, t, d] = v.shape as [number, number, number];
    if (n !== null && rows !== n) this.fail(field, `has N=${rows} clips (shape [${v.shape.join(',')}]) but the split has N=${n}`);
    this.load(v, field);
    const src = v.data as Exclude<NdArray['data'], PyValue[]>;
    // Float32Array input is used in place (the array is ours); anything else is converted once.
    const data = src instanceof Float32Array ? src : new Float32Array(src);
    let bad = 0;
    let firstBad = -1;
    let negInf = 0;
    for (let i = 0; i < data.length; i++) {
      const x = data[i] as number;
      if (x - x === 0) continue; // finite
      if (x === -Infinity) {
        data[i] = 0;
        negInf++;
      } else {
        if (firstBad < 0) firstBad = i;
        bad++;
      }
    }
    if (bad > 0) {
      const pos = [Math.floor(firstBad / (t * d)), Math.floor(firstBad / d) % t, firstBad % d];
      const what = Number.isNaN(data[firstBad]) ? 'NaN' : '+inf';
      this.fail(
        field,
        `has ${bad} NaN/+inf value(s) (first: ${what} at [${pos.join(', ')}]); features must be finite` +
          (src instanceof Float32Array ? '' : ' (float64 values beyond the float32 range count as +inf)'),
      );
    }
    if (negInf > 0) this.warn(`replaced ${negInf} -inf values with 0 in ${field}`);
    return { data, n: rows, t, d };
  }

  /** A list (or 1-D str/object array) of non-empty strings. */
  texts(v: PyValue, field: string, n: number | null, allowEmpty = false): string[] {
    if (v instanceof NdArray) this.load(v, field);
    const items = listItems(v);
    if (items === null) this.fail(field, `is ${describePy(v)} but expected a list of N str`);
    if (n !== null && items.length !== n) this.fail(field, `has N=${items.length} entries but the split has N=${n}`);
    let empty = 0;
    let firstEmpty = -1;
    const out = new Array<string>(items.length);
    for (let i = 0; i < items.length; i++) {
      const s = items[i];
      if (typeof s !== 'string') this.fail(`${field}[${i}]`, `is ${describePy(s)} but expected a str`);
      if (!allowEmpty && s.trim() === '') {
        if (firstEmpty < 0) firstEmpty = i;
        empty++;
      }
      out[i] = s;
    }
    if (empty > 0) {
      this.fail(field, `has ${empty} empty or whitespace-only string(s), first at index ${firstEmpty} (expected non-empty text)`);
    }
    return out;
  }

  /**
   * N numbers from a list of numbers or a numeric array of shape (N,), (N,1) or (N,1,1).
   * Non-finite values are errors.
   */
  numbers(v: PyValue, field: string, n: number | null, expected: string): Float64Array {
    let out: Float64Array;
    if (v instanceof NdArray) {
      const okShape = v.ndim >= 1 && v.shape.slice(1).every((s) => s === 1);
      if (!v.isNumeric || !okShape) {
        this.fail(field, `has shape [${v.shape.join(',')}] (${v.dtype}) but expected ${expected}`);
      }
      this.load(v, field);
      out = Float64Array.from(v.data as ArrayLike<number>);
    } else {
      const items = listItems(v);
      if (items === null) this.fail(field, `is ${describePy(v)} but expected ${expected}`);
      out = new Float64Array(items.length);
      for (let i = 0; i < items.length; i++) {
        let x = items[i];
        // [[y]] and [y] per clip (lists of (1,) or (1,1) arrays / lists) count as scalars.
        while (Array.isArray(x) && x.length === 1) x = x[0];
        if (x instanceof NdArray && x.size === 1 && x.isNumeric) x = (x.data as ArrayLike<number>)[0] as number;
        if (typeof x === 'boolean') x = x ? 1 : 0;
        if (typeof x === 'bigint') x = Number(x);
        if (typeof x !== 'number') this.fail(`${field}[${i}]`, `is ${describePy(x)} but expected a number (${expected})`);
        out[i] = x;
      }
    }
    if (n !== null && out.length !== n) this.fail(field, `has N=${out.length} values but the split has N=${n}`);
    let bad = 0;
    let first = -1;
    for (let i = 0; i < out.length; i++) {
      if (!Number.isFinite(out[i] as number)) {
        if (first < 0) first = i;
        bad++;
      }
    }
    if (bad > 0) this.fail(field, `has ${bad} NaN/inf value(s), first at index ${first} (${out[first]})`);
    return out;
  }

  /** Reads an array's data if the lazy load left it in the file; errors name the field. */
  load(v: NdArray, field: string): NdArray {
    try {
      return v.loadData();
    } catch (err) {
      this.fail(field, `could not be read: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  /** Labels in [−3, 3] (1e-4 slack for float32 rounding). */
  labels(v: PyValue, field: string, n: number): Float64Array {
    const y = this.numbers(v, field, n, 'N sentiment scores in [-3, 3], shape (N,), (N,1) or (N,1,1)');
    for (let i = 0; i < y.length; i++) {
      const x = y[i] as number;
      if (x < -3.0001 || x > 3.0001) this.fail(`${field}[${i}]`, `= ${x} is outside the sentiment range [-3, 3]`);
    }
    return y;
  }

  /** Frame counts in [0, T]; larger values are clamped to T with one counted warning. */
  lengths(v: PyValue, field: string, n: number, t: number): Int32Array {
    const raw = this.numbers(v, field, n, `N integer lengths in [0, ${t}]`);
    const out = new Int32Array(n);
    let clamped = 0;
    for (let i = 0; i < n; i++) {
      const x = raw[i] as number;
      if (!Number.isInteger(x) || x < 0) this.fail(`${field}[${i}]`, `= ${x} is not a frame count in [0, T=${t}]`);
      if (x > t) clamped++;
      out[i] = Math.min(x, t);
    }
    if (clamped > 0) this.warn(`clamped ${clamped} ${field} values above T=${t} to ${t}`);
    return out;
  }
}

/** Items of a Python list/tuple or of a 1-D str/object numpy array; null otherwise. */
export function listItems(v: PyValue): PyValue[] | null {
  if (Array.isArray(v)) return v;
  if (v instanceof NdArray && v.ndim === 1 && Array.isArray(v.data)) return v.data;
  return null;
}

export function describePy(v: PyValue | undefined): string {
  if (v === undefined) return 'missing';
  if (typeof v === 'number') return Number.isInteger(v) ? `an int (${v})` : `a float (${v})`;
  if (typeof v === 'string') return `a str (${JSON.stringify(v.length > 30 ? v.slice(0, 30) + '…' : v)})`;
  if (typeof v === 'boolean') return `a bool (${v ? 'True' : 'False'})`;
  if (v instanceof NdArray) return `an ndarray of ${v.dtype} with shape [${v.shape.join(',')}]`;
  return describeJs(v);
}

/** Real length of a zero-padded clip: index of the last frame with any non-zero value, plus 1. */
export function trailingLength(data: Float32Array, clip: number, t: number, d: number): number {
  const base = clip * t * d;
  for (let frame = t - 1; frame >= 0; frame--) {
    const start = base + frame * d;
    for (let k = 0; k < d; k++) if (data[start + k] !== 0) return frame + 1;
  }
  return 0;
}
