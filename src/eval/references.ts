// Published and measured reference points that results are printed beside, each with where it
// comes from and why it is (or is not) comparable. Numbers from papers are quoted as printed.

export interface ReferencePoint {
  system: string;
  /** metrics in the workspace's units (accuracies as fractions); null where not reported */
  acc2_non0: number | null;
  f1_non0: number | null;
  mae: number | null;
  corr: number | null;
  acc7: number | null;
  /** one line: the data and protocol difference */
  note: string;
  source: string;
}

/**
 * On real MOSI with the utterance features (Poria et al.'s speaker-independent split, the split
 * the main job trains on). Both are on the same 752 test clips.
 */
export const MOSI_UTTERANCE_REFERENCES: readonly ReferencePoint[] = Object.freeze([
  {
    system: 'Poria et al. 2017, contextual LSTM',
    acc2_non0: 0.803, f1_non0: null, mae: null, corr: null, acc7: null,
    note: 'same split and utterance features, plus context from the other utterances of each video; binary accuracy as published (their labels: positive vs negative)',
    source: 'Poria et al., Context-Dependent Sentiment Analysis in User-Generated Videos, ACL 2017 (as quoted in data/README.md)',
  },
  {
    system: 'Early-fusion ridge regression',
    acc2_non0: 0.784, f1_non0: 0.785, mae: 0.941, corr: 0.629, acc7: null,
    note: 'same split and features: z-scored text-CNN + openSMILE + 3D-CNN vectors, ridge (alpha chosen on 10 held-out train videos), scikit-learn',
    source: 'measured for data/README.md (the leakage warning section)',
  },
]);
