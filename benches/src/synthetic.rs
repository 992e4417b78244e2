//! A synthetic registry of any size and the backend answers that go with it.

use std::fmt::Write as _;

use serde_json::{Value, json};

/// The domains of a synthetic registry: (code, name).
pub const DOMAINS: [(&str, &str); 5] = [
    ("OVR", "OVERVIEW"),
    ("ACT", "ACTIVITY"),
    ("INC", "INCIDENTS"),
    ("POL", "POLICIES"),
    ("LOG", "LOGS"),
];

/// The time every synthetic answer claims it was generated at (in the past, so valid).
const GENERATED_AT: &str = "2026-01-15T07:58:01Z";

/// Invariants that every served synthetic answer satisfies; each panel takes two to four.
pub(crate) const INVARIANTS: [&str; 9] = [
    "$.items isArray",
    "$.total >= 0",
    "$.items[*].id exists",
    "$.items count <= 100",
    "$.items[*].at isIsoDate",
    r#"$.items[*].state matches "^(running|completed|failed)$""#,
    "$.total isInteger",
    "not $.error exists",
    "$.items[*].cost >= 0",
];

/// A registry of `panels` panels over `panels − panels × shared_percent / 100` endpoints
/// (at least one): the other panels read an endpoint an earlier panel already reads, so a
/// sweep sends one request for them all.
///
/// Panel `i` reads endpoint `i mod endpoints`, in domain `DOMAINS[endpoint mod 5]`. A third of
/// the panels are `interpretation` panels that need HIL v1 provenance; the rest are
/// `evidence`. Every seventh endpoint has a path parameter and every fourth a query parameter.
/// One endpoint in twenty is not served (`ENDPOINT_MISSING`) and another answers without
/// provenance (`PROVENANCE_MISSING` for its interpretation panels); everything else binds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Synthetic {
    /// Number of panels (at most 999,999: the slot of a panel id has six digits).
    pub panels: usize,
    /// Share of panels, in percent (0 to 100), that read an endpoint another panel reads.
    pub shared_percent: usize,
}

/// One endpoint of a synthetic registry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntheticEndpoint {
    /// Its index.
    pub index: usize,
    /// Its domain code.
    pub domain: &'static str,
    /// The path template, as the registry declares it and the backend routes it
    /// (`/api/v1/act/r3/{run_id}`).
    pub template: String,
    /// The value of `{run_id}`, when the template has it.
    pub run_id: Option<String>,
    /// The query parameter panels send, if any.
    pub query: Option<(&'static str, &'static str)>,
    /// Whether the backend serves it.
    pub served: bool,
    /// Whether its answer carries provenance.
    pub provenance: bool,
}

impl SyntheticEndpoint {
    /// The request target a probe sends: the path with parameters filled in, and the query.
    pub fn target(&self) -> String {
        let mut target = match &self.run_id {
            Some(id) => self.template.replace("{run_id}", id),
            None => self.template.clone(),
        };
        if let Some((k, v)) = self.query {
            let _ = write!(target, "?{k}={v}");
        }
        target
    }

    /// The answer the backend gives (when it serves the endpoint).
    pub fn answer(&self) -> Value {
        let items: Vec<Value> = (0..3)
            .map(|n| {
                let state = ["completed", "running", "failed"][n];
                json!({
                    "id": format!("it_{}_{n}", self.index),
                    "state": state,
                    "at": GENERATED_AT,
                    "cost": 0.25,
                })
            })
            .collect();
        let mut body = json!({ "items": items, "total": 3, "endpoint": self.index });
        if self.provenance {
            body["provenance"] = json!({
                "generated_at": GENERATED_AT,
                "aggregation": "list",
                "source": "bench-engine",
            });
        }
        body
    }
}

impl Synthetic {
    /// How many distinct endpoints (and so requests) the registry has.
    pub fn endpoint_count(&self) -> usize {
        let shared = self.panels * self.shared_percent.min(100) / 100;
        (self.panels - shared).max(1)
    }

    /// The endpoint panel `panel` reads.
    pub fn endpoint_of(&self, panel: usize) -> usize {
        panel % self.endpoint_count()
    }

    /// Every endpoint, in index order.
    pub fn endpoints(&self) -> Vec<SyntheticEndpoint> {
        (0..self.endpoint_count().min(self.panels))
            .map(|k| {
                let domain = DOMAINS[k % DOMAINS.len()].0;
                let lower = domain.to_ascii_lowercase();
                let (template, run_id) = if k % 7 == 3 {
                    (
                        format!("/api/v1/{lower}/r{k}/{{run_id}}"),
                        Some(format!("run_{k}")),
                    )
                } else {
                    (format!("/api/v1/{lower}/r{k}"), None)
                };
                SyntheticEndpoint {
                    index: k,
                    domain,
                    template,
                    run_id,
                    query: (k % 4 == 1).then_some(("window", "24h")),
                    served: k % 20 != 19,
                    provenance: k % 20 != 13,
                }
            })
            .collect()
    }

    /// The registry, as `hisar.yaml` text.
    pub fn registry_yaml(&self) -> String {
        assert!(self.panels < 1_000_000, "panel slots have six digits");
        let endpoints = self.endpoints();
        let mut out = String::with_capacity(400 + self.panels * 360);
        let _ = write!(
            out,
            "# Generated by hisar-bench-backend: {} panels over {} endpoints ({}% of panels share one).\n\
             version: 1\n\
             title: HISAR synthetic registry\n\
             backend:\n  base_url: ${{HISAR_BASE_URL:-http://127.0.0.1:8000}}\n\
             auth:\n  observer:\n    headers: {{ X-AOS-Key: \"${{AOS_API_KEY:-bench-key}}\" }}\n\
             defaults: {{ auth: observer, timeout: 10s }}\n\
             domains:\n",
            self.panels,
            endpoints.len(),
            self.shared_percent.min(100),
        );
        for (code, name) in DOMAINS {
            let _ = writeln!(out, "  - {{ code: {code}, name: {name} }}");
        }
        out.push_str("panels:\n");
        for i in 0..self.panels {
            let e = &endpoints[self.endpoint_of(i)];
            let _ = write!(
                out,
                "  - id: {}-BEN-SYN-O{}\n    capability: {}.cap_{}\n    endpoint: GET {}\n",
                e.domain,
                i + 1,
                e.domain.to_ascii_lowercase(),
                e.index,
                e.template
            );
            if let Some(id) = &e.run_id {
                let _ = writeln!(out, "    path_params: {{ run_id: {id} }}");
            }
            if let Some((k, v)) = e.query {
                let _ = writeln!(out, "    params: {{ {k}: {v} }}");
            }
            if i.is_multiple_of(3) {
                out.push_str("    class: interpretation\n    provenance: { aggregation: list }\n");
            } else {
                out.push_str("    class: evidence\n");
            }
            out.push_str("    invariants: [");
            for n in 0..2 + i % 3 {
                if n > 0 {
                    out.push_str(", ");
                }
                let _ = write!(out, "'{}'", INVARIANTS[(i + n) % INVARIANTS.len()]);
            }
            let _ = writeln!(out, "]\n    purpose: Synthetic panel {}", i + 1);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use hisar_core::{Observation, Registry, Response, Status, classify};

    use super::*;

    /// The generator's promise: served endpoints bind their panels, except interpretation
    /// panels on answers without provenance; unserved ones are missing.
    #[test]
    fn answers_bind_the_panels_that_read_them() {
        let synthetic = Synthetic {
            panels: 300,
            shared_percent: 40,
        };
        let registry = Registry::from_yaml(&synthetic.registry_yaml(), "synthetic")
            .unwrap_or_else(|e| panic!("{e}"));
        let endpoints = synthetic.endpoints();
        assert_eq!(endpoints.len(), 180);
        for (i, panel) in registry.panels().iter().enumerate() {
            let e = &endpoints[synthetic.endpoint_of(i)];
            assert_eq!(panel.request_path(), e.target().split('?').next().unwrap());
            let seen = if e.served {
                Observation::answered(Response::json(200, e.answer()))
            } else {
                Observation::answered(Response::json(404, json!({"detail": "Not Found"})))
            };
            let verdict = classify(panel, Some(&seen), None);
            let expected = if e.served && (e.provenance || !i.is_multiple_of(3)) {
                Status::Bound
            } else {
                Status::Blocked
            };
            assert_eq!(verdict.status(), expected, "{} {verdict:?}", panel.id);
        }
    }

    #[test]
    fn share_bounds() {
        let all = Synthetic {
            panels: 10,
            shared_percent: 100,
        };
        assert_eq!(all.endpoints().len(), 1);
        let none = Synthetic {
            panels: 10,
            shared_percent: 0,
        };
        assert_eq!(none.endpoints().len(), 10);
        assert!(
            Synthetic {
                panels: 0,
                shared_percent: 0
            }
            .endpoints()
            .is_empty()
        );
    }
}
