// `mird data inspect <file-or-preset>`: opens any supported source and prints its splits,
// counts, shapes, label statistics and provenance notes. A malformed source exits 1 with the
// reader's error (file, line, field) on stderr. No tensors are made, so no tfjs backend is
// initialised (and none is printed).
import { CliError, helpText, integerFlag, parseArgs, seedFlag, type FlagSpec } from './args';

const FLAGS: Record<string, FlagSpec> = {
  seed: { type: 'number', description: 'seed for synthetic:* sources, a non-negative integer (default: the preset seed, 1234)' },
  json: { type: 'boolean', description: 'print the summary as JSON instead of tables' },
  'no-tokens': { type: 'boolean', description: 'skip the WordPiece token-length statistics' },
  'max-tokens': { type: 'number', description: 'token budget incl. [CLS]/[SEP] for the truncation count (default 50)' },
  help: { type: 'boolean', description: 'show this help' },
};

const SYNOPSIS = 'inspect <file-or-preset> [options]';

async function usageText(): Promise<string> {
  const { knownSources } = await import('../data/sources');
  return `${helpText('data', SYNOPSIS, FLAGS)}\n\nsources: ${knownSources().join(', ')}, or a path to a .pkl file;\n  a+b adds every clip of b to a as unlabeled clips (e.g. mosi-pkl+emovoxceleb)\nexample: mird data inspect mosi`;
}

interface TokenStats {
  min: number;
  mean: number;
  max: number;
  overBudget: number;
  clips: number;
  budget: number;
}

export async function run(argv: string[]): Promise<number> {
  const { flags, positional } = parseArgs(argv, FLAGS);
  if (flags.help === true) {
    process.stdout.write((await usageText()) + '\n');
    return 0;
  }
  const [sub, spec, ...extra] = positional;
  if (sub !== 'inspect') throw new CliError(sub === undefined ? `missing subcommand\n${await usageText()}` : `unknown subcommand "${sub}" (known: inspect)`);
  if (spec === undefined) throw new CliError(`inspect needs a source\n${await usageText()}`);
  if (extra.length > 0) throw new CliError(`unexpected arguments: ${extra.join(' ')}`);
  const budget = integerFlag(flags, 'max-tokens', 50, 2);
  const seed = flags.seed === undefined ? undefined : seedFlag(flags);
  if (seed !== undefined && !spec.includes('synthetic:')) throw new CliError('--seed applies to synthetic:* sources only');

  const { openSource, summarizeDataset, shapeRows, labelRows } = await import('../data/sources');
  const { textTable } = await import('../viz/display');
  const { SPLIT_NAMES } = await import('../data/types');
  const ds = openSource(spec, seed === undefined ? {} : { seed });
  const summary = summarizeDataset(ds);

  let tokens: Record<string, TokenStats> | null = null;
  let tokenNote: string | null = null;
  if (flags['no-tokens'] !== true) {
    try {
      const { defaultTokenizer } = await import('../text/tokenizer');
      const tok = defaultTokenizer();
      tokens = {};
      const groups: [string, { text: string; tokenIds?: Int32Array }[]][] = SPLIT_NAMES.map((s) => [s, ds.splits[s]]);
      if (ds.unlabeled.length > 0) groups.push(['unlabeled', ds.unlabeled]);
      for (const [name, clips] of groups) {
        if (clips.length === 0) continue;
        // count without truncation: a budget far above any transcript gives the full length
        const lengths = clips.map((c) => (c.tokenIds !== undefined ? c.tokenIds.length : tok.encode(c.text, 100000).length));
        const sum = lengths.reduce((a, x) => a + x, 0);
        tokens[name] = {
          min: Math.min(...lengths),
          mean: sum / lengths.length,
          max: Math.max(...lengths),
          overBudget: lengths.filter((x) => x > budget).length,
          clips: lengths.length,
          budget,
        };
      }
    } catch (err) {
      tokens = null;
      tokenNote = `token statistics skipped: ${err instanceof Error ? err.message : String(err)}`;
    }
  }

  if (flags.json === true) {
    process.stdout.write(JSON.stringify({ source: spec, ...summary, tokens }, null, 2) + '\n');
    return 0;
  }
  const out: string[] = [];
  out.push(`source   ${spec}`);
  out.push(`dataset  ${summary.name}`);
  out.push(`dims     audio ${summary.audioDim}, visual ${summary.visualDim}${summary.hasFactors ? '; every clip carries its true factors (s, p_L, p_A, p_V)' : ''}`);
  out.push('', 'splits and shapes (lengths in frames: min / mean / max × dim; — = modality absent)', textTable(shapeRows(summary)));
  const lr = labelRows(summary);
  if (lr.length > 0) out.push('', 'labels (sentiment in [-3, 3]; std is the population std)', textTable(lr));
  if (tokens !== null) {
    const rows = Object.entries(tokens).map(([split, t]) => ({
      split,
      'tokens (min/mean/max)': `${t.min} / ${t.mean.toFixed(1)} / ${t.max}`,
      [`over ${t.budget}`]: t.overBudget,
      'over %': ((100 * t.overBudget) / t.clips).toFixed(1),
    }));
    out.push('', `text: bert-base-uncased WordPiece tokens incl. [CLS]/[SEP]; clips over ${budget} are truncated when batched`, textTable(rows));
  }
  if (tokenNote !== null) out.push('', tokenNote);
  out.push('', 'notes');
  for (const n of summary.notes) out.push(`  - ${n}`);
  process.stdout.write(out.join('\n') + '\n');
  return 0;
}
