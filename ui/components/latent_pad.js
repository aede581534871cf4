// The latent pad: a point on the 2-D latent plane (the test digits' encoder means drawn beneath), dragged with mouse,
// finger or arrow keys; the digit beside it is decoded here, in the browser (decoder.js, put in front of this file),
// on every animation frame while it moves. Python hears nothing during a drag: on release (or 0.4 s after the last
// arrow key) the point, snapped to the sliders' step, goes to Python as the trigger "release", and the app's sliders,
// its server-side image and the link follow. When Python moves z (a slider, a link), the point follows.
//
// Streamlit calls the default export on every render, with new data; the pad itself (its listeners, the loaded
// decoder, the drawing) lives on the root element and is made once.

// A touch screen (no hover, a coarse pointer: the test ui/style.css makes too) is told about fingers, not keys.
const TOUCH = window.matchMedia("(hover: none) and (pointer: coarse)");

export default function (component) {
  const { data, parentElement, setTriggerValue } = component;
  const root = parentElement.querySelector('.latent-pad');
  root.pad ??= makePad(root);
  root.pad.send = (z) => setTriggerValue('release', z);
  root.pad.update(data);
}

function makePad(root) {
  const [pointsCanvas, marker] = root.querySelectorAll('.plane canvas');
  const digit = root.querySelector('.digit canvas');
  const readout = root.querySelector('.readout');
  const status = root.querySelector('.status');
  const digitCtx = digit.getContext('2d');
  const markerCtx = marker.getContext('2d');
  const pointsCtx = pointsCanvas.getContext('2d');
  const image = digitCtx && digitCtx.createImageData(28, 28);
  const pixels = new Uint8ClampedArray(784);
  const stats = { redraws: 0, decodeMs: [] }; // read by bench/decoder.py and the browser tests (times: ms)
  const s = {
    decoder: null, decoderUrl: null, pointsUrl: null, points: null, dims: [0, 1], names: ['z1', 'z2'],
    base: new Float32Array(2), code: new Float32Array(2), limit: 4, step: 0.1, z: [0, 0], fromPython: null,
    dragging: false, loading: false, frame: 0, keyTimer: 0, drawnPoints: '', colours: [], bytes: 0,
    posterior: null, // a drawing's posterior ({mean, sigma}) from a drawing pad on the page, shown until a drag
    shown: null, // where to say the digit is drawn (or cannot be), once: a URL while the server waits for it
  };
  const pad = { send: () => {}, stats };
  root.stats = stats;

  const say = (state, text) => {
    root.dataset.state = state;
    status.textContent = text;
    if (state !== 'loading' && s.shown) { // a fresh server waits for this before it imports torch (server/first_view.py)
      fetch(s.shown, { method: 'POST' }).catch(() => {});
      s.shown = null;
    }
  };
  if (!digitCtx || !markerCtx || !pointsCtx) {
    say('unavailable', 'This browser cannot draw on a canvas: move z with the sliders below.');
    pad.update = () => {};
    return pad;
  }

  // Latent <-> canvas pixels (CSS pixels of the marker canvas; y up).
  const toLatent = (clientX, clientY) => {
    const r = marker.getBoundingClientRect();
    const x = ((clientX - r.left) / r.width) * 2 * s.limit - s.limit;
    const y = s.limit - ((clientY - r.top) / r.height) * 2 * s.limit;
    return [clamp(x, s.limit), clamp(y, s.limit)];
  };

  const schedule = () => {
    s.frame ||= requestAnimationFrame(draw);
  };

  function draw() {
    s.frame = 0;
    if (s.decoder) {
      const t0 = performance.now();
      s.code.set(s.posterior ? s.posterior.mean : s.base);
      s.code[s.dims[0]] = s.z[0];
      s.code[s.dims[1]] = s.z[1];
      s.decoder.decodeInto(s.code, pixels);
      for (let i = 0, j = 0; i < 784; i++, j += 4) {
        image.data[j] = image.data[j + 1] = image.data[j + 2] = pixels[i];
        image.data[j + 3] = 255;
      }
      digitCtx.putImageData(image, 0, 0);
      stats.redraws++;
      stats.decodeMs.push(performance.now() - t0);
      if (stats.decodeMs.length > 2000) stats.decodeMs.splice(0, 1000);
    }
    drawMarker();
    readout.textContent = `${s.names[0]} = ${s.z[0].toFixed(2)}, ${s.names[1]} = ${s.z[1].toFixed(2)}`
      + (s.posterior ? ': your drawing\'s posterior mean, decoded' : '');
  }

  function drawMarker() {
    const size = fit(marker);
    if (!size) return; // not laid out (a hidden tab): the resize observer draws it when it is
    const dpr = marker.width / size;
    markerCtx.setTransform(dpr, 0, 0, dpr, 0, 0);
    markerCtx.clearRect(0, 0, size, size);
    const [px, py] = toPixel(s.z[0], s.z[1], size, s.limit);
    if (s.posterior) { // the drawing's 1-sigma ellipse round its mean
      const scale = size / (2 * s.limit);
      posteriorEllipse(markerCtx, px, py, s.posterior.sigma[s.dims[0]] * scale, s.posterior.sigma[s.dims[1]] * scale);
    }
    markerCtx.strokeStyle = 'rgba(230, 25, 75, .45)';
    markerCtx.lineWidth = 1;
    cross(markerCtx, px, py, size);
    ring(markerCtx, px, py, 8, '#e6194b');
    const side = fit(pointsCanvas);
    if (side && s.drawnPoints !== pointsKey()) drawPoints(side);
  }

  const pointsKey = () => [s.pointsUrl, s.points ? 1 : 0, s.limit, pointsCanvas.width].join();

  // The test digits' encoder means (the two chosen dimensions), coloured by label; axes and the +-3 square.
  function drawPoints(size) {
    s.drawnPoints = pointsKey();
    drawPlane(pointsCanvas, size, s);
  }

  const snap = (v) => clamp(Number((Math.round(v / s.step) * s.step).toFixed(4)), s.limit);
  const release = () => {
    s.z = s.z.map(snap);
    schedule();
    pad.send([s.z[0], s.z[1]]);
  };
  const moveTo = (event) => {
    s.z = toLatent(event.clientX, event.clientY);
    schedule();
  };

  marker.addEventListener('pointerdown', (event) => {
    if (event.pointerType === 'mouse' && event.button !== 0) return;
    event.preventDefault();
    marker.focus({ preventScroll: true });
    marker.setPointerCapture(event.pointerId);
    s.dragging = true;
    s.posterior = null;
    root.dataset.dragging = '';
    moveTo(event);
  });
  marker.addEventListener('pointermove', (event) => s.dragging && moveTo(event));
  const end = (event) => {
    if (!s.dragging) return;
    s.dragging = false;
    delete root.dataset.dragging;
    if (event.type === 'pointerup') moveTo(event);
    release();
  };
  marker.addEventListener('pointerup', end);
  marker.addEventListener('pointercancel', end);
  marker.addEventListener('keydown', (event) => {
    const move = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, 1], ArrowDown: [0, -1] }[event.key];
    if (!move) return;
    event.preventDefault();
    event.stopPropagation(); // a lesson's step keys (ui/components/step_keys.js) must not see them
    const by = s.step * (event.shiftKey ? 10 : 1);
    s.z = [snap(s.z[0] + move[0] * by), snap(s.z[1] + move[1] * by)];
    schedule();
    clearTimeout(s.keyTimer);
    s.keyTimer = setTimeout(release, 400);
  });
  new ResizeObserver(schedule).observe(marker);
  // A drawing pad on the page (drawing_pad.js) announces each posterior it computes for this model's decoder: the
  // point goes to the mean, the ellipse round it, the digit is the mean decoded; when the pen lifts, the point
  // is released as after a drag, so the sliders and the server follow.
  window.addEventListener('vae:posterior', (event) => {
    const { decoder, mean, sigma, final } = event.detail;
    if (decoder !== s.decoderUrl || s.dragging || mean.length !== s.base.length) return;
    s.posterior = { mean: Float32Array.from(mean), sigma };
    s.z = s.dims.map((d) => clamp(mean[d], s.limit));
    schedule();
    if (final) release();
  });

  pad.update = (data) => {
    s.shown = data.shown ?? null;
    s.limit = data.limit;
    s.step = data.step;
    s.dims = data.dims;
    s.names = data.names;
    s.colours = data.colours;
    s.bytes = data.bytes;
    if (s.base.length !== data.base.length) s.code = new Float32Array(data.base.length);
    s.base = Float32Array.from(data.base);
    legend(root.querySelector('.legend'), data.classes, data.colours);
    if (data.decoder !== s.decoderUrl || (!s.decoder && !s.loading)) loadDecoder(data.decoder);
    if (data.points !== s.pointsUrl) showPoints(s, data.points, schedule);
    const z = data.z.join();
    if (z !== s.fromPython && !s.dragging) s.z = [...data.z];
    s.fromPython = z;
    schedule();
  };

  function loadDecoder(url) {
    s.decoderUrl = url;
    s.decoder = null;
    s.loading = true;
    const mb = (s.bytes / 2 ** 20).toFixed(1);
    say('loading', `Loading this model's decoder (${mb} MB, once; your browser keeps it) ...`);
    stats.loadStartAt = performance.now();
    sharedDecoder(url).finally(() => url === s.decoderUrl && (s.loading = false)).then(
      (decoder) => {
        if (url !== s.decoderUrl) return;
        stats.loadedAt = performance.now();
        if (decoder.latentDim !== s.base.length) throw new Error('the decoder does not fit this model');
        s.decoder = decoder;
        root.dataset.decoder = url;
        say('ready', TOUCH.matches ? 'Drag the point with your finger.'
            : 'Drag the point, or click the pad and use the arrow keys (Shift: ×10).');
        draw(); // now, not at the next frame: "ready" means the digit is on screen
        stats.readyAt = performance.now();
      },
      (error) => {
        if (url !== s.decoderUrl) return;
        say('unavailable', `Live decoding is unavailable here (${error.message}). `
          + 'Move z with the sliders below, or click the pad: the server draws the digit.');
      },
    ).catch((error) => say('unavailable', `Live decoding is unavailable here (${error.message}).`));
  }

  return pad;
}
