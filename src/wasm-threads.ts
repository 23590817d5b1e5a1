// More than one core for the wasm backend in Node.
//
// tfjs 4.22 ships a threaded SIMD build of its wasm backend (XNNPACK on a pthreadpool) but turns
// it off in Node (tfjs issue 3830), for two reasons that are both in its loader, not in the build:
//   1. it hands Emscripten each pthread worker as a `blob:` URL, which Node's worker_threads
//      refuses (ERR_WORKER_PATH), and the main script as a Blob that the worker cannot import;
//   2. the wasm code sizes its thread pool as min(requested, logical cores / 2) — it assumes two
//      hardware threads per core — so on a 2-core machine it always gets 1 thread.
// `initWasmWithThreads` works around both while the backend initialises, without touching
// node_modules:
//   1. the global `Worker` that the Emscripten glue constructs is a subclass of Node's Worker that
//      runs the package's own worker script (wasm-out/…worker.js, the same text tfjs would have put
//      in the blob) with `eval`, and points the worker's "load" message at the package's glue file
//      (wasm-out/tfjs-backend-wasm-threaded-simd.js: the same Emscripten build, same .wasm bytes);
//   2. `os.cpus()` reports 2 × the requested thread count while the module's constructors run.
// XNNPACK then splits each GEMM/convolution over the threads by output tiles; every output
// element is still summed by one thread in the same order, so results are bit-identical to the
// single-threaded build (test/wasm-threads.test.ts checks values and gradients; `npm run bench`
// measures the speed).
//
// How many threads: MIRD_WASM_THREADS=N (1–8); unset, the process takes every core it sees
// (`os.availableParallelism()`, at most 8). 1 keeps tfjs's stock single-threaded SIMD build.
// Commands that run several processes at once (`--jobs`) give each child cores / jobs threads.
import { createRequire } from 'node:module';
import { Worker as NodeWorker, type TransferListItem, type WorkerOptions } from 'node:worker_threads';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** tfjs's wasm thread pool holds at most 8 workers (its PTHREAD_POOL_SIZE). */
export const MAX_WASM_THREADS = 8;

function cjsRequire(): NodeRequire {
  return createRequire(join(process.cwd(), 'noop.js'));
}

function coresSeen(): number {
  const os = cjsRequire()('os') as { availableParallelism?: () => number; cpus: () => unknown[] };
  return typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
}

/** MIRD_WASM_THREADS as the user set it; null when unset, empty or 'auto' (every core). */
function chosenThreads(env: NodeJS.ProcessEnv): string | null {
  const raw = env.MIRD_WASM_THREADS;
  return raw === undefined || raw.trim() === '' || raw === 'auto' ? null : raw;
}

/** Threads for this process: MIRD_WASM_THREADS, else every core seen (1–8). */
export function wasmThreadsWanted(env: NodeJS.ProcessEnv = process.env): number {
  const raw = chosenThreads(env);
  if (raw === null) return Math.max(1, Math.min(MAX_WASM_THREADS, coresSeen()));
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > MAX_WASM_THREADS) {
    throw new Error(`MIRD_WASM_THREADS=${raw} is not a thread count; use an integer from 1 to ${MAX_WASM_THREADS} (or unset it: every core, at most ${MAX_WASM_THREADS})`);
  }
  return n;
}

/**
 * The environment for `jobs` child processes that run at once: each gets cores / jobs wasm
 * threads (at least 1), unless the parent's environment already sets MIRD_WASM_THREADS.
 */
export function childThreadsEnv(jobs: number, env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  if (chosenThreads(env) !== null) return env;
  const per = Math.max(1, Math.min(MAX_WASM_THREADS, Math.floor(coresSeen() / Math.max(1, jobs))));
  return { ...env, MIRD_WASM_THREADS: String(per) };
}

let shimInstalled = false;
let initDone = false;
/** the pool's workers: unref'd once they are set up, so that they never keep the process alive */
const poolWorkers: NodeWorker[] = [];

function installWorkerShim(): void {
  if (shimInstalled) return;
  const req = cjsRequire();
  const wasmOut = join(dirname(req.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'wasm-out');
  const glue = join(wasmOut, 'tfjs-backend-wasm-threaded-simd.js');
  if (!existsSync(glue)) throw new Error(`${glue} not found`);
  // The worker script as tfjs would put it in its blob (it escapes newlines the same way).
  const workerSource = (req(join(wasmOut, 'tfjs-backend-wasm-threaded-simd.worker.js')) as { wasmWorkerContents: string }).wasmWorkerContents.replace(/\n/g, '\\n');
  shimInstalled = true;
  class EmscriptenWorker extends NodeWorker {
    constructor(url: string | URL, options?: WorkerOptions) {
      if (String(url).startsWith('blob:')) {
        super(workerSource, { ...options, eval: true });
        poolWorkers.push(this);
        // the glue adds its 'message' listeners after construction, which refs the port again
        if (initDone) setImmediate(() => this.unref());
      } else super(url, options);
    }

    // the "load" message carries the main script as a Blob the worker cannot import in Node
    postMessage(message: unknown, transferList?: readonly TransferListItem[]): void {
      const m = message as { cmd?: string; urlOrBlob?: unknown } | null;
      if (m !== null && typeof m === 'object' && m.cmd === 'load' && typeof m.urlOrBlob !== 'string') {
        super.postMessage({ ...m, urlOrBlob: glue }, transferList);
        return;
      }
      super.postMessage(message, transferList);
    }
  }
  // The Emscripten glue assigns `globalThis.Worker = require('worker_threads').Worker` when it
  // starts and constructs its workers through that global: keep ours in its place.
  let other: unknown;
  Object.defineProperty(globalThis, 'Worker', {
    configurable: true,
    get: () => other ?? EmscriptenWorker,
    set: (v: unknown) => {
      if (v !== NodeWorker) other = v;
    },
  });
}

/**
 * Run `init` (which must initialise the wasm backend, e.g. `tf.setBackend('wasm')`) with the
 * threaded build and `threads` threads. Must be called before the wasm backend first
 * initialises; `flags` is `tf.env()`, `setThreadsCount` the wasm package's.
 */
export async function initWasmWithThreads<T>(threads: number, flags: { set(name: string, value: boolean): void }, setThreadsCount: (n: number) => void, init: () => Promise<T>): Promise<T> {
  try {
    installWorkerShim();
  } catch (err) {
    // e.g. a tfjs-backend-wasm without the wasm-out files this relies on: one thread still works
    const msg = err instanceof Error ? err.message.split('\n')[0] : String(err);
    process.stderr.write(`[mird] wasm threads unavailable (${msg}); the wasm backend runs on one thread\n`);
    return init();
  }
  flags.set('WASM_HAS_MULTITHREAD_SUPPORT', true);
  setThreadsCount(threads);
  const os = cjsRequire()('os') as { cpus: () => unknown[] };
  const realCpus = os.cpus;
  // the wasm code sizes its pool as min(requested, cpus().length / 2) in its constructors
  os.cpus = () => {
    const one = realCpus()[0];
    return Array.from({ length: 2 * threads }, () => one);
  };
  try {
    return await init();
  } finally {
    os.cpus = realCpus;
    initDone = true;
    // idle pool workers (and their ports, which the glue's listeners ref) must not keep the
    // process alive once its own work is done
    for (const w of poolWorkers) w.unref();
  }
}
