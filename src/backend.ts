// Backend selection: tfjs-node-gpu (if it loads and sees a GPU) → tfjs-node → wasm (SIMD) →
// cpu. MIRD_BACKEND=tensorflow|wasm|cpu forces one. The choice is printed once per process
// and recorded by every run (see `backendInfo()`).
//
// tfjs-node and tfjs-node-gpu download libtensorflow when installed, which fails offline; the
// workspace keeps tfjs-node-gpu as an optional dependency and aliases tfjs-node to plain
// @tensorflow/tfjs (package.json overrides, needed by danfojs-node), so on a machine without
// them the native path is simply absent and we fall back. See environment.md.
import * as tf from '@tensorflow/tfjs';
import { setThreadsCount as setWasmThreadsCount, getThreadsCount as getWasmThreadsCount } from '@tensorflow/tfjs-backend-wasm';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { registerFasterWasmKernels, registerMissingWasmKernels } from './wasm-kernels';
import { initWasmWithThreads, wasmThreadsWanted } from './wasm-threads';

export type BackendName = 'tensorflow' | 'wasm' | 'cpu';
export const BACKEND_NAMES: readonly BackendName[] = ['tensorflow', 'wasm', 'cpu'];

export interface BackendInfo {
  /** tfjs backend name in use. */
  name: BackendName;
  /** npm package that provides it. */
  package: string;
  /** true only when tfjs-node-gpu runs on a CUDA device. */
  gpu: boolean;
  /** wasm only: SIMD support. */
  simd: boolean | null;
  /** wasm only: threads of XNNPACK's pool (1 = tfjs's stock single-threaded build; src/wasm-threads.ts). */
  threads: number | null;
  /** how the choice was made: forced by MIRD_BACKEND or automatic. */
  forced: boolean;
  /** why each earlier candidate was skipped. */
  skipped: string[];
  tfjsVersion: string;
}

let chosen: BackendInfo | null = null;
let pending: Promise<BackendInfo> | null = null;

interface NativeBinding {
  isUsingGpuDevice?: () => boolean;
}

function nodeRequire(): NodeRequire {
  // createRequire anchored at the working directory resolves packages from the workspace's
  // node_modules in both ESM (tsx) and CommonJS (tslab).
  return createRequire(join(process.cwd(), 'noop.js'));
}

// Plain object, not a discriminated union: tslab compiles src/ without strictNullChecks, where
// boolean-literal discriminants do not narrow.
function tryNative(pkg: string): { ok: boolean; reason: string } {
  try {
    nodeRequire()(pkg);
  } catch (err) {
    const msg = err instanceof Error ? err.message.split('\n')[0] : String(err);
    return { ok: false, reason: `${pkg} not loadable (${msg})` };
  }
  if (tf.findBackend('tensorflow') === null) {
    return {
      ok: false,
      reason: `${pkg} resolves to plain @tensorflow/tfjs here (package.json override), no native backend`,
    };
  }
  return { ok: true, reason: '' };
}

async function activate(name: BackendName): Promise<boolean> {
  try {
    const ok = await tf.setBackend(name);
    // The cpu backend prints a multi-line "install tfjs-node" banner on first use in Node; the
    // workspace already reports its backend choice (and environment.md explains the options).
    if (ok && name === 'cpu') (tf.backend() as unknown as { firstUse?: boolean }).firstUse = false;
    return ok;
  } catch {
    return false;
  }
}

function parseForced(): BackendName | null {
  const raw = process.env.MIRD_BACKEND;
  if (raw === undefined || raw === '' || raw === 'auto') return null;
  if ((BACKEND_NAMES as readonly string[]).includes(raw)) return raw as BackendName;
  throw new Error(
    `MIRD_BACKEND=${raw} is not a backend; use one of ${BACKEND_NAMES.join(', ')} (or unset it for automatic choice)`,
  );
}

async function choose(): Promise<BackendInfo> {
  const forced = parseForced();
  const skipped: string[] = [];
  const info = (name: BackendName, pkg: string, gpu: boolean): BackendInfo => ({
    name,
    package: pkg,
    gpu,
    simd: name === 'wasm' ? tf.env().getBool('WASM_HAS_SIMD_SUPPORT') : null,
    threads: name === 'wasm' ? getWasmThreadsCount() : null,
    forced: forced !== null,
    skipped,
    tfjsVersion: tf.version_core,
  });

  if (forced === null || forced === 'tensorflow') {
    // GPU first: tfjs-node-gpu also runs on CPU when CUDA is missing, so only accept it when
    // it reports a GPU device; otherwise fall through to tfjs-node (same kernels, CPU).
    const gpu = tryNative('@tensorflow/tfjs-node-gpu');
    if (gpu.ok && (await activate('tensorflow'))) {
      const binding = (tf.backend() as unknown as { binding?: NativeBinding }).binding;
      const onGpu = binding?.isUsingGpuDevice?.() === true;
      if (onGpu) return info('tensorflow', '@tensorflow/tfjs-node-gpu', true);
      if (forced === 'tensorflow') return info('tensorflow', '@tensorflow/tfjs-node-gpu', false);
      skipped.push('@tensorflow/tfjs-node-gpu loaded but sees no GPU');
    } else if (!gpu.ok) {
      skipped.push(gpu.reason);
    }
    const cpuNative = tryNative('@tensorflow/tfjs-node');
    if (cpuNative.ok && (await activate('tensorflow'))) return info('tensorflow', '@tensorflow/tfjs-node', false);
    if (!cpuNative.ok) skipped.push(cpuNative.reason);
    if (forced === 'tensorflow') {
      throw new Error(
        `MIRD_BACKEND=tensorflow but no native TensorFlow backend is available: ${skipped.join('; ')}. ` +
          'See environment.md for installing @tensorflow/tfjs-node(-gpu).',
      );
    }
  }
  if (forced === null || forced === 'wasm') {
    registerMissingWasmKernels();
    registerFasterWasmKernels();
    const threads = wasmThreadsWanted();
    const ok = threads > 1 ? await initWasmWithThreads(threads, tf.env(), setWasmThreadsCount, () => activate('wasm')) : await activate('wasm');
    if (ok) return info('wasm', '@tensorflow/tfjs-backend-wasm', false);
    skipped.push(`@tensorflow/tfjs-backend-wasm failed to initialise${threads > 1 ? ` with ${threads} threads (MIRD_WASM_THREADS=1 uses the single-threaded build)` : ''}`);
    if (forced === 'wasm') throw new Error(`MIRD_BACKEND=wasm but the wasm backend failed to initialise`);
  }
  if (await activate('cpu')) return info('cpu', '@tensorflow/tfjs-backend-cpu', false);
  throw new Error(`no tfjs backend could be initialised (${skipped.join('; ')})`);
}

/**
 * Pick and activate the backend once per process. Later calls return the same answer.
 * Prints one line to stderr unless MIRD_QUIET=1.
 */
export async function initBackend(): Promise<BackendInfo> {
  if (chosen !== null) return chosen;
  if (pending === null) {
    pending = choose().then((picked) => {
      chosen = picked;
      if (process.env.MIRD_QUIET !== '1') process.stderr.write(`[mird] ${describeBackend(picked)}\n`);
      return picked;
    });
  }
  return pending;
}

/** The backend chosen by `initBackend()`; throws if it has not run yet. */
export function backendInfo(): BackendInfo {
  if (chosen === null) throw new Error('backendInfo() called before initBackend()');
  return chosen;
}

export function describeBackend(b: BackendInfo): string {
  const threads = b.threads !== null && b.threads !== undefined ? `, ${b.threads} thread${b.threads === 1 ? '' : 's'}` : '';
  const extra = b.name === 'wasm' ? (b.simd === true ? ` (SIMD${threads})` : ` (no SIMD${threads})`) : b.gpu ? ' (GPU)' : '';
  return `backend: ${b.name}${extra} via ${b.package}, tfjs ${b.tfjsVersion}${b.forced ? ', forced by MIRD_BACKEND' : ''}`;
}

/**
 * Switch the active backend for comparisons (tests, benchmarks): e.g. run the same op on
 * wasm and on cpu. Registers the wasm kernels the model needs first.
 */
export async function useBackend(name: BackendName): Promise<void> {
  if (name === 'wasm') registerMissingWasmKernels();
  if (!(await activate(name))) throw new Error(`tfjs backend ${name} could not be activated`);
}

export { tf };
