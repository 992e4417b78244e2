//! `hisar list`: panels with their last known verdict, or as declared.

use std::io::Write;

use anyhow::anyhow;
use hisar_core::Status;
use serde_json::json;

use crate::args::{Format, ListArgs};
use crate::context::{load_registry, read_view};
use crate::exit::{Exit, Outcome, invalid, usage};

pub(crate) async fn list(args: &ListArgs) -> Outcome {
    let registry = load_registry(&args.registry.registry)?;
    for code in &args.domains {
        if registry.domain(code).is_none() {
            return Err(usage(anyhow!("unknown domain `{code}`")));
        }
    }
    let state = read_view(&args.state.state, &registry)
        .await?
        .ledger
        .state(&registry);
    let rows: Vec<_> = registry
        .panels()
        .iter()
        .zip(&state.panels)
        .filter(|(p, _)| {
            args.domains.is_empty() || args.domains.iter().any(|d| d == p.id.domain().as_str())
        })
        .filter(|(_, s)| args.status.is_none_or(|status| s.status == status))
        .filter(|(_, s)| {
            args.gap.is_none_or(|gap| {
                s.verdict.as_ref().and_then(hisar_core::Verdict::code) == Some(gap)
            })
        })
        .collect();
    let mut out = std::io::stdout().lock();
    match args.format {
        Format::Json => {
            let items: Vec<_> = rows
                .iter()
                .map(|(p, s)| {
                    let gap = s.verdict.as_ref().and_then(|v| v.gap());
                    json!({
                        "id": p.id.as_str(), "status": s.status, "gap": gap.map(|g| g.code),
                        "detail": gap.map(|g| g.detail.as_str()), "endpoint": p.endpoint.to_string(),
                        "capability": p.capability.as_str(), "class": p.class.as_str(),
                        "verified_at": s.verified_at, "unverified_now": s.unverified_now,
                    })
                })
                .collect();
            serde_json::to_writer_pretty(&mut out, &items).map_err(|e| invalid(anyhow!(e)))?;
            writeln!(out).map_err(|e| invalid(anyhow!(e)))?;
        }
        Format::Table => {
            let id_w = rows
                .iter()
                .map(|(p, _)| p.id.as_str().len())
                .max()
                .unwrap_or(5)
                .max(5);
            let ep_w = rows
                .iter()
                .map(|(p, _)| p.endpoint.to_string().len())
                .max()
                .unwrap_or(8)
                .clamp(8, 48);
            writeln!(
                out,
                "{:id_w$}  {:10}  {:18}  {:ep_w$}  CAPABILITY",
                "PANEL", "STATUS", "GAP", "ENDPOINT"
            )
            .map_err(|e| invalid(anyhow!(e)))?;
            for (p, s) in &rows {
                let status = if s.verified_at.is_none() {
                    "DECLARED".to_owned()
                } else {
                    s.status.to_string()
                };
                let gap = s
                    .verdict
                    .as_ref()
                    .and_then(hisar_core::Verdict::code)
                    .map_or("-".to_owned(), |c| c.to_string());
                let gap = if s.status == Status::Blocked {
                    gap
                } else {
                    "-".to_owned()
                };
                writeln!(
                    out,
                    "{:id_w$}  {status:10}  {gap:18}  {:ep_w$}  {}",
                    p.id,
                    p.endpoint.to_string(),
                    p.capability
                )
                .map_err(|e| invalid(anyhow!(e)))?;
            }
        }
    }
    Ok(Exit::Pass)
}
