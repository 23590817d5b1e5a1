// Vega-lite spec of the paper's Figure 4: UMAP maps of the latents z^L, z^A, z^V, z^S of test
// clips (src/eval/umap.ts), one panel per method, points coloured by the latent they come from.
// Separate clouds per latent say the latents hold different information; a z^S cloud mixed into
// a z^m cloud says the two overlap (the paper reads MIM's maps as the most separated).
import type { VegaLiteSpec } from './render';

export interface UmapPoint {
  method: string;
  latent: string;
  x: number;
  y: number;
}

const LATENT_TITLES: Record<string, string> = { zText: 'z^L (text)', zAudio: 'z^A (audio)', zVisual: 'z^V (visual)', zShared: 'z^S (shared)' };

export function latentUmapSpec(points: readonly UmapPoint[], title = 'UMAP of the latents of test clips'): VegaLiteSpec {
  const methods = [...new Set(points.map((p) => p.method))];
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title,
    data: { values: points.map((p) => ({ ...p, latentTitle: LATENT_TITLES[p.latent] ?? p.latent })) },
    facet: { column: { field: 'method', type: 'nominal', sort: methods, title: null } },
    resolve: { scale: { x: 'independent', y: 'independent' } },
    spec: {
      width: 240,
      height: 240,
      mark: { type: 'circle', size: 14, opacity: 0.6 },
      encoding: {
        x: { field: 'x', type: 'quantitative', title: null, axis: { labels: false, ticks: false } },
        y: { field: 'y', type: 'quantitative', title: null, axis: { labels: false, ticks: false } },
        color: { field: 'latentTitle', type: 'nominal', title: 'latent', sort: Object.values(LATENT_TITLES) },
      },
    },
  };
}
