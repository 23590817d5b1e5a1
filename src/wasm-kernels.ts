// Kernels the wasm backend of tfjs 4.22 lacks but the workspace needs, and faster replacements
// for six it has (below).
//
// UnsortedSegmentSum: the gradient of `gather` (every embedding lookup) scatters the upstream
// gradient rows back into the table with it. Without it, training an embedding on wasm throws
// "Kernel 'UnsortedSegmentSum' not registered for backend 'wasm'". The computation is a
// single pass over the rows, done in JS on the wasm heap's data.
import * as tf from '@tensorflow/tfjs';

interface WasmLikeBackend {
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(t: tf.TensorInfo): Float32Array | Int32Array;
}

function unsortedSegmentSum(args: {
  inputs: tf.NamedTensorInfoMap;
  backend: unknown;
  attrs?: tf.NamedAttrMap;
}): tf.TensorInfo {
  const backend = args.backend as WasmLikeBackend;
  const x = args.inputs.x as tf.TensorInfo;
  const segmentIds = args.inputs.segmentIds as tf.TensorInfo;
  const numSegments = (args.attrs as { numSegments: number }).numSegments;
  // x: [N, ...rest]; segmentIds: [N] (tfjs reshapes higher-rank ids before calling us)
  const rows = segmentIds.shape.reduce((a, b) => a * b, 1);
  const rowSize = x.shape.slice(segmentIds.shape.length).reduce((a, b) => a * b, 1);
  const outShape = [numSegments, ...x.shape.slice(segmentIds.shape.length)];
  const out = backend.makeOutput(outShape, x.dtype);
  // views of the heap, taken after the allocation (growing the memory detaches earlier views)
  const xs = backend.typedArrayFromHeap(x);
  const ids = backend.typedArrayFromHeap(segmentIds);
  const o = backend.typedArrayFromHeap(out);
  o.fill(0);
  for (let r = 0; r < rows; r++) {
    const seg = ids[r] as number;
    if (seg < 0 || seg >= numSegments) continue; // TF semantics: out-of-range ids are dropped
    const src = r * rowSize;
    const dst = seg * rowSize;
    for (let c = 0; c < rowSize; c++) o[dst + c] += xs[src + c] as number;
  }
  return out;
}

let registered = false;

export function registerMissingWasmKernels(): void {
  if (registered) return;
  registered = true;
  const have = new Set(tf.getKernelsForBackend('wasm').map((k) => k.kernelName));
  if (!have.has('UnsortedSegmentSum')) {
    tf.registerKernel({
      kernelName: 'UnsortedSegmentSum',
      backendName: 'wasm',
      kernelFunc: unsortedSegmentSum as unknown as tf.KernelFunc,
    });
  }
}

// ---- Faster replacements for six wasm kernels (measured on the 2-core reference machine,
// tfjs 4.22; `npm run bench` keeps the numbers):
//
// Slice (and Unpack / SplitV, which call it once per output): the stock kernel first copies the
// WHOLE input out of the wasm heap (`readSync`) and then cuts the slice from the copy, so taking
// the 384 time steps of a [384, 32, 512] tensor copies 384 × 25 MB (3.4 s). Here the input is
// read through a view of the heap (no copy) and only the slice is copied: O(slice).
//
// BatchMatMul with a batch > 1: the stock kernel runs XNNPACK only for a single [M, K] × [K, N]
// product and a plain loop otherwise, 5–20× slower ([32, 50, 384] × [32, 384, 256]: 300 ms
// against 15 ms as 32 single products). Here a batch whose right operand is shared becomes one
// [B·M, K] × [K, N] product, and any other batch runs as B single products of the stock kernel's
// XNNPACK path, called directly on views of the operands and the output (no copies: ~35 µs less
// per product; the paper preset's attention runs 128 products of 48 × 64 × 48 per call, 12 → 8
// ms). Transposed operands are copied transposed first, also for a single product: the stock
// transposed path is slow too ([1600, 384]ᵀ-flagged × [1600, 256]: 330 ms against 12 ms).
// Every other case, and every non-float32 input, goes to the stock kernel unchanged.
//
// Identity (tf.clone; tfjs's gradients pass many upstream gradients through it): the stock kernel
// copies the tensor. Here the output shares the input's data, counted by the backend, as the cpu
// backend's Identity and the wasm Reshape do. Tensors are immutable (a Variable's assign swaps
// its data, never writes into it), so only the time differs: ~1,800 copies and ~0.15 s of the
// paper preset's iteration.
//
// GatherV2 (every embedding lookup): the stock kernel copies the indices out of the heap to check
// them, then the C++ loop computes every output element's source from strides, ~50 ns per
// element (a [30522, 256] table at [32, 48] ids: 17–37 ms). Here the indices are checked through
// a view and each gathered slice is one contiguous copy (well under 1 ms for the same lookup).
// float32 / int32 tables with int32 indices; anything else goes to the stock kernel.
//
// MIRD_WASM_STOCK_KERNELS=1 keeps the stock kernels (to compare; the tests check both paths
// give the same values).

interface WasmBackend extends WasmLikeBackend {
  disposeData(dataId: unknown, force?: boolean): boolean;
  incRef(dataId: unknown): void;
}

type KernelArgs = { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap };
type Kernel = (args: KernelArgs) => tf.TensorInfo | tf.TensorInfo[];

const sizeOf = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

function stridesOf(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length).fill(1);
  for (let i = shape.length - 2; i >= 0; i--) s[i] = (s[i + 1] as number) * (shape[i + 1] as number);
  return s;
}

/**
 * Copies the box begin..begin+size of src (row-major, `shape`) into dst, one contiguous run at a
 * time: trailing axes the box covers whole merge into the run.
 */
export function copyBox(src: ArrayLike<number> & { subarray(a: number, b: number): ArrayLike<number> }, shape: readonly number[], begin: readonly number[], size: readonly number[], dst: { set(a: ArrayLike<number>, at: number): void }): void {
  const rank = shape.length;
  if (sizeOf(size) === 0) return;
  if (rank === 0) {
    dst.set(src.subarray(0, 1), 0);
    return;
  }
  const strides = stridesOf(shape);
  let j = rank - 1;
  let run = size[j] as number;
  while (j > 0 && size[j] === shape[j]) {
    j -= 1;
    run *= size[j] as number;
  }
  // axes 0..j-1 are iterated; axis j starts at begin[j]; axes after j are whole
  const outer = size.slice(0, j);
  const count = sizeOf(outer);
  const at = new Array<number>(j).fill(0);
  let base = (begin[j] as number) * (strides[j] as number);
  for (let a = 0; a < j; a++) base += (begin[a] as number) * (strides[a] as number);
  for (let r = 0; r < count; r++) {
    let offset = base;
    for (let a = 0; a < j; a++) offset += (at[a] as number) * (strides[a] as number);
    dst.set(src.subarray(offset, offset + run), r * run);
    for (let a = j - 1; a >= 0; a--) {
      at[a] = (at[a] as number) + 1;
      if ((at[a] as number) < (outer[a] as number)) break;
      at[a] = 0;
    }
  }
}

function makeSlice(stock: Kernel): Kernel {
  return (args) => {
    const backend = args.backend as WasmBackend;
    const x = args.inputs.x as tf.TensorInfo;
    if (x.dtype !== 'float32' && x.dtype !== 'int32' && x.dtype !== 'bool') return stock(args);
    const attrs = args.attrs as unknown as { begin: number | number[]; size: number | number[] };
    const [begin, size] = tf.slice_util.parseSliceParams(x as tf.Tensor, attrs.begin, attrs.size);
    const out = backend.makeOutput(size, x.dtype);
    // views after the allocation: growing the wasm memory detaches earlier views
    copyBox(backend.typedArrayFromHeap(x), x.shape, begin, size, backend.typedArrayFromHeap(out));
    return out;
  };
}

function makeUnpack(slice: Kernel): Kernel {
  return (args) => {
    const value = args.inputs.value as tf.TensorInfo;
    const rank = value.shape.length;
    let axis = (args.attrs as unknown as { axis: number }).axis;
    if (axis < 0) axis += rank;
    const outShape = value.shape.filter((_, i) => i !== axis);
    const begin = new Array<number>(rank).fill(0);
    const size = [...value.shape];
    size[axis] = 1;
    return Array.from({ length: value.shape[axis] as number }, (_, i) => {
      begin[axis] = i;
      const s = slice({ inputs: { x: value }, backend: args.backend, attrs: { begin: [...begin], size } }) as tf.TensorInfo;
      return { dataId: s.dataId, dtype: s.dtype, shape: outShape };
    });
  };
}

function makeSplitV(slice: Kernel): Kernel {
  return (args) => {
    const x = args.inputs.x as tf.TensorInfo;
    const attrs = args.attrs as unknown as { numOrSizeSplits: number | number[]; axis: number };
    const axis = tf.util.parseAxisParam(attrs.axis, x.shape)[0] as number;
    const sizes = tf.backend_util.prepareSplitSize(x as tf.Tensor, attrs.numOrSizeSplits, axis);
    const begin = new Array<number>(x.shape.length).fill(0);
    return sizes.map((s) => {
      const size = [...x.shape];
      size[axis] = s;
      const out = slice({ inputs: { x }, backend: args.backend, attrs: { begin: [...begin], size } }) as tf.TensorInfo;
      begin[axis] = (begin[axis] as number) + s;
      return out;
    });
  };
}

/** Writes matrix `index` of a [batch, rows, cols] heap array into dst transposed, as [cols, rows]. */
function transposeMatrix(src: Float32Array, index: number, rows: number, cols: number, dst: Float32Array): void {
  const at = index * rows * cols;
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) dst[c * rows + r] = src[at + r * cols + c] as number;
}

function makeBatchMatMul(stock: Kernel): Kernel {
  return (args) => {
    const a = args.inputs.a as tf.TensorInfo;
    const b = args.inputs.b as tf.TensorInfo;
    const { transposeA, transposeB } = args.attrs as unknown as { transposeA: boolean; transposeB: boolean };
    const batchA = sizeOf(a.shape.slice(0, -2));
    const batchB = sizeOf(b.shape.slice(0, -2));
    if (a.dtype !== 'float32' || b.dtype !== 'float32' || (batchA <= 1 && batchB <= 1 && !transposeA && !transposeB)) return stock(args);
    const backend = args.backend as WasmBackend;
    const ra = a.shape.length;
    const rb = b.shape.length;
    const m = (transposeA ? a.shape[ra - 1] : a.shape[ra - 2]) as number;
    const k = (transposeA ? a.shape[ra - 2] : a.shape[ra - 1]) as number;
    const n = (transposeB ? b.shape[rb - 2] : b.shape[rb - 1]) as number;
    if (k !== (transposeB ? b.shape[rb - 1] : b.shape[rb - 2])) return stock(args); // let the stock kernel word the error
    const outShape = [...tf.broadcast_util.assertAndGetBroadcastShape(a.shape.slice(0, -2), b.shape.slice(0, -2)), m, n];
    if (batchB === 1 && !transposeA) {
      // [B, M, K] × [K, N]: one product over B·M rows (the stock kernel reshapes its inputs itself)
      const out = stock({ inputs: { a: { dataId: a.dataId, dtype: a.dtype, shape: [1, batchA * m, k] }, b }, backend, attrs: { transposeA: false, transposeB } }) as tf.TensorInfo;
      return { dataId: out.dataId, dtype: out.dtype, shape: outShape };
    }
    if (batchA !== batchB && batchA !== 1 && batchB !== 1) return stock(args); // broadcasting over several batch axes: rare, keep the stock path
    const wasm = backend as WasmInternals;
    const batch = Math.max(batchA, batchB);
    const out = backend.makeOutput(outShape, 'float32');
    // transposed operands: one copy of the whole batch, transposed matrix by matrix
    const upright = (t: tf.TensorInfo, count: number, rows: number, cols: number): tf.TensorInfo => {
      const copy = backend.makeOutput([count, cols, rows], 'float32');
      const src = backend.typedArrayFromHeap(t) as Float32Array;
      const dst = backend.typedArrayFromHeap(copy) as Float32Array;
      for (let i = 0; i < count; i++) transposeMatrix(src, i, rows, cols, dst.subarray(i * rows * cols, (i + 1) * rows * cols));
      return copy;
    };
    const aUp = transposeA ? upright(a, batchA, k, m) : a; // [batchA, M, K]
    const bUp = transposeB ? upright(b, batchB, n, k) : b; // [batchB, K, N]
    const matMul = wasmMatMulOf(wasm);
    const aShape = shapeBytes([1, m, k]);
    const bShape = shapeBytes([1, k, n]);
    // Each product reads and writes views into the operands and the output (no copies): tensors
    // registered at an offset inside another tensor's memory and unregistered after the product,
    // never freed. A view of b has a fresh id per product, so the stock kernel's cache of packed
    // weights (keyed by the id, dropped at unregistering) never serves a stale matrix.
    for (let i = 0; i < batch; i++) {
      const ai = batchA === 1 ? aUp : viewOf(wasm, aUp, i * m * k, [1, m, k]);
      const bi = batchB === 1 ? bUp : viewOf(wasm, bUp, i * k * n, [1, k, n]);
      const oi = viewOf(wasm, out, i * m * n, [1, m, n]);
      matMul(idOf(wasm, ai), aShape, 3, idOf(wasm, bi), bShape, 3, 0, 0, idOf(wasm, oi));
      for (const v of [ai, bi, oi]) if (v !== aUp && v !== bUp) releaseView(wasm, v);
    }
    if (aUp !== a) backend.disposeData(aUp.dataId, true);
    if (bUp !== b) backend.disposeData(bUp.dataId, true);
    return out;
  };
}

// ---- Views and a direct call of the wasm matrix product (the batched BatchMatMul above) ----

interface WasmInternals extends WasmBackend {
  makeOutput(shape: number[], dtype: tf.DataType, memoryOffset?: number): tf.TensorInfo;
  getMemoryOffset(dataId: unknown): number;
  dataIdMap: { get(dataId: unknown): { id: number } | undefined; delete(dataId: unknown): boolean };
  wasm: {
    cwrap(name: string, returns: null, args: string[]): (...args: unknown[]) => void;
    tfjs: { disposeData(id: number): void };
  };
}

type WasmMatMul = (aId: number, aShape: Uint8Array, aRank: number, bId: number, bShape: Uint8Array, bRank: number, transposeA: number, transposeB: number, outId: number) => void;
const wasmMatMuls = new WeakMap<object, WasmMatMul>();

/** The wasm module's BatchMatMul (the function the stock kernel calls), wrapped once per module. */
function wasmMatMulOf(backend: WasmInternals): WasmMatMul {
  let f = wasmMatMuls.get(backend.wasm);
  if (f === undefined) {
    f = backend.wasm.cwrap('BatchMatMul', null, ['number', 'array', 'number', 'number', 'array', 'number', 'number', 'number', 'number']) as unknown as WasmMatMul;
    wasmMatMuls.set(backend.wasm, f);
  }
  return f;
}

const shapeBytes = (shape: number[]): Uint8Array => new Uint8Array(new Int32Array(shape).buffer);

function idOf(backend: WasmInternals, t: tf.TensorInfo): number {
  const entry = backend.dataIdMap.get(t.dataId);
  if (entry === undefined) throw new Error('wasm-kernels: a tensor without wasm data');
  return entry.id;
}

/** A float32 tensor of `shape` over t's memory from element `at` on (registered, not allocated). */
function viewOf(backend: WasmInternals, t: tf.TensorInfo, at: number, shape: number[]): tf.TensorInfo {
  return backend.makeOutput(shape, 'float32', backend.getMemoryOffset(t.dataId) + 4 * at);
}

/** Unregisters a view (its memory belongs to the tensor it views). */
function releaseView(backend: WasmInternals, v: tf.TensorInfo): void {
  backend.wasm.tfjs.disposeData(idOf(backend, v));
  backend.dataIdMap.delete(v.dataId);
}

function makeGatherV2(stock: Kernel): Kernel {
  return (args) => {
    const backend = args.backend as WasmBackend;
    const x = args.inputs.x as tf.TensorInfo;
    const indices = args.inputs.indices as tf.TensorInfo;
    if ((x.dtype !== 'float32' && x.dtype !== 'int32') || indices.dtype !== 'int32') return stock(args);
    const attrs = args.attrs as unknown as { axis: number; batchDims: number };
    const axis = tf.util.parseAxisParam(attrs.axis, x.shape)[0] as number;
    const info = tf.backend_util.segment_util.collectGatherOpShapeInfo(x as tf.Tensor, indices as tf.Tensor, axis, attrs.batchDims);
    const { batchSize, outerSize, dimSize, sliceSize } = info;
    const perBatch = sizeOf(indices.shape) / batchSize;
    const checked = backend.typedArrayFromHeap(indices);
    for (let i = 0; i < checked.length; i++) {
      const index = checked[i] as number;
      if (index < 0 || index > dimSize - 1) throw new Error(`GatherV2: the index value ${index} is not in [0, ${dimSize - 1}]`);
    }
    const out = backend.makeOutput(info.outputShape, x.dtype);
    if (sizeOf(info.outputShape) === 0) return out;
    // views after the allocation: growing the wasm memory detaches earlier views
    const xs = backend.typedArrayFromHeap(x);
    const ids = backend.typedArrayFromHeap(indices);
    const o = backend.typedArrayFromHeap(out);
    // out[b, o, i, :] = x[b, o, ids[b, i], :]: one contiguous slice per (b, o, i)
    let at = 0;
    for (let b = 0; b < batchSize; b++) {
      for (let r = 0; r < outerSize; r++) {
        const base = (b * outerSize + r) * dimSize;
        for (let i = 0; i < perBatch; i++) {
          const from = (base + (ids[b * perBatch + i] as number)) * sliceSize;
          if (sliceSize === 1) o[at] = xs[from] as number;
          else o.set(xs.subarray(from, from + sliceSize), at);
          at += sliceSize;
        }
      }
    }
    return out;
  };
}

function makeIdentity(stock: Kernel): Kernel {
  return (args) => {
    const x = args.inputs.x as tf.TensorInfo;
    if (x.dtype === 'string') return stock(args);
    (args.backend as WasmBackend).incRef(x.dataId);
    return { dataId: x.dataId, shape: [...x.shape], dtype: x.dtype };
  };
}

let replaced = false;

/** Whether registerFasterWasmKernels replaced the stock kernels in this process. */
export function fasterWasmKernelsInstalled(): boolean {
  return replaced;
}

/** Installs the faster Slice / Unpack / SplitV / BatchMatMul / Identity / GatherV2 for wasm (see above); idempotent. */
export function registerFasterWasmKernels(): void {
  if (replaced || process.env.MIRD_WASM_STOCK_KERNELS === '1') return;
  replaced = true;
  const stockOf = (name: string): tf.KernelConfig => {
    const k = tf.getKernel(name, 'wasm');
    if (k === undefined) throw new Error(`wasm kernel ${name} not registered (is @tensorflow/tfjs-backend-wasm imported?)`);
    return k;
  };
  const stockSlice = stockOf('Slice');
  const stockMatMul = stockOf('BatchMatMul');
  const slice = makeSlice(stockSlice.kernelFunc as unknown as Kernel);
  const install = (name: string, kernelFunc: Kernel, setupFunc?: tf.KernelSetupFunc): void => {
    tf.unregisterKernel(name, 'wasm');
    tf.registerKernel({ kernelName: name, backendName: 'wasm', kernelFunc: kernelFunc as unknown as tf.KernelFunc, ...(setupFunc === undefined ? {} : { setupFunc }) });
  };
  install('Slice', slice);
  install('Unpack', makeUnpack(slice));
  install('SplitV', makeSplitV(slice));
  install('BatchMatMul', makeBatchMatMul(stockMatMul.kernelFunc as unknown as Kernel), stockMatMul.setupFunc);
  install('Identity', makeIdentity(stockOf('Identity').kernelFunc as unknown as Kernel));
  const stockGather = stockOf('GatherV2');
  install('GatherV2', makeGatherV2(stockGather.kernelFunc as unknown as Kernel), stockGather.setupFunc);
}
