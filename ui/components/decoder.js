// The VAE decoder in plain JavaScript: no dependencies, no WebAssembly, no GPU.
//
//   const decoder = await sharedDecoder(url);                          // or parseDecoder(arrayBuffer)
//   const pixels = decoder.decode(new Float32Array(decoder.latentDim)); // Uint8ClampedArray(784), 28 x 28 row-major
//
// ui/widgets.py serves this file with each component that decodes (latent_pad.js, latent_scrub.js) after it, as one
// module. The file is written by vae_core/export.py (format in its docstring): a 32-byte header, then the decoder's
// PyTorch tensors as float16 or float32 (version 2, a hierarchical model's: first the levels below the top, each
// decoded at its conditional mean by descend, the codes side by side making D). The network is Linear(D, H) ReLU
// Linear(H, C2*49) ReLU ConvTranspose2d(C2, C1, 4, 2, 1) ReLU ConvTranspose2d(C1, O, 4, 2, 1): O logits per pixel,
// which the file's output function turns into the pixel mean E[x|z] (OUTPUT below: the sigmoid; the continuous
// Bernoulli's mean; the discretized logistic's mean over 256 grey levels from its location and log-scale channels, as
// vae_core's likelihoods compute them); a pixel is round(mean * 255). Sums are float64 over float32 weights, so pixels
// match PyTorch's float32 to within one 8-bit level.
//
// Speed: both big layers are scatters over the inputs that survive the ReLU before them (in the shipped models about
// half the hidden units and 67-87 % of the 7 x 7 map are zero), four input rows per pass over the output. All state
// lives in one plain object handed to module-level functions: V8 then optimises the same way however many decoders
// exist (closures over typed arrays are fast only while a single decoder has been made).

const MAGIC = 0x44454156; // "VAED" read as a little-endian uint32
const HEADER_BYTES = 32;

// One decoder per URL for the whole page, shared by every component that decodes (a URL names the weights' content,
// so it never goes stale): a page switch or a rerun reuses it instead of fetching and parsing again. The map is on
// window because each component is a module of its own; the benchmark and the tests read it too. A failed load is
// forgotten, so a later render tries again.
const KEEP = 4;

export function sharedDecoder(url) {
  return shared(url, "__vaeDecoders", loadDecoder);
}

// The entry for url in the page-wide map window[name] (loaded by load(url) the first time), most recently used last.
function shared(url, name, load) {
  const cache = (window[name] ??= new Map());
  let entry = cache.get(url);
  if (!entry) {
    entry = load(url);
    entry.catch(() => cache.get(url) === entry && cache.delete(url));
    cache.set(url, entry);
    while (cache.size > KEEP) cache.delete(cache.keys().next().value);
  } else {
    cache.delete(url); // most recently used last
    cache.set(url, entry);
  }
  return entry;
}

export async function loadDecoder(url, init) {
  return parseDecoder(await fetchBytes(url, init));
}

async function fetchBytes(url, init) {
  const response = await fetch(url, init);
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  return response.arrayBuffer();
}

// A weights file's header (the magic, a version in versions, then bits, D, H, C2, C1: vae_core/export.py) and its
// buffer.
function readHeader(data, magic, what, versions = [1]) {
  const buffer =
    data instanceof ArrayBuffer ? data : data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength);
  if (buffer.byteLength < HEADER_BYTES) throw new Error(`${what} file: too short`);
  const head = new DataView(buffer, 0, HEADER_BYTES);
  const u32 = (i) => head.getUint32(4 * i, true);
  if (u32(0) !== magic || !versions.includes(u32(1))) {
    throw new Error(`not a version-${versions.join(" or ")} ${what} file (its magic or version differs)`);
  }
  return { buffer, version: u32(1), sizes: [u32(2), u32(3), u32(4), u32(5), u32(6)], last: u32(7) };
}

// The file's tensors from byte start on, in order, as float32 arrays of the given sizes (from float16 or float32).
function readWeights(buffer, bits, sizes, what, start = HEADER_BYTES) {
  const count = sizes.reduce((a, b) => a + b, 0);
  if ((bits !== 16 && bits !== 32) || buffer.byteLength !== start + count * (bits / 8)) {
    throw new Error(`${what} file: size does not match its header`);
  }
  const all =
    bits === 32 ? new Float32Array(buffer, start, count) : halfToFloat(new Uint16Array(buffer, start, count));
  let at = 0;
  return sizes.map((n) => all.subarray(at, (at += n)));
}

// A version-2 file's levels below the top (vae_core.hierarchy): their sizes from the top down, and where the
// weights begin. None in a version-1 file.
function readLevels(buffer, version) {
  if (version !== 2) return { levels: [], start: HEADER_BYTES };
  const view = new DataView(buffer);
  const count = buffer.byteLength >= HEADER_BYTES + 4 ? view.getUint32(HEADER_BYTES, true) : 0;
  if (count < 1 || count > 8 || buffer.byteLength < HEADER_BYTES + 4 + 4 * count) {
    throw new Error("decoder file: bad number of levels");
  }
  const levels = Array.from({ length: count }, (_, i) => view.getUint32(HEADER_BYTES + 4 + 4 * i, true));
  return { levels, start: HEADER_BYTES + 4 + 4 * count };
}

export function parseDecoder(data) {
  const { buffer, version, sizes: header, last } = readHeader(data, MAGIC, "decoder", [1, 2]);
  const [bits, top, H, C2, C1] = header;
  const output = OUTPUT[last & 0xffff], O = Math.max(last >>> 16, 1); // 0: a file from before the field, one map
  if (!output) throw new Error(`decoder file: unknown output function ${last & 0xffff}`);
  const { levels, start } = readLevels(buffer, version);
  const above = [top, ...levels], D = above.reduce((a, b) => a + b, 0); // D: every level's code, side by side
  const O2 = C2 * 49;
  // The levels' mean path is float32 whatever the decoder's bits (vae_core/export.py), then the decoder.
  const pathSizes = levels.flatMap((size, i) => [H * above[i], H, size * H, size]);
  const pathBytes = 4 * pathSizes.reduce((a, b) => a + b, 0);
  if (buffer.byteLength < start + pathBytes) throw new Error("decoder file: size does not match its header");
  const pathBuffer = buffer.slice(0, start + pathBytes); // readWeights checks a buffer's whole length
  const pathTensors = levels.length ? readWeights(pathBuffer, 32, pathSizes, "decoder", start) : [];
  const path = levels.map((size, i) => {
    const [w1, b1, w2, b2] = pathTensors.slice(4 * i, 4 * i + 4);
    return { inputs: above[i], size, w1, b1, w2, b2 };
  });
  const sizes = [H * D, H, O2 * H, O2, C2 * C1 * 16, C1, C1 * O * 16, O];
  const [w1, b1, w2, b2, w3, b3, w4, b4] = readWeights(buffer, bits, sizes, "decoder", start + pathBytes);

  // Re-lay the weights so that every inner loop runs over contiguous memory.
  const w2t = new Float32Array(H * O2); // (H, C2*49): row h is hidden unit h's contribution to the 7 x 7 map
  for (let o = 0; o < O2; o++) for (let h = 0; h < H; h++) w2t[h * O2 + o] = w2[o * H + h];
  const w3t = new Float32Array(C2 * 16 * C1); // (C2, 4, 4, C1)
  for (let ci = 0; ci < C2; ci++) {
    for (let co = 0; co < C1; co++) {
      for (let k = 0; k < 16; k++) w3t[(ci * 16 + k) * C1 + co] = w3[(ci * C1 + co) * 16 + k];
    }
  }
  const w4t = new Float32Array(O * 16 * C1); // (O, 4, 4, C1)
  for (let ci = 0; ci < C1; ci++) {
    for (let o = 0; o < O; o++) for (let k = 0; k < 16; k++) w4t[(o * 16 + k) * C1 + ci] = w4[(ci * O + o) * 16 + k];
  }

  const net = {
    top, D, H, C1, C2, O, w1, b1, w2t, b2, w3t, b3, w4t, b4, output, path,
    code: new Float64Array(D), // the top code and each lower level's conditional mean, side by side
    hidden: new Float64Array(H),
    logits: new Float64Array(O),
    map7: new Float64Array(O2), // (C2, 7, 7), PyTorch's order
    map14: new Float64Array(16 * 16 * C1), // the 14 x 14 map padded by one pixel all round, channels last
    offset: new Int32Array(Math.max(H, C2) + 3), // the active inputs: where their weight rows start ...
    value: new Float64Array(Math.max(H, C2) + 3), // ... and their values
  };
  const decodeInto = (z, out) => run(net, z, out);
  const decode = (z) => decodeInto(z, new Uint8ClampedArray(784));
  return { latentDim: top, levels, hidden: H, channels: [C1, C2], bits, output: output.name, decode, decodeInto };
}

// Each level below the top at its conditional mean, as HierarchicalVAE.decode takes it: mean = W2 ReLU(W1 above + b1)
// + b2, from the level above's code. Fills net.code with every level's code, the top first.
function descend(net, z) {
  const { code, hidden, path } = net;
  code.set(z);
  let from = 0, at = z.length;
  for (const { inputs, size, w1, b1, w2, b2 } of path) {
    const H = b1.length;
    for (let h = 0; h < H; h++) {
      let s = b1[h];
      for (let d = 0, k = h * inputs; d < inputs; d++) s += w1[k + d] * code[from + d];
      hidden[h] = s > 0 ? s : 0;
    }
    for (let d = 0; d < size; d++) {
      let s = b2[d];
      for (let h = 0, k = d * H; h < H; h++) s += w2[k + h] * hidden[h];
      code[at + d] = s;
    }
    (from = at), (at += size);
  }
  return code;
}

function run(net, latent, out) {
  const { top, D, H, C1, C2, O, w1, b1, w2t, b2, w3t, b3, w4t, b4, output, logits, map7, map14, offset, value } = net;
  if (latent.length !== top) throw new Error(`expected a latent code of length ${top}, got ${latent.length}`);
  const z = net.path.length ? descend(net, latent) : latent;
  const O2 = C2 * 49, S = 16 * C1, row = 4 * C1; // S: one row of the padded 14 x 14 map
  // Linear(D, H) + ReLU: list the active units as (offset of their row in w2t, value).
  let n = 0;
  for (let h = 0; h < H; h++) {
    let s = b1[h];
    for (let d = 0, k = h * D; d < D; d++) s += w1[k + d] * z[d];
    if (s > 0) (offset[n] = h * O2), (value[n++] = s);
  }
  // Linear(H, C2*49): the bias plus the active units' rows of w2t.
  map7.set(b2);
  n = pad4(offset, value, n);
  for (let i = 0; i < n; i += 4) axpy4(map7, 0, O2, w2t, 0, offset, value, i);
  // ReLU + ConvTranspose2d(C2, C1, 4, 2, 1) as a scatter: input pixel (iy, ix) of channel ci adds its kernel
  // w3t[ci] (4 x 4 x C1) at output rows 2iy-1 .. 2iy+2 and columns 2ix-1 .. 2ix+2, which in the padded map are
  // four runs of 4 * C1 contiguous values, from (2iy, 2ix). Each input pixel's active channels go together.
  for (let k = 0; k < 16 * S; k += C1) map14.set(b3, k);
  for (let p = 0; p < 49; p++) {
    n = 0;
    for (let ci = 0; ci < C2; ci++) {
      if (map7[ci * 49 + p] > 0) (offset[n] = ci * 16 * C1), (value[n++] = map7[ci * 49 + p]);
    }
    n = pad4(offset, value, n);
    const y = 2 * Math.floor(p / 7) * S + 2 * (p % 7) * C1;
    for (let i = 0; i < n; i += 4) {
      for (let ky = 0; ky < 4; ky++) axpy4(map14, y + ky * S, row, w3t, ky * row, offset, value, i);
    }
  }
  // ReLU + ConvTranspose2d(C1, O, 4, 2, 1) as a gather over the two valid kernel rows and columns, then the output
  // function.
  for (let k = 0; k < 16 * S; k++) if (map14[k] < 0) map14[k] = 0;
  for (let oy = 0; oy < 28; oy++) {
    for (let ox = 0; ox < 28; ox++) {
      for (let o = 0; o < O; o++) {
        let s = b4[o];
        for (let ky = (oy + 1) & 1; ky < 4; ky += 2) {
          const iy = (oy + 1 - ky) >> 1;
          if (iy < 0 || iy > 13) continue;
          for (let kx = (ox + 1) & 1; kx < 4; kx += 2) {
            const ix = (ox + 1 - kx) >> 1;
            if (ix < 0 || ix > 13) continue;
            const m = (iy + 1) * S + (ix + 1) * C1, w = ((o * 4 + ky) * 4 + kx) * C1;
            for (let c = 0; c < C1; c++) s += map14[m + c] * w4t[w + c];
          }
        }
        logits[o] = s;
      }
      out[oy * 28 + ox] = 255 * output(logits); // Uint8ClampedArray rounds half to even, as torch.round does
    }
  }
  return out;
}

// The output functions by their index in the file's header (vae_core/export.py's OUTPUTS): a pixel's logits to
// its mean E[x|z] in [0, 1].
const OUTPUT = [sigmoidMean, continuousBernoulliMean, discretizedLogisticMean];

function sigmoidMean(logits) {
  return 1 / (1 + Math.exp(-logits[0]));
}

// The continuous Bernoulli's mean in the logit l (vae_core/likelihoods/continuous_bernoulli.py), l clamped to
// +-510 as there: 1/2 + L(l/2) / 2 with L(y) = coth(y) - 1/y, its Taylor series y/3 - y^3/45 + 2y^5/945 where
// |l| < 0.2.
const LOGIT_BOUND = 510;

function continuousBernoulliMean(logits) {
  const l = Math.min(Math.max(logits[0], -LOGIT_BOUND), LOGIT_BOUND), y = l / 2;
  const langevin = Math.abs(l) < 0.2 ? y / 3 - y ** 3 / 45 + (2 * y ** 5) / 945 : 1 / Math.tanh(y) - 1 / y;
  return 0.5 + 0.5 * langevin;
}

// The discretized logistic's mean (vae_core/likelihoods/discretized_logistic.py): channel 0 the location mu,
// channel 1 log s, floored at -7 - log 2; E[x] = (1/255) sum over k = 1..255 of sigmoid((mu - (k - 1/2)/255) / s).
// Terms more than 40 scale units from mu are 1 or 0 to within e^-40, so only the edges near mu are summed.
const LOGISTIC_FLOOR = -7 - Math.LN2, SATURATED = 40;

function discretizedLogisticMean(logits) {
  const mu = logits[0], s = Math.exp(Math.max(logits[1], LOGISTIC_FLOOR));
  const first = Math.min(Math.max(Math.ceil(255 * (mu - SATURATED * s) + 0.5), 1), 256);
  const last = Math.min(Math.max(Math.floor(255 * (mu + SATURATED * s) + 0.5), 0), 255);
  let total = first - 1; // every edge below first: sigmoid = 1
  for (let k = first; k <= last; k++) total += 1 / (1 + Math.exp(-(mu - (k - 0.5) / 255) / s));
  return total / 255;
}

// Pad the active list to a multiple of four with (offset 0, value 0) entries, which add nothing.
function pad4(offset, value, n) {
  while (n & 3) (offset[n] = 0), (value[n++] = 0);
  return n;
}

// dst[d + j] += sum over active inputs i .. i+3 of value * w[offset + r + j], for j < len: the inner loop of both
// scatters. Four input rows per pass read and write dst a quarter as often as one row at a time would.
function axpy4(dst, d, len, w, r, offset, value, i) {
  const k0 = offset[i] + r, k1 = offset[i + 1] + r, k2 = offset[i + 2] + r, k3 = offset[i + 3] + r;
  const v0 = value[i], v1 = value[i + 1], v2 = value[i + 2], v3 = value[i + 3];
  for (let j = 0; j < len; j++) dst[d + j] += v0 * w[k0 + j] + v1 * w[k1 + j] + v2 * w[k2 + j] + v3 * w[k3 + j];
}

// float16 bit patterns -> float32 values. The browser's own Float16Array converts in one native pass (15-28 ms
// for a 3.7 M-weight decoder against 23-88 ms by table in Chromium 156, docs/performance.md); a browser without
// it (Chrome before 135, Firefox before 129, Safari before 18.2) reads through a table. Both give the same value
// for every pattern (tests/test_decoder_browser.py).
export function halfToFloat(bits) {
  if (typeof Float16Array !== "function") return halfToFloatByTable(bits);
  return new Float32Array(new Float16Array(bits.buffer, bits.byteOffset, bits.length));
}

let halfTable = null; // float16 bit pattern -> value, built on first use

export function halfToFloatByTable(bits) {
  if (!halfTable) {
    halfTable = new Float32Array(65536);
    for (let h = 0; h < 65536; h++) {
      const sign = h & 0x8000 ? -1 : 1, e = (h >> 10) & 31, f = h & 1023;
      const magnitude = e === 0 ? f * 2 ** -24 : e === 31 ? (f ? NaN : Infinity) : (1024 + f) * 2 ** (e - 25);
      halfTable[h] = sign * magnitude;
    }
  }
  const out = new Float32Array(bits.length);
  for (let i = 0; i < bits.length; i++) out[i] = halfTable[bits[i]];
  return out;
}
