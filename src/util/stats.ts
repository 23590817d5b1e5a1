// Mean and sample standard deviation over seeds, the one convention every summary here uses;
// the median every timing here reports.

/** Mean and sample sd (n − 1) of xs; `sdOfOne` is the sd reported for a single value. */
export function meanSd(xs: readonly number[], sdOfOne = 0): { mean: number; sd: number } {
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  const sd = xs.length > 1 ? Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (xs.length - 1)) : sdOfOne;
  return { mean, sd };
}

/** The median of xs as every timing here reports it: the middle of the sorted values, the upper middle when their count is even. */
export function median(xs: readonly number[]): number {
  if (xs.length === 0) throw new Error('median of no values');
  return [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
}
