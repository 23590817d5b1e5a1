// `mird extract <folder | files…> --labels <csv> --out <dataset folder>`: raw clips (videos, or
// audio + transcripts) → frame-level audio and visual features → a dataset folder that
// `mird train --data <folder>` and `mird data inspect <folder>` read. One process per core
// (--jobs), a progress line with clips done and ETA, resumable (clips finished in
// <out>.partial/ are skipped), failed clips listed with their reasons; <out> appears only whole.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { repoPath } from '../paths';
import { CliError, helpText, integerFlag, parseArgs, type FlagSpec } from './args';
import type { ExtractConfig } from '../extract/clip';
import type { ClipJob, Failure } from '../extract/dataset';
import { DEFAULT_VISUAL_MODEL, parseVisualModel, type VisualModel } from '../extract/visual-shared';
import { childThreadsEnv } from '../wasm-threads';

const FLAGS: Record<string, FlagSpec> = {
  labels: { type: 'string', description: 'CSV with columns id,text,label[,split]: id = media file name without extension; empty label = unlabeled clip; split train|valid|test (absent: all train)' },
  out: { type: 'string', description: 'dataset folder to write (must not exist, or be empty); work in progress lives in <out>.partial/' },
  jobs: { type: 'number', description: 'processes at once, one per core (default: min(cores, clips to do))' },
  'audio-frames': { type: 'number', description: 'audio frames kept per clip (default 400, the paper: 9.3 s at hop 512 / 22050 Hz); longer clips are truncated' },
  'visual-frames': { type: 'number', description: 'video frames kept per clip, from the start (default 55, the paper); 0 = no visual features' },
  'video-fps': { type: 'string', description: 'source (default: every frame at the source rate, the paper) or frames per second to sample' },
  'max-width': { type: 'number', description: 'frames wider than this are scaled down before face detection (default 640)' },
  'visual-model': { type: 'string', description: 'human (default: @vladmandic/human, 226 columns per frame) | face-api (@vladmandic/face-api, 151 columns, ~5× slower); the first 151 columns are the same in both' },
  'min-confidence': { type: 'number', description: 'face detector threshold in (0, 1) (default 0.5)' },
  'silence-db': { type: 'number', description: 'clips whose audio peak is below this level (dBFS) fail as silent (default -80)' },
  'max-tokens': { type: 'number', description: 'WordPiece ids stored per transcript incl. [CLS]/[SEP] (default 50)' },
  mel: { type: 'string', description: "htk (default: the authors' mfcc(htk=True)) | slaney (librosa's default)" },
  chroma: { type: 'string', description: "stft (default: librosa's chroma_stft) | cqt (chroma of a direct 252-bin constant-Q transform, nearer the authors' chroma_cqt; ≈ 0.3 s per second of audio)" },
  'pad-mode': { type: 'string', description: "reflect (default: librosa 0.9.1, the authors' version) | constant (librosa >= 0.10)" },
  'allow-failures': { type: 'boolean', description: 'write the dataset without the clips that failed (they are listed in manifest.json and failures.csv); default: fail and write nothing' },
  worker: { type: 'string', description: '(internal) run shard --shard of the jobs in this .partial folder' },
  shard: { type: 'string', description: '(internal) k/N: this worker takes jobs k, k+N, …' },
  help: { type: 'boolean', description: 'show this help' },
};

const SYNOPSIS = '<folder | files…> --labels <labels.csv> --out <dataset folder> [options]';

function usageText(): string {
  return `${helpText('extract', SYNOPSIS, FLAGS)}

Audio (33 per frame): zero-crossing rate + 20 MFCC + 12 chroma (STFT, or --chroma cqt), librosa's definitions at 22050 Hz,
frame 2048, hop 512 (.wav read directly; other files need Debian's ffmpeg package).
Visual, --visual-model human (default, 226 per frame; ≈ 70–90 ms per 480×360 frame on one thread):
@vladmandic/human: detection confidence, face box, head pose, 68 landmarks relative to the face
box, 7 expression probabilities (the 151 columns face-api also writes), then mesh confidence, gaze
and eye opening of both eyes, depth of the 68 landmarks. --visual-model face-api (151 per frame;
≈ 420–510 ms per frame): @vladmandic/face-api, the same 151 columns (pose from a landmark fit).
OpenFace's 709 columns do not exist here. manifest.json names every column, parameter, the
visual model and the tool versions.
example: mird extract data/samples --labels labels.csv --out runs/extracted-samples`;
}

function numberFlag(flags: Record<string, unknown>, key: string, fallback: number, check: (v: number) => boolean, expected: string): number {
  const v = flags[key] === undefined ? fallback : Number(flags[key]);
  if (!check(v)) throw new CliError(`--${key} must be ${expected}, got ${String(flags[key])}`);
  return v;
}

/** --visual-model, checked before anything is read or written. */
function visualModelFlag(flags: Record<string, string | number | boolean | undefined>): VisualModel {
  if (flags['visual-model'] === undefined) return DEFAULT_VISUAL_MODEL;
  try {
    return parseVisualModel(String(flags['visual-model']));
  } catch (err) {
    throw new CliError(err instanceof Error ? err.message : String(err));
  }
}

async function configFrom(flags: Record<string, string | number | boolean | undefined>): Promise<ExtractConfig> {
  const { EXTRACT_DEFAULTS } = await import('../extract/clip');
  const mel = String(flags.mel ?? EXTRACT_DEFAULTS.audio.melScale);
  if (mel !== 'htk' && mel !== 'slaney') throw new CliError(`--mel ${mel}: unknown (known: htk, slaney)`);
  const chroma = String(flags.chroma ?? EXTRACT_DEFAULTS.audio.chroma);
  if (chroma !== 'stft' && chroma !== 'cqt') throw new CliError(`--chroma ${chroma}: unknown (known: stft, cqt)`);
  const pad = String(flags['pad-mode'] ?? EXTRACT_DEFAULTS.audio.padMode);
  if (pad !== 'reflect' && pad !== 'constant') throw new CliError(`--pad-mode ${pad}: unknown (known: reflect, constant)`);
  const fpsText = flags['video-fps'] === undefined ? 'source' : String(flags['video-fps']);
  const fps = fpsText === 'source' ? null : Number(fpsText);
  if (fps !== null && !(Number.isFinite(fps) && fps > 0)) throw new CliError(`--video-fps must be "source" or a positive number, got ${fpsText}`);
  return {
    ...EXTRACT_DEFAULTS,
    audio: { ...EXTRACT_DEFAULTS.audio, melScale: mel, padMode: pad, chroma },
    audioFrames: integerFlag(flags, 'audio-frames', EXTRACT_DEFAULTS.audioFrames, 1),
    visualFrames: integerFlag(flags, 'visual-frames', EXTRACT_DEFAULTS.visualFrames, 0),
    videoFps: fps,
    maxWidth: integerFlag(flags, 'max-width', EXTRACT_DEFAULTS.maxWidth, 32),
    visualModel: visualModelFlag(flags),
    minConfidence: numberFlag(flags, 'min-confidence', EXTRACT_DEFAULTS.minConfidence, (v) => v > 0 && v < 1, 'in (0, 1)'),
    silenceDb: numberFlag(flags, 'silence-db', EXTRACT_DEFAULTS.silenceDb, (v) => Number.isFinite(v) && v <= 0, 'a level ≤ 0 dBFS'),
    maxTokens: integerFlag(flags, 'max-tokens', EXTRACT_DEFAULTS.maxTokens, 2),
  };
}

/**
 * Versions of everything that shapes the features, for the manifest and the resume key: the
 * visual model's package when video is extracted, null for the other one (and for both without video).
 */
async function toolVersions(needsFfmpeg: boolean, visualModel: VisualModel | null): Promise<Record<string, string | null>> {
  const { ffmpegVersion } = await import('../extract/media');
  const { visualModelPackage, visualModelPackages, visualModelVersion } = await import('../extract/visual-model');
  const { version } = await import('./main');
  const tf = await import('@tensorflow/tfjs');
  const visual = Object.fromEntries(visualModelPackages().map((p) => [p, visualModel !== null && visualModelPackage(visualModel) === p ? visualModelVersion(visualModel) : null]));
  return {
    mird: version(),
    node: process.version,
    tfjs: tf.version.tfjs,
    ffmpeg: needsFfmpeg ? ffmpegVersion() : null,
    ...visual,
  };
}

interface WorkerPlan {
  config: ExtractConfig;
  params: string;
  jobs: { id: string; file: string; text: string; label: number | null; split: string | null; line: number }[];
}

/** `--worker <partial> --shard k/N`: extracts its share of the jobs, one "clip <id> <status>" line per clip. */
async function runWorker(partial: string, shard: string): Promise<number> {
  const m = /^(\d+)\/(\d+)$/.exec(shard);
  if (m === null || Number(m[1]) >= Number(m[2])) throw new CliError(`--shard ${shard}: expected k/N with k < N`);
  const [k, n] = [Number(m[1]), Number(m[2])];
  const plan = JSON.parse(readFileSync(resolve(partial, 'plan.json'), 'utf8')) as WorkerPlan;
  const { runJob, readCached } = await import('../extract/dataset');
  for (let i = k; i < plan.jobs.length; i += n) {
    const j = plan.jobs[i] as WorkerPlan['jobs'][number];
    const job: ClipJob = { id: j.id, file: j.file, row: { id: j.id, text: j.text, label: j.label, split: j.split as 'train' | null, line: j.line } };
    if (readCached(partial, job, plan.params) !== null) continue;
    const status = await runJob(partial, job, plan.config, plan.params);
    process.stdout.write(`clip ${encodeURIComponent(j.id)} ${status}\n`);
  }
  return 0;
}

export async function run(argv: string[]): Promise<number> {
  const { flags, positional } = parseArgs(argv, FLAGS);
  if (flags.help === true) {
    process.stdout.write(usageText() + '\n');
    return 0;
  }
  if (flags.worker !== undefined) return runWorker(String(flags.worker), String(flags.shard ?? '0/1'));
  visualModelFlag(flags);
  if (positional.length === 0) throw new CliError(`give a folder or media files\n${usageText()}`);
  if (flags.labels === undefined) throw new CliError('--labels <csv with id,text,label[,split]> is required');
  if (flags.out === undefined) throw new CliError('--out <dataset folder> is required');
  const out = resolve(String(flags.out));
  if (existsSync(out)) {
    if (!statSync(out).isDirectory()) throw new CliError(`--out ${flags.out} is a file, not a folder`);
    if (readdirSync(out).length > 0) {
      const { isExtractedDataset } = await import('../data/extracted');
      throw new CliError(isExtractedDataset(out) ? `--out ${flags.out}: a dataset is already there (written by mird extract); choose another --out or delete it` : `--out ${flags.out}: folder is not empty`);
    }
  }
  const config = await configFrom(flags);

  const ds = await import('../extract/dataset');
  const labels = ds.readLabels(String(flags.labels));
  const { jobs, rowsWithoutFile } = ds.planJobs(positional, labels.rows);
  const needsFfmpeg = jobs.some((j) => !j.file.toLowerCase().endsWith('.wav'));
  if (needsFfmpeg) {
    const { requireFfmpeg } = await import('../extract/media');
    requireFfmpeg(jobs.find((j) => !j.file.toLowerCase().endsWith('.wav'))?.file as string);
  }
  const versions = await toolVersions(needsFfmpeg, needsFfmpeg && config.visualFrames > 0 ? config.visualModel : null);
  const params = ds.paramsHash(config, versions);
  const partial = ds.partialDir(out);
  const { writeFileAtomic } = await import('../util/files');
  const plan: WorkerPlan = { config, params, jobs: jobs.map((j) => ({ id: j.id, file: j.file, text: j.row.text, label: j.row.label, split: j.row.split, line: j.row.line })) };
  writeFileAtomic(resolve(partial, 'plan.json'), JSON.stringify(plan) + '\n');

  const todo = jobs.filter((j) => ds.readCached(partial, j, params) === null);
  const quiet = process.env.MIRD_QUIET === '1';
  const say = (s: string): void => {
    if (!quiet) process.stderr.write(s + '\n');
  };
  say(`extract: ${jobs.length} clips (${jobs.length - todo.length} already done in ${partial}), ${todo.length} to extract`);
  if (rowsWithoutFile.length > 0) say(`extract: ${rowsWithoutFile.length} row(s) of ${flags.labels} have no media file among the inputs and are not extracted (e.g. ${rowsWithoutFile.slice(0, 3).join(', ')})`);
  if (!labels.hasSplit) say(`extract: ${flags.labels} has no split column: every labeled clip goes to train`);

  if (todo.length > 0) {
    const jobsN = integerFlag(flags, 'jobs', Math.min(availableParallelism(), todo.length), 1);
    const { Progress } = await import('../util/progress');
    const progress = new Progress({ label: 'extract', total: todo.length, unit: 'clips' });
    let failed = 0;
    const workers = Math.min(jobsN, todo.length);
    const crashes: string[] = [];
    await Promise.all(
      Array.from({ length: workers }, (_, k) =>
        new Promise<void>((res) => {
          const child = spawn(process.execPath, [repoPath('bin', 'mird.js'), 'extract', '--worker', partial, '--shard', `${k}/${workers}`], { stdio: ['ignore', 'pipe', 'pipe'], env: childThreadsEnv(workers) });
          let stderr = '';
          child.stderr.on('data', (d: Buffer) => {
            stderr = (stderr + d.toString()).slice(-4000);
          });
          createInterface({ input: child.stdout }).on('line', (line) => {
            const m = /^clip (\S+) (ok|failed)$/.exec(line);
            if (m === null) return;
            if (m[2] === 'failed') failed += 1;
            progress.tick(1, `${failed} failed`);
          });
          child.on('close', (code) => {
            if (code !== 0) crashes.push(`worker ${k}/${workers} exited ${code}: ${stderr.trim().split('\n').filter((l) => !l.startsWith('[mird]')).slice(-3).join(' | ')}`);
            res();
          });
        }),
      ),
    );
    if (crashes.length > 0) throw new Error(`extraction stopped: ${crashes.join('; ')} (finished clips are kept in ${partial}; rerun to resume)`);
  }

  const { defaultTokenizer, defaultVocabPath } = await import('../text/tokenizer');
  const tok = defaultTokenizer();
  const vocabSha = createHash('sha256').update(readFileSync(defaultVocabPath())).digest('hex');
  const result = ds.assembleDataset(out, jobs, params, (t) => tok.encode(t, config.maxTokens), {
    command: ['mird', 'extract', ...argv].join(' '),
    config,
    versions,
    labels: { path: String(flags.labels), sha256: labels.sha256, hasSplit: labels.hasSplit, rowsWithoutFile: rowsWithoutFile.length },
    tokenizer: { name: 'bert-base-uncased WordPiece (data/text/vocab.txt)', vocabSha256: vocabSha, padId: tok.padId },
    allowFailures: flags['allow-failures'] === true,
  });
  const list = (fs: Failure[]): string => fs.map((f) => `  ${f.id}: ${f.reason}`).join('\n');
  if (result.clips === 0) {
    process.stderr.write(`mird extract: ${result.failures.length} of ${jobs.length} clips failed; no dataset written:\n${list(result.failures)}\nfix or remove these files and rerun (the ${jobs.length - result.failures.length} extracted clips are kept in ${partial}), or pass --allow-failures to write the dataset without them\n`);
    return 1;
  }
  const splits = Object.entries(result.bySplit).map(([s, c]) => `${s} ${c}`).join(', ');
  process.stdout.write(`wrote ${out}: ${result.clips} clips (${splits})${result.visualFrames > 0 ? `; a face in ${result.faceFrames} of ${result.visualFrames} video frames` : ''}\n`);
  if (result.failures.length > 0) process.stdout.write(`left out ${result.failures.length} failed clip(s) (listed in manifest.json and failures.csv):\n${list(result.failures)}\n`);
  return 0;
}
