//! Token flows at run time (SPEC §4.1): for each auth mode with an `oauth2`, `login` or
//! `command` flow, a token obtained when the first panel needs it, cached with its lifetime,
//! renewed before it expires and once after a 401, fetched by one panel while the others wait.
//! An [`Authenticator`] lives for one sweep: the next sweep (a scheduled one of `hisar serve`
//! too) starts with no token.
//!
//! Failing to obtain a token is a misconfiguration, never a backend gap (SPEC §3.5): the
//! mode's panels are `UNVERIFIED` with a [`FlowFailure`] naming the flow and what it got.
//! Flows never follow redirects, send the client secret only to the token URL configured, and
//! hand every token they obtain to the sweep's masker before any probe sends it (the secrets
//! they send are in it from the start: [`hisar_core::Masker::for_sweep`]).

mod cache;
mod command;
mod exchange;
mod login;
mod oauth2;
mod token;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use hisar_core::{ClientAuth, Env, Registry, TokenFlow};

use self::cache::TokenCell;
pub(crate) use self::cache::{Issued, Renewal};
use self::token::Token;
use crate::mask::SweepMasker;
use crate::run::SweepOptions;

/// A token flow that could not obtain a token: the mode, the flow, and what it got (never a
/// secret: the text is masked before anyone sees it).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("no token for auth mode `{mode}`: its {flow} flow {reason}")]
pub struct FlowFailure {
    /// The auth mode.
    pub mode: String,
    /// The flow: `oauth2`, `login` or `command`.
    pub flow: &'static str,
    /// What it got: a status and the server's `error` / `error_description`, an exit status,
    /// a transport failure.
    pub reason: String,
}

/// One try of a flow.
#[derive(Debug)]
pub(crate) enum Attempt {
    /// A token.
    Obtained(Token),
    /// A failure worth another try (a transport failure, 429, 502, 503, 504).
    Transient(String),
    /// A failure that another try would repeat.
    Failed(String),
    /// A failure, and output that may hold a secret (a command's stdout): the masker learns it.
    FailedWith(String, String),
}

impl Attempt {
    fn from_transport(transient: bool, why: String) -> Self {
        if transient {
            Attempt::Transient(why)
        } else {
            Attempt::Failed(why)
        }
    }
}

/// What every flow needs: the probe's HTTP client (no redirects; the sweep's TLS and proxy
/// settings), the environment, the base URL, and the time and retries allowed.
pub(crate) struct FlowContext {
    pub(crate) client: reqwest::Client,
    env: Arc<dyn Env + Send + Sync>,
    pub(crate) base_url: String,
    max_time: Duration,
    retries: u32,
    backoff: Duration,
}

impl std::fmt::Debug for FlowContext {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FlowContext")
            .field("base_url", &self.base_url)
            .finish_non_exhaustive()
    }
}

/// The environment flows resolve their templates in: `HISAR_BASE_URL` is the sweep's base URL
/// (so `token_url: ${HISAR_BASE_URL}/oauth/token` follows `--base-url`).
pub(crate) struct FlowEnv<'a> {
    env: &'a (dyn Env + Send + Sync),
    base_url: &'a str,
}

impl Env for FlowEnv<'_> {
    fn get(&self, name: &str) -> Option<String> {
        if name == "HISAR_BASE_URL" {
            return Some(self.base_url.trim_end_matches('/').to_owned());
        }
        self.env.get(name)
    }
}

impl FlowContext {
    pub(crate) fn env(&self) -> FlowEnv<'_> {
        FlowEnv {
            env: &*self.env,
            base_url: &self.base_url,
        }
    }

    /// The time a flow may take: its own `timeout`, else the sweep's per-request limit.
    pub(crate) fn deadline(&self, own: Option<Duration>) -> Duration {
        own.unwrap_or(self.max_time)
    }

    /// A URL as messages show it: scheme, host, port and path, without user info or query
    /// (either may carry a credential).
    pub(crate) fn show_url(url: &reqwest::Url) -> String {
        let mut shown = url.clone();
        let _ = shown.set_username("");
        let _ = shown.set_password(None);
        shown.set_query(None);
        shown.set_fragment(None);
        shown.to_string()
    }
}

struct ModeFlow {
    flow: TokenFlow,
    cell: TokenCell,
}

/// The token flows of one sweep: one cache per auth mode that has a flow.
pub struct Authenticator {
    modes: BTreeMap<String, ModeFlow>,
    ctx: FlowContext,
    masker: SweepMasker,
}

impl std::fmt::Debug for Authenticator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Authenticator")
            .field("modes", &self.modes.keys().collect::<Vec<_>>())
            .finish_non_exhaustive()
    }
}

impl Authenticator {
    /// The flows of `registry`'s auth modes for one sweep against `base_url`, over `client`
    /// (the probe's: no redirects, the sweep's TLS and proxy settings). A flow's request may
    /// take `max_time` unless the flow sets its own `timeout`; transient failures are retried
    /// as probes are. Every token obtained joins `masker` before any probe sends it; so does
    /// the `Basic` credential an OAuth2 client sends (its secret alone is already there, from
    /// [`hisar_core::Masker::for_sweep`]).
    pub fn new(
        registry: &Registry,
        client: reqwest::Client,
        env: Arc<dyn Env + Send + Sync>,
        base_url: &str,
        max_time: Duration,
        options: &SweepOptions,
        masker: SweepMasker,
    ) -> Self {
        let modes = registry
            .auth_modes()
            .iter()
            .filter_map(|(name, mode)| {
                mode.flow.clone().map(|flow| {
                    (
                        name.clone(),
                        ModeFlow {
                            flow,
                            cell: TokenCell::default(),
                        },
                    )
                })
            })
            .collect();
        let auth = Self {
            modes,
            ctx: FlowContext {
                client,
                env,
                base_url: base_url.to_owned(),
                max_time,
                retries: options.retries,
                backoff: options.backoff,
            },
            masker,
        };
        let env = auth.ctx.env();
        for mode in auth.modes.values() {
            if let TokenFlow::OAuth2(flow) = &mode.flow
                && flow.client_auth == ClientAuth::Basic
            {
                let basic = oauth2::basic_credentials(flow, &env);
                auth.masker.add(basic.trim_start_matches("Basic "));
            }
        }
        auth
    }

    /// Whether `mode` obtains its token by a flow.
    pub fn has_flow(&self, mode: &str) -> bool {
        self.modes.contains_key(mode)
    }

    /// Tokens obtained this sweep, over every mode.
    pub fn tokens_obtained(&self) -> u64 {
        self.modes.values().map(|m| m.cell.obtained()).sum()
    }

    /// The token for a probe of `mode`: `None` when the mode has no flow.
    pub(crate) async fn credential(&self, mode: &str) -> Option<Result<Issued, FlowFailure>> {
        let flow = self.modes.get(mode)?;
        Some(flow.cell.get(|| self.obtain(mode, &flow.flow)).await)
    }

    /// After a 401 with token `generation` of `mode`.
    pub(crate) async fn renew_after_401(
        &self,
        mode: &str,
        generation: u64,
    ) -> Result<Renewal, FlowFailure> {
        let Some(flow) = self.modes.get(mode) else {
            return Ok(Renewal::Futile);
        };
        flow.cell
            .renew_after_401(generation, || self.obtain(mode, &flow.flow))
            .await
    }

    /// A probe of `mode` got an answer other than 401 with token `generation`.
    pub(crate) fn accepted(&self, mode: &str, generation: u64) {
        if let Some(flow) = self.modes.get(mode) {
            flow.cell.accepted(generation);
        }
    }

    /// Runs the flow until it yields a token, retrying transient failures with exponential
    /// backoff, at most the sweep's retries.
    async fn obtain(&self, mode: &str, flow: &TokenFlow) -> Result<Token, FlowFailure> {
        let failure = |reason: String| FlowFailure {
            mode: mode.to_owned(),
            flow: flow.kind(),
            reason,
        };
        let mut retries = 0u32;
        loop {
            let attempt = match flow {
                TokenFlow::OAuth2(f) => oauth2::attempt(f, &self.ctx).await,
                TokenFlow::Login(f) => login::attempt(f, &self.ctx).await,
                TokenFlow::Command(f) => command::attempt(f, &self.ctx).await,
                _ => Attempt::Failed("is not supported by this HISAR".to_owned()),
            };
            match attempt {
                Attempt::Obtained(token) => {
                    // Known to the masker before any probe sends it.
                    self.masker.add(token.value.expose());
                    self.masker.add(token.header().1.expose());
                    return Ok(token);
                }
                Attempt::Transient(_) if retries < self.ctx.retries => {
                    let wait = self.ctx.backoff.saturating_mul(1 << retries.min(16));
                    tokio::time::sleep(wait).await;
                    retries += 1;
                }
                Attempt::Transient(why) => {
                    let tries = match retries {
                        0 => String::new(),
                        1 => " (after 1 retry)".to_owned(),
                        n => format!(" (after {n} retries)"),
                    };
                    return Err(failure(format!("{why}{tries}")));
                }
                Attempt::Failed(why) => return Err(failure(why)),
                Attempt::FailedWith(why, secret) => {
                    self.masker.add(&secret);
                    return Err(failure(why));
                }
            }
        }
    }
}
