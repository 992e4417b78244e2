//! `hisar import`: registries from other systems' files, printed on stdout.

use std::io::Write;

use anyhow::anyhow;
use hisar_core::import::tracker::parse_tracker;

use crate::args::ImportCommand;
use crate::exit::{Exit, Outcome, invalid, usage};
use crate::ui::Ui;

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
            std::io::stdout()
                .lock()
                .write_all(import.draft.to_yaml().as_bytes())
                .map_err(|e| invalid(anyhow!(e)))?;
            Ok(Exit::Pass)
        }
    }
}
