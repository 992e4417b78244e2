//! Integration tests of hisar-import against the shared reference data in `../shared`.
//!
//! They need `../shared` beside the repository (CI puts it there) and fail, saying so, when it
//! is missing: a test that passes without its data proves nothing.

mod aurora;
mod aurora_2026_02;
mod reference;
/// Inputs that once crashed an importer (issue 11: importers never panic on any input), found
/// by hand or by the fuzz targets in `fuzz/`; each stays here for good.
mod regressions;

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

/// An AURORA repository under `../shared`, read as `hisar import aurora` reads one: every
/// location of the importer's layout that exists, regular files only. Panics, saying what to
/// do, when the repository folder itself is missing.
pub(crate) fn aurora_sources(root: &str) -> hisar_import::aurora::AuroraSources {
    use hisar_import::aurora::{AuroraFile, AuroraSources, LAYOUT, Location};
    let base = shared_path(root);
    assert!(
        base.is_dir(),
        "{} is not a folder: these tests need ../shared beside the repository",
        base.display()
    );
    let mut sources = AuroraSources::default();
    for (part, location) in LAYOUT {
        let files: Vec<String> = match location {
            Location::File(path) => vec![(*path).to_owned()],
            Location::Folder(dir, exts) => {
                let Ok(entries) = std::fs::read_dir(base.join(dir)) else {
                    continue;
                };
                let mut names: Vec<String> = entries
                    .filter_map(Result::ok)
                    .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .filter(|n| exts.iter().any(|x| n.ends_with(&format!(".{x}"))))
                    .collect();
                names.sort();
                names.into_iter().map(|n| format!("{dir}/{n}")).collect()
            }
        };
        for path in files {
            let file = base.join(&path);
            if !file.is_file() {
                continue;
            }
            let text = std::fs::read_to_string(&file)
                .unwrap_or_else(|e| panic!("{}: {e}", file.display()));
            sources.add(*part, AuroraFile { path, text });
        }
    }
    sources
}
