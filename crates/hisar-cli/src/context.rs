//! What every command needs: the registry, the environment, the history store, and reports
//! written atomically.

use std::collections::BTreeMap;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context as _, anyhow};
use hisar_core::{Env, Registry};
use hisar_report::{
    Report, SeriesPoint, TIMELINE_LEN, TimelineEntry, write_html, write_json, write_junit,
    write_markdown,
};
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

/// Paths as reports show them (SPEC §6).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ShownPaths {
    /// The registry, for the re-check command.
    pub(crate) registry: String,
    /// The registry's references, file paths re-expressed.
    pub(crate) references: Vec<String>,
    /// The state directory, when the re-check command must name it.
    pub(crate) state: Option<String>,
}

/// How reports show paths (SPEC §6): relative to the tracker's folder (else to the folder of
/// the first report written, else to the working directory), so the same history renders the
/// same bytes whatever directory HISAR ran in and however the paths were typed, and the
/// re-check command works when pasted in that folder. A reference that is a relative file path
/// is read from the registry's folder; a URL or an absolute path is shown as written.
pub(crate) fn shown_paths(
    registry: &Registry,
    registry_path: &Path,
    state: &Path,
    outputs: &OutputArgs,
) -> ShownPaths {
    let from = [
        &outputs.tracker,
        &outputs.json,
        &outputs.junit,
        &outputs.html,
    ]
    .into_iter()
    .flatten()
    .find(|p| p.as_os_str() != "-")
    .map_or_else(|| PathBuf::from("."), |p| registry_dir(p));
    let from = resolve(&from);
    let shown = |path: &Path| {
        let target = resolve(path);
        pathdiff::diff_paths(&target, &from)
            .unwrap_or(target)
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect::<Vec<_>>()
            .join("/")
    };
    let dir = registry_dir(registry_path);
    let references = registry
        .tracker()
        .references
        .iter()
        .map(|r| {
            if r.contains("://") || Path::new(r).is_absolute() {
                r.clone()
            } else {
                shown(&dir.join(r))
            }
        })
        .collect();
    let state = shown(state);
    ShownPaths {
        registry: shown(registry_path),
        references,
        state: (state != ".hisar").then_some(state),
    }
}

/// An absolute path with no `.` or `..` and symbolic links resolved as far as the path
/// exists: the longest existing ancestor is canonicalized, the rest appended as written.
fn resolve(path: &Path) -> PathBuf {
    let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let mut lexical = PathBuf::new();
    for part in absolute.components() {
        match part {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir => {
                lexical.pop();
            }
            other => lexical.push(other),
        }
    }
    let mut existing = lexical.as_path();
    let mut rest = Vec::new();
    loop {
        if let Ok(real) = std::fs::canonicalize(existing) {
            return rest.iter().rev().fold(real, |acc, part| acc.join(part));
        }
        match (existing.parent(), existing.file_name()) {
            (Some(parent), Some(name)) => {
                rest.push(name.to_owned());
                existing = parent;
            }
            _ => return lexical,
        }
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

/// Each registry panel's latest verdicts (at most [`TIMELINE_LEN`], oldest first), read by
/// panel from the store: as much work after a year of sweeps as after a month.
pub(crate) async fn timelines(
    store: &dyn HistoryStore,
    registry: &Registry,
) -> Result<BTreeMap<String, Vec<TimelineEntry>>, Failure> {
    let panels: Vec<String> = registry.panels().iter().map(|p| p.id.to_string()).collect();
    let recent = store
        .recent_records(&panels, TIMELINE_LEN)
        .await
        .map_err(invalid)?;
    Ok(recent
        .into_iter()
        .map(|(panel, entries)| {
            let line = entries
                .into_iter()
                .rev()
                .map(|e| TimelineEntry {
                    sweep: e.sweep,
                    at: e.at,
                    endpoint: e.record.endpoint,
                    verdict: e.record.verdict,
                })
                .collect();
            (panel, line)
        })
        .collect())
}

/// Writes a file through a temporary file in the same directory, renamed over the target:
/// readers, and a process killed at any point, see the old file or the new one, never half of
/// one. Nothing is flushed to the disk here: every report can be written again from history
/// (`hisar report`), and a file system that could lose a renamed file's data in a power cut
/// would lose the history's last commit with it (`synchronous=NORMAL`).
///
/// The file gets the mode a plain `create` would give it: a new file `0666` less the umask
/// (0644 under the usual 022, so a web server can publish `dashboard.html`), a replaced one
/// keeps its own. `tempfile` alone would make every report 0600.
pub(crate) fn write_atomic(
    path: &Path,
    render: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> anyhow::Result<()> {
    let dir = registry_dir(path);
    let mut builder = tempfile::Builder::new();
    builder.prefix(".hisar-").suffix(".tmp");
    let existing = std::fs::metadata(path).ok().map(|m| m.permissions());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        // The mode asked at creation passes through the umask, as for any new file.
        builder.permissions(std::fs::Permissions::from_mode(0o666));
    }
    let mut temp = builder.tempfile_in(&dir).with_context(|| {
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
    if let Some(permissions) = existing {
        temp.as_file()
            .set_permissions(permissions)
            .with_context(|| format!("write {}: keep its mode", path.display()))?;
    }
    temp.persist(path)
        .map_err(|e| anyhow!("write {}: {}", path.display(), e.error))?;
    Ok(())
}

/// The tracker's path relative to the HTML dashboard, when both are files written in the same
/// folder: the static dashboard links to it only then, so the link resolves.
pub(crate) fn tracker_link(outputs: &OutputArgs) -> Option<String> {
    let (tracker, html) = (outputs.tracker.as_ref()?, outputs.html.as_ref()?);
    if tracker.as_os_str() == "-" || html.as_os_str() == "-" {
        return None;
    }
    let same = |p: &Path| std::path::absolute(registry_dir(p)).ok();
    (same(tracker)? == same(html)?)
        .then(|| {
            tracker
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
        })
        .flatten()
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
            let mut out = crate::ui::stdout();
            render(report, &mut out)
                .and_then(|()| out.flush())
                .map_err(|e| invalid(anyhow!("write to stdout: {e}")))?;
            continue;
        }
        write_atomic(path, |w| render(report, w)).map_err(invalid)?;
        ui.note(&format!("wrote {}", path.display()));
    }
    Ok(())
}
