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
