#!/usr/bin/python3
"""Makes test/fixtures/bert/: a tiny Hugging Face-format BERT checkpoint with random weights and
an independent numpy forward pass of a fixed input, to check src/text/checkpoint.ts and
src/text/bert.ts against.

    /usr/bin/python3 scripts/make-bert-fixture.py

Uses only the standard library and numpy. The checkpoint is written by hand in the
safetensors format (8-byte little-endian header length, JSON header, raw little-endian F32
data) with PyTorch's conventions: Linear weights are [out, in], names carry the "bert."
prefix as BertForMaskedLM saves them, and an MLM-head tensor (cls.predictions.bias) rides
along. Fixed seed: rerunning reproduces the same files byte for byte.
"""
import json
import math
import os
import struct

import numpy as np

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'test', 'fixtures', 'bert')
H, LAYERS, HEADS, INTER, POS, TYPES, EPS = 32, 2, 2, 64, 16, 2, 1e-12
SPECIAL = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]']
WORDS = ('the a an and but or not very so i you it is was are good bad great movie film story acting '
         'plot really just like love hate boring funny sad happy best worst ever seen time people '
         'think know what this that one all would about there their out up some when if no more '
         'out than other into could only its most also after made make well even because '
         'any these two how then first way many').split()
WORDS = list(dict.fromkeys(WORDS))
PIECES = ['##s', '##ed', '##ing', '##ly', '##er', '##y', '##n', '##t', '##e', '##a', '##o', '##i', '##r']
VOCAB = SPECIAL + WORDS + PIECES
V = len(VOCAB)

rng = np.random.default_rng(20240517)


def normal(*shape):
    # N(0, 0.2²) truncated at 2σ: BERT uses 0.02; larger weights make the check sensitive to every op
    x = rng.standard_normal(shape)
    x = np.clip(x, -2, 2)
    return (x * 0.2).astype(np.float32)


def params():
    p = {}
    p['bert.embeddings.word_embeddings.weight'] = normal(V, H)
    p['bert.embeddings.position_embeddings.weight'] = normal(POS, H)
    p['bert.embeddings.token_type_embeddings.weight'] = normal(TYPES, H)
    p['bert.embeddings.LayerNorm.weight'] = (1 + normal(H)).astype(np.float32)
    p['bert.embeddings.LayerNorm.bias'] = normal(H)
    for l in range(LAYERS):
        b = 'bert.encoder.layer.%d.' % l
        for name, (o, i) in [('attention.self.query', (H, H)), ('attention.self.key', (H, H)),
                             ('attention.self.value', (H, H)), ('attention.output.dense', (H, H)),
                             ('intermediate.dense', (INTER, H)), ('output.dense', (H, INTER))]:
            p[b + name + '.weight'] = normal(o, i)  # PyTorch Linear layout [out, in]
            p[b + name + '.bias'] = normal(o)
        for ln in ['attention.output.LayerNorm', 'output.LayerNorm']:
            p[b + ln + '.weight'] = (1 + normal(H)).astype(np.float32)
            p[b + ln + '.bias'] = normal(H)
    p['bert.pooler.dense.weight'] = normal(H, H)
    p['bert.pooler.dense.bias'] = normal(H)
    p['cls.predictions.bias'] = normal(V)
    return p


def write_safetensors(path, tensors):
    header, blobs, offset = {'__metadata__': {'format': 'pt'}}, [], 0
    for name, arr in tensors.items():
        data = np.ascontiguousarray(arr, dtype='<f4').tobytes()
        header[name] = {'dtype': 'F32', 'shape': list(arr.shape), 'data_offsets': [offset, offset + len(data)]}
        offset += len(data)
        blobs.append(data)
    text = json.dumps(header, separators=(',', ':'))
    text += ' ' * ((8 - (8 + len(text)) % 8) % 8)
    with open(path + '.tmp', 'wb') as f:
        f.write(struct.pack('<Q', len(text)))
        f.write(text.encode('utf-8'))
        for b in blobs:
            f.write(b)
    os.replace(path + '.tmp', path)


def layer_norm(x, g, b):
    mu = x.mean(-1, keepdims=True)
    var = ((x - mu) ** 2).mean(-1, keepdims=True)
    return (x - mu) / np.sqrt(var + EPS) * g + b


erf = np.vectorize(math.erf)


def gelu(x):
    return 0.5 * x * (1 + erf(x / math.sqrt(2)))


def forward(p, ids, mask):
    """float64 reference: returns the states after the embeddings, after layer 1 and after all layers."""
    p = {k: v.astype(np.float64) for k, v in p.items()}
    B, L = ids.shape
    e = p['bert.embeddings.word_embeddings.weight'][ids] + p['bert.embeddings.position_embeddings.weight'][:L][None] \
        + p['bert.embeddings.token_type_embeddings.weight'][0][None, None]
    h = layer_norm(e, p['bert.embeddings.LayerNorm.weight'], p['bert.embeddings.LayerNorm.bias'])
    states = [h]
    bias = (1.0 - mask)[:, None, None, :] * -10000.0
    dh = H // HEADS
    lin = lambda x, n: x @ p[n + '.weight'].T + p[n + '.bias']
    for l in range(LAYERS):
        b = 'bert.encoder.layer.%d.' % l
        split = lambda x: x.reshape(B, L, HEADS, dh).transpose(0, 2, 1, 3)
        q, k, v = (split(lin(h, b + 'attention.self.' + n)) for n in ('query', 'key', 'value'))
        s = q @ k.transpose(0, 1, 3, 2) / math.sqrt(dh) + bias
        s = np.exp(s - s.max(-1, keepdims=True))
        a = (s / s.sum(-1, keepdims=True)) @ v
        a = a.transpose(0, 2, 1, 3).reshape(B, L, H)
        a = layer_norm(h + lin(a, b + 'attention.output.dense'), p[b + 'attention.output.LayerNorm.weight'], p[b + 'attention.output.LayerNorm.bias'])
        f = lin(gelu(lin(a, b + 'intermediate.dense')), b + 'output.dense')
        h = layer_norm(a + f, p[b + 'output.LayerNorm.weight'], p[b + 'output.LayerNorm.bias'])
        states.append(h)
    pooled = np.tanh(lin(h[:, 0], 'bert.pooler.dense'))
    return states, pooled


def main():
    os.makedirs(OUT, exist_ok=True)
    p = params()
    write_safetensors(os.path.join(OUT, 'model.safetensors'), p)
    config = {
        'architectures': ['BertForMaskedLM'], 'model_type': 'bert', 'vocab_size': V, 'hidden_size': H,
        'num_hidden_layers': LAYERS, 'num_attention_heads': HEADS, 'intermediate_size': INTER,
        'hidden_act': 'gelu', 'hidden_dropout_prob': 0.1, 'attention_probs_dropout_prob': 0.1,
        'max_position_embeddings': POS, 'type_vocab_size': TYPES, 'initializer_range': 0.02,
        'layer_norm_eps': EPS, 'pad_token_id': 0,
    }
    with open(os.path.join(OUT, 'config.json'), 'w') as f:
        json.dump(config, f, indent=2)
        f.write('\n')
    with open(os.path.join(OUT, 'vocab.txt'), 'w') as f:
        f.write('\n'.join(VOCAB) + '\n')
    # "[CLS] the movie was really good [SEP]" and a shorter padded row
    w = {t: i for i, t in enumerate(VOCAB)}
    rows = [['[CLS]', 'the', 'movie', 'was', 'really', 'good', '[SEP]'], ['[CLS]', 'bad', 'film', '[SEP]']]
    L = max(len(r) for r in rows)
    ids = np.array([[w[t] for t in r] + [0] * (L - len(r)) for r in rows], dtype=np.int64)
    mask = np.array([[1.0] * len(r) + [0.0] * (L - len(r)) for r in rows])
    states, pooled = forward(p, ids, mask)
    ref = {
        'ids': ids.tolist(), 'mask': mask.tolist(),
        'embeddings': states[0].round(8).tolist(), 'layer1': states[1].round(8).tolist(),
        'last': states[-1].round(8).tolist(), 'pooled': pooled.round(8).tolist(),
    }
    with open(os.path.join(OUT, 'reference.json'), 'w') as f:
        json.dump(ref, f)
        f.write('\n')
    print('wrote %s: vocab %d, hidden %d, %d layers' % (OUT, V, H, LAYERS))


if __name__ == '__main__':
    main()
