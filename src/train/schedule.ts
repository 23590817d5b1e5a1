// Learning-rate schedule of the model optimiser: linear warm-up from 0 over the first
// ⌊warmupFraction · total⌋ steps, then linear decay to 0 at the last step (BERT's schedule).
//   lr(s) = peak · s / W                     1 ≤ s ≤ W
//   lr(s) = peak · (T − s + 1) / (T − W)     W < s ≤ T   (peak right after warm-up, > 0 at s = T)
// The authors' code calls the same schedule with warm-up and total swapped (warm-up = T,
// total = 0.1·T), so their rate climbs for the whole run and the last steps of an epoch run at
// 0. Here T counts real steps (⌈N / B⌉ per epoch), so no step runs at rate 0.

/** Multiplier of the peak rate at 1-based step s of `total` (in [0, 1]). */
export function warmupLinearDecay(step: number, total: number, warmupFraction: number): number {
  if (!Number.isInteger(total) || total <= 0) throw new Error(`schedule: total steps must be a positive integer, got ${total}`);
  if (!Number.isInteger(step) || step < 1 || step > total) throw new Error(`schedule: step must be in 1..${total}, got ${step}`);
  const warmup = Math.floor(warmupFraction * total);
  if (warmup > 0 && step <= warmup) return step / warmup;
  return (total - step + 1) / (total - warmup);
}

/**
 * Learning rate (not a multiplier) at 1-based step s of the text-backbone loops
 * (src/train/sentence-regressor.ts, src/train/mlm.ts), kept exactly as they ran so
 * results/text_backbones.csv and MLM checkpoints reproduce bit for bit:
 *   lr(s) = peak · s / max(1, W)                    s ≤ W   (W = warmupSteps, given in steps)
 *   lr(s) = peak · max(0, T − s) / max(1, T − W)    s > W
 * Unlike warmupLinearDecay it reaches 0 AT the last step (T − s, not T − s + 1), so step T
 * trains at rate 0; and it multiplies by peak before dividing (rounding differs).
 */
export function warmupLinearDecayToZero(step: number, total: number, warmupSteps: number, peak: number): number {
  if (step <= warmupSteps) return (peak * step) / Math.max(1, warmupSteps);
  return (peak * Math.max(0, total - step)) / Math.max(1, total - warmupSteps);
}
