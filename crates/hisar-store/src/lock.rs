//! One writer per state directory: an advisory lock on `STATE_DIR/lock`, held by a CLI sweep
//! from before it probes until its reports are written, and by `hisar serve` while one of its
//! sweeps runs; and one service per state directory: `STATE_DIR/serve.lock`, held by `hisar
//! serve` for its whole life (a second service would mark the first one's running sweep
//! abandoned).
//!
//! The lock is std's [`File::try_lock`] (an exclusive `flock` on Unix, `LockFileEx` on
//! Windows; stable since Rust 1.89): the operating system releases it when the process ends,
//! however it ends, so a killed sweep never leaves a state directory locked. No crate is
//! needed for it. The holder writes who it is into the file, so a process that finds the
//! directory busy can say by whom.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read as _, Seek as _, SeekFrom, Write as _};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// How often a waiting process tries the lock again.
const POLL: Duration = Duration::from_millis(50);

/// An exclusive lock on a state directory, released when dropped (or when the process ends).
#[derive(Debug)]
pub struct StateLock {
    path: PathBuf,
    // Held for its lock; closing it releases the lock.
    _file: File,
}

/// Why a state directory could not be locked.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LockError {
    /// Another process holds the lock.
    #[error(
        "state directory {dir} is in use by another hisar ({holder}){}",
        waited_text(*.waited)
    )]
    Busy {
        /// The state directory.
        dir: String,
        /// Who holds it, as it wrote itself into the lock file (pid, command, since when).
        holder: String,
        /// How long this process waited for it.
        waited: Duration,
    },
    /// The lock file could not be created or locked.
    #[error("lock state directory {dir}: {source}")]
    Io {
        /// The state directory.
        dir: String,
        /// Why.
        source: std::io::Error,
    },
}

fn waited_text(waited: Duration) -> String {
    if waited.is_zero() {
        String::new()
    } else {
        format!(
            "; waited {}",
            hisar_core::HumanDuration(Duration::from_millis(
                u64::try_from(waited.as_millis()).unwrap_or(u64::MAX)
            ))
        )
    }
}

impl StateLock {
    /// The writer's lock file inside a state directory.
    pub const FILE: &'static str = "lock";
    /// The service's lock file inside a state directory.
    pub const SERVICE_FILE: &'static str = "serve.lock";

    /// Makes this process the writer of `dir` (creating it if needed) as `holder` (such as
    /// `hisar sweep`), waiting up to `wait` while another process is; [`LockError::Busy`]
    /// after that.
    pub fn acquire(dir: &Path, holder: &str, wait: Duration) -> Result<Self, LockError> {
        Self::lock(dir, Self::FILE, holder, wait)
    }

    /// Makes this process the service of `dir`, if no other process is.
    pub fn service(dir: &Path, holder: &str) -> Result<Self, LockError> {
        Self::lock(dir, Self::SERVICE_FILE, holder, Duration::ZERO)
    }

    fn lock(dir: &Path, file: &str, holder: &str, wait: Duration) -> Result<Self, LockError> {
        let io = |source| LockError::Io {
            dir: dir.display().to_string(),
            source,
        };
        std::fs::create_dir_all(dir).map_err(io)?;
        let path = dir.join(file);
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(io)?;
        let started = Instant::now();
        loop {
            match file.try_lock() {
                Ok(()) => break,
                Err(TryLockError::WouldBlock) => {
                    let waited = started.elapsed();
                    if waited >= wait {
                        return Err(LockError::Busy {
                            dir: dir.display().to_string(),
                            holder: read_holder(&mut file),
                            // Not waiting at all is not worth a mention.
                            waited: if wait.is_zero() {
                                Duration::ZERO
                            } else {
                                waited
                            },
                        });
                    }
                    std::thread::sleep(POLL.min(wait.saturating_sub(waited)));
                }
                Err(TryLockError::Error(e)) => return Err(io(e)),
            }
        }
        // Say who holds it; a failure here does not matter to the lock itself.
        let _ = file.set_len(0).and_then(|()| {
            file.seek(SeekFrom::Start(0))?;
            writeln!(
                file,
                "pid {}, {holder}, since {}",
                std::process::id(),
                jiff::Timestamp::now().strftime("%Y-%m-%dT%H:%M:%SZ")
            )?;
            file.flush()
        });
        Ok(Self { path, _file: file })
    }

    /// Makes this process the writer of `dir` only if no other process is.
    pub fn try_acquire(dir: &Path, holder: &str) -> Result<Self, LockError> {
        Self::acquire(dir, holder, Duration::ZERO)
    }

    /// The lock file.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// What the holder wrote into the lock file (bounded: a line is all it writes).
fn read_holder(file: &mut File) -> String {
    let mut text = String::new();
    let _ = file
        .seek(SeekFrom::Start(0))
        .and_then(|_| file.take(256).read_to_string(&mut text));
    let line = text.lines().next().unwrap_or_default().trim();
    if line.is_empty() {
        "holder unknown".to_owned()
    } else {
        line.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_holder_at_a_time_and_released_on_drop() {
        let dir = tempfile::tempdir().unwrap();
        let state = dir.path().join("state");
        let first = StateLock::acquire(&state, "hisar serve", Duration::ZERO).unwrap();
        assert!(first.path().ends_with("lock"));
        // flock locks belong to an open file: a second open in this process conflicts as a
        // second process would.
        let busy = StateLock::try_acquire(&state, "hisar sweep").unwrap_err();
        let text = busy.to_string();
        assert!(
            text.starts_with(&format!(
                "state directory {} is in use by another hisar (pid {}, hisar serve, since ",
                state.display(),
                std::process::id()
            )),
            "{text}"
        );
        assert!(!text.contains("waited"), "{text}");
        let waited = StateLock::acquire(&state, "hisar sweep", Duration::from_millis(120))
            .unwrap_err()
            .to_string();
        assert!(waited.contains("; waited "), "{waited}");
        drop(first);
        let second = StateLock::try_acquire(&state, "hisar sweep").unwrap();
        let holder = std::fs::read_to_string(second.path()).unwrap();
        assert!(holder.contains("hisar sweep"), "{holder}");
        assert!(
            !holder.contains("serve"),
            "the old holder's line is replaced"
        );
    }

    #[test]
    fn the_service_lock_is_apart_from_the_writer_lock() {
        let dir = tempfile::tempdir().unwrap();
        let service = StateLock::service(dir.path(), "hisar serve").unwrap();
        assert!(service.path().ends_with("serve.lock"));
        let second = StateLock::service(dir.path(), "hisar serve").unwrap_err();
        assert!(second.to_string().contains("hisar serve"), "{second}");
        // A sweep still records while the service runs.
        let writer = StateLock::try_acquire(dir.path(), "hisar sweep").unwrap();
        drop(writer);
        drop(service);
        assert!(StateLock::service(dir.path(), "hisar serve").is_ok());
    }

    #[test]
    fn a_waiter_gets_the_lock_when_it_is_released() {
        let dir = tempfile::tempdir().unwrap();
        let first = StateLock::try_acquire(dir.path(), "first").unwrap();
        let releaser = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(100));
            drop(first);
        });
        let second = StateLock::acquire(dir.path(), "second", Duration::from_secs(30));
        releaser.join().unwrap();
        assert!(second.is_ok(), "{second:?}");
    }
}
