// `--name value` arguments of the results scripts; a missing one names the script's header for usage.
import { basename } from 'node:path';

export function scriptArg(name: string, fallback?: string): string {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? process.argv[i + 1] : fallback;
  if (v === undefined) throw new Error(`give --${name} (see the header of scripts/${basename(process.argv[1] ?? 'the script')})`);
  return v;
}
