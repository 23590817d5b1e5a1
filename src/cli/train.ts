// `mird train`: trains MIRD (paper Algorithm 1) and reports valid and test metrics. With no
// arguments it runs the main job: real MOSI (transcripts + utterance audio/visual features,
// Poria et al.'s speaker-independent split), WSA injected into the frozen USE-lite host.
// Every input is checked before anything is written; each seed writes one run folder.
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { CliError, helpText, integerFlag, outputDir, parseArgs, seedFlag, seedListFlag, type FlagSpec } from './args';

const FLAGS: Record<string, FlagSpec> = {
  model: { type: 'string', description: 'mird (default) | text-host: the same text host alone, no audio/visual (its shipped fine-tuning recipe), for comparison | ef-lstm | tfn | lmf: a Table 1 baseline on the same data, text host, trainer and records (--set its config keys and the generic training keys)' },
  preset: { type: 'string', description: 'main (default: real MOSI, USE-lite host) | paper (bert-base shapes, GPU-sized) | small | quick (synthetic, tiny)' },
  data: { type: 'string', description: "data source (default: the preset's; e.g. mosi, synthetic:small, a .pkl file; see mird data inspect --help)" },
  unlabeled: { type: 'string', description: 'unlabeled source added to the pool (MIRD2), e.g. emovoxceleb or a .pkl; sets splitRate 2 unless --set splitRate=N' },
  'text-checkpoint': { type: 'string', description: "text host: use-lite-mosei | bert-mini | none (random BERT) | a folder (Hugging Face BERT, or USE-lite upper layers) (default: the preset's)" },
  seed: { type: 'number', description: 'run seed, a non-negative integer (default 0)' },
  seeds: { type: 'string', description: 'several seeds, e.g. 0,1,2: one run each, then mean ± sd' },
  set: { type: 'list', description: 'key=value override of a model or training config field, e.g. --set lr=1e-4 --set bert.hiddenDropout=0.2' },
  out: { type: 'string', description: 'run folder (default runs/<preset>-s<seed>-<time>; with --seeds, one seed-N folder each inside it)' },
  resume: { type: 'boolean', description: 'continue the run in --out from its last completed epoch (a finished run is only reported)' },
  jobs: { type: 'number', description: 'with --seeds: runs at once, as separate processes (default: min(seeds, cores))' },
  emit: { type: 'string', description: 'slurm | k8s: write the runs of --seeds as a Slurm job array (slurm-array.sh) or a Kubernetes Indexed Job (k8s-job.json) into --out, one index per seed, instead of running them' },
  image: { type: 'string', description: 'with --emit k8s: the container image (Node 20, the workspace installed in /workspace)' },
  json: { type: 'boolean', description: 'print the result as JSON' },
  help: { type: 'boolean', description: 'show this help' },
};

const SYNOPSIS = '[--model mird|text-host|ef-lstm|tfn|lmf] [--preset main|paper|small|quick] [--data <source>] [--unlabeled <source>] [--seed N | --seeds 0,1,2] [--set key=value ...] [--out <folder>] [--resume] [--emit slurm|k8s [--image <image>]]';

/** argv without the flags (and their values) that differ per run or only steer this process. */
function sharedArgs(argv: readonly string[], drop: readonly string[], dropBoolean: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    const name = a.startsWith('--') ? a.slice(2).split('=')[0] as string : null;
    if (name !== null && dropBoolean.includes(name)) continue;
    if (name !== null && drop.includes(name)) {
      if (!a.includes('=')) i += 1; // its value
      continue;
    }
    out.push(a);
  }
  return out;
}

function stamp(): string {
  return new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
}

/** key=value pairs; a malformed one or a repeated key names itself. */
export function parseSets(values: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const v of values) {
    const eq = v.indexOf('=');
    if (eq <= 0) throw new CliError(`--set ${v}: expected key=value`);
    const key = v.slice(0, eq).trim();
    if (key in out) throw new CliError(`--set ${key} is given twice`);
    out[key] = v.slice(eq + 1).trim();
  }
  return out;
}

const pct = (x: number): string => (100 * x).toFixed(1);
const num = (x: number): string => x.toFixed(3);

export async function run(argv: string[]): Promise<number> {
  const { flags, lists, positional } = parseArgs(argv, FLAGS);
  if (flags.help === true) {
    const { RUN_PRESETS } = await import('../train/presets');
    const presets = Object.entries(RUN_PRESETS).map(([k, p]) => `  ${k.padEnd(6)} ${p.description}`).join('\n');
    const { DEFAULT_TRAIN_CONFIG } = await import('../train/config');
    const { BASELINES } = await import('../model/baselines/index');
    const { GENERIC_TRAIN_KEYS } = await import('../train/config');
    const baselineKeys = Object.entries(BASELINES).map(([k, b]) => `  ${k.padEnd(8)} ${b.description}\n           keys: ${Object.keys(b.defaults).join(', ')}`).join('\n');
    process.stdout.write(`${helpText('train', SYNOPSIS, FLAGS)}\n\npresets:\n${presets}\n\ntraining keys for --set: ${Object.keys(DEFAULT_TRAIN_CONFIG).join(', ')}\nmodel keys: see mird info --help; bert.* keys set the text host's shape\n\nbaselines (--model), with the training keys that apply to them (${GENERIC_TRAIN_KEYS.join(', ')}):\n${baselineKeys}\n`);
    return 0;
  }
  if (positional.length > 0) throw new CliError(`unexpected argument "${positional[0]}"`);
  if (flags.seed !== undefined && flags.seeds !== undefined) throw new CliError('give --seed or --seeds, not both');
  const set = parseSets(lists.set ?? []);
  const { RUN_PRESET_NAMES } = await import('../train/presets');
  const preset = String(flags.preset ?? 'main');
  if (!(RUN_PRESET_NAMES as readonly string[]).includes(preset)) throw new CliError(`--preset ${preset}: unknown (known: ${RUN_PRESET_NAMES.join(', ')})`);
  const seeds = flags.seeds !== undefined ? seedListFlag(flags) : [seedFlag(flags)];
  const resume = flags.resume === true;
  if (resume && flags.out === undefined) throw new CliError('--resume needs --out <run folder>');
  const jobs = integerFlag(flags, 'jobs', Math.min(seeds.length, availableParallelism()), 1);
  const model = String(flags.model ?? 'mird');
  const { BASELINE_KINDS } = await import('../model/baselines/kinds');
  type BaselineKind = (typeof BASELINE_KINDS)[number];
  const baseline = (BASELINE_KINDS as readonly string[]).includes(model);
  if (model !== 'mird' && model !== 'text-host' && !baseline) throw new CliError(`--model ${model}: unknown (known: mird, text-host, ${BASELINE_KINDS.join(', ')})`);
  if (baseline && flags.unlabeled !== undefined) throw new CliError(`--unlabeled does not apply to --model ${model} (the baselines train on labeled clips only)`);
  const out = outputDir(String(flags.out ?? join('runs', `${baseline ? `${model}-` : ''}${preset}-${seeds.length > 1 ? 'seeds' : `s${seeds[0]}`}-${stamp()}`)), '--out');
  const spec = {
    preset: preset as 'main',
    ...(flags.data !== undefined ? { data: String(flags.data) } : {}),
    ...(flags.unlabeled !== undefined ? { unlabeled: String(flags.unlabeled) } : {}),
    ...(flags['text-checkpoint'] !== undefined ? { textCheckpoint: String(flags['text-checkpoint']) } : {}),
    set,
    ...(baseline ? { model: model as BaselineKind } : {}),
  };
  const command = ['mird', 'train', ...argv].join(' ');
  let hostVideoContext = 0;
  if (model === 'text-host') {
    for (const f of ['unlabeled', 'resume']) if (flags[f] !== undefined) throw new CliError(`--${f} does not apply to --model text-host`);
    const other = Object.keys(set).filter((k) => k !== 'videoContext');
    if (other.length > 0) throw new CliError(`--set ${other[0]} does not apply to --model text-host (it runs the host's shipped recipe; of the training keys only videoContext applies)`);
    if (set.videoContext !== undefined) {
      // the training config's own parse and check of the key
      const { parseTrainValue, resolveTrainConfig } = await import('../train/config');
      try {
        hostVideoContext = resolveTrainConfig({ videoContext: parseTrainValue('videoContext', set.videoContext) as number }).videoContext;
      } catch (err) {
        throw new CliError(`--set videoContext=${set.videoContext}: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
  }
  const dataName = spec.data ?? (await import('../train/presets')).RUN_PRESETS[preset as 'main'].data;
  const textCheckpoint = spec.textCheckpoint ?? (await import('../train/presets')).RUN_PRESETS[preset as 'main'].textCheckpoint;

  const emit = flags.emit === undefined ? null : String(flags.emit);
  if (emit !== null && emit !== 'slurm' && emit !== 'k8s') throw new CliError(`--emit ${emit}: unknown (known: slurm, k8s)`);
  if (flags.image !== undefined && emit !== 'k8s') throw new CliError('--image applies to --emit k8s only');
  if (emit === 'k8s' && (flags.image === undefined || String(flags.image).trim() === '')) throw new CliError('--emit k8s needs --image <container image> (Node 20 with the workspace installed in /workspace)');
  if (emit !== null && resume) throw new CliError('--resume does not apply to --emit (each emitted run resumes its own folder when it exists)');

  const { initBackend } = await import('../backend');
  await initBackend();
  const prepareChecks = async (): Promise<void> => {
    const { prepareRun, prepareBaselineRun } = await import('../train/setup');
    if (model === 'mird') await prepareRun({ ...spec, seed: seeds[0] as number });
    else if (baseline) await prepareBaselineRun({ ...spec, seed: seeds[0] as number });
  };
  if (emit !== null) {
    await prepareChecks(); // every check here, before a cluster runs anything
    const { slurmArrayScript, kubernetesIndexedJob } = await import('../train/schedulers');
    const { writeFileAtomic } = await import('../util/files');
    const outRel = relative(process.cwd(), resolve(out));
    if (outRel === '' || outRel.startsWith('..')) throw new CliError(`--out ${out}: with --emit the runs folder must be inside the workspace (the jobs run from its root)`);
    const runs = { args: sharedArgs(argv, ['seeds', 'seed', 'out', 'jobs', 'emit', 'image'], ['resume', 'json']), seeds, out: outRel.split('\\').join('/'), name: `mird-${model === 'text-host' ? 'text-host' : baseline ? `${model}-${preset}` : preset}-${seeds.length}runs`.toLowerCase(), resumable: model !== 'text-host' };
    const file = join(out, emit === 'slurm' ? 'slurm-array.sh' : 'k8s-job.json');
    const text = emit === 'slurm' ? slurmArrayScript(runs) : JSON.stringify(kubernetesIndexedJob(runs, { image: String(flags.image) }), null, 2) + '\n';
    writeFileAtomic(file, text);
    process.stdout.write(`wrote ${file}: ${seeds.length} run(s), one ${emit === 'slurm' ? 'array task' : 'job index'} each, into ${runs.out}/seed-N\n` +
      (emit === 'slurm' ? `submit from the workspace root: sbatch ${file}\n` : `apply: kubectl apply -f ${file} (the PersistentVolumeClaim "mird-runs" holds ${runs.out})\n`) +
      `when they have finished: npx mird runs --dir ${runs.out}\n`);
    return 0;
  }
  const { runTraining, summarizeSeeds } = await import('../train/run');
  const { runTextHost } = await import('../train/text-host-run');
  type Outcome = { seed: number; dir: string; valid: Record<string, number>; test: Record<string, number>; bestEpoch: number; epochs: number; seconds: number };
  const outcomes: Outcome[] = [];
  const runOne = async (seed: number, dir: string): Promise<Outcome> => {
    if (model === 'text-host') {
      const o = await runTextHost({ data: dataName, textCheckpoint, seed, ...(hostVideoContext === 0 ? {} : { videoContext: hostVideoContext }) }, dir, command);
      return { seed, dir, valid: o.valid, test: o.test, bestEpoch: o.bestEpoch, epochs: o.epochs, seconds: o.seconds };
    }
    // with --seeds --resume, a seed whose run never started starts now
    const o = await runTraining({ ...spec, seed }, { out: dir, resume: resume && (seeds.length === 1 || existsSync(join(dir, 'config.json'))), command });
    for (const n of o.notes.filter((x) => x.startsWith('LEAK GUARD'))) process.stderr.write(`${n}\n`);
    return { seed, dir, valid: o.result.valid, test: o.result.test, bestEpoch: o.result.bestEpoch, epochs: o.result.log.length, seconds: o.result.seconds };
  };
  if (seeds.length === 1) {
    outcomes.push(await runOne(seeds[0] as number, out));
  } else if (jobs === 1) {
    for (const seed of seeds) outcomes.push(await runOne(seed, join(out, `seed-${seed}`)));
  } else {
    // one process per seed, `jobs` at a time (each with cores / jobs wasm threads)
    await prepareChecks(); // every check once, before any child starts (and the state cache is warm)
    const base = sharedArgs(argv, ['seeds', 'out', 'jobs'], ['resume']);
    const { runTrainProcesses } = await import('./children');
    const failures = await runTrainProcesses(seeds.map((seed) => {
      const dir = join(out, `seed-${seed}`);
      const again = resume && existsSync(join(dir, 'config.json')) ? ['--resume'] : [];
      return { args: [...base, ...again, '--seed', String(seed), '--out', relative(process.cwd(), dir) || dir, '--json'], label: `seed ${seed}`, dir };
    }), jobs);
    if (failures.length > 0) throw new Error(`runs failed: ${failures.join(', ')}`);
    const { finishedResult } = await import('../train/run');
    const { RunDir } = await import('../train/records');
    for (const seed of seeds) {
      const dir = join(out, `seed-${seed}`);
      const r = finishedResult(RunDir.open(dir));
      outcomes.push({ seed, dir, valid: r.valid, test: r.test, bestEpoch: r.bestEpoch, epochs: r.log.length, seconds: r.seconds });
    }
  }

  const rows = outcomes.flatMap((o) => (['valid', 'test'] as const).map((split) => ({ seed: o.seed, split, metrics: o[split] as never })));
  const summary = summarizeSeeds(rows);
  if (seeds.length > 1) {
    const { writeFileAtomic } = await import('../util/files');
    const { displayPath } = await import('../data/csv');
    writeFileAtomic(join(out, 'summary.json'), JSON.stringify({ command, seeds, runs: outcomes.map((o) => ({ ...o, dir: displayPath(o.dir) })), summary }, null, 2) + '\n');
  }
  if (flags.json === true) {
    process.stdout.write(JSON.stringify({ out, runs: outcomes, summary }, null, 2) + '\n');
    return 0;
  }
  const { textTable } = await import('../viz/display');
  const line = (o: (typeof outcomes)[number]): Record<string, string | number> => ({
    seed: o.seed, 'best epoch': `${o.bestEpoch}/${o.epochs}`,
    'valid Acc2': pct(o.valid.acc2_non0 as number), 'valid MAE': num(o.valid.mae as number),
    'test Acc2': pct(o.test.acc2_non0 as number), 'test F1': pct(o.test.f1_non0 as number), 'test MAE': num(o.test.mae as number), 'test Corr': num(o.test.corr as number), 'test Acc7': pct(o.test.acc7 as number),
    minutes: (o.seconds / 60).toFixed(1),
  });
  process.stdout.write(`\n${model === 'text-host' ? `text host alone (${textCheckpoint})` : baseline ? `${model} (${preset})` : `MIRD (${preset})`} — ${outcomes.length === 1 ? `run ${outcomes[0]?.dir}` : `runs in ${out}`}\n${textTable(outcomes.map(line))}\n`);
  const test = (m: string): { mean: number; sd: number } => summary.find((s) => s.split === 'test' && s.metric === m) as { mean: number; sd: number };
  if (seeds.length > 1) {
    const f = (m: string, p: boolean): string => (p ? `${pct(test(m).mean)} ± ${pct(test(m).sd)}` : `${num(test(m).mean)} ± ${num(test(m).sd)}`);
    process.stdout.write(`test, mean ± sd over seeds ${seeds.join(', ')}: Acc2 ${f('acc2_non0', true)} %, F1 ${f('f1_non0', true)} %, MAE ${f('mae', false)}, Corr ${f('corr', false)}\n`);
  }
  process.stdout.write('Acc2/F1: non-zero labels, class = x > 0; MAE and Corr over all test clips; checkpoint selected on valid MAE, test scored once.\n');
  const { readFileSync } = await import('node:fs');
  const recorded = JSON.parse(readFileSync(join(outcomes[0]?.dir as string, 'config.json'), 'utf8')) as { resolved?: { train?: { videoContext?: number } }; recipe?: { videoContext?: number } };
  const videoContext = recorded.resolved?.train?.videoContext ?? recorded.recipe?.videoContext ?? 0;
  if (videoContext > 0) process.stdout.write(`Valid and test predictions include video context (videoContext ${videoContext}): ŷ + ${videoContext} × the mean ŷ of the other clips of the same video (label-free; src/eval/video-context.ts).\n`);
  if (dataName === 'mosi') {
    const { MOSI_UTTERANCE_REFERENCES } = await import('../eval/references');
    const refs = MOSI_UTTERANCE_REFERENCES.map((r) => ({
      system: r.system, 'test Acc2': r.acc2_non0 === null ? '—' : pct(r.acc2_non0), 'test F1': r.f1_non0 === null ? '—' : pct(r.f1_non0),
      'test MAE': r.mae === null ? '—' : num(r.mae), 'test Corr': r.corr === null ? '—' : num(r.corr), data: r.note,
    }));
    process.stdout.write(`\nreference points on the same split (752 test clips):\n${textTable(refs)}\n`);
    process.stdout.write(
      "The paper's own MIRD row (its Table 1) is not printed: no copy of the paper's tables is available offline here, and it is not comparable anyway " +
        '(frame-level 400 × 33 librosa / 55 × 709 OpenFace features, bert-base, the standard CMU-SDK split).\n',
    );
  }
  return 0;
}
