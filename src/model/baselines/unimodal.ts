// The unimodal subnetworks of TFN (Zadeh et al. 2017, §3.2 "Modality Embedding Subnetworks"),
// which LMF (Liu et al. 2018, §4) reuses unchanged:
//   z^a = MLP_a(mean_t X^A_t),  z^v = MLP_v(mean_t X^V_t)   three ReLU layers over the mean of the
//                                                           real frames ("a deep neural network
//                                                           with three hidden layers" per modality)
//   z^l = W_l · Dropout(LSTM(X^L)_{last real step}) + b_l   a text LSTM, its final state, one linear
//                                                           map (the reference PyTorch code's TextSubNet)
// Differences from the reference code (Justin1904/TensorFusionNetworks and
// Justin1904/Low-rank-Multimodal-Fusion, model.py), and why:
//   - no BatchNorm1d before the audio/visual MLPs: features are already standardised on the train
//     split (src/data/normalize.ts), and batch statistics would make a clip's prediction in
//     training depend on the other clips of its batch;
//   - padded frames and tokens never count: the mean is over real frames, the LSTM state is the
//     one at the last real token (the code runs nn.LSTM over padding).
import * as tf from '@tensorflow/tfjs';
import { Dense } from '../../nn/dense';
import { meanPool } from '../../nn/layers';
import { Lstm } from '../../nn/lstm';
import { Mlp } from '../../nn/mlp';
import { Rng } from '../../util/rng';
import type { BaselineDims, BaselineInputs, HostTextSequence } from './types';

/** [1; z]: z [B, d] → [B, d+1], the appended 1 of TFN's and LMF's fusion (it keeps the lower-order terms). */
export function withOne(z: tf.Tensor2D): tf.Tensor2D {
  return tf.concat([tf.ones([z.shape[0], 1]), z], 1) as tf.Tensor2D;
}

export interface UnimodalSizes {
  audioHidden: number;
  visualHidden: number;
  textHidden: number;
  textOut: number;
  audioDropout: number;
  visualDropout: number;
  textDropout: number;
}

export interface UnimodalLatents {
  text: tf.Tensor2D; // z^l [B, textOut]
  audio: tf.Tensor2D; // z^a [B, audioHidden]
  visual: tf.Tensor2D; // z^v [B, visualHidden]
}

export class UnimodalSubnets {
  readonly audio: Mlp;
  readonly visual: Mlp;
  readonly textLstm: Lstm;
  readonly textFc: Dense;

  /** variables are named `<prefix>/audioSubnet/…`, `<prefix>/textSubnet/…` */
  constructor(prefix: string, readonly sizes: UnimodalSizes, dims: BaselineDims, rng: Rng) {
    const s = sizes;
    this.audio = new Mlp(`${prefix}/audioSubnet`, [dims.audioDim, s.audioHidden, s.audioHidden, s.audioHidden], rng, { inputDropout: s.audioDropout });
    this.visual = new Mlp(`${prefix}/visualSubnet`, [dims.visualDim, s.visualHidden, s.visualHidden, s.visualHidden], rng, { inputDropout: s.visualDropout });
    this.textLstm = new Lstm(`${prefix}/textSubnet/lstm`, dims.textWidth, s.textHidden, rng);
    this.textFc = new Dense(`${prefix}/textSubnet/fc`, s.textHidden, s.textOut, rng);
  }

  /** Three seeds drawn in a fixed order (audio, visual, text dropout) so a forward always consumes the same draws. */
  apply(x: BaselineInputs, text: HostTextSequence, training: boolean, rng: Rng): UnimodalLatents {
    const [sa, sv, st] = [rng.seed(), rng.seed(), rng.seed()];
    return tf.tidy(() => {
      const audio = this.audio.apply(meanPool(x.audio, x.audioMask), training, sa); // [B, h_a]
      const visual = this.visual.apply(meanPool(x.visual, x.visualMask), training, sv); // [B, h_v]
      let h: tf.Tensor2D = this.textLstm.run(text.apply(x), x.textMask, x.hostLengths?.text).h; // [B, h_l]
      if (training && this.sizes.textDropout > 0) h = tf.dropout(h, this.sizes.textDropout, undefined, st) as tf.Tensor2D;
      const t = this.textFc.apply(h) as tf.Tensor2D; // [B, textOut]
      return { text: t, audio, visual } as unknown as tf.TensorContainer;
    }) as unknown as UnimodalLatents;
  }

  variables(): tf.Variable[] {
    return [...this.audio.variables(), ...this.visual.variables(), ...this.textLstm.variables(), ...this.textFc.variables()];
  }

  dispose(): void {
    this.audio.dispose();
    this.visual.dispose();
    this.textLstm.dispose();
    this.textFc.dispose();
  }
}

/** Parameters of the subnetworks (the hand count efficiency.ts and the tests share). */
export function unimodalParams(s: UnimodalSizes, dims: BaselineDims): { text: number; audio: number; visual: number } {
  const mlp = (d: number, h: number): number => d * h + h + 2 * (h * h + h);
  return {
    text: (dims.textWidth + s.textHidden + 1) * 4 * s.textHidden + s.textHidden * s.textOut + s.textOut,
    audio: mlp(dims.audioDim, s.audioHidden),
    visual: mlp(dims.visualDim, s.visualHidden),
  };
}
