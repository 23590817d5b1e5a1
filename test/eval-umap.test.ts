// UMAP of latent rows (src/eval/umap.ts) and the Figure 4 / Figure 8 specs: the same seed gives
// the same map, well separated groups stay separated, bad rows are refused naming the row.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { umap2d } from '../src/eval/umap';
import { Rng } from '../src/util/rng';

function blobs(n: number, dim: number, seed: number): number[][] {
  const rng = new Rng(seed);
  // two groups 20 sd apart along every axis
  return Array.from({ length: 2 * n }, (_, i) => Array.from({ length: dim }, () => (i < n ? 0 : 20) + rng.normal()));
}

test('umap2d: seeded (same seed, same map); two far groups map to two separate clouds', () => {
  const rows = blobs(40, 8, 3);
  const a = umap2d(rows, { seed: 7, nEpochs: 100 });
  const b = umap2d(rows, { seed: 7, nEpochs: 100 });
  assert.deepEqual(a, b);
  assert.equal(a.length, 80);
  const centre = (pts: Array<[number, number]>): [number, number] => [pts.reduce((s, p) => s + p[0], 0) / pts.length, pts.reduce((s, p) => s + p[1], 0) / pts.length];
  const [g0, g1] = [a.slice(0, 40), a.slice(40)];
  const [c0, c1] = [centre(g0), centre(g1)];
  const spread = (pts: Array<[number, number]>, c: [number, number]): number => Math.max(...pts.map((p) => Math.hypot(p[0] - c[0], p[1] - c[1])));
  const gap = Math.hypot(c0[0] - c1[0], c0[1] - c1[1]);
  assert.ok(gap > spread(g0, c0) + spread(g1, c1), `groups overlap: centres ${gap.toFixed(2)} apart, radii ${spread(g0, c0).toFixed(2)} and ${spread(g1, c1).toFixed(2)}`);
});

test('umap2d: too few rows, ragged rows and non-finite values are errors naming the row', () => {
  assert.throws(() => umap2d(blobs(5, 3, 1), { seed: 0 }), /10 rows; UMAP with 15 neighbours needs more than 15/);
  const ragged = blobs(10, 3, 1);
  ragged[4] = [1, 2];
  assert.throws(() => umap2d(ragged, { seed: 0 }), /row 4 has 2 values, row 0 has 3/);
  const bad = blobs(10, 3, 1);
  (bad[7] as number[])[1] = NaN;
  assert.throws(() => umap2d(bad, { seed: 0 }), /row 7 has a NaN or infinite value/);
});

test('Figure 4 and Figure 8 specs render: one panel per method, latents as colours; cases in the given order with their transcripts', async () => {
  const { latentUmapSpec } = await import('../src/viz/umap');
  const { casesSpec } = await import('../src/viz/cases');
  const { renderSvg } = await import('../src/viz/render');
  const pts = ['NC', 'MIM'].flatMap((method) => ['zText', 'zShared'].flatMap((latent) => [0, 1, 2].map((i) => ({ method, latent, x: i, y: i * 2 }))));
  const svg = await renderSvg(latentUmapSpec(pts));
  for (const s of ['NC', 'MIM', 'z^L (text)', 'z^S (shared)']) assert.ok(svg.includes(s), s);
  const rows = [
    { case: 'second', clip: 'b_1', text: 'IT WAS FINE', source: 'ground truth', value: 1 },
    { case: 'second', clip: 'b_1', text: 'IT WAS FINE', source: 'MIM', value: 0.5 },
    { case: 'first', clip: 'a_2', text: 'NOT GOOD', source: 'ground truth', value: -2 },
    { case: 'first', clip: 'a_2', text: 'NOT GOOD', source: 'MIM', value: -1.25 },
  ];
  const spec = casesSpec(rows) as { facet: { row: { sort: string[] } } };
  assert.deepEqual(spec.facet.row.sort, ['second — b_1: "IT WAS FINE"', 'first — a_2: "NOT GOOD"']);
  const cases = await renderSvg(spec as never);
  for (const s of ['IT WAS FINE', 'NOT GOOD', '+0.50', '−1.25']) assert.ok(cases.includes(s), s);
});
