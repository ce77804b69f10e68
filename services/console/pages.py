"""Server-rendered HTML: the layout, sign-in, overview, workloads and workload pages. Text is escaped on the way in;
the workload page's live parts are filled by console.js from JSON."""

import html
import json
from collections.abc import Sequence
from urllib.parse import urlencode

import msgspec

from services.console import hpaform, views

e = html.escape
SCRIPTS = '<script defer src="/static/console.js"></script><script defer src="/static/wizard.js"></script>'


def cpu(milli: int | None) -> str:
    if milli is None:
        return "–"
    return f"{milli}m" if milli < 10_000 else f"{milli / 1000:.1f} cores"


def memory(num_bytes: int | None) -> str:
    if num_bytes is None:
        return "–"
    mib = num_bytes / 2**20
    return f"{mib:.0f}Mi" if mib < 10_240 else f"{mib / 1024:.1f}Gi"


def layout(title: str, body: str, who: str) -> str:
    account = (
        f'<span class="who">{e(who)}</span> <form method="post" action="/signout" class="inline">'
        '<button class="link">Sign out</button></form>'
        if who
        else '<a href="/signin">Sign in</a>'
    )
    return f"""<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>{e(title)} · Flowmeter</title>
<link rel="stylesheet" href="/static/console.css">{SCRIPTS}</head>
<body><header><a class="brand" href="/">Flowmeter</a><nav><a href="/">Overview</a><a href="/workloads">Workloads</a>
</nav><div class="account">{account}</div></header><main>{body}</main></body></html>"""


def problem(status: int, message: str) -> str:
    """What Kubernetes refused, as it said it; 401 and 403 named so the person knows to sign in or ask for rights."""
    meaning = {401: "Unauthorized: sign in with a valid token", 403: "Forbidden: your identity may not do this"}
    return (
        f'<div class="problem" role="alert"><strong>Kubernetes answered {status} '
        f"{e(meaning.get(status, ''))}</strong><p>{e(message)}</p></div>"
    )


def signin(error: str = "") -> str:
    message = f'<p class="problem" role="alert">{e(error)}</p>' if error else ""
    return f"""<section class="card narrow"><h1>Sign in</h1>{message}
<p>The console acts as you: paste a Kubernetes bearer token (for example a ServiceAccount token from
<code>kubectl create token NAME</code>). It is kept in an HttpOnly cookie and sent only to the API server.</p>
<form method="post" action="/signin"><label>Token <input name="token" type="password" autocomplete="off" required>
</label><button>Sign in</button></form></section>"""


def bar(value: int | None) -> str:
    if value is None:
        return '<span class="muted">–</span>'
    level = "high" if value >= 90 else "mid" if value >= 70 else "low"
    return (
        f'<span class="bar"><span class="fill {level}" style="width:{min(value, 100)}%"></span></span>'
        f'<span class="pct">{value}%</span>'
    )


def pager(page: views.Page, base: str, query: dict[str, str]) -> str:
    def link(number: int, label: str) -> str:
        return f'<a href="{base}?{e(urlencode({**query, "page": str(number)}))}">{label}</a>'

    previous = link(page.number - 1, "‹ Previous") if page.number > 1 else ""
    following = link(page.number + 1, "Next ›") if page.number < page.count else ""
    return (
        f'<nav class="pager">{previous}<span>Page {page.number} of {page.count} · {page.total} in all</span>'
        f"{following}</nav>"
    )


def overview(rows: Sequence[views.NodeRow], page: views.Page, totals: views.Totals) -> str:
    cpu_pct = views.percent(totals.cpu_milli, totals.cpu_allocatable_milli)
    mem_pct = views.percent(totals.memory_bytes, totals.memory_allocatable_bytes)
    problems = f'<strong class="{"bad" if totals.problems else ""}">{totals.problems}</strong>'
    tiles = [
        ("Nodes", f"<strong>{totals.nodes}</strong>"),
        ("Scrape problems", problems),
        (
            "CPU",
            f"<strong>{cpu(totals.cpu_milli)}</strong><small>of {cpu(totals.cpu_allocatable_milli)}</small>"
            + bar(cpu_pct),
        ),
        (
            "Memory",
            f"<strong>{memory(totals.memory_bytes)}</strong>"
            f"<small>of {memory(totals.memory_allocatable_bytes)}</small>" + bar(mem_pct),
        ),
    ]
    cards = (
        '<section class="tiles">'
        + "".join(f'<div class="tile"><span>{label}</span>{value}</div>' for label, value in tiles)
        + "</section>"
    )
    body = "".join(
        f"""<tr><td data-label="Node">{e(r.name)}</td>
<td data-label="CPU">{cpu(r.cpu_milli)} / {cpu(r.cpu_allocatable_milli)} {bar(r.cpu_percent)}</td>
<td data-label="Memory">{memory(r.memory_bytes)} / {memory(r.memory_allocatable_bytes)} {bar(r.memory_percent)}</td>
<td data-label="Data age">{"–" if r.age_seconds is None else f"{r.age_seconds}s"}</td>
<td data-label="Scrape" class="{"bad" if r.problem else "ok"}">{e(r.problem or "ok")}</td></tr>"""
        for r in rows
    )
    return f"""<h1>Overview</h1>{cards}<section class="card"><table class="nodes"><thead><tr><th>Node</th><th>CPU</th>
<th>Memory</th><th>Data age</th><th>Scrape</th></tr></thead><tbody>{body}</tbody></table>
{pager(page, "/", {})}</section>"""


def workloads(
    rows: Sequence[views.WorkloadRow], page: views.Page, namespaces: Sequence[str], namespace: str, name: str
) -> str:
    options = "".join(
        f'<option value="{e(n)}"{" selected" if n == namespace else ""}>{e(n)}</option>' for n in ["", *namespaces]
    )
    body = "".join(
        f"""<tr><td data-label="Name"><a href="/workloads/{e(r.namespace)}/{e(r.kind)}/{e(r.name)}">{e(r.name)}</a>
{f'<span class="badge">HPA {e(r.hpa)}</span>' if r.hpa else ""}</td><td data-label="Namespace">{e(r.namespace)}</td>
<td data-label="Kind">{e(r.kind)}</td><td data-label="Ready">{r.ready}/{r.desired}</td>
<td data-label="CPU">{cpu(r.cpu_milli)}</td><td data-label="Memory">{memory(r.memory_bytes)}</td></tr>"""
        for r in rows
    )
    empty = '<p class="muted">No workloads match.</p>' if not rows else ""
    return f"""<h1>Workloads</h1><form class="filters" method="get" action="/workloads">
<label>Namespace <select name="namespace">{options.replace('value="">', 'value="">all')}</select></label>
<label>Name <input name="name" value="{e(name)}" placeholder="contains"></label><button>Filter</button></form>
<section class="card"><table><thead><tr><th>Name</th><th>Namespace</th><th>Kind</th><th>Ready</th><th>CPU</th>
<th>Memory</th></tr></thead><tbody>{body}</tbody></table>{empty}
{pager(page, "/workloads", {"namespace": namespace, "name": name})}</section>"""


def workload(namespace: str, kind: str, name: str, form: hpaform.HpaForm, has_hpa: bool) -> str:
    initial = e(json.dumps({"form": msgspec.to_builtins(form), "hasHpa": has_hpa}))
    return f"""<div id="workload" data-namespace="{e(namespace)}" data-kind="{e(kind)}" data-name="{e(name)}"
data-initial="{initial}"><h1>{e(kind)} {e(name)} <small class="muted">in {e(namespace)}</small></h1>
<div id="banner" role="alert"></div>
<section class="card"><h2>Replicas</h2><p class="replicas">Ready <strong id="ready">–</strong> of
<strong id="desired">–</strong> desired</p><div class="chart" id="chart-replicas"></div></section>
<div class="grid"><section class="card"><h2>CPU</h2><div class="chart" id="chart-cpu"></div></section>
<section class="card"><h2>Memory</h2><div class="chart" id="chart-memory"></div></section></div>
<section class="card" id="hpa-card"><h2>Horizontal Pod Autoscaler</h2><div id="hpa-body" class="muted">Loading…</div>
<div class="actions"><button id="hpa-create">Create HPA</button><button id="hpa-edit">Edit HPA</button>
<button id="hpa-delete" class="danger">Delete HPA</button></div></section>
<section class="card"><h2>Why did it scale? — decision journal</h2><ol id="journal" class="journal"></ol></section>
<section class="card"><h2>Events</h2><ul id="events" class="events"></ul></section>
{wizard()}</div>"""


def _field(name: str, label: str, control: str, hint: str = "") -> str:
    hint_html = f'<small class="hint">{e(hint)}</small>' if hint else ""
    return (
        f'<div class="field" data-field="{name}"><label for="f-{name}">{e(label)}</label>{control}{hint_html}'
        f'<p class="error" data-error-for="{name}"></p></div>'
    )


def _input(name: str, kind: str = "text") -> str:
    return f'<input id="f-{name}" name="{name}" type="{kind}">'


def _select(name: str, options: Sequence[tuple[str, str]]) -> str:
    choices = "".join(f'<option value="{e(v)}">{e(t)}</option>' for v, t in options)
    return f'<select id="f-{name}" name="{name}">{choices}</select>'


def _rules(direction: str, title: str) -> str:
    choices = [("Max", "Max (the largest change)"), ("Min", "Min (the smallest change)"), ("Disabled", "Disabled")]
    select, window = f"{direction}.select_policy", f"{direction}.stabilization_window_seconds"
    return f"""<fieldset class="rules" data-rules="{direction}"><legend>{title}</legend>
{_field(select, "Policy selection", _select(select, choices))}
{_field(window, "Stabilization window (s)", _input(window, "number"))}
<div class="policies" data-policies="{direction}"></div><p class="error" data-error-for="{direction}.policies"></p>
<button type="button" class="add-policy" data-direction="{direction}">Add policy</button></fieldset>"""


NAME_HINT = "lowercase letters, digits and '-', at most 63"
DESCRIPTION_BOX = '<textarea id="f-description" name="description"></textarea>'


def wizard() -> str:
    kinds = [("Utilization", "Percentage (Utilization)"), ("AverageValue", "Average value"), ("", "Not used")]
    return f"""<dialog id="wizard"><form id="hpa-form" novalidate><h2 id="wizard-title">Create HPA</h2>
<ol class="steps"><li data-step="1">Basic Information</li><li data-step="2">Scaling Settings</li>
<li data-step="3">Advanced Settings</li></ol>
<div class="step" data-step="1">{_field("name", "Name", _input("name"), NAME_HINT)}
{_field("alias", "Alias", _input("alias"))}{_field("description", "Description", DESCRIPTION_BOX)}
{_field("target_name", "Scale target", _input("target_name"))}<input type="hidden" name="target_kind"></div>
<div class="step" data-step="2">{_field("min_replicas", "Minimum replicas", _input("min_replicas", "number"))}
{_field("max_replicas", "Maximum replicas", _input("max_replicas", "number"))}
{_field("cpu_type", "CPU target type", _select("cpu_type", kinds))}
{_field("cpu_value", "CPU target (% or m)", _input("cpu_value", "number"))}
{_field("memory_type", "Memory target type", _select("memory_type", kinds))}
{_field("memory_value", "Memory target (% or Mi)", _input("memory_value", "number"))}
<p class="error" data-error-for="metrics"></p></div>
<div class="step" data-step="3">{_rules("scale_up", "Scale up")}{_rules("scale_down", "Scale down")}</div>
<div class="yaml" hidden><textarea id="yaml" spellcheck="false" aria-label="HPA YAML"></textarea>
<button type="button" id="yaml-apply">Apply YAML to the form</button></div>
<section class="whatif"><button type="button" id="whatif">Preview: what would these settings have done?</button>
<div class="chart" id="chart-whatif"></div></section>
<p id="wizard-error" class="problem" role="alert" hidden></p>
<div class="actions"><button type="button" id="yaml-toggle">Edit YAML</button><span class="spacer"></span>
<button type="button" id="wizard-cancel">Cancel</button><button type="button" id="wizard-back">Back</button>
<button type="button" id="wizard-next">Next</button><button type="button" id="wizard-save">Create</button></div>
</form></dialog>"""
