//! Bounded reads: every read HISAR makes from the network or from a file named on the command
//! line has a size cap, and every network read a deadline. A backend under test may be hostile
//! or broken (an endless route table, a body that never ends, an answer that trickles one byte
//! a second), and a path may name a FIFO or a device: none of them may hang a sweep or take the
//! machine's memory.
//!
//! [`send_bounded`] is the one way to send a request whose answer HISAR reads whole (route
//! tables, token endpoints, login answers); [`read_capped`] reads a body already received under
//! a cap; [`read_text_file`] reads a regular file under a cap.

use std::io::Read as _;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use crate::error::FetchError;

/// Limits on one exchange: the most bytes of body kept and the time allowed for all of it
/// (connecting, the answer's head and its whole body).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReadLimits {
    /// The most body bytes read.
    pub max_bytes: usize,
    /// The time allowed for the whole exchange.
    pub deadline: Duration,
}

/// A body read under a cap.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CappedBody {
    /// The bytes read: the whole body, or its first bytes when it was larger than the cap.
    pub bytes: Vec<u8>,
    /// Whether the body was larger than the cap (and the rest was not read).
    pub truncated: bool,
}

/// An answer read under [`ReadLimits`].
#[derive(Debug, Clone)]
pub struct BoundedResponse {
    /// The HTTP status.
    pub status: u16,
    /// The headers, values as (lossy) text.
    pub headers: Vec<(String, String)>,
    /// The body, whole or cut at the cap.
    pub body: CappedBody,
}

impl BoundedResponse {
    /// A header's value, by case-insensitive name.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Reads `response`'s body, keeping at most `cap` bytes. A body announced (`Content-Length`)
/// or found larger than the cap is not read further: the result is marked truncated and the
/// connection is dropped, so an endless body costs `cap` bytes and no more.
pub async fn read_capped(
    response: &mut reqwest::Response,
    cap: usize,
) -> Result<CappedBody, reqwest::Error> {
    read_capped_within(response, cap, None).await
}

/// Memory shared by the bodies read at once: a body may grow past `small` bytes only while
/// it holds one of `permits`' permits, so that many large bodies in flight (sixteen endless
/// ones, say) hold `small` bytes each and a few caps in all, not a cap each. A body holding a
/// permit reads to its end or its cap without waiting again, so the bodies that wait always
/// wait for one that progresses.
#[derive(Debug, Clone)]
pub(crate) struct LargeBodies {
    pub(crate) permits: std::sync::Arc<tokio::sync::Semaphore>,
    pub(crate) small: usize,
}

/// [`read_capped`], growing past `large.small` bytes only under one of `large`'s permits.
pub(crate) async fn read_capped_within(
    response: &mut reqwest::Response,
    cap: usize,
    large: Option<&LargeBodies>,
) -> Result<CappedBody, reqwest::Error> {
    let announced = response.content_length();
    if announced.is_some_and(|n| usize::try_from(n).map_or(true, |n| n > cap)) {
        return Ok(CappedBody {
            bytes: Vec::new(),
            truncated: true,
        });
    }
    let mut bytes =
        Vec::with_capacity(announced.map_or(0, |n| usize::try_from(n).unwrap_or(cap).min(cap)));
    let mut permit = None;
    while let Some(chunk) = response.chunk().await? {
        if let Some(large) = large
            && permit.is_none()
            && bytes.len() + chunk.len() > large.small
        {
            // Closed never: the semaphore lives as long as the probe.
            permit = Arc::clone(&large.permits).acquire_owned().await.ok();
        }
        if bytes.len() + chunk.len() > cap {
            bytes.extend_from_slice(&chunk[..cap - bytes.len()]);
            return Ok(CappedBody {
                bytes,
                truncated: true,
            });
        }
        bytes.extend_from_slice(&chunk);
    }
    Ok(CappedBody {
        bytes,
        truncated: false,
    })
}

/// Sends `request` and reads the whole answer within `limits`: the exchange ends at
/// `limits.deadline` whatever the server does, and at most `limits.max_bytes` of body are
/// kept. Redirects are whatever the request's client does (HISAR's never follows them).
///
/// This is the helper for every request whose answer HISAR reads whole: route tables, token
/// endpoints, login answers.
///
/// ```no_run
/// # async fn f() -> Result<(), hisar_probe::FetchError> {
/// use std::time::Duration;
/// use hisar_probe::{ReadLimits, send_bounded};
/// let client = reqwest::Client::new();
/// let limits = ReadLimits { max_bytes: 64 * 1024, deadline: Duration::from_secs(10) };
/// let answer = send_bounded(client.post("https://auth.example/token"), limits).await?;
/// if answer.body.truncated { /* refuse: larger than any token answer */ }
/// # Ok(()) }
/// ```
pub async fn send_bounded(
    request: reqwest::RequestBuilder,
    limits: ReadLimits,
) -> Result<BoundedResponse, FetchError> {
    let exchange = async {
        let mut response = request.timeout(limits.deadline).send().await?;
        let status = response.status().as_u16();
        let headers = response
            .headers()
            .iter()
            .map(|(k, v)| {
                (
                    k.as_str().to_owned(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect();
        let body = read_capped(&mut response, limits.max_bytes).await?;
        Ok::<_, reqwest::Error>(BoundedResponse {
            status,
            headers,
            body,
        })
    };
    // reqwest's own timeout covers the exchange too; this one holds whatever the client's
    // settings are.
    match tokio::time::timeout(limits.deadline, exchange).await {
        Ok(Ok(response)) => Ok(response),
        Ok(Err(e)) => Err(FetchError::Transport(crate::http::describe(&e))),
        Err(_) => Err(FetchError::Deadline(limits.deadline)),
    }
}

/// A local file that could not be read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FileReadError {
    /// The file could not be opened or read.
    #[error("{0}")]
    Io(#[from] std::io::Error),
    /// Not a regular file (a directory, a FIFO, a device, a socket): reading it could block
    /// forever or never end.
    #[error("not a regular file ({0})")]
    NotRegular(&'static str),
    /// Larger than the cap.
    #[error("larger than {0} bytes")]
    TooLarge(usize),
    /// Not UTF-8 text.
    #[error("not UTF-8 text")]
    NotUtf8,
}

/// Reads a regular file as UTF-8 text, at most `cap` bytes. The file type is checked before
/// the file is opened (opening a FIFO for reading blocks until a writer comes) and again on
/// the open file (in case the path changed in between).
pub fn read_text_file(path: &Path, cap: usize) -> Result<String, FileReadError> {
    check_regular(&std::fs::metadata(path)?)?;
    let file = std::fs::File::open(path)?;
    check_regular(&file.metadata()?)?;
    let limit = u64::try_from(cap).unwrap_or(u64::MAX).saturating_add(1);
    let mut bytes = Vec::new();
    file.take(limit).read_to_end(&mut bytes)?;
    if bytes.len() > cap {
        return Err(FileReadError::TooLarge(cap));
    }
    String::from_utf8(bytes).map_err(|_| FileReadError::NotUtf8)
}

fn check_regular(meta: &std::fs::Metadata) -> Result<(), FileReadError> {
    let kind = meta.file_type();
    if kind.is_file() {
        return Ok(());
    }
    Err(FileReadError::NotRegular(describe_file_type(kind)))
}

fn describe_file_type(kind: std::fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt as _;
        if kind.is_fifo() {
            return "a FIFO";
        }
        if kind.is_char_device() || kind.is_block_device() {
            return "a device";
        }
        if kind.is_socket() {
            return "a socket";
        }
    }
    if kind.is_dir() {
        "a directory"
    } else {
        "not a file"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regular_files_are_read_under_the_cap() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.yaml");
        std::fs::write(&path, "héllo").unwrap();
        assert_eq!(read_text_file(&path, 6).unwrap(), "héllo");
        assert!(matches!(
            read_text_file(&path, 5),
            Err(FileReadError::TooLarge(5))
        ));
        std::fs::write(&path, [0xff, 0xfe]).unwrap();
        assert!(matches!(
            read_text_file(&path, 10),
            Err(FileReadError::NotUtf8)
        ));
        let err = read_text_file(dir.path(), 10).unwrap_err();
        assert_eq!(err.to_string(), "not a regular file (a directory)");
    }

    #[cfg(unix)]
    #[test]
    fn a_fifo_is_refused_without_blocking() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("scenario.yaml");
        let made = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .expect("mkfifo runs (coreutils)");
        assert!(made.success(), "mkfifo failed");
        // Opening a FIFO for reading would block this test forever: the check comes first.
        let err = read_text_file(&fifo, 1024).unwrap_err();
        assert_eq!(err.to_string(), "not a regular file (a FIFO)");
        let dev = read_text_file(Path::new("/dev/zero"), 1024).unwrap_err();
        assert_eq!(dev.to_string(), "not a regular file (a device)");
    }
}
