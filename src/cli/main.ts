// `mird <command> [...]`: one entry for long runs, sweeps, evaluation and inspection. Each
// command lives in its own module and is loaded only when asked for, so `mird --help` stays
// fast and a broken optional dependency of one command cannot break the others.
import { readFileSync } from 'node:fs';
import { CliError } from './args';

export interface Command {
  summary: string;
  /** Loads the module and runs it; resolves to the process exit code. */
  run: (argv: string[]) => Promise<number>;
}

// Each command module exports `run(argv: string[]): Promise<number>`; add one entry per command.
export const COMMANDS: Record<string, Command> = {
  eval: { summary: 'metrics of a trained run on its splits: mird eval <run folder> [--split test|valid|train|all]', run: async (argv) => (await import('./eval')).runEval(argv) },
  predict: { summary: 'predictions of a trained run on any source: mird predict <run folder> <data> --out preds.csv', run: async (argv) => (await import('./eval')).runPredict(argv) },
  runs: { summary: 'list the run folders (mird runs), or show one (mird runs show <run folder>)', run: async (argv) => (await import('./runs')).run(argv) },
  train: { summary: 'train MIRD (Algorithm 1); no arguments: the main job on real MOSI: mird train [--preset main|paper|small|quick] [--seeds 0,1,2] [--set k=v]', run: async (argv) => (await import('./train')).run(argv) },
  sweep: { summary: 'a grid of training configs × seeds, one process per core, resumable, then mean ± sd per cell: mird sweep <spec.json> [--out <folder>]', run: async (argv) => (await import('./sweep')).run(argv) },
  backbones: { summary: 'offline text backbones: mird backbones compare|ship|show (MOSI text-only comparison -> results/text_backbones.csv)', run: async (argv) => (await import('./backbones')).run(argv) },
  'pretrain-text': { summary: 'masked-LM pretraining of a small BERT on MOSEI + MOSI-train transcripts (resumable): mird pretrain-text [--preset mini] [--steps N]', run: async (argv) => (await import('./pretrain-text')).run(argv) },
  extract: { summary: 'raw clips (videos, or audio + transcripts) to a frame-level dataset: mird extract <folder | files…> --labels <csv> --out <folder>', run: async (argv) => (await import('./extract')).run(argv) },
  data: { summary: 'inspect a data source: mird data inspect <file-or-preset> (e.g. mosi, synthetic:small)', run: async (argv) => (await import('./data')).run(argv) },
  'mi-toy': { summary: 'CLUB toy: MI estimators on correlated Gaussians + minimisation demo: mird mi-toy [--quick] --out <file.json>', run: async (argv) => (await import('./mi-toy')).run(argv) },
  info: { summary: 'parameters and MACs per module of the MIRD network or a Table 1 baseline: mird info --preset main|paper|small|quick [--model <baseline>]', run: async (argv) => (await import('./info')).run(argv) },
};

function usage(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((k) => k.length));
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`);
  return [
    'usage: mird <command> [options]',
    '       mird <command> --help   options of one command (also: mird help <command>)',
    '       mird --version',
    '',
    'commands:',
    ...lines,
    '',
    'MIRD_BACKEND=tensorflow|wasm|cpu forces a tfjs backend; MIRD_QUIET=1 silences progress.',
  ].join('\n');
}

/** The workspace version, from the package.json next to this checkout of the sources. */
export function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: unknown };
  return String(pkg.version);
}

export async function main(argv: string[]): Promise<number> {
  const [first, ...after] = argv;
  if (first === '--version' || first === '-V') {
    process.stdout.write(`mird ${version()}\n`);
    return 0;
  }
  if (first === '--help' || first === '-h' || (first === 'help' && after.length === 0)) {
    process.stdout.write(usage() + '\n');
    return 0;
  }
  if (first === undefined) {
    process.stderr.write(`mird: missing command\n\n${usage()}\n`);
    return 2;
  }
  // `mird help <command>` is `mird <command> --help`
  const [name, rest] = first === 'help' ? [after[0] as string, ['--help']] : [first, after];
  const command = COMMANDS[name];
  if (command === undefined) {
    process.stderr.write(`mird: unknown command "${name}"\n\n${usage()}\n`);
    return 2;
  }
  try {
    return await command.run(rest);
  } catch (err) {
    if (err instanceof CliError) {
      process.stderr.write(`mird ${name}: ${err.message}\n`);
      return 2;
    }
    const msg = err instanceof Error ? err.message : String(err);
    process.stderr.write(`mird ${name}: error: ${msg}\n`);
    if (process.env.MIRD_DEBUG === '1' && err instanceof Error && err.stack) process.stderr.write(err.stack + '\n');
    return 1;
  }
}
