// `mird info --preset main|paper|small|quick`: parameters and multiply–accumulates per module of
// the MIRD network (paper Table 2), counted from the config (nothing is allocated, no data or
// weights are read), and the paper-vs-code switches with their values in that config.
//   paper | small | quick   the model presets of src/model/config.ts;
//   main                    the model of the workspace's main job (`mird train` with no
//                           arguments): RUN_PRESETS.main's model config with the data's feature
//                           sizes (MOSI utterance features: audio 73, visual 100) and the shape
//                           of its text checkpoint's upper layers (data/text/use-lite-mosei/
//                           config.json; its weights are not read), as src/train/setup.ts
//                           resolves it.
// `--model <baseline>` counts a Table 1 baseline instead (src/model/baselines/), at its defaults
// (the quick preset: its small widths), reading what MIRD reads on that preset (the host's
// input-level states, the same frame sizes and lengths).
import { existsSync, readFileSync } from 'node:fs';
import { CliError, integerFlag, parseOptionsOnly, type FlagSpec } from './args';
import { paperVsCode, PRESET_NAMES, resolveModelConfig, type ModelConfig, type ModelConfigOverrides, type PresetName } from '../model/config';
import { baselineCost, baselineShapesOf, costTotals, humanCount, modelCost } from '../eval/efficiency';
import { BASELINE_KINDS, type BaselineKind } from '../model/baselines/kinds';
import { RUN_PRESETS } from '../train/presets';
import { MOSI_FEATURE_DIMS } from '../data/mosi';
import { BERT_PRESETS, type BertConfig } from '../text/bert-config';
import { USE_LITE_VOCAB_SIZE } from '../text/use-lite';
import { repoPath } from '../paths';
import { textTable, type Row } from '../viz/display';

const INFO_PRESETS = ['main', ...PRESET_NAMES] as const;
type InfoPreset = (typeof INFO_PRESETS)[number];
const TEXT_HOSTS = ['bert', 'use-lite'] as const;
const TEXT_ENCODERS = ['lstm', 'bert', 'lstm-host'] as const;
const TEXT_RECONSTRUCTIONS = ['tokens', 'hostStates'] as const;

const SPEC: Record<string, FlagSpec> = {
  preset: { type: 'string', description: `model: ${INFO_PRESETS.join(' | ')} (default paper; main = the main job's model, see mird train)` },
  'text-host': { type: 'string', description: 'override textHost: bert (paper) | use-lite (fixed to use-lite by --preset main)' },
  'text-encoder': { type: 'string', description: "override textEncoder: lstm (paper) | bert (authors' code) | lstm-host" },
  'text-reconstruction': { type: 'string', description: 'override textReconstruction: tokens (paper) | hostStates' },
  'injection-layer': { type: 'number', description: 'override injectionLayer (0 = authors’ code)' },
  model: { type: 'string', description: `a Table 1 baseline instead of MIRD: ${BASELINE_KINDS.join(' | ')}` },
  json: { type: 'boolean', description: 'print JSON instead of tables' },
  help: { type: 'boolean', description: 'show this help' },
};

/** The upper-layer shape a USE-lite checkpoint folder declares in its config.json (its weights are not read). */
export function useLiteUpperShape(dir: string): Partial<BertConfig> {
  const path = `${dir}/config.json`;
  if (!existsSync(path)) throw new Error(`${path} not found`);
  const raw = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  if (raw.kind !== 'use-lite-upper') throw new Error(`${path}: kind must be "use-lite-upper", got ${JSON.stringify(raw.kind)}`);
  const shape: Partial<BertConfig> = {};
  for (const k of ['hiddenSize', 'numLayers', 'numHeads', 'intermediateSize', 'layerNormEps', 'hiddenDropout', 'attentionDropout'] as const) {
    if (typeof raw[k] !== 'number') throw new Error(`${path}: ${k} must be a number`);
    shape[k] = raw[k] as number;
  }
  return shape;
}

/**
 * The main job's model config: RUN_PRESETS.main's model with the MOSI feature sizes and the
 * shape of its USE-lite text checkpoint (BERT mini filled in, then the checkpoint's shape, the
 * USE-lite vocabulary, 512 positions, 1 type: as src/train/setup.ts builds it), then `overrides`.
 */
export function mainModelConfig(overrides: ModelConfigOverrides = {}): ModelConfig {
  const p = RUN_PRESETS.main;
  const presetModel = resolveModelConfig(p.model, p.modelOverrides);
  if (presetModel.textHost !== 'use-lite') throw new Error(`RUN_PRESETS.main: expected a use-lite host, got ${presetModel.textHost}`);
  const shape = useLiteUpperShape(repoPath('data', 'text', p.textCheckpoint));
  const bert: BertConfig = { ...BERT_PRESETS.mini, ...shape, vocabSize: USE_LITE_VOCAB_SIZE, maxPositions: 512, typeVocabSize: 1 };
  return resolveModelConfig(presetModel, { ...overrides, audioDim: MOSI_FEATURE_DIMS.audio, visualDim: MOSI_FEATURE_DIMS.video, textHost: 'use-lite', bert });
}

function choice<T extends string>(flags: Record<string, unknown>, key: string, allowed: readonly T[]): T | undefined {
  const v = flags[key];
  if (v === undefined) return undefined;
  if (!(allowed as readonly unknown[]).includes(v)) throw new CliError(`--${key} must be one of ${allowed.join(', ')}, got "${String(v)}"`);
  return v as T;
}

export async function run(argv: string[]): Promise<number> {
  const flags = parseOptionsOnly(
    argv, 'info',
    '[--preset main|paper|small|quick] [--model <baseline>] [--text-host bert|use-lite] [--text-encoder lstm|bert|lstm-host] [--text-reconstruction tokens|hostStates] [--injection-layer k] [--json]',
    SPEC,
  );
  if (flags === null) return 0;
  const preset = (flags.preset ?? 'paper') as string;
  if (!(INFO_PRESETS as readonly string[]).includes(preset)) throw new CliError(`--preset must be one of ${INFO_PRESETS.join(', ')}, got "${preset}"`);
  const overrides: ModelConfigOverrides = {};
  const host = choice(flags, 'text-host', TEXT_HOSTS);
  if (host !== undefined) {
    if (preset === 'main' && host !== 'use-lite') throw new CliError(`--text-host ${host}: the main job's host is fixed by its text checkpoint (${RUN_PRESETS.main.textCheckpoint}: use-lite)`);
    overrides.textHost = host;
  }
  const encoder = choice(flags, 'text-encoder', TEXT_ENCODERS);
  if (encoder !== undefined) overrides.textEncoder = encoder;
  const reconstruction = choice(flags, 'text-reconstruction', TEXT_RECONSTRUCTIONS);
  if (reconstruction !== undefined) overrides.textReconstruction = reconstruction;
  if (flags['injection-layer'] !== undefined) overrides.injectionLayer = integerFlag(flags, 'injection-layer', 0, 0);
  let config: ModelConfig;
  try {
    config = preset === 'main' ? mainModelConfig(overrides) : resolveModelConfig(preset as PresetName, overrides);
  } catch (err) {
    // the config names its own field (injectionLayer); the user typed the flag
    const given = Object.entries({ preset, ...Object.fromEntries(['text-host', 'text-encoder', 'text-reconstruction', 'injection-layer'].map((k) => [k, flags[k]])) })
      .filter(([, v]) => v !== undefined);
    throw new CliError(`${given.map(([k, v]) => `--${k} ${String(v)}`).join(' ')}: ${err instanceof Error ? err.message : String(err)}`);
  }
  const model = choice(flags, 'model', BASELINE_KINDS);
  if (model !== undefined) return printBaseline(model, preset as InfoPreset, config, flags.json === true);
  return print(preset as InfoPreset, config, flags.json === true);
}

async function printBaseline(kind: BaselineKind, preset: InfoPreset, mird: ModelConfig, json: boolean): Promise<number> {
  const { baselineConfigFor } = await import('../model/baselines/index');
  const config = baselineConfigFor(kind, preset);
  const shapes = baselineShapesOf(mird);
  const rows = baselineCost(kind, config, shapes);
  const params = rows.reduce((s, r) => s + r.params, 0);
  const macs = rows.reduce((s, r) => s + r.macs, 0);
  if (json) {
    process.stdout.write(JSON.stringify({ preset, system: kind, config, shapes, modules: rows, totals: { params, macs } }, null, 2) + '\n');
    return 0;
  }
  const table: Row[] = rows.map((r) => ({ module: r.module, params: r.params, 'params (h)': humanCount(r.params), MACs: r.macs, 'MACs (h)': humanCount(r.macs), what: r.note }));
  table.push({ module: 'total', params, 'params (h)': humanCount(params), MACs: macs, 'MACs (h)': humanCount(macs), what: '' });
  const host = shapes.hostTableParams > 0 ? `the BERT host's word embeddings (${shapes.textWidth}-d, a trained table)` : `the frozen USE-lite states (${shapes.textWidth}-d)`;
  process.stdout.write([
    `${kind}, preset "${preset}": X^L = ${host}, text ${shapes.textLength} tokens, audio ${shapes.audioLength}×${shapes.audioDim}, visual ${shapes.visualLength}×${shapes.visualDim}`,
    'MACs: one clip, nominal lengths, matrix products only (elementwise ops, LayerNorm, softmax, lookups not counted).',
    '',
    textTable(table),
  ].join('\n') + '\n');
  return 0;
}

function print(preset: InfoPreset, config: ModelConfig, json: boolean): number {
  const rows = modelCost(config);
  const totals = costTotals(rows);
  if (json) {
    process.stdout.write(JSON.stringify({ preset, config, modules: rows, totals }, null, 2) + '\n');
    return 0;
  }
  const table: Row[] = rows.map((r) => ({ module: r.module, group: r.group, params: r.params, 'params (h)': humanCount(r.params), MACs: r.macs, 'MACs (h)': humanCount(r.macs), what: r.note }));
  table.push({ module: 'total', group: '', params: totals.params, 'params (h)': humanCount(totals.params), MACs: totals.macs, 'MACs (h)': humanCount(totals.macs), what: 'training graph (with decoders)' });
  table.push({ module: 'inference', group: '', params: totals.inferenceParams, 'params (h)': humanCount(totals.inferenceParams), MACs: totals.inferenceMacs, 'MACs (h)': humanCount(totals.inferenceMacs), what: 'encoders + shared encoder (host + WSA + head) + regressor' });
  const b = config.bert;
  const hostLine = config.textHost === 'bert'
    ? `BERT ${b.numLayers}×${b.hiddenSize}, WSA after layer ${config.injectionLayer}`
    : `frozen USE-lite (512) + upper layers ${b.numLayers}×${b.hiddenSize}, WSA after upper layer ${config.injectionLayer}`;
  const frozen = rows.flatMap((r) => (r.frozen === undefined ? [] : [
    `not counted: ${r.frozen.what}: ${r.frozen.params} params (${humanCount(r.frozen.params)}), ${r.frozen.macs} MACs (${humanCount(r.frozen.macs)}) per text of ${config.textLength} pieces.`,
  ]));
  const out = [
    `MIRD network, preset "${preset}": ${hostLine}, text encoder ${config.textEncoder}, text reconstruction ${config.textReconstruction}, ` +
      `d = ${config.latentDim}, text ${config.textLength} tokens, audio ${config.audioLength}×${config.audioDim}, visual ${config.visualLength}×${config.visualDim}`,
    ...(preset === 'main' ? [`(the main job's model: RUN_PRESETS.main, MOSI feature sizes, upper-layer shape of data/text/${RUN_PRESETS.main.textCheckpoint})`] : []),
    'MACs: one clip, nominal lengths, matrix products only (elementwise ops, LayerNorm, Sparsemax, lookups not counted).',
    ...frozen,
    '',
    textTable(table),
    '',
    'paper vs authors’ code:',
    textTable(paperVsCode(config)),
  ];
  process.stdout.write(out.join('\n') + '\n');
  return 0;
}
