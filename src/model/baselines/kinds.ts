// The names of the Table 1 baselines, without importing any model (the CLI checks --model before
// loading TensorFlow.js).
export const BASELINE_KINDS = ['ef-lstm', 'tfn', 'lmf', 'wsa-bert', 'self-mm', 'mfsa', 'mult', 'misa'] as const;
export type BaselineKind = (typeof BASELINE_KINDS)[number];
