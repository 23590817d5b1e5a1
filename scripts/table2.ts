// Table 2: parameters and GMACs of every system (MIRD and the Table 1 baselines), counted from
// their configs by src/eval/efficiency.ts (nothing is allocated), at two sets of shapes:
//   paper  the paper's: text 50 tokens from a bert-base host (768, 30522 pieces), audio 400 × 33,
//          visual 55 × 709; each baseline at its defaults (its paper's sizes) over that host;
//   main   the main job's: MOSI utterance features (audio 1 × 73, visual 1 × 100), the USE-lite
//          host (frozen 512-d states; its upper layers 2 × 128 for MIRD and WSA-BERT).
// MACs: one clip at the nominal lengths, matrix products only (efficiency.ts's header). The
// baselines read X^L = the host's input-level states; only MIRD and WSA-BERT run the host's layers.
// The MIRD paper's own Table 2 could not be read offline (only its abstract is stored here), so no
// column quotes it.
//   node --import tsx scripts/table2.ts --out results/table2.csv
import { mainModelConfig } from '../src/cli/info';
import { baselineCost, baselineShapesOf, costTotals, modelCost } from '../src/eval/efficiency';
import { BASELINE_KINDS, baselineConfigFor } from '../src/model/baselines/index';
import { resolveModelConfig, type ModelConfig } from '../src/model/config';
import { csvField } from '../src/train/records';
import { writeFileAtomic } from '../src/util/files';
import { runScript, scriptArg } from './script-io';

interface Row {
  shapes: 'paper' | 'main';
  system: string;
  params: number;
  gmacs: number;
  /** parameters trained by the run (the frozen USE-lite encoder excluded) and what they include */
  note: string;
}

function rowsAt(shapes: 'paper' | 'main', mird: ModelConfig): Row[] {
  const m = costTotals(modelCost(mird));
  const rows: Row[] = [{ shapes, system: 'mird', params: m.params, gmacs: m.macs / 1e9, note: 'training graph: encoders, shared encoder (whole host), decoders, regressor; the 9 CLUB estimators not counted' }];
  const s = baselineShapesOf(mird);
  for (const kind of BASELINE_KINDS) {
    const cost = baselineCost(kind, baselineConfigFor(kind, shapes), s);
    rows.push({
      shapes, system: kind, params: cost.reduce((t, r) => t + r.params, 0), gmacs: cost.reduce((t, r) => t + r.macs, 0) / 1e9,
      note: cost.map((r) => r.module).join(' + '),
    });
  }
  if (shapes === 'main') {
    // the setting Table 1 trains MISA with on MOSI (scripts/sweeps/table1-mosi.json)
    const cost = baselineCost('misa', baselineConfigFor('misa', 'main', { textHidden: 128 }), s);
    rows.push({ shapes, system: 'misa (textHidden 128, as in Table 1)', params: cost.reduce((t, r) => t + r.params, 0), gmacs: cost.reduce((t, r) => t + r.macs, 0) / 1e9, note: cost.map((r) => r.module).join(' + ') });
  }
  return rows;
}

async function main(): Promise<void> {
  const out = scriptArg('out');
  const rows = [...rowsAt('paper', resolveModelConfig('paper')), ...rowsAt('main', mainModelConfig())];
  const header = ['shapes', 'system', 'params', 'gmacs', 'modules'];
  writeFileAtomic(out, [header.join(','), ...rows.map((r) => [r.shapes, r.system, String(r.params), r.gmacs.toFixed(4), r.note].map(csvField).join(','))].join('\n') + '\n');
  for (const r of rows) process.stdout.write(`${r.shapes.padEnd(6)} ${r.system.padEnd(9)} ${(r.params / 1e6).toFixed(2).padStart(8)} M params ${r.gmacs.toFixed(3).padStart(9)} GMACs\n`);
  process.stdout.write(`wrote ${out}\n`);
}

runScript('table2', main);
