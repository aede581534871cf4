// A value scrubbed along latent paths, each path's digit decoded here, in the browser (decoder.js, put in front of
// this file), on every animation frame while the slider moves: t along an interpolation (lerp or slerp, both ends
// given) or one dimension of a traversal (a lerp between two codes that differ in that dimension only). Nothing goes
// to the server while it moves; where the page asks (data.reports), the t it is let go at is sent once, on release
// (the input's change event: the end of a drag, or a key). Where the page gives a plane (data.plane, JSON), the
// paths are drawn over the test digits' encoder means (plane.js), each with a point at t that moves with the slider.
// Streamlit calls the default export on every render; the scrubber lives on its root element.

// The paths' colours on the plane, in order, where the page gives none (data.plane.paths): the first in the text's
// colour (black, or white on a dark theme).
const PATH_COLOURS = [null, '#e6194b', '#3cb44b', '#4363d8'];
const CURVE_SEGMENTS = 96; // a slerp's arc, drawn as this many straight segments

export default function (component) {
  const { data, parentElement, setTriggerValue } = component;
  const root = parentElement.querySelector('.latent-scrub');
  root.scrub ??= makeScrub(root);
  root.scrub.send = data.reports ? (t) => setTriggerValue('release', t) : null;
  root.scrub.update(data);
}

function makeScrub(root) {
  const input = root.querySelector('input');
  const output = root.querySelector('output');
  const digits = root.querySelector('.digits');
  const status = root.querySelector('.status');
  const planeBox = root.querySelector('.plane');
  const [pointsCanvas, pathsCanvas] = planeBox.querySelectorAll('canvas');
  // Read by the browser tests; marks: each path's point at t on the plane, whose x and y run over +-limit.
  const stats = { redraws: 0, marks: [], limit: 0 };
  root.stats = stats;
  const s = {
    decoder: null, url: null, loading: false, paths: [], frame: 0, from: 0, to: 1, key: '',
    plane: null, planeText: '', points: null, pointsUrl: null, drawnPoints: '',
  };
  const say = (state, text) => {
    root.dataset.state = state;
    status.textContent = text;
  };

  function draw() {
    s.frame = 0;
    const t = Number(input.value);
    output.textContent = `${(s.from + t * (s.to - s.from)).toFixed(2)}`;
    for (const path of s.paths) (path.kind === 'slerp' ? slerp : lerp)(path.a, path.b, t, path.code);
    drawPlaneAndPaths();
    if (!s.decoder) return;
    for (const path of s.paths) {
      s.decoder.decodeInto(path.code, path.pixels);
      const rgba = path.image.data;
      for (let i = 0, j = 0; i < 784; i++, j += 4) {
        rgba[j] = rgba[j + 1] = rgba[j + 2] = path.pixels[i];
        rgba[j + 3] = 255;
      }
      path.ctx.putImageData(path.image, 0, 0);
    }
    stats.redraws++;
  }
  const schedule = () => {
    s.frame ||= requestAnimationFrame(draw);
  };
  input.addEventListener('input', schedule);
  input.addEventListener('change', () => scrub.send?.(Number(input.value)));
  input.addEventListener('keydown', (event) => event.stopPropagation()); // not a lesson's step keys
  new ResizeObserver(schedule).observe(pathsCanvas);

  // A code on the plane: its two dimensions for a 2-D model, else its projection A (z - m) (data.plane.projection).
  function onPlane(code) {
    const projection = s.plane.projection;
    if (!projection) return [code[0], code[1]];
    const [ax, ay] = projection.axes;
    let x = 0, y = 0;
    for (let i = 0; i < code.length; i++) {
      const d = code[i] - projection.mean[i];
      x += ax[i] * d;
      y += ay[i] * d;
    }
    return [x, y];
  }

  // A path's curve and its steps (as vae_core.lerp / slerp space them) on the plane: once per path and plane.
  function trace(path) {
    const code = new Float32Array(path.a.length);
    const at = (t) => {
      (path.kind === 'slerp' ? slerp : lerp)(path.a, path.b, t, code);
      return onPlane(code);
    };
    const n = s.plane.steps;
    path.curve = Array.from({ length: CURVE_SEGMENTS + 1 }, (_, k) => at(k / CURVE_SEGMENTS));
    path.marks = Array.from({ length: n }, (_, k) => at(n > 1 ? k / (n - 1) : 0));
  }

  // The points (redrawn only when they, the extent or the size change), then each path, its steps, the two ends
  // named, and the point at t on each path.
  function drawPlaneAndPaths() {
    if (!s.plane || !s.paths.length) return;
    const size = fit(pathsCanvas);
    if (!size) return; // not laid out yet: the resize observer draws it when it is
    const side = fit(pointsCanvas);
    const key = [s.pointsUrl, s.points ? 1 : 0, s.plane.limit, pointsCanvas.width].join();
    if (side && s.drawnPoints !== key) {
      s.drawnPoints = key;
      drawPlane(pointsCanvas, side, { ...s.plane, points: s.points });
    }
    const ctx = pathsCanvas.getContext('2d');
    const dpr = pathsCanvas.width / size;
    const px = ([x, y]) => toPixel(x, y, size, s.plane.limit);
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, size, size);
    ctx.lineJoin = ctx.lineCap = 'round';
    for (const path of s.paths) {
      ctx.strokeStyle = ctx.fillStyle = path.colour;
      ctx.lineWidth = 3;
      ctx.beginPath();
      path.curve.forEach((xy, k) => (k ? ctx.lineTo : ctx.moveTo).call(ctx, ...px(xy)));
      ctx.stroke();
      for (const xy of path.marks) {
        const [x, y] = px(xy);
        ctx.beginPath();
        ctx.arc(x, y, 3.5, 0, 2 * Math.PI);
        ctx.fill();
      }
    }
    const ends = s.paths[0].curve;
    const halo = getComputedStyle(pointsCanvas).backgroundColor, ink = getComputedStyle(root).color;
    [ends[0], ends[ends.length - 1]].forEach((xy, i) => endMark(ctx, ...px(xy), s.plane.ends[i], halo, ink));
    stats.marks = s.paths.map((path) => onPlane(path.code));
    stats.limit = s.plane.limit;
    s.paths.forEach((path, i) => ring(ctx, ...px(stats.marks[i]), 7, path.colour));
  }

  function showPlane(text) {
    if (text === s.planeText) return;
    s.planeText = text;
    s.plane = text ? JSON.parse(text) : null;
    planeBox.hidden = !s.plane;
    const legendBox = root.querySelector('.legend');
    legendBox.hidden = !s.plane;
    if (!s.plane) {
      delete root.dataset.plane;
      return;
    }
    root.dataset.plane = '';
    legend(legendBox, s.plane.classes, s.plane.colours);
    s.key = ''; // the paths are traced again on this plane
    if (s.plane.points !== s.pointsUrl) showPoints(s, s.plane.points, schedule);
  }

  function paths(data) {
    const key = JSON.stringify(data.paths);
    if (key === s.key) return;
    s.key = key;
    const text = getComputedStyle(root).color;
    s.paths = data.paths.map((p, i) => {
      const figure = document.createElement('figure');
      const canvas = document.createElement('canvas');
      canvas.width = canvas.height = 28;
      canvas.setAttribute('role', 'img');
      canvas.setAttribute('aria-label', `${p.name}, decoded in the browser`);
      const caption = document.createElement('figcaption');
      caption.textContent = p.name;
      figure.append(canvas, caption);
      const ctx = canvas.getContext('2d');
      if (!ctx) throw new Error('this browser cannot draw on a canvas');
      const code = new Float32Array(p.a.length);
      const colour = s.plane?.paths?.[i] ?? PATH_COLOURS[i % PATH_COLOURS.length] ?? text;
      if (s.plane) caption.style.setProperty('--c', colour); // the digit's path, by its colour on the plane
      const image = ctx.createImageData(28, 28);
      const path = { ...p, figure, ctx, image, pixels: new Uint8ClampedArray(784), code, colour };
      if (s.plane) trace(path);
      return path;
    });
    digits.replaceChildren(...s.paths.map((p) => p.figure));
    input.value = String(data.at);
  }

  function update(data) {
    s.from = data.values[0];
    s.to = data.values[1];
    root.querySelector('.name').textContent = data.label;
    input.setAttribute('aria-label', data.label);
    try {
      showPlane(data.plane ?? '');
      paths(data);
    } catch (error) {
      say('unavailable', `Decoding in the browser is unavailable here (${error.message}).`);
      return;
    }
    if (data.decoder !== s.url || (!s.decoder && !s.loading)) load(data.decoder, data.bytes);
    schedule();
  }

  function load(url, bytes) {
    s.url = url;
    s.decoder = null;
    s.loading = true;
    say('loading', `Loading this model's decoder (${(bytes / 2 ** 20).toFixed(1)} MB, once) ...`);
    sharedDecoder(url)
      .finally(() => url === s.url && (s.loading = false))
      .then((decoder) => {
        if (url !== s.url) return;
        s.decoder = decoder;
        root.dataset.decoder = url;
        say('ready', '');
        draw();
      })
      .catch((error) => {
        if (url === s.url) say('unavailable', `Decoding in the browser is unavailable here (${error.message}).`);
      });
  }

  const scrub = { update, send: null };
  return scrub;
}

function lerp(a, b, t, out) {
  for (let i = 0; i < out.length; i++) out[i] = (1 - t) * a[i] + t * b[i];
}

// As vae_core.slerp, for one t: the great circle from a to b with the norm interpolated linearly (in float64).
function slerp(a, b, t, out) {
  let na = 0, nb = 0, dot = 0;
  for (let i = 0; i < a.length; i++) (na += a[i] * a[i]), (nb += b[i] * b[i]), (dot += a[i] * b[i]);
  na = Math.sqrt(na);
  nb = Math.sqrt(nb);
  const omega = na < 1e-8 || nb < 1e-8 ? 0 : Math.acos(Math.max(-1, Math.min(1, dot / (na * nb))));
  if (omega < 1e-6) return lerp(a, b, t, out);
  const wa = Math.sin((1 - t) * omega) / Math.sin(omega) / na, wb = Math.sin(t * omega) / Math.sin(omega) / nb;
  const norm = (1 - t) * na + t * nb;
  for (let i = 0; i < out.length; i++) out[i] = (wa * a[i] + wb * b[i]) * norm;
}
