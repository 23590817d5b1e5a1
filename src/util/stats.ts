// Mean and sample standard deviation over seeds, the one convention every summary here uses.

/** Mean and sample sd (n − 1) of xs; `sdOfOne` is the sd reported for a single value. */
export function meanSd(xs: readonly number[], sdOfOne = 0): { mean: number; sd: number } {
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  const sd = xs.length > 1 ? Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (xs.length - 1)) : sdOfOne;
  return { mean, sd };
}
