// A value scrubbed along latent paths, each path's digit decoded here, in the browser (decoder.js, put in front of
// this file), on every animation frame while the slider moves: t along an interpolation (lerp or slerp, both ends
// given) or one dimension of a traversal (a lerp between two codes that differ in that dimension only). Nothing goes
// to the server while it moves; where the page asks (data.reports), the t it is let go at is sent once, on release
// (the input's change event: the end of a drag, or a key). Streamlit calls the default export on every render; the
// scrubber lives on its root element.

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
  const stats = { redraws: 0 }; // read by the browser tests
  root.stats = stats;
  const s = { decoder: null, url: null, loading: false, paths: [], frame: 0, from: 0, to: 1, key: '' };
  const say = (state, text) => {
    root.dataset.state = state;
    status.textContent = text;
  };

  function draw() {
    s.frame = 0;
    const t = Number(input.value);
    output.textContent = `${(s.from + t * (s.to - s.from)).toFixed(2)}`;
    if (!s.decoder) return;
    for (const path of s.paths) {
      (path.kind === 'slerp' ? slerp : lerp)(path.a, path.b, t, path.code);
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

  function paths(data) {
    const key = JSON.stringify(data.paths);
    if (key === s.key) return;
    s.key = key;
    s.paths = data.paths.map((p) => {
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
      return { ...p, figure, ctx, image: ctx.createImageData(28, 28), pixels: new Uint8ClampedArray(784), code };
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
