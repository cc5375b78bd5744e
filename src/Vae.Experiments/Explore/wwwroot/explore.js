// vae explore: the page's whole script. It asks the server (same origin, JSON) for the run's facts and the latent map,
// then decodes on the server: a hovered or dragged map point, slider values, an interpolation, prior samples.
"use strict";

const COLOURS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"];
const $ = id => document.getElementById(id);
const state = { info: null, map: null, bounds: null, points: null, current: null, ends: [], pending: null, busy: false, times: [] };

async function api(path, body) {
  const options = body === undefined ? {} : { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) };
  const response = await fetch(path, options);
  const json = await response.json();
  if (!response.ok) throw new Error(json.error || response.statusText);
  return json;
}

function say(text) { $("status").textContent = text; }

// ---- images: base64 bytes (rows, columns, channels) drawn onto a canvas, scaled without smoothing ----
function drawImage(canvas, base64) {
  const { width, height, channels } = state.info;
  const bytes = Uint8Array.from(atob(base64), c => c.charCodeAt(0));
  const small = document.createElement("canvas");
  small.width = width; small.height = height;
  const ctx = small.getContext("2d");
  const pixels = ctx.createImageData(width, height);
  for (let i = 0; i < width * height; i++) {
    for (let c = 0; c < 3; c++) pixels.data[4 * i + c] = bytes[i * channels + (channels === 3 ? c : 0)];
    pixels.data[4 * i + 3] = 255;
  }
  ctx.putImageData(pixels, 0, 0);
  const target = canvas.getContext("2d");
  target.imageSmoothingEnabled = false;
  target.drawImage(small, 0, 0, canvas.width, canvas.height);
}

function imageCanvas(base64, size, className) {
  const canvas = document.createElement("canvas");
  canvas.width = canvas.height = size;
  canvas.className = className;
  drawImage(canvas, base64);
  return canvas;
}

// ---- the map: test-set posterior means (or their first two principal components), one colour per class ----
function mapToCanvas(x, y) {
  const b = state.bounds, c = $("map");
  return [(x - b.x0) / (b.x1 - b.x0) * c.width, (1 - (y - b.y0) / (b.y1 - b.y0)) * c.height];
}

function canvasToMap(px, py) {
  const b = state.bounds, c = $("map");
  return [b.x0 + px / c.width * (b.x1 - b.x0), b.y0 + (1 - py / c.height) * (b.y1 - b.y0)];
}

function drawPoints() {
  const { x, y, labels } = state.map, c = $("map");
  const lo = a => Math.min(...a), hi = a => Math.max(...a), pad = (a, b) => (b - a) * 0.03 || 1;
  const [x0, x1, y0, y1] = [lo(x), hi(x), lo(y), hi(y)];
  state.bounds = { x0: x0 - pad(x0, x1), x1: x1 + pad(x0, x1), y0: y0 - pad(y0, y1), y1: y1 + pad(y0, y1) };
  const layer = document.createElement("canvas");
  layer.width = c.width; layer.height = c.height;
  const ctx = layer.getContext("2d");
  ctx.globalAlpha = 0.6;
  for (let i = 0; i < x.length; i++) {
    const [px, py] = mapToCanvas(x[i], y[i]);
    ctx.fillStyle = COLOURS[labels[i] % COLOURS.length];
    ctx.fillRect(px - 1, py - 1, 2.5, 2.5);
  }
  state.points = layer;
  c.dataset.points = x.length;
  redrawMap();
}

function redrawMap(cursor) {
  const c = $("map"), ctx = c.getContext("2d");
  ctx.clearRect(0, 0, c.width, c.height);
  ctx.drawImage(state.points, 0, 0);
  const mark = (p, colour, label) => {
    if (!p) return;
    ctx.strokeStyle = colour; ctx.lineWidth = 2;
    ctx.beginPath(); ctx.arc(p[0], p[1], 7, 0, 2 * Math.PI); ctx.stroke();
    if (label) { ctx.fillStyle = colour; ctx.font = "bold 13px sans-serif"; ctx.fillText(label, p[0] + 9, p[1] - 9); }
  };
  state.ends.forEach((e, i) => mark(e.at, "#000", i === 0 ? "A" : "B"));
  if (state.ends.length === 2) {
    ctx.strokeStyle = "#000"; ctx.setLineDash([4, 4]);
    ctx.beginPath(); ctx.moveTo(...state.ends[0].at); ctx.lineTo(...state.ends[1].at); ctx.stroke(); ctx.setLineDash([]);
  }
  mark(cursor, "#e91e63");
}

function drawLegend() {
  $("legend").replaceChildren(...state.info.classNames.map((name, i) => {
    const li = document.createElement("li");
    li.textContent = name;
    li.style.setProperty("--c", COLOURS[i % COLOURS.length]);
    return li;
  }));
}

// The latent vector behind a map position: the position itself, or the PCA mean plus the two directions.
function latentAt(mx, my) {
  const info = state.info;
  if (info.projection === "latent") return info.latentDim === 1 ? [mx] : [mx, my];
  return info.pcaMean.map((m, j) => m + mx * info.pcaBasis[0][j] + my * info.pcaBasis[1][j]);
}

// The nearest test image within 6 pixels of a canvas position, or -1.
function nearestPoint(px, py) {
  const { x, y } = state.map;
  let best = -1, bestD = 36;
  for (let i = 0; i < x.length; i++) {
    const [qx, qy] = mapToCanvas(x[i], y[i]);
    const d = (qx - px) ** 2 + (qy - py) ** 2;
    if (d < bestD) { best = i; bestD = d; }
  }
  return best;
}

// ---- live decoding: one request in flight; while it runs only the newest point waits ----
function decode(z, label) {
  state.current = z;
  $("point").textContent = label;
  showSliders(z);
  state.pending = z;
  if (!state.busy) sendPending();
}

async function sendPending() {
  const z = state.pending;
  state.pending = null;
  state.busy = true;
  const started = performance.now();
  try {
    const reply = await api("/api/decode", { z: [z] });
    const canvas = $("decoded");
    drawImage(canvas, reply.images[0]);
    canvas.dataset.decodes = Number(canvas.dataset.decodes || 0) + 1;
    state.times.push(performance.now() - started);
    if (state.times.length > 20) state.times.shift();
    const mean = state.times.reduce((a, b) => a + b, 0) / state.times.length;
    say(`decode round trip ${mean.toFixed(1)} ms (mean of the last ${state.times.length}; about ${Math.round(1000 / mean)} per second)`);
  } catch (e) { say(`decode failed: ${e.message}`); }
  state.busy = false;
  if (state.pending) sendPending();
}

function showSliders(z) {
  const box = $("sliders");
  if (!state.info.limits.sliders) { box.textContent = `${z.length} latent dimensions: too many for sliders`; return; }
  if (box.children.length !== 3 * z.length) {
    box.replaceChildren();
    z.forEach((_, j) => {
      const name = document.createElement("span"), input = document.createElement("input"), value = document.createElement("span");
      name.textContent = `z${j + 1}`;
      Object.assign(input, { type: "range", min: -4, max: 4, step: 0.01 });
      input.addEventListener("input", () => {
        const next = [...state.current];
        next[j] = Number(input.value);
        decode(next, "from the sliders");
      });
      box.append(name, input, value);
    });
  }
  z.forEach((v, j) => {
    box.children[3 * j + 1].value = v;
    box.children[3 * j + 2].textContent = v.toFixed(2);
  });
}

// ---- interpolation between two chosen ends ----
async function choose(z, at, label) {
  if (state.ends.length === 2) state.ends = [];
  state.ends.push({ z, at, label });
  redrawMap();
  if (state.ends.length < 2) { $("ends").textContent = `A = ${label}; click a second point`; return; }
  const [a, b] = state.ends, steps = 10;
  $("ends").textContent = `A = ${a.label} → B = ${b.label}, ${steps} steps`;
  const zs = Array.from({ length: steps }, (_, k) => a.z.map((v, j) => v + (b.z[j] - v) * k / (steps - 1)));
  try {
    const reply = await api("/api/decode", { z: zs });
    $("strip").replaceChildren(...reply.images.map(img => imageCanvas(img, 40, "frame")));
  } catch (e) { say(`interpolation failed: ${e.message}`); }
}

async function chooseImage(index) {
  const reply = await api(`/api/latent?index=${index}`);
  const at = mapToCanvas(state.map.x[index], state.map.y[index]);
  await choose(reply.z, at, `test image ${index} (${state.info.classNames[reply.label]})`);
  return reply.z;
}

// ---- prior samples from a seed shown on the page ----
async function sample() {
  const seed = Math.max(0, Math.floor(Number($("seed").value) || 0));
  try {
    const reply = await api("/api/sample", { seed, count: 16 });
    $("samples").replaceChildren(...reply.images.map(img => imageCanvas(img, 48, "sample")));
    $("sample-seed").textContent = `16 samples from N(0, I), seed ${reply.seed} (as vae sample --seed ${reply.seed} --count 16)`;
  } catch (e) { say(`sampling failed: ${e.message}`); }
}

// ---- the run's facts ----
function showFacts() {
  const i = state.info, t = i.test;
  const rows = [
    ["dataset", i.dataset], ["checkpoint", i.checkpoint], ["latent", `${i.latentDim}`],
    ["architecture", `${i.model.architecture}, channels ${i.model.convChannels.join(", ")}, hidden ${i.model.hiddenDim}`],
    ["epochs", `${i.epochs}`], ["optimizer", `${i.training.optimizer}, lr ${i.training.learningRate}, ${i.training.schedule}, batch ${i.training.batchSize}`],
    ["test −ELBO", t ? `${t.total.toFixed(2)} nats (reconstruction ${t.reconstruction.toFixed(2)} + KL ${t.kl.toFixed(2)})` : "not evaluated"],
    ["map", `${i.points.toLocaleString("en")} test images`],
  ];
  $("facts").replaceChildren(...rows.flatMap(([k, v]) => {
    const dt = document.createElement("dt"), dd = document.createElement("dd");
    dt.textContent = k; dd.textContent = v;
    return [dt, dd];
  }));
  if (i.metrics) $("metrics").textContent = i.metrics; else $("metrics").remove();
  $("run").textContent = `${i.dataset}, latent ${i.latentDim}`;
  $("projection").textContent = i.projection === "pca"
    ? `PCA of the ${i.latentDim}-D posterior means: ${i.axes[0]}, ${i.axes[1]}`
    : `posterior means: ${i.axes[0]} →, ${i.axes[1]} ↑`;
}

// ---- wiring ----
function mapEvents() {
  const c = $("map");
  const position = e => { const r = c.getBoundingClientRect(); return [e.clientX - r.left, e.clientY - r.top]; };
  c.addEventListener("mousemove", e => {
    const [px, py] = position(e), [mx, my] = canvasToMap(px, py);
    redrawMap([px, py]);
    decode(latentAt(mx, my), `map (${mx.toFixed(2)}, ${my.toFixed(2)})`);
  });
  c.addEventListener("click", e => {
    const [px, py] = position(e), index = nearestPoint(px, py);
    if (index >= 0) chooseImage(index);
    else { const [mx, my] = canvasToMap(px, py); choose(latentAt(mx, my), [px, py], `(${mx.toFixed(2)}, ${my.toFixed(2)})`); }
  });
  $("sample").addEventListener("click", sample);
}

async function main() {
  try {
    state.info = await api("/api/info");
    state.map = await api("/api/map");
    showFacts();
    drawLegend();
    drawPoints();
    mapEvents();
    // A start that shows every part: test image 0 decoded, interpolated to test image 1, and samples of seed 1.
    const first = await chooseImage(0);
    await chooseImage(1);
    decode(first, `test image 0 (${state.info.classNames[state.map.labels[0]]})`);
    await sample();
    say("ready: hover over the map");
  } catch (e) { say(`could not load: ${e.message}`); }
}

main();
