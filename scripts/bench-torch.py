#!/usr/bin/env python3
"""The paper-preset Algorithm-1 iteration of MIRD in PyTorch, for `npm run bench` to compare with.

Optional: runs only where python3 has torch (e.g. Debian's `python3-torch`); never a dependency
of the workspace. The model is the workspace's MIRD at the `small` preset (src/model, src/train),
written as a PyTorch user would write it, on the SAME batch shapes the TypeScript bench times:
  text host   BERT 4 x 256 (4 heads, FFN 1024, vocab 30522), WSA + MAG injected after layer 2
  encoders    z^L = FC(LSTM(Emb_128(tokens))), z^A = FC(LSTM(33 -> 64)), z^V = FC(LSTM(709 -> 64))
  shared      WSA (sparsemax word-wise attention over audio / visual frames, sigmoid gates,
              norm-ratio shift, LayerNorm, dropout), BERT layers 3-4, mean pool, dropout, FC -> 64
  decoders    LSTMCell(128, 128) unrolled to each padded length, step 0 reads [z^m; z^S], later
              steps the previous hidden state; FC to 30522 / 33 / 709
  regressor   FC(256 -> 64) ReLU dropout FC(64 -> 1)
  objective   eq. 21: log MSE + sum of log reconstruction losses (CE over real tokens, MSE over
              real frames) + alpha * sum of 9 CLUB estimates (CLUB(x, y, hidden 32))
One iteration = one forward, T' = 5 Adam steps of the 9 estimators on the detached latents, one
AdamW step of the model (eq. 21, gradient clipping 1). torch.set_num_threads(1) unless --threads.

  /usr/bin/python3 scripts/bench-torch.py --batch bench/paper-batch.json --reps 5 --out bench/torch.json
  /usr/bin/python3 scripts/bench-torch.py --batch bench/paper-batch.json --serve   # one iteration per 'run' line
The batch file (written by scripts/bench.ts) holds the per-clip text / audio / visual lengths.
"""
import argparse
import json
import math
import platform
import statistics
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

V, H, LAYERS, HEADS, FFN, INJECT = 30522, 256, 4, 4, 1024, 2
D_A, D_V, D, ENC_H, EMB, DEC_H, REG_H = 33, 709, 64, 64, 128, 128, 64
CLUB_H = 32


def sparsemax(scores, mask):
    """Sparsemax over the last axis; masked positions get weight 0."""
    z = scores.masked_fill(mask == 0, -1e9)
    zs, _ = torch.sort(z, dim=-1, descending=True)
    k = torch.arange(1, z.shape[-1] + 1, device=z.device, dtype=z.dtype)
    cs = zs.cumsum(-1)
    support = (1 + k * zs) > cs
    kz = support.sum(-1, keepdim=True).clamp(min=1)
    tau = (cs.gather(-1, kz - 1) - 1) / kz.to(z.dtype)
    return torch.clamp(z - tau, min=0) * mask


class BertLayer(nn.Module):
    def __init__(self):
        super().__init__()
        self.qkv = nn.Linear(H, 3 * H)
        self.o = nn.Linear(H, H)
        self.ln1 = nn.LayerNorm(H, eps=1e-12)
        self.ff1 = nn.Linear(H, FFN)
        self.ff2 = nn.Linear(FFN, H)
        self.ln2 = nn.LayerNorm(H, eps=1e-12)
        self.drop = nn.Dropout(0.1)

    def forward(self, x, mask):
        b, t, _ = x.shape
        q, k, v = self.qkv(x).view(b, t, 3, HEADS, H // HEADS).permute(2, 0, 3, 1, 4)
        att = (q @ k.transpose(-1, -2)) / math.sqrt(H // HEADS) + (1 - mask[:, None, None, :]) * -1e4
        ctx = (self.drop(att.softmax(-1)) @ v).transpose(1, 2).reshape(b, t, H)
        x = self.ln1(x + self.drop(self.o(ctx)))
        return self.ln2(x + self.drop(self.ff2(F.gelu(self.ff1(x)))))


class Bert(nn.Module):
    def __init__(self):
        super().__init__()
        self.word = nn.Embedding(V, H)
        self.pos = nn.Embedding(512, H)
        self.token_type = nn.Embedding(2, H)
        self.ln = nn.LayerNorm(H, eps=1e-12)
        self.drop = nn.Dropout(0.1)
        self.layers = nn.ModuleList([BertLayer() for _ in range(LAYERS)])

    def embed(self, ids):
        pos = torch.arange(ids.shape[1])[None, :]
        return self.drop(self.ln(self.word(ids) + self.pos(pos) + self.token_type(torch.zeros_like(ids))))


class Wsa(nn.Module):
    def __init__(self):
        super().__init__()
        self.sim_a = nn.Linear(D_A, H, bias=False)
        self.sim_v = nn.Linear(D_V, H, bias=False)
        self.gate_a = nn.Linear(H + D_A, H)
        self.gate_v = nn.Linear(H + D_V, H)
        self.dis_a = nn.Linear(D_A, H)
        self.dis_v = nn.Linear(D_V, H)
        self.ln = nn.LayerNorm(H, eps=1e-5)
        self.drop = nn.Dropout(0.5)

    def forward(self, w, xa, ma, xv, mv):
        att_a = sparsemax(w @ self.sim_a(xa).transpose(1, 2), ma[:, None, :]) @ xa  # [B, T_L, d_A]
        att_v = sparsemax(w @ self.sim_v(xv).transpose(1, 2), mv[:, None, :]) @ xv  # [B, T_L, d_V]
        g_a = torch.sigmoid(self.gate_a(torch.cat([w, att_a], -1)))
        g_v = torch.sigmoid(self.gate_v(torch.cat([w, att_v], -1)))
        shift = g_v * self.dis_v(att_v) + g_a * self.dis_a(att_a)
        sn = shift.norm(dim=-1)
        sn = torch.where(sn == 0, torch.ones_like(sn), sn)
        lam = torch.clamp(w.norm(dim=-1) / (sn + 1e-6), max=1.0)
        return self.drop(self.ln(w + lam[..., None] * shift))


class SeqEncoder(nn.Module):
    def __init__(self, d_in):
        super().__init__()
        self.lstm = nn.LSTM(d_in, ENC_H, batch_first=True)
        self.fc = nn.Linear(ENC_H, D)

    def forward(self, x, lengths):
        packed = nn.utils.rnn.pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False)
        _, (h, _) = self.lstm(packed)
        return self.fc(h[-1])


class Decoder(nn.Module):
    """LSTMCell unrolled: step 0 reads z = [z^m; z^S], step t >= 1 reads h_{t-1}."""

    def __init__(self, d_out):
        super().__init__()
        self.cell = nn.LSTMCell(2 * D, DEC_H)
        self.out = nn.Linear(DEC_H, d_out)

    def states(self, z, steps):
        h = torch.zeros(z.shape[0], DEC_H)
        c = torch.zeros(z.shape[0], DEC_H)
        x, hs = z, []
        for _ in range(steps):
            h, c = self.cell(x, (h, c))
            hs.append(h)
            x = h
        return torch.stack(hs, 1)  # [B, T, H_dec]


class Club(nn.Module):
    def __init__(self, dx, dy):
        super().__init__()
        u = CLUB_H // 2
        self.mu = nn.Sequential(nn.Linear(dx, u), nn.ReLU(), nn.Linear(u, dy))
        self.lv = nn.Sequential(nn.Linear(dx, u), nn.ReLU(), nn.Linear(u, dy), nn.Tanh())

    def nll(self, x, y):
        mu, lv = self.mu(x), self.lv(x)
        return (((y - mu) ** 2) * torch.exp(-lv) * 0.5 + lv * 0.5).sum(1).mean()

    def estimate(self, x, y):
        mu, lv = self.mu(x), self.lv(x)
        inv = torch.exp(-lv)
        pos = -((mu - y) ** 2) * inv
        neg = -(y.var(0, unbiased=False) + (mu - y.mean(0)) ** 2) * inv
        return 0.5 * (pos - neg).sum(1).mean()


class Mird(nn.Module):
    def __init__(self):
        super().__init__()
        self.bert = Bert()
        self.wsa = Wsa()
        self.shared_drop = nn.Dropout(0.5)
        self.shared_fc = nn.Linear(H, D)
        self.text_emb = nn.Embedding(V, EMB)
        self.enc_t, self.enc_a, self.enc_v = SeqEncoder(EMB), SeqEncoder(D_A), SeqEncoder(D_V)
        self.dec_t, self.dec_a, self.dec_v = Decoder(V), Decoder(D_A), Decoder(D_V)
        self.reg1 = nn.Linear(4 * D, REG_H)
        self.reg_drop = nn.Dropout(0.5)
        self.reg2 = nn.Linear(REG_H, 1)

    def forward(self, b):
        zt = self.enc_t(self.text_emb(b["ids"]), b["lt"])
        za = self.enc_a(b["xa"], b["la"])
        zv = self.enc_v(b["xv"], b["lv"])
        x = self.bert.embed(b["ids"])
        for layer in self.bert.layers[:INJECT]:
            x = layer(x, b["mt"])
        x = self.wsa(x, b["xa"], b["ma"], b["xv"], b["mv"])
        for layer in self.bert.layers[INJECT:]:
            x = layer(x, b["mt"])
        pooled = (x * b["mt"][..., None]).sum(1) / b["mt"].sum(1, keepdim=True)
        zs = self.shared_fc(self.shared_drop(pooled))
        y = self.reg2(self.reg_drop(F.relu(self.reg1(torch.cat([zv, zt, za, zs], 1))))).squeeze(1)
        return zt, za, zv, zs, y


def masked_mean(x, m):
    return (x * m[..., None]).sum(1) / m.sum(1, keepdim=True).clamp(min=1)


def make_batch(lengths, seed=0):
    g = torch.Generator().manual_seed(seed)
    lt, la, lv = (torch.tensor(lengths[k]) for k in ("text", "audio", "visual"))
    n, tl, ta, tv = len(lt), int(lt.max()), int(la.max()), int(lv.max())
    mask = lambda ls, t: (torch.arange(t)[None, :] < ls[:, None]).float()
    mt, ma, mv = mask(lt, tl), mask(la, ta), mask(lv, tv)
    ids = torch.randint(1000, V, (n, tl), generator=g) * mt.long()
    return {
        "ids": ids, "mt": mt, "lt": lt, "xa": torch.randn(n, ta, D_A, generator=g) * ma[..., None], "ma": ma, "la": la,
        "xv": torch.randn(n, tv, D_V, generator=g) * mv[..., None], "mv": mv, "lv": lv, "y": torch.rand(n, generator=g) * 6 - 3,
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--batch", required=True, help="JSON with per-clip text/audio/visual lengths (from scripts/bench.ts)")
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--warmup", type=int, default=1)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--out", help="write the report of --reps timed iterations here")
    ap.add_argument("--serve", action="store_true",
                    help="after the warm-up, time one iteration per 'run' line on stdin and answer each with a JSON line "
                         "{\"ms\": ...} on stdout ('quit' or end of input stops): scripts/bench.ts alternates these with its own "
                         "iterations, so both sides of each pair run under the same machine conditions")
    a = ap.parse_args()
    if (a.out is None) == (not a.serve):
        ap.error("give exactly one of --out (timed repetitions) and --serve (one iteration per request)")
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    with open(a.batch) as f:
        b = make_batch(json.load(f))
    model = Mird()
    dims = {"zt": D, "za": D, "zv": D, "zs": D, "it": H, "ia": D_A, "iv": D_V}
    pairs = [("zt", "za"), ("zt", "zv"), ("za", "zv"), ("zs", "zt"), ("zs", "za"), ("zs", "zv"), ("zs", "it"), ("zs", "ia"), ("zs", "iv")]
    clubs = nn.ModuleList([Club(dims[x], dims[y]) for x, y in pairs])
    decay = [p for p in model.parameters() if p.dim() >= 2]
    no_decay = [p for p in model.parameters() if p.dim() < 2]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.01}, {"params": no_decay, "weight_decay": 0.0}], lr=1e-3)
    est_opt = torch.optim.Adam(clubs.parameters(), lr=1e-3)
    real = b["mt"].clone()
    real[:, 0] = 0  # [CLS]
    real[torch.arange(len(b["lt"])), b["lt"] - 1] = 0  # [SEP]

    def iteration():
        zt, za, zv, zs, y = model(b)
        with torch.no_grad():
            inputs = {"it": masked_mean(model.bert.word(b["ids"]), b["mt"]), "ia": masked_mean(b["xa"], b["ma"]), "iv": masked_mean(b["xv"], b["mv"])}
        lat = {"zt": zt, "za": za, "zv": zv, "zs": zs, **inputs}
        det = {k: v.detach() for k, v in lat.items()}
        for _ in range(5):  # T' estimator steps on the detached latents
            est_opt.zero_grad()
            sum(c.nll(det[x], det[yk]) for c, (x, yk) in zip(clubs, pairs)).backward()
            est_opt.step()
        for p in clubs.parameters():
            p.requires_grad_(False)
        pred = torch.log(F.mse_loss(y, b["y"]))
        ht = model.dec_t.states(torch.cat([zt, zs], 1), b["ids"].shape[1])
        keep = real.bool()
        ce = F.cross_entropy(model.dec_t.out(ht[keep]), b["ids"][keep])
        xa_hat = model.dec_a.out(model.dec_a.states(torch.cat([za, zs], 1), b["xa"].shape[1]))
        xv_hat = model.dec_v.out(model.dec_v.states(torch.cat([zv, zs], 1), b["xv"].shape[1]))
        mse_a = (((xa_hat - b["xa"]) ** 2).mean(-1) * b["ma"]).sum() / b["ma"].sum()
        mse_v = (((xv_hat - b["xv"]) ** 2).mean(-1) * b["mv"]).sum() / b["mv"].sum()
        mim = sum(c.estimate(lat[x], lat[yk]) for c, (x, yk) in zip(clubs, pairs))
        loss = pred + torch.log(ce) + torch.log(mse_a) + torch.log(mse_v) + mim
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        for p in clubs.parameters():
            p.requires_grad_(True)
        return float(loss)

    for _ in range(a.warmup):
        iteration()
    if a.serve:
        print(json.dumps({"ready": True, "torch": torch.__version__, "threads": torch.get_num_threads()}), flush=True)
        for line in sys.stdin:
            if line.strip() == "quit":
                break
            if line.strip() != "run":
                print(json.dumps({"error": f"unknown request {line.strip()!r} (run | quit)"}), flush=True)
                continue
            t0 = time.perf_counter()
            iteration()
            print(json.dumps({"ms": (time.perf_counter() - t0) * 1000}), flush=True)
        return
    times = []
    for _ in range(a.reps):
        t0 = time.perf_counter()
        iteration()
        times.append((time.perf_counter() - t0) * 1000)
    report = {
        "name": "paper preset: one Algorithm-1 iteration (PyTorch)",
        "torch": torch.__version__, "python": platform.python_version(), "threads": torch.get_num_threads(),
        "batch": {k: list(b[k].shape) for k in ("ids", "xa", "xv")},
        "msMedian": statistics.median(times), "msMin": min(times), "msMax": max(times), "reps": a.reps, "timesMs": times,
    }
    with open(a.out, "w") as f:
        json.dump(report, f, indent=2)
    print(f"torch {torch.__version__}, {torch.get_num_threads()} thread(s): {report['msMedian']:.0f} ms per iteration (min {report['msMin']:.0f}, max {report['msMax']:.0f}, n={a.reps})", file=sys.stderr)


if __name__ == "__main__":
    main()
