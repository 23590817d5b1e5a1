// Vega-lite spec of the paper's Figure 8: a few test clips, each with its transcript, the ground
// truth and the predictions of several methods on the sentiment scale [−3, 3].
import type { VegaLiteSpec } from './render';

export interface CaseRow {
  /** clip id */
  clip: string;
  /** the transcript (shown as the row's title, cut to a line) */
  text: string;
  /** 'ground truth' or a method's name */
  source: string;
  value: number;
  /** why the clip is shown (e.g. "MIM wins most"), before the transcript */
  case?: string;
}

const cut = (s: string, n: number): string => (s.length <= n ? s : `${s.slice(0, n - 1)}…`);

export function casesSpec(rows: readonly CaseRow[], title = 'Test clips: ground truth and each method\'s prediction'): VegaLiteSpec {
  const sources = [...new Set(rows.map((r) => r.source))];
  const titleOf = (r: CaseRow): string => `${r.case === undefined ? '' : `${r.case} — `}${r.clip}: "${cut(r.text, 90)}"`;
  const titles = [...new Set(rows.map(titleOf))]; // clips in the order given
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title,
    data: { values: rows.map((r) => ({ ...r, caseTitle: titleOf(r) })) },
    facet: { row: { field: 'caseTitle', type: 'nominal', sort: titles, title: null, header: { labelAngle: 0, labelAlign: 'left', labelAnchor: 'start', labelOrient: 'top', labelLimit: 900 } } },
    spec: {
      width: 560,
      height: 26 * sources.length,
      layer: [
        { mark: { type: 'rule', color: '#bbb' }, encoding: { x: { datum: 0 } } },
        {
          mark: { type: 'bar', height: 16 },
          encoding: {
            y: { field: 'source', type: 'nominal', sort: sources, title: null },
            x: { field: 'value', type: 'quantitative', scale: { domain: [-3, 3] }, title: 'sentiment (−3 … 3)' },
            color: { field: 'source', type: 'nominal', sort: sources, legend: null },
          },
        },
        {
          mark: { type: 'text', align: 'left', dx: 4, fontSize: 10 },
          encoding: { y: { field: 'source', type: 'nominal', sort: sources }, x: { datum: 3 }, text: { field: 'value', type: 'quantitative', format: '+.2f' } },
        },
      ],
    },
  };
}
