//! Verdicts, gap codes and findings.

use serde::{Deserialize, Serialize};

crate::named_enum! {
    /// The five gap codes, in priority order (P0 first).
    pub enum GapCode("gap code") {
        /// The backend refuses the probe's credentials (P0).
        AuthFailure = "AUTH_FAILURE",
        /// No such route (P1).
        EndpointMissing = "ENDPOINT_MISSING",
        /// The answer lacks valid HIL v1 provenance (P2).
        ProvenanceMissing = "PROVENANCE_MISSING",
        /// The route exists in another form (P3).
        CoherencyFailed = "COHERENCY_FAILED",
        /// The route answers, but not as the panel needs (P4).
        SdsrFailed = "SDSR_FAILED",
    }
}

impl GapCode {
    /// The priority, 0 (most urgent) to 4.
    pub fn priority(self) -> u8 {
        match self {
            GapCode::AuthFailure => 0,
            GapCode::EndpointMissing => 1,
            GapCode::ProvenanceMissing => 2,
            GapCode::CoherencyFailed => 3,
            GapCode::SdsrFailed => 4,
        }
    }

    /// What the code means, in the product's words.
    pub fn meaning(self) -> &'static str {
        match self {
            GapCode::AuthFailure => "The backend refuses the verifier's credentials",
            GapCode::EndpointMissing => "No route serves the panel's endpoint",
            GapCode::ProvenanceMissing => "The answer carries no valid HIL v1 provenance block",
            GapCode::CoherencyFailed => {
                "The route exists in another form (method, prefix, slash or spelling)"
            }
            GapCode::SdsrFailed => "The route answers, but not in the shape the panel needs",
        }
    }

    /// What fixes it.
    pub fn resolution(self) -> &'static str {
        match self {
            GapCode::AuthFailure => {
                "Make the path public for the verifier, or give the verifier a service account"
            }
            GapCode::EndpointMissing => "Create the endpoint",
            GapCode::ProvenanceMissing => "Add the provenance block to the response model",
            GapCode::CoherencyFailed => "Align the panel's path and method with the served route",
            GapCode::SdsrFailed => "Fix the response status, format or data",
        }
    }
}

/// The classification stages of SPEC §3.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Stage {
    /// Method and path against the route table.
    Coherency,
    /// Whether an HTTP answer came back.
    Transport,
    /// The HTTP status.
    Status,
    /// Body type, emptiness and invariants.
    Contract,
    /// HIL v1 provenance.
    Provenance,
}

/// The primary gap of a blocked panel.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Gap {
    /// The gap code.
    pub code: GapCode,
    /// The stage that failed.
    pub stage: Stage,
    /// What was seen, for a person.
    pub detail: String,
    /// The one thing to act on: the did-you-mean route, the missing field, the failing
    /// invariant or the status.
    pub fix: Option<String>,
}

/// A secondary or informational finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    /// The stage that produced it.
    pub stage: Stage,
    /// The gap code it would carry as a primary gap; `None` for information only.
    pub code: Option<GapCode>,
    /// What was seen.
    pub message: String,
}

/// What stage 1 concluded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CoherencyCheck {
    /// No route table was given.
    #[default]
    Unchecked,
    /// The route table serves the method and path.
    Passed,
    /// The route table disagrees.
    Failed,
}

/// The evidence behind a verdict.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Evidence {
    /// Stage 1's result.
    pub coherency: CoherencyCheck,
    /// The URL that was probed, secrets masked (SPEC §3.4: part of the evidence).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// No request was sent on purpose: an unsafe method the sweep did not allow (SPEC §3.4),
    /// or a value the registry does not have yet (`{ todo }`). A skipped panel never counts
    /// toward a degraded sweep.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub skipped: bool,
    /// The HTTP status, when there was an answer.
    pub status: Option<u16>,
    /// Elapsed milliseconds, when probed.
    pub elapsed_ms: Option<u64>,
    /// Retries used.
    pub retries: u32,
    /// Invariants that held, when they were evaluated.
    pub invariants_passed: Option<u32>,
    /// Invariants declared.
    pub invariants_total: u32,
}

impl Evidence {
    /// A one-line summary such as `HTTP 200, 3/3 invariants, 41 ms`.
    pub fn summary(&self) -> String {
        let mut parts = Vec::new();
        if let Some(status) = self.status {
            parts.push(format!("HTTP {status}"));
        }
        if let Some(passed) = self.invariants_passed {
            parts.push(format!("{passed}/{} invariants", self.invariants_total));
        }
        if let Some(ms) = self.elapsed_ms {
            parts.push(format!("{ms} ms"));
        }
        if parts.is_empty() {
            "not probed".to_owned()
        } else {
            parts.join(", ")
        }
    }
}

/// The outcome of classification.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "UPPERCASE")]
pub enum Outcome {
    /// The panel is served as it needs.
    Bound,
    /// The panel is blocked by a gap.
    Blocked(Gap),
    /// No evidence could be had; not a gap.
    Unverified {
        /// Why.
        reason: String,
    },
}

crate::named_enum! {
    /// The three statuses, for counting and filtering.
    pub enum Status("status") {
        /// Bound.
        Bound = "BOUND",
        /// Blocked.
        Blocked = "BLOCKED",
        /// Unverified.
        Unverified = "UNVERIFIED",
    }
}

/// A verdict on one panel: outcome, secondary findings and evidence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Verdict {
    /// Bound, blocked or unverified.
    #[serde(flatten)]
    pub outcome: Outcome,
    /// Secondary and informational findings, in stage order.
    pub findings: Vec<Finding>,
    /// What was seen.
    pub evidence: Evidence,
}

impl Verdict {
    /// The status.
    pub fn status(&self) -> Status {
        match self.outcome {
            Outcome::Bound => Status::Bound,
            Outcome::Blocked(_) => Status::Blocked,
            Outcome::Unverified { .. } => Status::Unverified,
        }
    }

    /// The primary gap, if blocked.
    pub fn gap(&self) -> Option<&Gap> {
        match &self.outcome {
            Outcome::Blocked(gap) => Some(gap),
            _ => None,
        }
    }

    /// The gap code, if blocked.
    pub fn code(&self) -> Option<GapCode> {
        self.gap().map(|g| g.code)
    }
}
