//! Integration tests of hisar-import against the shared reference data in `../shared`.
//!
//! They need `../shared` beside the repository (CI puts it there) and fail, saying so, when it
//! is missing: a test that passes without its data proves nothing.

mod aurora;
mod reference;

use std::path::PathBuf;

fn shared_path(path: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared")
        .join(path)
}

/// A file of `../shared`; panics with what to do when it is not readable.
pub(crate) fn shared(path: &str) -> String {
    let file = shared_path(path);
    std::fs::read_to_string(&file).unwrap_or_else(|e| {
        panic!(
            "{} is not readable ({e}): these tests need ../shared beside the repository",
            file.display()
        )
    })
}

/// The `*.yaml` files of a folder under `../shared`, as (file name, text) sorted by name;
/// panics with what to do when the folder is not readable.
pub(crate) fn shared_yaml_dir(path: &str) -> Vec<(String, String)> {
    let dir = shared_path(path);
    let entries = std::fs::read_dir(&dir).unwrap_or_else(|e| {
        panic!(
            "{} is not readable ({e}): these tests need ../shared beside the repository",
            dir.display()
        )
    });
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
    files
}
