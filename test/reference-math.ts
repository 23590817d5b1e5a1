// Plain-number reference computations shared by the model tests (not a test file itself).

/** argmin_{p ∈ Δ} ‖p − z‖² over the entries with mask 1 (others 0), by bisection on τ. */
export function projectSimplex(z: number[], mask: number[]): number[] {
  const idx = z.map((_, i) => i).filter((i) => (mask[i] as number) > 0);
  if (idx.length === 0) return z.map(() => 0);
  const vals = idx.map((i) => z[i] as number);
  let lo = Math.min(...vals) - 1;
  let hi = Math.max(...vals);
  for (let it = 0; it < 200; it++) {
    const mid = (lo + hi) / 2;
    const s = vals.reduce((a, v) => a + Math.max(v - mid, 0), 0);
    if (s > 1) lo = mid;
    else hi = mid;
  }
  const tau = (lo + hi) / 2;
  const out = z.map(() => 0);
  for (const i of idx) out[i] = Math.max((z[i] as number) - tau, 0);
  return out;
}
