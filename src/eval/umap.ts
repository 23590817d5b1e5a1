// A 2-D map of latent rows with UMAP (umap-js; McInnes et al. 2018), seeded from the workspace's
// generator so that a figure made twice is the same figure. Used for the paper's Figure 4: the
// latents z^L, z^A, z^V, z^S of test clips embedded together, one map per method.
import { UMAP } from 'umap-js';
import { Rng } from '../util/rng';

export interface UmapOptions {
  seed: number;
  /** neighbours of the k-NN graph (umap-js default 15) */
  nNeighbors?: number;
  /** minimum distance between embedded points (umap-js default 0.1) */
  minDist?: number;
  /** optimisation epochs (umap-js: chosen from the number of rows when absent) */
  nEpochs?: number;
}

/** UMAP of `rows` (all the same dimension, finite) to 2-D; one [x, y] per row, in order. */
export function umap2d(rows: readonly ArrayLike<number>[], options: UmapOptions): Array<[number, number]> {
  const nNeighbors = options.nNeighbors ?? 15;
  if (rows.length <= nNeighbors) throw new Error(`umap2d: ${rows.length} rows; UMAP with ${nNeighbors} neighbours needs more than ${nNeighbors}`);
  const dim = rows[0]?.length ?? 0;
  const data = rows.map((r, i) => {
    if (r.length !== dim) throw new Error(`umap2d: row ${i} has ${r.length} values, row 0 has ${dim}`);
    const a = Array.from(r);
    if (a.some((v) => !Number.isFinite(v))) throw new Error(`umap2d: row ${i} has a NaN or infinite value`);
    return a;
  });
  const rng = new Rng(options.seed);
  const umap = new UMAP({ nComponents: 2, nNeighbors, minDist: options.minDist ?? 0.1, ...(options.nEpochs !== undefined ? { nEpochs: options.nEpochs } : {}), random: () => rng.next() });
  return umap.fit(data).map((p) => [p[0] as number, p[1] as number]);
}
