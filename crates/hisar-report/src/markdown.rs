//! The Markdown tracker (SPEC §6): every section in order, byte-identical for the same history.

use std::io::{self, Write};

use hisar_core::EntryKind;
use hisar_core::history::{Closure, RETIRED_SHOWN_FOR};
use hisar_core::{GapCode, Method, Panel, Status};

use crate::model::{Report, Row};

const DEFAULT_PURPOSE: &str = "This document tracks every backend gap that HISAR found by probing the backend \
for each panel of the UI. It is generated from the stored history of sweeps: do not edit it by hand. \
Backend teams pick a gap from Priority Fixes, fix it, and re-check the panel; the gap then moves to \
Resolved Gaps.";

/// Escapes text for a table cell, so that it renders as the text it is, whoever wrote it (a
/// backend's error message, a redirect's Location, an invariant's found value): a `|` cannot
/// end the cell, HTML tags and entities show as written (`<`, `&`), `[text](url)` and
/// `<url>` make no link (`[`, `]`, `<`), and emphasis and strike-through marks show as
/// themselves (`*`, `~`, and `_` unless inside a word, where it marks nothing, as in
/// `total_cost`). Line breaks become spaces. Every escape is a CommonMark backslash escape.
///
/// A code span (`` `$.items[*].id exists` ``, as HISAR quotes invariants and auth modes)
/// stays one: its content renders literally anyway, and escapes inside it would show. Only a
/// span whose content holds no backslash qualifies (a backslash next to an escaped `|` could
/// end the cell inside the span); any other backtick is escaped.
pub(crate) fn cell(text: &str) -> String {
    let chars: Vec<char> = text
        .chars()
        .map(|c| if c == '\n' || c == '\r' { ' ' } else { c })
        .collect();
    let mut out = String::with_capacity(text.len() + 8);
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '`' {
            let run = chars[i..].iter().take_while(|&&b| b == '`').count();
            if let Some(len) = code_span(&chars[i + run..], run) {
                let fence: String = chars[i..i + run].iter().collect();
                out.push_str(&fence);
                for &inner in &chars[i + run..i + run + len] {
                    if inner == '|' {
                        out.push('\\');
                    }
                    out.push(inner);
                }
                out.push_str(&fence);
                i += 2 * run + len;
            } else {
                for _ in 0..run {
                    out.push_str("\\`");
                }
                i += run;
            }
            continue;
        }
        // HISAR's own mask for a secret (`***`, SPEC §3.6) stays as written: it reads as
        // itself, and at worst pairs with another into emphasis.
        if c == '*' {
            let run = chars[i..].iter().take_while(|&&b| b == '*').count();
            if run == 3 {
                out.push_str("***");
            } else {
                for _ in 0..run {
                    out.push_str("\\*");
                }
            }
            i += run;
            continue;
        }
        match c {
            '\\' | '|' | '<' | '&' | '[' | ']' | '~' => {
                out.push('\\');
                out.push(c);
            }
            '_' => {
                let inside_word = i > 0
                    && chars[i - 1].is_alphanumeric()
                    && chars.get(i + 1).is_some_and(|n| n.is_alphanumeric());
                if !inside_word {
                    out.push('\\');
                }
                out.push('_');
            }
            _ => out.push(c),
        }
        i += 1;
    }
    out
}

/// The length of a code span's content in `rest` (what follows an opening run of `run`
/// backticks): up to the next run of exactly `run` backticks, when the content is not empty
/// and holds no backslash.
fn code_span(rest: &[char], run: usize) -> Option<usize> {
    let mut j = 0;
    while j < rest.len() {
        if rest[j] == '\\' {
            return None;
        }
        if rest[j] == '`' {
            let closing = rest[j..].iter().take_while(|&&b| b == '`').count();
            if closing == run {
                return (j > 0).then_some(j);
            }
            j += closing;
        } else {
            j += 1;
        }
    }
    None
}

/// The endpoint as tables show it: the path, with the method when it is not GET.
fn endpoint(panel: &Panel) -> String {
    if panel.endpoint.method == Method::Get {
        format!("`{}`", panel.endpoint.path)
    } else {
        format!("`{} {}`", panel.endpoint.method, panel.endpoint.path)
    }
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// Writes the tracker.
pub fn write_markdown(report: &Report<'_>, w: &mut dyn Write) -> io::Result<()> {
    header(report, w)?;
    purpose(report, w)?;
    dashboard(report, w)?;
    taxonomy(report, w)?;
    bound(report, w)?;
    active(report, w)?;
    provenance(w)?;
    process(report, w)?;
    priorities(report, w)?;
    regressions(report, w)?;
    unverified(report, w)?;
    resolved(report, w)?;
    retired(report, w)?;
    references(report, w)
}

fn rule(w: &mut dyn Write) -> io::Result<()> {
    writeln!(w, "\n---\n")
}

fn header(report: &Report<'_>, w: &mut dyn Write) -> io::Result<()> {
    writeln!(w, "# {}\n", report.title())?;
    let tracker = &report.registry.tracker();
    writeln!(
        w,
        "**Status:** {}  ",
        tracker.status.as_deref().unwrap_or("ACTIVE")
    )?;
    match &report.state.latest {
        Some(latest) => {
            writeln!(
                w,
                "**Last Updated:** {}  ",
                Report::date(latest.finished_at)
            )?;
            if let Some(related) = &tracker.related {
                writeln!(w, "**Related:** {related}  ")?;
            }
            writeln!(
                w,
                "**Sweep Date:** {}  ",
                latest.started_at.strftime("%Y-%m-%dT%H:%M:%SZ")
            )?;
            writeln!(
                w,
                "**Sweep:** #{} of {}, {} ({})",
                latest.id,
                report.state.sweeps,
                latest.selection.describe(),
                plural(latest.panels, "panel", "panels")
            )?;
        }
        None => {
            if let Some(related) = &tracker.related {
                writeln!(w, "**Related:** {related}  ")?;
            }
            writeln!(w, "**Sweep Date:** never swept")?;
        }
    }
    rule(w)
}

fn purpose(report: &Report<'_>, w: &mut dyn Write) -> io::Result<()> {
    writeln!(w, "## Purpose\n")?;
    writeln!(
        w,
        "{}",
        report
            .registry
            .tracker()
            .purpose
            .as_deref()
            .unwrap_or(DEFAULT_PURPOSE)
    )?;
    rule(w)
}

fn dashboard(report: &Report<'_>, w: &mut dyn Write) -> io::Result<()> {
    let (rows, total) = report.dashboard();
    let with_unverified = total.unverified > 0;
    writeln!(w, "## Summary Dashboard\n")?;
    if with_unverified {
        writeln!(
            w,
            "| Domain | Total Panels | BOUND | BLOCKED | UNVERIFIED | Completion |"
        )?;
        writeln!(
            w,
            "|--------|--------------|-------|---------|------------|------------|"
        )?;
    } else {
        writeln!(
            w,
            "| Domain | Total Panels | BOUND | BLOCKED | Completion |"
        )?;
        writeln!(
            w,
            "|--------|--------------|-------|---------|------------|"
        )?;
    }
    for d in &rows {
        if with_unverified {
            writeln!(
                w,
                "| {} | {} | {} | {} | {} | {}% |",
                cell(&d.name),
                d.total,
                d.bound,
                d.blocked,
                d.unverified,
                d.completion()
            )?;
        } else {
            writeln!(
                w,
                "| {} | {} | {} | {} | {}% |",
                cell(&d.name),
                d.total,
                d.bound,
                d.blocked,
                d.completion()
            )?;
        }
    }
    let t = &total;
    if with_unverified {
        writeln!(
            w,
            "| **TOTAL** | **{}** | **{}** | **{}** | **{}** | **{}%** |",
            t.total,
            t.bound,
            t.blocked,
            t.unverified,
            t.completion()
        )?;
        writeln!(
            w,
            "\nUNVERIFIED panels have never been verified: no sweep got evidence for them yet."
        )?;
    } else {
        writeln!(
            w,
            "| **TOTAL** | **{}** | **{}** | **{}** | **{}%** |",
            t.total,
            t.bound,
            t.blocked,
            t.completion()
        )?;
    }
    rule(w)
}

fn taxonomy(report: &Report<'_>, w: &mut dyn Write) -> io::Result<()> {
    writeln!(w, "## Gap Taxonomy\n")?;
    writeln!(w, "| Priority | Code | Count | Meaning | Resolution |")?;
    writeln!(w, "|----------|------|-------|---------|------------|")?;
    for code in GapCode::ALL {
        writeln!(
            w,
            "| P{} | {} | {} | {} | {} |",
            code.priority(),
            code,
            report.gap_count(code),
            code.meaning(),
            code.resolution()
        )?;
    }
    rule(w)
}

fn bound(report: &Report<'_>, w: &mut dyn Write) -> io::Result<()> {
    let rows: Vec<Row<'_>> = report.with_status(Status::Bound).collect();
    writeln!(w, "## BOUND Panels ({})\n", rows.len())?;
    if rows.is_empty() {
        writeln!(w, "No panel is bound yet.")?;
        return rule(w);
    }
    writeln!(
        w,
        "| Domain | Panel | Endpoint | Capability | Status | Since |"
    )?;
    writeln!(
        w,
        "|--------|-------|----------|------------|--------|-------|"
    )?;
    for r in rows {
        let cap = report
            .state
            .capabilities
            .get(&r.panel.capability)
            .map_or("DECLARED", |c| c.status.as_str());
        let since = r.state.since.map(Report::date).unwrap_or_default();
        writeln!(
            w,
            "| {} | {} | {} | {} | {cap} | {since} |",
            r.panel.id.domain(),
            r.panel.id,
            endpoint(r.panel),
            r.panel.capability
        )?;
    }
    rule(w)
}

fn active(report: &Report<'_>, w: &mut dyn Write) -> io::Result<()> {
    writeln!(w, "## Active Gaps by Domain\n")?;
    let mut first = true;
    for domain in report.registry.domains() {
        let rows: Vec<Row<'_>> = report
            .with_status(Status::Blocked)
            .filter(|r| r.panel.id.domain() == &domain.code)
            .collect();
        if !first {
            writeln!(w, "\n---\n")?;
        }
        first = false;
        writeln!(w, "### {} Domain ({} BLOCKED)\n", domain.name, rows.len())?;
        if rows.is_empty() {
            writeln!(w, "No active gaps.")?;
            continue;
        }
        writeln!(w, "| Panel | Endpoint | Gap | Status | Detail | Since |")?;
        writeln!(w, "|-------|----------|-----|--------|--------|-------|")?;
        for r in rows {
            let Some(gap) = r.gap() else { continue };
            let status = match report.waiver(&r) {
                Some(waiver) => {
                    format!("WAIVED until {} ({})", waiver.expires, cell(&waiver.owner))
                }
                None => "BLOCKED".to_owned(),
            };
            let mut detail = cell(&gap.detail);
            let more = r.state.verdict.as_ref().map_or(0, |v| {
                v.findings.iter().filter(|f| f.code.is_some()).count()
            });
            if more > 0 {
                detail.push_str(&format!(
                    " (+{})",
                    plural(more, "more finding", "more findings")
                ));
            }
            let since = r.state.since.map(Report::date).unwrap_or_default();
            writeln!(
                w,
                "| {} | {} | {} | {status} | {detail} | {since} |",
                r.panel.id,
                endpoint(r.panel),
                gap.code
            )?;
        }
    }
    let expired: Vec<_> = report.expired_waivers().collect();
    if !expired.is_empty() {
        writeln!(w, "\nExpired waivers (their gaps count again):\n")?;
        for waiver in expired {
            writeln!(
                w,
                "- {} {}: expired {} (owner {}; {})",
                waiver.panel,
                waiver.code,
                waiver.expires,
                cell(&waiver.owner),
                cell(&waiver.reason)
            )?;
        }
    }
    rule(w)
}

fn provenance(w: &mut dyn Write) -> io::Result<()> {
    writeln!(w, "## HIL v1 Provenance Standard\n")?;
    writeln!(
        w,
        "Interpretation panels, and any panel that declares `provenance:`, need a HIL v1 provenance block \
in the response (at `provenance`, unless the panel names another JSON pointer).\n"
    )?;
    writeln!(w, "### Required Fields\n")?;
    writeln!(w, "```yaml")?;
    writeln!(w, "provenance:")?;
    writeln!(
        w,
        "  generated_at: <RFC 3339 timestamp, not more than 5 minutes in the future>"
    )?;
    writeln!(w, "  aggregation: <list | summary | count | detail>")?;
    writeln!(w, "  source: <engine name, non-empty>")?;
    writeln!(w, "  tenant_id: <optional, for scoped data>")?;
    writeln!(w, "  period: <optional, for time-bounded queries>")?;
    writeln!(w, "```\n")?;
    writeln!(w, "### Aggregation Types\n")?;
    writeln!(w, "| Type | Use Case | Example Endpoints |")?;
    writeln!(w, "|------|----------|-------------------|")?;
    writeln!(w, "| list | Paginated collections | /runs, /incidents |")?;
    writeln!(w, "| summary | Aggregated metrics | /summary, /stats |")?;
    writeln!(w, "| count | Simple counts | /count endpoints |")?;
    writeln!(w, "| detail | Single entity | /runs/{{id}} |")?;
    rule(w)
}

fn process(report: &Report<'_>, w: &mut dyn Write) -> io::Result<()> {
    writeln!(w, "## Resolution Process\n")?;
    writeln!(
        w,
        "1. Pick a gap from Priority Fixes (P0 first) or from Active Gaps."
    )?;
    writeln!(w, "2. Fix it in the backend.")?;
    writeln!(w, "3. Re-check the panel: `{}`", report.recheck_command())?;
    writeln!(
        w,
        "4. When it is BOUND, the gap moves to Resolved Gaps with the date and what was seen."
    )?;
    writeln!(
        w,
        "5. When it still fails, its detail here shows what the new sweep saw."
    )?;
    rule(w)
}

fn ids(panels: &[String]) -> String {
    panels.join(", ")
}

fn priorities(report: &Report<'_>, w: &mut dyn Write) -> io::Result<()> {
    let f = &report.fixes;
    writeln!(w, "## Priority Fixes\n")?;
    if f.panels.is_empty() {
        writeln!(w, "Nothing to fix: no verified panel is blocked.")?;
        return rule(w);
    }
    let count = |code| report.gap_count(code);
    let mut sections = 0;
    if !f.p0.is_empty() {
        sections += 1;
        let n = count(GapCode::AuthFailure);
        writeln!(
            w,
            "### P0: AUTH_FAILURE ({})\n",
            plural(n, "panel", "panels")
        )?;
        writeln!(
            w,
            "Add these entries to the gateway's public paths for the verifier (or give it a service account). \
Every failing endpoint is covered; endpoints of one family share a prefix entry.\n"
        )?;
        writeln!(w, "| Entry | Match | Unblocks | Endpoints |")?;
        writeln!(w, "|-------|-------|----------|-----------|")?;
        for e in &f.p0 {
            let kind = match e.kind {
                EntryKind::Prefix => "prefix",
                EntryKind::Exact => "exact",
                EntryKind::Pattern => "pattern",
            };
            let endpoints: Vec<String> = e.endpoints.iter().map(|p| format!("`{p}`")).collect();
            writeln!(
                w,
                "| `{}` | {kind} | {} | {} |",
                e.entry,
                plural(e.panels.len(), "panel", "panels"),
                endpoints.join(", ")
            )?;
        }
        writeln!(w, "\n```text")?;
        for e in &f.p0 {
            writeln!(w, "{}", e.entry)?;
        }
        writeln!(w, "```\n")?;
    }
    if !f.p1.is_empty() {
        sections += 1;
        writeln!(
            w,
            "### P1: ENDPOINT_MISSING ({})\n",
            plural(count(GapCode::EndpointMissing), "panel", "panels")
        )?;
        writeln!(w, "These endpoints need to be created:\n")?;
        writeln!(w, "| Endpoint | Purpose | Panels |")?;
        writeln!(w, "|----------|---------|--------|")?;
        for r in &f.p1 {
            let purpose = if r.purpose.is_empty() {
                "—".to_owned()
            } else {
                cell(&r.purpose)
            };
            writeln!(w, "| `{}` | {purpose} | {} |", r.endpoint, ids(&r.panels))?;
        }
        writeln!(w)?;
    }
    let tables = [
        (
            GapCode::ProvenanceMissing,
            &f.p2,
            "Add HIL v1 provenance to these responses:",
            "Missing",
        ),
        (
            GapCode::CoherencyFailed,
            &f.p3,
            "Align these paths or methods with the served routes:",
            "Did you mean",
        ),
        (
            GapCode::SdsrFailed,
            &f.p4,
            "Fix these responses:",
            "Failing check",
        ),
    ];
    for (code, rows, intro, column) in tables {
        if rows.is_empty() {
            continue;
        }
        sections += 1;
        writeln!(
            w,
            "### P{}: {code} ({})\n",
            code.priority(),
            plural(count(code), "panel", "panels")
        )?;
        writeln!(w, "{intro}\n")?;
        writeln!(w, "| Endpoint | {column} | Panels |")?;
        writeln!(w, "|----------|{}|--------|", "-".repeat(column.len() + 2))?;
        for r in rows {
            writeln!(
                w,
                "| `{}` | {} | {} |",
                r.endpoint,
                cell(&r.fix),
                ids(&r.panels)
            )?;
        }
        writeln!(w)?;
    }
    debug_assert!(sections > 0);
    writeln!(w, "---\n")
}

fn regressions(report: &Report<'_>, w: &mut dyn Write) -> io::Result<()> {
    let list = report.state.regressions();
    if list.is_empty() {
        return Ok(());
    }
    writeln!(w, "## Regressions ({})\n", list.len())?;
    writeln!(w, "Panels that were BOUND and are BLOCKED again.\n")?;
    writeln!(w, "| Panel | Endpoint | Gap | Regressed | Detail |")?;
    writeln!(w, "|-------|----------|-----|-----------|--------|")?;
    for state in list {
        let Some(panel) = report.registry.panel(&state.panel) else {
            continue;
        };
        let Some(gap) = state.verdict.as_ref().and_then(|v| v.gap()) else {
            continue;
        };
        let at = state.regressed_at.map(Report::date).unwrap_or_default();
        writeln!(
            w,
            "| {} | {} | {} | {at} | {} |",
            panel.id,
            endpoint(panel),
            gap.code,
            cell(&gap.detail)
        )?;
    }
    rule(w)
}

fn unverified(report: &Report<'_>, w: &mut dyn Write) -> io::Result<()> {
    let list = report.state.unverified_now();
    if list.is_empty() {
        return Ok(());
    }
    writeln!(w, "## Unverified This Sweep ({})\n", list.len())?;
    writeln!(
        w,
        "The sweep got no evidence for these panels. This is not a backend gap: they keep their previous state.\n"
    )?;
    writeln!(w, "| Panel | Endpoint | Tracked Status | Reason |")?;
    writeln!(w, "|-------|----------|----------------|--------|")?;
    for (id, reason) in list {
        let Some(panel) = report.registry.panel(id) else {
            continue;
        };
        let tracked = report
            .state
            .panel(id)
            .map_or(Status::Unverified, |p| p.status);
        writeln!(
            w,
            "| {} | {} | {tracked} | {} |",
            panel.id,
            endpoint(panel),
            cell(&reason)
        )?;
    }
    rule(w)
}

fn resolved(report: &Report<'_>, w: &mut dyn Write) -> io::Result<()> {
    writeln!(w, "## Resolved Gaps\n")?;
    writeln!(w, "| Panel | Endpoint | Gap | Resolved Date | Fix |")?;
    writeln!(w, "|-------|----------|-----|---------------|-----|")?;
    if report.state.resolutions.is_empty() {
        writeln!(w, "| (none yet) | | | | |")?;
    }
    for r in &report.state.resolutions {
        if let Closure::Superseded { change } = &r.closed {
            // The gap was about the old endpoint: show that one, never the new.
            writeln!(
                w,
                "| {} | `{}` | {} | {} | superseded ({}) (open since {}) |",
                r.panel,
                r.endpoint,
                r.code,
                Report::date(r.resolved_at),
                cell(change),
                Report::date(r.first_seen)
            )?;
            continue;
        }
        let ep = report
            .registry
            .panel(&r.panel)
            .map_or_else(|| format!("`{}`", r.endpoint), endpoint);
        writeln!(
            w,
            "| {} | {ep} | {} | {} | seen {} (open since {}) |",
            r.panel,
            r.code,
            Report::date(r.resolved_at),
            cell(&r.seen),
            Report::date(r.first_seen)
        )?;
    }
    rule(w)
}

/// Panels the registry no longer has (SPEC §5.2), for 30 days after they left.
fn retired(report: &Report<'_>, w: &mut dyn Write) -> io::Result<()> {
    let list = &report.state.retired;
    if list.is_empty() {
        return Ok(());
    }
    writeln!(
        w,
        "## Retired Panels ({})
",
        list.len()
    )?;
    writeln!(
        w,
        "Panels removed from the registry in the last {RETIRED_SHOWN_FOR} days. An open gap closed as retired: no one has to fix it.\n"
    )?;
    writeln!(w, "| Panel | Last Endpoint | Last Verdict | Retired |")?;
    writeln!(w, "|-------|---------------|--------------|---------|")?;
    for r in list {
        let verdict = match r.code {
            Some(code) => format!("{} {code}", r.status),
            None => r.status.to_string(),
        };
        let when = r.retired_at.map_or_else(
            || format!("not swept since (last seen {})", Report::date(r.last_seen)),
            Report::date,
        );
        writeln!(w, "| {} | `{}` | {verdict} | {when} |", r.panel, r.endpoint)?;
    }
    rule(w)
}

fn references(report: &Report<'_>, w: &mut dyn Write) -> io::Result<()> {
    writeln!(w, "## References\n")?;
    writeln!(w, "- Registry: `{}`", report.registry_path)?;
    for r in &report.references {
        writeln!(w, "- `{r}`")?;
    }
    writeln!(w, "- Generated by HISAR {}", env!("CARGO_PKG_VERSION"))
}

#[cfg(test)]
mod tests {
    use hisar_core::Registry;

    use super::*;

    #[test]
    fn cell_escapes_pipes_and_backslashes_and_flattens_line_breaks() {
        assert_eq!(cell("a | b"), r"a \| b");
        // The backslash is escaped first, so an escaped pipe stays literal.
        assert_eq!(cell(r"a \| b"), r"a \\\| b");
        assert_eq!(cell("one\ntwo\r\nthree"), "one two  three");
        assert_eq!(cell("plain"), "plain");
    }

    #[test]
    fn cell_escapes_markup_links_and_emphasis_but_not_words() {
        assert_eq!(cell("<b>x</b> &amp;"), r"\<b>x\</b> \&amp;");
        assert_eq!(
            cell("[click](javascript:alert(1))"),
            r"\[click\](javascript:alert(1))"
        );
        assert_eq!(cell("**bold** ~~gone~~"), r"\*\*bold\*\* \~\~gone\~\~");
        // Code spans stay code spans (their content shows literally); a `|` in one is escaped
        // for the table; a lone backtick, or a span with a backslash, is escaped.
        assert_eq!(
            cell("invariant `$.items[*].id exists` failed: found \"a|b\""),
            r#"invariant `$.items[*].id exists` failed: found "a\|b""#
        );
        assert_eq!(cell("`a|b` and ``c`d``"), r"`a\|b` and ``c`d``");
        assert_eq!(cell("one ` tick"), r"one \` tick");
        assert_eq!(cell(r"`a\|<b>`"), r"\`a\\\|\<b>\`");
        assert_eq!(cell("``"), r"\`\`");

        assert_eq!(cell("$.total_cost isNumber"), "$.total_cost isNumber");
        // The mask of a secret stays readable.
        assert_eq!(cell("key *** is not allowed"), "key *** is not allowed");
        assert_eq!(cell("_a_ b_ _c"), r"\_a\_ b\_ \_c");
        assert_eq!(cell("é_ü ünïcødé"), "é_ü ünïcødé");
    }

    #[test]
    fn endpoint_shows_the_method_unless_it_is_get() {
        let registry = Registry::from_yaml(
            r#"
version: 1
defaults: { class: evidence }
domains: [{ code: A, name: ALPHA }]
panels:
  - { id: A-B-C-O1, capability: a.one, endpoint: "/runs/{run_id}", path_params: { run_id: r1 } }
  - { id: A-B-C-O2, capability: a.two, endpoint: GET /runs }
  - { id: A-B-C-O3, capability: a.three, endpoint: POST /runs/search }
"#,
            "hisar.yaml",
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let shown: Vec<String> = registry.panels().iter().map(endpoint).collect();
        assert_eq!(
            shown,
            ["`/runs/{run_id}`", "`/runs`", "`POST /runs/search`"]
        );
    }

    #[test]
    fn plural_agrees_with_the_count() {
        assert_eq!(plural(0, "panel", "panels"), "0 panels");
        assert_eq!(plural(1, "panel", "panels"), "1 panel");
        assert_eq!(plural(2, "panel", "panels"), "2 panels");
    }
}
