// `mird info --preset paper|small|quick`: parameters and multiply–accumulates per module of
// the MIRD network (paper Table 2), counted from the config (nothing is allocated), and the
// paper-vs-code switches with their values in that preset.
import { CliError, integerFlag, parseOptionsOnly, type FlagSpec } from './args';
import { paperVsCode, PRESET_NAMES, resolveModelConfig, type ModelConfig, type ModelConfigOverrides, type PresetName } from '../model/config';
import { costTotals, humanCount, modelCost } from '../eval/efficiency';
import { textTable, type Row } from '../viz/display';

const SPEC: Record<string, FlagSpec> = {
  preset: { type: 'string', description: `model preset: ${PRESET_NAMES.join(' | ')} (default paper)` },
  'text-encoder': { type: 'string', description: "override textEncoder: lstm (paper) | bert (authors' code)" },
  'injection-layer': { type: 'number', description: 'override injectionLayer (0 = authors’ code)' },
  json: { type: 'boolean', description: 'print JSON instead of tables' },
  help: { type: 'boolean', description: 'show this help' },
};

export async function run(argv: string[]): Promise<number> {
  const flags = parseOptionsOnly(argv, 'info', '[--preset paper|small|quick] [--text-encoder lstm|bert] [--injection-layer k] [--json]', SPEC);
  if (flags === null) return 0;
  const preset = (flags.preset ?? 'paper') as string;
  if (!(PRESET_NAMES as readonly string[]).includes(preset)) throw new CliError(`--preset must be one of ${PRESET_NAMES.join(', ')}, got "${preset}"`);
  const overrides: ModelConfigOverrides = {};
  if (flags['text-encoder'] !== undefined) {
    const t = flags['text-encoder'];
    if (t !== 'lstm' && t !== 'bert') throw new CliError(`--text-encoder must be lstm or bert, got "${String(t)}"`);
    overrides.textEncoder = t;
  }
  if (flags['injection-layer'] !== undefined) overrides.injectionLayer = integerFlag(flags, 'injection-layer', 0, 0);
  let config: ModelConfig;
  try {
    config = resolveModelConfig(preset as PresetName, overrides);
  } catch (err) {
    // the config names its own field (injectionLayer); the user typed the flag
    const given = Object.entries({ preset, 'text-encoder': flags['text-encoder'], 'injection-layer': flags['injection-layer'] }).filter(([, v]) => v !== undefined);
    throw new CliError(`${given.map(([k, v]) => `--${k} ${String(v)}`).join(' ')}: ${err instanceof Error ? err.message : String(err)}`);
  }
  const rows = modelCost(config);
  const totals = costTotals(rows);
  if (flags.json === true) {
    process.stdout.write(JSON.stringify({ preset, config, modules: rows, totals }, null, 2) + '\n');
    return 0;
  }
  const table: Row[] = rows.map((r) => ({ module: r.module, group: r.group, params: r.params, 'params (h)': humanCount(r.params), MACs: r.macs, 'MACs (h)': humanCount(r.macs), what: r.note }));
  table.push({ module: 'total', group: '', params: totals.params, 'params (h)': humanCount(totals.params), MACs: totals.macs, 'MACs (h)': humanCount(totals.macs), what: 'training graph (with decoders)' });
  table.push({ module: 'inference', group: '', params: totals.inferenceParams, 'params (h)': humanCount(totals.inferenceParams), MACs: totals.inferenceMacs, 'MACs (h)': humanCount(totals.inferenceMacs), what: 'encoders + WSA-BERT + regressor' });
  const out = [
    `MIRD network, preset "${preset}": BERT ${config.bert.numLayers}×${config.bert.hiddenSize}, WSA after layer ${config.injectionLayer}, ` +
      `d = ${config.latentDim}, text ${config.textLength} tokens, audio ${config.audioLength}×${config.audioDim}, visual ${config.visualLength}×${config.visualDim}`,
    'MACs: one clip, nominal lengths, matrix products only (elementwise ops, LayerNorm, Sparsemax, lookups not counted).',
    '',
    textTable(table),
    '',
    'paper vs authors’ code:',
    textTable(paperVsCode(config)),
  ];
  process.stdout.write(out.join('\n') + '\n');
  return 0;
}
