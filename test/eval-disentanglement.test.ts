// The disentanglement measurements (src/eval/disentanglement.ts) against known answers: ψ at
// closed-form points, the KSG estimate of correlated Gaussians against -½ log(1 − ρ²), and the
// probe matrix on latents built from known factors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { digamma, ksgMutualInformation, multiR2, principalDirectionR2, probeMatrix, FACTOR_NAMES, LATENT_NAMES, type ProbeSplitData } from '../src/eval/disentanglement';
import { symmetricEigen } from '../src/eval/probes';
import { Rng } from '../src/util/rng';

test('digamma at closed-form points', () => {
  const gamma = 0.5772156649015329;
  assert.ok(Math.abs(digamma(1) + gamma) < 1e-10);
  assert.ok(Math.abs(digamma(0.5) - (-gamma - 2 * Math.log(2))) < 1e-10);
  assert.ok(Math.abs(digamma(10) - (1 + 1 / 2 + 1 / 3 + 1 / 4 + 1 / 5 + 1 / 6 + 1 / 7 + 1 / 8 + 1 / 9 - gamma)) < 1e-10);
  assert.throws(() => digamma(0), /x must be > 0/);
});

test('KSG: correlated Gaussians near -½ log(1 − ρ²) per coordinate pair, independent ones near 0', () => {
  const rng = new Rng(5);
  const n = 500;
  for (const rho of [0, 0.6, 0.9]) {
    const x: number[][] = [];
    const y: number[][] = [];
    for (let i = 0; i < n; i++) {
      const a = [rng.normal(), rng.normal()];
      x.push(a);
      y.push(a.map((v) => rho * v + Math.sqrt(1 - rho * rho) * rng.normal()));
    }
    const truth = -2 * 0.5 * Math.log(1 - rho * rho); // two independent coordinate pairs
    const est = ksgMutualInformation(x, y, 3);
    assert.ok(Math.abs(est - truth) < 0.08 + 0.05 * truth, `rho ${rho}: KSG ${est.toFixed(3)} vs ${truth.toFixed(3)}`);
  }
  assert.throws(() => ksgMutualInformation([[1], [2]], [[1]], 1), /2 rows of X and 1 of Y/);
  assert.throws(() => ksgMutualInformation([[1], [2]], [[1], [2]], 2), /k must be an integer in \[1, N − 1\]/);
});

test('symmetricEigen: A = V Λ Vᵀ with orthonormal V, eigenvalues descending', () => {
  const rng = new Rng(8);
  const b = Array.from({ length: 6 }, () => Array.from({ length: 6 }, () => rng.normal()));
  const a = b.map((r, i) => r.map((_, j) => b.reduce((acc, row) => acc + (row[i] as number) * (row[j] as number), 0))); // BᵀB
  const { values, vectors } = symmetricEigen(a);
  for (let k = 1; k < 6; k++) assert.ok((values[k - 1] as number) >= (values[k] as number));
  for (let i = 0; i < 6; i++) {
    for (let j = 0; j < 6; j++) {
      let rec = 0;
      let dot = 0;
      for (let k = 0; k < 6; k++) {
        rec += (values[k] as number) * ((vectors[k] as Float64Array)[i] as number) * ((vectors[k] as Float64Array)[j] as number);
        dot += ((vectors[i] as Float64Array)[k] as number) * ((vectors[j] as Float64Array)[k] as number);
      }
      assert.ok(Math.abs(rec - (a[i] as number[])[j]!) < 1e-9 * Math.max(1, Math.abs((a[i] as number[])[j]!)), `A[${i}][${j}]`);
      assert.ok(Math.abs(dot - (i === j ? 1 : 0)) < 1e-12, `VᵀV[${i}][${j}]`);
    }
  }
});

test('principalDirectionR2: a factor kept in a low-variance direction is read only once k reaches it', () => {
  const rng = new Rng(9);
  const make = (n: number): { x: Float64Array[]; y: Float64Array[] } => {
    const x: Float64Array[] = [];
    const y: Float64Array[] = [];
    for (let i = 0; i < n; i++) {
      const s = rng.normal();
      const p = [rng.normal(), rng.normal(), rng.normal()];
      // big private coordinates, s as a small difference of two nearly equal ones
      x.push(Float64Array.from([3 * p[0]! + 0.05 * s, 3 * p[0]! - 0.05 * s, 2 * p[1]!, p[2]!]));
      y.push(Float64Array.of(s));
    }
    return { x, y };
  };
  const cells = principalDirectionR2(make(300), make(200), [1, 3, 4]);
  assert.deepEqual(cells.map((c) => c.k), [1, 3, 4]);
  assert.ok((cells[1] as { varianceFraction: number }).varianceFraction > 0.999, 'the top 3 directions hold nearly all the variance');
  assert.ok((cells[1] as { r2: number }).r2 < 0.05, `top 3: R² ${(cells[1] as { r2: number }).r2}`);
  assert.ok((cells[2] as { r2: number }).r2 > 0.95, `all 4: R² ${(cells[2] as { r2: number }).r2}`);
  assert.throws(() => principalDirectionR2(make(10), make(10), [5]), /k must be in 1..4/);
});

test('multiR2: 1 for a perfect prediction, 0 for the mean, negative when worse', () => {
  const y = [[1, 2], [3, 5], [5, 8]];
  assert.equal(multiR2(y, y), 1);
  assert.equal(multiR2([[3, 5], [3, 5], [3, 5]], y), 0);
  assert.ok(multiR2([[5, 8], [3, 5], [1, 2]], y) < 0);
});

test('probe matrix: each latent built from one factor (plus noise) predicts that factor and not the others', () => {
  const rng = new Rng(9);
  const map: Record<(typeof LATENT_NAMES)[number], (typeof FACTOR_NAMES)[number]> = { zText: 'pL', zAudio: 'pA', zVisual: 'pV', zShared: 's' };
  const make = (n: number): ProbeSplitData => {
    const factors = Object.fromEntries(FACTOR_NAMES.map((f) => [f, Array.from({ length: n }, () => Float64Array.from({ length: 3 }, () => rng.normal()))])) as ProbeSplitData['factors'];
    const latents = Object.fromEntries(LATENT_NAMES.map((l) => [l, factors[map[l]].map((r) => Float64Array.from([r[0]! + r[1]!, r[1]! - r[2]!, r[2]!, 0.1 * rng.normal(), rng.normal()].map((v) => v + 0.05 * rng.normal())))])) as ProbeSplitData['latents'];
    return { latents, factors };
  };
  const cells = probeMatrix(make(200), make(100), make(200));
  assert.equal(cells.length, 16);
  for (const c of cells) {
    if (map[c.latent] === c.factor) assert.ok(c.r2 > 0.95, `${c.latent} → ${c.factor}: ${c.r2}`);
    else assert.ok(c.r2 < 0.05, `${c.latent} → ${c.factor}: ${c.r2}`);
  }
});

test('latents and factors of clips: one row per clip at the latent size; a clip without known factors is an error naming it; the heatmap renders', async () => {
  const { initBackend } = await import('../src/backend');
  await initBackend();
  const { prepareRun } = await import('../src/train/setup');
  const { latentsOfClips, factorsOfClips } = await import('../src/train/latents');
  const p = await prepareRun({ preset: 'quick', seed: 0 });
  const { model, mi } = p.build(0);
  try {
    const clips = p.data.dataset.splits.test.slice(0, 10);
    const z = latentsOfClips(model, clips, p.data, 4);
    for (const n of LATENT_NAMES) {
      assert.equal(z[n].length, 10);
      assert.equal(z[n][0]!.length, p.resolved.model.latentDim);
    }
    assert.notDeepEqual(Array.from(z.zShared[0]!), Array.from(z.zShared[1]!), 'different clips, different latents');
    const f = factorsOfClips(clips, 'synthetic:small test');
    assert.equal(f.s.length, 10);
    assert.throws(() => factorsOfClips([{ ...clips[0]!, id: 'real_7', factors: undefined }], 'mosi test'), /mosi test: clip real_7 has no known factors/);
  } finally {
    model.dispose();
    mi?.dispose();
  }
  const { disentanglementHeatmapSpec } = await import('../src/viz/disentanglement');
  const { renderSvg } = await import('../src/viz/render');
  const svg = await renderSvg(disentanglementHeatmapSpec([{ method: 'MIM', latent: 'zShared', factor: 's', r2_mean: 0.5, r2_std: 0.1 }, { method: 'NC', latent: 'zText', factor: 'pL', r2_mean: -0.03, r2_std: 0.01 }]));
  assert.match(svg, /0\.50±0\.10/);
  assert.match(svg, /-0\.03±0\.01/);
  assert.match(svg, />MIM</);
});
