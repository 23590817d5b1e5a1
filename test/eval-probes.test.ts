// Ridge probes against a hand solution, and the measured label leak of MOSI's utterance features
// on Poria's split (why the main job hides the 3D-CNN visual vectors).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fitRidge, predictRidge, rSquared } from '../src/eval/probes';
import { utteranceLeakTable } from '../src/eval/utterance-leak';

test('ridge: the closed form on a 2-feature problem by hand; R² of a perfect and a mean predictor', () => {
  // standardised features z, targets centred: w = (ZᵀZ + αI)⁻¹ Zᵀ(y − ȳ)
  const x = [[1, 0], [0, 1], [1, 1], [0, 0]];
  const y = [3, 1, 4, 0];
  const m = fitRidge(x, y, 2);
  // both features: mean 0.5, std 0.5 → z = ±1; ZᵀZ = [[4, 0], [0, 4]]; Zᵀ(y − 2) = [6, 2] → w = [1, 1/3]
  assert.ok(Math.abs((m.weights[0] as number) - 1) < 1e-12);
  assert.ok(Math.abs((m.weights[1] as number) - 1 / 3) < 1e-12);
  assert.equal(m.intercept, 2);
  const p = predictRidge(m, [[1, 0]]);
  assert.ok(Math.abs((p[0] as number) - (2 + 1 - 1 / 3)) < 1e-12);
  assert.equal(rSquared(y, y), 1);
  assert.equal(rSquared([2, 2, 2, 2], y), 0);
  assert.throws(() => fitRidge(x, y, 0), /alpha must be > 0/);
  assert.throws(() => fitRidge(x, [1], 1), /4 rows for 1 targets/);
});

test("MOSI utterance features on Poria's split: the 3D-CNN visual vectors read the label back on train/valid and are at chance on test", () => {
  const rows = utteranceLeakTable([['visual'], ['audio'], ['text']]);
  const at = (f: string, s: string): number => (rows.find((r) => r.features === f && r.split === s) as { acc2_non0: number }).acc2_non0;
  assert.ok(at('visual', 'train') > 0.9 && at('visual', 'valid') > 0.85, 'visual leaks on train and valid');
  assert.ok(at('visual', 'test') < 0.6, `visual test ${at('visual', 'test')}`);
  assert.ok(at('text', 'valid') > 0.95 && at('text', 'test') < 0.8, 'the text-CNN vectors leak on valid too');
  assert.ok(at('audio', 'train') - at('audio', 'test') < 0.2, 'openSMILE audio shows no train/test gap of that size');
});
