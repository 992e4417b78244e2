//! Settings resolved once: flags, environment and registry turned into the typed values that
//! `sweep`, `check`, `serve` and `demo` consume (as ripgrep's `HiArgs` and uv's
//! `Settings::resolve`). Precedence, everywhere: a flag (or its `HISAR_*` variable, which clap
//! reads), then the registry, then the defaults of `hisar_probe::defaults`.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use hisar_core::history::Selection;
use hisar_core::{FailOn, Registry};
use hisar_probe::{HttpOptions, HttpProbe, SweepOptions, Sweeper, Target, defaults};

use crate::args::{CheckArgs, OutputArgs, ProbeArgs, ServeArgs, SweepArgs};
use crate::context::{Environment, load_registry, registry_dir};
use crate::exit::{Failure, invalid};

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
    ) -> Self {
        let http = HttpOptions {
            connect_timeout: args.connect_timeout.0,
            max_time: args
                .max_time
                .map(|d| d.0)
                .or(registry.defaults().timeout)
                .unwrap_or(defaults::MAX_TIME),
            max_body: args.max_body,
            ..HttpOptions::default()
        };
        let run = SweepOptions {
            jobs: args.jobs,
            retries: args.retry,
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
        Self { http, run, target }
    }

    /// The sweeper these settings describe, over `registry`.
    pub(crate) fn sweeper(
        &self,
        registry: Arc<Registry>,
        env: Environment,
    ) -> Result<Sweeper, Failure> {
        let http = HttpProbe::new(self.http.clone()).map_err(invalid)?;
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
        outputs: OutputArgs,
        fail_on: FailOn,
        reuse_tracker: bool,
    ) -> Result<Self, Failure> {
        let registry = load_registry(registry_path)?;
        let env = Environment::default();
        let probe = ProbeSettings::resolve(probe, &registry, registry_path, &env);
        Ok(Self {
            registry_path: registry_path.to_path_buf(),
            registry: Arc::new(registry),
            env,
            probe,
            selection,
            offline,
            state,
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
    pub(crate) every: Option<std::time::Duration>,
    pub(crate) token: Option<String>,
    /// The re-check command the dashboard shows, when not the default `hisar check`.
    pub(crate) recheck: Option<String>,
}

impl ServeSettings {
    pub(crate) fn resolve(args: ServeArgs) -> Result<Self, Failure> {
        let registry = load_registry(&args.registry.registry)?;
        let env = Environment::default();
        let probe = ProbeSettings::resolve(&args.probe, &registry, &args.registry.registry, &env);
        let token = std::env::var(&args.token_env)
            .ok()
            .filter(|t| !t.is_empty());
        Ok(Self {
            registry_path: args.registry.registry,
            registry: Arc::new(registry),
            env,
            probe,
            state: args.state.state,
            listen: args.listen,
            every: args.every.map(|d| d.0),
            token,
            recheck: None,
        })
    }
}
