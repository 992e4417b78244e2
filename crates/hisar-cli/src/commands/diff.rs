//! `hisar diff [FROM] [TO]`: what changed between two sweeps.

use std::io::Write;

use anyhow::anyhow;
use hisar_core::history::ChangeKind;
use hisar_report::{ChangeRow, write_changes_markdown};
use hisar_store::{HistoryStore, SweepStatus};

use crate::args::{DiffArgs, DiffFormat};
use crate::context::{existing_store, load_registry};
use crate::exit::{Exit, Outcome, invalid, usage};

/// Compares the tracked statuses stored at both sweeps (the panels that changed in between,
/// from the stored transitions), without replaying history.
pub(crate) async fn diff(args: &DiffArgs) -> Outcome {
    let registry = load_registry(&args.registry.registry)?;
    let store = existing_store(&args.state.state)?;
    let ids: Vec<u64> = match &store {
        Some(store) => store
            .summaries()
            .await
            .map_err(invalid)?
            .into_iter()
            .filter(|s| s.status == SweepStatus::Complete)
            .map(|s| s.id)
            .collect(),
        None => Vec::new(),
    };
    let to = args.to.or_else(|| ids.last().copied());
    let from = args.from.or_else(|| {
        let to = to?;
        ids.iter().rev().find(|&&id| id < to).copied()
    });
    let (Some(from), Some(to)) = (from, to) else {
        return Err(usage(anyhow!(
            "diff needs two sweeps; {} holds {}",
            args.state.state.display(),
            ids.len()
        )));
    };
    for id in [from, to] {
        if !ids.contains(&id) {
            return Err(usage(anyhow!(
                "no sweep #{id} in {}",
                args.state.state.display()
            )));
        }
    }
    if from >= to {
        return Err(usage(anyhow!("FROM (#{from}) must come before TO (#{to})")));
    }
    let Some(store) = store else {
        return Err(usage(anyhow!(
            "no history in {}",
            args.state.state.display()
        )));
    };
    let changes = hisar_store::diff(&store, &registry, from, to)
        .await
        .map_err(invalid)?
        .ok_or_else(|| {
            usage(anyhow!(
                "sweep #{from} or #{to} is not in {}",
                args.state.state.display()
            ))
        })?;
    let count = |f: fn(&ChangeKind) -> bool| changes.iter().filter(|c| f(&c.kind)).count();
    let (new, resolved, regressed, code_changes) = (
        count(|k| *k == ChangeKind::New),
        count(|k| *k == ChangeKind::Resolved),
        count(|k| *k == ChangeKind::Regressed),
        count(|k| matches!(k, ChangeKind::CodeChanged { .. })),
    );
    // Gaps closed because the registry changed (superseded or retired).
    let closed = count(|k| matches!(k, ChangeKind::Superseded | ChangeKind::Retired));
    let mut out = crate::ui::stdout();
    let io = |e: std::io::Error| invalid(anyhow!(e));
    match args.format {
        DiffFormat::Markdown => {
            // Endpoint and detail come from the record that made each change: the panel's
            // latest transition up to TO.
            let panels: Vec<String> = changes.iter().map(|c| c.panel.clone()).collect();
            let made = store
                .tracked_at(to, &panels)
                .await
                .map_err(invalid)?
                .unwrap_or_default();
            let mut records = Vec::new();
            for t in made {
                if let Some(record) = store.record(t.sweep, &t.panel).await.map_err(invalid)? {
                    records.push(record);
                }
            }
            let rows = ChangeRow::rows(&changes, &records);
            write_changes_markdown(&format!("HISAR: sweep #{from} → #{to}"), &rows, &mut out)
                .map_err(io)?;
        }
        DiffFormat::Json => {
            let doc = serde_json::json!({
                "from": from, "to": to,
                "counts": {"new": new, "resolved": resolved, "regressed": regressed, "changed_code": code_changes, "closed": closed},
                "changes": changes,
            });
            serde_json::to_writer_pretty(&mut out, &doc).map_err(|e| invalid(anyhow!(e)))?;
            writeln!(out).map_err(io)?;
        }
        DiffFormat::Table => {
            let closed = match closed {
                0 => String::new(),
                n => format!(", {n} closed by a registry change"),
            };
            writeln!(out, "sweep #{from} -> #{to}: {new} new, {resolved} resolved, {regressed} regressed, {code_changes} changed code{closed}").map_err(io)?;
            for c in &changes {
                let what = match &c.kind {
                    ChangeKind::New => format!("new        {}", c.code),
                    ChangeKind::Resolved => format!("resolved   {}", c.code),
                    ChangeKind::Regressed => format!("regressed  {}", c.code),
                    ChangeKind::CodeChanged { from } => format!("changed    {from} -> {}", c.code),
                    ChangeKind::Superseded => format!("superseded {}", c.code),
                    ChangeKind::Retired => format!("retired    {}", c.code),
                };
                writeln!(out, "  {:18} {what}", c.panel).map_err(io)?;
            }
        }
    }
    Ok(Exit::Pass)
}
