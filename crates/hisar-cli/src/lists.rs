//! The panels a sweep changed, as people read them after `hisar sweep` or `hisar check`:
//! grouped (regressed, new, changed code, resolved, unverified), one aligned line per panel
//! (id, endpoint, gap, one-line detail), capped on a terminal unless `-v`.

use hisar_core::Outcome;
use hisar_core::history::{ChangeKind, PanelRecord};
use hisar_report::ChangeRow;

/// How many panels a group shows on a terminal without `-v`.
pub(crate) const TERMINAL_CAP: usize = 10;

/// How long a detail may be on a terminal without `-v`, in characters.
pub(crate) const TERMINAL_DETAIL: usize = 100;

/// One line of a group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Line {
    pub(crate) panel: String,
    pub(crate) endpoint: String,
    pub(crate) gap: String,
    pub(crate) detail: String,
}

/// A named group of lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Group {
    pub(crate) name: &'static str,
    pub(crate) lines: Vec<Line>,
}

/// The groups of one sweep, empty ones left out.
pub(crate) fn groups(rows: &[ChangeRow], records: &[PanelRecord]) -> Vec<Group> {
    let of = |want: fn(&ChangeKind) -> bool| -> Vec<Line> {
        rows.iter()
            .filter(|r| want(&r.kind))
            .map(|r| Line {
                panel: r.panel.clone(),
                endpoint: r.endpoint.clone(),
                gap: match &r.kind {
                    ChangeKind::CodeChanged { from } => format!("{from} -> {}", r.code),
                    _ => r.code.to_string(),
                },
                detail: r.detail.clone(),
            })
            .collect()
    };
    let unverified: Vec<Line> = records
        .iter()
        .filter_map(|r| match &r.verdict.outcome {
            Outcome::Unverified { reason } => Some(Line {
                panel: r.panel.clone(),
                endpoint: r.endpoint.clone(),
                // Not a gap: the panel keeps its tracked state.
                gap: "-".to_owned(),
                detail: reason.split_whitespace().collect::<Vec<_>>().join(" "),
            }),
            _ => None,
        })
        .collect();
    [
        Group {
            name: "regressed",
            lines: of(|k| *k == ChangeKind::Regressed),
        },
        Group {
            name: "new",
            lines: of(|k| *k == ChangeKind::New),
        },
        Group {
            name: "changed code",
            lines: of(|k| matches!(k, ChangeKind::CodeChanged { .. })),
        },
        Group {
            name: "resolved",
            lines: of(|k| *k == ChangeKind::Resolved),
        },
        Group {
            name: "unverified",
            lines: unverified,
        },
    ]
    .into_iter()
    .filter(|g| !g.lines.is_empty())
    .collect()
}

/// The text of the groups: a heading per group, aligned lines, at most `cap` lines a group
/// (then how many more and how to see them), details cut to `detail` characters.
pub(crate) fn render(groups: &[Group], cap: Option<usize>, detail: Option<usize>) -> Vec<String> {
    let mut out = Vec::new();
    for g in groups {
        let shown = cap.map_or(g.lines.len(), |c| c.min(g.lines.len()));
        let lines = &g.lines[..shown];
        let width = |f: fn(&Line) -> usize| lines.iter().map(f).max().unwrap_or(0);
        let (pw, ew, gw) = (
            width(|l| l.panel.chars().count()),
            width(|l| l.endpoint.chars().count()),
            width(|l| l.gap.chars().count()),
        );
        out.push(format!("{} ({}):", g.name, g.lines.len()));
        for l in lines {
            let text = match detail {
                Some(max) if l.detail.chars().count() > max => {
                    let cut: String = l.detail.chars().take(max.saturating_sub(1)).collect();
                    format!("{cut}…")
                }
                _ => l.detail.clone(),
            };
            out.push(
                format!(
                    "  {:pw$}  {:ew$}  {:gw$}  {text}",
                    l.panel, l.endpoint, l.gap
                )
                .trim_end()
                .to_owned(),
            );
        }
        if shown < g.lines.len() {
            out.push(format!(
                "  ... and {} more (-v lists them all)",
                g.lines.len() - shown
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn group(name: &'static str, n: usize) -> Group {
        Group {
            name,
            lines: (0..n)
                .map(|i| Line {
                    panel: format!("OVR-X-O{i}"),
                    endpoint: "GET /x".to_owned(),
                    gap: "AUTH_FAILURE".to_owned(),
                    detail: "HTTP 401 ".repeat(20).trim_end().to_owned(),
                })
                .collect(),
        }
    }

    #[test]
    fn a_capped_group_says_how_many_more_and_how_to_see_them() {
        let text = render(
            &[group("new", 12)],
            Some(TERMINAL_CAP),
            Some(TERMINAL_DETAIL),
        );
        assert_eq!(text[0], "new (12):");
        assert_eq!(text.len(), 1 + 10 + 1);
        assert_eq!(text[11], "  ... and 2 more (-v lists them all)");
        assert!(text[1].ends_with('…'), "{}", text[1]);
        assert!(text[1].chars().count() < 140, "{}", text[1]);
    }

    #[test]
    fn uncapped_lists_every_panel_in_full() {
        let text = render(&[group("new", 12), group("resolved", 1)], None, None);
        assert_eq!(text.len(), 1 + 12 + 1 + 1);
        assert_eq!(text[13], "resolved (1):");
        assert!(text[1].ends_with("HTTP 401"), "{}", text[1]);
    }

    #[test]
    fn columns_are_aligned_within_a_group() {
        let mut g = group("regressed", 2);
        g.lines[1].panel = "OVR-LONGER-ID-O1".to_owned();
        let text = render(&[g], None, Some(20));
        let col = |l: &str| l.find("GET").unwrap();
        assert_eq!(col(&text[1]), col(&text[2]));
    }
}
