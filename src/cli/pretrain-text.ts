// mird pretrain-text: masked-language-model pretraining of a small BERT on the transcripts the
// workspace may learn from (MOSEI + MOSI train; see src/text/corpus.ts). Resumable: rerun the
// same command and it continues from <out>/checkpoint. The final encoder + MLM head is a
// Hugging Face-format folder (<out>/checkpoint: config.json, vocab.txt, model.safetensors).
import { CliError, parseOptionsOnly, type FlagSpec, positiveFlag, seedFlag } from './args';
import { initBackend, describeBackend } from '../backend';
import { bertConfig, bertParamCount, type BertPreset, BERT_PRESETS } from '../text/bert-config';
import { pretrainingCorpus } from '../text/corpus';
import { initWordEmbeddingsFromGlove } from '../text/glove';
import { pretrainMlm } from '../text/mlm';
import { defaultTokenizer } from '../text/tokenizer';
import { repoPath } from '../paths';

const SPEC: Record<string, FlagSpec> = {
  preset: { type: 'string', description: `encoder shape: ${Object.keys(BERT_PRESETS).join(', ')} (default mini: 2 layers x 128, 2 heads, 512)` },
  init: { type: 'string', description: 'word embeddings at a fresh start: glove (default) or random' },
  steps: { type: 'number', description: 'total optimizer steps (default 2400)' },
  batch: { type: 'number', description: 'sentences per step (default 32)' },
  lr: { type: 'number', description: 'peak learning rate, linear warm-up and decay (default 1e-3)' },
  warmup: { type: 'number', description: 'warm-up steps (default 100)' },
  'max-length': { type: 'number', description: 'word pieces per sentence incl. [CLS]/[SEP] (default 50)' },
  seed: { type: 'number', description: 'run seed (default 0)' },
  out: { type: 'string', description: 'run folder (default runs/pretrain-text-<preset>-<init>-s<seed>); resumed when it has a checkpoint' },
  'checkpoint-every': { type: 'number', description: 'steps between checkpoints (default 200)' },
  quick: { type: 'boolean', description: 'a 20-step smoke run with the tiny preset' },
  help: { type: 'boolean', description: 'show this help' },
};

export async function run(argv: string[]): Promise<number> {
  const flags = parseOptionsOnly(argv, 'pretrain-text', '[options]', SPEC);
  if (flags === null) return 0;
  const quick = flags.quick === true;
  const preset = String(flags.preset ?? (quick ? 'tiny' : 'mini')) as BertPreset;
  if (!(preset in BERT_PRESETS)) throw new CliError(`--preset must be one of ${Object.keys(BERT_PRESETS).join(', ')}, got "${preset}"`);
  const init = String(flags.init ?? 'glove');
  if (init !== 'glove' && init !== 'random') throw new CliError(`--init must be glove or random, got "${init}"`);
  const num = (k: string, d: number, integer = true): number => positiveFlag(flags, k, d, integer);
  const seed = seedFlag(flags);
  const steps = num('steps', quick ? 20 : 2400);
  const config = bertConfig(preset, { maxPositions: 512 });
  const out = String(flags.out ?? repoPath('runs', `pretrain-text-${preset}-${init}-s${seed}${quick ? '-quick' : ''}`));
  const info = await initBackend();
  const tokenizer = defaultTokenizer();
  const corpus = pretrainingCorpus();
  process.stderr.write(
    [
      `pretrain-text: ${describeBackend(info)}`,
      ...corpus.notes,
      `encoder ${preset}: ${config.numLayers} layers x ${config.hiddenSize}, ${config.numHeads} heads, ${bertParamCount(config).toLocaleString('en')} parameters; init ${init}`,
      `run folder ${out}`,
    ].join('\n') + '\n',
  );
  const result = pretrainMlm(quick ? corpus.texts.slice(0, 2000) : corpus.texts, tokenizer, {
    config,
    seed,
    steps,
    batchSize: num('batch', quick ? 8 : 32),
    lr: num('lr', 1e-3, false),
    warmupSteps: flags.warmup === undefined ? Math.min(100, Math.floor(steps / 10)) : num('warmup', 100),
    maxLength: num('max-length', 50),
    weightDecay: 0.01,
    outDir: out,
    checkpointEvery: num('checkpoint-every', quick ? 10 : 200),
    init: init === 'glove' ? (bert) => void initWordEmbeddingsFromGlove(bert, tokenizer, seed) : undefined,
    heldOut: quick ? corpus.heldOut.slice(0, 64) : corpus.heldOut,
  });
  process.stdout.write(
    `pretrain-text: ${result.stepsDone} steps (resumed from ${result.resumedFrom}), ${result.secondsPerStep.toFixed(3)} s/step, ` +
      `last loss ${result.lastLoss.toFixed(3)}, held-out masked-token loss ${result.heldOutLoss?.toFixed(3) ?? 'n/a'}; checkpoint ${out}/checkpoint\n`,
  );
  result.bert.dispose();
  result.head.dispose();
  return 0;
}
