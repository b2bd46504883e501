// The page's logic: fills the class list from /v1/classes, sends dropped images to /v1/detect
// (one request per image, so the server batches them) or /v1/detect/batch (MuSc, few-shot),
// and shows the overlay PNG, score and verdict the server returns.
const $ = (id) => document.getElementById(id);
const state = { normals: [] };

function headers() {
  const key = $('apikey').value.trim();
  sessionStorage.setItem('aaclip-key', key);
  return key ? { Authorization: `Bearer ${key}` } : {};
}

async function loadClasses() {
  $('apikey').value = sessionStorage.getItem('aaclip-key') ?? '';
  const r = await fetch('/v1/classes', { headers: headers() });
  const body = await r.json();
  if (!r.ok) return setStatus(`${body.message}`, true);
  const sel = $('class');
  sel.replaceChildren(...body.classes.map((c) => new Option(c, c)));
  if (body.classes.includes('carpet')) sel.value = 'carpet';
}

function setStatus(text, error = false) {
  $('status').textContent = text;
  $('status').className = error ? 'error' : '';
}

function form(files, extra = {}) {
  const fd = new FormData();
  fd.append('className', $('class').value);
  fd.append('method', $('method').value);
  const th = $('threshold').value;
  if (th !== '') fd.append('threshold', th);
  for (const [k, v] of Object.entries(extra)) fd.append(k, v);
  for (const f of files) fd.append('image', f, f.name);
  if ($('method').value === 'few-shot') for (const f of state.normals) fd.append('normal', f, f.name);
  return fd;
}

function card(result, elapsed) {
  const div = document.createElement('div');
  div.className = 'card';
  div.dataset.name = result.name ?? '';
  const verdict = result.isAnomalous === undefined ? 'no threshold' : result.isAnomalous ? 'DEFECT' : 'OK';
  div.innerHTML = `<img alt="anomaly map"><div><b class="name"></b></div>
    <div>score <b class="score">${result.score.toFixed(4)}</b> <span class="verdict ${verdict.replace(' ', '-')}">${verdict}</span></div>
    <small>image ${result.imageScore.toFixed(3)} · map max ${result.mapMax.toFixed(3)}${result.threshold !== undefined ? ` · threshold ${result.threshold.toFixed(3)}` : ''} · ${elapsed}</small>`;
  div.querySelector('.name').textContent = result.name ?? '';
  if (result.mapPng) div.querySelector('img').src = `data:image/png;base64,${result.mapPng}`;
  return div;
}

async function post(path, fd) {
  const r = await fetch(path, { method: 'POST', body: fd, headers: headers() });
  const body = await r.json();
  if (!r.ok) throw new Error(`${r.status}: ${body.message}`);
  return body;
}

async function inspect(files) {
  files = [...files].filter((f) => f.size > 0);
  if (!files.length) return;
  const method = $('method').value;
  if (method === 'few-shot' && !state.normals.length) return setStatus('few-shot needs normal references: drop a few known-good images first', true);
  setStatus(`detecting ${files.length} image(s)...`);
  const t0 = performance.now();
  try {
    const responses = method === 'musc' ? [await post('/v1/detect/batch', form(files))] : await Promise.all(files.map((f) => post('/v1/detect', form([f]))));
    for (const r of responses) for (const res of r.results) $('results').prepend(card(res, `${r.ms} ms on ${r.backend}`));
    setStatus(`${files.length} image(s) in ${Math.round(performance.now() - t0)} ms`);
  } catch (e) {
    setStatus(e.message, true);
  }
}

function dropZone(zone, input, onFiles) {
  zone.addEventListener('dragover', (e) => { e.preventDefault(); zone.classList.add('over'); });
  zone.addEventListener('dragleave', () => zone.classList.remove('over'));
  zone.addEventListener('drop', (e) => { e.preventDefault(); zone.classList.remove('over'); onFiles(e.dataTransfer.files); });
  input.addEventListener('change', () => { onFiles(input.files); input.value = ''; });
}

dropZone($('drop'), $('input'), inspect);
dropZone($('normals-drop'), $('normals-input'), (files) => {
  state.normals.push(...[...files].filter((f) => f.size > 0));
  $('normals-list').textContent = `${state.normals.length} normal reference(s): ${state.normals.map((f) => f.name).join(', ')}`;
});
$('method').addEventListener('change', () => { $('normals-box').hidden = $('method').value !== 'few-shot'; });
$('apikey').addEventListener('change', loadClasses);
window.__aaclipServe = { inspect, state };
loadClasses().catch((e) => setStatus(e.message, true));
