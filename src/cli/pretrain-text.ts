// mird pretrain-text: masked-language-model pretraining of a small BERT on the transcripts the
// workspace may learn from (MOSEI + MOSI train; see src/text/corpus.ts). Resumable: rerun the
// same command and it continues from <out>/checkpoint. The final encoder + MLM head is a
// Hugging Face-format folder (<out>/checkpoint: config.json, vocab.txt, model.safetensors).
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { CliError, integerFlag, outputDir, parseOptionsOnly, type FlagSpec, positiveFlag, seedFlag } from './args';
import { initBackend, describeBackend } from '../backend';
import { bertConfig, bertParamCount, type BertConfig, type BertPreset, BERT_PRESETS } from '../text/bert-config';
import { configFromHf, type HfBertConfigJson } from '../text/checkpoint';
import { pretrainingCorpus } from '../text/corpus';
import { initWordEmbeddingsFromGlove } from '../text/glove';
import { pretrainMlm } from '../train/mlm';
import { defaultTokenizer } from '../text/tokenizer';
import { repoPath } from '../paths';

// [CLS] + one word piece + [SEP]: shorter rows have nothing to mask and are dropped
const MIN_LENGTH = 3;
const MAX_POSITIONS = 512;

const SPEC: Record<string, FlagSpec> = {
  preset: { type: 'string', description: `encoder shape: ${Object.keys(BERT_PRESETS).join(', ')} (default mini: 2 layers x 128, 2 heads, 512)` },
  init: { type: 'string', description: 'word embeddings at a fresh start: glove (default) or random' },
  steps: { type: 'number', description: 'total optimizer steps (default 2400)' },
  batch: { type: 'number', description: 'sentences per step (default 32)' },
  lr: { type: 'number', description: 'peak learning rate, linear warm-up and decay (default 1e-3)' },
  warmup: { type: 'number', description: 'warm-up steps, 0 to --steps (default min(100, steps/10))' },
  'max-length': { type: 'number', description: `word pieces per sentence incl. [CLS]/[SEP], ${MIN_LENGTH} to ${MAX_POSITIONS} (default 50)` },
  seed: { type: 'number', description: 'run seed (default 0)' },
  out: { type: 'string', description: 'run folder (default runs/pretrain-text-<preset>-<init>-s<seed>); resumed when it has a checkpoint' },
  'checkpoint-every': { type: 'number', description: 'steps between checkpoints (default 200)' },
  quick: { type: 'boolean', description: 'a 20-step smoke run with the tiny preset' },
  help: { type: 'boolean', description: 'show this help' },
};

/** The step a run folder's checkpoint reached, after checking it was made with this encoder shape. */
function checkpointStep(out: string, config: BertConfig): number | null {
  const ckpt = join(out, 'checkpoint');
  if (!existsSync(join(ckpt, 'state.json'))) return null;
  try {
    const state = JSON.parse(readFileSync(join(ckpt, 'state.json'), 'utf8')) as { step?: unknown };
    const cfg = configFromHf(JSON.parse(readFileSync(join(ckpt, 'config.json'), 'utf8')) as HfBertConfigJson, join(ckpt, 'config.json'));
    for (const k of Object.keys(cfg) as (keyof BertConfig)[]) {
      if (cfg[k] !== config[k]) throw new CliError(`--out ${out} holds a run with ${k} ${cfg[k]}, this run asks for ${config[k]} (use another --out, or that run's --preset)`);
    }
    if (typeof state.step !== 'number') throw new Error(`${join(ckpt, 'state.json')}: no step`);
    return state.step;
  } catch (err) {
    if (err instanceof CliError) throw err;
    throw new CliError(`--out ${out}: its checkpoint cannot be resumed: ${err instanceof Error ? err.message : String(err)}`);
  }
}

export async function run(argv: string[]): Promise<number> {
  const flags = parseOptionsOnly(argv, 'pretrain-text', '[options]', SPEC);
  if (flags === null) return 0;
  // every flag is checked here, before the backend, the corpus or the run folder
  const quick = flags.quick === true;
  const preset = String(flags.preset ?? (quick ? 'tiny' : 'mini'));
  if (!Object.keys(BERT_PRESETS).includes(preset)) throw new CliError(`--preset must be one of ${Object.keys(BERT_PRESETS).join(', ')}, got "${preset}"`);
  const init = String(flags.init ?? 'glove');
  if (init !== 'glove' && init !== 'random') throw new CliError(`--init must be glove or random, got "${init}"`);
  const seed = seedFlag(flags);
  const steps = positiveFlag(flags, 'steps', quick ? 20 : 2400, true);
  const batchSize = positiveFlag(flags, 'batch', quick ? 8 : 32, true);
  const lr = positiveFlag(flags, 'lr', 1e-3, false);
  const warmupSteps = integerFlag(flags, 'warmup', Math.min(100, Math.floor(steps / 10)), 0, steps);
  const maxLength = integerFlag(flags, 'max-length', 50, MIN_LENGTH, MAX_POSITIONS);
  const checkpointEvery = positiveFlag(flags, 'checkpoint-every', quick ? 10 : 200, true);
  const config = bertConfig(preset as BertPreset, { maxPositions: MAX_POSITIONS });
  const out = outputDir(String(flags.out ?? repoPath('runs', `pretrain-text-${preset}-${init}-s${seed}${quick ? '-quick' : ''}`)), '--out');
  const reached = checkpointStep(out, config);
  if (reached !== null && reached > steps) throw new CliError(`--steps ${steps} is below step ${reached}, which the run in ${out} already reached (give --steps ≥ ${reached}, or another --out)`);
  const corpus = pretrainingCorpus();
  const texts = quick ? corpus.texts.slice(0, 2000) : corpus.texts;
  if (batchSize > texts.length) throw new CliError(`--batch ${batchSize} is more than the ${texts.length} training sentences`);

  const info = await initBackend();
  const tokenizer = defaultTokenizer();
  process.stderr.write(
    [
      `pretrain-text: ${describeBackend(info)}`,
      ...corpus.notes,
      `encoder ${preset}: ${config.numLayers} layers x ${config.hiddenSize}, ${config.numHeads} heads, ${bertParamCount(config).toLocaleString('en')} parameters; init ${init}`,
      `run folder ${out}${reached === null ? '' : ` (resuming from step ${reached})`}`,
    ].join('\n') + '\n',
  );
  // a run that fails before its first checkpoint leaves nothing to resume: remove what it made
  const existed = existsSync(out);
  let result: ReturnType<typeof pretrainMlm>;
  try {
    result = pretrainMlm(texts, tokenizer, {
      config,
      seed,
      steps,
      batchSize,
      lr,
      warmupSteps,
      maxLength,
      weightDecay: 0.01,
      outDir: out,
      checkpointEvery,
      init: init === 'glove' ? (bert) => void initWordEmbeddingsFromGlove(bert, tokenizer, seed) : undefined,
      heldOut: quick ? corpus.heldOut.slice(0, 64) : corpus.heldOut,
    });
  } catch (err) {
    if (!existed && !existsSync(join(out, 'checkpoint'))) rmSync(out, { recursive: true, force: true });
    throw err;
  }
  const fmt = (v: number | null): string => (v === null || !Number.isFinite(v) ? 'n/a' : v.toFixed(3));
  const ran = result.stepsDone - result.resumedFrom;
  process.stdout.write(
    [
      ran === 0 ? `pretrain-text: already finished at step ${result.stepsDone} of ${steps}; nothing to run` : `pretrain-text: ${ran} steps run (${result.resumedFrom === 0 ? 'fresh start' : `resumed from step ${result.resumedFrom}`}), now at step ${result.stepsDone} of ${steps}, ${result.secondsPerStep.toFixed(3)} s/step`,
      `  last-step masked-token loss ${fmt(result.lastLoss)}`,
      `  held-out masked-token loss  ${fmt(result.heldOutLoss)}`,
      `  checkpoint ${join(out, 'checkpoint')} (log: ${join(out, 'log.jsonl')})`,
    ].join('\n') + '\n',
  );
  result.bert.dispose();
  result.head.dispose();
  return 0;
}
