//! Reading a hand-kept gaps tracker in the reference format into a registry.
//!
//! The tracker lists bound panels (with capability) and active gaps per domain (without
//! capability). Blocked rows get a capability derived from their domain and endpoint, declared
//! `derived: true`; endpoints with path parameters get `{ todo: "a real <name>, ..." }` (the panel
//! is UNVERIFIED, never sent, until it has a value) and a warning;
//! panels blocked by `PROVENANCE_MISSING` are declared `interpretation` (they must carry
//! provenance), the others take `defaults.class: evidence`.

use std::collections::BTreeMap;

use crate::draft::{CapabilityDraft, PanelDraft, RegistryDraft};
use hisar_core::{DomainCode, PanelId};
use hisar_core::{Endpoint, PanelClass};
use hisar_core::{GapCode, Segment, Status};

/// One panel row of the tracker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrackerRow {
    /// 1-based line in the document.
    pub line: usize,
    /// Panel id.
    pub panel: String,
    /// Endpoint path as written.
    pub endpoint: String,
    /// BOUND or BLOCKED.
    pub status: Status,
    /// The gap code of a blocked row.
    pub gap: Option<GapCode>,
    /// The capability of a bound row.
    pub capability: Option<String>,
}

/// What an import produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrackerImport {
    /// Every panel row, in document order.
    pub rows: Vec<TrackerRow>,
    /// Domains (code, name) in dashboard order.
    pub domains: Vec<(String, String)>,
    /// The registry to write.
    pub draft: RegistryDraft,
    /// Things a person should check, each with its line.
    pub warnings: Vec<String>,
}

/// A tracker that cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {message}")]
pub struct TrackerImportError {
    /// 1-based line.
    pub line: usize,
    /// What is wrong.
    pub message: String,
}

fn cells(line: &str) -> Vec<String> {
    let inner = line.trim().trim_start_matches('|').trim_end_matches('|');
    inner
        .split('|')
        .map(|c| c.trim().trim_matches('`').trim().to_owned())
        .collect()
}

fn is_separator(line: &str) -> bool {
    let t = line.trim();
    t.starts_with('|') && t.chars().all(|c| matches!(c, '|' | '-' | ':' | ' '))
}

/// Reads a tracker document.
pub fn parse_tracker(text: &str) -> Result<TrackerImport, TrackerImportError> {
    let mut title = None;
    let mut status = None;
    let mut related = None;
    let mut purpose = Vec::new();
    let mut references = Vec::new();
    let mut dashboard: Vec<String> = Vec::new();
    let mut rows: Vec<TrackerRow> = Vec::new();
    let mut code_names: BTreeMap<String, String> = BTreeMap::new();
    let mut warnings = Vec::new();

    let mut section = String::new();
    let mut domain_heading: Option<String> = None;
    let mut header: Option<Vec<String>> = None;

    let lines: Vec<&str> = text.lines().collect();
    for (i, raw) in lines.iter().enumerate() {
        let n = i + 1;
        let line = raw.trim();
        if let Some(h) = line.strip_prefix("# ") {
            title.get_or_insert_with(|| h.trim().to_owned());
            continue;
        }
        if let Some(h) = line.strip_prefix("## ") {
            section = h.trim().to_owned();
            domain_heading = None;
            header = None;
            continue;
        }
        if let Some(h) = line.strip_prefix("### ") {
            let name = h.split_whitespace().next().unwrap_or_default().to_owned();
            domain_heading = h.contains("Domain").then_some(name);
            header = None;
            continue;
        }
        if let Some(rest) = line.strip_prefix("**Status:**") {
            status = Some(rest.trim().to_owned());
            continue;
        }
        if let Some(rest) = line
            .strip_prefix("**Related PIN:**")
            .or_else(|| line.strip_prefix("**Related:**"))
        {
            related = Some(rest.trim().to_owned());
            continue;
        }
        if section == "Purpose" && !line.is_empty() && line != "---" {
            purpose.push(line.to_owned());
            continue;
        }
        if section == "References"
            && let Some(item) = line.strip_prefix("- ")
        {
            references.push(item.trim().trim_matches('`').to_owned());
            continue;
        }
        if !line.starts_with('|') {
            header = None;
            continue;
        }
        if is_separator(line) {
            continue;
        }
        let c = cells(line);
        let next_is_separator = lines.get(i + 1).is_some_and(|l| is_separator(l));
        if header.is_none() || next_is_separator {
            header = Some(c.iter().map(|h| h.to_ascii_lowercase()).collect());
            continue;
        }
        let head = header.as_ref().expect("set above");
        let col = |name: &str| {
            head.iter()
                .position(|h| h == name)
                .and_then(|j| c.get(j))
                .cloned()
        };

        if section.starts_with("Summary Dashboard") {
            if let Some(d) = col("domain").map(|d| d.trim_matches('*').to_owned())
                && d != "TOTAL"
            {
                dashboard.push(d);
            }
            continue;
        }
        let bound_table = section.starts_with("BOUND Panels");
        let gaps_table = section.starts_with("Active Gaps");
        if !bound_table && !gaps_table {
            continue;
        }
        let (Some(panel), Some(endpoint)) = (col("panel"), col("endpoint")) else {
            return Err(TrackerImportError {
                line: n,
                message: "a panel table row needs `Panel` and `Endpoint` columns".to_owned(),
            });
        };
        if panel.starts_with('(') {
            continue;
        }
        let id = PanelId::parse(&panel).map_err(|e| TrackerImportError {
            line: n,
            message: e.to_string(),
        })?;
        if bound_table {
            if let Some(code) = col("domain")
                && code != id.domain().as_str()
            {
                warnings.push(format!(
                    "line {n}: {panel} is listed under domain {code} but its id says {}",
                    id.domain()
                ));
            }
            rows.push(TrackerRow {
                line: n,
                panel,
                endpoint,
                status: Status::Bound,
                gap: None,
                capability: col("capability").filter(|c| !c.is_empty()),
            });
        } else {
            if let Some(name) = &domain_heading {
                code_names
                    .entry(id.domain().to_string())
                    .or_insert_with(|| name.clone());
            }
            let gap_text = col("gap").unwrap_or_default();
            let gap = gap_text.parse::<GapCode>().ok();
            if gap.is_none() {
                warnings.push(format!("line {n}: {panel} has an unknown gap `{gap_text}`"));
            }
            rows.push(TrackerRow {
                line: n,
                panel,
                endpoint,
                status: Status::Blocked,
                gap,
                capability: None,
            });
        }
    }

    if rows.is_empty() {
        return Err(TrackerImportError {
            line: 1,
            message: "no panel rows found: expected a `BOUND Panels` table or `Active Gaps` tables"
                .to_owned(),
        });
    }

    // Domains: dashboard order, codes from the panel ids seen under each heading.
    let mut domains: Vec<(String, String)> = Vec::new();
    let mut codes_in_order: Vec<String> = Vec::new();
    for row in &rows {
        let code = row.panel.split('-').next().unwrap_or_default().to_owned();
        if !codes_in_order.contains(&code) {
            codes_in_order.push(code);
        }
    }
    for name in &dashboard {
        if let Some((code, _)) = code_names.iter().find(|(_, n)| *n == name) {
            domains.push((code.clone(), name.clone()));
        }
    }
    for code in codes_in_order {
        if !domains.iter().any(|(c, _)| *c == code) {
            let name = code_names
                .get(&code)
                .cloned()
                .unwrap_or_else(|| code.clone());
            domains.push((code, name));
        }
    }

    // Panels.
    let mut seen = BTreeMap::new();
    let mut panels = Vec::new();
    let mut capabilities: BTreeMap<String, CapabilityDraft> = BTreeMap::new();
    let mut by_id: Vec<&TrackerRow> = Vec::new();
    for row in &rows {
        if let Some(first) = seen.insert(row.panel.clone(), row.line) {
            warnings.push(format!(
                "line {}: {} is listed again (first at line {first}); the later row is skipped",
                row.line, row.panel
            ));
            continue;
        }
        by_id.push(row);
    }
    for row in by_id {
        let endpoint = Endpoint::parse(&row.endpoint).map_err(|e| TrackerImportError {
            line: row.line,
            message: format!("{}: {e}", row.panel),
        })?;
        let domain =
            DomainCode::parse(row.panel.split('-').next().unwrap_or_default()).map_err(|e| {
                TrackerImportError {
                    line: row.line,
                    message: e.to_string(),
                }
            })?;
        let domain_name = domains
            .iter()
            .find(|(c, _)| c == domain.as_str())
            .map_or(domain.as_str(), |(_, n)| n.as_str())
            .to_owned();
        let capability = match &row.capability {
            Some(c) => c.clone(),
            None => {
                let id = derive_capability(&domain_name, &endpoint);
                capabilities
                    .entry(id.clone())
                    .or_insert_with(|| CapabilityDraft {
                        id: id.clone(),
                        derived: true,
                        note: Some(format!("derived from {} by hisar import", endpoint.path)),
                        ..CapabilityDraft::default()
                    });
                id
            }
        };
        let mut comments = Vec::new();
        // A tracker names no value for a path parameter. A made-up one would be sent and its
        // 404 recorded as a gap nobody has (ENDPOINT_MISSING, SDSR_FAILED): each is a
        // `{ todo }` instead, and the panel stays UNVERIFIED, never sent, until it has one.
        let path_todos: Vec<(String, String)> = endpoint
            .path
            .params()
            .into_iter()
            .map(|name| {
                warnings.push(format!(
                    "line {}: {}: path parameter {{{name}}} has no value in the tracker; it is a `{{ todo }}` (the panel is UNVERIFIED, never sent, until it has a real value or a {{ from, select }})",
                    row.line, row.panel
                ));
                comments.push(format!(
                    "TODO: a real `{name}`; until it has one a sweep does not send this panel (UNVERIFIED)"
                ));
                (
                    name.to_owned(),
                    format!("a real {name}, which the tracker does not give"),
                )
            })
            .collect();
        let class =
            (row.gap == Some(GapCode::ProvenanceMissing)).then_some(PanelClass::Interpretation);
        comments.insert(
            0,
            match row.gap {
                Some(code) => format!("tracker line {}: BLOCKED {code}", row.line),
                None => format!("tracker line {}: BOUND", row.line),
            },
        );
        panels.push(PanelDraft {
            comments,
            id: row.panel.clone(),
            capability,
            endpoint: endpoint.to_string(),
            path_todos,
            class,
            ..PanelDraft::default()
        });
    }

    let draft = RegistryDraft {
        header: vec![
            "Imported by `hisar import tracker` from a hand-kept tracker.".to_owned(),
            "Classes, invariants and auth modes are not in a tracker: review them before sweeping."
                .to_owned(),
        ],
        title,
        default_auth: None,
        default_class: Some(PanelClass::Evidence),
        domains: domains.clone(),
        capabilities: capabilities.into_values().collect(),
        panels,
        status,
        related,
        purpose: (!purpose.is_empty()).then(|| purpose.join(" ")),
        references,
        ..RegistryDraft::default()
    };
    Ok(TrackerImport {
        rows,
        domains,
        draft,
        warnings,
    })
}

/// A capability id from a domain name and an endpoint: `overview.founder_timeline_decisions`.
pub fn derive_capability(domain_name: &str, endpoint: &Endpoint) -> String {
    let mut words: Vec<String> = Vec::new();
    for segment in endpoint.path.segments() {
        if let Segment::Literal(text) = segment {
            if words.is_empty() && segment.is_api_prefix() {
                continue;
            }
            words.push(
                text.chars()
                    .map(|c| {
                        if c.is_ascii_alphanumeric() {
                            c.to_ascii_lowercase()
                        } else {
                            '_'
                        }
                    })
                    .collect(),
            );
        }
    }
    let domain: String = domain_name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect();
    let tail = if words.is_empty() {
        "root".to_owned()
    } else {
        words.join("_")
    };
    format!("{domain}.{tail}")
}

#[cfg(test)]
mod tests {
    use super::*;

    const SMALL: &str = "# My Tracker\n\n**Status:** ACTIVE\n\n## BOUND Panels (1)\n\n| Domain | Panel | Endpoint | Capability |\n|---|---|---|---|\n| OVR | OVR-SUM-HL-O1 | `/api/v1/overview` | overview.highlights |\n\n## Active Gaps by Domain\n\n### OVERVIEW Domain (1 BLOCKED)\n\n| Panel | Endpoint | Gap | Status |\n|---|---|---|---|\n| OVR-SUM-DC-O1 | `/replay/{id}/x` | AUTH_FAILURE | BLOCKED |\n";

    #[test]
    fn reads_a_small_tracker() {
        let import = parse_tracker(SMALL).unwrap();
        assert_eq!(import.rows.len(), 2);
        assert_eq!(import.domains, [("OVR".to_owned(), "OVERVIEW".to_owned())]);
        let p = &import.draft.panels[1];
        assert_eq!(p.capability, "overview.replay_x");
        assert!(p.path_params.is_empty(), "no made-up value");
        assert_eq!(
            p.path_todos,
            [(
                "id".to_owned(),
                "a real id, which the tracker does not give".to_owned()
            )]
        );
        assert_eq!(
            import.warnings,
            [
                "line 17: OVR-SUM-DC-O1: path parameter {id} has no value in the tracker; it is a `{ todo }` (the panel is UNVERIFIED, never sent, until it has a real value or a { from, select })"
            ]
        );
        let reg = hisar_core::Registry::from_yaml(&import.draft.to_yaml(), "x")
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(reg.panels().len(), 2);
        assert!(reg.capabilities().values().all(|c| c.derived));
    }

    /// False gap: the tracker gives no value for `{id}`; a made-up one (`TODO-id`) would be
    /// sent and its 404 recorded as ENDPOINT_MISSING. The panel is a `{ todo }` instead:
    /// UNVERIFIED naming it, offline or whatever the backend would answer, never a gap.
    #[test]
    fn a_path_parameter_without_value_is_a_todo_never_a_gap() {
        use hisar_core::{Observation, Outcome, Response, RouteTable, classify};

        let import = parse_tracker(SMALL).unwrap();
        let yaml = import.draft.to_yaml();
        assert!(
            yaml.contains(
                "path_params: { id: { todo: \"a real id, which the tracker does not give\" } }"
            ),
            "{yaml}"
        );
        let reg = hisar_core::Registry::from_yaml(&yaml, "x").unwrap_or_else(|e| panic!("{e}"));
        for p in reg.panels() {
            let values = p
                .path_params
                .values()
                .chain(p.params.iter().map(|(_, v)| v));
            for v in values {
                assert!(!v.starts_with("TODO-"), "{}: {v}", p.id);
            }
            assert!(!p.request_path().contains("TODO-"), "{}", p.id);
        }
        let panel = reg.panel("OVR-SUM-DC-O1").unwrap();
        let reason = panel.todo_reason().expect("the panel has a todo");
        // The route table serves the path: only the missing value keeps it from being judged.
        let routes = RouteTable::parse(r#"{"/replay/{id}/x": ["GET"]}"#).unwrap();
        let not_found = Observation::answered(Response::json(404, serde_json::json!({})));
        for verdict in [
            classify(panel, None, None),
            classify(panel, None, Some(&routes)),
            classify(panel, Some(&not_found), Some(&routes)),
        ] {
            assert_eq!(verdict.status(), Status::Unverified, "{verdict:?}");
            assert_eq!(verdict.code(), None);
            let Outcome::Unverified { reason: why } = &verdict.outcome else {
                unreachable!()
            };
            assert!(why.contains(&reason), "{why}");
        }
        assert!(
            reason.contains("a real id, which the tracker does not give"),
            "{reason}"
        );
    }

    #[test]
    fn bad_rows_name_their_line() {
        let text = SMALL.replace("OVR-SUM-DC-O1", "OVR+SUM+DC+1");
        let err = parse_tracker(&text).unwrap_err();
        assert_eq!(err.line, 17);
        assert!(err.message.contains("invalid panel id"));
        assert!(parse_tracker("# Empty\n").is_err());
    }
}
