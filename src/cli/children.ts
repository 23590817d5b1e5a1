// Runs of `mird train` as child processes, `jobs` at a time, each with cores / jobs wasm threads
// (src/wasm-threads.ts): what `mird train --seeds` and `mird sweep` share. Each child's stdout is dropped (the
// parent reads its run folder), its stderr passes through.
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { childThreadsEnv } from '../wasm-threads';

export interface TrainProcess {
  /** `mird train` arguments (without the leading "train") */
  args: string[];
  /** names the run in failure messages, e.g. "seed 2" */
  label: string;
  /** its run folder, named in failure messages */
  dir: string;
}

/** Runs every process, `jobs` at a time; resolves to one "label (exit N; see dir)" per failed run. */
export async function runTrainProcesses(runs: readonly TrainProcess[], jobs: number, options: { env?: NodeJS.ProcessEnv; onDone?: (run: TrainProcess, code: number, done: number) => void } = {}): Promise<string[]> {
  const queue = [...runs];
  const failures: string[] = [];
  let done = 0;
  const env = childThreadsEnv(jobs, options.env ?? process.env);
  const worker = async (): Promise<void> => {
    for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
      const r = next;
      const code = await new Promise<number>((res) => {
        const child = spawn(process.execPath, [resolve('bin', 'mird.js'), 'train', ...r.args], { stdio: ['ignore', 'ignore', 'inherit'], env });
        child.on('close', (c) => res(c ?? 1));
      });
      done += 1;
      if (code !== 0) failures.push(`${r.label} (exit ${code}; see ${r.dir})`);
      options.onDone?.(r, code, done);
    }
  };
  await Promise.all(Array.from({ length: Math.min(jobs, Math.max(1, runs.length)) }, worker));
  return failures;
}
