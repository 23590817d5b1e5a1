// Vega-lite specs of training runs (mird train's log.jsonl): every loss term per epoch, and the
// raw summed MI estimate per epoch (the paper's Fig. 5), one line per run.
import type { EpochLog } from '../train/records';
import type { VegaLiteSpec } from './render';

export interface LoggedRun {
  /** legend label, e.g. "MIRD1 (splitRate 0)" */
  label: string;
  log: readonly EpochLog[];
}

const TERM_TITLES: Record<string, string> = {
  regression: 'eq. 18: MSE (labeled)',
  reconText: 'eq. 19: language reconstruction',
  reconAudio: 'eq. 19: audio reconstruction',
  reconVisual: 'eq. 19: visual reconstruction',
  constraint: 'eq. 20: Σ MI estimates (raw)',
  total: 'eq. 21: total',
  validMae: 'valid MAE',
};

/** One small panel per loss term (train means per epoch) and the valid MAE, runs as colours. */
export function lossCurvesSpec(runs: readonly LoggedRun[], title = 'Loss terms per epoch (training means; valid MAE)'): VegaLiteSpec {
  const values: Array<{ run: string; epoch: number; term: string; value: number }> = [];
  for (const r of runs) {
    for (const e of r.log) {
      for (const [term, value] of Object.entries(e.train)) if (term in TERM_TITLES && Number.isFinite(value)) values.push({ run: r.label, epoch: e.epoch, term: TERM_TITLES[term] as string, value });
      values.push({ run: r.label, epoch: e.epoch, term: TERM_TITLES.validMae as string, value: e.valid.mae });
    }
  }
  const order = Object.values(TERM_TITLES).filter((t) => values.some((v) => v.term === t));
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title,
    data: { values },
    facet: { field: 'term', type: 'nominal', sort: order, title: null },
    columns: 3,
    resolve: { scale: { y: 'independent' } },
    spec: {
      width: 200,
      height: 130,
      mark: { type: 'line', point: true },
      encoding: {
        x: { field: 'epoch', type: 'quantitative', axis: { tickMinStep: 1 } },
        y: { field: 'value', type: 'quantitative', scale: { zero: false }, title: null },
        color: { field: 'run', type: 'nominal', title: null },
        tooltip: [{ field: 'run' }, { field: 'epoch' }, { field: 'term' }, { field: 'value', format: '.4f' }],
      },
    },
  };
}

/**
 * The raw summed MI estimate per epoch (mean over the epoch's model steps of Σ_pairs CLUB, never
 * adjusted), one line per run: the paper's Fig. 5 compares it with and without unlabeled clips.
 * The per-pair estimates are shown as thin lines when `pairs` is true.
 */
export function miCurveSpec(runs: readonly LoggedRun[], pairs = false, title = 'Raw summed MI estimate per epoch (Σ CLUB over the active pairs)'): VegaLiteSpec {
  const values: Array<{ run: string; epoch: number; series: string; value: number }> = [];
  for (const r of runs) {
    for (const e of r.log) {
      if (e.miSum !== null) values.push({ run: r.label, epoch: e.epoch, series: 'sum', value: e.miSum });
      if (pairs) for (const [p, v] of Object.entries(e.mi)) values.push({ run: r.label, epoch: e.epoch, series: p, value: v });
    }
  }
  const sum = { filter: "datum.series === 'sum'" };
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title,
    data: { values },
    width: 420,
    height: 220,
    layer: [
      ...(pairs
        ? [{
            transform: [{ filter: "datum.series !== 'sum'" }],
            mark: { type: 'line', strokeWidth: 1, opacity: 0.35 },
            encoding: {
              x: { field: 'epoch', type: 'quantitative' },
              y: { field: 'value', type: 'quantitative' },
              color: { field: 'run', type: 'nominal' },
              detail: { field: 'series', type: 'nominal' },
            },
          }]
        : []),
      {
        transform: [sum],
        mark: { type: 'line', point: true, strokeWidth: 2.5 },
        encoding: {
          x: { field: 'epoch', type: 'quantitative', axis: { tickMinStep: 1 } },
          y: { field: 'value', type: 'quantitative', title: 'nats' },
          color: { field: 'run', type: 'nominal', title: null },
          tooltip: [{ field: 'run' }, { field: 'epoch' }, { field: 'value', format: '.3f' }],
        },
      },
    ],
  };
}
