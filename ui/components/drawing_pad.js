// The drawing pad: draw a white digit on black with mouse or finger. While it is drawn, every stroke segment is
// prepared as vae_core.preprocess prepares a drawing, encoded and decoded here in the browser (encoder.js,
// decoder.js, put in front of this file with plane.js): the plane below shows the posterior mean and its 1-sigma
// ellipse moving over the test digits' means, and the reconstruction beside it. Python hears nothing until the
// stroke ends; then the PNG goes to Python, which prepares, scores and places it as before.

export default function (component) {
  const { data, parentElement, setStateValue } = component;
  const root = parentElement.querySelector('.pad');
  root.pad ??= makePad(root);
  root.pad.send = (image) => setStateValue('image', image);
  root.pad.update(data);
}

function makePad(root) {
  const canvas = root.querySelector('.ink');
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  const live = root.querySelector('.live');
  const [pointsCanvas, posterior] = live.querySelectorAll('.plane canvas');
  const recon = live.querySelector('.recon canvas');
  const readout = live.querySelector('.readout');
  const status = root.querySelector('.status');
  const stats = { encodes: 0, encodeMs: [] }; // read by the browser tests and bench/encoder.py
  const s = {
    encoder: null, decoder: null, urls: '', wanted: null, points: null, pointsUrl: null, dims: [0, 1],
    names: ['z1', 'z2'], limit: 4, colours: [], drawing: false, frame: 0, posterior: null, drawnPoints: '',
    decoderUrl: null,
    compact: false, // beside a latent pad: no plane of its own, nothing sent to Python (the latent pad shows it)
  };
  const pad = { send: () => {}, stats };
  root.stats = stats;
  const say = (state, text) => {
    root.dataset.state = state;
    status.textContent = text;
  };

  if (!ctx) {
    say('unavailable', 'This browser cannot draw on a canvas, so there is nothing to draw on here.');
    live.hidden = true;
    pad.update = () => {};
    return pad;
  }
  const clear = () => {
    ctx.fillStyle = '#000';
    ctx.fillRect(0, 0, canvas.width, canvas.height);
  };
  if (!canvas.dataset.ready) {
    clear();
    canvas.dataset.ready = '1';
  }
  ctx.strokeStyle = '#fff';
  ctx.lineWidth = 22;
  ctx.lineCap = 'round';
  ctx.lineJoin = 'round';
  const at = (e) => {
    const r = canvas.getBoundingClientRect();
    return [((e.clientX - r.left) * canvas.width) / r.width, ((e.clientY - r.top) * canvas.height) / r.height];
  };
  const schedule = () => {
    s.frame ||= requestAnimationFrame(encodeDrawing);
  };
  canvas.onpointerdown = (e) => {
    s.drawing = true;
    loadWhenShown(); // if it still waits to be shown
    canvas.setPointerCapture(e.pointerId);
    const [x, y] = at(e);
    ctx.beginPath();
    ctx.moveTo(x, y);
    ctx.lineTo(x + 0.1, y);
    ctx.stroke();
    schedule();
  };
  canvas.onpointermove = (e) => {
    if (!s.drawing) return;
    const [x, y] = at(e);
    ctx.lineTo(x, y);
    ctx.stroke();
    schedule();
  };
  canvas.onpointerup = () => {
    if (!s.drawing) return;
    s.drawing = false;
    if (s.frame) cancelAnimationFrame(s.frame), encodeDrawing(); // the last segment's posterior, now
    announce(true);
    if (!s.compact) pad.send(canvas.toDataURL('image/png'));
  };
  // Tell a latent pad on the page (latent_pad.js) where this drawing's posterior is, for the same model.
  const announce = (final) => {
    if (!s.posterior || !s.decoderUrl) return;
    const { mean, sigma } = s.posterior;
    const detail = { decoder: s.decoderUrl, mean: Array.from(mean), sigma, final };
    window.dispatchEvent(new CustomEvent('vae:posterior', { detail }));
  };
  root.querySelector('button').onclick = () => {
    clear();
    s.posterior = null;
    drawLive();
    if (!s.compact) pad.send(null);
  };

  // The drawing as the model sees it, encoded: the posterior's mean and log-variance, and the mean decoded.
  function encodeDrawing() {
    s.frame = 0;
    if (!s.encoder) return;
    const t0 = performance.now();
    const input = prepareDrawing(ctx.getImageData(0, 0, canvas.width, canvas.height).data, canvas.width, canvas.height);
    if (!input) return; // nothing drawn yet
    const { mean, logvar } = s.encoder.encode(input);
    s.posterior = { mean: Float32Array.from(mean), sigma: Array.from(logvar, (v) => Math.exp(v / 2)) };
    announce(false);
    drawLive();
    stats.encodes++;
    stats.mean = Array.from(s.posterior.mean); // as announced
    stats.encodeMs.push(performance.now() - t0);
    if (stats.encodeMs.length > 2000) stats.encodeMs.splice(0, 1000);
  }

  function drawLive() {
    const size = fit(posterior);
    if (!size) return;
    fit(pointsCanvas);
    const key = [s.pointsUrl, s.points ? 1 : 0, s.limit, pointsCanvas.width].join();
    if (s.drawnPoints !== key) {
      s.drawnPoints = key;
      drawPlane(pointsCanvas, size, s);
    }
    const pctx = posterior.getContext('2d');
    const dpr = posterior.width / size;
    pctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    pctx.clearRect(0, 0, size, size);
    const rctx = recon.getContext('2d');
    if (!s.posterior) {
      rctx.clearRect(0, 0, 28, 28);
      readout.textContent = 'draw a digit above';
      return;
    }
    const { mean, sigma } = s.posterior;
    const [d0, d1] = s.dims;
    const [px, py] = toPixel(clamp(mean[d0], s.limit), clamp(mean[d1], s.limit), size, s.limit);
    const scale = size / (2 * s.limit);
    posteriorEllipse(pctx, px, py, sigma[d0] * scale, sigma[d1] * scale);
    pctx.beginPath();
    pctx.arc(px, py, 4, 0, 2 * Math.PI);
    pctx.fillStyle = '#e6194b';
    pctx.fill();
    readout.textContent =
      `μ = (${mean[d0].toFixed(2)}, ${mean[d1].toFixed(2)}), σ = (${sigma[d0].toFixed(2)}, ${sigma[d1].toFixed(2)})`;
    if (s.decoder) {
      const pixels = s.decoder.decode(mean);
      const image = rctx.createImageData(28, 28);
      for (let i = 0, j = 0; i < 784; i++, j += 4) {
        image.data[j] = image.data[j + 1] = image.data[j + 2] = pixels[i];
        image.data[j + 3] = 255;
      }
      rctx.putImageData(image, 0, 0);
    }
  }

  // The model's encoder and decoder (7 MB each for the default model), loaded once the pad can be seen: the
  // explorer's pad sits in a closed expander and Reconstruct's in a tab, and loading them at once made every
  // first visit fetch and read 7 MB more beside the latent pad's own decoder. A hidden pad waits until its
  // expander opens (the toggle event) or its tab is shown (the ResizeObserver below), or a pen touches it.
  function loadWhenShown() {
    const data = s.wanted;
    const urls = data ? [data.encoder, data.decoder].join() : '';
    if (!data || urls === s.urls) return;
    const mb = (data.bytes / 2 ** 20).toFixed(1);
    if (!(root.checkVisibility?.() ?? true) && !s.drawing) {
      say('waiting', `This model's encoder and decoder (${mb} MB) load when the pad is shown.`);
      const expander = root.getRootNode().host?.closest('details:not([open])');
      expander?.addEventListener('toggle', loadWhenShown, { once: true });
      return;
    }
    s.urls = urls;
    s.encoder = s.decoder = null;
    s.posterior = null;
    say('loading', `Loading this model's encoder and decoder (${mb} MB, once; your browser keeps them) ...`);
    Promise.all([sharedEncoder(data.encoder), data.decoder ? sharedDecoder(data.decoder) : null]).then(
      ([encoder, decoder]) => {
        if (urls !== s.urls) return;
        s.encoder = encoder;
        s.decoder = decoder;
        say('ready', s.compact
          ? 'While you draw, your browser encodes the drawing: the latent pad shows its posterior (mean and 1σ) '
            + 'and decodes the mean.'
          : 'While you draw, your browser encodes the drawing: the red ellipse is its posterior (mean and 1σ) '
            + 'over the test digits\' means, and beside it the mean decoded.');
        encodeDrawing();
        drawLive();
      },
      (error) => {
        if (urls !== s.urls) return;
        live.hidden = true;
        say('unavailable', `The live posterior is unavailable here (${error.message}); the server still `
          + 'reconstructs the drawing when you lift the pen.');
      },
    );
  }

  pad.update = (data) => {
    if (!data || !data.encoder) {
      live.hidden = true;
      s.encoder = s.decoder = null;
      s.urls = '';
      s.wanted = null;
      say('drawing', data && data.why ? data.why : '');
      return;
    }
    s.dims = data.dims;
    s.names = data.names;
    s.decoderUrl = data.decoder;
    s.compact = Boolean(data.compact);
    root.toggleAttribute('data-compact', s.compact);
    s.limit = data.limit;
    s.colours = data.colours;
    legend(live.querySelector('.legend'), data.classes, data.colours);
    live.hidden = s.compact;
    if (data.points !== s.pointsUrl) {
      s.pointsUrl = data.points;
      s.points = null;
      loadPoints(data.points).then(
        (points) => {
          if (data.points !== s.pointsUrl) return;
          s.points = points;
          drawLive();
        },
        () => {}, // the plane works without the points
      );
    }
    s.wanted = data;
    loadWhenShown();
    drawLive();
  };
  new ResizeObserver(() => drawLive()).observe(posterior);
  new ResizeObserver(() => loadWhenShown()).observe(root);
  return pad;
}
