// What the results scripts share: `--name value` arguments, writing a figure as SVG and PNG, and
// one way to fail (the message on stderr, prefixed by the script's name, exit status 1).
import { basename } from 'node:path';
import { writeFileAtomic } from '../src/util/files';
import { renderPng, renderSvg, type VegaLiteSpec } from '../src/viz/render';

/** The value of `--name`, or `fallback`; a missing one names the script's header for usage. */
export function scriptArg(name: string, fallback?: string): string {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? process.argv[i + 1] : fallback;
  if (v === undefined) throw new Error(`give --${name} (see the header of scripts/${basename(process.argv[1] ?? 'the script')})`);
  return v;
}

/** <out>.svg and <out>.png of a vega-lite spec, each written whole or not at all. */
export async function writeFigure(out: string, spec: VegaLiteSpec): Promise<void> {
  writeFileAtomic(`${out}.svg`, await renderSvg(spec));
  writeFileAtomic(`${out}.png`, await renderPng(spec));
}

/** Runs a script's main; an error is printed as "<name>: message" and exits with status 1. */
export function runScript(name: string, main: () => Promise<void>): void {
  main().catch((err: unknown) => {
    process.stderr.write(`${name}: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}
