// Minimal, strict argument parsing shared by every command: unknown flags are errors that
// name the flag, never silently ignored. The checks of seeds, numbers and paths live here too,
// so every command applies one rule and says the same thing when a value breaks it, before
// any data is read or any file written.
import { accessSync, constants, existsSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

export class CliError extends Error {}

export interface FlagSpec {
  /**
   * 'boolean' flags take no value; 'string' and 'number' take the next word or `--flag=value`;
   * 'list' flags take a value each time they are given, collected in order in `lists`.
   */
  type: 'boolean' | 'string' | 'number' | 'list';
  description: string;
}

export interface Parsed {
  flags: Record<string, string | number | boolean | undefined>;
  /** every value of each 'list' flag, in order */
  lists: Record<string, string[]>;
  positional: string[];
}

// Number() alone accepts '', ' ', '0x10' and 'Infinity'; a flag value must read as a decimal.
const DECIMAL = /^[+-]?(\d+(\.\d*)?|\.\d+)(e[+-]?\d+)?$/i;

export function parseArgs(argv: string[], spec: Record<string, FlagSpec>): Parsed {
  const flags: Parsed['flags'] = {};
  const lists: Parsed['lists'] = {};
  const positional: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const word = argv[i] as string;
    if (word === '-h' && spec.help !== undefined) {
      flags.help = true;
      continue;
    }
    if (!word.startsWith('--')) {
      positional.push(word);
      continue;
    }
    const eq = word.indexOf('=');
    const name = eq >= 0 ? word.slice(2, eq) : word.slice(2);
    const s = spec[name];
    if (s === undefined) {
      const known = Object.keys(spec).map((k) => `--${k}`).join(', ');
      throw new CliError(`unknown option --${name} (known: ${known || 'none'})`);
    }
    // the last of two values used to win silently; a repeated flag is almost always a typo
    if (flags[name] !== undefined && name !== 'help' && s.type !== 'list') throw new CliError(`option --${name} is given twice`);
    if (s.type === 'boolean') {
      if (eq >= 0) throw new CliError(`option --${name} takes no value`);
      flags[name] = true;
      continue;
    }
    let value: string | undefined;
    if (eq >= 0) value = word.slice(eq + 1);
    else {
      value = argv[i + 1];
      i += 1;
    }
    if (value === undefined || value === '') throw new CliError(`option --${name} needs a value`);
    if (s.type === 'number') {
      if (!DECIMAL.test(value)) throw new CliError(`option --${name} needs a number, got "${value}"`);
      flags[name] = Number(value);
    } else if (s.type === 'list') {
      (lists[name] ??= []).push(value);
    } else {
      flags[name] = value;
    }
  }
  return { flags, lists, positional };
}

export function helpText(command: string, synopsis: string, spec: Record<string, FlagSpec>): string {
  const rows = Object.entries(spec).map(([k, s]) => `  --${k}${s.type === 'boolean' ? '' : s.type === 'list' ? ' <value> (repeatable)' : ` <${s.type}>`}  ${s.description}`);
  return [`usage: mird ${command} ${synopsis}`, ...(rows.length ? ['', 'options:', ...rows] : [])].join('\n');
}

/**
 * For commands that take options only: parses, prints the help and returns null on --help
 * (the spec must define `help`), and rejects positional words.
 */
export function parseOptionsOnly(argv: string[], command: string, synopsis: string, spec: Record<string, FlagSpec>): Parsed['flags'] | null {
  const { flags, positional } = parseArgs(argv, spec);
  if (flags.help === true) {
    process.stdout.write(helpText(command, synopsis, spec) + '\n');
    return null;
  }
  if (positional.length > 0) throw new CliError(`unexpected argument "${positional[0]}"`);
  return flags;
}

/** A number flag that must be > 0 (and an integer when `integer`); `fallback` when absent. */
export function positiveFlag(flags: Parsed['flags'], key: string, fallback: number, integer: boolean): number {
  const v = flags[key] === undefined ? fallback : Number(flags[key]);
  if (!Number.isFinite(v) || v <= 0 || (integer && !Number.isInteger(v))) throw new CliError(`--${key} must be a positive ${integer ? 'integer' : 'number'}, got ${String(v)}`);
  return v;
}

/** An integer flag in [min, max]; `fallback` when absent. */
export function integerFlag(flags: Parsed['flags'], key: string, fallback: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const v = flags[key] === undefined ? fallback : Number(flags[key]);
  if (!Number.isInteger(v) || v < min || v > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `≥ ${min}` : `in [${min}, ${max}]`;
    throw new CliError(`--${key} must be an integer ${range}, got ${String(v)}`);
  }
  return v;
}

/**
 * The largest seed: Rng and deriveSeed read a seed as an unsigned 32-bit integer, so 2^32
 * would silently draw the same numbers as 0.
 */
export const MAX_SEED = 2 ** 32 - 1;

function checkSeed(v: number, shown: string, key: string, many: boolean): number {
  if (!Number.isInteger(v) || v < 0 || v > MAX_SEED) {
    throw new CliError(`--${key} ${many ? 'must be non-negative integers' : 'must be a non-negative integer'}, got ${shown} (seeds are 0 to ${MAX_SEED})`);
  }
  return v;
}

/** A seed flag: a non-negative integer below 2^32; `fallback` (0) when absent. */
export function seedFlag(flags: Parsed['flags'], key = 'seed', fallback = 0): number {
  const v = flags[key] === undefined ? fallback : Number(flags[key]);
  return checkSeed(v, String(v), key, false);
}

/**
 * A comma-separated seed list (`--seeds 0,1,2`): each entry follows the seedFlag rule; empty
 * entries and repeats are errors, since a repeated seed would measure the same run twice.
 */
export function seedListFlag(flags: Parsed['flags'], key = 'seeds', fallback: readonly number[] = [0, 1, 2]): number[] {
  const raw = flags[key];
  if (raw === undefined) return [...fallback];
  const text = String(raw);
  const seeds: number[] = [];
  for (const part of text.split(',')) {
    const word = part.trim();
    if (word === '') throw new CliError(`--${key} has an empty entry in "${text}" (write e.g. 0,1,2)`);
    const v = checkSeed(DECIMAL.test(word) ? Number(word) : NaN, `"${word}"`, key, true);
    if (seeds.includes(v)) throw new CliError(`--${key} lists seed ${v} twice`);
    seeds.push(v);
  }
  return seeds;
}

// Paths. Each check runs before any work, so a wrong path costs nothing; it returns the
// absolute path so that later messages and files agree on one spelling.

function nearestExisting(path: string): string {
  let p = path;
  while (!existsSync(p)) {
    const up = dirname(p);
    if (up === p) break;
    p = up;
  }
  return p;
}

function checkCreatable(abs: string, label: string): void {
  const anchor = nearestExisting(dirname(abs));
  if (!statSync(anchor).isDirectory()) throw new CliError(`${label}: ${anchor} is a file, so ${abs} cannot be created`);
  try {
    accessSync(anchor, constants.W_OK);
  } catch {
    throw new CliError(`${label}: cannot write in ${anchor} (permission denied)`);
  }
}

/** A file the command will write: not a directory, and its folder exists or can be made. */
export function outputFile(path: string, flag: string): string {
  const abs = resolve(path);
  const label = `${flag} ${path}`;
  if (existsSync(abs)) {
    const st = statSync(abs);
    if (st.isDirectory()) throw new CliError(`${label} is a directory; give a file path`);
    if (!st.isFile()) throw new CliError(`${label} is not a regular file`);
  }
  checkCreatable(abs, label);
  return abs;
}

/** A folder the command will write into: a directory if it exists, else one that can be made. */
export function outputDir(path: string, flag: string): string {
  const abs = resolve(path);
  const label = `${flag} ${path}`;
  if (existsSync(abs)) {
    if (!statSync(abs).isDirectory()) throw new CliError(`${label} is a file, not a folder`);
    try {
      accessSync(abs, constants.W_OK);
    } catch {
      throw new CliError(`${label}: cannot write there (permission denied)`);
    }
    return abs;
  }
  checkCreatable(abs, label);
  return abs;
}

/** A file the command reads: it must exist and be a file. `hint` says where one comes from. */
export function inputFile(path: string, flag: string, hint = ''): string {
  const abs = resolve(path);
  if (!existsSync(abs)) throw new CliError(`${flag} ${path}: file not found${hint ? `; ${hint}` : ''}`);
  if (!statSync(abs).isFile()) throw new CliError(`${flag} ${path} is a directory, not a file`);
  return abs;
}

/** A folder the command reads: it must exist, be a folder and hold `files`. */
export function inputDir(path: string, flag: string, files: readonly string[] = [], hint = ''): string {
  const abs = resolve(path);
  const tail = hint ? `; ${hint}` : '';
  if (!existsSync(abs)) throw new CliError(`${flag} ${path}: folder not found${tail}`);
  if (!statSync(abs).isDirectory()) throw new CliError(`${flag} ${path} is a file, not a folder`);
  const missing = files.filter((f) => !existsSync(resolve(abs, f)));
  if (missing.length > 0) throw new CliError(`${flag} ${path} has no ${missing.join(', ')}${tail}`);
  return abs;
}
