//! The sweep of a synthetic registry as Hurl files, for `benches/hurl.sh`: one file per request
//! the sweep sends (Hurl runs files, not entries, in parallel), asserting what HISAR checks of
//! the panels that read it.

use std::collections::BTreeSet;

use crate::synthetic::{INVARIANTS, Synthetic};

/// Items in every synthetic answer. Hurl has no "for every item" predicate, so an invariant
/// over `[*]` becomes one assert per item: at least the work HISAR does.
const ITEMS: usize = 3;

/// Hurl asserts equivalent to one of the synthetic registry's invariants.
fn asserts(invariant: &str) -> Vec<String> {
    let each = |path: &str, predicate: &str| -> Vec<String> {
        (0..ITEMS)
            .map(|i| format!("jsonpath \"$.items[{i}].{path}\" {predicate}"))
            .collect()
    };
    match invariant {
        "$.items isArray" => vec!["jsonpath \"$.items\" isCollection".into()],
        "$.total >= 0" => vec!["jsonpath \"$.total\" >= 0".into()],
        "$.items[*].id exists" => each("id", "exists"),
        "$.items count <= 100" => vec!["jsonpath \"$.items\" count <= 100".into()],
        "$.items[*].at isIsoDate" => each("at", "isIsoDate"),
        "$.total isInteger" => vec!["jsonpath \"$.total\" isInteger".into()],
        "not $.error exists" => vec!["jsonpath \"$.error\" not exists".into()],
        "$.items[*].cost >= 0" => each("cost", ">= 0"),
        state if state.starts_with("$.items[*].state matches") => {
            each("state", "matches \"^(running|completed|failed)$\"")
        }
        other => panic!("no Hurl equivalent for `{other}`"),
    }
}

/// One Hurl file per unique request of the synthetic registry's sweep: (file name, text).
/// The base URL is the Hurl variable `base_url`.
pub fn hurl_files(synthetic: &Synthetic) -> Vec<(String, String)> {
    let endpoints = synthetic.endpoints();
    let mut checks: Vec<BTreeSet<String>> = vec![BTreeSet::new(); endpoints.len()];
    let mut provenance = vec![false; endpoints.len()];
    for panel in 0..synthetic.panels {
        let k = synthetic.endpoint_of(panel);
        for n in 0..2 + panel % 3 {
            checks[k].extend(asserts(INVARIANTS[(panel + n) % INVARIANTS.len()]));
        }
        provenance[k] |= panel.is_multiple_of(3);
    }
    endpoints
        .iter()
        .map(|e| {
            let mut text = format!(
                "GET {{{{base_url}}}}{}\nX-AOS-Key: bench-key\nAccept: */*\nHTTP *\n[Asserts]\nstatus < 300\nheader \"Content-Type\" contains \"json\"\n",
                e.target()
            );
            if provenance[e.index] {
                text.push_str("jsonpath \"$.provenance.generated_at\" isIsoDate\n");
                text.push_str("jsonpath \"$.provenance.aggregation\" == \"list\"\n");
            }
            for check in &checks[e.index] {
                text.push_str(check);
                text.push('\n');
            }
            (format!("r{:06}.hurl", e.index), text)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_file_per_request_with_every_panels_checks() {
        let synthetic = Synthetic {
            panels: 87,
            shared_percent: 50,
        };
        let files = hurl_files(&synthetic);
        assert_eq!(files.len(), synthetic.endpoints().len());
        let (_, first) = &files[0];
        assert!(
            first.starts_with("GET {{base_url}}/api/v1/ovr/r0\n"),
            "{first}"
        );
        assert!(first.contains("jsonpath \"$.provenance.generated_at\" isIsoDate"));
        assert!(first.contains("jsonpath \"$.items\" isCollection"));
        for invariant in INVARIANTS {
            assert!(!asserts(invariant).is_empty(), "{invariant}");
        }
    }
}
