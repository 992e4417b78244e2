//! `hisar list`: panels with their last known verdict, in aligned columns with a one-line
//! detail. States are the tracker's: BOUND, BLOCKED, UNVERIFIED (never verified, or not
//! verified since the panel's probe changed).

use std::io::Write;

use anyhow::anyhow;
use hisar_core::history::PanelState;
use hisar_core::{Outcome as Verdict, Panel};
use serde_json::json;

use crate::args::{Format, ListArgs};
use crate::context::{load_registry, read_view};
use crate::exit::{Exit, Outcome, invalid, usage};
use crate::ui::stdout;

/// What a person reads about a panel's state, on one line.
fn detail(state: &PanelState) -> String {
    let mut text = match state.verdict.as_ref().map(|v| (&v.outcome, v)) {
        None => "never verified".to_owned(),
        Some((Verdict::Blocked(gap), _)) => gap.detail.clone(),
        Some((Verdict::Bound, v)) => v.evidence.summary(),
        Some((Verdict::Unverified { reason }, _)) => reason.clone(),
    };
    if let Some(reason) = &state.unverified_now {
        text = format!("{text} (unverified in the latest sweep: {reason})");
    }
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

pub(crate) async fn list(args: &ListArgs) -> Outcome {
    let registry = load_registry(&args.registry.registry)?;
    for code in &args.domains {
        if registry.domain(code).is_none() {
            let codes: Vec<&str> = registry.domains().iter().map(|d| d.code.as_str()).collect();
            return Err(usage(anyhow!(
                "unknown domain `{code}`; declared: {}",
                codes.join(", ")
            )));
        }
    }
    let state = read_view(&args.state.state, &registry)
        .await?
        .ledger
        .state(&registry);
    let rows: Vec<(&Panel, &PanelState)> = registry
        .panels()
        .iter()
        .zip(&state.panels)
        .filter(|(p, _)| {
            args.domains.is_empty()
                || args
                    .domains
                    .iter()
                    .any(|d| d.eq_ignore_ascii_case(p.id.domain().as_str()))
        })
        .filter(|(_, s)| args.status.is_none_or(|status| s.status == status))
        .filter(|(_, s)| {
            args.gap.is_none_or(|gap| {
                s.verdict.as_ref().and_then(hisar_core::Verdict::code) == Some(gap)
            })
        })
        .collect();
    let mut out = stdout();
    let io = |e: std::io::Error| invalid(anyhow!(e));
    match args.format {
        Format::Json => {
            let items: Vec<_> = rows
                .iter()
                .map(|(p, s)| {
                    let gap = s.verdict.as_ref().and_then(|v| v.gap());
                    json!({
                        "id": p.id.as_str(), "domain": p.id.domain().as_str(), "status": s.status,
                        "gap": gap.map(|g| g.code), "detail": detail(s),
                        "endpoint": p.endpoint.to_string(),
                        "capability": p.capability.as_str(), "class": p.class.as_str(),
                        "verified_at": s.verified_at, "unverified_now": s.unverified_now,
                    })
                })
                .collect();
            serde_json::to_writer_pretty(&mut out, &items).map_err(|e| invalid(anyhow!(e)))?;
            writeln!(out).map_err(io)?;
        }
        Format::Table => {
            let table: Vec<[String; 5]> = rows
                .iter()
                .map(|(p, s)| {
                    let gap = s
                        .verdict
                        .as_ref()
                        .and_then(hisar_core::Verdict::code)
                        .filter(|_| s.status == hisar_core::Status::Blocked)
                        .map_or_else(|| "-".to_owned(), |c| c.to_string());
                    [
                        p.id.to_string(),
                        s.status.to_string(),
                        gap,
                        p.endpoint.to_string(),
                        detail(s),
                    ]
                })
                .collect();
            let header = ["PANEL", "STATUS", "GAP", "ENDPOINT", "DETAIL"].map(str::to_owned);
            let mut widths = [0usize; 4];
            for row in std::iter::once(&header).chain(&table) {
                for (w, cell) in widths.iter_mut().zip(row) {
                    *w = (*w).max(cell.chars().count());
                }
            }
            for row in std::iter::once(&header).chain(&table) {
                let [id, status, gap, endpoint, detail] = row;
                let [iw, sw, gw, ew] = widths;
                writeln!(
                    out,
                    "{id:iw$}  {status:sw$}  {gap:gw$}  {endpoint:ew$}  {detail}"
                )
                .map_err(io)?;
            }
        }
    }
    out.flush().map_err(io)?;
    Ok(Exit::Pass)
}
