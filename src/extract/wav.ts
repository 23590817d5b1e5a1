// RIFF/WAVE reading without ffmpeg: PCM 8/16/24/32-bit integer and IEEE float 32/64, plain or
// WAVE_FORMAT_EXTENSIBLE. Samples come out as float in [-1, 1) the way libsndfile (and so
// librosa.load) scales them: int16 / 32768, int24 / 2^23, int32 / 2^31, (uint8 − 128) / 128.

export interface DecodedAudio {
  sampleRate: number;
  /** one Float32Array per channel, all the same length */
  channels: Float32Array[];
}

const FORMAT_PCM = 1;
const FORMAT_FLOAT = 3;
const FORMAT_EXTENSIBLE = 0xfffe;

/** Parses a .wav file's bytes; `file` names it in every error. */
export function parseWav(bytes: Uint8Array, file: string): DecodedAudio {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const tag = (at: number): string => String.fromCharCode(...bytes.subarray(at, at + 4));
  if (bytes.length < 12 || tag(0) !== 'RIFF' || tag(8) !== 'WAVE') {
    throw new Error(`${file}: not a WAV file (no RIFF/WAVE header; first bytes ${JSON.stringify(String.fromCharCode(...bytes.subarray(0, 8)))})`);
  }
  let fmt: { format: number; channels: number; sampleRate: number; bits: number; blockAlign: number } | null = null;
  let data: Uint8Array | null = null;
  for (let at = 12; at + 8 <= bytes.length; ) {
    const id = tag(at);
    const size = view.getUint32(at + 4, true);
    const body = at + 8;
    if (id === 'fmt ') {
      if (size < 16) throw new Error(`${file}: fmt chunk of ${size} bytes (expected ≥ 16)`);
      let format = view.getUint16(body, true);
      // WAVE_FORMAT_EXTENSIBLE: the real format is the first two bytes of the sub-format GUID
      if (format === FORMAT_EXTENSIBLE && size >= 26) format = view.getUint16(body + 24, true);
      fmt = { format, channels: view.getUint16(body + 2, true), sampleRate: view.getUint32(body + 4, true), blockAlign: view.getUint16(body + 12, true), bits: view.getUint16(body + 14, true) };
    } else if (id === 'data') {
      // a streamed WAV may announce more data than the file holds: read what is there
      data = bytes.subarray(body, Math.min(bytes.length, body + size));
    }
    at = body + size + (size % 2); // chunks are word-aligned
  }
  if (fmt === null) throw new Error(`${file}: WAV without a fmt chunk`);
  if (data === null) throw new Error(`${file}: WAV without a data chunk (no audio)`);
  const { format, channels, sampleRate, bits } = fmt;
  if (channels < 1) throw new Error(`${file}: WAV with ${channels} channels`);
  if (sampleRate < 1) throw new Error(`${file}: WAV with sample rate ${sampleRate}`);
  const bytesPer = bits / 8;
  const okPcm = format === FORMAT_PCM && [8, 16, 24, 32].includes(bits);
  const okFloat = format === FORMAT_FLOAT && (bits === 32 || bits === 64);
  if (!okPcm && !okFloat) throw new Error(`${file}: unsupported WAV encoding (format ${format}, ${bits} bits; supported: PCM 8/16/24/32, float 32/64; other codecs need ffmpeg)`);
  const frame = bytesPer * channels;
  const n = Math.floor(data.length / frame);
  const out = Array.from({ length: channels }, () => new Float32Array(n));
  const dv = new DataView(data.buffer, data.byteOffset, data.byteLength);
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < channels; c++) {
      const at = i * frame + c * bytesPer;
      let v: number;
      if (okFloat) v = bits === 32 ? dv.getFloat32(at, true) : dv.getFloat64(at, true);
      else if (bits === 16) v = dv.getInt16(at, true) / 32768;
      else if (bits === 8) v = (dv.getUint8(at) - 128) / 128;
      else if (bits === 24) {
        const u = dv.getUint8(at) | (dv.getUint8(at + 1) << 8) | (dv.getInt8(at + 2) << 16);
        v = u / 8388608;
      } else v = dv.getInt32(at, true) / 2147483648;
      (out[c] as Float32Array)[i] = v;
    }
  }
  return { sampleRate, channels: out };
}
