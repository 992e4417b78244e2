//! `hisar import`: registries from other systems' files, printed on stdout.

use std::io::{Read, Write};
use std::path::Path;

use anyhow::anyhow;
use hisar_import::aurora::{AuroraFile, AuroraSources, LAYOUT, Location, import_aurora};
use hisar_import::tracker::parse_tracker;

use crate::args::ImportCommand;
use crate::context::{read_input, write_atomic};
use crate::exit::{Exit, Failure, Outcome, invalid, usage};
use crate::ui::{Ui, Verbosity};

/// The largest file an import reads: far above any real plan, ledger or OpenAPI document, and a
/// bound on what a wrong path (a disk image, a log) can cost.
const MAX_FILE: u64 = 32 * 1024 * 1024;

/// A regular file's text; `None` when nothing is there. Anything else at the path (a folder, a
/// FIFO, a socket, a device) is skipped with a warning before it is opened: opening a FIFO for
/// reading would wait for a writer forever.
pub(crate) fn read_regular(path: &Path, ui: Ui) -> Result<Option<String>, Failure> {
    let meta = match std::fs::metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(usage(anyhow!("read {}: {e}", path.display()))),
    };
    if !meta.is_file() {
        ui.warn(&format!("{}: not a regular file; not read", path.display()));
        return Ok(None);
    }
    if meta.len() > MAX_FILE {
        return Err(usage(anyhow!(
            "read {}: {} bytes, more than the {MAX_FILE} an import reads",
            path.display(),
            meta.len()
        )));
    }
    let file =
        std::fs::File::open(path).map_err(|e| usage(anyhow!("read {}: {e}", path.display())))?;
    let mut text = String::new();
    file.take(MAX_FILE + 1)
        .read_to_string(&mut text)
        .map_err(|e| usage(anyhow!("read {}: {e}", path.display())))?;
    Ok(Some(text))
}

/// Every file of the importer's layout that exists under `dir`, regular files only.
pub(crate) fn read_aurora(dir: &Path, ui: Ui) -> Result<AuroraSources, Failure> {
    if !dir.is_dir() {
        return Err(usage(anyhow!(
            "{} is not a directory: pass an AURORA repository root",
            dir.display()
        )));
    }
    let mut sources = AuroraSources {
        // Relative to the current directory, where the printed registry usually lands.
        root: Some(dir.display().to_string()),
        ..AuroraSources::default()
    };
    for (part, location) in LAYOUT {
        let paths: Vec<String> = match location {
            Location::File(path) => vec![(*path).to_owned()],
            Location::Folder(folder, exts) => {
                let full = dir.join(folder);
                let entries = match std::fs::read_dir(&full) {
                    Ok(entries) => entries,
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                    Err(e) if e.kind() == std::io::ErrorKind::NotADirectory => {
                        ui.warn(&format!("{}: not a directory; not read", full.display()));
                        continue;
                    }
                    Err(e) => return Err(usage(anyhow!("read {}: {e}", full.display()))),
                };
                let mut names: Vec<String> = entries
                    .filter_map(Result::ok)
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .filter(|n| {
                        Path::new(n)
                            .extension()
                            .is_some_and(|e| exts.iter().any(|x| e.eq_ignore_ascii_case(x)))
                    })
                    .collect();
                names.sort();
                names.into_iter().map(|n| format!("{folder}/{n}")).collect()
            }
        };
        for path in paths {
            if let Some(text) = read_regular(&dir.join(&path), ui)? {
                sources.add(*part, AuroraFile { path, text });
            }
        }
    }
    Ok(sources)
}

fn aurora(dir: &Path, lint_json: Option<&Path>, ui: Ui) -> Outcome {
    let started = std::time::Instant::now();
    let sources = read_aurora(dir, ui)?;
    let import = import_aurora(&sources).map_err(|e| usage(anyhow!("{}: {e}", dir.display())))?;
    ui.line(&ui.bold(&format!(
        "hisar import aurora {} ({} ms)",
        dir.display(),
        started.elapsed().as_millis()
    )));
    for line in import.summary.to_string().lines() {
        ui.line(line);
    }
    if ui.verbosity() == Verbosity::Verbose {
        let mut kind = None;
        for finding in &import.lint {
            if kind != Some(finding.kind) {
                kind = Some(finding.kind);
                let n = import
                    .lint
                    .iter()
                    .filter(|f| f.kind == finding.kind)
                    .count();
                ui.line(&ui.bold(&format!("  {} ({n})", finding.kind)));
            }
            let subject = finding
                .panel
                .as_deref()
                .or(finding.capability.as_deref())
                .unwrap_or("-");
            ui.line(&format!(
                "    {subject}: {} [{}]",
                finding.message,
                finding.files.join(", ")
            ));
        }
        for u in &import.untranslated {
            ui.warn(&format!(
                "{} ({}): untranslated expectation {:?}: {}; kept unchecked",
                u.panel, u.file, u.text, u.reason
            ));
        }
    } else if !import.lint.is_empty() {
        ui.line("each finding: --verbose (stderr) or --lint-json FILE");
    }
    if let Some(path) = lint_json {
        let doc = serde_json::json!({
            "source": dir.display().to_string(),
            "counts": &import.counts,
            "summary": &import.summary,
            "lifecycle": &import.lifecycle,
            "routes": &import.routes,
            "lint": &import.lint,
            "untranslated": &import.untranslated,
            "unresolved": &import.unresolved,
        });
        write_atomic(path, |w| {
            serde_json::to_writer_pretty(&mut *w, &doc).map_err(std::io::Error::other)?;
            writeln!(w)
        })
        .map_err(invalid)?;
        ui.line(&format!("wrote {}", path.display()));
    }
    crate::ui::stdout()
        .write_all(import.draft.to_yaml().as_bytes())
        .map_err(|e| invalid(anyhow!(e)))?;
    Ok(Exit::Pass)
}

pub(crate) fn import(command: ImportCommand, ui: Ui) -> Outcome {
    match command {
        ImportCommand::Tracker { file } => {
            let text =
                read_input(&file).map_err(|e| usage(anyhow!("read {}: {e}", file.display())))?;
            let import = parse_tracker(&text)
                .map_err(|e| usage(anyhow!("{}:{}: {}", file.display(), e.line, e.message)))?;
            for warning in &import.warnings {
                ui.warn(&format!("{}: {warning}", file.display()));
            }
            let bound = import.rows.iter().filter(|r| r.gap.is_none()).count();
            ui.line(&format!(
                "imported {} panels ({bound} bound, {} blocked) in {} domains from {}",
                import.rows.len(),
                import.rows.len() - bound,
                import.domains.len(),
                file.display()
            ));
            crate::ui::stdout()
                .write_all(import.draft.to_yaml().as_bytes())
                .map_err(|e| invalid(anyhow!(e)))?;
            Ok(Exit::Pass)
        }
        ImportCommand::Aurora { dir, lint_json } => aurora(&dir, lint_json.as_deref(), ui),
    }
}
