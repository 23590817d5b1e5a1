#!/usr/bin/env python3
"""Reference audio features for src/extract/audio.ts, from librosa's documented algorithms in numpy.

librosa is not installed here (and is never a dependency of the workspace). This script
re-implements, in plain numpy and following librosa 0.9.1's source structure, what the MIRD
authors called (qianfan1996/SKESL data/CMU-MOSI/get_audio_embedding.py, librosa 0.9.1,
resampy 0.2.2):

    y, sr = librosa.load(path)                              # 22050 Hz, mono, res_type kaiser_best
    librosa.feature.zero_crossing_rate(y, hop_length=512)   # frame 2048, center (edge pad)
    librosa.feature.mfcc(y=y, sr=sr, hop_length=512, htk=True)
    librosa.feature.chroma_cqt(y=y, sr=sr, hop_length=512)

and librosa.feature.chroma_stft (tuning fixed at 0), which the workspace computes instead of
chroma_cqt. For chroma_cqt it computes a direct (single-rate) constant-Q transform with librosa's
filter definitions (252 bins from C1, 36 per octave, Hann windows, L1-normalised filters, scaled
by sqrt(length)) and tuning 0, and measures how far chroma_stft is from it. Differences from real
librosa that remain, by construction: float64 here (librosa float32), the tuning estimate
(librosa estimates it; 0 here), and librosa's multi-rate CQT (octave-wise downsampling) in place of
the direct transform.

Writes test/fixtures/extract/librosa-reference.json:
  synthetic: a deterministic 1 s test signal at 22050 Hz (formula below, rebuilt in the test)
             and its zcr / mfcc / chroma_stft (every frame)
  sample:    data/samples/mosi_03bSnISJMiM_1.wav through load (mono + resampy kaiser_best)
             and the same features, every frame; the resampled signal's length, a few samples and
             its RMS; chroma_cqt (direct) and the chroma_stft vs chroma_cqt gap

Run: python3 scripts/librosa-reference.py   (numpy only; ~10 s)
"""
import json
import os
import wave

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SR = 22050
N_FFT = 2048
HOP = 512
N_MFCC = 20
N_MELS = 128
N_CHROMA = 12


# ------------------------------------------------------------------------------------------
# librosa.load: soundfile float scaling, to_mono (mean), resampy 'kaiser_best', fix_length

def read_wav(path):
    with wave.open(path, "rb") as w:
        ch, width, sr, n = w.getnchannels(), w.getsampwidth(), w.getframerate(), w.getnframes()
        raw = w.readframes(n)
    assert width == 2, "the sample WAV is 16-bit PCM"
    x = np.frombuffer(raw, dtype="<i2").astype(np.float64) / 32768.0
    return x.reshape(-1, ch).T, sr


def kaiser_best_window():
    # resampy.filters.sinc_window(num_zeros=64, precision=9, window=kaiser(beta), rolloff)
    num_zeros, precision = 64, 9
    beta, rolloff = 14.769656459379492, 0.9475937167399596
    num_bits = 2 ** precision
    n = num_bits * num_zeros
    sinc_win = rolloff * np.sinc(rolloff * np.linspace(0, num_zeros, num=n + 1, endpoint=True))
    taper = np.kaiser(2 * n + 1, beta)[n:]
    return taper * sinc_win, num_bits


def resample_kaiser_best(x, sr_orig, sr_new):
    # resampy.resample (core.resample_f), then librosa.resample's fix_length to ceil(n * ratio)
    ratio = float(sr_new) / sr_orig
    win, num_table = kaiser_best_window()
    if ratio < 1:
        win = win * ratio
    delta = np.zeros_like(win)
    delta[:-1] = np.diff(win)
    n_out = int(x.shape[-1] * ratio)
    y = np.zeros(int(np.ceil(x.shape[-1] * ratio)))
    scale = min(1.0, ratio)
    index_step = int(scale * num_table)
    nwin, n_orig = len(win), len(x)
    # resampy accumulates time_register += 1/ratio per output sample; reproduce that exactly
    tr = 0.0
    times = np.empty(n_out)
    for i in range(n_out):
        times[i] = tr
        tr += 1.0 / ratio
    for o in range(n_out):
        n = int(times[o])
        frac = scale * (times[o] - n)
        index_frac = frac * num_table
        offset = int(index_frac)
        eta = index_frac - offset
        i_max = min(n + 1, (nwin - offset) // index_step)
        idx = offset + np.arange(i_max) * index_step
        acc = np.dot(win[idx] + eta * delta[idx], x[n - np.arange(i_max)])
        frac = scale - frac
        index_frac = frac * num_table
        offset = int(index_frac)
        eta = index_frac - offset
        k_max = min(n_orig - n - 1, (nwin - offset) // index_step)
        idx = offset + np.arange(k_max) * index_step
        acc += np.dot(win[idx] + eta * delta[idx], x[n + 1 + np.arange(k_max)])
        y[o] = acc
    return y


# ------------------------------------------------------------------------------------------
# features

def frame(y, length, hop):
    n = 1 + (len(y) - length) // hop
    return np.stack([y[i * hop: i * hop + length] for i in range(n)], axis=1)  # [length, frames]


def zero_crossing_rate(y):
    yp = np.pad(y, N_FFT // 2, mode="edge")
    fr = frame(yp, N_FFT, HOP).copy()
    fr[np.abs(fr) <= 1e-10] = 0  # zero_crossings threshold
    sign = np.signbit(fr)
    cross = np.pad(sign[1:] != sign[:-1], [(1, 0), (0, 0)], mode="constant", constant_values=False)
    return np.mean(cross, axis=0)


def power_spectrogram(y, pad_mode="reflect"):
    window = 0.5 - 0.5 * np.cos(2 * np.pi * np.arange(N_FFT) / N_FFT)  # get_window('hann', fftbins=True)
    yp = np.pad(y, N_FFT // 2, mode=pad_mode)
    fr = frame(yp, N_FFT, HOP)
    return np.abs(np.fft.rfft(window[:, None] * fr, axis=0)) ** 2  # [1 + n_fft/2, frames]


def hz_to_mel(f, htk):
    f = np.asanyarray(f, dtype=float)
    if htk:
        return 2595.0 * np.log10(1.0 + f / 700.0)
    f_sp = 200.0 / 3
    mels = f / f_sp
    min_log_hz = 1000.0
    min_log_mel = min_log_hz / f_sp
    logstep = np.log(6.4) / 27.0
    return np.where(f >= min_log_hz, min_log_mel + np.log(np.maximum(f, 1e-300) / min_log_hz) / logstep, mels)


def mel_to_hz(m, htk):
    m = np.asanyarray(m, dtype=float)
    if htk:
        return 700.0 * (10.0 ** (m / 2595.0) - 1.0)
    f_sp = 200.0 / 3
    freqs = f_sp * m
    min_log_hz = 1000.0
    min_log_mel = min_log_hz / f_sp
    logstep = np.log(6.4) / 27.0
    return np.where(m >= min_log_mel, min_log_hz * np.exp(logstep * (m - min_log_mel)), freqs)


def mel_filters(htk):
    # librosa.filters.mel(sr, n_fft, n_mels=128, fmin=0, fmax=sr/2, htk, norm='slaney')
    fftfreqs = np.linspace(0, SR / 2, 1 + N_FFT // 2)
    mel_f = mel_to_hz(np.linspace(hz_to_mel(0.0, htk), hz_to_mel(SR / 2.0, htk), N_MELS + 2), htk)
    fdiff = np.diff(mel_f)
    ramps = np.subtract.outer(mel_f, fftfreqs)
    weights = np.zeros((N_MELS, 1 + N_FFT // 2))
    for i in range(N_MELS):
        lower = -ramps[i] / fdiff[i]
        upper = ramps[i + 2] / fdiff[i + 1]
        weights[i] = np.maximum(0, np.minimum(lower, upper))
    enorm = 2.0 / (mel_f[2: N_MELS + 2] - mel_f[:N_MELS])
    return weights * enorm[:, None]


def dct_ortho(x):
    # scipy.fftpack.dct(x, type=2, norm='ortho', axis=0)
    n = x.shape[0]
    k = np.arange(n)[:, None]
    i = np.arange(n)[None, :]
    m = np.cos(np.pi * k * (2 * i + 1) / (2 * n)) * np.sqrt(2.0 / n)
    m[0] = np.sqrt(1.0 / n)
    return m @ x


def mfcc(S, htk=True):
    mel = mel_filters(htk) @ S
    log_spec = 10.0 * np.log10(np.maximum(1e-10, mel))  # power_to_db, ref 1.0, amin 1e-10
    log_spec = np.maximum(log_spec, log_spec.max() - 80.0)  # top_db 80
    return dct_ortho(log_spec)[:N_MFCC]


def chroma_filters(tuning=0.0):
    # librosa.filters.chroma(sr, n_fft, n_chroma=12, tuning, ctroct=5.0, octwidth=2, norm=2, base_c=True)
    frequencies = np.linspace(0, SR, N_FFT, endpoint=False)[1:]
    a440 = 440.0 * 2.0 ** (tuning / N_CHROMA)
    frqbins = N_CHROMA * np.log2(frequencies / (a440 / 16))
    frqbins = np.concatenate(([frqbins[0] - 1.5 * N_CHROMA], frqbins))
    binwidthbins = np.concatenate((np.maximum(frqbins[1:] - frqbins[:-1], 1.0), [1]))
    D = np.subtract.outer(frqbins, np.arange(0, N_CHROMA, dtype="d")).T
    n_chroma2 = np.round(float(N_CHROMA) / 2)
    D = np.remainder(D + n_chroma2 + 10 * N_CHROMA, N_CHROMA) - n_chroma2
    wts = np.exp(-0.5 * (2 * D / np.tile(binwidthbins, (N_CHROMA, 1))) ** 2)
    wts = wts / np.sqrt(np.sum(wts ** 2, axis=0, keepdims=True))
    wts *= np.tile(np.exp(-0.5 * (((frqbins / N_CHROMA - 5.0) / 2) ** 2)), (N_CHROMA, 1))
    wts = np.roll(wts, -3 * (N_CHROMA // 12), axis=0)
    return wts[:, : int(1 + N_FFT / 2)]


def normalize_inf(x):
    tiny = np.finfo(np.float32).tiny
    length = np.max(np.abs(x), axis=0, keepdims=True)
    length[length < tiny] = 1.0
    return x / length


def chroma_stft(S):
    return normalize_inf(chroma_filters() @ S)


def chroma_cqt_direct(y, tuning=0.0):
    # a direct CQT with librosa.filters.constant_q's filters; cqt(scale=True) -> |C| * sqrt(len);
    # chroma = cq_to_chroma(252, 36, 12, fmin=C1) @ |C|, then inf-normalised per frame
    bpo, n_bins = 36, 252
    fmin = 32.70319566257483 * 2.0 ** (tuning / bpo)  # note_to_hz('C1')
    freqs = fmin * 2.0 ** (np.arange(n_bins) / bpo)
    Q = 1.0 / (2.0 ** (1.0 / bpo) - 1)
    lengths = Q * SR / freqs
    n_frames = 1 + len(y) // HOP
    centers = np.arange(n_frames) * HOP
    C = np.zeros((n_bins, n_frames))
    nfft = 1
    while nfft < len(y) + int(np.ceil(lengths.max())) + 2:
        nfft *= 2
    Y = np.fft.fft(y, nfft)
    for k in range(n_bins):
        ilen = lengths[k]
        n = np.arange(-ilen // 2, ilen // 2, dtype=float)
        sig = np.exp(n * 1j * 2 * np.pi * freqs[k] / SR)
        L = len(sig)
        sig = sig * (0.5 - 0.5 * np.cos(2 * np.pi * np.arange(L) / L))  # hann, fftbins=True
        sig = sig / np.sum(np.abs(sig))  # norm=1
        # correlation r[t] = sum_m y[t + n_m] * sig[m], with n_m = n[0] + m; via FFT
        h = np.zeros(nfft, dtype=complex)
        h[:L] = sig[::-1]
        r = np.fft.ifft(Y * np.fft.fft(h))
        # r[j] = sum_m y[j - (L - 1) + m] * sig[m]  ->  t = j - (L - 1) - n[0]
        shift = int(L - 1 + n[0])
        idx = centers + shift
        vals = np.where((idx >= 0) & (idx < nfft), r[np.clip(idx, 0, nfft - 1)], 0)
        C[k] = np.abs(vals) * np.sqrt(lengths[k])
    cq_to_ch = np.repeat(np.eye(N_CHROMA), bpo // N_CHROMA, axis=1)
    cq_to_ch = np.roll(cq_to_ch, -int((bpo // N_CHROMA) // 2), axis=1)
    cq_to_ch = np.tile(cq_to_ch, int(np.ceil(n_bins / bpo)))[:, :n_bins]
    return normalize_inf(cq_to_ch @ C)


def features(y):
    S = power_spectrogram(y)
    return {
        "frames": int(S.shape[1]),
        "zcr": zero_crossing_rate(y),
        "mfcc": mfcc(S).T,  # [frames, 20]
        "chroma_stft": chroma_stft(S).T,  # [frames, 12]
        "mfcc_slaney_constant_pad": mfcc(power_spectrogram(y, "constant"), htk=False).T,  # librosa >= 0.10 defaults
    }


def synthetic_signal():
    # 1 s: a 220 Hz tone, a decaying chirp, and exact digital silence in samples 5000..6999
    t = np.arange(SR) / SR
    y = 0.5 * np.sin(2 * np.pi * 220 * t) + 0.3 * np.sin(2 * np.pi * (500 * t + 1500 * t * t)) * np.exp(-t)
    y[5000:7000] = 0.0
    return y.astype(np.float32).astype(np.float64)


def rounded(a, digits=7):
    return [float(f"{v:.{digits}g}") for v in np.asarray(a).ravel()]


def main():
    out = {
        "generator": "scripts/librosa-reference.py (numpy %s)" % np.__version__,
        "params": {"sr": SR, "n_fft": N_FFT, "hop_length": HOP, "n_mfcc": N_MFCC, "n_mels": N_MELS, "htk": True, "pad_mode": "reflect", "top_db": 80, "n_chroma": N_CHROMA, "tuning": 0.0},
    }
    ys = synthetic_signal()
    fs = features(ys)
    out["synthetic"] = {
        "signal": "float32(0.5 sin(2π·220 t) + 0.3 sin(2π(500 t + 1500 t²))·e^(−t)), t = n/22050, n < 22050; samples 5000..6999 = 0",
        "frames": fs["frames"],
        "zcr": rounded(fs["zcr"]),
        "mfcc": rounded(fs["mfcc"]),
        "chroma_stft": rounded(fs["chroma_stft"]),
        "mfcc_slaney_constant_pad": rounded(fs["mfcc_slaney_constant_pad"]),
    }
    wav = os.path.join(ROOT, "data", "samples", "mosi_03bSnISJMiM_1.wav")
    chans, sr = read_wav(wav)
    mono = np.mean(chans.astype(np.float32), axis=0).astype(np.float64)
    y = resample_kaiser_best(mono, sr, SR)
    fw = features(y)
    cqt = chroma_cqt_direct(y).T
    stft = fw["chroma_stft"]
    diff = np.abs(stft - cqt)
    corr = [float(np.corrcoef(a, b)[0, 1]) for a, b in zip(stft, cqt) if np.std(a) > 0 and np.std(b) > 0]
    out["sample"] = {
        "file": "data/samples/mosi_03bSnISJMiM_1.wav",
        "native_rate": sr,
        "native_channels": int(chans.shape[0]),
        "resampled_length": int(len(y)),
        "resampled_head": rounded(y[1000:1010]),
        "resampled_rms": float(np.sqrt(np.mean(y ** 2))),
        "frames": fw["frames"],
        "zcr": rounded(fw["zcr"]),
        "mfcc": rounded(fw["mfcc"]),
        "chroma_stft": rounded(stft),
        "chroma_cqt_direct": rounded(cqt),
        "chroma_gap": {
            "mean_abs": float(diff.mean()),
            "max_abs": float(diff.max()),
            "mean_frame_correlation": float(np.mean(corr)),
            "argmax_agreement": float(np.mean(np.argmax(stft, axis=1) == np.argmax(cqt, axis=1))),
            "what": "chroma_stft (tuning 0) vs a direct chroma_cqt (tuning 0), per value in [0, 1] and per frame",
        },
    }
    path = os.path.join(ROOT, "test", "fixtures", "extract", "librosa-reference.json")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        json.dump(out, f, separators=(",", ":"))
        f.write("\n")
    print("wrote", os.path.relpath(path, ROOT), "frames", fs["frames"], fw["frames"], "chroma gap", out["sample"]["chroma_gap"])


if __name__ == "__main__":
    main()
