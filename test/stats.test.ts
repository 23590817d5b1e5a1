import { test } from 'node:test';
import assert from 'node:assert/strict';
import { meanSd, median } from '../src/util/stats';

test('median: the middle of the sorted values, the upper middle for an even count; the input is left as it was', () => {
  const xs = [5, 1, 4, 2, 3];
  assert.equal(median(xs), 3);
  assert.deepEqual(xs, [5, 1, 4, 2, 3]);
  assert.equal(median([4, 1, 3, 2]), 3);
  assert.equal(median([7]), 7);
  assert.throws(() => median([]), /median of no values/);
});

test('meanSd: mean and sample sd (n − 1); one value gets sdOfOne', () => {
  const { mean, sd } = meanSd([1, 2, 3, 4]);
  assert.equal(mean, 2.5);
  assert.ok(Math.abs(sd - Math.sqrt(5 / 3)) < 1e-12);
  assert.deepEqual(meanSd([2], Number.NaN).mean, 2);
  assert.ok(Number.isNaN(meanSd([2], Number.NaN).sd));
});
