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

/** A published MOSI result of a Table 1 system, in the workspace's units (fractions; MAE in label units). */
export interface PublishedResult {
  acc2_non0: number;
  f1_non0: number;
  acc2_has0: number;
  f1_has0: number;
  mae: number;
  corr: number;
  /** the features the published run read */
  setting: string;
}

/**
 * MMSA's reproductions on CMU-MOSI (thuiar/MMSA, results/result-stat.md at commit a94e65d,
 * "Regression", mean of seeds 1111–1115; MMSA's own features: COVAREP audio 5-d, FACET visual
 * 20-d, BERT-base text for the BERT-based systems, the standard 1284/229/686 split). These are
 * the published numbers of the baselines on one protocol; the MIRD paper's own Table 1 could not
 * be read offline here (only its abstract is stored), so its numbers are not quoted anywhere in
 * the workspace. Not comparable with this workspace's rows: frame-level features and the
 * standard split there, utterance-level features and Poria's split (752 test clips, most of them
 * standard-train clips) here, and a fine-tuned bert-base there against an offline text host here.
 */
export const MMSA_MOSI_RESULTS: Readonly<Record<string, PublishedResult>> = Object.freeze({
  'ef-lstm': { acc2_has0: 0.7738, f1_has0: 0.7735, acc2_non0: 0.7848, f1_non0: 0.7851, mae: 0.9488, corr: 0.669, setting: 'MMSA aligned features' },
  tfn: { acc2_has0: 0.7799, f1_has0: 0.7795, acc2_non0: 0.7908, f1_non0: 0.7911, mae: 0.9473, corr: 0.6733, setting: 'MMSA unaligned features' },
  lmf: { acc2_has0: 0.779, f1_has0: 0.778, acc2_non0: 0.7918, f1_non0: 0.7915, mae: 0.9504, corr: 0.651, setting: 'MMSA unaligned features' },
  mult: { acc2_has0: 0.7971, f1_has0: 0.7963, acc2_non0: 0.8098, f1_non0: 0.8095, mae: 0.8799, corr: 0.7022, setting: 'MMSA unaligned features' },
  misa: { acc2_has0: 0.8184, f1_has0: 0.8182, acc2_non0: 0.8354, f1_non0: 0.8358, mae: 0.7765, corr: 0.7781, setting: 'MMSA unaligned features, BERT-base' },
  'self-mm': { acc2_has0: 0.8344, f1_has0: 0.8336, acc2_non0: 0.8546, f1_non0: 0.8543, mae: 0.708, corr: 0.7963, setting: 'MMSA unaligned features, BERT-base' },
});
export const MMSA_SOURCE = 'thuiar/MMSA results/result-stat.md (commit a94e65d), MOSI regression, mean of seeds 1111-1115';
