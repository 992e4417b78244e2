//! Settings resolved once: flags, environment and registry turned into the typed values that
//! `sweep`, `check`, `serve` and `demo` consume (as ripgrep's `HiArgs` and uv's
//! `Settings::resolve`). Precedence, everywhere: a flag (or its `HISAR_*` variable, which clap
//! reads), then the registry, then the defaults of `hisar_probe::defaults`.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use hisar_core::history::Selection;
use hisar_core::{FailOn, Registry};
use hisar_probe::{
    ClientIdentity, HttpOptions, HttpProbe, Network, SweepOptions, Sweeper, Target, defaults,
    parse_header,
};

use hisar_server::cors::CorsOrigins;
use hisar_server::webhook::WebhookTarget;

use crate::args::{CheckArgs, NetworkArgs, OutputArgs, ProbeArgs, ServeArgs, SweepArgs};
use crate::context::{Environment, load_registry, registry_dir};
use crate::exit::{Failure, usage};

/// How to probe, resolved.
#[derive(Debug, Clone)]
pub(crate) struct ProbeSettings {
    pub(crate) http: HttpOptions,
    pub(crate) run: SweepOptions,
    pub(crate) target: Target,
}

impl ProbeSettings {
    /// Resolves the probe flags against the registry at `registry_path` and `env`.
    pub(crate) fn resolve(
        args: &ProbeArgs,
        registry: &Registry,
        registry_path: &Path,
        env: &Environment,
    ) -> Result<Self, Failure> {
        let http = HttpOptions {
            connect_timeout: args.connect_timeout.0,
            max_time: args
                .max_time
                .map(|d| d.0)
                .or(registry.defaults().timeout)
                .unwrap_or(defaults::MAX_TIME),
            max_body: args.max_body,
            network: network(&args.network)?,
            ..HttpOptions::default()
        };
        let run = SweepOptions {
            jobs: args.jobs,
            retries: args.retry,
            deadline: args.deadline.0,
            allow_unsafe: args.allow_unsafe,
            ..SweepOptions::default()
        };
        let target = Target::resolve(
            registry,
            &registry_dir(registry_path),
            env,
            args.base_url.clone(),
            args.routes.as_deref(),
        );
        Ok(Self { http, run, target })
    }

    /// What the operator must hear before a sweep with these settings.
    pub(crate) fn warnings(&self) -> Vec<String> {
        let mut warnings = Vec::new();
        if self.http.network.insecure {
            warnings.push(
                "--insecure: server certificates are NOT verified; anyone on the path can read \
                 the credentials HISAR sends and forge the answers it judges"
                    .to_owned(),
            );
        }
        warnings
    }

    /// The sweeper these settings describe, over `registry`.
    pub(crate) fn sweeper(
        &self,
        registry: Arc<Registry>,
        env: Environment,
    ) -> Result<Sweeper, Failure> {
        // The client is built from the flags: a bad certificate or proxy is a usage error.
        let http = HttpProbe::new(self.http.clone()).map_err(usage)?;
        Ok(Sweeper::new(
            registry,
            http,
            Arc::new(env),
            self.target.clone(),
            self.run.clone(),
        ))
    }
}

/// One sweep (or check) to run, resolved.
#[derive(Debug)]
pub(crate) struct SweepSettings {
    pub(crate) registry_path: PathBuf,
    pub(crate) registry: Arc<Registry>,
    pub(crate) env: Environment,
    pub(crate) probe: ProbeSettings,
    pub(crate) selection: Selection,
    pub(crate) offline: bool,
    pub(crate) state: PathBuf,
    /// How long to wait for another writer of the state directory.
    pub(crate) lock_wait: Duration,
    pub(crate) outputs: OutputArgs,
    pub(crate) fail_on: FailOn,
    /// `check`: when no tracker is named, update the one the last sweep wrote.
    pub(crate) reuse_tracker: bool,
    /// The re-check command reports show, when not the default `hisar check`.
    pub(crate) recheck: Option<String>,
    /// A command to run next, printed before the gate's line.
    pub(crate) next_step: Option<String>,
}

impl SweepSettings {
    /// `hisar sweep`.
    pub(crate) fn sweep(args: SweepArgs) -> Result<Self, Failure> {
        let selection = Selection {
            panels: args.panels,
            domains: args.domains,
        };
        Self::new(
            &args.registry.registry,
            &args.probe,
            selection,
            args.offline,
            args.state.state,
            args.lock.lock_wait.0,
            args.outputs,
            args.gate.fail_on,
            false,
        )
    }

    /// `hisar check`.
    pub(crate) fn check(args: CheckArgs) -> Result<Self, Failure> {
        let selection = Selection {
            panels: args.panels,
            domains: Vec::new(),
        };
        Self::new(
            &args.registry.registry,
            &args.probe,
            selection,
            false,
            args.state.state,
            args.lock.lock_wait.0,
            args.outputs,
            args.gate.fail_on,
            true,
        )
    }

    #[expect(
        clippy::too_many_arguments,
        reason = "the flags of sweep and check, resolved once"
    )]
    fn new(
        registry_path: &Path,
        probe: &ProbeArgs,
        selection: Selection,
        offline: bool,
        state: PathBuf,
        lock_wait: Duration,
        outputs: OutputArgs,
        fail_on: FailOn,
        reuse_tracker: bool,
    ) -> Result<Self, Failure> {
        let registry = load_registry(registry_path)?;
        let env = Environment::default();
        let probe = ProbeSettings::resolve(probe, &registry, registry_path, &env)?;
        Ok(Self {
            registry_path: registry_path.to_path_buf(),
            registry: Arc::new(registry),
            env,
            probe,
            selection,
            offline,
            state,
            lock_wait,
            outputs,
            fail_on,
            reuse_tracker,
            recheck: None,
            next_step: None,
        })
    }
}

/// `hisar serve`, resolved.
#[derive(Debug)]
pub(crate) struct ServeSettings {
    pub(crate) registry_path: PathBuf,
    pub(crate) registry: Arc<Registry>,
    pub(crate) env: Environment,
    pub(crate) probe: ProbeSettings,
    pub(crate) state: PathBuf,
    pub(crate) listen: String,
    pub(crate) every: Option<Duration>,
    pub(crate) token: Option<String>,
    /// Limits of the listening socket.
    pub(crate) serve: hisar_server::net::ServeOptions,
    /// The re-check command the dashboard shows, when not the default `hisar check`.
    pub(crate) recheck: Option<String>,
    /// Origins whose pages may read the API (`--cors-origin`); `None`: no CORS.
    pub(crate) cors: Option<CorsOrigins>,
    /// Receivers of sweep events (`--webhook`).
    pub(crate) webhooks: Vec<WebhookTarget>,
}

impl ServeSettings {
    pub(crate) fn resolve(args: ServeArgs) -> Result<Self, Failure> {
        let registry = load_registry(&args.registry.registry)?;
        let env = Environment::default();
        let probe = ProbeSettings::resolve(&args.probe, &registry, &args.registry.registry, &env)?;
        let token = std::env::var(&args.token_env)
            .ok()
            .filter(|t| !t.is_empty());
        let cors = CorsOrigins::parse(&args.cors_origins)
            .map_err(|e| usage(anyhow::anyhow!("--cors-origin (or HISAR_CORS_ORIGIN): {e}")))?;
        let webhooks = args
            .webhooks
            .iter()
            .filter(|w| !w.trim().is_empty())
            .enumerate()
            .map(|(i, url)| {
                WebhookTarget::parse(i + 1, url)
                    .map_err(|e| usage(anyhow::anyhow!("--webhook (or HISAR_WEBHOOK): {e}")))
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self {
            registry_path: args.registry.registry,
            registry: Arc::new(registry),
            env,
            probe,
            state: args.state.state,
            listen: args.listen,
            every: args.every.map(|d| d.0),
            token,
            serve: hisar_server::net::ServeOptions {
                max_connections: args.max_connections,
                ..hisar_server::net::ServeOptions::default()
            },
            recheck: None,
            cors,
            webhooks,
        })
    }
}

/// The most bytes read from a certificate or key file.
const MAX_PEM: u64 = 1024 * 1024;

/// Reads a PEM file named by a flag; the error names the flag and the file.
fn read_pem(flag: &str, path: &Path) -> Result<Vec<u8>, Failure> {
    use std::io::Read as _;
    let fail = |e: &dyn std::fmt::Display| usage(anyhow::anyhow!("{flag} {}: {e}", path.display()));
    let meta = std::fs::metadata(path).map_err(|e| fail(&e))?;
    if !meta.is_file() {
        return Err(fail(&"not a regular file"));
    }
    let mut bytes = Vec::new();
    std::fs::File::open(path)
        .and_then(|f| f.take(MAX_PEM + 1).read_to_end(&mut bytes))
        .map_err(|e| fail(&e))?;
    if bytes.len() as u64 > MAX_PEM {
        return Err(fail(&format!("larger than {MAX_PEM} bytes")));
    }
    Ok(bytes)
}

/// The network flags, read: headers parsed, certificate files loaded.
fn network(args: &NetworkArgs) -> Result<Network, Failure> {
    let headers = args
        .headers
        .iter()
        .filter(|h| !h.trim().is_empty())
        .map(|h| parse_header(h).map_err(|e| usage(anyhow::anyhow!("-H/--header: {e}"))))
        .collect::<Result<Vec<_>, _>>()?;
    let identity = match (&args.cert, &args.key) {
        (Some(cert), Some(key)) => Some(ClientIdentity::from_pem(
            &read_pem("--cert", cert)?,
            &read_pem("--key", key)?,
        )),
        _ => None,
    };
    Ok(Network {
        headers,
        ca_pem: args
            .cacert
            .as_deref()
            .map(|p| read_pem("--cacert", p))
            .transpose()?,
        insecure: args.insecure,
        identity,
        proxy: args.proxy.clone().filter(|p| !p.is_empty()),
        no_proxy: args.noproxy.clone(),
    })
}
