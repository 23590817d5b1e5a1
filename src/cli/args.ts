// Minimal, strict argument parsing shared by every command: unknown flags are errors that
// name the flag, never silently ignored.

export class CliError extends Error {}

export interface FlagSpec {
  /** 'boolean' flags take no value; 'string' and 'number' take the next word or `--flag=value`. */
  type: 'boolean' | 'string' | 'number';
  description: string;
}

export interface Parsed {
  flags: Record<string, string | number | boolean | undefined>;
  positional: string[];
}

export function parseArgs(argv: string[], spec: Record<string, FlagSpec>): Parsed {
  const flags: Parsed['flags'] = {};
  const positional: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const word = argv[i] as string;
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
      const n = Number(value);
      if (!Number.isFinite(n)) throw new CliError(`option --${name} needs a number, got "${value}"`);
      flags[name] = n;
    } else {
      flags[name] = value;
    }
  }
  return { flags, positional };
}

export function helpText(command: string, synopsis: string, spec: Record<string, FlagSpec>): string {
  const rows = Object.entries(spec).map(([k, s]) => `  --${k}${s.type === 'boolean' ? '' : ` <${s.type}>`}  ${s.description}`);
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

/** A seed flag: a non-negative integer, 0 when absent. */
export function seedFlag(flags: Parsed['flags'], key = 'seed'): number {
  const v = flags[key] === undefined ? 0 : Number(flags[key]);
  if (!Number.isInteger(v) || v < 0) throw new CliError(`--${key} must be a non-negative integer, got ${String(v)}`);
  return v;
}
