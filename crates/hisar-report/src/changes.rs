//! What one sweep changed, in Markdown: `hisar diff --format markdown` (a pull-request
//! comment) and the GitHub Actions job summary (SPEC §5.6).

use std::io::{self, Write};

use hisar_core::history::{Change, ChangeKind, PanelRecord};
use hisar_core::{GapCode, Outcome};

use crate::markdown::cell;
use crate::model::Report;

/// One change with what a reader needs to act on it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangeRow {
    /// What happened.
    pub kind: ChangeKind,
    /// The panel.
    pub panel: String,
    /// The endpoint probed (`GET /path`).
    pub endpoint: String,
    /// The gap: the new one, or the one resolved.
    pub code: GapCode,
    /// One line: the gap's detail, or for a resolution what was seen.
    pub detail: String,
}

impl ChangeRow {
    /// The rows of `changes`, with endpoint and detail from the sweep's `records`, in the order
    /// a reader acts on them: regressed, new, changed code, resolved, then gaps closed by a
    /// registry change (superseded or retired).
    pub fn rows(changes: &[Change], records: &[PanelRecord]) -> Vec<ChangeRow> {
        let mut rows: Vec<ChangeRow> = changes
            .iter()
            .map(|c| {
                let record = records.iter().find(|r| r.panel == c.panel);
                let detail = match &c.kind {
                    // The gap closed for what the registry did, not for what was seen.
                    ChangeKind::Superseded => {
                        "superseded: the registry changed the panel's probe identity".to_owned()
                    }
                    ChangeKind::Retired => "retired: the panel left the registry".to_owned(),
                    _ => record.map_or_else(String::new, |r| match &r.verdict.outcome {
                        Outcome::Blocked(gap) => gap.detail.clone(),
                        Outcome::Bound => format!("seen {}", r.verdict.evidence.summary()),
                        Outcome::Unverified { reason } => reason.clone(),
                    }),
                };
                ChangeRow {
                    kind: c.kind.clone(),
                    panel: c.panel.clone(),
                    endpoint: record.map(|r| r.endpoint.clone()).unwrap_or_default(),
                    code: c.code,
                    detail: one_line(&detail),
                }
            })
            .collect();
        rows.sort_by_key(|r| rank(&r.kind));
        rows
    }
}

/// The order of groups: what fails a gate first.
fn rank(kind: &ChangeKind) -> u8 {
    match kind {
        ChangeKind::Regressed => 0,
        ChangeKind::New => 1,
        ChangeKind::CodeChanged { .. } => 2,
        ChangeKind::Resolved => 3,
        ChangeKind::Superseded | ChangeKind::Retired => 4,
    }
}

/// Text on one line: line breaks and runs of spaces become one space.
pub(crate) fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

const GROUPS: [(&str, u8); 5] = [
    ("Regressed", 0),
    ("New gaps", 1),
    ("Gap code changed", 2),
    ("Resolved", 3),
    ("Closed by a registry change", 4),
];

/// The most rows a Markdown change list shows per group: a pull-request comment stays
/// readable, and GitHub caps a job summary at 1 MiB.
const MAX_ROWS: usize = 50;

fn table(rows: &[&ChangeRow], w: &mut dyn Write) -> io::Result<()> {
    writeln!(w, "| Panel | Endpoint | Gap | Detail |")?;
    writeln!(w, "|-------|----------|-----|--------|")?;
    for r in rows.iter().take(MAX_ROWS) {
        let gap = match &r.kind {
            ChangeKind::CodeChanged { from } => format!("{from} → {}", r.code),
            ChangeKind::Resolved | ChangeKind::Superseded | ChangeKind::Retired => {
                format!("~~{}~~", r.code)
            }
            _ => r.code.to_string(),
        };
        writeln!(
            w,
            "| `{}` | `{}` | {gap} | {} |",
            cell(&r.panel).replace('`', "'"),
            cell(&r.endpoint).replace('`', "'"),
            cell(&r.detail)
        )?;
    }
    if rows.len() > MAX_ROWS {
        writeln!(w, "\n…and {} more.", rows.len() - MAX_ROWS)?;
    }
    Ok(())
}

/// Writes a change list: a counts line, then a table per kind of change that has any.
pub fn write_changes_markdown(
    heading: &str,
    rows: &[ChangeRow],
    w: &mut dyn Write,
) -> io::Result<()> {
    writeln!(w, "### {heading}\n")?;
    let count = |rank_of: u8| rows.iter().filter(|r| rank(&r.kind) == rank_of).count();
    let closed = match count(4) {
        0 => String::new(),
        n => format!(" · **{n}** closed by a registry change"),
    };
    writeln!(
        w,
        "**{}** regressed · **{}** new · **{}** changed code · **{}** resolved{closed}\n",
        count(0),
        count(1),
        count(2),
        count(3)
    )?;
    if rows.is_empty() {
        writeln!(w, "No gap changed.")?;
    }
    for (title, group) in GROUPS {
        let in_group: Vec<&ChangeRow> = rows.iter().filter(|r| rank(&r.kind) == group).collect();
        if in_group.is_empty() {
            continue;
        }
        writeln!(w, "#### {title} ({})\n", in_group.len())?;
        table(&in_group, w)?;
        writeln!(w)?;
    }
    Ok(())
}

/// Writes the job summary of a sweep: the dashboard, this sweep's changes and the panels it
/// could not verify.
pub fn write_step_summary(
    report: &Report<'_>,
    sweep: u64,
    rows: &[ChangeRow],
    unverified: &[(String, String)],
    w: &mut dyn Write,
) -> io::Result<()> {
    let (domains, total) = report.dashboard();
    writeln!(w, "## HISAR: {}\n", cell(report.title()))?;
    writeln!(
        w,
        "| Domain | Panels | BOUND | BLOCKED | UNVERIFIED | Completion |"
    )?;
    writeln!(
        w,
        "|--------|-------:|------:|--------:|-----------:|-----------:|"
    )?;
    for d in domains.iter().chain(std::iter::once(&total)) {
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
    }
    writeln!(w)?;
    write_changes_markdown(&format!("Sweep #{sweep}: what changed"), rows, w)?;
    if !unverified.is_empty() {
        writeln!(w, "#### Unverified this sweep ({})\n", unverified.len())?;
        writeln!(w, "| Panel | Reason |")?;
        writeln!(w, "|-------|--------|")?;
        for (panel, reason) in unverified.iter().take(MAX_ROWS) {
            writeln!(
                w,
                "| `{}` | {} |",
                cell(panel).replace('`', "'"),
                cell(&one_line(reason))
            )?;
        }
        if unverified.len() > MAX_ROWS {
            writeln!(w, "\n…and {} more.", unverified.len() - MAX_ROWS)?;
        }
        writeln!(w)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(kind: ChangeKind, panel: &str, code: GapCode, detail: &str) -> ChangeRow {
        ChangeRow {
            kind,
            panel: panel.to_owned(),
            endpoint: "GET /x".to_owned(),
            code,
            detail: detail.to_owned(),
        }
    }

    #[test]
    fn groups_come_in_the_order_a_reader_acts_and_cells_are_escaped() {
        let rows = vec![
            row(
                ChangeKind::Resolved,
                "A-1",
                GapCode::AuthFailure,
                "seen HTTP 200",
            ),
            row(
                ChangeKind::Regressed,
                "A-2",
                GapCode::SdsrFailed,
                "HTTP 500 | boom",
            ),
            row(ChangeKind::New, "A-3", GapCode::EndpointMissing, "HTTP 404"),
        ];
        let mut out = Vec::new();
        write_changes_markdown("Sweep #1 -> #2", &rows, &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        let at = |s: &str| {
            text.find(s)
                .unwrap_or_else(|| panic!("{s} missing:\n{text}"))
        };
        assert!(at("#### Regressed (1)") < at("#### New gaps (1)"));
        assert!(at("#### New gaps (1)") < at("#### Resolved (1)"));
        assert!(text.contains("**1** regressed · **1** new · **0** changed code · **1** resolved"));
        assert!(
            text.contains("| `A-2` | `GET /x` | SDSR_FAILED | HTTP 500 \\| boom |"),
            "{text}"
        );
        assert!(text.contains("| `A-1` | `GET /x` | ~~AUTH_FAILURE~~ | seen HTTP 200 |"));
    }

    #[test]
    fn an_empty_change_list_says_so() {
        let mut out = Vec::new();
        write_changes_markdown("x", &[], &mut out).unwrap();
        assert!(String::from_utf8(out).unwrap().contains("No gap changed."));
    }

    #[test]
    fn details_are_one_line() {
        assert_eq!(one_line("a\n  b\r\nc "), "a b c");
    }
}
