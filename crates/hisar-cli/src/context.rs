//! What every command needs: the registry, the environment, the history store, and reports
//! written atomically.

use std::collections::BTreeMap;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use anyhow::anyhow;
use hisar_core::{Env, Registry};
use hisar_probe::defaults;
use hisar_report::{
    Report, SeriesPoint, TIMELINE_LEN, TimelineEntry, write_html, write_json, write_junit,
    write_markdown,
};
use hisar_store::{Fold, HistoryStore, LockError, SqliteStore, StateLock, SweepSummary, View};
use jiff::civil::Date;

use crate::args::OutputArgs;
use crate::exit::{Failure, invalid, usage};
use crate::ui::Ui;

/// Reads a text file named on the command line: a regular file only (a FIFO would block, a
/// device never end), at most [`defaults::MAX_DOCUMENT`] bytes.
pub(crate) fn read_input(path: &Path) -> Result<String, hisar_probe::FileReadError> {
    hisar_probe::read_text_file(path, defaults::MAX_DOCUMENT)
}

/// Reads and validates a registry; every problem is shown, and the exit code is 2.
pub(crate) fn load_registry(path: &Path) -> Result<Registry, Failure> {
    let text =
        read_input(path).map_err(|e| usage(anyhow!("read registry {}: {e}", path.display())))?;
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

/// Makes this process the one writer of the state directory `state` (as `holder`, such as
/// `hisar sweep`), waiting up to `wait` while another holds it; exit 3 after that. The lock
/// is released when the returned value is dropped, or when the process ends however it ends.
pub(crate) async fn lock_state(
    state: &Path,
    holder: &str,
    wait: std::time::Duration,
    ui: Ui,
) -> Result<StateLock, Failure> {
    let lock = match StateLock::try_acquire(state, holder) {
        Err(LockError::Busy { holder: other, .. }) if !wait.is_zero() => {
            ui.warn(&format!(
                "state directory {} is in use ({other}); waiting up to {}",
                state.display(),
                hisar_core::HumanDuration(wait)
            ));
            let (state, holder) = (state.to_path_buf(), holder.to_owned());
            tokio::task::spawn_blocking(move || StateLock::acquire(&state, &holder, wait))
                .await
                .map_err(|e| invalid(anyhow!("wait for the state directory: {e}")))?
        }
        other => other,
    };
    lock.map_err(|e| match e {
        LockError::Busy { .. } => invalid(anyhow!(
            "{e}\n  one process at a time records into a state directory: run again when it is done, \
give this one another --state, or ask a running `hisar serve` to sweep (POST /api/v1/sweeps)"
        )),
        _ => invalid(e),
    })
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

/// The prefix of the temporary files [`write_atomic`] writes: `.hisar-PID-RANDOM.tmp`.
const TEMP_PREFIX: &str = ".hisar-";
/// The suffix of those files.
const TEMP_SUFFIX: &str = ".tmp";
/// A temporary file not modified for this long is left from an interrupted write, whoever
/// made it: a live write modifies its file continuously and takes milliseconds.
const STALE_TEMP_AGE: std::time::Duration = std::time::Duration::from_secs(60);

/// Writes a file through a temporary file in the same directory, renamed over the target:
/// readers, and a process killed at any point, see the old file or the new one, never half of
/// one. Temporary files that interrupted writes left in that directory are removed first; a
/// failed write removes its own (the temporary file is deleted when dropped). A full disk is
/// named as such. Nothing is flushed to the disk here: every report can be written again from
/// history (`hisar report`), and a file system that could lose a renamed file's data in a
/// power cut would lose the history's last commit with it (`synchronous=NORMAL`).
///
/// The file gets the mode a plain `create` would give it: a new file `0666` less the umask
/// (0644 under the usual 022, so a web server can publish `dashboard.html`), a replaced one
/// keeps its own. `tempfile` alone would make every report 0600.
pub(crate) fn write_atomic(
    path: &Path,
    render: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> anyhow::Result<()> {
    let dir = registry_dir(path);
    remove_stale_temp_files(&dir);
    let failed = |e: std::io::Error| write_error(path, &e);
    let mut builder = tempfile::Builder::new();
    let prefix = format!("{TEMP_PREFIX}{}-", std::process::id());
    builder.prefix(&prefix).suffix(TEMP_SUFFIX);
    let existing = std::fs::metadata(path).ok().map(|m| m.permissions());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        // The mode asked at creation passes through the umask, as for any new file.
        builder.permissions(std::fs::Permissions::from_mode(0o666));
    }
    let mut temp = builder.tempfile_in(&dir).map_err(|e| {
        if is_disk_full(&e) {
            write_error(path, &e)
        } else {
            anyhow!(
                "write {}: cannot create a file in {}: {e}",
                path.display(),
                dir.display()
            )
        }
    })?;
    {
        let mut w = BufWriter::new(temp.as_file_mut());
        render(&mut w).map_err(failed)?;
        w.flush().map_err(failed)?;
    }
    if let Some(permissions) = existing {
        temp.as_file()
            .set_permissions(permissions)
            .map_err(|e| anyhow!("write {}: keep its mode: {e}", path.display()))?;
    }
    temp.persist(path).map_err(|e| failed(e.error))?;
    Ok(())
}

fn is_disk_full(e: &std::io::Error) -> bool {
    matches!(
        e.kind(),
        std::io::ErrorKind::StorageFull | std::io::ErrorKind::QuotaExceeded
    )
}

/// A failed write, with a full disk (or quota) named as such rather than as an I/O error.
fn write_error(path: &Path, e: &std::io::Error) -> anyhow::Error {
    match e.kind() {
        std::io::ErrorKind::StorageFull => anyhow!(
            "write {}: the disk is full (no space left on device)",
            path.display()
        ),
        std::io::ErrorKind::QuotaExceeded => {
            anyhow!("write {}: disk quota exceeded", path.display())
        }
        _ => anyhow!("write {}: {e}", path.display()),
    }
}

/// Removes the temporary files that interrupted writes (a killed process, a crash) left in
/// `dir`: those whose process is gone, and any not modified for [`STALE_TEMP_AGE`]. Returns
/// how many were removed. Failures are ignored: this is cleaning, not the write.
pub(crate) fn remove_stale_temp_files(dir: &Path) -> usize {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    let now = std::time::SystemTime::now();
    let mut removed = 0;
    // Bounded: a directory lists each entry once.
    for entry in entries.filter_map(Result::ok) {
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        let Some(middle) = name
            .strip_prefix(TEMP_PREFIX)
            .and_then(|n| n.strip_suffix(TEMP_SUFFIX))
        else {
            continue;
        };
        let Ok(meta) = entry.metadata() else { continue };
        if !meta.is_file() {
            continue;
        }
        let old = meta
            .modified()
            .ok()
            .and_then(|m| now.duration_since(m).ok())
            .is_some_and(|age| age >= STALE_TEMP_AGE);
        let orphan = temp_owner(middle).is_some_and(|pid| !process_alive(pid));
        if (old || orphan) && std::fs::remove_file(entry.path()).is_ok() {
            removed += 1;
        }
    }
    removed
}

/// The process id in a temporary file's name (`PID-RANDOM`), when it has one.
fn temp_owner(middle: &str) -> Option<u32> {
    let (pid, rest) = middle.split_once('-')?;
    (!rest.is_empty() && pid.bytes().all(|b| b.is_ascii_digit()))
        .then(|| pid.parse().ok())
        .flatten()
}

/// Whether a process is running, where the system says so cheaply (`/proc` on Linux);
/// elsewhere every process counts as alive and only the age rule removes files.
fn process_alive(pid: u32) -> bool {
    if cfg!(target_os = "linux") {
        pid == std::process::id() || Path::new("/proc").join(pid.to_string()).exists()
    } else {
        true
    }
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

#[cfg(test)]
mod tests {
    use std::time::{Duration, SystemTime};

    use super::*;

    fn temp_files(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.starts_with(TEMP_PREFIX))
            .collect();
        names.sort();
        names
    }

    /// Issue 11 (7): interrupted writes left `.hisar-*.tmp` files behind for good.
    #[test]
    fn stale_temp_files_are_removed_and_live_ones_kept() {
        let dir = tempfile::tempdir().unwrap();
        let touch = |name: &str, age: Duration| {
            let path = dir.path().join(name);
            let file = std::fs::File::create(&path).unwrap();
            file.set_modified(SystemTime::now() - age).unwrap();
        };
        // A process that is gone (above Linux's largest pid, 2^22).
        touch(".hisar-4194305-a1b2c3.tmp", Duration::ZERO);
        // This process, writing now.
        let live = format!(".hisar-{}-d4e5f6.tmp", std::process::id());
        touch(&live, Duration::ZERO);
        // The old naming, without a pid: by age only.
        touch(".hisar-oldname.tmp", Duration::from_secs(3600));
        touch(".hisar-fresh.tmp", Duration::ZERO);
        // Not ours.
        touch("notes.tmp", Duration::from_secs(3600));
        touch(".hisar-lookalike.txt", Duration::from_secs(3600));
        write_atomic(&dir.path().join("tracker.md"), |w| w.write_all(b"# ok\n")).unwrap();
        let mut expected = vec![
            ".hisar-fresh.tmp".to_owned(),
            ".hisar-lookalike.txt".to_owned(),
            live,
        ];
        expected.sort();
        assert_eq!(temp_files(dir.path()), expected);
        assert!(dir.path().join("notes.tmp").exists());
        assert_eq!(
            std::fs::read_to_string(dir.path().join("tracker.md")).unwrap(),
            "# ok\n"
        );
    }

    /// Issue 11 (7): a full disk was reported as "disk I/O error"; a failed write must name
    /// the disk as full, with the path, keep the old file and leave no temporary file.
    #[test]
    fn a_failed_write_names_a_full_disk_and_leaves_nothing_behind() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("tracker.md");
        std::fs::write(&path, "old\n").unwrap();
        let err = write_atomic(&path, |w| {
            w.write_all(b"half of a new ")?;
            Err(std::io::Error::from(std::io::ErrorKind::StorageFull))
        })
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            format!(
                "write {}: the disk is full (no space left on device)",
                path.display()
            )
        );
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "old\n");
        assert!(
            temp_files(dir.path()).is_empty(),
            "{:?}",
            temp_files(dir.path())
        );
        // The rename fails (the target is a directory): the temporary file goes too.
        let target = dir.path().join("a-dir");
        std::fs::create_dir(&target).unwrap();
        assert!(write_atomic(&target, |w| w.write_all(b"x")).is_err());
        assert!(temp_files(dir.path()).is_empty());
    }

    #[test]
    fn temp_owner_reads_the_pid() {
        assert_eq!(temp_owner("1234-abc"), Some(1234));
        assert_eq!(temp_owner("abc"), None);
        assert_eq!(temp_owner("12a-abc"), None);
        assert_eq!(temp_owner("1234-"), None);
    }
}
