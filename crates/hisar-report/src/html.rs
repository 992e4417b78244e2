//! The HTML dashboard: one page, readable without JavaScript. Completion per domain, gap counts
//! per code, the priority fixes, the active gaps, bound panels over sweeps (inline SVG),
//! regressions, resolutions, and every panel as an expandable row with its evidence and verdict
//! timeline.
//!
//! Two flavours of the same page: served by `hisar serve` ([`render_html`]: filters are query
//! links, the header links to the tracker and the API), and static ([`render_static_html`],
//! what `--report-html` writes: every link is an anchor in the page, or the tracker when it was
//! written beside it), so that no link of either is dead.

use std::fmt::Write as _;
use std::io::{self, Write};

use hisar_core::{GapCode, Outcome, Status};
use jiff::Timestamp;
use maud::{DOCTYPE, Markup, PreEscaped, html};

use crate::model::{Report, Row, SeriesPoint};

/// Filters of the active gaps table (`?domain=OVR&code=AUTH_FAILURE`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GapFilter {
    /// A domain code.
    pub domain: Option<String>,
    /// A gap code.
    pub code: Option<GapCode>,
}

impl GapFilter {
    fn query(domain: Option<&str>, code: Option<GapCode>) -> String {
        let mut parts = Vec::new();
        if let Some(d) = domain {
            parts.push(format!("domain={d}"));
        }
        if let Some(c) = code {
            parts.push(format!("code={c}"));
        }
        if parts.is_empty() {
            "?".to_owned()
        } else {
            format!("?{}", parts.join("&"))
        }
    }
}

const STYLE: &str = r"
:root{--bg:#0f1419;--panel:#171e26;--line:#263241;--text:#d9e1ea;--dim:#8a99ab;--ok:#3fb68b;--bad:#e5534b;--warn:#d4a72c;--accent:#58a6ff}
*{box-sizing:border-box}body{margin:0;background:var(--bg);color:var(--text);font:14px/1.45 system-ui,-apple-system,'Segoe UI',sans-serif}
header{padding:20px 28px;border-bottom:1px solid var(--line);display:flex;justify-content:space-between;align-items:flex-end;gap:16px;flex-wrap:wrap}
h1{margin:0;font-size:22px}h2{font-size:15px;text-transform:uppercase;letter-spacing:.06em;color:var(--dim);margin:0 0 12px}
.meta{color:var(--dim)}a{color:var(--accent);text-decoration:none}a:hover{text-decoration:underline}
main,.main{padding:20px 28px;display:grid;grid-template-columns:repeat(12,1fr);gap:18px}
section{background:var(--panel);border:1px solid var(--line);border-radius:8px;padding:16px 18px}
.span4{grid-column:span 4}.span5{grid-column:span 5}.span7{grid-column:span 7}.span8{grid-column:span 8}.span12{grid-column:span 12}
@media(max-width:1000px){.span4,.span5,.span7,.span8{grid-column:span 12}}
.kpis{display:flex;gap:14px;flex-wrap:wrap}.kpi{flex:1;min-width:120px;background:var(--bg);border:1px solid var(--line);border-radius:6px;padding:10px 14px}
.kpi b{display:block;font-size:26px}.kpi span{color:var(--dim);font-size:12px;text-transform:uppercase;letter-spacing:.05em}
.bar{height:10px;background:#2a1d20;border-radius:5px;overflow:hidden;min-width:120px}.bar i{display:block;height:100%;background:var(--ok)}
table{width:100%;border-collapse:collapse}th,td{text-align:left;padding:6px 8px;border-bottom:1px solid var(--line);vertical-align:top}
th{color:var(--dim);font-weight:600;font-size:12px;text-transform:uppercase;letter-spacing:.04em}
td.num{text-align:right;font-variant-numeric:tabular-nums}code{font:12px ui-monospace,SFMono-Regular,Menlo,monospace;color:#c9d6e3}
.chip{display:inline-block;padding:2px 8px;border-radius:10px;font-size:12px;font-weight:600;border:1px solid var(--line);margin:2px 4px 2px 0}
.p0{color:#ff7b72}.p1{color:#ffa657}.p2{color:#d2a8ff}.p3{color:#79c0ff}.p4{color:#e3b341}
.ok{color:var(--ok)}.bad{color:var(--bad)}.warn{color:var(--warn)}.dim{color:var(--dim)}
.filters a{margin-right:6px}.filters a.on{font-weight:700;text-decoration:underline}
footer{padding:12px 28px 28px;color:var(--dim);font-size:12px}.nowrap{white-space:nowrap}
details.panel{border-bottom:1px solid var(--line);padding:4px 0}details.panel>summary{cursor:pointer;display:flex;gap:10px;align-items:baseline;flex-wrap:wrap}
details.panel[open]{background:#121920}details.panel .body{padding:6px 18px 10px}
h3{font-size:13px;margin:14px 0 6px;color:var(--text)}:target{outline:1px solid var(--accent)}
";

/// Where the page is shown: served (query filters, API links) or as a file (anchors only).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Served,
    Static,
}

/// A fragment id for a panel: ids are free-form (SPEC §2), so anything beyond
/// `[A-Za-z0-9._-]` is written as `_XX` hex, which keeps ids distinct and links valid.
fn anchor(prefix: &str, id: &str) -> String {
    let mut out = String::with_capacity(prefix.len() + id.len() + 1);
    out.push_str(prefix);
    out.push('-');
    for b in id.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-') {
            out.push(char::from(b));
        } else {
            let _ = write!(out, "_{b:02X}");
        }
    }
    out
}

fn status_class(status: Status) -> &'static str {
    match status {
        Status::Bound => "ok",
        Status::Blocked => "bad",
        Status::Unverified => "warn",
    }
}

/// One line saying what a verdict is: the gap's detail, the reason, or the evidence.
fn verdict_line(outcome: &Outcome, summary: String) -> String {
    match outcome {
        Outcome::Bound => summary,
        Outcome::Blocked(gap) => format!("{}: {}", gap.code, gap.detail),
        Outcome::Unverified { reason } => reason.clone(),
    }
}

/// A panel as an expandable row: its latest evidence and findings, then its timeline.
fn panel_details(report: &Report<'_>, r: &Row<'_>) -> Markup {
    let timeline = report.timelines.get(r.panel.id.as_str());
    let verdict = r.state.verdict.as_ref();
    html! {
        details.panel id=(anchor("panel", r.panel.id.as_str())) {
            summary {
                code { (r.panel.id) }
                span class=(status_class(r.state.status)) { (r.state.status) }
                code.dim { (r.panel.endpoint) }
                span.dim {
                    @match verdict {
                        Some(v) => { (verdict_line(&v.outcome, v.evidence.summary())) }
                        None => { "never verified" }
                    }
                    @if let Some(reason) = &r.state.unverified_now { " · unverified in the latest sweep: " (reason) }
                }
            }
            div.body {
                p.dim {
                    "Capability " code { (r.panel.capability) } " · class " (r.panel.class) " · auth " (r.panel.auth)
                    @if let Some(purpose) = &r.panel.purpose { " · " (purpose) }
                }
                @if let Some(v) = verdict {
                    h3 { "Evidence (sweep #" (r.state.verified_in.unwrap_or_default()) ")" }
                    table {
                        tr { th { "Coherency" } th { "HTTP" } th { "Invariants" } th { "Time" } th { "Retries" } }
                        tr {
                            td { (format!("{:?}", v.evidence.coherency).to_lowercase()) }
                            td { (v.evidence.status.map_or_else(|| "—".to_owned(), |s| s.to_string())) }
                            td { (v.evidence.invariants_passed.map_or_else(|| "not evaluated".to_owned(), |p| format!("{p}/{}", v.evidence.invariants_total))) }
                            td { (v.evidence.elapsed_ms.map_or_else(|| "—".to_owned(), |ms| format!("{ms} ms"))) }
                            td { (v.evidence.retries) }
                        }
                    }
                    @if let Some(gap) = v.gap() {
                        p { span class=(format!("chip {}", priority_class(gap.code))) { (gap.code) } " at stage " (format!("{:?}", gap.stage).to_lowercase()) ": " (gap.detail) }
                        @if let Some(fix) = &gap.fix { p { "To fix: " (fix) } }
                    }
                    @if !v.findings.is_empty() {
                        ul { @for f in &v.findings { li { (format!("{:?}", f.stage).to_lowercase()) @if let Some(c) = f.code { " (" (c) ")" } ": " (f.message) } } }
                    }
                }
                @if let Some(line) = timeline {
                    h3 { "Timeline (" (line.len()) " verdicts, latest last)" }
                    table {
                        tr { th { "Sweep" } th { "When" } th { "Verdict" } th { "Endpoint" } th { "What was seen" } }
                        @for t in line {
                            tr {
                                td.num { "#" (t.sweep) }
                                td.nowrap.dim { (when(t.at)) }
                                td { span class=(status_class(t.verdict.status())) { (t.verdict.status()) } }
                                td { code { (t.endpoint) } }
                                td { (verdict_line(&t.verdict.outcome, t.verdict.evidence.summary())) }
                            }
                        }
                    }
                } @else if verdict.is_none() && r.state.unverified_now.is_none() {
                    p.dim { "Never probed." }
                }
            }
        }
    }
}

/// The priority fixes, P0 to P4, each table under an anchor the gap chips link to.
fn fixes(report: &Report<'_>) -> Markup {
    let f = &report.fixes;
    let rows = |code: GapCode| -> &[hisar_core::FixRow] {
        match code {
            GapCode::ProvenanceMissing => &f.p2,
            GapCode::CoherencyFailed => &f.p3,
            _ => &f.p4,
        }
    };
    html! {
        @if f.p0.is_empty() && f.p1.is_empty() && f.p2.is_empty() && f.p3.is_empty() && f.p4.is_empty() {
            p.dim { "Nothing to fix: no panel is blocked." }
        }
        @if !f.p0.is_empty() {
            h3 id=(fix_anchor(GapCode::AuthFailure)) class="p0" { "P0 AUTH_FAILURE: public paths to add for the verifier (" (f.p0.len()) ")" }
            table {
                tr { th { "Entry" } th { "Match" } th.num { "Unblocks" } th { "Endpoints" } }
                @for e in &f.p0 {
                    tr { td { code { (e.entry) } } td { (format!("{:?}", e.kind).to_lowercase()) } td.num { (e.panels.len()) }
                         td { @for (i, ep) in e.endpoints.iter().enumerate() { @if i > 0 { ", " } code { (ep) } } } }
                }
            }
        }
        @if !f.p1.is_empty() {
            h3 id=(fix_anchor(GapCode::EndpointMissing)) class="p1" { "P1 ENDPOINT_MISSING: endpoints to create (" (f.p1.len()) ")" }
            table {
                tr { th { "Endpoint" } th { "Purpose" } th.num { "Panels" } }
                @for m in &f.p1 { tr { td { code { (m.endpoint) } } td { (m.purpose) } td.num { (m.panels.len()) } } }
            }
        }
        @for code in [GapCode::ProvenanceMissing, GapCode::CoherencyFailed, GapCode::SdsrFailed] {
            @if !rows(code).is_empty() {
                h3 id=(fix_anchor(code)) class=(priority_class(code)) { "P" (code.priority()) " " (code) " (" (rows(code).len()) ")" }
                table {
                    tr { th { "Endpoint" } th { "What to change" } th { "Panels" } }
                    @for row in rows(code) {
                        tr { td { code { (row.endpoint) } } td { (row.fix) }
                             td { @for (i, p) in row.panels.iter().enumerate() { @if i > 0 { ", " } a href=(format!("#{}", anchor("panel", p))) { (p) } } } }
                    }
                }
            }
        }
    }
}

fn fix_anchor(code: GapCode) -> String {
    format!("fix-p{}", code.priority())
}

fn priority_class(code: GapCode) -> &'static str {
    ["p0", "p1", "p2", "p3", "p4"][usize::from(code.priority())]
}

fn when(ts: Timestamp) -> String {
    ts.strftime("%Y-%m-%d %H:%M UTC").to_string()
}

/// The chart of bound (and blocked) panels over sweeps, as inline SVG.
fn chart(points: &[SeriesPoint]) -> Markup {
    const W: f64 = 640.0;
    const H: f64 = 180.0;
    const PAD: f64 = 28.0;
    if points.is_empty() {
        return html! { p.dim { "No sweep recorded yet." } };
    }
    let max = points.iter().map(|p| p.total).max().unwrap_or(1).max(1);
    #[expect(clippy::cast_precision_loss, reason = "chart coordinates")]
    let xy = |i: usize, v: usize| {
        let x = if points.len() == 1 {
            W / 2.0
        } else {
            PAD + (W - 2.0 * PAD) * i as f64 / (points.len() - 1) as f64
        };
        let y = H - PAD - (H - 2.0 * PAD) * v as f64 / max as f64;
        (x, y)
    };
    let line = |pick: fn(&SeriesPoint) -> usize| {
        let mut d = String::new();
        for (i, p) in points.iter().enumerate() {
            let (x, y) = xy(i, pick(p));
            let _ = write!(d, "{}{x:.1},{y:.1} ", if i == 0 { "M" } else { "L" });
        }
        d
    };
    let last = points.last().expect("non-empty");
    let (lx, ly) = xy(points.len() - 1, last.bound);
    html! {
        svg width="100%" viewBox=(format!("0 0 {W} {H}")) role="img" aria-label=(format!("Bound panels over {} sweeps", points.len())) {
            line x1=(PAD) y1=(H - PAD) x2=(W - PAD) y2=(H - PAD) stroke="#263241" {}
            line x1=(PAD) y1=(PAD) x2=(W - PAD) y2=(PAD) stroke="#263241" stroke-dasharray="3 4" {}
            text x="4" y=(PAD + 4.0) fill="#8a99ab" font-size="11" { (max) }
            text x="4" y=(H - PAD + 4.0) fill="#8a99ab" font-size="11" { "0" }
            path d=(line(|p| p.blocked)) fill="none" stroke="#e5534b" stroke-width="1.5" stroke-dasharray="4 3" {}
            path d=(line(|p| p.bound)) fill="none" stroke="#3fb68b" stroke-width="2.5" {}
            @for (i, p) in points.iter().enumerate() {
                @let (x, y) = xy(i, p.bound);
                circle cx=(format!("{x:.1}")) cy=(format!("{y:.1}")) r="3" fill="#3fb68b" {
                    title { "sweep #" (p.sweep) " " (when(p.at)) ": " (p.bound) " bound, " (p.blocked) " blocked" }
                }
            }
            text x=(format!("{:.1}", (lx - 4.0).max(PAD))) y=(format!("{:.1}", (ly - 8.0).max(12.0))) fill="#3fb68b" font-size="12" text-anchor="end" { (last.bound) " bound" }
            text x=(PAD) y=(H - 6.0) fill="#8a99ab" font-size="11" { "#" (points[0].sweep) }
            text x=(W - PAD) y=(H - 6.0) fill="#8a99ab" font-size="11" text-anchor="end" { "#" (last.sweep) }
        }
        p.dim { span.ok { "— bound" } "  " span.bad { "- - blocked" } " · tracked state after each sweep" }
    }
}

/// Renders the served dashboard with the gap filter applied.
pub fn render_html(report: &Report<'_>, series: &[SeriesPoint], filter: &GapFilter) -> String {
    page(report, series, filter, Mode::Served)
}

/// Renders the static dashboard: every link is an anchor of the page, or the tracker file when
/// [`Report::tracker_link`] names it.
pub fn render_static_html(report: &Report<'_>) -> String {
    page(report, &report.series, &GapFilter::default(), Mode::Static)
}

fn page(report: &Report<'_>, series: &[SeriesPoint], filter: &GapFilter, mode: Mode) -> String {
    let served = mode == Mode::Served;
    let registry = report.registry;
    let state = report.state;
    let title = report.title();
    let (domains, total) = report.dashboard();
    let regressions = state.regressions();
    let unverified = state.unverified_now();
    let gaps: Vec<_> = report
        .with_status(Status::Blocked)
        .filter(|r| {
            filter
                .domain
                .as_deref()
                .is_none_or(|d| r.panel.id.domain().as_str().eq_ignore_ascii_case(d))
        })
        .filter(|r| {
            filter
                .code
                .is_none_or(|c| r.gap().is_some_and(|g| g.code == c))
        })
        .collect();
    let markup = html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                // No favicon request: a static page has none beside it, and a 404 is a console error.
                link rel="icon" href="data:,";
                title { "HISAR — " (title) }
                style { (PreEscaped(STYLE)) }
            }
            body {
                header {
                    div {
                        h1 { (title) }
                        div.meta {
                            @match &state.latest {
                                Some(l) => { "Last sweep " strong { "#" (l.id) } " at " strong { (when(l.started_at)) } " · " (l.selection.describe()) " · " (l.panels) " panels probed · " (state.sweeps) @if state.sweeps == 1 { " sweep recorded" } @else { " sweeps recorded" } }
                                None => { "Never swept" }
                            }
                        }
                    }
                    div.meta {
                        @if served {
                            a href="tracker.md" { "tracker.md" } " · " a href="api/v1/render-plan" { "render plan" } " · " a href="api/v1/openapi.json" { "API" } " · "
                        } @else if let Some(tracker) = &report.tracker_link {
                            a href=(tracker) { (tracker) } " · "
                        }
                        a href="#fixes" { "priority fixes" } " · " a href="#panels" { "all panels" }
                    }
                }
                main {
                    section.span12 {
                        div.kpis {
                            div.kpi { b { (total.completion()) "%" } span { "Completion" } }
                            div.kpi { b.ok { (total.bound) } span { "Bound" } }
                            div.kpi { b.bad { (total.blocked) } span { "Blocked" } }
                            div.kpi { b.warn { (total.unverified) } span { "Unverified" } }
                            div.kpi { b class=(if regressions.is_empty() { "" } else { "bad" }) { (regressions.len()) } span { "Regressions" } }
                            div.kpi { b { (state.resolutions.len()) } span { "Resolved" } }
                        }
                    }
                    section.span5 {
                        h2 { "Completion by domain" }
                        table {
                            tr { th { "Domain" } th { "" } th.num { "Bound" } th.num { "Total" } th.num { "%" } }
                            @for d in &domains {
                                tr {
                                    td { a href=(if served { format!("{}#gaps", GapFilter::query(Some(&d.code), None)) } else { format!("#{}", anchor("domain", &d.code)) }) { (d.name) } }
                                    td { div.bar { i style=(format!("width:{}%", d.completion())) {} } }
                                    td.num { (d.bound) } td.num { (d.total) } td.num { (d.completion()) "%" }
                                }
                            }
                            tr {
                                td { strong { "TOTAL" } }
                                td { div.bar { i style=(format!("width:{}%", total.completion())) {} } }
                                td.num { strong { (total.bound) } } td.num { strong { (total.total) } } td.num { strong { (total.completion()) "%" } }
                            }
                        }
                    }
                    section.span7 {
                        h2 { "Bound panels over sweeps" }
                        (chart(series))
                    }
                    section.span12 {
                        h2 { "Gaps by code" }
                        @for code in GapCode::ALL {
                            @if served {
                                a class=(format!("chip {}", priority_class(code))) href=(format!("{}#gaps", GapFilter::query(filter.domain.as_deref(), Some(code)))) title=(code.meaning()) {
                                    "P" (code.priority()) " " (code) " · " (report.gap_count(code))
                                }
                            } @else if report.gap_count(code) > 0 {
                                a class=(format!("chip {}", priority_class(code))) href=(format!("#{}", fix_anchor(code))) title=(code.meaning()) {
                                    "P" (code.priority()) " " (code) " · " (report.gap_count(code))
                                }
                            } @else {
                                span class=(format!("chip {}", priority_class(code))) title=(code.meaning()) {
                                    "P" (code.priority()) " " (code) " · 0"
                                }
                            }
                        }
                    }
                    section.span12 id="fixes" {
                        h2 { "Priority fixes" }
                        (fixes(report))
                    }
                    section.span12 id="gaps" {
                        h2 { "Active gaps (" (gaps.len()) ")" }
                        @if served { p.filters {
                            "Domain: "
                            a class=(if filter.domain.is_none() { "on" } else { "" }) href=(GapFilter::query(None, filter.code)) { "all" }
                            @for d in registry.domains() {
                                a class=(if filter.domain.as_deref() == Some(d.code.as_str()) { "on" } else { "" }) href=(GapFilter::query(Some(d.code.as_str()), filter.code)) { (d.code) }
                            }
                            " · Gap: "
                            a class=(if filter.code.is_none() { "on" } else { "" }) href=(GapFilter::query(filter.domain.as_deref(), None)) { "all" }
                            @for code in GapCode::ALL {
                                a class=(if filter.code == Some(code) { "on" } else { "" }) href=(GapFilter::query(filter.domain.as_deref(), Some(code))) { (code) }
                            }
                        } }
                        @if gaps.is_empty() {
                            p.dim { "No active gap matches." }
                        } @else {
                            table {
                                tr { th { "Panel" } th { "Endpoint" } th { "Gap" } th { "Detail" } th { "Since" } }
                                @for r in &gaps {
                                    @if let Some(gap) = r.gap() {
                                        tr {
                                            td.nowrap { a href=(format!("#{}", anchor("panel", r.panel.id.as_str()))) { code { (r.panel.id) } } }
                                            td { code { (r.panel.endpoint) } }
                                            td { span class=(format!("chip {}", priority_class(gap.code))) { (gap.code) }
                                                 @if let Some(w) = report.waiver(r) { br; span.dim { "waived until " (w.expires) } } }
                                            td { (gap.detail) }
                                            td.dim.nowrap { (r.state.since.map(Report::date).unwrap_or_default()) }
                                        }
                                    }
                                }
                            }
                        }
                    }
                    section.span4 {
                        h2 { "Regressions (" (regressions.len()) ")" }
                        @if regressions.is_empty() { p.dim { "None." } }
                        ul {
                            @for p in &regressions {
                                li { a href=(format!("#{}", anchor("panel", &p.panel))) { code { (p.panel) } } " " span.bad { (p.verdict.as_ref().and_then(hisar_core::Verdict::code).map(|c| c.to_string()).unwrap_or_default()) } " since " (p.regressed_at.map(Report::date).unwrap_or_default()) }
                            }
                        }
                    }
                    section.span4 {
                        h2 { "Resolved (" (state.resolutions.len()) ")" }
                        @if state.resolutions.is_empty() { p.dim { "None yet." } }
                        ul {
                            @for r in state.resolutions.iter().take(20) {
                                li { a href=(format!("#{}", anchor("panel", &r.panel))) { code { (r.panel) } } " " span.ok { (r.code) } " resolved " (Report::date(r.resolved_at)) span.dim { " — " (r.seen) } }
                            }
                        }
                    }
                    section.span4 {
                        h2 { "Unverified this sweep (" (unverified.len()) ")" }
                        @if unverified.is_empty() { p.dim { "None: every probed panel answered." } }
                        ul {
                            @for (id, reason) in unverified.iter().take(20) {
                                li { a href=(format!("#{}", anchor("panel", id))) { code { (id) } } span.dim { " " (reason) } }
                            }
                        }
                    }
                }
                div.main {
                    section.span12 id="panels" {
                        h2 { "Panels (" (registry.panels().len()) "): open one for its evidence and verdict timeline" }
                        @for domain in registry.domains() {
                            h3 id=(anchor("domain", domain.code.as_str())) { (domain.name) " (" (domain.code) ")" }
                            @for r in report.rows().filter(|r| r.panel.id.domain() == &domain.code) {
                                (panel_details(report, &r))
                            }
                        }
                    }
                }
                footer {
                    "Generated by HISAR " (env!("CARGO_PKG_VERSION")) " from " (report.registry_path) ". Re-check a panel: " code { (report.recheck_command()) }
                }
            }
        }
    };
    markup.into_string()
}

/// Writes the static dashboard (the history chart from the report's series).
pub fn write_html(report: &Report<'_>, w: &mut dyn Write) -> io::Result<()> {
    w.write_all(render_static_html(report).as_bytes())
}

#[cfg(test)]
mod tests {
    use hisar_core::GapCode;

    use super::{GapFilter, anchor};

    #[test]
    fn anchors_keep_plain_ids_and_encode_the_rest() {
        assert_eq!(anchor("panel", "OVR-SUM-CI-O1"), "panel-OVR-SUM-CI-O1");
        assert_eq!(
            anchor("panel", "Cost summary/EU"),
            "panel-Cost_20summary_2FEU"
        );
        assert_ne!(anchor("panel", "a b"), anchor("panel", "a_b"));
    }

    #[test]
    fn filter_links_carry_the_domain_then_the_code() {
        assert_eq!(GapFilter::query(None, None), "?");
        assert_eq!(GapFilter::query(Some("OVR"), None), "?domain=OVR");
        assert_eq!(
            GapFilter::query(None, Some(GapCode::SdsrFailed)),
            "?code=SDSR_FAILED"
        );
        assert_eq!(
            GapFilter::query(Some("OVR"), Some(GapCode::AuthFailure)),
            "?domain=OVR&code=AUTH_FAILURE"
        );
    }
}
