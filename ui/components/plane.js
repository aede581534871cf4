// The latent plane both pads draw on (latent_pad.js, drawing_pad.js; served after decoder.js in one module): the test
// digits' encoder means in two dimensions, coloured by label, with axes and the +-3 square; the points file, fetched
// once per URL for the page; the legend; and canvas sizing.

const POINTS_KEEP = 8;

// Latent (x, y) -> CSS pixels on a square canvas of side `size` showing [-limit, limit]^2, y up.
function toPixel(x, y, size, limit) {
  return [((x + limit) / (2 * limit)) * size, ((limit - y) / (2 * limit)) * size];
}

// The points, axes, +-3 square (where `square`: the prior's, meaningless on a projection) and axis names on `canvas`
// (its CSS side `size`).
function drawPlane(canvas, size, { limit, names, points, colours, square = true }) {
  const ctx = canvas.getContext('2d');
  const dpr = canvas.width / size;
  const at = (x, y) => toPixel(x, y, size, limit);
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.clearRect(0, 0, size, size);
  ctx.strokeStyle = 'rgba(128, 128, 128, .6)';
  ctx.lineWidth = 1;
  const [x0, y0] = at(0, 0);
  cross(ctx, x0, y0, size);
  const [a, b] = at(-3, 3);
  const [c] = at(3, 3);
  if (square) {
    ctx.setLineDash([4, 4]);
    ctx.strokeRect(a, b, c - a, c - a);
    ctx.setLineDash([]);
  }
  if (points) {
    const { x, y, label } = points;
    const dot = size > 300 ? 2.2 : 1.8;
    ctx.globalAlpha = 0.55;
    for (let k = 0; k < colours.length; k++) {
      ctx.fillStyle = colours[k];
      for (let i = 0; i < label.length; i++) {
        if (label[i] !== k) continue;
        const [px, py] = at(x[i], y[i]);
        ctx.fillRect(px - dot / 2, py - dot / 2, dot, dot);
      }
    }
    ctx.globalAlpha = 1;
  }
  // Labels with a halo of the background, readable over the points.
  ctx.font = '12px sans-serif';
  ctx.lineWidth = 3;
  ctx.strokeStyle = getComputedStyle(canvas).backgroundColor;
  ctx.fillStyle = 'rgba(110, 110, 110, 1)';
  const caption = (text, x, y, align) => {
    ctx.textAlign = align;
    ctx.strokeText(text, x, y);
    ctx.fillText(text, x, y);
  };
  caption(`${names[0]} →`, size - 4, y0 - 5, 'right');
  caption(`↑ ${names[1]}`, x0 + 5, 13, 'left');
  if (square) caption('±3', c - 3, b + 13, 'right');
}

// A vertical and a horizontal line across the square canvas through (x, y), in the context's current stroke.
function cross(ctx, x, y, size) {
  ctx.beginPath();
  ctx.moveTo(x, 0);
  ctx.lineTo(x, size);
  ctx.moveTo(0, y);
  ctx.lineTo(size, y);
  ctx.stroke();
}

// A posterior's 1-sigma ellipse round its mean at (x, y), radii in CSS pixels (at least 1, so it shows).
function posteriorEllipse(ctx, x, y, rx, ry) {
  ctx.beginPath();
  ctx.ellipse(x, y, Math.max(rx, 1), Math.max(ry, 1), 0, 0, 2 * Math.PI);
  ctx.fillStyle = 'rgba(230, 25, 75, .15)';
  ctx.fill();
  ctx.lineWidth = 2;
  ctx.strokeStyle = '#e6194b';
  ctx.stroke();
}

// The points file at url, parsed (a promise; null without a url). One fetch per URL for the whole page.
function loadPoints(url) {
  if (!url) return Promise.resolve(null);
  const cache = (window.__vaePoints ??= new Map());
  if (!cache.has(url)) {
    const entry = fetch(url).then((r) => (r.ok ? r.arrayBuffer() : Promise.reject(new Error(r.status))));
    entry.then(null, () => cache.delete(url));
    cache.set(url, entry);
    while (cache.size > POINTS_KEEP) cache.delete(cache.keys().next().value);
  }
  return cache.get(url).then(parsePoints);
}

// The points at `url` for a pad or scrubber whose state `s` holds its pointsUrl and points; `redraw` once they come.
// A later URL wins; the plane works without the points if they cannot be had.
function showPoints(s, url, redraw) {
  s.pointsUrl = url;
  s.points = null;
  loadPoints(url).then(
    (points) => {
      if (url !== s.pointsUrl) return;
      s.points = points;
      redraw();
    },
    () => {},
  );
}

// The points file (ui/derived.py): uint32 N, then N float32 x, N float32 y, N uint8 labels, little-endian.
function parsePoints(buffer) {
  const n = new DataView(buffer).getUint32(0, true);
  return {
    x: new Float32Array(buffer, 4, n),
    y: new Float32Array(buffer, 4 + 4 * n, n),
    label: new Uint8Array(buffer, 4 + 8 * n, n),
  };
}

function legend(element, classes, colours) {
  const key = classes.join('\u0000');
  if (element.dataset.key === key) return;
  element.dataset.key = key;
  element.replaceChildren(
    ...classes.map((name, i) => {
      const span = document.createElement('span');
      span.textContent = name;
      span.style.setProperty('--c', colours[i % colours.length]);
      return span;
    }),
  );
}

// The canvas's backing store sized to its CSS size times the device pixel ratio; returns the CSS size (0 if hidden).
function fit(canvas) {
  const size = canvas.clientWidth;
  const want = Math.round(size * (window.devicePixelRatio || 1));
  if (size && canvas.width !== want) canvas.width = canvas.height = want;
  return size;
}

function clamp(v, limit) {
  return Math.max(-limit, Math.min(limit, v));
}

// A point to follow: a white disc of `radius` CSS pixels at (x, y) in a ring of `colour`.
function ring(ctx, x, y, radius, colour) {
  ctx.beginPath();
  ctx.arc(x, y, radius, 0, 2 * Math.PI);
  ctx.fillStyle = '#fff';
  ctx.fill();
  ctx.lineWidth = 3;
  ctx.strokeStyle = colour;
  ctx.stroke();
}

// A path's end: a gold diamond at (x, y) on the canvas, named above it in the colour `ink` over a halo of `halo`.
function endMark(ctx, x, y, name, halo, ink) {
  ctx.beginPath();
  ctx.moveTo(x, y - 9);
  ctx.lineTo(x + 9, y);
  ctx.lineTo(x, y + 9);
  ctx.lineTo(x - 9, y);
  ctx.closePath();
  ctx.fillStyle = 'gold';
  ctx.fill();
  ctx.lineWidth = 2;
  ctx.strokeStyle = '#000';
  ctx.stroke();
  ctx.font = 'bold 13px sans-serif';
  ctx.textAlign = 'center';
  ctx.lineWidth = 3;
  ctx.strokeStyle = halo;
  ctx.strokeText(name, x, y - 13);
  ctx.fillStyle = ink;
  ctx.fillText(name, x, y - 13);
}
