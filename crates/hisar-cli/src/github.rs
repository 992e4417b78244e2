//! GitHub Actions (SPEC §5.6): under `GITHUB_ACTIONS=true`, every new or regressed gap is a
//! workflow annotation at the panel's line in the registry, and when `GITHUB_STEP_SUMMARY`
//! names a file, a Markdown summary of the sweep is appended to it.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use anyhow::Context as _;
use hisar_core::Registry;
use hisar_core::history::ChangeKind;
use hisar_report::ChangeRow;

/// Whether HISAR runs in a GitHub Actions job.
pub(crate) fn active() -> bool {
    std::env::var("GITHUB_ACTIONS").is_ok_and(|v| v == "true")
}

/// The job summary file, when the runner names one.
pub(crate) fn step_summary() -> Option<PathBuf> {
    std::env::var_os("GITHUB_STEP_SUMMARY")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
}

/// Escapes the message of a workflow command.
fn escape_data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a property of a workflow command (`file=`, `title=`).
fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

/// The registry path as the repository names it: relative to `GITHUB_WORKSPACE` when the file
/// is inside it, else as given.
pub(crate) fn repo_path(registry: &Path) -> String {
    let workspace = std::env::var_os("GITHUB_WORKSPACE").map(PathBuf::from);
    let absolute = std::path::absolute(registry).ok();
    if let (Some(ws), Some(abs)) = (workspace, absolute)
        && let Ok(rel) = abs.strip_prefix(&ws)
    {
        return rel.display().to_string();
    }
    registry.display().to_string()
}

/// The annotation lines for the new and regressed gaps of a sweep. Gaps the gate fails on are
/// errors; the others are warnings, so a job that passes shows no red it would not act on.
pub(crate) fn annotations(
    rows: &[ChangeRow],
    registry: &Registry,
    file: &str,
    failing: &[String],
) -> Vec<String> {
    rows.iter()
        .filter(|r| {
            matches!(
                r.kind,
                ChangeKind::New | ChangeKind::Regressed | ChangeKind::CodeChanged { .. }
            )
        })
        .map(|r| {
            let line = registry.panel(&r.panel).map_or(1, |p| p.line.max(1));
            let what = match &r.kind {
                ChangeKind::Regressed => "regressed".to_owned(),
                ChangeKind::CodeChanged { from } => format!("gap changed from {from}"),
                _ => "new gap".to_owned(),
            };
            let prefix = format!("{} {}:", r.panel, r.code);
            let level = if failing.iter().any(|f| f.starts_with(&prefix)) {
                "error"
            } else {
                "warning"
            };
            format!(
                "::{level} file={},line={line},title={}::{}",
                escape_property(file),
                escape_property(&format!("{} {}", r.code, what)),
                escape_data(&format!(
                    "{} {} ({what}): {}",
                    r.panel, r.endpoint, r.detail
                ))
            )
        })
        .collect()
}

/// Appends `markdown` to the job summary file.
pub(crate) fn append_summary(path: &Path, markdown: &[u8]) -> anyhow::Result<()> {
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .with_context(|| format!("append the job summary to {}", path.display()))?;
    file.write_all(markdown)
        .with_context(|| format!("append the job summary to {}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn workflow_commands_are_escaped() {
        assert_eq!(escape_data("50% a\nb"), "50%25 a%0Ab");
        assert_eq!(escape_property("a:b,c"), "a%3Ab%2Cc");
    }
}
