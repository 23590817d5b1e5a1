// `mird eval <run>` and `mird predict <run> <data> --out preds.csv`: the selected checkpoint of a
// trained run, on its own splits or on another source (normalised with the run's statistics,
// tokenised by the run's text host).
import { SPLIT_NAMES } from '../data/types';
import { CliError, helpText, inputDir, outputFile, parseArgs, type FlagSpec } from './args';

const EVAL_FLAGS: Record<string, FlagSpec> = {
  split: { type: 'string', description: 'train | valid | test | all (default test)' },
  json: { type: 'boolean', description: 'print the metrics as JSON' },
  help: { type: 'boolean', description: 'show this help' },
};

const PREDICT_FLAGS: Record<string, FlagSpec> = {
  out: { type: 'string', description: 'CSV to write: id,split,label,prediction (label empty for unlabeled clips)' },
  help: { type: 'boolean', description: 'show this help' },
};


export async function runEval(argv: string[]): Promise<number> {
  const { flags, positional } = parseArgs(argv, EVAL_FLAGS);
  if (flags.help === true) {
    process.stdout.write(`${helpText('eval', '<run folder> [--split test|valid|train|all]', EVAL_FLAGS)}\nexample: mird eval runs/main-s0-20261129-120000\n`);
    return 0;
  }
  const [dirArg, ...extra] = positional;
  if (dirArg === undefined) throw new CliError('eval needs a run folder (see mird runs)');
  if (extra.length > 0) throw new CliError(`unexpected arguments: ${extra.join(' ')}`);
  const dir = inputDir(dirArg, 'run', ['config.json'], 'a folder written by mird train');
  const split = String(flags.split ?? 'test');
  if (split !== 'all' && !(SPLIT_NAMES as readonly string[]).includes(split)) throw new CliError(`--split ${split}: expected train, valid, test or all`);
  const { initBackend } = await import('../backend');
  await initBackend();
  const { loadTrainedRun: loadRun } = await import('../train/run');
  const { evaluateClips } = await import('../train/loop');
  const { metricRecord } = await import('../train/records');
  const loaded = await loadRun(dir);
  try {
    const splits = split === 'all' ? [...SPLIT_NAMES] : [split as (typeof SPLIT_NAMES)[number]];
    const results: Record<string, Record<string, number>> = {};
    for (const s of splits) {
      const r = evaluateClips(loaded.model, loaded.prepared.data.dataset.splits[s], loaded.prepared.data, loaded.record.resolved.train.evalBatchSize, `eval ${s}`, loaded.record.resolved.train.videoContext);
      results[s] = { ...metricRecord(r.metrics), clips: r.ids.length };
    }
    if (flags.json === true) {
      process.stdout.write(JSON.stringify({ run: dir, epoch: loaded.epoch, metrics: results }, null, 2) + '\n');
      return 0;
    }
    const { textTable } = await import('../viz/display');
    const rows = Object.entries(results).map(([s, m]) => ({
      split: s, clips: m.clips as number, 'Acc2 non0': (100 * (m.acc2_non0 as number)).toFixed(1), 'F1 non0': (100 * (m.f1_non0 as number)).toFixed(1),
      'Acc2 has0': (100 * (m.acc2_has0 as number)).toFixed(1), MAE: (m.mae as number).toFixed(3), Corr: (m.corr as number).toFixed(3), Acc7: (100 * (m.acc7 as number)).toFixed(1),
    }));
    process.stdout.write(`${dir} (checkpoint of epoch ${loaded.epoch}, data ${loaded.record.resolved.data})\n${textTable(rows)}\nAcc2/F1 non0: labels ≠ 0, class = x > 0; has0: all clips, class = x ≥ 0; MAE and Corr over all clips.\n`);
    return 0;
  } finally {
    loaded.model.dispose();
  }
}

export async function runPredict(argv: string[]): Promise<number> {
  const { flags, positional } = parseArgs(argv, PREDICT_FLAGS);
  if (flags.help === true) {
    process.stdout.write(`${helpText('predict', '<run folder> <data source> --out preds.csv', PREDICT_FLAGS)}\nThe source's features must have the run's dimensions; they are normalised with the run's train statistics.\n`);
    return 0;
  }
  const [dirArg, source, ...extra] = positional;
  if (dirArg === undefined || source === undefined) throw new CliError('predict needs a run folder and a data source, e.g. mird predict runs/<id> mosi --out preds.csv');
  if (extra.length > 0) throw new CliError(`unexpected arguments: ${extra.join(' ')}`);
  if (flags.out === undefined) throw new CliError('predict needs --out <file.csv>');
  const dir = inputDir(dirArg, 'run', ['config.json'], 'a folder written by mird train');
  const out = outputFile(String(flags.out), '--out');
  const { initBackend } = await import('../backend');
  await initBackend();
  const { loadTrainedRun: loadRun } = await import('../train/run');
  const { predictClips } = await import('../train/loop');
  const { csvField } = await import('../train/records');
  const { writeFileAtomic } = await import('../util/files');
  const loaded = await loadRun(dir, { data: source });
  try {
    for (const n of loaded.prepared.notes.filter((x) => x.startsWith('LEAK GUARD'))) process.stderr.write(`${n}\n`);
    const ds = loaded.prepared.data.dataset;
    const groups: Array<[string, typeof ds.unlabeled]> = [...SPLIT_NAMES.map((s) => [s, ds.splits[s]] as [string, typeof ds.unlabeled]), ['unlabeled', ds.unlabeled]];
    const lines = ['id,split,label,prediction'];
    let count = 0;
    for (const [name, clips] of groups) {
      if (clips.length === 0) continue;
      const p = predictClips(loaded.model, clips, loaded.prepared.data, loaded.record.resolved.train.evalBatchSize, loaded.record.resolved.train.videoContext);
      clips.forEach((c, i) => lines.push(`${csvField(c.id)},${name},${c.label ?? ''},${p[i]}`));
      count += clips.length;
    }
    writeFileAtomic(out, lines.join('\n') + '\n');
    process.stdout.write(`${count} predictions of ${dir} (checkpoint of epoch ${loaded.epoch}) on ${ds.name} → ${out}\n`);
    return 0;
  } finally {
    loaded.model.dispose();
  }
}
