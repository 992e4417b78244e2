//! The HTML dashboard: one server-rendered page, readable without JavaScript. Completion per
//! domain, gap counts per code, the active gaps with filters, bound panels over sweeps (inline
//! SVG), regressions, resolutions and the time of the last sweep.

use std::fmt::Write as _;
use std::io::{self, Write};

use hisar_core::{GapCode, Status};
use jiff::Timestamp;
use maud::{DOCTYPE, Markup, PreEscaped, html};

use crate::model::{Report, SeriesPoint};

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
main{padding:20px 28px;display:grid;grid-template-columns:repeat(12,1fr);gap:18px}
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
";

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

/// Renders the dashboard page with the gap filter applied.
pub fn render_html(report: &Report<'_>, series: &[SeriesPoint], filter: &GapFilter) -> String {
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
                .is_none_or(|d| r.panel.id.domain().as_str() == d)
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
                title { "HISAR — " (title) }
                style { (PreEscaped(STYLE)) }
            }
            body {
                header {
                    div {
                        h1 { (title) }
                        div.meta {
                            @match &state.latest {
                                Some(l) => { "Last sweep " strong { "#" (l.id) } " at " strong { (when(l.started_at)) } " · " (l.selection.describe()) " · " (l.panels) " panels probed · " (state.sweeps) " sweeps recorded" }
                                None => { "Never swept" }
                            }
                        }
                    }
                    div.meta {
                        a href="tracker.md" { "tracker.md" } " · " a href="api/v1/render-plan" { "render plan" } " · " a href="api/v1/openapi.json" { "API" }
                    }
                }
                main {
                    section.span12 {
                        div.kpis {
                            div.kpi { b { (total.completion()) "%" } span { "Completion" } }
                            div.kpi { b.ok { (total.bound) } span { "Bound" } }
                            div.kpi { b.bad { (total.blocked) } span { "Blocked" } }
                            div.kpi { b.warn { (total.unverified) } span { "Never verified" } }
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
                                    td { a href=(GapFilter::query(Some(&d.code), None)) { (d.name) } }
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
                            a class=(format!("chip {}", priority_class(code))) href=(GapFilter::query(filter.domain.as_deref(), Some(code))) title=(code.meaning()) {
                                "P" (code.priority()) " " (code) " · " (report.gap_count(code))
                            }
                        }
                    }
                    section.span12 {
                        h2 { "Active gaps (" (gaps.len()) ")" }
                        p.filters {
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
                        }
                        @if gaps.is_empty() {
                            p.dim { "No active gap matches." }
                        } @else {
                            table {
                                tr { th { "Panel" } th { "Endpoint" } th { "Gap" } th { "Detail" } th { "Since" } }
                                @for r in &gaps {
                                    @if let Some(gap) = r.gap() {
                                        tr {
                                            td.nowrap { code { (r.panel.id) } }
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
                                li { code { (p.panel) } " " span.bad { (p.verdict.as_ref().and_then(hisar_core::Verdict::code).map(|c| c.to_string()).unwrap_or_default()) } " since " (p.regressed_at.map(Report::date).unwrap_or_default()) }
                            }
                        }
                    }
                    section.span4 {
                        h2 { "Resolved (" (state.resolutions.len()) ")" }
                        @if state.resolutions.is_empty() { p.dim { "None yet." } }
                        ul {
                            @for r in state.resolutions.iter().take(20) {
                                li { code { (r.panel) } " " span.ok { (r.code) } " resolved " (Report::date(r.resolved_at)) span.dim { " — " (r.seen) } }
                            }
                        }
                    }
                    section.span4 {
                        h2 { "Unverified this sweep (" (unverified.len()) ")" }
                        @if unverified.is_empty() { p.dim { "None: every probed panel answered." } }
                        ul {
                            @for (id, reason) in unverified.iter().take(20) {
                                li { code { (id) } span.dim { " " (reason) } }
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

/// Writes the dashboard page (no filter; the history chart from the report's series).
pub fn write_html(report: &Report<'_>, w: &mut dyn Write) -> io::Result<()> {
    w.write_all(render_html(report, &report.series, &GapFilter::default()).as_bytes())
}

#[cfg(test)]
mod tests {
    use hisar_core::GapCode;

    use super::GapFilter;

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
