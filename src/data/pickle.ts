// Reading Python pickles (protocols 2–5) in Node: the opcode machine is the `pickleparser`
// package; this file gives it a file reader and the numpy/builtins constructors it needs.
//
// Values: dict → Map (keys keep their Python type), list and tuple → array, set/frozenset → Set,
// str → string, bytes/bytearray → Uint8Array, int → number (LONG4 ints → bigint), float → number,
// None → null, numpy.ndarray → NdArray (C order, see ./ndarray), numpy scalars → number/boolean,
// anything else → PyObject {module, name, args, state}.
//
// The file is read through a fixed-size window (default 16 MiB) with positional reads, so memory
// is the unpickled values plus one window; large byte strings (array data) are read straight into
// their own buffers, which numeric arrays then view without another copy. Files larger than 2 GiB
// work (readFileSync's limit does not apply); a single array must fit one Buffer (4 GiB).
// `scanPickle` walks the same structure but seeks over large byte strings, noting where each
// array's bytes are: keys and shapes of a multi-GB file in milliseconds. `loadPickleLazy` is that
// scan with arrays read on demand (`NdArray.loadData()`), so unused fields never reach memory;
// byte strings over 256 bytes that are not array data come back from it as empty SkippedBytes.
//
// Known limits: out-of-band buffers (protocol 5 `buffers=`) are not supported; protocols 0/1 are
// refused; pickleparser decodes LONG1 as unsigned (negative ints below −2^31 come back wrong;
// no MIRD/MMSA field holds one).
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { Parser } from 'pickleparser';
import { NdArray, NpDType, SkippedBytes, describeJs, ndarrayFromBuffer, numpyScalar, asBytes } from './ndarray';

export type PyDict = Map<PyValue, PyValue>;
export type PyValue =
  | null
  | boolean
  | number
  | bigint
  | string
  | Uint8Array
  | PyValue[]
  | PyDict
  | Set<PyValue>
  | NdArray
  | PyObject
  | PyGlobal;

/** An instance of a class this reader does not know, kept as its constructor call and state. */
export class PyObject {
  state: PyValue = null;
  constructor(
    readonly module: string,
    readonly name: string,
    readonly args: PyValue[],
  ) {}

  __setstate__(state: unknown): void {
    this.state = state as PyValue;
  }
}

/** A module global (class or function) the pickle refers to; calling it builds a PyObject. */
export interface PyGlobal {
  (...args: PyValue[]): PyValue;
  pyModule: string;
  pyName: string;
}

export interface LoadPickleOptions {
  /** read window in bytes (default 16 MiB); tests shrink it to cross window edges */
  chunkSize?: number;
  /**
   * scanPickle only: text strings longer than this (default 1 MiB) are seeked over. Only
   * protocol-2 / Python 2 array data is that long; arrays built from it have no data and no
   * file position.
   */
  scanStringLimit?: number;
}

type ReaderLike = Parameters<Parser['read']>[0];

const DEFAULT_CHUNK = 16 * 1024 * 1024;
/** scanPickle seeks over byte strings longer than this and records where they are. */
const SCAN_SKIP_BYTES = 256;
const SCAN_SKIP_STRINGS = 1024 * 1024;

/** Unpickles a whole file. Errors name the file and the byte offset where decoding failed. */
export function loadPickle(path: string, options: LoadPickleOptions = {}): PyValue {
  return readPickleFile(path, false, options).value;
}

/**
 * The structure of a pickle without the array contents: dicts, lists, strings and numbers as in
 * `loadPickle`; numpy arrays larger than 256 bytes come with dtype and shape, `hasData = false`
 * and their file position (`NdArray.loadData()` reads them). Seeks over the array bytes.
 */
export function scanPickle(path: string, options: LoadPickleOptions = {}): PyValue {
  return readPickleFile(path, true, options).value;
}

/**
 * Like loadPickle, but large numpy arrays are read only when asked for (`NdArray.loadData()`),
 * so fields nobody uses (MMSA's BERT `text` features) never reach memory. Falls back to a full
 * load for protocol-2 pickles whose array data cannot be located (it lives inside text strings).
 */
export function loadPickleLazy(path: string, options: LoadPickleOptions = {}): PyValue {
  const scanned = readPickleFile(path, true, options);
  return scanned.skippedStrings > 0 ? loadPickle(path, options) : scanned.value;
}

/**
 * Which MIRD data format a pickle holds, from its structure (keys and nesting), reading no array
 * data. 'mird': train/valid/test with audio/video/labels (authors' labeled pickle); 'mmsa':
 * train/valid/test with vision or regression_labels; 'mird-unlabeled': top-level raw_text, audio,
 * video. Throws for a missing, non-pickle or corrupt file; 'unknown' for any other valid pickle.
 */
export function sniffPickleFormat(path: string): 'mird' | 'mird-unlabeled' | 'mmsa' | 'unknown' {
  const top = scanPickle(path);
  if (!(top instanceof Map)) return 'unknown';
  const train = top.get('train');
  if (train instanceof Map) {
    if (train.has('vision') || train.has('regression_labels')) return 'mmsa';
    if (train.has('video') || train.has('labels')) return 'mird';
    return 'unknown';
  }
  if (top.has('raw_text') && top.has('audio') && top.has('video')) return 'mird-unlabeled';
  return 'unknown';
}

/** One line per node, indented, e.g. `train.audio: ndarray float32 [1284, 375, 5]`. */
export function describePyValue(value: PyValue, maxDepth = 3): string[] {
  const lines: string[] = [];
  const walk = (v: PyValue, label: string, depth: number): void => {
    const indent = '  '.repeat(depth);
    if (v instanceof Map) {
      lines.push(`${indent}${label}dict with ${v.size} keys`);
      if (depth >= maxDepth) return;
      for (const [k, child] of v) walk(child, `${String(k)}: `, depth + 1);
      return;
    }
    lines.push(`${indent}${label}${summarizeValue(v)}`);
  };
  walk(value, '', 0);
  return lines;
}

/** A short one-line description of a value: type, dtype, shape or length. */
export function summarizeValue(v: PyValue): string {
  if (v instanceof NdArray) return `ndarray ${v.dtype} [${v.shape.join(', ')}]`;
  if (v instanceof Map) return `dict with ${v.size} keys`;
  if (v instanceof Set) return `set of ${v.size}`;
  if (v instanceof PyObject) return `${v.module}.${v.name} object`;
  if (Array.isArray(v)) {
    const first = v[0];
    const kind = v.length === 0 ? '' : ` of ${first instanceof NdArray ? 'ndarray' : typeof first === 'string' ? 'str' : describeJs(first)}`;
    return `list of ${v.length}${kind}`;
  }
  if (v instanceof Uint8Array) return `bytes(${v.byteLength})`;
  if (typeof v === 'string') return `str ${JSON.stringify(v.length > 40 ? v.slice(0, 40) + '…' : v)}`;
  if (typeof v === 'function') return `global ${v.pyModule}.${v.pyName}`;
  return v === null ? 'None' : `${typeof v} ${String(v)}`;
}

function readPickleFile(path: string, skeleton: boolean, options: LoadPickleOptions): { value: PyValue; skippedStrings: number } {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? String(err);
    throw new Error(`${path}: cannot open (${code}); expected a Python pickle file`);
  }
  try {
    const size = fstatSync(fd).size;
    const chunkSize = Math.max(16, options.chunkSize ?? DEFAULT_CHUNK);
    const skip = skeleton ? { bytes: SCAN_SKIP_BYTES, strings: options.scanStringLimit ?? SCAN_SKIP_STRINGS } : null;
    const reader = new FileReader(fd, size, chunkSize, skip, path);
    checkHeader(path, reader);
    const parser = new Parser({
      nameResolver: { resolve: (module: string, name: string) => resolveGlobal(module, name, skeleton) },
      unpicklingTypeOfDictionary: 'Map',
      unpicklingTypeOfSet: 'Set',
    });
    try {
      const value = parser.read<PyValue>(reader);
      return { value, skippedStrings: reader.skippedStrings };
    } catch (err) {
      const msg = err instanceof Error ? err.message : String(err);
      if (msg.startsWith(path)) throw err;
      throw new Error(`${path}: cannot unpickle (at byte ${reader.position} of ${size}): ${msg}`);
    }
  } finally {
    closeSync(fd);
  }
}

function checkHeader(path: string, reader: FileReader): void {
  if (reader.size === 0) throw new Error(`${path}: empty file; expected a Python pickle`);
  const head = reader.peek(Math.min(8, reader.size));
  if (head[0] === 0x93 && head[1] === 0x4e) throw new Error(`${path}: this is a .npy file (numpy.save), not a pickle`);
  if (head[0] === 0x50 && head[1] === 0x4b) {
    throw new Error(`${path}: this is a zip archive (torch.save / numpy.savez?), not a pickle`);
  }
  if (head[0] !== 0x80 || reader.size < 2) {
    throw new Error(`${path}: not a Python pickle of protocol 2–5 (first byte 0x${(head[0] ?? 0).toString(16)}; re-save with pickle protocol ≥ 2)`);
  }
  if ((head[1] ?? 0) > 5) throw new Error(`${path}: pickle protocol ${head[1]} is not supported (2–5 are)`);
}

// ---- globals: the constructors a numpy / builtins pickle calls ----

type Ctor = (...args: PyValue[]) => unknown;

function resolveGlobal(module: string, name: string, skeleton: boolean): PyGlobal {
  const known = knownGlobal(module, name, skeleton);
  // `function` (not an arrow) so that NEWOBJ's Reflect.construct also works; returning an object
  // from a constructor makes `new` yield that object.
  const fn = function (...args: PyValue[]): PyValue {
    return (known !== null ? known(...args) : new PyObject(module, name, args)) as PyValue;
  } as PyGlobal;
  fn.pyModule = module;
  fn.pyName = name;
  return fn;
}

function knownGlobal(module: string, name: string, skeleton: boolean): Ctor | null {
  const numpyCore = module === 'numpy.core.multiarray' || module === 'numpy._core.multiarray';
  const numpyNumeric = module === 'numpy.core.numeric' || module === 'numpy._core.numeric';
  if (numpyCore && name === '_reconstruct') return () => new NdArray(skeleton);
  if (numpyCore && name === 'scalar') return (dtype, raw) => numpyScalar(dtype, raw);
  if (numpyNumeric && name === '_frombuffer') {
    return (buf, dtype, shape, order) => ndarrayFromBuffer(buf, dtype, shape, order, skeleton);
  }
  if (module === 'numpy' && name === 'dtype') return (typestr) => new NpDType(typestr);
  if (module === '_codecs' && name === 'encode') {
    // Protocol 2 writes Python 3 bytes as encode(<str of code points 0–255>, 'latin1').
    return (text, encoding) => {
      if (typeof text !== 'string') throw new Error(`_codecs.encode: expected a str, got ${describeJs(text)}`);
      const enc = typeof encoding === 'string' ? encoding.toLowerCase() : 'utf-8';
      return Buffer.from(text, enc === 'latin1' || enc === 'latin-1' || enc === 'iso-8859-1' ? 'latin1' : 'utf8');
    };
  }
  const builtins = module === 'builtins' || module === '__builtin__';
  if (builtins && (name === 'set' || name === 'frozenset')) {
    return (items) => new Set(Array.isArray(items) ? items : items instanceof Set ? items : []);
  }
  if (builtins && (name === 'bytes' || name === 'bytearray')) {
    return (raw, encoding) => {
      if (raw === undefined) return new Uint8Array(0);
      if (typeof raw === 'string') return Buffer.from(raw, encoding === 'latin1' || encoding === 'latin-1' ? 'latin1' : 'utf8');
      const b = asBytes(raw);
      if (b !== null) return b;
      if (Array.isArray(raw)) return Uint8Array.from(raw as number[]);
      throw new Error(`${name}(): cannot build bytes from ${describeJs(raw)}`);
    };
  }
  if (module === 'collections' && (name === 'OrderedDict' || name === 'defaultdict')) {
    // Items arrive afterwards through SETITEMS, which fills a Map.
    return () => new Map<PyValue, PyValue>();
  }
  if ((module === 'copyreg' || module === 'copy_reg') && name === '_reconstructor') {
    return (cls) => {
      const g = cls as PyGlobal | null;
      return new PyObject(typeof g === 'function' ? g.pyModule : '?', typeof g === 'function' ? g.pyName : '?', []);
    };
  }
  return null;
}

// ---- a pickleparser reader over a file descriptor ----

/**
 * Positional reads through one window buffer. Byte strings longer than the window are read
 * directly into a buffer of their own. With `skipOver` set (scanPickle), byte strings longer than
 * skipOver.bytes come back as SkippedBytes (their file position) and text strings longer than
 * skipOver.strings come back empty (counted in skippedStrings).
 */
export class FileReader implements ReaderLike {
  private readonly window: Buffer;
  private windowStart = 0;
  private windowLength = 0;
  position = 0;
  skippedStrings = 0;

  constructor(
    private readonly fd: number,
    readonly size: number,
    chunkSize: number,
    private readonly skipOver: { bytes: number; strings: number } | null,
    private readonly path: string,
  ) {
    this.window = Buffer.allocUnsafe(Math.min(chunkSize, Math.max(size, 16)));
  }

  /** The next n bytes (n ≤ window) without consuming them. */
  peek(n: number): Buffer {
    const o = this.ensure(n);
    return this.window.subarray(o, o + n);
  }

  byte(): number {
    const o = this.ensure(1);
    this.position += 1;
    return this.window[o] as number;
  }

  uint16(): number {
    const o = this.ensure(2);
    this.position += 2;
    return this.window.readUInt16LE(o);
  }

  int32(): number {
    const o = this.ensure(4);
    this.position += 4;
    return this.window.readInt32LE(o);
  }

  uint32(): number {
    const o = this.ensure(4);
    this.position += 4;
    return this.window.readUInt32LE(o);
  }

  uint64(): number {
    const o = this.ensure(8);
    this.position += 8;
    const n = this.window.readUInt32LE(o) + 4294967296 * this.window.readUInt32LE(o + 4);
    if (!Number.isSafeInteger(n)) throw new Error(`length ${n} exceeds 2^53`);
    return n;
  }

  /** BINFLOAT is big-endian IEEE 754. */
  float64(): number {
    const o = this.ensure(8);
    this.position += 8;
    return this.window.readDoubleBE(o);
  }

  skip(n: number): void {
    this.advance(n);
  }

  private advance(n: number): void {
    this.need(n);
    this.position += n;
  }

  bytes(n: number): Uint8Array {
    // pickleparser reads BINBYTES' length as a signed int32; Python writes it unsigned, so
    // 2–4 GiB byte strings (protocol 3/4 arrays) arrive negative.
    if (n < 0) n += 4294967296;
    if (this.skipOver !== null && n > this.skipOver.bytes) {
      const at = this.position;
      this.advance(n);
      return new SkippedBytes(this.path, at, n);
    }
    return this.readBuffer(n);
  }

  string(n: number, encoding: 'ascii' | 'utf-8'): string {
    if (this.skipOver !== null && n > this.skipOver.strings) {
      this.advance(n);
      this.skippedStrings++;
      return '';
    }
    // 'ascii' is what pickleparser asks for Python 2 str (BINSTRING): latin-1 keeps every byte.
    const enc = encoding === 'utf-8' ? 'utf8' : 'latin1';
    if (n <= this.window.length) {
      const o = this.ensure(n);
      this.position += n;
      return this.window.toString(enc, o, o + n);
    }
    try {
      return this.readBuffer(n).toString(enc);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ERR_STRING_TOO_LONG') throw err;
      // Protocol 2 (and Python 2) pickles carry array bytes inside text strings, which V8 caps
      // at 2^29 − 24 characters.
      throw new Error(
        `a ${n}-byte string is longer than a JavaScript string can be; arrays this large need a pickle ` +
          'of protocol ≥ 3 (re-save with pickle.dump(obj, f, protocol=4))',
      );
    }
  }

  private readBuffer(n: number): Buffer {
    if (n <= this.window.length) {
      const o = this.ensure(n);
      this.position += n;
      // A copy: the window is overwritten by the next refill.
      return Buffer.from(this.window.subarray(o, o + n));
    }
    this.need(n);
    // Large: a fresh, offset-0 buffer (typed-array views of it are aligned). Take what the
    // window already holds, then read the rest straight from the file.
    const out = Buffer.allocUnsafeSlow(n);
    const rel = this.position - this.windowStart;
    let have = 0;
    if (rel >= 0 && rel < this.windowLength) {
      have = Math.min(n, this.windowLength - rel);
      this.window.copy(out, 0, rel, rel + have);
    }
    this.readFully(out, have, n - have, this.position + have);
    this.position += n;
    return out;
  }

  line(): string {
    // Lines (GLOBAL names, protocol-0 numbers) may straddle window edges: collect pieces.
    const parts: string[] = [];
    let total = 0;
    for (;;) {
      const rel = this.ensure(1);
      const nl = this.window.indexOf(0x0a, rel);
      const end = nl >= 0 && nl < this.windowLength ? nl : this.windowLength;
      parts.push(this.window.toString('latin1', rel, end));
      total += end - rel;
      this.position += end - rel;
      if (end < this.windowLength) {
        this.position += 1;
        return parts.join('');
      }
      if (total > 1 << 20) throw new Error('no end of line within 1 MiB');
    }
  }

  hasNext(): boolean {
    return this.position < this.size;
  }

  private need(n: number): void {
    if (this.position + n > this.size) {
      throw new Error(
        `${this.path}: file ends at byte ${this.size} but the pickle needs ${this.position + n - this.size} more ` +
          `(at byte ${this.position}): truncated or not a pickle`,
      );
    }
  }

  /** Offset in the window of the current position, with ≥ n bytes available there. */
  private ensure(n: number): number {
    const rel = this.position - this.windowStart;
    if (rel >= 0 && rel + n <= this.windowLength) return rel;
    this.need(n);
    this.refill();
    return 0;
  }

  private refill(): void {
    const want = Math.min(this.window.length, this.size - this.position);
    this.readFully(this.window, 0, want, this.position);
    this.windowStart = this.position;
    this.windowLength = want;
  }

  private readFully(target: Buffer, offset: number, length: number, filePos: number): void {
    let done = 0;
    while (done < length) {
      const got = readSync(this.fd, target, offset + done, Math.min(length - done, 1 << 30), filePos + done);
      if (got === 0) throw new Error(`${this.path}: file shrank while reading (at byte ${filePos + done})`);
      done += got;
    }
  }
}
