//! `hisar import`: registries from other systems' files, printed on stdout.

use std::io::Write;
use std::path::Path;

use anyhow::anyhow;
use hisar_import::aurora::{
    AuroraFile, AuroraSources, CAPABILITIES_DIR, INTENTS_DIR, OPENAPI_PATH, PLAN_PATH,
    SCENARIOS_DIR, import_aurora,
};
use hisar_import::tracker::parse_tracker;

use crate::args::ImportCommand;
use crate::context::write_atomic;
use crate::exit::{Exit, Failure, Outcome, invalid, usage};
use crate::ui::Ui;

fn read(root: &Path, relative: &str) -> Result<AuroraFile, Failure> {
    let path = root.join(relative);
    let text = std::fs::read_to_string(&path)
        .map_err(|e| usage(anyhow!("read {}: {e}", path.display())))?;
    Ok(AuroraFile {
        path: relative.to_owned(),
        text,
    })
}

/// Every `*.yaml` file of a folder, sorted by name.
fn read_dir(root: &Path, relative: &str) -> Result<Vec<AuroraFile>, Failure> {
    let dir = root.join(relative);
    let entries =
        std::fs::read_dir(&dir).map_err(|e| usage(anyhow!("read {}: {e}", dir.display())))?;
    let mut names: Vec<String> = entries
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| {
            Path::new(n)
                .extension()
                .is_some_and(|e| e.eq_ignore_ascii_case("yaml") || e.eq_ignore_ascii_case("yml"))
        })
        .collect();
    names.sort();
    names
        .into_iter()
        .map(|n| read(root, &format!("{relative}/{n}")))
        .collect()
}

fn aurora(dir: &Path, lint_json: Option<&Path>, ui: Ui) -> Outcome {
    let started = std::time::Instant::now();
    let openapi = dir.join(OPENAPI_PATH);
    let sources = AuroraSources {
        plan: read(dir, PLAN_PATH)?,
        intents: read_dir(dir, INTENTS_DIR)?,
        capabilities: read_dir(dir, CAPABILITIES_DIR)?,
        scenarios: read_dir(dir, SCENARIOS_DIR)?,
        // Relative to the current directory, where the printed registry usually lands.
        openapi: openapi.exists().then(|| openapi.display().to_string()),
    };
    let import = import_aurora(&sources).map_err(|e| usage(anyhow!("{}: {e}", dir.display())))?;
    let c = &import.counts;
    ui.line(&format!(
        "imported {} of {} plan panels from {} ({} intents, {} capabilities, {} scenarios, {} invariants) in {} ms",
        c.panels,
        c.plan_panels,
        dir.display(),
        c.intents,
        c.capabilities,
        c.scenarios,
        c.invariants,
        started.elapsed().as_millis()
    ));
    if let Some(routes) = &sources.openapi {
        ui.line(&format!(
            "backend.routes: {routes} (relative to the current directory)"
        ));
    }
    ui.line(&format!("lint: {} disagreements", import.lint.len()));
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
            "{} ({}): untranslated assertion {:?}: {}",
            u.panel, u.file, u.text, u.reason
        ));
    }
    if let Some(path) = lint_json {
        let doc = serde_json::json!({
            "source": dir.display().to_string(),
            "counts": &import.counts,
            "lifecycle": &import.lifecycle,
            "lint": &import.lint,
            "untranslated": &import.untranslated,
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
            let text = std::fs::read_to_string(&file)
                .map_err(|e| usage(anyhow!("read {}: {e}", file.display())))?;
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
