// Video context at prediction time (train config videoContext; not in the MIRD paper). Clips of
// one video share a speaker and usually an opinion: on Poria's train videos the mean label of a
// clip's other clips alone reads its polarity at 68 % Acc2 (data/README.md). Poria et al. 2017
// (the 80.3 % reference point of the main job) model this context with an LSTM over each video's
// utterances. Here it is one label-free step after the model:
//
//   ŷ'_i = ŷ_i + w·mean_{j ≠ i, same video} ŷ_j
//
// over the clips predicted together (one split: every video of Poria's split lies whole in one
// split). A clip alone in its video, or without a video id, keeps ŷ_i. No label is read, nothing
// is trained; w is chosen by cross-validation over the train videos (src/train/presets.ts). The
// form is additive, not a convex mix: a least-squares fit of y on (ŷ_i, mean of the others) over
// the main job's out-of-fold predictions gives weights ≈ 0.83 and 0.67, i.e. an MSE-trained ŷ is
// shrunk towards 0 and the video's other clips add evidence rather than replace some of it.

/** ŷ' = ŷ + w·(mean ŷ of the other clips of the same video) for the clips of one split (`videoIds[i]` the video of clip i, undefined when unknown). */
export function videoContextPredictions(videoIds: readonly (string | undefined)[], predictions: Float32Array, weight: number): Float32Array {
  if (videoIds.length !== predictions.length) throw new Error(`videoContextPredictions: ${videoIds.length} video ids for ${predictions.length} predictions`);
  if (!(weight >= 0 && weight <= 1)) throw new Error(`videoContextPredictions: weight must be in [0, 1], got ${weight}`);
  const sums = new Map<string, { sum: number; count: number }>();
  videoIds.forEach((v, i) => {
    if (v === undefined) return;
    const e = sums.get(v) ?? { sum: 0, count: 0 };
    e.sum += predictions[i] as number;
    e.count += 1;
    sums.set(v, e);
  });
  return predictions.map((p, i) => {
    const v = videoIds[i];
    const e = v === undefined ? undefined : sums.get(v);
    if (e === undefined || e.count < 2 || weight === 0) return p;
    return p + weight * ((e.sum - p) / (e.count - 1));
  });
}
