// `mird runs [--dir runs]` lists the run folders written by mird train; `mird runs show <run>`
// prints one: what it is, its notes, its per-epoch log and its metrics. No tfjs is loaded.
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { CliError, helpText, inputDir, parseArgs, type FlagSpec } from './args';

const FLAGS: Record<string, FlagSpec> = {
  dir: { type: 'string', description: 'where to look (default runs)' },
  json: { type: 'boolean', description: 'print JSON' },
  help: { type: 'boolean', description: 'show this help' },
};

/** Run folders (holding config.json) under `root`, two levels deep (a --seeds folder holds seed-N runs). */
export function findRuns(root: string): string[] {
  if (!existsSync(root)) return [];
  const out: string[] = [];
  const visit = (dir: string, depth: number): void => {
    if (existsSync(join(dir, 'config.json'))) {
      out.push(dir);
      return;
    }
    if (depth === 0) return;
    for (const name of readdirSync(dir).sort()) {
      const p = join(dir, name);
      if (!name.startsWith('.') && statSync(p).isDirectory()) visit(p, depth - 1);
    }
  };
  visit(root, 2);
  return out;
}

const pct = (x: unknown): string => (typeof x === 'number' ? (100 * x).toFixed(1) : '—');
const num = (x: unknown): string => (typeof x === 'number' ? x.toFixed(3) : '—');

export async function run(argv: string[]): Promise<number> {
  const { flags, positional } = parseArgs(argv, FLAGS);
  if (flags.help === true) {
    process.stdout.write(`${helpText('runs', '[show <run folder>] [--dir runs]', FLAGS)}\n`);
    return 0;
  }
  const { readAnyRunRecord: readRunRecord } = await import('../train/run');
  const { RunDir } = await import('../train/records');
  const { textTable } = await import('../viz/display');
  const [sub, target, ...extra] = positional;
  if (extra.length > 0) throw new CliError(`unexpected arguments: ${extra.join(' ')}`);
  if (sub === undefined) {
    const root = resolve(String(flags.dir ?? 'runs'));
    if (flags.dir !== undefined && !existsSync(root)) throw new CliError(`--dir ${flags.dir}: folder not found`);
    const rows = findRuns(root).map((dir) => {
      const r = RunDir.open(dir);
      try {
        const raw = r.readJson<{ format?: string; spec?: { data?: string; seed?: number } }>('config.json');
        if (raw.format === 'mird-text-host-run/1') {
          const state = r.has('state.json') ? r.readJson<{ status: string; completedEpochs: number; bestEpoch?: number }>('state.json') : null;
          const metrics = r.has('metrics.json') ? r.readJson<{ valid: Record<string, number>; test: Record<string, number> }>('metrics.json') : null;
          return {
            run: relative(process.cwd(), dir) || dir, preset: 'text-host', data: raw.spec?.data ?? '?', seed: raw.spec?.seed ?? '?',
            status: state?.status ?? 'created', epochs: state?.completedEpochs ?? 0, best: state?.bestEpoch ?? '—',
            'valid MAE': num(metrics?.valid.mae), 'test Acc2': pct(metrics?.test.acc2_non0), 'test MAE': num(metrics?.test.mae), started: '',
          };
        }
        const rec = readRunRecord(dir);
        const state = r.has('state.json') ? r.readJson<{ status: string; completedEpochs: number; bestEpoch: number | null }>('state.json') : null;
        const metrics = r.has('metrics.json') ? r.readJson<{ valid: Record<string, number>; test: Record<string, number> }>('metrics.json') : null;
        return {
          run: relative(process.cwd(), dir) || dir, preset: rec.spec.model === undefined ? rec.spec.preset : `${rec.spec.model} ${rec.spec.preset}`, data: rec.resolved.data, seed: rec.spec.seed,
          status: state?.status ?? 'created', epochs: state?.completedEpochs ?? 0, best: state?.bestEpoch ?? '—',
          'valid MAE': num(metrics?.valid.mae), 'test Acc2': pct(metrics?.test.acc2_non0), 'test MAE': num(metrics?.test.mae), started: rec.run.startedAt.slice(0, 16),
        };
      } catch (err) {
        return { run: relative(process.cwd(), dir), preset: '?', data: '?', seed: '?', status: `unreadable: ${err instanceof Error ? err.message : String(err)}`, epochs: 0, best: '—', 'valid MAE': '—', 'test Acc2': '—', 'test MAE': '—', started: '' };
      }
    });
    if (flags.json === true) process.stdout.write(JSON.stringify(rows, null, 2) + '\n');
    else process.stdout.write(rows.length === 0 ? `no runs under ${root} (mird train writes them)\n` : `${textTable(rows)}\n`);
    return 0;
  }
  if (sub !== 'show') throw new CliError(`unknown subcommand "${sub}" (known: show)`);
  if (target === undefined) throw new CliError('runs show needs a run folder (see mird runs)');
  const dir = inputDir(target, 'run', ['config.json'], 'a folder written by mird train');
  if (RunDir.open(dir).readJson<{ format?: string }>('config.json').format === 'mird-text-host-run/1') {
    process.stdout.write(`${dir}: a text-host run (mird train --model text-host)\n${readFileSync(join(dir, 'config.json'), 'utf8')}${existsSync(join(dir, 'metrics.json')) ? readFileSync(join(dir, 'metrics.json'), 'utf8') : ''}`);
    return 0;
  }
  const rec = readRunRecord(dir);
  const r = RunDir.open(dir);
  const log = r.readLog();
  const state = r.has('state.json') ? r.readJson<Record<string, unknown>>('state.json') : null;
  const metrics = r.has('metrics.json') ? r.readJson<{ valid: Record<string, number>; test: Record<string, number> }>('metrics.json') : null;
  if (flags.json === true) {
    process.stdout.write(JSON.stringify({ record: rec, state, log, metrics }, null, 2) + '\n');
    return 0;
  }
  const lines = [
    `run ${dir}`,
    `  ${rec.spec.model === undefined ? 'MIRD' : `model ${rec.spec.model}`}, preset ${rec.spec.preset}, data ${rec.resolved.data}${rec.resolved.unlabeled ? ` + unlabeled ${rec.resolved.unlabeled}` : ''}, text host ${rec.resolved.textCheckpoint} (${rec.resolved.textHost.kind}), seed ${rec.spec.seed}`,
    `  --set ${Object.entries(rec.spec.set ?? {}).map(([k, v]) => `${k}=${v}`).join(' ') || '(none)'}`,
    `  started ${rec.run.startedAt} on ${rec.run.backend.name}, commit ${rec.run.gitCommit ?? 'unknown'}${rec.run.gitDirty ? ' (uncommitted changes)' : ''}`,
    `  command: ${rec.run.command}`,
    `  status ${String(state?.status ?? 'created')}${state?.error ? `: ${String(state.error)}` : ''}`,
    '',
    'notes:',
    ...rec.notes.map((n) => `  - ${n}`),
    '',
  ];
  const epochRows = log.map((e) => ({
    epoch: e.epoch, seconds: e.seconds.toFixed(0), total: num(e.train.total), regression: num(e.train.regression),
    reconText: num(e.train.reconText), reconAudio: num(e.train.reconAudio), reconVisual: num(e.train.reconVisual),
    'MI sum': num(e.miSum), 'valid MAE': num(e.valid.mae), 'valid Acc2': pct(e.valid.acc2_non0), selected: e.selected ? '*' : '',
  }));
  process.stdout.write(lines.join('\n') + (epochRows.length > 0 ? `${textTable(epochRows)}\n` : 'no epoch completed yet\n'));
  if (metrics !== null) {
    const m = (s: 'valid' | 'test'): Record<string, string> => ({ split: s, 'Acc2 non0': pct(metrics[s].acc2_non0), 'F1 non0': pct(metrics[s].f1_non0), MAE: num(metrics[s].mae), Corr: num(metrics[s].corr), Acc7: pct(metrics[s].acc7) });
    process.stdout.write(`\nselected epoch ${String(state?.bestEpoch)}:\n${textTable([m('valid'), m('test')])}\n`);
  }
  return 0;
}
