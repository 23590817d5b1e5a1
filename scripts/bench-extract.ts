// Feature extraction speed for `npm run bench` (rows "extract …"): clips per minute for audio
// (the sample WAV, read directly; the sample MP4's audio through ffmpeg) and for audio + video
// with each visual model (face-api, and human, mird extract's default) on the sample MP4's first
// frames (the paper's 55 at the source rate; 10 in quick mode), in this process on one core; and
// `mird extract` over a folder of copies with one and with two processes, for each model (full
// mode only), which is what a user sees.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoPath } from '../src/paths';
import type { VisualModel } from '../src/extract/visual-shared';
import { timeIt, type Timing } from './bench-paper';

interface VideoBench {
  frames: number;
  timing: Timing;
  msPerFrame: number;
  clipsPerMinute: number;
  faceFrames: number;
}
interface FolderBench {
  clips: number;
  visualFrames: number;
  oneProcessSeconds: number;
  twoProcessSeconds: number;
  clipsPerMinute1: number;
  clipsPerMinute2: number;
}

export interface ExtractBench {
  audioWav?: { clipSeconds: number; timing: Timing; clipsPerMinute: number };
  audioMp4?: { clipSeconds: number; timing: Timing; clipsPerMinute: number };
  /** face-api */
  video?: VideoBench;
  /** human */
  videoHuman?: VideoBench;
  /** mird extract --visual-model face-api */
  folder?: FolderBench;
  /** mird extract --visual-model human */
  folderHuman?: FolderBench;
  skipped?: string;
}

const round = (x: number): number => Math.round(x * 100) / 100;

export async function extractBench(reps: number, quick: boolean): Promise<ExtractBench> {
  const { extractClip, EXTRACT_DEFAULTS } = await import('../src/extract/clip');
  const { ffmpegVersion } = await import('../src/extract/media');
  const out: ExtractBench = {};
  const wav = repoPath('data', 'samples', 'mosi_03bSnISJMiM_1.wav');
  const mp4 = repoPath('data', 'samples', 'mosi_Oz06ZWiO20M_6.mp4');
  const audioOnly = { ...EXTRACT_DEFAULTS, visualFrames: 0 };
  let last = await extractClip(wav, audioOnly);
  const tw = await timeIt('extract: audio features of the sample WAV (3.33 s clip)', reps, 1, async () => {
    last = await extractClip(wav, audioOnly);
  });
  out.audioWav = { clipSeconds: round(last.durationS ?? 0), timing: tw, clipsPerMinute: round(60_000 / tw.medianMs) };
  if (ffmpegVersion() === null) {
    out.skipped = "video rows: ffmpeg not installed (Debian's ffmpeg package)";
    return out;
  }
  const tm = await timeIt('extract: audio features of the sample MP4 (ffmpeg decode, 7.44 s)', reps, 1, async () => {
    last = await extractClip(mp4, audioOnly);
  });
  out.audioMp4 = { clipSeconds: round(last.durationS ?? 0), timing: tm, clipsPerMinute: round(60_000 / tm.medianMs) };
  const frames = quick ? 10 : EXTRACT_DEFAULTS.visualFrames;
  const videoRun = async (visualModel: VisualModel): Promise<VideoBench> => {
    const videoConfig = { ...EXTRACT_DEFAULTS, visualModel, visualFrames: frames };
    let faces = 0;
    await extractClip(mp4, { ...videoConfig, visualFrames: 1 }); // loads the model and its weights once
    const tv = await timeIt(`extract: audio + ${visualModel} on the sample MP4's first ${frames} frames (source rate)`, quick ? 1 : 2, 0, async () => {
      const r = await extractClip(mp4, videoConfig);
      faces = r.faceFrames;
    });
    return { frames, timing: tv, msPerFrame: round(tv.medianMs / frames), clipsPerMinute: round(60_000 / tv.medianMs), faceFrames: faces };
  };
  out.video = await videoRun('face-api');
  out.videoHuman = await videoRun('human');
  if (!quick) {
    const dir = mkdtempSync(join(tmpdir(), 'mird-bench-extract-'));
    const media = join(dir, 'media');
    mkdirSync(media);
    const n = 4;
    const rows = ['id,text,label'];
    for (let i = 0; i < n; i++) {
      symlinkSync(mp4, join(media, `clip${i}.mp4`));
      rows.push(`clip${i},A CLIP,0.5`);
    }
    writeFileSync(join(dir, 'labels.csv'), rows.join('\n') + '\n');
    const secondsWith = (visualModel: VisualModel, jobs: number): number => {
      const t0 = performance.now();
      const r = spawnSync(process.execPath, [repoPath('bin', 'mird.js'), 'extract', media, '--labels', join(dir, 'labels.csv'), '--out', join(dir, `out-${visualModel}-${jobs}`), '--jobs', String(jobs), '--visual-model', visualModel], { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, MIRD_QUIET: '1' } });
      if (r.status !== 0) throw new Error(`bench: mird extract --visual-model ${visualModel} --jobs ${jobs} exited ${r.status}`);
      return (performance.now() - t0) / 1000;
    };
    const folderRun = (visualModel: VisualModel): FolderBench => {
      const one = secondsWith(visualModel, 1);
      const two = secondsWith(visualModel, 2);
      process.stderr.write(`extract: mird extract --visual-model ${visualModel}, ${n} copies of the sample MP4 (55 frames): ${round(one)} s with 1 process, ${round(two)} s with 2\n`);
      return { clips: n, visualFrames: EXTRACT_DEFAULTS.visualFrames, oneProcessSeconds: round(one), twoProcessSeconds: round(two), clipsPerMinute1: round((60 * n) / one), clipsPerMinute2: round((60 * n) / two) };
    };
    out.folder = folderRun('face-api');
    out.folderHuman = folderRun('human');
  }
  return out;
}

/** Rows for bench.ts's printed table. */
export function extractRows(e: ExtractBench): Array<[string, string]> {
  const rows: Array<[string, string]> = [];
  if (e.audioWav) rows.push([`extract audio, WAV ${e.audioWav.clipSeconds} s clip (one process)`, `${e.audioWav.timing.medianMs} ms, ${e.audioWav.clipsPerMinute} clips/min`]);
  if (e.audioMp4) rows.push([`extract audio, MP4 ${e.audioMp4.clipSeconds} s clip via ffmpeg (one process)`, `${e.audioMp4.timing.medianMs} ms, ${e.audioMp4.clipsPerMinute} clips/min`]);
  const videoRow = (v: VideoBench, model: string): [string, string] => [`extract audio + video (${model}), ${v.frames} frames (one process)`, `${v.msPerFrame} ms/frame, ${v.clipsPerMinute} clips/min; face in ${v.faceFrames}/${v.frames}`];
  const folderRow = (f: FolderBench, model: string): [string, string] => [`mird extract folder (${model}), ${f.clips} clips × ${f.visualFrames} frames`, `1 process ${f.clipsPerMinute1} clips/min, 2 processes ${f.clipsPerMinute2} clips/min`];
  if (e.video) rows.push(videoRow(e.video, 'face-api'));
  if (e.videoHuman) rows.push(videoRow(e.videoHuman, 'human'));
  if (e.folder) rows.push(folderRow(e.folder, 'face-api'));
  if (e.folderHuman) rows.push(folderRow(e.folderHuman, 'human'));
  if (e.skipped) rows.push(['extract video', `skipped: ${e.skipped}`]);
  return rows;
}
