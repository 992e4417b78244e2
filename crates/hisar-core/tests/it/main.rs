//! Integration tests of hisar-core against the shared reference data.

mod aurora;
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

/// The `*.yaml` files of a folder under `../shared`, as (file name, text) sorted by name;
/// `None` (and a note) when the folder is absent.
#[expect(clippy::print_stderr, reason = "a skipping test says why")]
pub(crate) fn shared_yaml_dir(path: &str) -> Option<Vec<(String, String)>> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared")
        .join(path);
    let entries = match std::fs::read_dir(&dir) {
        Ok(entries) => entries,
        Err(e) => {
            eprintln!(
                "skipped: {} not readable ({e}); clone ../shared beside the repository",
                dir.display()
            );
            return None;
        }
    };
    let mut files: Vec<(String, String)> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
        .map(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            let text =
                std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
            (name, text)
        })
        .collect();
    files.sort();
    Some(files)
}
