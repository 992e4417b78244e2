//! JUnit XML, written by `quick-junit`: a test case per panel, a test suite per domain. A
//! blocked panel fails with its gap code as the failure type; an unverified or waived panel is
//! skipped; a bound panel passes, and one that needed retries to answer passes with a
//! `flakyFailure` per retry, so CI dashboards show it as flaky rather than green.

use std::io::{self, Write};
use std::time::Duration;

use hisar_core::Status;
use quick_junit::{NonSuccessKind, TestCase, TestCaseStatus, TestRerun, TestSuite};

use crate::model::{Report, Row};

fn status(report: &Report<'_>, r: &Row<'_>) -> TestCaseStatus {
    let skipped = |message: String| {
        let mut s = TestCaseStatus::skipped();
        s.set_message(message);
        s
    };
    if let Some(reason) = &r.state.unverified_now {
        return skipped(format!("unverified this sweep: {reason}"));
    }
    match r.state.status {
        Status::Unverified => skipped("never verified".to_owned()),
        Status::Bound => {
            let retries = r.state.verdict.as_ref().map_or(0, |v| v.evidence.retries);
            let mut s = TestCaseStatus::success();
            for attempt in 1..=retries {
                let mut rerun = TestRerun::new(NonSuccessKind::Failure);
                rerun.set_message(format!(
                    "attempt {attempt} got no usable answer (a transport failure or 429/502/503/504); the panel was bound on a retry"
                ));
                rerun.set_type("TRANSIENT");
                s.add_rerun(rerun);
            }
            s
        }
        Status::Blocked => {
            let Some(gap) = r.gap() else {
                return skipped("no verdict".to_owned());
            };
            if let Some(w) = report.waiver(r) {
                return skipped(format!(
                    "{} waived until {} ({}): {}",
                    gap.code, w.expires, w.owner, w.reason
                ));
            }
            let mut body = gap.detail.clone();
            for f in r.state.verdict.iter().flat_map(|v| &v.findings) {
                body.push('\n');
                body.push_str(&f.message);
            }
            let mut s = TestCaseStatus::non_success(NonSuccessKind::Failure);
            s.set_type(gap.code.as_str())
                .set_message(gap.detail.clone())
                .set_description(body);
            s
        }
    }
}

fn elapsed(r: &Row<'_>) -> Duration {
    Duration::from_millis(
        r.state
            .verdict
            .as_ref()
            .and_then(|v| v.evidence.elapsed_ms)
            .unwrap_or(0),
    )
}

/// Writes the JUnit XML report.
pub fn write_junit(report: &Report<'_>, w: &mut dyn Write) -> io::Result<()> {
    let timestamp = report.state.latest.as_ref().and_then(|l| {
        chrono::DateTime::from_timestamp(l.started_at.as_second(), 0).map(|t| t.fixed_offset())
    });
    let mut junit = quick_junit::Report::new("hisar");
    for domain in report.registry.domains() {
        let mut suite = TestSuite::new(domain.name.as_str());
        let rows: Vec<Row<'_>> = report
            .rows()
            .filter(|r| r.panel.id.domain() == &domain.code)
            .collect();
        let time: Duration = rows.iter().map(elapsed).sum();
        suite.set_time(time);
        if let Some(ts) = timestamp {
            suite.set_timestamp(ts);
        }
        for r in &rows {
            let mut case = TestCase::new(
                format!("{} {}", r.panel.id, r.panel.endpoint),
                status(report, r),
            );
            case.set_classname(format!("hisar.{}", domain.code))
                .set_time(elapsed(r));
            suite.add_test_case(case);
        }
        junit.add_test_suite(suite);
    }
    junit.serialize(w).map_err(io::Error::other)
}

#[cfg(test)]
mod tests {
    use hisar_core::history::{Ledger, PanelRecord, Selection, SweepRecord};
    use hisar_core::{Observation, Registry, Response, classify};

    use super::*;

    #[test]
    fn a_panel_bound_on_a_retry_is_flaky_not_plainly_green() {
        let registry = Registry::from_yaml(
            "version: 1\ndomains: [{code: LOG, name: LOGS}]\npanels:\n  - {id: LOG-A, capability: logs.a, endpoint: /a, class: evidence}\n",
            "r.yaml",
        )
        .unwrap();
        let panel = &registry.panels()[0];
        let mut seen = Observation::answered(Response::json(200, serde_json::json!({"ok": 1})));
        seen.retries = 2;
        let at = "2026-01-15T07:58:01Z".parse().unwrap();
        let sweep = SweepRecord {
            id: 1,
            started_at: at,
            finished_at: at,
            selection: Selection::default(),
            records: vec![PanelRecord::new(panel, classify(panel, Some(&seen), None))],
        };
        let state = Ledger::replay(registry.trust().clone(), [&sweep]).state(&registry);
        let report = Report::new(&registry, &state, jiff::civil::date(2026, 1, 15), "r.yaml");
        let mut out = Vec::new();
        write_junit(&report, &mut out).unwrap();
        let xml = String::from_utf8(out).unwrap();
        assert_eq!(xml.matches("<flakyFailure").count(), 2, "{xml}");
        assert!(!xml.contains("<failure"), "{xml}");
    }
}
