//! Priority fixes (SPEC §6 item 9), derived from the blocked panels.
//!
//! - P0 `AUTH_FAILURE`: entries for the gateway's public paths. Every failing endpoint is
//!   covered. Endpoints group by family (an optional API or version prefix, then the first
//!   resource segment): two or more in a family collapse to their longest common prefix; a lone
//!   one stays exact, or becomes a `*` pattern when it has parameters. Sorted by panels
//!   unblocked, then by entry.
//! - P1 `ENDPOINT_MISSING`: unique endpoints to create with their purpose; three or more in one
//!   family collapse into one row with a count.
//! - P2, P3, P4: the endpoint and what to change (missing provenance field, did-you-mean,
//!   failing invariant or status).

use std::collections::BTreeMap;

use serde::Serialize;

use crate::model::is_prefix_segment;
use crate::model::{Panel, PathTemplate, Segment};
use crate::verdict::{Gap, GapCode};

/// How a P0 entry matches paths.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum EntryKind {
    /// Matches paths starting with the entry.
    Prefix,
    /// Matches one path exactly.
    Exact,
    /// Matches one path shape, `*` standing for one segment.
    Pattern,
}

/// A P0 public-path entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PublicPath {
    /// The entry to add, e.g. `/api/v1/recovery/`.
    pub entry: String,
    /// How it matches.
    pub kind: EntryKind,
    /// The failing endpoints it covers.
    pub endpoints: Vec<String>,
    /// The panels it unblocks.
    pub panels: Vec<String>,
}

/// A P1 row: an endpoint (or a family of endpoints) to create.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MissingEndpoint {
    /// `GET /path`, or `/prefix/*` for a collapsed family.
    pub endpoint: String,
    /// The endpoints in the row (one unless collapsed).
    pub endpoints: Vec<String>,
    /// What the endpoint is for.
    pub purpose: String,
    /// Panels waiting for it.
    pub panels: Vec<String>,
}

/// A P2–P4 row: an endpoint and what to change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FixRow {
    /// `GET /path`.
    pub endpoint: String,
    /// The one thing to change.
    pub fix: String,
    /// Panels it unblocks.
    pub panels: Vec<String>,
}

/// Every priority table.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct PriorityFixes {
    /// P0 public-path entries.
    pub p0: Vec<PublicPath>,
    /// P1 endpoints to create.
    pub p1: Vec<MissingEndpoint>,
    /// P2 provenance to add.
    pub p2: Vec<FixRow>,
    /// P3 routes to align.
    pub p3: Vec<FixRow>,
    /// P4 responses to fix.
    pub p4: Vec<FixRow>,
    /// Blocked panels per code.
    pub panels: BTreeMap<GapCode, usize>,
}

/// Derives the priority fixes from blocked panels and their primary gaps.
pub fn priority_fixes<'a>(
    blocked: impl IntoIterator<Item = (&'a Panel, &'a Gap)>,
) -> PriorityFixes {
    let mut fixes = PriorityFixes::default();
    let mut auth: BTreeMap<String, (PathTemplate, Vec<String>)> = BTreeMap::new();
    let mut missing: BTreeMap<String, (PathTemplate, Vec<String>, Option<String>)> =
        BTreeMap::new();
    let mut rows: BTreeMap<(GapCode, String, String), Vec<String>> = BTreeMap::new();

    for (panel, gap) in blocked {
        *fixes.panels.entry(gap.code).or_default() += 1;
        let id = panel.id.to_string();
        match gap.code {
            GapCode::AuthFailure => {
                auth.entry(panel.endpoint.path.as_str().to_owned())
                    .or_insert_with(|| (panel.endpoint.path.clone(), Vec::new()))
                    .1
                    .push(id);
            }
            GapCode::EndpointMissing => {
                let entry = missing
                    .entry(panel.endpoint.to_string())
                    .or_insert_with(|| (panel.endpoint.path.clone(), Vec::new(), None));
                entry.1.push(id);
                if entry.2.is_none() {
                    entry.2.clone_from(&panel.purpose);
                }
            }
            code => {
                let fix = gap.fix.clone().unwrap_or_else(|| gap.detail.clone());
                rows.entry((code, panel.endpoint.to_string(), fix))
                    .or_default()
                    .push(id);
            }
        }
    }

    fixes.p0 = public_paths(auth);
    fixes.p1 = missing_endpoints(missing);
    for ((code, endpoint, fix), panels) in rows {
        let row = FixRow {
            endpoint,
            fix,
            panels,
        };
        match code {
            GapCode::ProvenanceMissing => fixes.p2.push(row),
            GapCode::CoherencyFailed => fixes.p3.push(row),
            _ => fixes.p4.push(row),
        }
    }
    for list in [&mut fixes.p2, &mut fixes.p3, &mut fixes.p4] {
        list.sort_by(|a, b| {
            b.panels
                .len()
                .cmp(&a.panels.len())
                .then_with(|| a.endpoint.cmp(&b.endpoint))
        });
    }
    fixes
}

/// Segments as text, parameters written `*`.
fn words(path: &PathTemplate) -> Vec<String> {
    path.segments()
        .iter()
        .map(|s| match s {
            Segment::Literal(t) => t.clone(),
            Segment::Param(_) | Segment::Mixed(_) => "*".to_owned(),
        })
        .collect()
}

/// The family: leading API/version segments plus the first resource segment.
fn family(words: &[String]) -> Vec<String> {
    let prefix = words.iter().take_while(|w| is_prefix_segment(w)).count();
    words[..(prefix + 1).min(words.len())].to_vec()
}

fn common_prefix(lists: &[Vec<String>]) -> Vec<String> {
    let Some(first) = lists.first() else {
        return Vec::new();
    };
    let mut n = first.len();
    for list in &lists[1..] {
        n = n.min(first.iter().zip(list).take_while(|(a, b)| a == b).count());
    }
    first[..n].to_vec()
}

fn join(words: &[String]) -> String {
    let mut s = String::new();
    for w in words {
        s.push('/');
        s.push_str(w);
    }
    if s.is_empty() { "/".to_owned() } else { s }
}

fn group_by_family<T>(
    items: BTreeMap<String, T>,
    path: impl Fn(&T) -> &PathTemplate,
) -> BTreeMap<Vec<String>, Vec<(String, T)>> {
    let mut groups: BTreeMap<Vec<String>, Vec<(String, T)>> = BTreeMap::new();
    for (key, item) in items {
        groups
            .entry(family(&words(path(&item))))
            .or_default()
            .push((key, item));
    }
    groups
}

fn public_paths(auth: BTreeMap<String, (PathTemplate, Vec<String>)>) -> Vec<PublicPath> {
    let mut out = Vec::new();
    for (_, members) in group_by_family(auth, |(p, _)| p) {
        let endpoints: Vec<String> = members.iter().map(|(k, _)| k.clone()).collect();
        let panels: Vec<String> = members
            .iter()
            .flat_map(|(_, (_, ids))| ids.iter().cloned())
            .collect();
        if let [(key, (path, _))] = members.as_slice() {
            let has_params = path
                .segments()
                .iter()
                .any(|s| !matches!(s, Segment::Literal(_)));
            let (entry, kind) = if has_params {
                (join(&words(path)), EntryKind::Pattern)
            } else {
                (key.clone(), EntryKind::Exact)
            };
            out.push(PublicPath {
                entry,
                kind,
                endpoints,
                panels,
            });
            continue;
        }
        let lists: Vec<Vec<String>> = members.iter().map(|(_, (p, _))| words(p)).collect();
        let common = common_prefix(&lists);
        let is_member = lists.iter().any(|l| l.len() == common.len());
        let entry = if is_member {
            join(&common)
        } else {
            format!("{}/", join(&common))
        };
        out.push(PublicPath {
            entry,
            kind: EntryKind::Prefix,
            endpoints,
            panels,
        });
    }
    out.sort_by(|a, b| {
        b.panels
            .len()
            .cmp(&a.panels.len())
            .then_with(|| a.entry.cmp(&b.entry))
    });
    out
}

type Missing = (PathTemplate, Vec<String>, Option<String>);

fn missing_endpoints(missing: BTreeMap<String, Missing>) -> Vec<MissingEndpoint> {
    let mut out = Vec::new();
    for (_, members) in group_by_family(missing, |(p, _, _)| p) {
        if members.len() < 3 {
            for (endpoint, (_, panels, purpose)) in members {
                out.push(MissingEndpoint {
                    endpoints: vec![endpoint.clone()],
                    endpoint,
                    purpose: purpose.unwrap_or_default(),
                    panels,
                });
            }
            continue;
        }
        let lists: Vec<Vec<String>> = members.iter().map(|(_, (p, _, _))| words(p)).collect();
        let common = common_prefix(&lists);
        let prefix = join(&common);
        let tails: Vec<String> = lists
            .iter()
            .map(|l| {
                if l.len() == common.len() {
                    "/".to_owned()
                } else {
                    join(&l[common.len()..])
                }
            })
            .collect();
        out.push(MissingEndpoint {
            endpoint: format!("{}/*", prefix.trim_end_matches('/')),
            endpoints: members.iter().map(|(k, _)| k.clone()).collect(),
            purpose: format!(
                "{} endpoints under {prefix}: {}",
                members.len(),
                tails.join(", ")
            ),
            panels: members
                .into_iter()
                .flat_map(|(_, (_, ids, _))| ids)
                .collect(),
        });
    }
    out.sort_by(|a, b| {
        b.panels
            .len()
            .cmp(&a.panels.len())
            .then_with(|| a.endpoint.cmp(&b.endpoint))
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Registry;
    use crate::verdict::Stage;

    fn panels(endpoints: &[(&str, &str)]) -> Registry {
        let mut yaml = String::from(
            "version: 1\ndomains: [{code: D, name: D}]\ndefaults: {class: evidence}\npanels:\n",
        );
        for (i, (endpoint, purpose)) in endpoints.iter().enumerate() {
            yaml += &format!(
                "  - {{id: D-S-T-O{i}, capability: c.x, endpoint: \"{endpoint}\", purpose: \"{purpose}\"}}\n"
            );
        }
        Registry::from_yaml(&yaml, "t").unwrap_or_else(|e| panic!("{e}"))
    }

    fn gap(code: GapCode) -> Gap {
        Gap {
            code,
            stage: Stage::Status,
            detail: "d".into(),
            fix: Some("f".into()),
        }
    }

    #[test]
    fn p1_collapses_three_or_more() {
        let reg = panels(&[
            ("/policy-layer/state", "State"),
            ("/policy-layer/metrics", "Metrics"),
            ("/policy-layer/versions/current", "Current"),
            ("/api/v1/agents/agents", "Agents"),
            ("/api/v1/tenants/runs", "Runs"),
            ("/api/v1/tenants/tenant/usage", "Usage"),
        ]);
        let g = gap(GapCode::EndpointMissing);
        let fixes = priority_fixes(reg.panels().iter().map(|p| (p, &g)));
        let rows: Vec<(&str, usize)> = fixes
            .p1
            .iter()
            .map(|r| (r.endpoint.as_str(), r.endpoints.len()))
            .collect();
        assert_eq!(
            rows,
            [
                ("/policy-layer/*", 3),
                ("GET /api/v1/agents/agents", 1),
                ("GET /api/v1/tenants/runs", 1),
                ("GET /api/v1/tenants/tenant/usage", 1)
            ]
        );
        assert_eq!(
            fixes.p1[0].purpose,
            "3 endpoints under /policy-layer: /metrics, /state, /versions/current"
        );
        assert_eq!(fixes.p1[1].purpose, "Agents");
    }
}
