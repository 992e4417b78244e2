//! The probe's defaults, in one place: the CLI's flags read them from here, and
//! [`HttpOptions::default`](crate::HttpOptions) and [`SweepOptions::default`](crate::SweepOptions)
//! are made of them.

use std::time::Duration;

/// Requests in flight at once (`--jobs`).
pub const JOBS: usize = 16;
/// Retries for transport failures and transient statuses (`--retry`).
pub const RETRIES: u32 = 2;
/// Time allowed to connect (`--connect-timeout`).
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// Time allowed for one exchange when neither `--max-time` nor the registry's
/// `defaults.timeout` says otherwise.
pub const MAX_TIME: Duration = Duration::from_secs(10);
/// Largest body read, in bytes (`--max-body`).
pub const MAX_BODY: usize = 8 * 1024 * 1024;
/// Largest document read whole, in bytes: a route table (an OpenAPI document) or a local file
/// such as the registry. The largest public OpenAPI documents are near 12 MB.
pub const MAX_DOCUMENT: usize = 32 * 1024 * 1024;
/// Time allowed for a whole sweep (`--deadline`): panels whose requests have not finished by
/// then are UNVERIFIED "sweep deadline reached".
pub const DEADLINE: Duration = Duration::from_secs(10 * 60);
