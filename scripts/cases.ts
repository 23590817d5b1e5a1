// The paper's Figure 8: three test clips, their transcripts, ground truth and the predictions of
// each cell of a sweep (MIM, OC and NC of the constraint sweep) for one seed:
//   node --import tsx scripts/cases.ts --sweep runs/sweeps/constraint-mosi --seed 0 --out results/fig8_cases [--method MIM]
// The paper shows clips where MIM is right; here the three clips are chosen by a rule
// (src/train/sweep-figures.ts chooseCases), not by eye: where the --method cell beats the best
// other cell by the most (absolute error), where it loses by the most, and the clip whose mean
// absolute error over all cells is the median of the test split (a typical clip).
// Writes <out>.csv (case,clip,text,source,value,abs_error), <out>.svg and <out>.png (src/viz/cases.ts).
import { csvField } from '../src/train/records';
import { casesOfSweep } from '../src/train/sweep-figures';
import { writeFileAtomic } from '../src/util/files';
import { casesSpec } from '../src/viz/cases';
import { runScript, scriptArg, writeFigure } from './script-io';

async function main(): Promise<void> {
  const [sweep, out, seed, focus] = [scriptArg('sweep'), scriptArg('out'), Number(scriptArg('seed', '0')), scriptArg('method', 'MIM')];
  const { data, lines } = casesOfSweep(sweep, seed, focus);
  writeFileAtomic(`${out}.csv`, ['case,clip,text,source,value,abs_error', ...lines.map((r) => [r.case, r.clip, r.text, r.source, r.value.toFixed(4), r.absError === null ? '' : r.absError.toFixed(4)].map((v) => csvField(String(v))).join(','))].join('\n') + '\n');
  const spec = casesSpec(lines, `${data} test clips (run seed ${seed}): ground truth and predictions`);
  await writeFigure(out, spec);
  process.stdout.write(`wrote ${out}.csv, ${out}.svg, ${out}.png\n`);
}

runScript('cases', main);
