//! Sweep-level sanity (SPEC §3.5): misconfiguration is never a backend gap.
//!
//! A wrong base URL (`--base-url http://host/api` for a backend served at `/`) makes every
//! panel a 404, and one that points at a frontend makes every answer the same HTML page. Taken
//! panel by panel, each is a gap; taken together, they say the sweep looked in the wrong place.
//! [`Misdirection::detect`] recognises both from a digest of every answer, and a sweep that
//! shows either is degraded: its verdicts are recorded as `UNVERIFIED` ([`demote`]), so it
//! changes nothing in history.
//!
//! The 404 rule, beyond the SPEC's letter: a wrong prefix can land a panel's path on a real
//! route by chance (the demo's `GET /v1/incidents` under `--base-url …/api` is its
//! `/api/v1/incidents`, which answers 200: a false BOUND beside 76 false gaps), so a sweep of at
//! least 10 distinct paths in which at least 90% got 404 is misdirected too. A 404 on a path
//! the route table does not serve is what the table predicts and says nothing about the base
//! URL: such answers count toward neither rule ([`AnswerDigest::unrouted`]), so with a route
//! table a sweep of endpoints that are really missing (`--domain NEW`, an early backend)
//! records its gaps, and the message says so when there was none.
//!
//! ```
//! use hisar_core::{AnswerDigest, Misdirection, Response};
//! let answers: Vec<AnswerDigest> = ["/a", "/b", "/c"]
//!     .iter()
//!     .map(|p| AnswerDigest::of(p, &Response::raw(404, Some("text/plain"), "Not Found")))
//!     .collect();
//! let found = Misdirection::detect(&answers, 0).unwrap();
//! assert_eq!(found, Misdirection::AllNotFound { paths: 3 });
//! assert!(found.describe("http://h/api", false).contains("the base URL http://h/api is probably wrong"));
//! ```

use std::collections::{BTreeMap, BTreeSet};

use crate::observation::Response;
use crate::verdict::{Finding, Outcome, Verdict};

/// Distinct paths a sweep must have probed before its answers can say it looked in the wrong
/// place.
pub const MIN_MISDIRECTED_PATHS: usize = 3;

/// Distinct paths a sweep must have probed before "nearly every one got 404" says it looked in
/// the wrong place.
pub const MIN_MOSTLY_MISSING_PATHS: usize = 10;

/// The share of distinct paths (in tenths) that must have got 404 for that rule.
const MOSTLY_MISSING_TENTHS: usize = 9;

/// What one answer looked like, for the sweep-level rules.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnswerDigest {
    /// The path probed (no query).
    pub path: String,
    /// The status.
    pub status: u16,
    /// The content type's essence, lower-case (`text/html`), if any.
    pub content_type: Option<String>,
    /// A hash of a non-JSON, non-empty body; `None` for JSON or empty bodies.
    pub page: Option<u64>,
    /// The answer to a `HEAD`, which has no body to compare.
    pub head: bool,
    /// The route table has no route for the path, so a 404 there is expected and says nothing
    /// about the base URL.
    pub unrouted: bool,
}

impl AnswerDigest {
    /// The digest of an answer to `path`.
    pub fn of(path: &str, response: &Response) -> Self {
        let content_type = response.content_type().map(|ct| {
            ct.split(';')
                .next()
                .unwrap_or_default()
                .trim()
                .to_ascii_lowercase()
        });
        let json = content_type
            .as_deref()
            .is_some_and(|ct| ct == "application/json" || ct.ends_with("+json"));
        let page = (!json && !response.body.is_blank()).then(|| {
            response
                .body
                .bytes()
                .iter()
                .fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
                    (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
                })
        });
        Self {
            path: path.split('?').next().unwrap_or_default().to_owned(),
            status: response.status,
            content_type,
            page,
            head: false,
            unrouted: false,
        }
    }

    /// Marks the answer as one to a `HEAD`: it counts for the 404 rules, not the same-page one.
    #[must_use]
    pub fn to_head(mut self) -> Self {
        self.head = true;
        self.page = None;
        self
    }

    /// Marks the answer as one to a path the route table does not serve: it counts for no 404
    /// rule.
    #[must_use]
    pub fn to_unrouted(mut self) -> Self {
        self.unrouted = true;
        self
    }
}

/// Answers that say the sweep probed the wrong place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Misdirection {
    /// Every request, to at least three distinct paths, got 404.
    AllNotFound {
        /// Distinct paths probed.
        paths: usize,
    },
    /// Nearly every distinct path (at least 90% of at least 10) got 404.
    MostlyNotFound {
        /// Distinct paths that got 404.
        missing: usize,
        /// Distinct paths probed.
        paths: usize,
    },
    /// Every answer, from at least three distinct paths, is the same non-JSON page.
    SamePage {
        /// Distinct paths probed.
        paths: usize,
        /// The page's status.
        status: u16,
        /// The page's content type.
        content_type: Option<String>,
    },
}

impl Misdirection {
    /// Looks at every answer of a sweep; `failures` counts requests that got no answer (any
    /// makes the answers not "every request").
    pub fn detect(answers: &[AnswerDigest], failures: usize) -> Option<Self> {
        if failures > 0 {
            return None;
        }
        // The 404 rules, over the paths the route table does not already explain: a path is
        // missing when every answer to it was a 404.
        let mut missing_by_path: BTreeMap<&str, bool> = BTreeMap::new();
        for a in answers.iter().filter(|a| !a.unrouted) {
            *missing_by_path.entry(a.path.as_str()).or_insert(true) &= a.status == 404;
        }
        let paths = missing_by_path.len();
        let missing = missing_by_path.values().filter(|m| **m).count();
        if paths >= MIN_MISDIRECTED_PATHS && missing == paths {
            return Some(Misdirection::AllNotFound { paths });
        }
        if paths >= MIN_MOSTLY_MISSING_PATHS && missing * 10 >= paths * MOSTLY_MISSING_TENTHS {
            return Some(Misdirection::MostlyNotFound { missing, paths });
        }
        let bodies: Vec<&AnswerDigest> = answers.iter().filter(|a| !a.head).collect();
        let paths = bodies
            .iter()
            .map(|a| a.path.as_str())
            .collect::<BTreeSet<_>>()
            .len();
        let first = bodies.first()?;
        if paths >= MIN_MISDIRECTED_PATHS
            && first.page.is_some()
            && bodies.iter().all(|a| a.page == first.page)
        {
            return Some(Misdirection::SamePage {
                paths,
                status: first.status,
                content_type: first.content_type.clone(),
            });
        }
        None
    }

    /// The one line that says what to fix; `route_table` tells whether the sweep had one (without
    /// one, HISAR cannot tell a wrong base URL from endpoints that are really missing).
    pub fn describe(&self, base_url: &str, route_table: bool) -> String {
        let check = if route_table {
            "check --base-url and its path prefix"
        } else {
            "check --base-url and its path prefix; if these endpoints are really missing, give a route table (--routes) so HISAR can tell"
        };
        match self {
            Misdirection::AllNotFound { paths } => format!(
                "every request to {paths} distinct paths got HTTP 404: the base URL {base_url} is probably wrong ({check}); nothing was recorded as a gap"
            ),
            Misdirection::MostlyNotFound { missing, paths } => format!(
                "{missing} of {paths} distinct paths got HTTP 404: the base URL {base_url} is probably wrong ({check}); nothing was recorded as a gap"
            ),
            Misdirection::SamePage {
                paths,
                status,
                content_type,
            } => format!(
                "every answer from {paths} distinct paths is the same {} page (HTTP {status}): the base URL {base_url} probably serves a frontend, not the API (check --base-url); nothing was recorded as a gap",
                content_type.as_deref().unwrap_or("untyped")
            ),
        }
    }
}

/// Records a verdict of a degraded sweep as `UNVERIFIED`: what it found stays as findings,
/// nothing becomes a gap, a resolution or a regression.
pub fn demote(verdict: &mut Verdict, reason: &str) {
    let outcome = std::mem::replace(
        &mut verdict.outcome,
        Outcome::Unverified {
            reason: format!("sweep degraded: {reason}"),
        },
    );
    if let Outcome::Blocked(gap) = outcome {
        verdict.findings.insert(
            0,
            Finding {
                stage: gap.stage,
                code: Some(gap.code),
                message: gap.detail,
            },
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn digest(path: &str, status: u16, ct: &str, body: &str) -> AnswerDigest {
        AnswerDigest::of(
            path,
            &Response::raw(status, Some(ct), body.as_bytes().to_vec()),
        )
    }

    #[test]
    fn wrong_base_urls_are_recognised() {
        let html = "<html>app</html>";
        let spa = [
            digest("/a", 200, "text/html; charset=utf-8", html),
            digest("/b?x=1", 200, "text/html", html),
            digest("/c", 200, "text/html", html),
        ];
        assert!(matches!(
            Misdirection::detect(&spa, 0),
            Some(Misdirection::SamePage {
                paths: 3,
                status: 200,
                ..
            })
        ));
        // Two paths are not enough to judge; a transport failure means not every request.
        assert_eq!(Misdirection::detect(&spa[..2], 0), None);
        assert_eq!(Misdirection::detect(&spa, 1), None);
        // One JSON answer, or one different page, and the backend is real.
        let mut mixed = spa.to_vec();
        mixed.push(digest("/d", 200, "application/json", "{}"));
        assert_eq!(Misdirection::detect(&mixed, 0), None);
        // A HEAD has no body: it neither confirms nor refutes the page.
        let mut with_head = spa.to_vec();
        with_head.push(digest("/h", 200, "text/html", "").to_head());
        assert!(matches!(
            Misdirection::detect(&with_head, 0),
            Some(Misdirection::SamePage { .. })
        ));
        let mut other = spa.to_vec();
        other.push(digest("/e", 200, "text/html", "<html>other</html>"));
        assert_eq!(Misdirection::detect(&other, 0), None);
        // Every 404, whatever the body.
        let missing = [
            digest("/a", 404, "application/json", r#"{"detail":"Not Found"}"#),
            digest("/b", 404, "text/plain", "nope"),
            digest("/a", 404, "text/plain", "nope"),
            digest("/c", 404, "text/plain", "nope"),
        ];
        assert_eq!(
            Misdirection::detect(&missing, 0),
            Some(Misdirection::AllNotFound { paths: 3 })
        );
        let mut one_found = missing.to_vec();
        one_found.push(digest("/d", 200, "application/json", "{}"));
        assert_eq!(Misdirection::detect(&one_found, 0), None);
        // Paths the route table does not serve are expected to 404: they count for nothing.
        let unrouted: Vec<AnswerDigest> = missing
            .iter()
            .cloned()
            .map(AnswerDigest::to_unrouted)
            .collect();
        assert_eq!(Misdirection::detect(&unrouted, 0), None);
        let mut routed_two = unrouted[..2].to_vec();
        routed_two.extend(missing[1..].iter().cloned());
        assert_eq!(
            Misdirection::detect(&routed_two, 0),
            Some(Misdirection::AllNotFound { paths: 3 }),
            "three routed paths, all 404"
        );
        // A wrong prefix can land a path on a real route: 19 of 20 paths 404.
        let mut mostly: Vec<AnswerDigest> = (0..19)
            .map(|i| digest(&format!("/p{i}"), 404, "application/json", "{}"))
            .collect();
        mostly.push(digest("/v1/incidents", 401, "application/json", "{}"));
        assert_eq!(
            Misdirection::detect(&mostly, 0),
            Some(Misdirection::MostlyNotFound {
                missing: 19,
                paths: 20
            })
        );
        // Even when that route answers 200: passing the panel it stands for is a false BOUND.
        mostly[19] = digest("/v1/incidents", 200, "application/json", "{}");
        assert!(matches!(
            Misdirection::detect(&mostly, 0),
            Some(Misdirection::MostlyNotFound { .. })
        ));
        // Below 90%, or fewer than 10 paths, the 404s are the backend's.
        assert_eq!(Misdirection::detect(&mostly[11..], 0), None, "8 of 9 paths");
        let mut eighty = mostly[..16].to_vec();
        eighty.extend((0..4).map(|i| digest(&format!("/q{i}"), 500, "application/json", "{}")));
        assert_eq!(Misdirection::detect(&eighty, 0), None);
        // The same JSON 200 everywhere is a real (if odd) backend: never misdirected.
        let same_json = [
            digest("/a", 200, "application/json", "{}"),
            digest("/b", 200, "application/json", "{}"),
            digest("/c", 200, "application/json", "{}"),
        ];
        assert_eq!(Misdirection::detect(&same_json, 0), None);
    }
}
