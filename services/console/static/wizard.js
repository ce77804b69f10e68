// The HPA wizard: three steps, validation by the console's own validate endpoint, Edit YAML, what-if, save, delete.
"use strict";

const wizard = { step: 1, editing: false };

function base() {
  const root = document.getElementById("workload");
  return `/api/workloads/${root.dataset.namespace}/${root.dataset.kind}/${root.dataset.name}`;
}

function policyRow(direction, index, policy) {
  const name = `${direction}.policies.${index}`;
  return `<div class="policy" data-index="${index}"><select name="${name}.type" aria-label="Policy type">` +
    ["Percent", "Pods"].map((t) => `<option${t === policy.type ? " selected" : ""}>${t}</option>`).join("") + "</select>" +
    `<label>value <input name="${name}.value" type="number" value="${esc(policy.value)}"></label>` +
    `<label>every <input name="${name}.period_seconds" type="number" value="${esc(policy.period_seconds)}"> s</label>` +
    `<button type="button" class="remove-policy" aria-label="Remove policy">✕</button>` +
    `<p class="error" data-error-for="${name}.type"></p><p class="error" data-error-for="${name}.value"></p>` +
    `<p class="error" data-error-for="${name}.period_seconds"></p></div>`;
}

function fill(form) {
  const el = document.getElementById("hpa-form");
  for (const [key, value] of Object.entries(form)) {
    if (typeof value === "object") continue;
    const input = el.elements.namedItem(key);
    if (input) input.value = value;
  }
  for (const direction of ["scale_up", "scale_down"]) {
    el.elements.namedItem(`${direction}.select_policy`).value = form[direction].select_policy;
    el.elements.namedItem(`${direction}.stabilization_window_seconds`).value = form[direction].stabilization_window_seconds;
    el.querySelector(`[data-policies="${direction}"]`).innerHTML = form[direction].policies.map((p, i) => policyRow(direction, i, p)).join("");
  }
}

function collect() {
  const el = document.getElementById("hpa-form");
  const form = { scale_up: { policies: [] }, scale_down: { policies: [] } };
  for (const input of el.querySelectorAll("input[name], select[name], textarea[name]")) {
    const parts = input.name.split(".");
    if (parts.length === 1) form[parts[0]] = input.value;
    else if (parts.length === 2) form[parts[0]][parts[1]] = input.value;
    else {
      const list = form[parts[0]].policies, i = Number(parts[2]);
      list[i] = list[i] || {};
      list[i][parts[3]] = input.value;
    }
  }
  for (const d of ["scale_up", "scale_down"]) form[d].policies = form[d].policies.filter(Boolean);
  return form;
}

function showErrors(errors) {
  for (const p of document.querySelectorAll("#hpa-form [data-error-for]")) {
    p.textContent = errors[p.dataset.errorFor] || "";
    const field = p.closest(".field");
    if (field) field.classList.toggle("invalid", !!errors[p.dataset.errorFor]);
  }
}

function showStep(step) {
  wizard.step = step;
  for (const s of document.querySelectorAll("#hpa-form .step")) s.hidden = Number(s.dataset.step) !== step;
  for (const li of document.querySelectorAll("#hpa-form .steps li")) li.classList.toggle("current", Number(li.dataset.step) === step);
  document.querySelector("#hpa-form .yaml").hidden = true;
  document.getElementById("wizard-back").disabled = step === 1;
  document.getElementById("wizard-next").hidden = step === 3;
  document.getElementById("wizard-save").hidden = step !== 3;
}

async function validateStep(step) {
  const result = await call("POST", "/api/hpa/validate", { form: collect(), step });
  const errors = result.data.errors || {};
  showErrors(errors);
  return Object.keys(errors).length === 0;
}

function wizardError(text) {
  const el = document.getElementById("wizard-error");
  el.hidden = !text;
  el.textContent = text || "";
}

function openWizard(editing) {
  wizard.editing = editing;
  const initial = JSON.parse(document.getElementById("workload").dataset.initial);
  fill(editing && page.state && page.state.form ? page.state.form : initial.form);
  document.getElementById("hpa-form").elements.namedItem("name").readOnly = editing;
  document.getElementById("wizard-title").textContent = editing ? "Edit HPA" : "Create HPA";
  document.getElementById("wizard-save").textContent = editing ? "Save" : "Create";
  document.getElementById("chart-whatif").innerHTML = "";
  showErrors({});
  wizardError("");
  showStep(1);
  document.getElementById("wizard").showModal();
}

async function applyYaml() {
  const result = await call("POST", "/api/hpa/form", { yaml: document.getElementById("yaml").value });
  if (!result.ok) { wizardError(result.data.error || refuse(result)); return false; }
  fill(result.data.form);
  wizardError("");
  return true;
}

async function save() {
  if (!document.querySelector("#hpa-form .yaml").hidden && !(await applyYaml())) return;
  if (!(await validateStep(3))) {
    const first = document.querySelector("#hpa-form .field.invalid");
    if (first) showStep(Number(first.closest(".step").dataset.step));
    return;
  }
  const result = await call("POST", `${base()}/hpa`, { form: collect() });
  if (result.status === 422 && result.data.errors) { showErrors(result.data.errors); return; }
  if (!result.ok) { wizardError(refuse(result)); return; }
  document.getElementById("wizard").close();
  banner(`HPA ${result.data.saved} saved.`);
}

async function whatIf() {
  const chart = document.getElementById("chart-whatif");
  const result = await call("POST", `${base()}/whatif`, { form: collect() });
  if (result.status === 422 && result.data.errors) { showErrors(result.data.errors); return; }
  if (!result.ok) { wizardError(refuse(result)); return; }
  const d = result.data;
  chart.innerHTML = d.t.length ? lineChart(d.t, [
    { name: "actual replicas", values: d.actual, cls: "sum" },
    { name: "with these settings", values: d.proposed, cls: "desired" },
  ], (v) => String(v)) + `<p class="muted">Replayed ${d.t.length} points of recorded usage through the autoscaler's own reconcile.</p>` : '<p class="muted">No usage recorded yet to replay.</p>';
  chart.dataset.points = String(d.t.length);
}

async function remove() {
  const name = (page.state && page.state.hpa && page.state.hpa.name) || "";
  if (!confirm(`Delete HPA ${name}?`)) return;
  const result = await call("DELETE", `${base()}/hpa`);
  banner(result.ok ? `HPA ${result.data.deleted} deleted.` : refuse(result));
}

function wizardSetup() {
  const on = (id, handler) => document.getElementById(id).addEventListener("click", handler);
  on("hpa-create", () => openWizard(false));
  on("hpa-edit", () => openWizard(true));
  on("hpa-delete", remove);
  on("wizard-cancel", () => document.getElementById("wizard").close());
  on("wizard-back", () => showStep(Math.max(1, wizard.step - 1)));
  on("wizard-next", async () => { if (await validateStep(wizard.step)) showStep(wizard.step + 1); });
  on("wizard-save", save);
  on("whatif", whatIf);
  on("yaml-apply", async () => { if (await applyYaml()) showStep(1); });
  on("yaml-toggle", async () => {
    const result = await call("POST", "/api/hpa/yaml", { form: collect() });
    if (result.status === 422) { showErrors(result.data.errors); return; }
    document.getElementById("yaml").value = result.data.yaml;
    for (const s of document.querySelectorAll("#hpa-form .step")) s.hidden = true;
    document.querySelector("#hpa-form .yaml").hidden = false;
    document.getElementById("wizard-next").hidden = true;
    document.getElementById("wizard-save").hidden = false;
  });
  const form = document.getElementById("hpa-form");
  form.addEventListener("click", (event) => {
    const target = event.target;
    if (target.classList.contains("add-policy")) {
      const state = collect(), direction = target.dataset.direction;
      state[direction].policies.push({ type: "Pods", value: "1", period_seconds: "60" });
      fill(state);
    } else if (target.classList.contains("remove-policy")) {
      const state = collect(), row = target.closest(".policy"), direction = row.parentElement.dataset.policies;
      state[direction].policies.splice(Number(row.dataset.index), 1);
      fill(state);
    }
  });
  form.addEventListener("change", () => validateStep(wizard.step));
}
