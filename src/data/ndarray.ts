// numpy arrays as they come out of a pickle, rebuilt without numpy.
//
// How numpy pickles an array (numpy 1.x module `numpy.core`, numpy ≥ 2 `numpy._core`):
//   protocols 2–4: `multiarray._reconstruct(ndarray, (0,), b'b')` → an empty array object, then
//     BUILD with the state tuple (version=1, shape, dtype, is_fortran, rawdata). `rawdata` is the
//     element bytes (protocol 2 spells bytes as `_codecs.encode(latin-1 str, 'latin1')`; a Python 2
//     pickle as a plain str) or, for dtype 'O', a list of Python objects.
//   protocol 5: `numeric._frombuffer(buffer, dtype, shape, order)`; in-band the buffer is a
//     BYTEARRAY8 / BINBYTES (out-of-band buffers are not supported).
//   dtype: `numpy.dtype(typestr, False, True)` (typestr = kind + itemsize: 'f4', 'i8', 'b1', 'O8',
//     'U5' in characters), then BUILD with (version, byteorder '<' '>' '|' '=', subarray, names,
//     fields, elsize, alignment, flags); elsize gives the byte size of 'U'/'S' items.
//   scalars: `multiarray.scalar(dtype, bytes)`.
// Every array here is returned in C (row-major) order: Fortran-ordered data is transposed on load.
// Numeric data keeps its dtype where JS has a typed array for it; int64/uint64 become Float64Array
// (exact up to 2^53) and float16 becomes Float32Array. 'U' and 'S' arrays become string[] (UTF-32
// and UTF-8 decoded, trailing NULs stripped), 'O' arrays the list of unpickled objects.
import { closeSync, openSync, readSync } from 'node:fs';
import type { PyValue } from './pickle';

export type NumericData =
  | Float32Array
  | Float64Array
  | Int8Array
  | Int16Array
  | Int32Array
  | Uint8Array
  | Uint16Array
  | Uint32Array;

export type NdData = NumericData | PyValue[];

const KIND_NAMES: Record<string, Record<number, string>> = {
  f: { 2: 'float16', 4: 'float32', 8: 'float64' },
  i: { 1: 'int8', 2: 'int16', 4: 'int32', 8: 'int64' },
  u: { 1: 'uint8', 2: 'uint16', 4: 'uint32', 8: 'uint64' },
  b: { 1: 'bool' },
};

/** A numpy dtype as pickled: kind letter, item size in bytes, byte order. */
export class NpDType {
  kind: string;
  itemsize: number;
  byteorder: string;

  constructor(typestr: unknown) {
    if (typeof typestr !== 'string') throw new Error(`numpy.dtype: expected a type string, got ${describeJs(typestr)}`);
    const m = /^([<>|=]?)([a-zA-Z])(\d*)$/.exec(typestr);
    if (m === null) throw new Error(`numpy.dtype: unsupported type string "${typestr}"`);
    this.byteorder = m[1] === '' ? '=' : (m[1] as string);
    this.kind = m[2] as string;
    const n = m[3] === '' ? 0 : Number(m[3]);
    // 'U5' counts characters (4 bytes each); every other kind counts bytes.
    this.itemsize = this.kind === 'U' ? n * 4 : n;
  }

  /** BUILD state: (version, byteorder, subarray, names, fields, elsize, alignment, flags). */
  __setstate__(state: unknown): void {
    if (!Array.isArray(state)) return;
    const s = state as PyValue[];
    // Version-0/1 states have no leading version int; numpy ≥ 1.7 writes version 3 or 4.
    const off = typeof s[0] === 'number' ? 1 : 0;
    const order = s[off];
    if (typeof order === 'string') this.byteorder = order;
    const elsize = s[off + 4];
    if ((this.kind === 'U' || this.kind === 'S' || this.kind === 'V') && typeof elsize === 'number' && elsize > 0) {
      this.itemsize = elsize;
    }
    const sub = s[off + 1];
    const names = s[off + 2];
    if ((sub !== null && sub !== undefined) || (names !== null && names !== undefined)) {
      throw new Error('numpy structured or sub-array dtypes are not supported');
    }
  }

  /** numpy's name: 'float32', 'int64', 'bool', 'object', 'str', 'bytes'. */
  get name(): string {
    if (this.kind === 'O') return 'object';
    if (this.kind === 'U') return 'str';
    if (this.kind === 'S') return 'bytes';
    const named = KIND_NAMES[this.kind]?.[this.itemsize];
    return named ?? `${this.kind}${this.itemsize}`;
  }

  get bigEndian(): boolean {
    return this.byteorder === '>' && this.itemsize > 1;
  }
}

/**
 * Element bytes that `scanPickle` seeked over instead of reading: where they lie in the file.
 * A zero-length Uint8Array so that it travels through the unpickler like any bytes value.
 */
export class SkippedBytes extends Uint8Array {
  constructor(
    readonly path: string,
    readonly offset: number,
    readonly skippedLength: number,
  ) {
    super(0);
  }
}

/** Where an array's element bytes are in the file, for arrays whose data is read on demand. */
export interface ArraySource {
  path: string;
  offset: number;
  length: number;
  dtype: NpDType;
  fortran: boolean;
}

/**
 * An n-dimensional numpy array in C order. `data.length` equals the product of `shape` (1 for
 * a 0-d array). Arrays from `scanPickle` may have `hasData = false`: their bytes were not read;
 * `loadData()` reads them from the file when `source` is known.
 */
export class NdArray {
  dtype = 'float64';
  shape: number[] = [];
  data: NdData = new Float64Array(0);
  hasData = true;
  /** set while the data is still in the file (scanPickle of a protocol ≥ 3 pickle) */
  source: ArraySource | null = null;
  private readonly scanned: boolean;

  /** `scanned`: built by scanPickle, where empty raw data for a non-empty array means "skipped". */
  constructor(scanned = false) {
    this.scanned = scanned;
  }

  get size(): number {
    return this.shape.reduce((a, b) => a * b, 1);
  }

  get ndim(): number {
    return this.shape.length;
  }

  /** True for numeric (typed-array) data, false for str/bytes/object arrays. */
  get isNumeric(): boolean {
    return this.dtype !== 'object' && this.dtype !== 'str' && this.dtype !== 'bytes';
  }

  /** BUILD state of `_reconstruct`: (version, shape, dtype, is_fortran, rawdata). */
  __setstate__(state: unknown): void {
    if (!Array.isArray(state)) throw new Error(`numpy array state: expected a tuple, got ${describeJs(state)}`);
    const s = state as PyValue[];
    const off = s.length === 5 ? 1 : 0; // pre-1.x states have no version field
    const shape = s[off];
    const dtype = s[off + 1];
    const fortran = s[off + 2];
    const raw = s[off + 3];
    if (!(dtype instanceof NpDType)) throw new Error('numpy array state: the dtype is not a numpy.dtype');
    this.fill(toShape(shape), dtype, fortran === true || fortran === 1, raw);
  }

  /** Sets shape, dtype and data from raw element bytes (or a list for object arrays). */
  fill(shape: number[], dtype: NpDType, fortran: boolean, raw: unknown): void {
    this.shape = shape;
    this.dtype = dtype.name;
    const size = this.size;
    if (raw instanceof SkippedBytes) {
      this.hasData = false;
      this.data = new Float64Array(0);
      this.source = { path: raw.path, offset: raw.offset, length: raw.skippedLength, dtype, fortran };
      return;
    }
    let data: NdData;
    if (dtype.kind === 'O') {
      if (!Array.isArray(raw)) throw new Error(`numpy object array: expected a list of items, got ${describeJs(raw)}`);
      if (raw.length !== size) throw new Error(`numpy object array: ${raw.length} items for shape [${shape.join(',')}]`);
      data = raw as PyValue[];
    } else {
      const bytes = asBytes(raw);
      if (bytes === null) throw new Error(`numpy array: raw data is ${describeJs(raw)}, expected bytes`);
      if (this.scanned && bytes.byteLength === 0 && size * dtype.itemsize > 0) {
        // scanPickle seeked over a protocol-2 text string: no data and no way to fetch it alone
        this.hasData = false;
        this.data = new Float64Array(0);
        return;
      }
      if (bytes.byteLength !== size * dtype.itemsize) {
        throw new Error(
          `numpy array: ${bytes.byteLength} data bytes for shape [${shape.join(',')}] of ${dtype.name} ` +
            `(expected ${size * dtype.itemsize})`,
        );
      }
      data = decodeElements(bytes, dtype, size);
    }
    this.data = fortran && shape.length > 1 ? fortranToC(data, shape) : data;
    this.hasData = true;
  }

  /** Reads the element bytes of an array from `scanPickle` (no-op when the data is here). */
  loadData(): this {
    if (this.hasData) return this;
    const src = this.source;
    if (src === null) {
      throw new Error(`ndarray ${this.dtype}[${this.shape.join(',')}]: its data was not read and its file position is unknown; use loadPickle`);
    }
    const bytes = Buffer.allocUnsafeSlow(src.length);
    const fd = openSync(src.path, 'r');
    try {
      let done = 0;
      while (done < src.length) {
        const got = readSync(fd, bytes, done, Math.min(src.length - done, 1 << 30), src.offset + done);
        if (got === 0) throw new Error(`${src.path}: file ends before the array data at byte ${src.offset + done}`);
        done += got;
      }
    } finally {
      closeSync(fd);
    }
    this.fill(this.shape, src.dtype, src.fortran, bytes);
    this.source = null;
    return this;
  }
}

/** `numeric._frombuffer(buffer, dtype, shape, order)` (protocol 5). */
export function ndarrayFromBuffer(buf: unknown, dtype: unknown, shape: unknown, order: unknown, scanned = false): NdArray {
  if (!(dtype instanceof NpDType)) throw new Error('numpy _frombuffer: the dtype is not a numpy.dtype');
  const a = new NdArray(scanned);
  a.fill(toShape(shape), dtype, order === 'F', buf);
  return a;
}

/** `multiarray.scalar(dtype, bytes)` → a JS number, boolean or string (object dtype: the object). */
export function numpyScalar(dtype: unknown, raw: unknown): PyValue {
  if (!(dtype instanceof NpDType)) throw new Error('numpy scalar: the dtype is not a numpy.dtype');
  if (dtype.kind === 'O') return raw as PyValue;
  const bytes = asBytes(raw);
  if (bytes === null || bytes.byteLength !== dtype.itemsize) throw new Error(`numpy scalar: bad ${dtype.name} data`);
  const v = decodeElements(bytes, dtype, 1)[0];
  if (dtype.kind === 'b') return v !== 0;
  return v as PyValue;
}

/** Bytes from a bytes-like pickle value (Uint8Array, or a latin-1 str from protocol 2 / Python 2). */
export function asBytes(raw: unknown): Uint8Array | null {
  if (raw instanceof Uint8Array) return raw;
  if (typeof raw === 'string') return Buffer.from(raw, 'latin1');
  return null;
}

function toShape(v: unknown): number[] {
  const list = Array.isArray(v) ? v : [v];
  return list.map((d) => {
    const n = typeof d === 'bigint' ? Number(d) : d;
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 0) throw new Error(`numpy array: bad shape ${describeJs(v)}`);
    return n;
  });
}

/** Little-endian element bytes → typed array; views the bytes when aligned, copies otherwise. */
function decodeElements(bytes: Uint8Array, dtype: NpDType, count: number): NdData {
  const { kind, itemsize } = dtype;
  if (kind === 'U' || kind === 'S') return decodeStrings(bytes, kind, itemsize, count);
  const be = dtype.bigEndian;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (kind === 'f' && itemsize === 2) {
    const out = new Float32Array(count);
    for (let i = 0; i < count; i++) out[i] = halfToFloat(view.getUint16(2 * i, !be));
    return out;
  }
  if ((kind === 'i' || kind === 'u') && itemsize === 8) {
    // int64 → float64: exact for |v| ≤ 2^53, which covers ids, lengths and counts.
    const out = new Float64Array(count);
    const signed = kind === 'i';
    for (let i = 0; i < count; i++) {
      const lo = view.getUint32(8 * i + (be ? 4 : 0), !be);
      const hi = signed ? view.getInt32(8 * i + (be ? 0 : 4), !be) : view.getUint32(8 * i + (be ? 0 : 4), !be);
      out[i] = hi * 4294967296 + lo;
    }
    return out;
  }
  const Typed = typedArrayFor(kind, itemsize, dtype.name);
  // little-endian and aligned: a view on the pickle's bytes, no copy (arrays can be GBs)
  if (!be && bytes.byteOffset % itemsize === 0) return new Typed(bytes.buffer, bytes.byteOffset, count);
  const out = new Typed(count);
  const dst = new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
  if (!be) {
    dst.set(bytes);
    return out;
  }
  // Big-endian: reverse each item's bytes into a native copy.
  for (let i = 0; i < count; i++) {
    const base = i * itemsize;
    for (let b = 0; b < itemsize; b++) dst[base + b] = bytes[base + itemsize - 1 - b] as number;
  }
  return out;
}

interface TypedArrayClass {
  new (count: number): NumericData;
  new (buffer: ArrayBufferLike, byteOffset: number, length: number): NumericData;
}

/** The typed array class holding numpy `kind`/`itemsize` elements natively. */
function typedArrayFor(kind: string, itemsize: number, name: string): TypedArrayClass {
  if (kind === 'f' && itemsize === 4) return Float32Array;
  if (kind === 'f' && itemsize === 8) return Float64Array;
  if (kind === 'i' && itemsize === 1) return Int8Array;
  if (kind === 'i' && itemsize === 2) return Int16Array;
  if (kind === 'i' && itemsize === 4) return Int32Array;
  if ((kind === 'u' || kind === 'b') && itemsize === 1) return Uint8Array;
  if (kind === 'u' && itemsize === 2) return Uint16Array;
  if (kind === 'u' && itemsize === 4) return Uint32Array;
  throw new Error(`numpy dtype ${name} is not supported (supported: float16/32/64, int8–64, uint8–64, bool, str, bytes, object)`);
}

function decodeStrings(bytes: Uint8Array, kind: string, itemsize: number, count: number): string[] {
  const out: string[] = new Array<string>(count);
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let i = 0; i < count; i++) {
    const start = i * itemsize;
    let end = start + itemsize;
    if (kind === 'U') {
      // UTF-32LE code points; trailing NUL code points are padding.
      const cps: number[] = [];
      for (let p = start; p < end; p += 4) cps.push(buf.readUInt32LE(p));
      while (cps.length > 0 && cps[cps.length - 1] === 0) cps.pop();
      out[i] = String.fromCodePoint(...cps);
    } else {
      while (end > start && buf[end - 1] === 0) end--;
      out[i] = buf.toString('utf8', start, end);
    }
  }
  return out;
}

function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * 2 ** -14 * (frac / 1024);
  if (exp === 31) return frac === 0 ? sign * Infinity : NaN;
  return sign * 2 ** (exp - 15) * (1 + frac / 1024);
}

/** Reorders column-major (Fortran) data into row-major order; linear in the element count. */
function fortranToC<T extends NdData>(src: T, shape: number[]): T {
  const n = src.length;
  const out = (Array.isArray(src) ? new Array<PyValue>(n) : new (src.constructor as new (n: number) => NumericData)(n)) as T;
  const nd = shape.length;
  // Fortran strides in elements: stride[0] = 1, stride[k] = stride[k-1]·shape[k-1].
  const fStride = new Array<number>(nd);
  let s = 1;
  for (let k = 0; k < nd; k++) {
    fStride[k] = s;
    s *= shape[k] as number;
  }
  const idx = new Array<number>(nd).fill(0);
  let fOff = 0;
  for (let c = 0; c < n; c++) {
    (out as unknown as { [i: number]: unknown })[c] = (src as unknown as { [i: number]: unknown })[fOff];
    // Advance the C-order multi-index (last axis fastest), tracking the Fortran offset.
    for (let k = nd - 1; k >= 0; k--) {
      idx[k] = (idx[k] as number) + 1;
      fOff += fStride[k] as number;
      if ((idx[k] as number) < (shape[k] as number)) break;
      fOff -= (idx[k] as number) * (fStride[k] as number);
      idx[k] = 0;
    }
  }
  return out;
}

export function describeJs(v: unknown): string {
  if (v === null) return 'None';
  if (Array.isArray(v)) return `a list of ${v.length}`;
  if (v instanceof Uint8Array) return `bytes(${v.byteLength})`;
  if (v instanceof Map) return 'a dict';
  if (v instanceof NdArray) return `an ndarray ${v.dtype}[${v.shape.join(',')}]`;
  return typeof v;
}
