//! What every command needs: the registry, the environment, the history store, and reports
//! written atomically.

use std::collections::BTreeMap;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context as _, anyhow};
use hisar_core::{Env, Registry};
use hisar_report::{Report, SeriesPoint, write_html, write_json, write_junit, write_markdown};
use hisar_store::{Fold, HistoryStore, SqliteStore, SweepSummary, View};
use jiff::civil::Date;

use crate::args::OutputArgs;
use crate::exit::{Failure, invalid, usage};
use crate::ui::Ui;

/// Reads and validates a registry; every problem is shown, and the exit code is 2.
pub(crate) fn load_registry(path: &Path) -> Result<Registry, Failure> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| usage(anyhow!("read registry {}: {e}", path.display())))?;
    Registry::from_yaml(&text, &path.display().to_string())
        .map_err(|e| usage(anyhow!("{}", e.to_string().trim_end())))
}

/// The directory the registry sits in, for relative paths inside it.
pub(crate) fn registry_dir(path: &Path) -> PathBuf {
    path.parent()
        .filter(|p| !p.as_os_str().is_empty())
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf)
}

/// The process environment, with values set by HISAR itself laid over it.
#[derive(Debug, Clone, Default)]
pub(crate) struct Environment {
    overlay: BTreeMap<String, String>,
}

impl Environment {
    pub(crate) fn set(&mut self, name: &str, value: impl Into<String>) {
        self.overlay.insert(name.to_owned(), value.into());
    }
}

impl Env for Environment {
    fn get(&self, name: &str) -> Option<String> {
        self.overlay
            .get(name)
            .cloned()
            .or_else(|| std::env::var(name).ok())
    }
}

/// Today in UTC, for waivers.
pub(crate) fn today() -> Date {
    hisar_core::history::day(jiff::Timestamp::now())
}

pub(crate) fn open_store(state: &Path) -> Result<SqliteStore, Failure> {
    SqliteStore::open_dir(state).map_err(invalid)
}

/// The store of a state directory for read-only commands: `None` when it holds no history
/// yet (nothing is created).
pub(crate) fn existing_store(state: &Path) -> Result<Option<SqliteStore>, Failure> {
    if !state.join(SqliteStore::FILE).exists() {
        return Ok(None);
    }
    open_store(state).map(Some)
}

/// The tracked state as stored (the snapshot and the sweeps' summaries), or an empty one when
/// the state directory holds no history yet.
pub(crate) async fn read_view(state: &Path, registry: &Registry) -> Result<View, Failure> {
    let fold = Fold::new(registry);
    match existing_store(state)? {
        Some(store) => store.view(&fold).await.map_err(invalid),
        None => Ok(View {
            version: 0,
            ledger: fold.empty(),
            summaries: Vec::new(),
        }),
    }
}

/// The dashboard's history chart from the tracked counts stored with each complete sweep.
pub(crate) fn series(summaries: &[SweepSummary]) -> Vec<SeriesPoint> {
    summaries
        .iter()
        .filter_map(|s| {
            s.tracked.map(|t| SeriesPoint {
                sweep: s.id,
                at: s.started_at,
                bound: t.bound,
                blocked: t.blocked,
                total: t.total,
            })
        })
        .collect()
}

/// Writes a file through a temporary file in the same directory, renamed over the target:
/// readers, and a process killed at any point, see the old file or the new one, never half of
/// one. Nothing is flushed to the disk here: every report can be written again from history
/// (`hisar report`), and a file system that could lose a renamed file's data in a power cut
/// would lose the history's last commit with it (`synchronous=NORMAL`).
pub(crate) fn write_atomic(
    path: &Path,
    render: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> anyhow::Result<()> {
    let dir = registry_dir(path);
    let mut temp = tempfile::Builder::new()
        .prefix(".hisar-")
        .suffix(".tmp")
        .tempfile_in(&dir)
        .with_context(|| {
            format!(
                "write {}: cannot create a file in {}",
                path.display(),
                dir.display()
            )
        })?;
    {
        let mut w = BufWriter::new(temp.as_file_mut());
        render(&mut w).with_context(|| format!("write {}", path.display()))?;
        w.flush()
            .with_context(|| format!("write {}", path.display()))?;
    }
    temp.persist(path)
        .map_err(|e| anyhow!("write {}: {}", path.display(), e.error))?;
    Ok(())
}

/// A renderer of one report format.
type Renderer = fn(&Report<'_>, &mut dyn Write) -> std::io::Result<()>;

/// Writes every report asked for. A failure leaves the previous file in place and exits 3.
pub(crate) fn write_outputs(
    report: &Report<'_>,
    outputs: &OutputArgs,
    ui: Ui,
) -> Result<(), Failure> {
    let jobs: [(&Option<PathBuf>, Renderer); 4] = [
        (&outputs.tracker, write_markdown),
        (&outputs.json, write_json),
        (&outputs.junit, write_junit),
        (&outputs.html, write_html),
    ];
    for (path, render) in jobs {
        let Some(path) = path else { continue };
        if path.as_os_str() == "-" {
            let mut out = std::io::stdout().lock();
            render(report, &mut out)
                .and_then(|()| out.flush())
                .map_err(|e| invalid(anyhow!("write to stdout: {e}")))?;
            continue;
        }
        write_atomic(path, |w| render(report, w)).map_err(invalid)?;
        ui.line(&format!("wrote {}", path.display()));
    }
    Ok(())
}
