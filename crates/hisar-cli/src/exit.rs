//! Exit codes and failures that carry one.

use std::fmt;
use std::process::ExitCode;

/// The documented exit codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Exit {
    /// The policy passed.
    Pass = 0,
    /// The `--fail-on` policy failed.
    PolicyFailed = 1,
    /// Usage or registry error.
    Usage = 2,
    /// The sweep is invalid: backend unreachable or degraded, or a report could not be written.
    Invalid = 3,
}

impl From<Exit> for ExitCode {
    fn from(exit: Exit) -> Self {
        ExitCode::from(exit as u8)
    }
}

/// An error and the exit code it maps to.
pub(crate) struct Failure {
    pub(crate) exit: Exit,
    pub(crate) error: anyhow::Error,
}

impl fmt::Debug for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}: {:#}", self.exit, self.error)
    }
}

/// A usage or input error (exit 2).
pub(crate) fn usage(error: impl Into<anyhow::Error>) -> Failure {
    Failure {
        exit: Exit::Usage,
        error: error.into(),
    }
}

/// The run is invalid (exit 3).
pub(crate) fn invalid(error: impl Into<anyhow::Error>) -> Failure {
    Failure {
        exit: Exit::Invalid,
        error: error.into(),
    }
}

pub(crate) type Outcome = Result<Exit, Failure>;
