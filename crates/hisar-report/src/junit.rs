//! JUnit XML: a test case per panel, a test suite per domain. A blocked panel fails with its gap
//! code as the failure type; an unverified or waived panel is skipped; a bound panel passes.

use std::io::{self, Write};

use hisar_core::Status;

use crate::model::{Report, Row};

/// Escapes text for XML attributes and content.
fn xml(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c if (c as u32) < 0x20 && !matches!(c, '\n' | '\t' | '\r') => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

enum Case {
    Pass,
    Fail {
        kind: String,
        message: String,
        body: String,
    },
    Skip(String),
}

fn case(report: &Report<'_>, r: &Row<'_>) -> Case {
    if let Some(reason) = &r.state.unverified_now {
        return Case::Skip(format!("unverified this sweep: {reason}"));
    }
    match r.state.status {
        Status::Unverified => Case::Skip("never verified".to_owned()),
        Status::Bound => Case::Pass,
        Status::Blocked => {
            let Some(gap) = r.gap() else {
                return Case::Skip("no verdict".to_owned());
            };
            if let Some(w) = report.waiver(r) {
                return Case::Skip(format!(
                    "{} waived until {} ({}): {}",
                    gap.code, w.expires, w.owner, w.reason
                ));
            }
            let mut body = gap.detail.clone();
            for f in r.state.verdict.iter().flat_map(|v| &v.findings) {
                body.push('\n');
                body.push_str(&f.message);
            }
            Case::Fail {
                kind: gap.code.to_string(),
                message: gap.detail.clone(),
                body,
            }
        }
    }
}

/// Writes the JUnit XML report.
pub fn write_junit(report: &Report<'_>, w: &mut dyn Write) -> io::Result<()> {
    let rows: Vec<(Row<'_>, Case)> = report.rows().map(|r| (r, case(report, &r))).collect();
    let tally = |cases: &[&(Row<'_>, Case)]| {
        let failures = cases
            .iter()
            .filter(|(_, c)| matches!(c, Case::Fail { .. }))
            .count();
        let skipped = cases
            .iter()
            .filter(|(_, c)| matches!(c, Case::Skip(_)))
            .count();
        (cases.len(), failures, skipped)
    };
    let all: Vec<&(Row<'_>, Case)> = rows.iter().collect();
    let (tests, failures, skipped) = tally(&all);
    let timestamp = report
        .state
        .latest
        .as_ref()
        .map(|l| l.started_at.strftime("%Y-%m-%dT%H:%M:%S").to_string());
    writeln!(w, r#"<?xml version="1.0" encoding="UTF-8"?>"#)?;
    writeln!(
        w,
        r#"<testsuites name="hisar" tests="{tests}" failures="{failures}" errors="0" skipped="{skipped}">"#
    )?;
    for domain in report.registry.domains() {
        let cases: Vec<&(Row<'_>, Case)> = rows
            .iter()
            .filter(|(r, _)| r.panel.id.domain() == &domain.code)
            .collect();
        let (tests, failures, skipped) = tally(&cases);
        let time: f64 = cases.iter().map(|(r, _)| elapsed(r)).sum();
        write!(
            w,
            r#"  <testsuite name="{}" tests="{tests}" failures="{failures}" errors="0" skipped="{skipped}" time="{time:.3}""#,
            xml(&domain.name)
        )?;
        if let Some(ts) = &timestamp {
            write!(w, r#" timestamp="{ts}""#)?;
        }
        writeln!(w, ">")?;
        for (r, c) in cases {
            let name = format!("{} {}", r.panel.id, r.panel.endpoint);
            let open = format!(
                r#"    <testcase classname="hisar.{}" name="{}" time="{:.3}""#,
                xml(domain.code.as_str()),
                xml(&name),
                elapsed(r)
            );
            match c {
                Case::Pass => writeln!(w, "{open}/>")?,
                Case::Skip(message) => {
                    writeln!(w, "{open}>")?;
                    writeln!(w, r#"      <skipped message="{}"/>"#, xml(message))?;
                    writeln!(w, "    </testcase>")?;
                }
                Case::Fail {
                    kind,
                    message,
                    body,
                } => {
                    writeln!(w, "{open}>")?;
                    writeln!(
                        w,
                        r#"      <failure type="{}" message="{}">{}</failure>"#,
                        xml(kind),
                        xml(message),
                        xml(body)
                    )?;
                    writeln!(w, "    </testcase>")?;
                }
            }
        }
        writeln!(w, "  </testsuite>")?;
    }
    writeln!(w, "</testsuites>")
}

#[expect(clippy::cast_precision_loss, reason = "milliseconds of one request")]
fn elapsed(r: &Row<'_>) -> f64 {
    r.state
        .verdict
        .as_ref()
        .and_then(|v| v.evidence.elapsed_ms)
        .map_or(0.0, |ms| ms as f64 / 1000.0)
}

#[cfg(test)]
mod tests {
    use super::xml;

    #[test]
    fn xml_escapes_markup_and_blanks_control_characters() {
        assert_eq!(
            xml(r#"<a href="x">Tom & 'Jerry'</a>"#),
            "&lt;a href=&quot;x&quot;&gt;Tom &amp; &apos;Jerry&apos;&lt;/a&gt;"
        );
        assert_eq!(xml("a\u{1}b\u{1f}c"), "a b c");
        assert_eq!(xml("line\nnext\tcol\r"), "line\nnext\tcol\r");
    }
}
