// The safetensors file format (Hugging Face), read and written without dependencies:
//   bytes 0..8     N, unsigned 64-bit little-endian: length of the JSON header
//   bytes 8..8+N   UTF-8 JSON {name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__"?: {str: str}}
//                  (writers pad it with spaces so the data starts 8-byte aligned)
//   bytes 8+N..    raw little-endian tensor data; offsets are relative to this point
// Floating tensors F32, F16 and BF16 (and F64) are read as Float32Array; integer tensors as
// Int32Array (I64 values outside the int32 range are an error, not a silent wrap).
import { existsSync, readFileSync } from 'node:fs';
import { writeFileAtomic } from '../util/files';

export type SafetensorsDtype = 'F64' | 'F32' | 'F16' | 'BF16' | 'I64' | 'I32' | 'I16' | 'I8' | 'U8' | 'BOOL';

const BYTES: Record<SafetensorsDtype, number> = { F64: 8, F32: 4, F16: 2, BF16: 2, I64: 8, I32: 4, I16: 2, I8: 1, U8: 1, BOOL: 1 };

export interface TensorEntry {
  dtype: SafetensorsDtype;
  shape: number[];
  /** data as float32 for floating dtypes, int32 for integer/bool dtypes */
  data: Float32Array | Int32Array;
}

export interface SafetensorsFile {
  path: string;
  tensors: Map<string, TensorEntry>;
  metadata: Record<string, string>;
}

// float16 → float32: sign, 5-bit exponent (bias 15), 10-bit mantissa; subnormals and inf/NaN kept
export function f16ToF32(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 31) return frac === 0 ? sign * Infinity : NaN;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

const f32Scratch = new Float32Array(1);
const u32Scratch = new Uint32Array(f32Scratch.buffer);

/** float32 → float16 bits with round-to-nearest-even; overflow → ±inf. */
export function f32ToF16(value: number): number {
  f32Scratch[0] = value;
  const x = u32Scratch[0] as number;
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant !== 0 ? 0x200 : 0);
  let e = exp - 127 + 15;
  if (e >= 31) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    const half = 1 << (shift - 1);
    let r = mant >>> shift;
    const rem = mant & ((1 << shift) - 1);
    if (rem > half || (rem === half && (r & 1) === 1)) r += 1;
    return sign | r;
  }
  let r = mant >>> 13;
  const rem = mant & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && (r & 1) === 1)) {
    r += 1;
    if (r === 0x400) {
      r = 0;
      e += 1;
      if (e >= 31) return sign | 0x7c00;
    }
  }
  return sign | (e << 10) | r;
}

// element i of a little-endian buffer, as a JS number
const READ: Record<SafetensorsDtype, (view: DataView, i: number) => number> = {
  F64: (v, i) => v.getFloat64(8 * i, true),
  F32: (v, i) => v.getFloat32(4 * i, true),
  F16: (v, i) => f16ToF32(v.getUint16(2 * i, true)),
  // bfloat16 is the upper half of a float32
  BF16: (v, i) => {
    u32Scratch[0] = v.getUint16(2 * i, true) << 16;
    return f32Scratch[0] as number;
  },
  I64: (v, i) => Number(v.getBigInt64(8 * i, true)),
  I32: (v, i) => v.getInt32(4 * i, true),
  I16: (v, i) => v.getInt16(2 * i, true),
  I8: (v, i) => v.getInt8(i),
  U8: (v, i) => v.getUint8(i),
  BOOL: (v, i) => v.getUint8(i),
};

function decode(dtype: SafetensorsDtype, bytes: Uint8Array, count: number, where: string): Float32Array | Int32Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const read = READ[dtype];
  const isFloat = dtype === 'F64' || dtype === 'F32' || dtype === 'F16' || dtype === 'BF16';
  const out = isFloat ? new Float32Array(count) : new Int32Array(count);
  for (let i = 0; i < count; i++) {
    const x = read(view, i);
    if (dtype === 'I64' && (x > 2147483647 || x < -2147483648)) throw new Error(`${where}: I64 value ${view.getBigInt64(8 * i, true)} does not fit in int32`);
    out[i] = x;
  }
  return out;
}

/** Parses a safetensors buffer; `path` only names the file in errors. */
export function parseSafetensors(buf: Uint8Array, path = '<buffer>'): SafetensorsFile {
  if (buf.byteLength < 8) throw new Error(`${path}: not a safetensors file (${buf.byteLength} bytes, need at least 8 for the header length)`);
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const headerLen = Number(view.getBigUint64(0, true));
  if (headerLen <= 0 || 8 + headerLen > buf.byteLength) {
    throw new Error(`${path}: header length ${headerLen} does not fit in the file (${buf.byteLength} bytes); not a safetensors file?`);
  }
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder().decode(buf.subarray(8, 8 + headerLen)));
  } catch (err) {
    throw new Error(`${path}: header is not valid JSON (${err instanceof Error ? err.message : String(err)})`);
  }
  if (header === null || typeof header !== 'object' || Array.isArray(header)) throw new Error(`${path}: header must be a JSON object`);
  const dataStart = 8 + headerLen;
  const dataLen = buf.byteLength - dataStart;
  const tensors = new Map<string, TensorEntry>();
  let metadata: Record<string, string> = {};
  for (const [name, raw] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') {
      metadata = (raw ?? {}) as Record<string, string>;
      continue;
    }
    const where = `${path}, tensor "${name}"`;
    const e = raw as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    if (typeof e.dtype !== 'string' || !(e.dtype in BYTES)) {
      throw new Error(`${where}: unsupported dtype ${JSON.stringify(e.dtype)} (supported: ${Object.keys(BYTES).join(', ')})`);
    }
    const dtype = e.dtype as SafetensorsDtype;
    if (!Array.isArray(e.shape) || e.shape.some((d) => !Number.isInteger(d) || d < 0)) throw new Error(`${where}: shape must be a list of non-negative integers`);
    const shape = e.shape as number[];
    const offsets = e.data_offsets;
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((o) => Number.isInteger(o))) throw new Error(`${where}: data_offsets must be [begin, end]`);
    const [begin, end] = offsets as [number, number];
    const count = shape.reduce((a, b) => a * b, 1);
    if (begin < 0 || end > dataLen || end - begin !== count * BYTES[dtype]) {
      throw new Error(`${where}: data_offsets [${begin}, ${end}] do not hold ${count} ${dtype} values within the ${dataLen} data bytes`);
    }
    tensors.set(name, { dtype, shape, data: decode(dtype, buf.subarray(dataStart + begin, dataStart + end), count, where) });
  }
  return { path, tensors, metadata };
}

export function readSafetensors(path: string): SafetensorsFile {
  if (!existsSync(path)) throw new Error(`safetensors file ${path} not found`);
  return parseSafetensors(new Uint8Array(readFileSync(path)), path);
}

export interface TensorToWrite {
  /** F32 (default) or F16 for floats; I32 for integers */
  dtype?: 'F32' | 'F16' | 'I32';
  shape: number[];
  data: Float32Array | Int32Array;
}

/** Serialises tensors (in the given order) with an 8-byte aligned header. */
export function serializeSafetensors(tensors: ReadonlyMap<string, TensorToWrite>, metadata: Record<string, string> = {}): Uint8Array {
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length > 0) header.__metadata__ = metadata;
  let offset = 0;
  const parts: Uint8Array[] = [];
  for (const [name, t] of tensors) {
    const dtype = t.dtype ?? 'F32';
    const count = t.shape.reduce((a, b) => a * b, 1);
    if (count !== t.data.length) throw new Error(`safetensors: tensor "${name}" has ${t.data.length} values but shape [${t.shape}] needs ${count}`);
    const bytes = new Uint8Array(count * BYTES[dtype]);
    const view = new DataView(bytes.buffer);
    for (let i = 0; i < count; i++) {
      const v = t.data[i] as number;
      // a NaN/inf or a value beyond float16's range (which f32ToF16 turns into inf) would only
      // surface when the file is read back ("non-finite value"), far from its cause
      if (dtype !== 'I32' && (!Number.isFinite(v) || (dtype === 'F16' && Math.abs(v) > 65504))) {
        throw new Error(`safetensors: tensor "${name}" value ${v} at flat index ${i} cannot be written as ${dtype}${dtype === 'F16' ? ' (finite, |x| ≤ 65504)' : ' (finite)'}`);
      }
      if (dtype === 'F32') view.setFloat32(4 * i, v, true);
      else if (dtype === 'F16') view.setUint16(2 * i, f32ToF16(v), true);
      else view.setInt32(4 * i, v, true);
    }
    header[name] = { dtype, shape: t.shape, data_offsets: [offset, offset + bytes.length] };
    offset += bytes.length;
    parts.push(bytes);
  }
  let json = JSON.stringify(header);
  const pad = (8 - ((8 + Buffer.byteLength(json)) % 8)) % 8;
  json += ' '.repeat(pad);
  const headerBytes = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + headerBytes.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerBytes.length), true);
  out.set(headerBytes, 8);
  let at = 8 + headerBytes.length;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Writes atomically (temporary file, then rename), so a crash never leaves half a file. */
export function writeSafetensors(path: string, tensors: ReadonlyMap<string, TensorToWrite>, metadata: Record<string, string> = {}): void {
  writeFileAtomic(path, serializeSafetensors(tensors, metadata));
}
