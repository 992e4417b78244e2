//! Lint collection.

use super::{LintFinding, LintKind};

#[derive(Default)]
pub(super) struct Lints(pub(super) Vec<LintFinding>);

impl Lints {
    pub(super) fn push(
        &mut self,
        kind: LintKind,
        panel: Option<&str>,
        capability: Option<&str>,
        files: &[&str],
        message: String,
    ) {
        let mut list: Vec<String> = Vec::new();
        for f in files {
            if !list.iter().any(|x| x == f) {
                list.push((*f).to_owned());
            }
        }
        self.0.push(LintFinding {
            kind,
            panel: panel.map(str::to_owned),
            capability: capability.map(str::to_owned),
            message,
            files: list,
        });
    }
}
