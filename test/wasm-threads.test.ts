// The threaded wasm build (src/wasm-threads.ts): it starts in Node, uses the threads it was
// asked for, gives bit-identical values, gradients and trained weights to the single-threaded
// build, and lets the process exit on its own. Speed is measured by `npm run bench`, not here.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { childThreadsEnv, wasmThreadsWanted, MAX_WASM_THREADS } from '../src/wasm-threads';

interface ChildResult {
  threads: number;
  variables: number;
  digest: string;
}

function runChild(threads: string): ChildResult {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'test/wasm-threads-child.ts'], {
    env: { ...process.env, MIRD_QUIET: '1', MIRD_WASM_THREADS: threads },
    encoding: 'utf8',
    // a pool worker that kept the process alive would show up as a timeout here
    timeout: 120_000,
  });
  assert.equal(r.status, 0, `child with MIRD_WASM_THREADS=${threads} exited with ${r.status} (signal ${r.signal}): ${r.stderr.slice(-2000)}`);
  return JSON.parse(r.stdout.trim().split('\n').pop() as string) as ChildResult;
}

test('two wasm threads give bit-identical matMul, conv2d and trained MIRD weights, and the process exits by itself', () => {
  const one = runChild('1');
  const two = runChild('2');
  assert.equal(one.threads, 1);
  assert.equal(two.threads, 2, 'the threaded build did not start with 2 threads');
  assert.ok(one.variables > 50, `only ${one.variables} variables compared`);
  assert.equal(two.digest, one.digest, 'values differ between 1 and 2 threads');
});

test('MIRD_WASM_THREADS: every core by default, an explicit count, a clear error otherwise', () => {
  const cores = wasmThreadsWanted({});
  assert.ok(cores >= 1 && cores <= MAX_WASM_THREADS);
  assert.equal(wasmThreadsWanted({ MIRD_WASM_THREADS: '3' }), 3);
  assert.equal(wasmThreadsWanted({ MIRD_WASM_THREADS: 'auto' }), cores);
  for (const bad of ['0', '9', '1.5', 'two', '-1']) {
    assert.throws(() => wasmThreadsWanted({ MIRD_WASM_THREADS: bad }), new RegExp(`MIRD_WASM_THREADS=${bad.replace('.', '\\.')} is not a thread count`));
  }
  const r = spawnSync(process.execPath, ['--import', 'tsx', '-e', "import('./src/backend.ts').then(m => m.initBackend()).catch(e => { console.error(e.message); process.exit(3); })"], {
    env: { ...process.env, MIRD_WASM_THREADS: 'lots', MIRD_BACKEND: 'wasm' },
    encoding: 'utf8',
  });
  assert.equal(r.status, 3);
  assert.match(r.stderr, /MIRD_WASM_THREADS=lots is not a thread count/);
});

test('child processes that run at once share the cores, unless the user chose a thread count', () => {
  const cores = wasmThreadsWanted({});
  assert.equal(childThreadsEnv(1, {}).MIRD_WASM_THREADS, String(cores));
  assert.equal(childThreadsEnv(cores, {}).MIRD_WASM_THREADS, '1');
  assert.equal(childThreadsEnv(cores * 4, {}).MIRD_WASM_THREADS, '1');
  assert.equal(childThreadsEnv(2, { MIRD_WASM_THREADS: '4', KEEP: 'x' }).MIRD_WASM_THREADS, '4');
  assert.equal(childThreadsEnv(2, { KEEP: 'x' }).KEEP, 'x');
});
