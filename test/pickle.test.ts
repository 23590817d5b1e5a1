// Generic pickle decoding against fixtures written by scripts/make-fixtures.py (numpy 1.x,
// protocols 2, 4 and 5): plain Python values, numpy arrays of every supported dtype and layout,
// window-edge reading, structure scans, format sniffing and unreadable files.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { closeSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { FileReader, loadPickle, loadPickleLazy, scanPickle, sniffPickleFormat, describePyValue } from '../src/data/pickle';
import type { PyDict, PyValue } from '../src/data/pickle';
import { NdArray } from '../src/data/ndarray';

const DIR = join('test', 'fixtures', 'pickles');
const fixture = (name: string): string => join(DIR, name);

function asDict(v: PyValue): PyDict {
  assert.ok(v instanceof Map, 'expected a dict');
  return v;
}

function nd(d: PyDict, key: string): NdArray {
  const v = d.get(key);
  assert.ok(v instanceof NdArray, `${key} should be an NdArray`);
  return v;
}

for (const protocol of [2, 4, 5]) {
  for (const chunkSize of [undefined, 16, 61]) {
    test(`plain values, protocol ${protocol}, window ${chunkSize ?? 'default'}`, () => {
      const d = asDict(loadPickle(fixture(`plain-p${protocol}.pkl`), chunkSize === undefined ? {} : { chunkSize }));
      assert.equal(d.get('int'), 7);
      assert.equal(d.get('neg'), -123456);
      assert.equal(d.get('big'), 2 ** 40);
      assert.equal(d.get('float'), 1.25);
      assert.equal(d.get('negfloat'), -0.1);
      assert.equal(d.get('none'), null);
      assert.equal(d.get('t'), true);
      assert.equal(d.get('f'), false);
      assert.equal(d.get('str'), 'héllo ✓ 日本');
      assert.equal(d.get('empty'), '');
      assert.equal(d.get(1), 'int key', 'int dict keys stay numbers');
      const list = d.get('list') as PyValue[];
      assert.equal(list[0], 1);
      assert.deepEqual(list[1], [2, 3]);
      assert.deepEqual([...asDict(list[2] as PyValue).entries()], [['a', [4, 5]]]);
      assert.deepEqual(d.get('tuple'), [1, 'x', null]);
      assert.deepEqual([...(d.get('bytes') as Uint8Array)], [0, 1, 255]);
      const nested = asDict(asDict(d.get('nested') as PyValue).get('x') as PyValue).get('y') as PyValue[];
      assert.equal(nested[0], 1.5);
      assert.equal(asDict(nested[1] as PyValue).get('z'), 'deep');
      assert.deepEqual(d.get('set'), new Set([3]));
      // the memo gives back the same list object for both references
      assert.equal(d.get('shared_a'), d.get('shared_b'));
      assert.deepEqual(d.get('shared_a'), [1, 2]);

      const f4 = nd(d, 'arr_f4');
      assert.equal(f4.dtype, 'float32');
      assert.deepEqual(f4.shape, [2, 3]);
      assert.ok(f4.data instanceof Float32Array);
      assert.deepEqual([...(f4.data as Float32Array)], [0, 0.25, 0.5, 0.75, 1, 1.25]);
      const i8 = nd(d, 'arr_i8');
      assert.equal(i8.dtype, 'int64');
      assert.deepEqual(i8.shape, [1, 2]);
      assert.deepEqual([...(i8.data as Float64Array)], [-3, 2 ** 40]);
      const be = nd(d, 'arr_i4_be');
      assert.equal(be.dtype, 'int32');
      assert.ok(be.data instanceof Int32Array);
      assert.deepEqual([...(be.data as Int32Array)], [-2, -1, 0, 1, 2]);
      assert.deepEqual([...(nd(d, 'arr_f16').data as Float32Array)], [1.5, -2, 0]);
      const b = nd(d, 'arr_bool');
      assert.equal(b.dtype, 'bool');
      assert.deepEqual([...(b.data as Uint8Array)], [1, 0, 1]);
      assert.deepEqual([...(nd(d, 'arr_u8').data as Uint8Array)], [0, 255, 7]);
      assert.deepEqual([...(nd(d, 'arr_u16').data as Uint16Array)], [1, 65535]);
      assert.deepEqual([...(nd(d, 'arr_i16').data as Int16Array)], [-32768, 5]);
      assert.deepEqual([...(nd(d, 'arr_int8').data as Int8Array)], [-128, 127]);
      const u = nd(d, 'arr_U');
      assert.equal(u.dtype, 'str');
      assert.deepEqual(u.data, ['ab', 'ç日']);
      const o = nd(d, 'arr_O');
      assert.equal(o.dtype, 'object');
      assert.deepEqual(o.data, ['x', null, 3]);
      // Fortran-ordered input comes back in C order: element [i, j, k] = 12i + 4j + k.
      const f3 = nd(d, 'arr_F3d');
      assert.deepEqual(f3.shape, [2, 3, 4]);
      assert.deepEqual([...(f3.data as Float64Array)], Array.from({ length: 24 }, (_, i) => i));
      const zero = nd(d, 'arr_0d');
      assert.deepEqual(zero.shape, []);
      assert.deepEqual([...(zero.data as Float64Array)], [3.5]);
      const empty = nd(d, 'arr_empty');
      assert.deepEqual(empty.shape, [0, 3]);
      assert.equal(empty.data.length, 0);
      assert.equal(d.get('scalar_f4'), 2.5);
      assert.equal(d.get('scalar_i8'), -9);
      assert.equal(d.get('scalar_bool'), true);
    });
  }
}

test('window size does not change what large arrays decode to', () => {
  for (const name of ['mird-p2.pkl', 'mird-p4.pkl', 'mmsa-aligned.pkl']) {
    const whole = asDict(loadPickle(fixture(name)));
    const small = asDict(loadPickle(fixture(name), { chunkSize: 37 }));
    for (const split of ['train', 'valid', 'test']) {
      const a = asDict(whole.get(split) as PyValue);
      const b = asDict(small.get(split) as PyValue);
      for (const key of ['audio', name.startsWith('mmsa') ? 'vision' : 'video']) {
        assert.deepEqual(nd(b, key).shape, nd(a, key).shape);
        assert.deepEqual(nd(b, key).data, nd(a, key).data, `${name} ${split}.${key}`);
      }
    }
  }
});

test('scanPickle reads structure and shapes, and where the array data is', () => {
  const top = asDict(scanPickle(fixture('mird-p4.pkl')));
  const train = asDict(top.get('train') as PyValue);
  const audio = nd(train, 'audio');
  assert.deepEqual(audio.shape, [4, 12, 33]);
  assert.equal(audio.dtype, 'float64');
  assert.equal(audio.hasData, false);
  assert.equal(audio.data.length, 0);
  assert.ok(audio.source !== null);
  assert.equal(audio.source.length, 4 * 12 * 33 * 8);
  const full = nd(asDict(asDict(loadPickle(fixture('mird-p4.pkl'))).get('train') as PyValue), 'audio');
  assert.deepEqual(audio.loadData().data, full.data);
  assert.equal(audio.hasData, true);
  // Fortran-ordered video, read on demand, also comes back in C order
  const video = nd(train, 'video');
  const fullVideo = nd(asDict(asDict(loadPickle(fixture('mird-p4.pkl'))).get('train') as PyValue), 'video');
  assert.deepEqual(video.loadData().data, fullVideo.data);
  const lines = describePyValue(top);
  assert.ok(lines.some((l) => l.includes('video: ndarray float32 [4, 5, 709]')), lines.join('\n'));
  const mmsa = asDict(asDict(scanPickle(fixture('mmsa-aligned.pkl'))).get('test') as PyValue);
  assert.deepEqual(nd(mmsa, 'vision').shape, [2, 8, 20]);
  assert.equal(nd(mmsa, 'vision').hasData, false, 'protocol-5 in-band buffers are located too');
});

test('protocol-2 array data lives in text strings: decoded when small, else a full load', () => {
  // default limit 1 MiB: the fixture's strings are decoded during the scan
  const p2 = asDict(asDict(scanPickle(fixture('mird-p2.pkl'))).get('valid') as PyValue);
  assert.equal(nd(p2, 'video').hasData, true);
  // a tiny limit skips them: no data and no file position
  const skipped = nd(asDict(asDict(scanPickle(fixture('mird-p2.pkl'), { scanStringLimit: 100 })).get('valid') as PyValue), 'video');
  assert.equal(skipped.hasData, false);
  assert.equal(skipped.source, null);
  assert.throws(() => skipped.loadData(), /file position is unknown; use loadPickle/);
  // loadPickleLazy notices and loads the whole file instead
  const lazy = nd(asDict(asDict(loadPickleLazy(fixture('mird-p2.pkl'), { scanStringLimit: 100 })).get('valid') as PyValue), 'video');
  assert.equal(lazy.hasData, true);
  assert.deepEqual(lazy.shape, [2, 5, 709]);
  assert.equal(lazy.data.length, 2 * 5 * 709);
});

test('sniffPickleFormat tells the formats apart from their structure', () => {
  assert.equal(sniffPickleFormat(fixture('mird-p2.pkl')), 'mird');
  assert.equal(sniffPickleFormat(fixture('mird-p4.pkl')), 'mird');
  assert.equal(sniffPickleFormat(fixture('mird-unlabeled.pkl')), 'mird-unlabeled');
  assert.equal(sniffPickleFormat(fixture('mmsa-unaligned.pkl')), 'mmsa');
  assert.equal(sniffPickleFormat(fixture('mmsa-aligned.pkl')), 'mmsa');
  assert.equal(sniffPickleFormat(fixture('plain-p4.pkl')), 'unknown');
  assert.throws(() => sniffPickleFormat(fixture('bad-not-pickle.pkl')), /bad-not-pickle\.pkl: not a Python pickle/);
});

test('unreadable files fail with the file name and the reason', () => {
  assert.throws(() => loadPickle(fixture('no-such-file.pkl')), /no-such-file\.pkl: cannot open \(ENOENT\)/);
  assert.throws(() => loadPickle(fixture('bad-not-pickle.pkl')), /bad-not-pickle\.pkl: not a Python pickle of protocol 2–5/);
  assert.throws(() => loadPickle(fixture('bad-truncated.pkl')), /bad-truncated\.pkl: .*truncated/);
  const dir = mkdtempSync(join(tmpdir(), 'mird-pickle-'));
  try {
    const empty = join(dir, 'empty.pkl');
    writeFileSync(empty, '');
    assert.throws(() => loadPickle(empty), /empty\.pkl: empty file/);
    const npy = join(dir, 'x.npy');
    writeFileSync(npy, Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]));
    assert.throws(() => loadPickle(npy), /x\.npy: this is a \.npy file/);
    const noStop = join(dir, 'nostop.pkl');
    writeFileSync(noStop, Buffer.from([0x80, 0x04, 0x4b, 0x01]));
    assert.throws(() => loadPickle(noStop), /nostop\.pkl: cannot unpickle .*Unexpected end of file/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('FileReader takes a negative BINBYTES length as the unsigned 32-bit value Python wrote', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mird-pickle-'));
  try {
    const path = join(dir, 'raw.bin');
    writeFileSync(path, Buffer.from([1, 2, 3, 4, 5, 6, 7, 8]));
    const fd = openSync(path, 'r');
    try {
      const reader = new FileReader(fd, 8, 4, null, path);
      // -4294967290 is how an int32 read sees the uint32 length 6
      assert.deepEqual([...reader.bytes(6 - 2 ** 32)], [1, 2, 3, 4, 5, 6]);
      assert.equal(reader.position, 6);
      assert.throws(() => reader.bytes(3), /raw\.bin: file ends at byte 8 .*truncated/);
    } finally {
      closeSync(fd);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
