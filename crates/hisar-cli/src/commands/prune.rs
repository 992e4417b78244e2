//! `hisar prune --keep 90d`: old sweeps out of history, the tracked state they led to kept.

use anyhow::anyhow;
use hisar_store::{Fold, HistoryStore};

use crate::args::PruneArgs;
use crate::context::{existing_store, load_registry, lock_state};
use crate::exit::{Exit, Outcome, invalid, usage};
use crate::ui::Ui;

pub(crate) async fn prune(args: &PruneArgs, ui: Ui) -> Outcome {
    let registry = load_registry(&args.registry.registry)?;
    let keep = jiff::SignedDuration::try_from(args.keep.0)
        .map_err(|e| usage(anyhow!("--keep {}: {e}", args.keep)))?;
    let before = jiff::Timestamp::now()
        .checked_sub(keep)
        .map_err(|e| usage(anyhow!("--keep {}: {e}", args.keep)))?;
    let Some(store) = existing_store(&args.state.state)? else {
        ui.line(&format!(
            "no history in {}: nothing to prune",
            args.state.state.display()
        ));
        return Ok(Exit::Pass);
    };
    // Pruning rewrites history: it is a writer of the state directory like a sweep, one at a
    // time, so a sweep never records onto a base snapshot being replaced.
    let _lock = lock_state(&args.state.state, "hisar prune", args.lock.lock_wait.0, ui).await?;
    let pruned = store
        .prune(before, &Fold::new(&registry))
        .await
        .map_err(invalid)?;
    let left = store.summaries().await.map_err(invalid)?.len();
    ui.line(&format!(
        "pruned {} sweeps ({} panel records) started before {}; {left} kept; the tracked state is unchanged",
        pruned.sweeps,
        pruned.records,
        before.strftime("%Y-%m-%d %H:%M UTC"),
    ));
    Ok(Exit::Pass)
}
