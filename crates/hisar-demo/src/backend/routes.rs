//! The demo backend's routes, as the reference backend served them on 2026-01-15.
//!
//! Each route has a healthy answer (what the panels need) and, where the reference backend
//! failed, the fault it showed: a body that breaks the panel's invariants, a 5xx or 4xx, an HTML
//! page, an empty body, or an answer without provenance. Protected routes sit behind the
//! gateway; planned routes are not deployed yet.

use std::collections::BTreeMap;

use serde_json::{Value, json};

/// What a handler sees of the request.
#[derive(Debug, Clone, Default)]
pub(crate) struct Ctx {
    pub(crate) query: BTreeMap<String, String>,
    pub(crate) path_params: BTreeMap<String, String>,
    /// Drawn when the backend starts: incident ids carry it, so no registry can know one
    /// ahead (SPEC §4.2: only an id captured from a live answer binds a detail route).
    pub(crate) instance: String,
}

impl Ctx {
    /// The id of incident `n` of this backend instance.
    pub(crate) fn incident_id(&self, n: u32) -> String {
        format!("inc-{}-{n:04}", self.instance)
    }

    /// Whether `id` is an incident of this backend instance.
    pub(crate) fn knows_incident(&self, id: &str) -> bool {
        id.strip_prefix("inc-")
            .and_then(|rest| rest.strip_prefix(self.instance.as_str()))
            .is_some_and(|rest| rest.starts_with('-'))
    }
}

pub(crate) type BodyFn = fn(&Ctx) -> Value;

/// Who may call a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Access {
    /// On the gateway's public paths: the verifier's key is enough.
    Public,
    /// Needs a user session the verifier does not have.
    Protected,
}

/// How a route misbehaves.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Fault {
    /// Answers a body that breaks the panels' invariants (provenance included).
    Body(BodyFn),
    /// Answers the healthy body without its provenance block.
    NoProvenance,
    /// Answers this status with a JSON `detail`.
    Status(u16, &'static str),
    /// Answers the frontend's HTML fallback page.
    Html,
    /// Answers 204 with no body.
    NoContent,
}

/// One route.
#[derive(Debug, Clone)]
pub(crate) struct DemoRoute {
    pub(crate) path: &'static str,
    pub(crate) methods: &'static [&'static str],
    pub(crate) access: Access,
    /// False for endpoints the backend team has not shipped yet.
    pub(crate) deployed: bool,
    pub(crate) healthy: BodyFn,
    /// The aggregation of the provenance block added to answers, if any.
    pub(crate) provenance: Option<&'static str>,
    pub(crate) fault: Option<Fault>,
}

const GET: &[&str] = &["GET"];
const POST: &[&str] = &["POST"];

fn route(
    path: &'static str,
    access: Access,
    provenance: Option<&'static str>,
    healthy: BodyFn,
) -> DemoRoute {
    DemoRoute {
        path,
        methods: GET,
        access,
        deployed: true,
        healthy,
        provenance,
        fault: None,
    }
}

fn public(path: &'static str, provenance: Option<&'static str>, healthy: BodyFn) -> DemoRoute {
    route(path, Access::Public, provenance, healthy)
}

fn protected(path: &'static str, provenance: Option<&'static str>, healthy: BodyFn) -> DemoRoute {
    route(path, Access::Protected, provenance, healthy)
}

fn planned(path: &'static str, provenance: Option<&'static str>, healthy: BodyFn) -> DemoRoute {
    DemoRoute {
        deployed: false,
        ..route(path, Access::Public, provenance, healthy)
    }
}

fn faulty(mut r: DemoRoute, fault: Fault) -> DemoRoute {
    r.fault = Some(fault);
    r
}

fn incidents(ctx: &Ctx) -> Value {
    let status = ctx.query.get("status").map_or("active", String::as_str);
    let items: Vec<Value> = (1..=3)
        .map(|i| {
            let n = if status == "resolved" { 70 + i } else { 10 + i };
            let mut item = json!({"id": ctx.incident_id(n),
                                  "title": format!("Latency spike #{i}"), "status": status, "severity": "high"});
            if status == "resolved" {
                item["resolved_at"] = json!(format!("2026-01-1{i}T09:30:00Z"));
            }
            item
        })
        .collect();
    json!({"incidents": items, "total": 3})
}

fn proposals(ctx: &Ctx) -> Value {
    let status = ctx.query.get("status").map_or("active", String::as_str);
    json!({"proposals": [{"id": "pp-1", "title": "Cap tokens per run", "status": status},
                         {"id": "pp-2", "title": "Block PII in prompts", "status": status}], "total": 2})
}

fn runs(_: &Ctx) -> Value {
    json!({"runs": [{"run_id": "run_8f2a", "state": "completed", "model": "gpt-4o", "duration_ms": 812},
                    {"run_id": "run_91bc", "state": "running", "model": "claude-3", "duration_ms": 0},
                    {"run_id": "run_a0c3", "state": "failed", "model": "gpt-4o", "duration_ms": 1730}],
           "total": 3, "window": "24h"})
}

fn empty_list(key: &'static str) -> Value {
    json!({ key: [], "total": 0 })
}

/// Every route of the demo backend.
#[expect(
    clippy::too_many_lines,
    reason = "the route table reads best as one list"
)]
pub(crate) fn routes() -> Vec<DemoRoute> {
    use Fault::{Body, Html, NoContent, NoProvenance, Status};
    vec![
        // Bound in the reference sweep.
        public("/api/v1/overview", Some("summary"), |_| {
            json!({"activity": {"live_runs": 7, "queued": 2},
                   "incidents": {"open": 3, "critical": 1},
                   "policies": {"active": 42, "breaches_24h": 0},
                   "cost": {"today": 18.42, "currency": "USD"}})
        }),
        public(
            "/api/v1/activity/summary",
            Some("summary"),
            |_| json!({"completed": 1280, "failed": 14, "success_rate": 0.989}),
        ),
        public("/api/v1/runtime/traces", Some("list"), |_| {
            json!({"traces": [{"run_id": "run_8f2a", "duration_ms": 812, "spans": 14},
                              {"run_id": "run_a0c3", "duration_ms": 1730, "spans": 22}], "total": 2})
        }),
        faulty(
            public("/api/v1/activity/runs", Some("list"), runs),
            NoProvenance,
        ),
        public(
            "/health",
            None,
            |_| json!({"status": "ok", "version": "2026.01.15"}),
        ),
        public(
            "/api/v1/discovery",
            Some("list"),
            |_| json!({"signals": [{"id": "sig-1", "kind": "drift"}, {"id": "sig-2", "kind": "spike"}]}),
        ),
        public(
            "/api/v1/discovery/stats",
            Some("summary"),
            |_| json!({"total": 12, "by_kind": {"drift": 5, "spike": 7}}),
        ),
        public("/api/v1/incidents", Some("list"), incidents),
        public(
            "/api/v1/incidents/summary",
            Some("summary"),
            |_| json!({"open": 3, "mttr_minutes": 42.5}),
        ),
        public(
            "/api/v1/incidents/metrics",
            Some("summary"),
            |_| json!({"series": [{"at": "2026-01-13T00:00:00Z", "count": 4}, {"at": "2026-01-14T00:00:00Z", "count": 2}]}),
        ),
        public("/api/v1/policy-proposals", Some("list"), proposals),
        public(
            "/api/v1/policy-proposals/stats/summary",
            Some("summary"),
            |_| json!({"total": 9, "by_status": {"active": 4, "draft": 5}}),
        ),
        public(
            "/status_history",
            None,
            |_| json!({"entries": [{"entity": "run", "id": "run_8f2a", "to": "completed", "changed_at": "2026-01-15T07:41:00Z"}]}),
        ),
        public(
            "/status_history/stats",
            None,
            |_| json!({"total": 120, "by_entity": {"run": 100, "incident": 20}}),
        ),
        // Answer, but not as the panels need (SDSR_FAILED) or without provenance.
        faulty(
            public(
                "/cost/summary",
                Some("summary"),
                |_| json!({"total_cost": 1234.56, "currency": "USD"}),
            ),
            NoProvenance,
        ),
        faulty(
            public(
                "/cost/by-feature",
                Some("summary"),
                |_| json!({"features": [{"feature": "chat", "cost": 800.1}]}),
            ),
            Body(|_| json!({"features": null, "total_cost": 1234.56})),
        ),
        faulty(
            public(
                "/cost/by-model",
                Some("summary"),
                |_| json!({"models": [{"model": "gpt-4o", "cost": 900.0}]}),
            ),
            Status(
                500,
                "Internal Server Error: division by zero in cost allocator",
            ),
        ),
        faulty(
            public("/cost/anomalies", Some("list"), |_| empty_list("anomalies")),
            Status(422, "query parameter tenant_id: field required"),
        ),
        faulty(
            public(
                "/api/v1/feedback/stats/summary",
                Some("summary"),
                |_| json!({"total": 48, "positive_ratio": 0.81}),
            ),
            Body(|_| json!({"total": "n/a", "positive_ratio": null})),
        ),
        faulty(
            public("/api/v1/customer/activity", Some("list"), |_| {
                empty_list("events")
            }),
            Html,
        ),
        faulty(
            public(
                "/api/v1/feedback",
                Some("list"),
                |_| json!({"items": [{"id": "fb_1", "text": "great"}]}),
            ),
            Body(|_| json!({"items": [{"text": "great"}, {"text": "slow"}]})),
        ),
        faulty(
            public(
                "/cost/budgets",
                None,
                |_| json!({"budgets": [{"name": "default", "limit": 5000}]}),
            ),
            Body(|_| json!({"budgets": [{"name": "default", "limit": -5}]})),
        ),
        faulty(
            public(
                "/cost/dashboard",
                Some("summary"),
                |_| json!({"widgets": ["spend", "forecast"]}),
            ),
            NoContent,
        ),
        faulty(
            public(
                "/cost/by-user",
                Some("list"),
                |_| json!({"users": [{"user": "ada", "cost": 12.5}]}),
            ),
            Body(|_| {
                let users: Vec<Value> = (0..250)
                    .map(|i| json!({"user": format!("user-{i:03}"), "cost": 1.0}))
                    .collect();
                json!({"users": users})
            }),
        ),
        faulty(
            public(
                "/cost/projection",
                Some("summary"),
                |_| json!({"projected": 4321.0}),
            ),
            Status(400, "unsupported window '24h': use 7d or 30d"),
        ),
        faulty(
            public(
                "/api/v1/rbac/audit",
                None,
                |_| json!({"entries": [{"at": "2026-01-15T07:58:00Z", "actor": "ops", "action": "grant"}]}),
            ),
            Body(
                |_| json!({"entries": [{"at": "15/01/2026 07:58", "actor": "ops", "action": "grant"}]}),
            ),
        ),
        // Served with another method only (COHERENCY_FAILED).
        DemoRoute {
            methods: POST,
            ..public("/api/v1/agents/jobs", None, |_| json!({"jobs": []}))
        },
        DemoRoute {
            methods: POST,
            ..public(
                "/api/v1/traces/mismatches/bulk-report",
                None,
                |_| json!({"mismatches": []}),
            )
        },
        // Behind the gateway (AUTH_FAILURE).
        protected(
            "/founder/timeline/decisions",
            Some("list"),
            |_| json!({"decisions": [{"id": "d-1", "decided_at": "2026-01-14T16:00:00Z"}]}),
        ),
        protected(
            "/founder/timeline/count",
            Some("count"),
            |_| json!({"count": 3}),
        ),
        protected(
            "/api/v1/recovery/stats",
            Some("summary"),
            |_| json!({"recovered": 17, "success_rate": 0.94}),
        ),
        protected("/api/v1/workers/business-builder/runs", None, |_| {
            empty_list("runs")
        }),
        protected("/api/v1/predictions", Some("list"), |_| {
            empty_list("predictions")
        }),
        protected(
            "/api/v1/predictions/stats/summary",
            Some("summary"),
            |_| json!({"total": 31}),
        ),
        protected("/v1/incidents", Some("list"), incidents),
        protected(
            "/integration/stats",
            Some("summary"),
            |_| json!({"integrations": 6}),
        ),
        protected("/api/v1/recovery/actions", Some("list"), |_| {
            empty_list("actions")
        }),
        protected("/api/v1/recovery/candidates", Some("list"), |_| {
            empty_list("candidates")
        }),
        protected("/integration/graduation", Some("list"), |_| {
            empty_list("graduated")
        }),
        protected(
            "/replay/{incident_id}/summary",
            Some("detail"),
            |ctx| json!({"incident_id": ctx.path_params.get("incident_id"), "steps": ["detect", "mitigate", "resolve"]}),
        ),
        protected("/api/v1/policies/requests", Some("list"), |_| {
            empty_list("requests")
        }),
        protected("/v1/policies/active", Some("list"), |_| {
            empty_list("policies")
        }),
        protected("/guard/policies", None, |_| empty_list("policies")),
        protected("/guard/costs/incidents", Some("list"), |_| {
            empty_list("incidents")
        }),
        protected("/costsim/v2/incidents", Some("list"), |_| {
            empty_list("incidents")
        }),
        protected(
            "/costsim/divergence",
            Some("summary"),
            |_| json!({"divergence": 0.031}),
        ),
        protected("/api/v1/traces", None, |_| empty_list("traces")),
        protected("/ops/actions/audit", None, |_| empty_list("actions")),
        protected("/guard/logs", None, |_| empty_list("lines")),
        protected("/health/ready", None, |_| json!({"ready": true})),
        protected("/health/adapters", None, |_| empty_list("adapters")),
        protected("/health/skills", Some("list"), |_| empty_list("skills")),
        // Not shipped yet (ENDPOINT_MISSING).
        planned("/api/v1/tenants/runs", Some("list"), runs),
        planned("/api/v1/agents/agents", None, |_| empty_list("agents")),
        planned("/api/v1/ops/incidents/patterns", Some("list"), |_| {
            empty_list("patterns")
        }),
        planned(
            "/api/v1/ops/incidents/infra-summary",
            Some("summary"),
            |_| json!({"hosts_affected": 0}),
        ),
        planned("/api/v1/guard/incidents", Some("list"), |_| {
            empty_list("incidents")
        }),
        planned("/api/v1/ops/incidents", Some("list"), incidents),
        planned(
            "/policy-layer/state",
            Some("detail"),
            |_| json!({"state": "enforcing"}),
        ),
        planned(
            "/policy-layer/metrics",
            Some("summary"),
            |_| json!({"evaluations": 1024}),
        ),
        planned("/policy-layer/versions", Some("list"), |_| {
            empty_list("versions")
        }),
        planned(
            "/policy-layer/versions/current",
            Some("detail"),
            |_| json!({"version": "v12"}),
        ),
        planned("/policy-layer/conflicts", None, |_| empty_list("conflicts")),
        planned("/policy-layer/dependencies", None, |_| {
            empty_list("dependencies")
        }),
        planned("/policy-layer/safety-rules", None, |_| empty_list("rules")),
        planned("/policy-layer/ethical-constraints", Some("list"), |_| {
            empty_list("constraints")
        }),
        planned("/policy-layer/temporal-policies", Some("list"), |_| {
            empty_list("policies")
        }),
        planned("/policy-layer/risk-ceilings", None, |_| {
            empty_list("ceilings")
        }),
        planned(
            "/api/v1/tenants/tenant/quota/runs",
            None,
            |_| json!({"limit": 1000, "used": 120}),
        ),
        planned(
            "/api/v1/tenants/tenant/quota/tokens",
            None,
            |_| json!({"limit": 5_000_000, "used": 1_200_000}),
        ),
        planned("/policy-layer/cooldowns", None, |_| empty_list("cooldowns")),
        planned(
            "/api/v1/tenants/tenant/usage",
            Some("summary"),
            |_| json!({"runs": 1280, "tokens": 1_200_000}),
        ),
        planned(
            "/billing/status",
            None,
            |_| json!({"plan": "team", "state": "active"}),
        ),
        planned("/policy-layer/violations", None, |_| {
            empty_list("violations")
        }),
    ]
}
