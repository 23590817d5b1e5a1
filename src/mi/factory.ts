// Building estimators from a short spec, e.g. `CLUB-h256`, so CLIs and notebooks can name them.
import { Club, ClubMean, ClubSample, L1OutUB } from './club';
import { InfoNce, Mine, Nwj } from './lower-bounds';
import type { MiEstimator } from './types';

export const ESTIMATOR_KINDS = ['CLUB', 'CLUBSample', 'CLUBMean', 'L1OutUB', 'MINE', 'NWJ', 'InfoNCE'] as const;
export type EstimatorKind = (typeof ESTIMATOR_KINDS)[number];

export interface EstimatorSpec {
  kind: EstimatorKind;
  /** Reference-style hidden size: heads of floor(h/2) units for the Gaussian q, h units for critics. */
  hiddenSize: number;
  /** Gaussian q only: log-variance bound B (see GaussianQOptions). */
  logVarBound?: number;
}

/** Parses `KIND-hN` or `KIND-hN-lvbB` (e.g. `CLUB-h15`, `InfoNCE-h15`, `CLUB-h15-lvb1`). */
export function parseEstimatorSpec(text: string): EstimatorSpec {
  const m = /^([A-Za-z0-9]+)-h(\d+)(?:-lvb(\d+(?:\.\d+)?))?$/.exec(text.trim());
  const kind = m?.[1];
  if (m === null || kind === undefined || !(ESTIMATOR_KINDS as readonly string[]).includes(kind)) {
    throw new Error(`estimator "${text}" is not KIND-hN with KIND one of ${ESTIMATOR_KINDS.join(', ')} (e.g. CLUB-h32)`);
  }
  const spec: EstimatorSpec = { kind: kind as EstimatorKind, hiddenSize: Number(m[2]) };
  if (m[3] !== undefined) {
    if (!['CLUB', 'CLUBSample', 'L1OutUB'].includes(spec.kind)) throw new Error(`estimator "${text}": -lvb applies only to estimators with a log-variance head`);
    spec.logVarBound = Number(m[3]);
  }
  return spec;
}

/** `KIND-hN`, plus `-lvbB` when a non-default log-variance bound is set (e.g. `CLUB-h15-lvb1`, the reference's Tanh). */
export function specName(spec: EstimatorSpec): string {
  const base = `${spec.kind}-h${spec.hiddenSize}`;
  return spec.logVarBound === undefined ? base : `${base}-lvb${spec.logVarBound}`;
}

export function makeEstimator(spec: EstimatorSpec, xDim: number, yDim: number, seed: number): MiEstimator {
  const name = specName(spec);
  const g = { hiddenSize: spec.hiddenSize, seed, logVarBound: spec.logVarBound, name };
  const c = { hiddenSize: spec.hiddenSize, seed, name };
  switch (spec.kind) {
    case 'CLUB':
      return new Club(xDim, yDim, g);
    case 'CLUBSample':
      return new ClubSample(xDim, yDim, g);
    case 'CLUBMean':
      return new ClubMean(xDim, yDim, g);
    case 'L1OutUB':
      return new L1OutUB(xDim, yDim, g);
    case 'MINE':
      return new Mine(xDim, yDim, c);
    case 'NWJ':
      return new Nwj(xDim, yDim, c);
    case 'InfoNCE':
      return new InfoNce(xDim, yDim, c);
    default: {
      const never: never = spec.kind;
      throw new Error(`unknown estimator kind ${String(never)}`);
    }
  }
}
