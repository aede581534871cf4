// The VAE encoder in plain JavaScript, and the drawing's preparation as vae_core.preprocess does it, so a drawing
// can be encoded while it is drawn, with no message to the server:
//
//   const encoder = await sharedEncoder(url);                       // or parseEncoder(arrayBuffer)
//   const input = prepareDrawing(rgba, width, height);               // Float32Array(784) in [0, 1], or null
//   const { mean, logvar } = encoder.encode(input);                  // Float64Array(D) each
//
// Served after decoder.js in one module (ui/widgets.py), whose halfToFloat, pad4 and axpy4 it uses. The file is
// written by vae_core/export.py's encoder_bytes: the decoder file's 32-byte header with magic "VAEE", then
// Conv2d(1, C1, 4, 2, 1) ReLU Conv2d(C1, C2, 4, 2, 1) ReLU Flatten Linear(C2*49, H) ReLU Linear(H, 2D) as float16
// or float32. Sums are float64. The three layers before the last are scatters over their nonzero inputs, four inputs a pass where
// there are many (decoder.js's axpy4): most of a drawing is black, and the ReLUs zero about half the maps.

const ENCODER_MAGIC = 0x45454156; // "VAEE" read as a little-endian uint32

export function sharedEncoder(url) {
  return shared(url, "__vaeEncoders", loadEncoder);
}

export async function loadEncoder(url, init) {
  return parseEncoder(await fetchBytes(url, init));
}

export function parseEncoder(data) {
  const { buffer, sizes: header } = readHeader(data, ENCODER_MAGIC, "encoder");
  const [bits, D, H, C2, C1] = header;
  const F = C2 * 49;
  const sizes = [C1 * 16, C1, C2 * C1 * 16, C2, H * F, H, 2 * D * H, 2 * D];
  const [w1, b1, w2, b2, w3, b3, w4, b4] = readWeights(buffer, bits, sizes, "encoder");
  // Re-laid so that each nonzero input adds one contiguous row to the output: conv1 as (4, 4, C1), conv2 as
  // (C1, 4, 4, C2), fc1 as (F, H).
  const w1t = new Float32Array(16 * C1);
  for (let c = 0; c < C1; c++) for (let k = 0; k < 16; k++) w1t[k * C1 + c] = w1[c * 16 + k];
  const w2t = new Float32Array(C1 * 16 * C2);
  for (let co = 0; co < C2; co++) {
    for (let ci = 0; ci < C1; ci++) for (let k = 0; k < 16; k++) w2t[(ci * 16 + k) * C2 + co] = w2[(co * C1 + ci) * 16 + k];
  }
  const w3t = new Float32Array(F * H);
  for (let h = 0; h < H; h++) for (let f = 0; f < F; f++) w3t[f * H + h] = w3[h * F + f];
  const net = {
    D, H, C1, C2, w1t, b1, w2t, b2, w3t, b3, w4, b4,
    map14: new Float64Array(196 * C1), // (14, 14, C1): channels last, so conv2 reads a pixel's channels together
    map7: new Float64Array(49 * C2), // (7, 7, C2): pixel-major while it is summed
    flat: new Float64Array(F), // (C2, 7, 7), PyTorch's order for Flatten
    hidden: new Float64Array(H),
    offset: new Int32Array(F + 3), // a layer's nonzero inputs: where their weight rows start ...
    value: new Float64Array(F + 3), // ... and their values (decoder.js's axpy4 takes four at a time)
  };
  const encode = (x) => runEncoder(net, x);
  return { latentDim: D, hidden: H, channels: [C1, C2], bits, encode };
}

function runEncoder(net, x) {
  const { D, H, C1, C2, w1t, b1, w2t, b2, w3t, b3, w4, b4, map14, map7, flat, hidden, offset, value } = net;
  if (x.length !== 784) throw new Error(`expected 28 x 28 = 784 pixels, got ${x.length}`);
  // Conv2d(1, C1, 4, 2, 1) + ReLU as a scatter too: each nonzero pixel (iy, ix) of the drawing (most are black) adds
  // its value times the kernel row w1t[ky, kx] to every output (oy, ox) with 2oy-1+ky = iy and 2ox-1+kx = ix.
  for (let p = 0; p < 196; p++) map14.set(b1, p * C1);
  for (let iy = 0; iy < 28; iy++) {
    for (let ix = 0; ix < 28; ix++) {
      const v = x[iy * 28 + ix];
      if (v === 0) continue;
      for (let ky = (iy + 1) & 1; ky < 4; ky += 2) {
        const oy = (iy + 1 - ky) >> 1;
        if (oy < 0 || oy > 13) continue;
        for (let kx = (ix + 1) & 1; kx < 4; kx += 2) {
          const ox = (ix + 1 - kx) >> 1;
          if (ox < 0 || ox > 13) continue;
          const o = (oy * 14 + ox) * C1, k = (ky * 4 + kx) * C1;
          for (let c = 0; c < C1; c++) map14[o + c] += v * w1t[k + c];
        }
      }
    }
  }
  for (let i = 0; i < map14.length; i++) if (map14[i] < 0) map14[i] = 0;
  // Conv2d(C1, C2, 4, 2, 1) as a scatter: each input pixel (iy, ix) adds, for each of its nonzero channels ci, the
  // kernel row w2t[ci, ky, kx] to every output (oy, ox) with 2oy-1+ky = iy and 2ox-1+kx = ix; four channels a pass.
  for (let p = 0; p < 49; p++) map7.set(b2, p * C2);
  for (let iy = 0; iy < 14; iy++) {
    for (let ix = 0; ix < 14; ix++) {
      let active = 0;
      for (let ci = 0, at = (iy * 14 + ix) * C1; ci < C1; ci++) {
        const v = map14[at + ci];
        if (v !== 0) (offset[active] = ci * 16 * C2), (value[active++] = v);
      }
      if (active === 0) continue;
      active = pad4(offset, value, active);
      for (let ky = (iy + 1) & 1; ky < 4; ky += 2) {
        const oy = (iy + 1 - ky) >> 1;
        if (oy < 0 || oy > 6) continue;
        for (let kx = (ix + 1) & 1; kx < 4; kx += 2) {
          const ox = (ix + 1 - kx) >> 1;
          if (ox < 0 || ox > 6) continue;
          const o = (oy * 7 + ox) * C2, k = (ky * 4 + kx) * C2;
          for (let i = 0; i < active; i += 4) axpy4(map7, o, C2, w2t, k, offset, value, i);
        }
      }
    }
  }
  for (let c = 0; c < C2; c++) for (let p = 0; p < 49; p++) flat[c * 49 + p] = Math.max(map7[p * C2 + c], 0);
  // Linear(C2*49, H) + ReLU as a scatter over the nonzero inputs, four rows of w3t per pass, then Linear(H, 2D).
  hidden.set(b3);
  let n = 0;
  for (let f = 0; f < flat.length; f++) if (flat[f] !== 0) (offset[n] = f * H), (value[n++] = flat[f]);
  n = pad4(offset, value, n);
  for (let i = 0; i < n; i += 4) axpy4(hidden, 0, H, w3t, 0, offset, value, i);
  const out = new Float64Array(2 * D);
  for (let o = 0; o < 2 * D; o++) {
    let s = b4[o];
    for (let h = 0, k = o * H; h < H; h++) if (hidden[h] > 0) s += w4[k + h] * hidden[h];
    out[o] = s;
  }
  return { mean: out.subarray(0, D), logvar: out.subarray(D) };
}

// ------------------------------------------------------------------------------------- the drawing's preparation
// vae_core.preprocess.preprocess_steps for an opaque picture: grey levels, inverted if the border is light, the
// border's level as background, stretched so the brightest ink is 1, cropped to the ink (above INK_THRESHOLD),
// scaled so the longer side is 20 pixels (PyTorch's bilinear, antialiased when shrinking), and placed in 28 x 28
// with its centre of mass at (14, 14). Returns null for a blank picture.

const INK_THRESHOLD = 0.15; // vae_core.preprocess.INK_THRESHOLD

export function prepareDrawing(rgba, width, height) {
  const n = width * height;
  const grey = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    grey[i] = Math.fround(
      Math.fround(Math.fround(rgba[4 * i] / 255) * 0.299) +
        Math.fround(Math.fround(rgba[4 * i + 1] / 255) * 0.587) +
        Math.fround(Math.fround(rgba[4 * i + 2] / 255) * 0.114),
    );
  }
  const border = (a) => {
    const values = [];
    for (let x = 0; x < width; x++) values.push(a[x]);
    for (let x = 0; x < width; x++) values.push(a[(height - 1) * width + x]);
    for (let y = 0; y < height; y++) values.push(a[y * width]);
    for (let y = 0; y < height; y++) values.push(a[y * width + width - 1]);
    return median(values);
  };
  const inverted = border(grey) > 0.5;
  const ink = inverted ? grey.map((g) => 1 - g) : grey;
  const background = border(ink);
  let peak = -Infinity;
  for (let i = 0; i < n; i++) if (ink[i] > peak) peak = ink[i];
  if (peak - background < INK_THRESHOLD) return null;
  const normalised = new Float32Array(n);
  let top = height, bottom = -1, left = width, right = -1;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const v = Math.min(Math.max((ink[y * width + x] - background) / (peak - background), 0), 1);
      normalised[y * width + x] = v;
      if (v > INK_THRESHOLD) (top = Math.min(top, y)), (bottom = Math.max(bottom, y));
      if (v > INK_THRESHOLD) (left = Math.min(left, x)), (right = Math.max(right, x));
    }
  }
  const h = bottom - top + 1, w = right - left + 1;
  const cropped = new Float32Array(h * w);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) cropped[y * w + x] = normalised[(top + y) * width + left + x];
  const scale = 20 / Math.max(h, w);
  const [fh, fw] = [Math.max(1, roundHalfEven(h * scale)), Math.max(1, roundHalfEven(w * scale))];
  const fitted = resize(cropped, h, w, fh, fw, scale < 1);
  return centreByMass(fitted, fh, fw);
}

function median(values) {
  values.sort((a, b) => a - b);
  const m = values.length >> 1;
  return values.length % 2 ? values[m] : (values[m - 1] + values[m]) / 2;
}

function roundHalfEven(v) {
  const r = Math.round(v);
  return Math.abs(v % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

// torch.nn.functional.interpolate(mode="bilinear", align_corners=False, antialias=...) of one channel, as two
// separable passes (rows, then columns), clamped to [0, 1].
function resize(a, h, w, oh, ow, antialias) {
  const rows = axisWeights(w, ow, antialias), columns = axisWeights(h, oh, antialias);
  const across = new Float64Array(h * ow);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < ow; x++) {
      const { start, weights } = rows[x];
      let s = 0;
      for (let k = 0; k < weights.length; k++) s += weights[k] * a[y * w + start + k];
      across[y * ow + x] = s;
    }
  }
  const out = new Float32Array(oh * ow);
  for (let y = 0; y < oh; y++) {
    const { start, weights } = columns[y];
    for (let x = 0; x < ow; x++) {
      let s = 0;
      for (let k = 0; k < weights.length; k++) s += weights[k] * across[(start + k) * ow + x];
      out[y * ow + x] = Math.min(Math.max(s, 0), 1);
    }
  }
  return out;
}

// Each output index's first input and weights along one axis: PyTorch's antialiased filter (a triangle as wide
// as the scale, normalised) when shrinking, else plain bilinear interpolation with align_corners=False.
function axisWeights(size, outSize, antialias) {
  const scale = size / outSize;
  const result = [];
  for (let i = 0; i < outSize; i++) {
    if (antialias) {
      const support = scale >= 1 ? scale : 1, invscale = scale >= 1 ? 1 / scale : 1;
      const centre = scale * (i + 0.5);
      const start = Math.max(Math.trunc(centre - support + 0.5), 0);
      const end = Math.min(Math.trunc(centre + support + 0.5), size);
      const weights = [];
      let total = 0;
      for (let j = start; j < end; j++) {
        const t = Math.abs((j - centre + 0.5) * invscale);
        const wt = t < 1 ? 1 - t : 0;
        weights.push(wt);
        total += wt;
      }
      result.push({ start, weights: weights.map((wt) => (total ? wt / total : 0)) });
    } else {
      const src = Math.max(scale * (i + 0.5) - 0.5, 0);
      const i0 = Math.floor(src), i1 = i0 < size - 1 ? i0 + 1 : i0;
      const l1 = src - i0;
      result.push(i1 === i0 ? { start: i0, weights: [1] } : { start: i0, weights: [1 - l1, l1] });
    }
  }
  return result;
}

function centreByMass(a, h, w) {
  let total = 0, cy = 0, cx = 0;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const v = a[y * w + x];
      (total += v), (cy += y * v), (cx += x * v);
    }
  }
  const top = Math.min(Math.max(roundHalfEven(14 - cy / total), 0), 28 - h);
  const left = Math.min(Math.max(roundHalfEven(14 - cx / total), 0), 28 - w);
  const out = new Float32Array(784);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) out[(top + y) * 28 + left + x] = a[y * w + x];
  return out;
}
