//! Integration tests of hisar-core against the shared reference data.

mod reference;

use std::path::PathBuf;

/// `../shared` beside the repository, where CI puts it; `None` (and a note) when absent.
#[expect(clippy::print_stderr, reason = "a skipping test says why")]
pub(crate) fn shared(path: &str) -> Option<String> {
    let file = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared")
        .join(path);
    match std::fs::read_to_string(&file) {
        Ok(text) => Some(text),
        Err(e) => {
            eprintln!(
                "skipped: {} not readable ({e}); clone ../shared beside the repository",
                file.display()
            );
            None
        }
    }
}
