#!/usr/bin/python3
"""Writes the small pickle fixtures under test/fixtures/pickles/ and expected.json beside them.

Run from the repository root:  /usr/bin/python3 scripts/make-fixtures.py
Needs only numpy (Debian python3-numpy). Fixed seed: the output is the same on every run with
the same numpy major version. Files:

  mird-p2.pkl          authors' labeled format, protocol 2, splits 5/2/3, audio (N,12,33) f4,
                       video (N,5,709) f4, labels (N,1,1) f4, raw_text a list of str
  mird-p4.pkl          same format, protocol 4, splits 4/2/2, audio float64, video Fortran-order,
                       labels (N,) f8, raw_text a numpy '<U' array
  mird-unlabeled.pkl   top-level raw_text/audio/video, 3 clips, protocol 4
  mird-neginf.pkl      valid tiny authors' file with 4 -inf values in train.audio
  mmsa-unaligned.pkl   MMSA unaligned: lengths (one above T), text_bert, ids, extra keys, 3 -inf
  mmsa-aligned.pkl     MMSA aligned: no lengths, protocol 5 (in-band buffers), Fortran vision
  plain-p{2,4,5}.pkl   plain Python values and assorted numpy arrays/scalars
  bad-*.pkl            one defect each (see BAD below)

expected.json holds, per dataset fixture and split: ids, texts, labels, per-modality lengths,
the first values of the first and last real frame of every clip (float32 values written as
exact doubles) and the float64 sum of every clip's real frames.
"""
import json
import os
import pickle

import numpy as np

OUT = os.path.join('test', 'fixtures', 'pickles')
rng = np.random.default_rng(20261126)


def padded(lengths, t, d, dtype=np.float32, pad_value=0.0):
    """(N, t, d) features: normal values in the first lengths[i] frames, pad_value after.

    Frames are drawn away from zero so a real frame is never all zero, except that the
    caller may zero an inner frame on purpose."""
    x = np.full((len(lengths), t, d), pad_value, dtype=dtype)
    for i, n in enumerate(lengths):
        v = rng.normal(size=(n, d))
        v = np.where(np.abs(v) < 0.05, 0.05, v)
        x[i, :n] = v.astype(dtype)
    return x


def labels_for(n):
    y = np.round(rng.uniform(-3, 3, size=n), 1)
    if n >= 3:
        y[0], y[1], y[2] = 0.0, -3.0, 3.0
    return y


def texts_for(split, n):
    return ['%s clip %d — héllo wörld' % (split, i) for i in range(n)]


def write_atomic(name, data):
    """Writes bytes to OUT/name via a temporary file and a rename: an interrupted run leaves the
    old fixture, never a truncated one that tests would read as a malformed pickle."""
    path = os.path.join(OUT, name)
    tmp = path + '.tmp-%d' % os.getpid()
    with open(tmp, 'wb') as f:
        f.write(data)
    os.replace(tmp, path)
    return path


def dump(name, obj, protocol):
    return write_atomic(name, pickle.dumps(obj, protocol=protocol))


def frames(x, lengths):
    """Per clip: the first 6 values of the first real frame, the last 6 of the last real frame
    (exact doubles of the stored values) and the float64 sum of all real frames."""
    out = []
    for i, n in enumerate(lengths):
        real = x[i, :n].astype(np.float64)
        out.append({
            'first': [float(v) for v in real[0][:6]] if n > 0 else [],
            'last': [float(v) for v in real[n - 1][-6:]] if n > 0 else [],
            'sum': float(real.sum()),
        })
    return out


expected = {}

# ---- authors' labeled pickle, protocol 2 ----
SPLITS = ('train', 'valid', 'test')
P2_AUDIO_LEN = {'train': [12, 7, 1, 0, 12], 'valid': [5, 12], 'test': [3, 9, 12]}
P2_VIDEO_LEN = {'train': [5, 3, 0, 1, 5], 'valid': [5, 2], 'test': [4, 5, 1]}
data, exp = {}, {}
for s in SPLITS:
    a = padded(P2_AUDIO_LEN[s], 12, 33)
    v = padded(P2_VIDEO_LEN[s], 5, 709)
    if s == 'train':
        a[1, 2] = 0.0  # an all-zero frame inside clip 1: not padding, length stays 7
    n = len(P2_AUDIO_LEN[s])
    y = labels_for(n).astype(np.float32).reshape(n, 1, 1)
    data[s] = {'raw_text': texts_for(s, n), 'audio': a, 'video': v, 'labels': y}
    exp[s] = {
        'ids': ['%s_%d' % (s, i) for i in range(n)],
        'texts': texts_for(s, n),
        'labels': [float(t) for t in y.reshape(-1)],
        'audioLengths': P2_AUDIO_LEN[s], 'videoLengths': P2_VIDEO_LEN[s],
        'audio': frames(a, P2_AUDIO_LEN[s]), 'video': frames(v, P2_VIDEO_LEN[s]),
    }
dump('mird-p2.pkl', data, 2)
expected['mird-p2.pkl'] = {'audioDim': 33, 'visualDim': 709, 'splits': exp}

# ---- authors' labeled pickle, protocol 4, other dtypes/layouts ----
P4_AUDIO_LEN = {'train': [12, 4, 11, 6], 'valid': [2, 12], 'test': [12, 1]}
P4_VIDEO_LEN = {'train': [5, 5, 2, 4], 'valid': [1, 3], 'test': [5, 5]}
data, exp = {}, {}
for s in SPLITS:
    a = padded(P4_AUDIO_LEN[s], 12, 33, dtype=np.float64)
    v = np.asfortranarray(padded(P4_VIDEO_LEN[s], 5, 709))
    n = len(P4_AUDIO_LEN[s])
    y = labels_for(n).astype(np.float64)
    data[s] = {'raw_text': np.array(texts_for(s, n)), 'audio': a, 'video': v, 'labels': y}
    a32 = a.astype(np.float32)  # the reader converts features to float32
    exp[s] = {
        'ids': ['%s_%d' % (s, i) for i in range(n)],
        'texts': texts_for(s, n),
        'labels': [float(t) for t in y],
        'audioLengths': P4_AUDIO_LEN[s], 'videoLengths': P4_VIDEO_LEN[s],
        'audio': frames(a32, P4_AUDIO_LEN[s]), 'video': frames(v, P4_VIDEO_LEN[s]),
    }
dump('mird-p4.pkl', data, 4)
expected['mird-p4.pkl'] = {'audioDim': 33, 'visualDim': 709, 'splits': exp}

# ---- authors' unlabeled pickle ----
U_AUDIO_LEN, U_VIDEO_LEN = [12, 3, 8], [5, 0, 2]
a = padded(U_AUDIO_LEN, 12, 33)
v = padded(U_VIDEO_LEN, 5, 709)
texts = ['unlabeled %d' % i for i in range(3)]
dump('mird-unlabeled.pkl', {'raw_text': texts, 'audio': a, 'video': v}, 4)
expected['mird-unlabeled.pkl'] = {
    'audioDim': 33, 'visualDim': 709,
    'clips': {'ids': ['unlabeled_%d' % i for i in range(3)], 'texts': texts,
              'audioLengths': U_AUDIO_LEN, 'videoLengths': U_VIDEO_LEN,
              'audio': frames(a, U_AUDIO_LEN), 'video': frames(v, U_VIDEO_LEN)},
}


# ---- tiny authors'-format files: the -inf case and the malformed ones ----
def tiny_mird(seed_shift=0):
    out = {}
    for s, n in (('train', 2), ('valid', 1), ('test', 1)):
        out[s] = {'raw_text': texts_for(s, n), 'audio': padded([4] * n, 4, 3),
                  'video': padded([3] * n, 3, 2), 'labels': labels_for(n).astype(np.float32)}
    return out


d = tiny_mird()
d['train']['audio'][0, 1, 0] = -np.inf
d['train']['audio'][0, 1, 2] = -np.inf
d['train']['audio'][1, 3, 1] = -np.inf
d['train']['audio'][1, 3, 2] = -np.inf
dump('mird-neginf.pkl', d, 4)
expected['mird-neginf.pkl'] = {'negInf': 4, 'trainAudio1Last': [float(x) for x in np.where(np.isinf(d['train']['audio'][1, 3]), 0, d['train']['audio'][1, 3])]}

BAD = {}
d = tiny_mird(); del d['valid']['labels']
BAD['bad-missing-key.pkl'] = (d, ['valid.labels'])
d = tiny_mird(); d['train']['audio'] = d['train']['audio'][:, :, 0]
BAD['bad-rank.pkl'] = (d, ['train.audio', '[2,4]', '[N, T, d]'])
d = tiny_mird(); d['train']['video'] = padded([3, 3, 3], 3, 2)
BAD['bad-n-mismatch.pkl'] = (d, ['train.video', 'N=3', 'N=2'])
d = tiny_mird(); d['train']['audio'][1, 2, 0] = np.nan; d['train']['audio'][1, 3, 1] = np.nan
BAD['bad-nan-audio.pkl'] = (d, ['train.audio', '2 NaN/+inf', '[1, 2, 0]'])
d = tiny_mird(); d['test']['video'][0, 1, 1] = np.inf
BAD['bad-inf-video.pkl'] = (d, ['test.video', '1 NaN/+inf', '+inf at [0, 1, 1]'])
d = tiny_mird(); d['valid']['raw_text'][0] = '   '
BAD['bad-empty-text.pkl'] = (d, ['valid.raw_text', 'empty', 'index 0'])
d = tiny_mird(); d['test']['raw_text'][0] = 42
BAD['bad-nonstring-text.pkl'] = (d, ['test.raw_text[0]', 'an int (42)', 'str'])
d = tiny_mird(); d['train']['labels'][1] = np.nan
BAD['bad-label-nan.pkl'] = (d, ['train.labels', 'NaN', 'index 1'])
d = tiny_mird(); d['train']['labels'][0] = 4.5
BAD['bad-label-range.pkl'] = (d, ['train.labels[0]', '4.5', '[-3, 3]'])
d = tiny_mird(); d['valid']['audio'] = padded([4], 4, 5)
BAD['bad-dims-splits.pkl'] = (d, ['valid', 'audio 5', 'train has 3'])
d = tiny_mird(); d['train'] = [1, 2]
BAD['bad-split-type.pkl'] = (d, ['train', 'a list of 2', 'expected a dict'])
for name, (obj, needles) in BAD.items():
    dump(name, obj, 4)

# a valid tiny file cut to 60% of its bytes, and a text file
whole = pickle.dumps(tiny_mird(), protocol=4)
write_atomic('bad-truncated.pkl', whole[: int(len(whole) * 0.6)])
BAD['bad-truncated.pkl'] = (None, ['bad-truncated.pkl', 'truncated'])
write_atomic('bad-not-pickle.pkl', b'video_id,clip_id,text,label\n03bSnISJMiM,1,A LOT OF SAD PARTS,-2.4\n')
BAD['bad-not-pickle.pkl'] = (None, ['bad-not-pickle.pkl', 'not a Python pickle'])
expected['bad'] = {name: needles for name, (obj, needles) in BAD.items()}

# ---- MMSA unaligned ----
MMSA_N = {'train': 4, 'valid': 2, 'test': 2}
MMSA_AUDIO_LEN = {'train': [10, 4, 12, 1], 'valid': [7, 10], 'test': [3, 0]}  # 12 > T=10: clamped
MMSA_VISION_LEN = {'train': [9, 2, 5, 9], 'valid': [9, 1], 'test': [6, 4]}
MMSA_TOKENS = {'train': [5, 8, 3, 6], 'valid': [4, 8], 'test': [7, 3]}


def text_bert(counts, length=8, dtype=np.float64):
    tb = np.zeros((len(counts), 3, length), dtype=dtype)
    ids = []
    for i, c in enumerate(counts):
        row = [101] + [int(t) for t in rng.integers(1000, 30000, size=c - 2)] + [102]
        tb[i, 0, :c] = row
        tb[i, 1, :c] = 1
        ids.append(row)
    return tb, ids


data, exp = {}, {}
for s in SPLITS:
    n = MMSA_N[s]
    alen = MMSA_AUDIO_LEN[s]
    vlen = MMSA_VISION_LEN[s]
    a = padded([min(x, 10) for x in alen], 10, 5)
    v = padded(vlen, 9, 20)
    if s == 'train':
        # padding after the length is not read, whatever it holds
        a[1, 4:] = 7.0
        a[0, 0, 0] = -np.inf
        a[2, 5, 1] = -np.inf
        a[3, 0, 4] = -np.inf
    tb, ids = text_bert(MMSA_TOKENS[s])
    y = labels_for(n).astype(np.float32)
    clip_ids = ['vid%s%d$_$%d' % (s, i // 2, i % 2 + 1) for i in range(n)]
    texts = texts_for(s, n)
    data[s] = {
        'raw_text': np.array(texts, dtype=object), 'id': np.array(clip_ids, dtype=object),
        'text_bert': tb, 'audio': a, 'vision': v,
        'audio_lengths': list(alen), 'vision_lengths': np.array(vlen, dtype=np.int64),
        'regression_labels': y, 'classification_labels': np.sign(y).astype(np.float32),
        'annotations': ['Positive' if t > 0 else 'Negative' if t < 0 else 'Neutral' for t in y],
        'text': rng.normal(size=(n, 8, 4)).astype(np.float32),
    }
    a_clean = np.where(np.isinf(a), 0, a)
    clamped = [min(x, 10) for x in alen]
    exp[s] = {
        'ids': [c.replace('$_$', '_') for c in clip_ids], 'texts': texts,
        'labels': [float(t) for t in y], 'tokenIds': ids,
        'audioLengths': clamped, 'videoLengths': vlen,
        'audio': frames(a_clean, clamped), 'video': frames(v, vlen),
    }
dump('mmsa-unaligned.pkl', data, 4)
expected['mmsa-unaligned.pkl'] = {'audioDim': 5, 'visualDim': 20, 'negInf': 3, 'clamped': 1, 'splits': exp}

# ---- MMSA aligned (protocol 5, no lengths) ----
A_N = {'train': 3, 'valid': 1, 'test': 2}
data, exp = {}, {}
for s in SPLITS:
    n = A_N[s]
    a = padded([8] * n, 8, 5)
    v = np.asfortranarray(padded([8] * n, 8, 20))
    tb, ids = text_bert([8, 4, 6][:n], dtype=np.int64)
    y = labels_for(n)
    clip_ids = ['al%s%d$_$%d' % (s, i, i) for i in range(n)]
    if s == 'test':
        clip_ids[1] = 'altrain0$_$0'  # repeats a train id: the reader renames it with '#2'
    texts = texts_for(s, n)
    data[s] = {'raw_text': texts, 'id': clip_ids, 'text_bert': tb, 'audio': a, 'vision': v,
               'regression_labels': y}
    exp_ids = [c.replace('$_$', '_') for c in clip_ids]
    if s == 'test':
        exp_ids[1] += '#2'
    exp[s] = {
        'ids': exp_ids, 'texts': texts,
        'labels': [float(t) for t in y], 'tokenIds': ids,
        'audioLengths': [8] * n, 'videoLengths': [8] * n,
        'audio': frames(a, [8] * n), 'video': frames(v, [8] * n),
    }
dump('mmsa-aligned.pkl', data, 5)
expected['mmsa-aligned.pkl'] = {'audioDim': 5, 'visualDim': 20, 'splits': exp}

# ---- malformed MMSA ----
bad_mmsa = {s: dict(data[s]) for s in SPLITS}
bad_mmsa['valid']['audio_lengths'] = [-1]
dump('bad-mmsa-length.pkl', bad_mmsa, 4)
expected['bad']['bad-mmsa-length.pkl'] = ['valid.audio_lengths[0]', '-1', 'frame count']
bad_mmsa = {s: dict(data[s]) for s in SPLITS}
del bad_mmsa['test']['id']
dump('bad-mmsa-no-id.pkl', bad_mmsa, 4)
expected['bad']['bad-mmsa-no-id.pkl'] = ['test.id', 'missing key']

# ---- plain values ----
shared = [1, 2]
plain = {
    'int': 7, 'neg': -123456, 'big': 2 ** 40, 'float': 1.25, 'negfloat': -0.1,
    'none': None, 't': True, 'f': False, 'str': 'héllo ✓ 日本', 'empty': '',
    'list': [1, [2, 3], {'a': (4, 5)}], 'tuple': (1, 'x', None), 'bytes': b'\x00\x01\xff',
    'nested': {'x': {'y': [1.5, {'z': 'deep'}]}}, 'set': {3}, 1: 'int key',
    'shared_a': shared, 'shared_b': shared,
    'arr_f4': np.arange(6, dtype=np.float32).reshape(2, 3) / 4,
    'arr_i8': np.array([[-3, 2 ** 40]], dtype=np.int64),
    'arr_i4_be': np.arange(-2, 3, dtype='>i4'),
    'arr_f16': np.array([1.5, -2.0, 0.0], dtype=np.float16),
    'arr_bool': np.array([True, False, True]),
    'arr_u8': np.array([0, 255, 7], dtype=np.uint8),
    'arr_u16': np.array([1, 65535], dtype=np.uint16),
    'arr_i16': np.array([-32768, 5], dtype=np.int16),
    'arr_int8': np.array([-128, 127], dtype=np.int8),
    'arr_U': np.array(['ab', 'ç日']),
    'arr_O': np.array(['x', None, 3], dtype=object),
    'arr_F3d': np.asfortranarray(np.arange(24, dtype=np.float64).reshape(2, 3, 4)),
    'arr_0d': np.array(3.5),
    'arr_empty': np.zeros((0, 3), dtype=np.float32),
    'scalar_f4': np.float32(2.5), 'scalar_i8': np.int64(-9), 'scalar_bool': np.bool_(True),
}
for p in (2, 4, 5):
    dump('plain-p%d.pkl' % p, plain, p)

write_atomic('expected.json', (json.dumps(expected, ensure_ascii=False) + '\n').encode('utf-8'))
total = sum(os.path.getsize(os.path.join(OUT, x)) for x in os.listdir(OUT))
print('wrote %d files to %s, %d bytes in all' % (len(os.listdir(OUT)), OUT, total))
