
// kneeclick's recorder (components v2): raw sound from the microphone, no voice processing, as a WAV.
//
// getUserMedia with echoCancellation, noiseSuppression and autoGainControl off; an AudioWorklet copies the
// samples at the microphone's own rate (the track's sampleRate when the browser reports it); Stop builds a
// 16-bit mono WAV, keeps it in IndexedDB under this test's key (idb.js) and hands it to Python as base64
// (components v2 passes JSON only). On mount, a recording kept for this test that Python does not hold
// (the page was reloaded) is handed over again. Problems are reported as a state value, "problem", that
// Python turns into a plain message: insecure, unsupported, denied, no_device, busy, failed.
//
// Only fixed strings are written into the page, always with textContent.

const MAX_SECONDS_DEFAULT = 180;
const BLOCK = 2048;  // samples per message from the worklet (~43 ms at 48 kHz)
const METER_FLOOR_DB = -60;

const WORKLET = `
class KneeclickTap extends AudioWorkletProcessor {
  constructor() {
    super();
    this.buf = new Float32Array(${BLOCK});
    this.n = 0;
    this.peak = 0;
    this.port.onmessage = () => {  // "flush": send the last, partial block
      this.port.postMessage({ samples: this.buf.slice(0, this.n), peak: this.peak, last: true });
      this.n = 0;
      this.peak = 0;
    };
  }
  process(inputs) {
    const ch = inputs[0] && inputs[0][0];
    if (ch) {
      for (let i = 0; i < ch.length; i++) {
        const v = ch[i];
        this.buf[this.n++] = v;
        const a = v < 0 ? -v : v;
        if (a > this.peak) this.peak = a;
        if (this.n === this.buf.length) {
          this.port.postMessage({ samples: this.buf, peak: this.peak }, [this.buf.buffer]);
          this.buf = new Float32Array(${BLOCK});
          this.n = 0;
          this.peak = 0;
        }
      }
    }
    return true;
  }
}
registerProcessor("kneeclick-tap", KneeclickTap);
`;

const TEXT = {
  idle: "Start, do all the reps, then stop.",
  asking: "Asking for the microphone…",
  recording: "Recording. Each click should make the bar jump. Stop after the last rep.",
  finishing: "Finishing the recording…",
  done: "Recorded. Kept in this browser until you save the test.",
  restored: "Recorded before the page was reloaded; kept until you save the test.",
  too_long: "Stopped at the longest a test records. Kept until you save the test.",
  problem: "The microphone is not available: see below.",
};
const LABEL = { idle: "Start recording", asking: "Starting…", recording: "Stop", finishing: "Finishing…", done: "Record again", problem: "Try again" };

const instances = new WeakMap();

function fmt(seconds) {
  const s = Math.max(0, Math.floor(seconds));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
}

function capabilityProblem() {
  if (!window.isSecureContext) return "insecure";
  if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) return "unsupported";
  if (!(window.AudioContext || window.webkitAudioContext) || !window.AudioWorkletNode) return "unsupported";
  return null;
}

function problemOf(err) {
  const name = err && err.name;
  if (name === "NotAllowedError" || name === "SecurityError" || name === "PermissionDeniedError") return "denied";
  if (name === "NotFoundError" || name === "DevicesNotFoundError" || name === "OverconstrainedError") return "no_device";
  if (name === "NotReadableError" || name === "TrackStartError" || name === "AbortError") return "busy";
  return "failed";
}

// 16-bit PCM, mono: half the size of float32, and a 16-bit file lets the detector see clipping.
function wav(chunks, frames, rate) {
  const buf = new ArrayBuffer(44 + frames * 2);
  const v = new DataView(buf);
  const ascii = (at, s) => { for (let i = 0; i < s.length; i++) v.setUint8(at + i, s.charCodeAt(i)); };
  ascii(0, "RIFF"); v.setUint32(4, 36 + frames * 2, true); ascii(8, "WAVE");
  ascii(12, "fmt "); v.setUint32(16, 16, true); v.setUint16(20, 1, true); v.setUint16(22, 1, true);
  v.setUint32(24, rate, true); v.setUint32(28, rate * 2, true); v.setUint16(32, 2, true); v.setUint16(34, 16, true);
  ascii(36, "data"); v.setUint32(40, frames * 2, true);
  let at = 44;
  for (const c of chunks) {
    for (let i = 0; i < c.length; i++) {
      const x = c[i] > 1 ? 1 : (c[i] < -1 ? -1 : (c[i] || 0));
      v.setInt16(at, x < 0 ? Math.round(x * 32768) : Math.round(x * 32767), true);
      at += 2;
    }
  }
  return buf;
}

function base64(buffer) {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result).slice(String(reader.result).indexOf(",") + 1));
    reader.onerror = () => reject(reader.error);
    reader.readAsDataURL(new Blob([buffer], { type: "application/octet-stream" }));
  });
}

function withTimeout(promise, ms) {
  return Promise.race([promise, new Promise((resolve) => window.setTimeout(resolve, ms))]);
}

// The microphone feeding the worklet in `ctx`; null if this context cannot take it (Firefox refuses a
// microphone at another rate than the context's) or its sound does not start.
async function graphOn(ctx, stream) {
  try {
    const url = URL.createObjectURL(new Blob([WORKLET], { type: "text/javascript" }));
    try { await ctx.audioWorklet.addModule(url); } finally { URL.revokeObjectURL(url); }
    const source = ctx.createMediaStreamSource(stream);
    const node = new AudioWorkletNode(ctx, "kneeclick-tap", { numberOfInputs: 1, numberOfOutputs: 1, outputChannelCount: [1] });
    source.connect(node);
    node.connect(ctx.destination);  // pulled by the output; the node writes silence
    if (ctx.state !== "running") await withTimeout(ctx.resume(), 1000);
    if (ctx.state !== "running") throw new Error("the audio did not start");
    return { ctx, source, node };
  } catch (e) {
    return null;
  }
}

function show(inst) {
  const { els } = inst;
  const state = inst.state;
  els.root.dataset.state = state;
  els.go.disabled = state === "asking" || state === "finishing";
  els.go.setAttribute("aria-pressed", state === "recording" ? "true" : "false");
  els.label.textContent = LABEL[state] || LABEL.idle;
  els.time.textContent = fmt(state === "recording" ? inst.frames / inst.rate : inst.seconds || 0);
  els.text.textContent = TEXT[inst.note || state] || TEXT.idle;
  if (state !== "recording") {
    els.level.style.width = "0%";
    els.meter.setAttribute("aria-valuenow", String(METER_FLOOR_DB));
  }
}

function meter(inst) {
  if (inst.state !== "recording") return;
  const now = performance.now();
  const dt = Math.max(0, (now - inst.meterAt) / 1000);
  inst.meterAt = now;
  inst.levelDb = Math.max(METER_FLOOR_DB, inst.levelDb - 40 * dt);  // fast fall: each click is its own jump
  inst.holdDb = Math.max(METER_FLOOR_DB, inst.holdDb - 12 * dt);
  const pct = (db) => `${(100 * (db - METER_FLOOR_DB) / -METER_FLOOR_DB).toFixed(1)}%`;
  inst.els.level.style.width = pct(inst.levelDb);
  inst.els.peak.style.left = pct(inst.holdDb);
  inst.els.meter.setAttribute("aria-valuenow", String(Math.round(inst.levelDb)));
  inst.els.time.textContent = fmt(inst.frames / inst.rate);
  inst.raf = window.requestAnimationFrame(() => meter(inst));
}

function report(inst, problem) {
  if ((inst.data.problem || null) !== problem) inst.setStateValue("problem", problem);
}

async function send(inst, rec) {
  try {
    const payload = {
      id: rec.id, wav: await base64(rec.wav), rate: rec.rate, seconds: rec.seconds, settings: rec.settings || null,
    };
    inst.sentId = rec.id;
    inst.setTriggerValue("recording", payload);
  } catch (e) { /* nothing to hand over */ }
}

async function start(inst) {
  const problem = capabilityProblem();
  if (problem) { inst.state = "problem"; show(inst); report(inst, problem); return; }
  const Ctx = window.AudioContext || window.webkitAudioContext;
  // Made in the tap itself: a phone lets sound start only from a tap. Used if the microphone's own rate
  // cannot be had.
  const fallback = new Ctx();
  inst.state = "asking"; inst.note = null; show(inst);
  let stream;
  try {
    stream = await navigator.mediaDevices.getUserMedia({
      audio: { echoCancellation: false, noiseSuppression: false, autoGainControl: false, channelCount: { ideal: 1 } },
      video: false,
    });
  } catch (e) {
    fallback.close().catch(() => {});
    inst.state = "problem"; show(inst); report(inst, problemOf(e));
    return;
  }
  const track = stream.getAudioTracks()[0];
  const settings = track ? track.getSettings() : {};
  // The microphone's own rate (a laptop's speaker often runs at another); else the rate of the tap's context.
  let g = null;
  if (settings.sampleRate && settings.sampleRate !== fallback.sampleRate) {
    let own = null;
    try { own = new Ctx({ sampleRate: settings.sampleRate }); } catch (e) { /* a rate this browser cannot run */ }
    if (own) {
      g = await graphOn(own, stream);
      if (!g) own.close().catch(() => {});
    }
  }
  if (g) fallback.close().catch(() => {});
  else {
    g = await graphOn(fallback, stream);
    if (!g) fallback.close().catch(() => {});
  }
  if (!g || inst.gone) {
    stream.getTracks().forEach((t) => t.stop());
    if (g) g.ctx.close().catch(() => {});
    if (!inst.gone) { inst.state = "problem"; show(inst); report(inst, "failed"); }
    return;
  }
  const info = {
    echoCancellation: settings.echoCancellation ?? null,
    noiseSuppression: settings.noiseSuppression ?? null,
    autoGainControl: settings.autoGainControl ?? null,
    trackRate: settings.sampleRate ?? null,
    rate: g.ctx.sampleRate,
  };
  inst.els.root.dataset.mic = JSON.stringify(info);
  window.kneeclickMic = info;  // read by the browser tests
  Object.assign(inst, { stream, graph: g, settings: info, rate: g.ctx.sampleRate, chunks: [], frames: 0, levelDb: METER_FLOOR_DB, holdDb: METER_FLOOR_DB, meterAt: performance.now() });
  g.node.port.onmessage = (ev) => {
    const { samples, peak, last } = ev.data || {};
    if (samples && samples.length) { inst.chunks.push(samples); inst.frames += samples.length; }
    const db = 20 * Math.log10(Math.max(peak || 0, 1e-6));
    if (db > inst.levelDb) inst.levelDb = db;
    if (db > inst.holdDb) inst.holdDb = db;
    if (last && inst.flushed) inst.flushed();
    if (inst.state === "recording" && inst.frames >= inst.maxSeconds * inst.rate) stop(inst, "too_long");
  };
  inst.state = "recording"; show(inst);
  report(inst, null);
  inst.raf = window.requestAnimationFrame(() => meter(inst));
}

// Stop and keep the recording; hand it to Python unless the component is gone (then it waits in IndexedDB).
async function stop(inst, note = null) {
  if (inst.state !== "recording") return;
  inst.state = "finishing"; show(inst);
  if (inst.raf) window.cancelAnimationFrame(inst.raf);
  const g = inst.graph;
  await withTimeout(new Promise((resolve) => { inst.flushed = resolve; g.node.port.postMessage("flush"); }), 500);
  inst.flushed = null;
  inst.stream.getTracks().forEach((t) => t.stop());
  try { g.source.disconnect(); g.node.disconnect(); } catch (e) { /* already gone */ }
  g.ctx.close().catch(() => {});
  const frames = Math.min(inst.frames, Math.round(inst.maxSeconds * inst.rate));
  const rec = {
    id: `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 10)}`,
    wav: wav(inst.chunks, frames, inst.rate), rate: inst.rate, seconds: frames / inst.rate, saved_at: Date.now(),
    settings: inst.settings,
  };
  inst.chunks = []; inst.graph = null; inst.stream = null;
  // Kept and handed over at once (storage blocked: a reload would lose it, nothing else).
  const kept = kcPut(inst.storeKey, rec).catch(() => {});
  inst.seconds = rec.seconds; inst.state = "done"; inst.note = note;
  if (!inst.gone) { show(inst); await send(inst, rec); }
  await kept;
}

async function restore(inst) {
  kcPurgeOld().catch(() => {});
  let kept = null;
  try { kept = await kcGet(inst.storeKey); } catch (e) { /* storage blocked */ }
  if (inst.gone || inst.state !== "idle") return;
  if (kept && kept.wav) {
    inst.seconds = kept.seconds; inst.state = "done";
    inst.note = kept.id === inst.data.have ? null : "restored";
    show(inst);
    if (kept.id !== inst.data.have) await send(inst, kept);
  } else if (inst.data.have) {  // Python holds it though this browser could not keep it
    inst.seconds = inst.data.have_seconds || 0; inst.state = "done"; show(inst);
  }
}

async function checkAhead(inst) {
  const problem = capabilityProblem();
  if (problem) { inst.state = "problem"; show(inst); report(inst, problem); return; }
  try {
    const status = await navigator.permissions.query({ name: "microphone" });
    if (status.state === "denied" && inst.state === "idle") { inst.state = "problem"; show(inst); report(inst, "denied"); }
  } catch (e) { /* this browser cannot tell before asking */ }
}

export default function (component) {
  const { data, parentElement, setStateValue, setTriggerValue } = component;
  const q = (s) => parentElement.querySelector(s);
  const els = {
    root: q(".kc-rec"), go: q(".kc-rec-go"), label: q(".kc-rec-label"), meter: q(".kc-rec-meter"),
    level: q(".kc-rec-level"), peak: q(".kc-rec-peak"), time: q(".kc-rec-time"), text: q(".kc-rec-text"),
  };
  if (!els.root || !els.go || !data || !data.store_key) return;
  let inst = instances.get(parentElement);
  if (!inst || inst.storeKey !== data.store_key) {
    if (inst) { inst.gone = true; stop(inst); }
    inst = { storeKey: data.store_key, state: "idle", note: null, seconds: 0, frames: 0, rate: 48000, els };
    instances.set(parentElement, inst);
    inst.data = data;
    inst.setStateValue = setStateValue;
    inst.setTriggerValue = setTriggerValue;
    inst.maxSeconds = data.max_seconds || MAX_SECONDS_DEFAULT;
    show(inst);
    restore(inst).then(() => { if (inst.state === "idle") checkAhead(inst); });
  }
  inst.data = data;
  inst.setStateValue = setStateValue;
  inst.setTriggerValue = setTriggerValue;
  els.go.onclick = (event) => {
    event.preventDefault();
    if (inst.state === "recording") stop(inst);
    else if (inst.state !== "asking" && inst.state !== "finishing") start(inst);
  };
  return () => {
    inst.gone = true;  // a recording under way is finished into IndexedDB, and handed over on the next mount
    stop(inst);
    instances.delete(parentElement);
  };
}
