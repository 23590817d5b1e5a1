// Sentiment-regression metrics for MOSI / MOSEI, with the conventions named, because papers
// and codebases differ (MMSA, the MIRD / MAG-BERT code):
//   non0  binary accuracy / weighted F1 over clips whose label ≠ 0, class = (x > 0)
//         (MMSA "Non0_acc_2"; on that subset y > 0 ⇔ y ≥ 0, and a prediction of exactly 0
//         counts as negative)
//   has0  binary accuracy / weighted F1 over all clips, class = (x ≥ 0) (MMSA "Has0_acc_2")
//   MAE, Pearson correlation: over ALL clips (MMSA). The MIRD / MAG-BERT code computes them on
//         the non-zero subset only; `maeNon0` / `pearsonNon0` give that convention.
//   Acc7: round(clip(x, −3, 3)) agreement (7 classes); Acc5: round(clip(x, −2, 2)) (5 classes).
// Rounding is half to even, as numpy's np.round in MMSA's metricsTop.py (a label or prediction
// of exactly ±0.5, ±1.5, ±2.5 goes to the even neighbour: 0.5 → 0, 1.5 → 2, 2.5 → 2).

export type BinaryConvention = 'non0' | 'has0';

function check(pred: ArrayLike<number>, y: ArrayLike<number>, what: string): void {
  if (pred.length !== y.length) throw new Error(`${what}: ${pred.length} predictions for ${y.length} labels`);
  if (pred.length === 0) throw new Error(`${what}: no clips`);
  for (let i = 0; i < pred.length; i++) {
    if (!Number.isFinite(pred[i] as number)) throw new Error(`${what}: prediction ${i} is ${pred[i]}`);
    if (!Number.isFinite(y[i] as number)) throw new Error(`${what}: label ${i} is ${y[i]}`);
  }
}

/** [predicted class, true class] pairs under a convention. */
function binaryPairs(pred: ArrayLike<number>, y: ArrayLike<number>, convention: BinaryConvention): Array<[boolean, boolean]> {
  const out: Array<[boolean, boolean]> = [];
  for (let i = 0; i < y.length; i++) {
    const p = pred[i] as number;
    const t = y[i] as number;
    if (convention === 'non0') {
      if (t !== 0) out.push([p > 0, t > 0]);
    } else {
      out.push([p >= 0, t >= 0]);
    }
  }
  return out;
}

export function acc2(pred: ArrayLike<number>, y: ArrayLike<number>, convention: BinaryConvention): number {
  check(pred, y, `acc2 (${convention})`);
  const pairs = binaryPairs(pred, y, convention);
  if (pairs.length === 0) throw new Error(`acc2 (${convention}): every label is 0`);
  return pairs.filter(([p, t]) => p === t).length / pairs.length;
}

/**
 * Weighted F1 over the two classes (scikit-learn's f1_score(average='weighted')): each class's
 * F1 weighted by its true count; a class never predicted and never true contributes nothing,
 * an undefined precision or recall counts as 0.
 */
export function weightedF1(pred: ArrayLike<number>, y: ArrayLike<number>, convention: BinaryConvention): number {
  check(pred, y, `weightedF1 (${convention})`);
  const pairs = binaryPairs(pred, y, convention);
  if (pairs.length === 0) throw new Error(`weightedF1 (${convention}): every label is 0`);
  let total = 0;
  for (const cls of [true, false]) {
    const tp = pairs.filter(([p, t]) => p === cls && t === cls).length;
    const fp = pairs.filter(([p, t]) => p === cls && t !== cls).length;
    const fn = pairs.filter(([p, t]) => p !== cls && t === cls).length;
    const support = tp + fn;
    if (support === 0) continue;
    const precision = tp + fp === 0 ? 0 : tp / (tp + fp);
    const recall = tp / support;
    const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
    total += f1 * support;
  }
  return total / pairs.length;
}

export function mae(pred: ArrayLike<number>, y: ArrayLike<number>): number {
  check(pred, y, 'mae');
  let s = 0;
  for (let i = 0; i < y.length; i++) s += Math.abs((pred[i] as number) - (y[i] as number));
  return s / y.length;
}

/** Pearson correlation; 0 when either side is constant (no linear relation can be measured). */
export function pearson(pred: ArrayLike<number>, y: ArrayLike<number>): number {
  check(pred, y, 'pearson');
  const n = y.length;
  let mp = 0;
  let my = 0;
  for (let i = 0; i < n; i++) {
    mp += (pred[i] as number) / n;
    my += (y[i] as number) / n;
  }
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    const a = (pred[i] as number) - mp;
    const b = (y[i] as number) - my;
    sxy += a * b;
    sxx += a * a;
    syy += b * b;
  }
  if (sxx === 0 || syy === 0) return 0;
  return sxy / Math.sqrt(sxx * syy);
}

function nonZero(pred: ArrayLike<number>, y: ArrayLike<number>): { p: number[]; t: number[] } {
  const p: number[] = [];
  const t: number[] = [];
  for (let i = 0; i < y.length; i++) {
    if ((y[i] as number) !== 0) {
      p.push(pred[i] as number);
      t.push(y[i] as number);
    }
  }
  return { p, t };
}

/** MAE on clips with label ≠ 0 (the MIRD / MAG-BERT code's convention). */
export function maeNon0(pred: ArrayLike<number>, y: ArrayLike<number>): number {
  const { p, t } = nonZero(pred, y);
  return mae(p, t);
}

/** Pearson correlation on clips with label ≠ 0 (the MIRD / MAG-BERT code's convention). */
export function pearsonNon0(pred: ArrayLike<number>, y: ArrayLike<number>): number {
  const { p, t } = nonZero(pred, y);
  return pearson(p, t);
}

/** numpy's round: to the nearest integer, ties to the even one. */
function roundHalfEven(x: number): number {
  const r = Math.round(x); // ties go up (towards +∞)
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

function accClasses(pred: ArrayLike<number>, y: ArrayLike<number>, bound: number, what: string): number {
  check(pred, y, what);
  let hit = 0;
  const cls = (x: number): number => roundHalfEven(Math.min(bound, Math.max(-bound, x)));
  for (let i = 0; i < y.length; i++) if (cls(pred[i] as number) === cls(y[i] as number)) hit += 1;
  return hit / y.length;
}

/** 7-class accuracy: round(clip(x, −3, 3)). */
export function acc7(pred: ArrayLike<number>, y: ArrayLike<number>): number {
  return accClasses(pred, y, 3, 'acc7');
}

/** 5-class accuracy: round(clip(x, −2, 2)). */
export function acc5(pred: ArrayLike<number>, y: ArrayLike<number>): number {
  return accClasses(pred, y, 2, 'acc5');
}

export interface RegressionMetrics {
  acc2Non0: number;
  f1Non0: number;
  acc2Has0: number;
  f1Has0: number;
  /** over all clips */
  mae: number;
  /** over all clips */
  corr: number;
  maeNon0: number;
  corrNon0: number;
  acc7: number;
  acc5: number;
  n: number;
  nNon0: number;
}

export function regressionMetrics(pred: ArrayLike<number>, y: ArrayLike<number>): RegressionMetrics {
  return {
    acc2Non0: acc2(pred, y, 'non0'),
    f1Non0: weightedF1(pred, y, 'non0'),
    acc2Has0: acc2(pred, y, 'has0'),
    f1Has0: weightedF1(pred, y, 'has0'),
    mae: mae(pred, y),
    corr: pearson(pred, y),
    maeNon0: maeNon0(pred, y),
    corrNon0: pearsonNon0(pred, y),
    acc7: acc7(pred, y),
    acc5: acc5(pred, y),
    n: y.length,
    nNon0: Array.from(y).filter((v) => v !== 0).length,
  };
}
