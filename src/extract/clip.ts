// One clip: media file → audio frames [T_A, 33] and visual frames [T_V, 226 with human (the
// default) or 151 with face-api], or a failure with its reason (no audio stream, silent audio, no
// face in any frame, unreadable file, …).
import { extname } from 'node:path';
import { AUDIO_DEFAULTS, audioFeatures, librosaSignal, type AudioFeatureConfig } from './audio';
import { decodeAudio, decodeVideoFrames, probeMedia } from './media';
import { DEFAULT_VISUAL_MODEL, loadVisualExtractor, type VisualModel } from './visual-model';

export interface ExtractConfig {
  audio: AudioFeatureConfig;
  /** audio frames kept per clip (paper: 400 ≈ 9.3 s); longer clips are truncated, never padded */
  audioFrames: number;
  /** video frames kept per clip (paper: the first 55) */
  visualFrames: number;
  /** null: the source frame rate (paper); a number: frames per second sampled with ffmpeg */
  videoFps: number | null;
  /** frames wider than this are scaled down before detection */
  maxWidth: number;
  /** visual feature extractor: human (226 columns) or face-api (151); src/extract/visual-model.ts */
  visualModel: VisualModel;
  /** face detector threshold */
  minConfidence: number;
  /** a clip whose audio peak is below this level (dBFS) fails as silent */
  silenceDb: number;
  /** WordPiece ids kept per transcript, [CLS]/[SEP] included (paper: 50) */
  maxTokens: number;
}

export const EXTRACT_DEFAULTS: Readonly<ExtractConfig> = Object.freeze({
  audio: AUDIO_DEFAULTS,
  audioFrames: 400,
  visualFrames: 55,
  videoFps: null,
  maxWidth: 640,
  visualModel: DEFAULT_VISUAL_MODEL,
  minConfidence: 0.5,
  silenceDb: -80,
  maxTokens: 50,
});

export const MEDIA_EXTENSIONS: readonly string[] = ['.wav', '.mp4', '.mkv', '.mov', '.avi', '.webm', '.m4v', '.flv', '.mpg', '.mpeg', '.mp3', '.m4a', '.flac', '.ogg', '.opus', '.aac'];

export interface ClipFeatures {
  audio: Float32Array; // [audioFrames kept, 33]
  audioFrames: number;
  /** frames before truncation (the clip's whole length at the hop) */
  audioFramesTotal: number;
  visual: Float32Array; // [visual frames, visualDim]; empty for audio-only files
  visualFrames: number;
  /** columns per visual frame (the model's column count); 0 when there are no visual frames */
  visualDim: number;
  /** frames of `visual` in which a face was found */
  faceFrames: number;
  hasVideo: boolean;
  durationS: number | null;
  /** seconds spent on audio and on video */
  audioSeconds: number;
  visualSeconds: number;
}

/** A clip that cannot be extracted: `reason` is what the failure list shows. */
export class ClipError extends Error {}

/** Extracts one clip; a problem with the file throws ClipError with the reason. */
export async function extractClip(file: string, config: Readonly<ExtractConfig>): Promise<ClipFeatures> {
  let info;
  try {
    info = probeMedia(file);
  } catch (err) {
    throw new ClipError(err instanceof Error ? err.message : String(err));
  }
  if (info.audio === null) throw new ClipError(`${file}: no audio stream`);
  const t0 = Date.now();
  let audio;
  try {
    const decoded = decodeAudio(file, info);
    const peak = decoded.channels.reduce((m, ch) => ch.reduce((a, v) => Math.max(a, Math.abs(v)), m), 0);
    const samples = decoded.channels[0]?.length ?? 0;
    if (samples === 0) throw new ClipError(`${file}: the audio stream has no samples`);
    const peakDb = peak > 0 ? 20 * Math.log10(peak) : -Infinity;
    if (peakDb < config.silenceDb) throw new ClipError(`${file}: silent audio (peak ${Number.isFinite(peakDb) ? `${peakDb.toFixed(1)} dBFS` : '0, digital silence'} < ${config.silenceDb} dBFS)`);
    const y = librosaSignal(decoded.channels, decoded.sampleRate, config.audio.sampleRate);
    audio = audioFeatures(y, config.audio);
  } catch (err) {
    if (err instanceof ClipError) throw err;
    throw new ClipError(err instanceof Error ? err.message : String(err));
  }
  const keep = Math.min(audio.frames, config.audioFrames);
  const audioSeconds = (Date.now() - t0) / 1000;

  const hasVideo = info.video !== null && extname(file).toLowerCase() !== '.wav';
  let visual = new Float32Array(0);
  let visualFrames = 0;
  let visualDim = 0;
  let faceFrames = 0;
  const t1 = Date.now();
  if (hasVideo && config.visualFrames > 0) {
    let video;
    try {
      video = decodeVideoFrames(file, { maxFrames: config.visualFrames, fps: config.videoFps, maxWidth: config.maxWidth }, info);
    } catch (err) {
      throw new ClipError(err instanceof Error ? err.message : String(err));
    }
    const extractor = await loadVisualExtractor(config.visualModel);
    visualFrames = video.frames.length;
    visualDim = extractor.dim;
    visual = new Float32Array(visualFrames * visualDim);
    for (let f = 0; f < visualFrames; f++) {
      const face = await extractor.frame(video.frames[f] as Uint8Array, video.width, video.height, config.minConfidence);
      visual.set(face.features, f * visualDim);
      if (face.found) faceFrames += 1;
    }
    if (faceFrames === 0) throw new ClipError(`${file}: no face in any of the ${visualFrames} frames (${config.visualModel}, detector threshold ${config.minConfidence})`);
  }
  return {
    audio: audio.data.slice(0, keep * audio.dim),
    audioFrames: keep,
    audioFramesTotal: audio.frames,
    visual,
    visualFrames,
    visualDim,
    faceFrames,
    hasVideo,
    durationS: info.durationS,
    audioSeconds,
    visualSeconds: (Date.now() - t1) / 1000,
  };
}
