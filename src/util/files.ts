// Writing results without ever leaving a half-written file, and the facts every run records.
import { execFileSync } from 'node:child_process';
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { BackendInfo } from '../backend';
import { repoRoot } from '../paths';

/** JSON.parse with an error that names what was read: "<what>: not valid JSON (…)". */
export function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new Error(`${what}: not valid JSON (${err instanceof Error ? err.message : String(err)})`);
  }
}

/** Write to `<path>.tmp-<pid>` then rename: readers see the old file or the whole new one. */
export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.tmp-${process.pid}`;
  try {
    writeFileSync(tmp, data);
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}

function git(args: string[]): string | null {
  try {
    return execFileSync('git', args, { cwd: repoRoot(), encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return null; // not a git checkout (e.g. an unpacked release)
  }
}

/** The checked-out commit, or null outside a git checkout. */
export function gitCommit(short = false): string | null {
  return git(short ? ['rev-parse', '--short', 'HEAD'] : ['rev-parse', 'HEAD']);
}

/** Whether the given paths (default: everything) have uncommitted changes. */
export function gitDirty(paths: string[] = []): boolean {
  const out = git(['status', '--porcelain', '--', ...paths]);
  return out !== null && out !== '';
}

export interface RunInfo {
  startedAt: string;
  command: string;
  gitCommit: string | null;
  gitDirty: boolean;
  backend: BackendInfo;
  node: string;
}

/**
 * What every run records next to its outputs. The backend is passed in (`backendInfo()` after
 * `initBackend()`) so this module stays free of tfjs and can serve plain file writers.
 */
export function runInfo(command: string, backend: BackendInfo): RunInfo {
  return {
    startedAt: new Date().toISOString(),
    command,
    gitCommit: gitCommit(),
    gitDirty: gitDirty(),
    backend,
    node: process.version,
  };
}
