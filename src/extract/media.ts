// Decoding raw media: .wav directly (src/extract/wav.ts), everything else with Debian's ffmpeg
// (ffprobe for the streams, ffmpeg piping float samples or RGB frames into this process).
// ffmpeg is an optional system tool: a missing one is an error naming the package, raised only
// when a file needs it. MIRD_FFMPEG / MIRD_FFPROBE point at other binaries (the tests use a
// missing path to check the message).
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { extname } from 'node:path';
import { parseWav, type DecodedAudio } from './wav';

const MAX_BUFFER = 1 << 30;

export const FFMPEG_PACKAGE_HINT = "install Debian's ffmpeg package (apt-get install ffmpeg), or set MIRD_FFMPEG / MIRD_FFPROBE to the binaries; .wav files are read without it";

function ffmpegPath(): string {
  return process.env.MIRD_FFMPEG ?? 'ffmpeg';
}
function ffprobePath(): string {
  return process.env.MIRD_FFPROBE ?? 'ffprobe';
}

/** `ffmpeg -version`'s first line, or null when ffmpeg cannot be run. */
export function ffmpegVersion(): string | null {
  const r = spawnSync(ffmpegPath(), ['-hide_banner', '-version'], { encoding: 'utf8' });
  if (r.error !== undefined || r.status !== 0) return null;
  return (r.stdout.split('\n')[0] ?? '').replace(/ Copyright.*$/, '').trim();
}

/** Throws the one "ffmpeg missing" error, naming the file that needed it. */
export function requireFfmpeg(file: string): void {
  if (ffmpegVersion() === null) throw new Error(`${file}: reading this file needs ffmpeg, which was not found (${ffmpegPath()}): ${FFMPEG_PACKAGE_HINT}`);
}

export interface StreamInfo {
  audio: { sampleRate: number; channels: number; codec: string } | null;
  video: { width: number; height: number; fps: number; codec: string; frames: number | null } | null;
  durationS: number | null;
}

function rate(text: unknown): number {
  const [a, b] = String(text ?? '0/1').split('/').map(Number);
  return b !== undefined && b > 0 && a !== undefined ? a / b : Number(a ?? 0);
}

/** The first audio and video stream of a file (ffprobe); an unreadable file is an error naming it. */
export function probeMedia(file: string): StreamInfo {
  if (!existsSync(file)) throw new Error(`${file}: file not found`);
  if (extname(file).toLowerCase() === '.wav') {
    const w = readWav(file);
    return { audio: { sampleRate: w.sampleRate, channels: w.channels.length, codec: 'pcm' }, video: null, durationS: (w.channels[0]?.length ?? 0) / w.sampleRate };
  }
  requireFfmpeg(file);
  const r = spawnSync(ffprobePath(), ['-v', 'error', '-show_streams', '-show_format', '-of', 'json', file], { encoding: 'utf8', maxBuffer: MAX_BUFFER });
  if (r.error !== undefined) throw new Error(`${file}: ffprobe could not be run (${r.error.message}): ${FFMPEG_PACKAGE_HINT}`);
  if (r.status !== 0) throw new Error(`${file}: unreadable media file (ffprobe: ${r.stderr.trim().split('\n').pop() ?? `exit ${r.status}`})`);
  const parsed = JSON.parse(r.stdout) as { streams?: Record<string, unknown>[]; format?: { duration?: string } };
  const streams = parsed.streams ?? [];
  const a = streams.find((s) => s.codec_type === 'audio');
  const v = streams.find((s) => s.codec_type === 'video' && (s.disposition as { attached_pic?: number } | undefined)?.attached_pic !== 1);
  const duration = Number(parsed.format?.duration);
  return {
    audio: a === undefined ? null : { sampleRate: Number(a.sample_rate), channels: Number(a.channels), codec: String(a.codec_name) },
    video: v === undefined ? null : { width: Number(v.width), height: Number(v.height), fps: rate(v.avg_frame_rate) || rate(v.r_frame_rate), codec: String(v.codec_name), frames: v.nb_frames === undefined ? null : Number(v.nb_frames) },
    durationS: Number.isFinite(duration) ? duration : null,
  };
}

function readWav(file: string): DecodedAudio {
  return parseWav(new Uint8Array(readFileSync(file)), file);
}

/** Every sample of the first audio stream at its native rate and channel count. */
export function decodeAudio(file: string, info: StreamInfo = probeMedia(file)): DecodedAudio {
  if (extname(file).toLowerCase() === '.wav') return readWav(file);
  if (info.audio === null) throw new Error(`${file}: no audio stream`);
  const { sampleRate, channels } = info.audio;
  const r = spawnSync(ffmpegPath(), ['-v', 'error', '-nostdin', '-i', file, '-map', '0:a:0', '-vn', '-ac', String(channels), '-ar', String(sampleRate), '-f', 'f32le', '-acodec', 'pcm_f32le', '-'], { maxBuffer: MAX_BUFFER });
  if (r.error !== undefined) throw new Error(`${file}: ffmpeg failed to run (${r.error.message})`);
  if (r.status !== 0) throw new Error(`${file}: ffmpeg could not decode the audio (${String(r.stderr).trim().split('\n').pop()})`);
  const bytes = r.stdout as Buffer;
  const floats = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength - (bytes.byteLength % 4)));
  const n = Math.floor(floats.length / channels);
  const out = Array.from({ length: channels }, () => new Float32Array(n));
  for (let i = 0; i < n; i++) for (let c = 0; c < channels; c++) (out[c] as Float32Array)[i] = floats[i * channels + c] as number;
  return { sampleRate, channels: out };
}

export interface VideoFrames {
  width: number;
  height: number;
  /** frames per second of the returned frames (the source rate, or the requested one) */
  fps: number;
  /** RGB24, one Uint8Array of width·height·3 per frame */
  frames: Uint8Array[];
}

/**
 * The first `maxFrames` frames of the first video stream, RGB. `fps` null keeps the source rate
 * (the paper's "first 55 frames"); a number resamples with ffmpeg's fps filter. Frames wider
 * than `maxWidth` are scaled down (aspect kept, even sizes).
 */
export function decodeVideoFrames(file: string, options: { maxFrames: number; fps: number | null; maxWidth: number }, info: StreamInfo = probeMedia(file)): VideoFrames {
  if (info.video === null) throw new Error(`${file}: no video stream`);
  let { width, height } = info.video;
  const filters: string[] = [];
  if (options.fps !== null) filters.push(`fps=${options.fps}`);
  if (width > options.maxWidth) {
    height = 2 * Math.round((height * options.maxWidth) / width / 2);
    width = options.maxWidth;
    filters.push(`scale=${width}:${height}`);
  }
  const args = ['-v', 'error', '-nostdin', '-i', file, '-map', '0:v:0', '-an', ...(filters.length > 0 ? ['-vf', filters.join(',')] : []), '-frames:v', String(options.maxFrames), '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-'];
  const r = spawnSync(ffmpegPath(), args, { maxBuffer: MAX_BUFFER });
  if (r.error !== undefined) throw new Error(`${file}: ffmpeg failed to run (${r.error.message})`);
  if (r.status !== 0) throw new Error(`${file}: ffmpeg could not decode the video (${String(r.stderr).trim().split('\n').pop()})`);
  const bytes = r.stdout as Buffer;
  const size = width * height * 3;
  const frames: Uint8Array[] = [];
  for (let at = 0; at + size <= bytes.length; at += size) frames.push(new Uint8Array(bytes.buffer, bytes.byteOffset + at, size));
  if (frames.length === 0) throw new Error(`${file}: the video stream decoded to no frames`);
  return { width, height, fps: options.fps ?? info.video.fps, frames };
}

/** Whether a path is a readable regular file (for listing inputs). */
export function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}
