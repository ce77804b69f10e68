// Flowmeter console: live workload page (charts, HPA card, journal, events) and the HPA wizard. No libraries.
"use strict";

const POLL_MS = 2000;
const SVG = 'xmlns="http://www.w3.org/2000/svg"';

function esc(text) {
  return String(text).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
}

function cpu(milli) {
  return milli == null ? "–" : milli < 10000 ? `${milli}m` : `${(milli / 1000).toFixed(1)} cores`;
}

function mem(bytes) {
  if (bytes == null) return "–";
  const mib = bytes / 1048576;
  return mib < 10240 ? `${mib.toFixed(0)}Mi` : `${(mib / 1024).toFixed(1)}Gi`;
}

function clock(seconds, precise) {
  const parts = precise ? { hour: "2-digit", minute: "2-digit", second: "2-digit" } : { hour: "2-digit", minute: "2-digit" };
  return new Date(seconds * 1000).toLocaleTimeString([], parts);
}

// A line chart as inline SVG: series = [{name, values, cls}], values aligned with times (null = no data).
function lineChart(times, series, format) {
  const w = 640, h = 200, left = 56, bottom = 22, top = 8;
  const all = series.flatMap((s) => s.values.filter((v) => v != null));
  if (!times.length || !all.length) return '<p class="muted">No data yet.</p>';
  const max = Math.max(1, ...all) * 1.1;
  const x = (i) => left + (i * (w - left - 8)) / Math.max(1, times.length - 1);
  const y = (v) => top + (h - top - bottom) * (1 - v / max);
  const paths = series.map((s) => {
    let d = "", pen = "M";
    s.values.forEach((v, i) => {
      if (v == null) { pen = "M"; return; }
      d += `${pen}${x(i).toFixed(1)},${y(v).toFixed(1)} `;
      pen = "L";
    });
    return `<path class="${s.cls}" d="${d}"><title>${esc(s.name)}</title></path>`;
  });
  const ticks = [0, 0.5, 1].map((f) => `<text x="${left - 4}" y="${y(max * f / 1.1) + 4}" class="tick" text-anchor="end">${esc(format(Math.round(max * f / 1.1)))}</text>`);
  const times3 = [0, Math.floor(times.length / 2), times.length - 1].map((i, k) => `<text x="${x(i)}" y="${h - 4}" class="tick" text-anchor="${["start", "middle", "end"][k]}">${clock(times[i], times[times.length - 1] - times[0] < 600)}</text>`);
  const legend = series.filter((s) => s.legend !== false).map((s) => `<span class="key ${s.cls}">${esc(s.name)}</span>`).join("");
  return `<svg ${SVG} viewBox="0 0 ${w} ${h}" role="img">${ticks.join("")}${times3.join("")}${paths.join("")}</svg><div class="legend">${legend}</div>`;
}

function latest(values) {
  for (let i = values.length - 1; i >= 0; i--) if (values[i] != null) return values[i];
  return null;
}

function renderCharts(c) {
  const pods = (kind) => Object.entries(c[kind].pods).map(([name, values]) => ({ name, values, cls: "pod", legend: false }));
  const cpuEl = document.getElementById("chart-cpu"), memEl = document.getElementById("chart-memory");
  cpuEl.innerHTML = lineChart(c.t, [...pods("cpu"), { name: "sum of pods", values: c.cpu.sum, cls: "sum" }], cpu);
  memEl.innerHTML = lineChart(c.t, [...pods("memory"), { name: "sum of pods", values: c.memory.sum, cls: "sum" }], mem);
  cpuEl.dataset.latest = cpu(latest(c.cpu.sum));
  memEl.dataset.latest = mem(latest(c.memory.sum));
  const replicas = document.getElementById("chart-replicas");
  replicas.innerHTML = lineChart(c.t, [
    { name: "pods reporting usage", values: c.replicas.reporting, cls: "sum" },
    { name: "desired by the HPA", values: c.replicas.desired, cls: "desired" },
  ], (v) => String(v));
  replicas.dataset.latest = String(latest(c.replicas.reporting) ?? "");
}

function ring(current, desired) {
  const r = 36, full = 2 * Math.PI * r, share = desired ? Math.min(1, current / desired) : 1;
  return `<svg ${SVG} viewBox="0 0 100 100" class="ring"><circle cx="50" cy="50" r="${r}" class="ring-bg"/>` +
    `<circle cx="50" cy="50" r="${r}" class="ring-fg" stroke-dasharray="${(share * full).toFixed(1)} ${full.toFixed(1)}" transform="rotate(-90 50 50)"/>` +
    `<text x="50" y="48" text-anchor="middle" class="ring-big">${current}/${desired}</text><text x="50" y="64" text-anchor="middle" class="ring-small">now/desired</text></svg>`;
}

function renderHpa(hpa) {
  const body = document.getElementById("hpa-body");
  document.getElementById("hpa-create").hidden = !!hpa;
  document.getElementById("hpa-edit").hidden = !hpa;
  document.getElementById("hpa-delete").hidden = !hpa;
  if (!hpa) { body.innerHTML = '<p class="muted">This workload has no HPA.</p>'; return; }
  const targets = hpa.targets.map((t) => `<div class="tile"><span>Target ${esc(t.resource)} usage</span><strong>${esc(t.target)}</strong><small>Current: ${esc(t.current)}</small></div>`).join("");
  const conditions = hpa.conditions.map((c) => `<li class="${c.ok ? "ok" : "bad"}" title="${esc(c.message)}"><strong>${esc(c.name)}</strong> ${c.ok ? "✔" : "✘"} <span class="muted">${esc(c.reason)}</span></li>`).join("");
  body.className = "";
  body.innerHTML = `<div class="hpa"><div class="ring-box" data-current="${hpa.current}" data-desired="${hpa.desired}">${ring(hpa.current, hpa.desired)}</div>` +
    `<div class="hpa-facts"><p><strong id="hpa-name">${esc(hpa.name)}</strong> ${hpa.alias ? `<span class="muted">(${esc(hpa.alias)})</span>` : ""}</p>` +
    `<div class="tiles"><div class="tile"><span>Min replicas</span><strong>${hpa.min}</strong></div><div class="tile"><span>Max replicas</span><strong>${hpa.max}</strong></div>${targets}</div>` +
    `<ul class="conditions">${conditions}</ul></div></div>`;
}

function renderJournal(entries) {
  const list = document.getElementById("journal");
  if (!entries.length) { list.innerHTML = '<li class="muted">No evaluations yet.</li>'; return; }
  list.innerHTML = entries.map((e) => `<li class="${e.scaled ? "scaled" : ""}"><time>${clock(e.at, true)}</time> <strong>${esc(e.result)}</strong>` +
    `${e.repeats > 1 ? ` <span class="muted">(${e.repeats} evaluations alike)</span>` : ""}<ul><li>Inputs: ${e.inputs.map(esc).join("; ") || "none"}</li>` +
    `<li>${esc(e.proposal)}</li><li>Limits: ${e.limits.map(esc).join(" ")}</li></ul></li>`).join("");
}

function renderEvents(items) {
  const list = document.getElementById("events");
  list.innerHTML = items.length ? items.map((e) => `<li class="${e.type === "Warning" ? "bad" : ""}"><strong>${esc(e.reason)}</strong> <span class="muted">${esc(e.object)} ${esc(e.time)}</span><br>${esc(e.message)}</li>`).join("")
    : '<li class="muted">No events.</li>';
}

function banner(text) {
  const el = document.getElementById("banner");
  el.textContent = text || "";
  el.className = text ? "problem" : "";
}

async function call(method, url, body) {
  const response = await fetch(url, {
    method, credentials: "same-origin",
    headers: { "Content-Type": "application/json", "X-Console": "1" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  let data = {};
  try { data = await response.json(); } catch (e) { data = { error: `HTTP ${response.status}` }; }
  return { ok: response.ok, status: response.status, data };
}

function refuse(result) {
  const meaning = { 401: "Unauthorized: sign in with a valid token", 403: "Forbidden: your identity may not do this" };
  return `Kubernetes answered ${result.status}${meaning[result.status] ? " " + meaning[result.status] : ""}: ${result.data.error || ""}`;
}

const page = { state: null, timer: null };

async function poll() {
  const root = document.getElementById("workload");
  const result = await call("GET", `/api/workloads/${root.dataset.namespace}/${root.dataset.kind}/${root.dataset.name}`).catch(() => null);
  if (result && result.ok) {
    const d = result.data;
    page.state = d;
    document.getElementById("ready").textContent = d.ready;
    document.getElementById("desired").textContent = d.desired;
    renderCharts(d.charts);
    renderHpa(d.hpa);
    renderJournal(d.journal);
    renderEvents(d.events);
    if (document.getElementById("banner").dataset.sticky !== "1") banner("");
  } else if (result) {
    banner(refuse(result));
  }
  page.timer = setTimeout(poll, POLL_MS);
}

document.addEventListener("DOMContentLoaded", () => {
  if (document.getElementById("workload")) { wizardSetup(); poll(); }
});
