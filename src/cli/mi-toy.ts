// `mird mi-toy [--quick] --out <file.json> [--seed N] [--steps N]`: the CLUB paper's MI
// estimation experiment on the correlated-Gaussian toy, plus the MI-minimisation demo and a
// d = 64 width check (MIRD's latent size). Files written (atomically) for --out results/mi_toy.json:
//   results/mi_toy.json               [{estimator, level, trueMI, clubClosedForm, mean, std, bias, mse}]
//   results/mi_toy.minimisation.json  the minimisation demo (config, true MI and estimate per iteration)
//   results/mi_toy.d64.json           rows in the same format for d = 64, h32 (MIRD) vs h256
//   results/mi_toy.traces.json        thinned raw estimates per estimator (for plots)
//   results/mi_toy.md                 what was run: seed, steps, backend, git commit, tables
import { existsSync, rmSync } from 'node:fs';
import { backendInfo, describeBackend, initBackend } from '../backend';
import { type EstimatorSpec, parseEstimatorSpec, specName } from '../mi/factory';
import {
  DEFAULT_TOY_ESTIMATORS,
  type EstimationConfig,
  type EstimationRow,
  type MinimisationConfig,
  PAPER_ESTIMATION,
  PAPER_MINIMISATION,
  runEstimation,
  runMinimisation,
} from '../mi/toy-experiment';
import { markdownTable, meansTable } from '../mi/toy-results';
import { Progress } from '../util/progress';
import { CliError, type FlagSpec, integerFlag, outputFile, parseOptionsOnly, seedFlag } from './args';
import { gitCommit, gitDirty, writeFileAtomic } from '../util/files';

const SPEC: Record<string, FlagSpec> = {
  out: { type: 'string', description: 'output JSON file (required); sibling files share its stem' },
  quick: { type: 'boolean', description: 'short run (200 steps per level, stats over the last 100; short demo)' },
  seed: { type: 'number', description: 'run seed (default 0)' },
  steps: { type: 'number', description: 'steps per MI level (default 4000; quick 200)' },
  estimators: { type: 'string', description: `comma list of KIND-hN[-lvbB] (default ${DEFAULT_TOY_ESTIMATORS.map(specName).join(',')})` },
  cubic: { type: 'boolean', description: 'use the cubic variant y ← y³ (same true MI)' },
  'skip-minimisation': { type: 'boolean', description: 'do not run the minimisation demo' },
  'skip-d64': { type: 'boolean', description: 'do not run the d = 64 width check' },
  help: { type: 'boolean', description: 'show this help' },
};

/** d = 64 (MIRD's latent size): MIRD's CLUB hidden 32 vs a wide 256, MIRD's estimator lr and batch (144 = 48 + 96). */
export const D64_CHECK: Omit<EstimationConfig, 'seed' | 'stepsPerLevel' | 'lastK'> = {
  d: 64,
  batchSize: 144,
  levels: [2, 4, 6, 8, 10],
  lr: 1e-3,
  cubic: false,
  traceEvery: 5,
  estimators: [
    { kind: 'CLUB', hiddenSize: 32 },
    { kind: 'CLUB', hiddenSize: 256 },
  ],
};

function table(rows: EstimationRow[], d: number): string {
  return markdownTable(meansTable(rows, 2, d));
}

export async function run(argv: string[]): Promise<number> {
  const flags = parseOptionsOnly(argv, 'mi-toy', '[--quick] --out <file.json> [--seed N] [--steps N]', SPEC);
  if (flags === null) return 0;
  const outFlag = flags.out;
  if (typeof outFlag !== 'string') throw new CliError('--out <file.json> is required');
  if (!outFlag.endsWith('.json')) throw new CliError(`--out must name a .json file, got "${outFlag}"`);
  // every file of the run is checked now: a bad path used to fail only after the whole run
  const out = outputFile(outFlag, '--out');
  const stem = out.slice(0, -'.json'.length);
  for (const suffix of ['traces.json', 'd64.json', 'minimisation.json', 'md']) outputFile(`${stem}.${suffix}`, `--out (sibling file ${suffix})`);
  const quick = flags.quick === true;
  const seed = seedFlag(flags);
  const steps = integerFlag(flags, 'steps', quick ? 200 : PAPER_ESTIMATION.stepsPerLevel, 2);
  const lastK = Math.min(quick ? 100 : PAPER_ESTIMATION.lastK, steps);
  let estimators: EstimatorSpec[] = DEFAULT_TOY_ESTIMATORS;
  if (typeof flags.estimators === 'string') {
    try {
      estimators = flags.estimators.split(',').map(parseEstimatorSpec);
    } catch (err) {
      throw new CliError(`--estimators: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  await initBackend();
  const config: EstimationConfig = { ...PAPER_ESTIMATION, stepsPerLevel: steps, lastK, seed, cubic: flags.cubic === true, estimators };
  const started = new Date().toISOString();
  // at start: other commits may land while a long run works
  const commit = gitCommit(true) ?? 'unknown';
  const dirty = gitDirty(['src/mi', 'src/cli/mi-toy.ts']);

  const total = estimators.length * config.levels.length * steps;
  const bar = new Progress({ label: 'mi-toy estimation', total, unit: 'steps' });
  const estimation = runEstimation(config, { onStep: (name, level, v) => bar.tick(1, `${name} MI ${level}: ${v.toFixed(2)}`) });
  writeFileAtomic(out, JSON.stringify(estimation.rows, null, 1) + '\n');
  // files sharing the stem describe one run (loadToyResults reads them together): a part skipped
  // now must not leave an earlier run's file behind
  for (const [flag, suffix] of [['skip-d64', 'd64'], ['skip-minimisation', 'minimisation']] as const) {
    const stale = `${stem}.${suffix}.json`;
    if (flags[flag] === true && existsSync(stale)) {
      rmSync(stale);
      process.stderr.write(`removed ${stale} (from an earlier run; --${flag} given)\n`);
    }
  }
  writeFileAtomic(`${stem}.traces.json`, JSON.stringify({ config, traces: estimation.traces }) + '\n');

  let d64: { config: EstimationConfig; rows: EstimationRow[] } | null = null;
  if (flags['skip-d64'] !== true) {
    const d64Config: EstimationConfig = { ...D64_CHECK, stepsPerLevel: steps, lastK, seed };
    const bar64 = new Progress({ label: 'mi-toy d=64 check', total: d64Config.estimators.length * d64Config.levels.length * steps, unit: 'steps' });
    const r = runEstimation(d64Config, { onStep: (name, level, v) => bar64.tick(1, `${name} MI ${level}: ${v.toFixed(2)}`) });
    d64 = { config: d64Config, rows: r.rows };
    writeFileAtomic(`${stem}.d64.json`, JSON.stringify(d64, null, 1) + '\n');
  }

  let minimisation: ReturnType<typeof runMinimisation> | null = null;
  if (flags['skip-minimisation'] !== true) {
    // quick: 10× the reference learning rates so 500 iterations show the descent
    const mConfig: MinimisationConfig = quick
      ? { ...PAPER_MINIMISATION, iterations: 500, samplerLr: 1e-3, estimatorLr: 1e-3, seed }
      : { ...PAPER_MINIMISATION, seed };
    const barM = new Progress({ label: 'mi-toy minimisation', total: mConfig.iterations, unit: 'iterations' });
    minimisation = runMinimisation(mConfig, (_i, mi) => barM.tick(1, `true MI ${mi.toFixed(3)}`));
    writeFileAtomic(`${stem}.minimisation.json`, JSON.stringify(minimisation, null, 1) + '\n');
  }

  const msPerStep = estimation.traces.map((t) => `${t.estimator} ${t.msPerStep} ms`).join(', ');
  const md = [
    `# MI toy run (${quick ? 'QUICK, not the full protocol' : steps !== PAPER_ESTIMATION.stepsPerLevel ? `${steps} steps per level, not the full protocol` : 'full protocol'})`,
    '',
    `Written by \`mird mi-toy ${argv.join(' ')}\`, started ${started}, git ${commit}${dirty ? ' (+ uncommitted changes in src/mi or the CLI)' : ''}.`,
    `${describeBackend(backendInfo()).replace(/^backend/, 'Backend')}.`, // wasm: with its thread count
    '',
    `Estimation: d = ${config.d}, batch ${config.batchSize}, MI levels ${config.levels.join(', ')}, ${steps} steps per level, one model per estimator through all levels,`,
    `Adam lr ${config.lr}, estimate recorded before each update, statistics over the last ${lastK} estimates per level`,
    `(std = population std; bias = mean − true MI, signed; mse against the true MI). Seed ${seed}${config.cubic ? ', cubic variant y ← y³' : ''}.`,
    `Hidden width convention: \`-hN\` is the reference code's hidden_size; Gaussian q heads have floor(N/2) units, critics N units. \`-lvb1\` = log-variance`,
    `bounded to (−1, 1) like the reference's Tanh; otherwise bounded to (−10, 10) by 10·tanh(raw/10). ms/step: ${msPerStep}.`,
    '',
    'Mean estimate over the last steps of each level (nats):',
    '',
    table(estimation.rows, config.d),
    ...(d64 === null
      ? []
      : ['', `d = 64 check (file ${stem.split('/').pop()}.d64.json): batch ${d64.config.batchSize}, Adam lr ${d64.config.lr}, same steps and statistics:`, '', table(d64.rows, 64)]),
    ...(minimisation === null
      ? []
      : [
          '',
          `Minimisation demo (file ${stem.split('/').pop()}.minimisation.json): ${minimisation.estimator}, d ${minimisation.config.d}, batch ${minimisation.config.batchSize},`,
          `θ₀ ${minimisation.config.theta0}, sampler lr ${minimisation.config.samplerLr}, estimator lr ${minimisation.config.estimatorLr}, ${minimisation.config.estimatorSteps} estimator steps per sampler step,`,
          `${minimisation.config.iterations} iterations: true MI ${minimisation.points[0]?.trueMI.toFixed(3)} → ${minimisation.finalTrueMI.toFixed(3)}.`,
        ]),
    '',
  ].join('\n');
  writeFileAtomic(`${stem}.md`, md);
  // the report is the result: the tables, not only where they went
  process.stdout.write(md);
  process.stderr.write(`wrote ${out} and siblings (${stem}.*)\n`);
  return 0;
}
