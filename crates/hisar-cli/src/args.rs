//! Command-line arguments.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};
use hisar_core::{FailOn, GapCode, HumanDuration, Status};
use hisar_probe::defaults;

/// Prove, from live evidence, which panels of a UI the backend really serves.
#[derive(Debug, Parser)]
#[command(name = "hisar", version, max_term_width = 100)]
#[command(
    after_help = "Exit codes: 0 pass, 1 the --fail-on policy failed, 2 usage or registry error, \
3 sweep invalid (backend unreachable or degraded, or a report could not be written)."
)]
pub(crate) struct Cli {
    /// When to use colour on stderr (NO_COLOR is honoured).
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto, env = "HISAR_COLOR")]
    pub(crate) color: ColorChoice,
    #[command(subcommand)]
    pub(crate) command: Command,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Probe the backend for every selected panel, record the sweep and write reports.
    Sweep(SweepArgs),
    /// Re-check panels and update the tracker last written.
    Check(CheckArgs),
    /// List panels with their last known verdict.
    List(ListArgs),
    /// Check a registry file and report every problem.
    Validate(ValidateArgs),
    /// Render reports from stored history, without the network.
    Report(ReportArgs),
    /// What changed between two sweeps (default: the last two).
    Diff(DiffArgs),
    /// Remove old sweeps from history, keeping the tracked state they led to.
    Prune(PruneArgs),
    /// Print a registry built from another system's files.
    #[command(subcommand)]
    Import(ImportCommand),
    /// Serve the tracker, its API, the dashboard and the render plan.
    Serve(ServeArgs),
    /// Sweep the 87 reference panels against an embedded demo backend.
    Demo(DemoArgs),
}

#[derive(Debug, Clone, Args)]
pub(crate) struct RegistryArg {
    /// The registry file.
    #[arg(
        long,
        short = 'r',
        env = "HISAR_REGISTRY",
        default_value = "hisar.yaml",
        value_name = "FILE"
    )]
    pub(crate) registry: PathBuf,
}

#[derive(Debug, Clone, Args)]
pub(crate) struct StateArg {
    /// Where sweeps are recorded (history.db inside).
    #[arg(
        long,
        env = "HISAR_STATE",
        default_value = ".hisar",
        value_name = "DIR"
    )]
    pub(crate) state: PathBuf,
}

#[derive(Debug, Clone, Default, Args)]
pub(crate) struct OutputArgs {
    /// Write the Markdown tracker here (`-` for stdout, as for every report).
    #[arg(long, env = "HISAR_TRACKER", value_name = "FILE")]
    pub(crate) tracker: Option<PathBuf>,
    /// Write the JSON report here.
    #[arg(long, value_name = "FILE")]
    pub(crate) json: Option<PathBuf>,
    /// Write a JUnit XML report here.
    #[arg(long, value_name = "FILE")]
    pub(crate) junit: Option<PathBuf>,
    /// Write the HTML dashboard page here.
    #[arg(long, value_name = "FILE")]
    pub(crate) html: Option<PathBuf>,
}

#[derive(Debug, Clone, Args)]
pub(crate) struct ProbeArgs {
    /// The backend's base URL (default: the registry's `backend.base_url`).
    #[arg(long, env = "HISAR_BASE_URL", value_name = "URL")]
    pub(crate) base_url: Option<String>,
    /// Requests in flight at once.
    #[arg(
        long,
        short = 'j',
        env = "HISAR_JOBS",
        default_value_t = defaults::JOBS,
        value_name = "N"
    )]
    pub(crate) jobs: usize,
    /// Time allowed to connect.
    #[arg(long, env = "HISAR_CONNECT_TIMEOUT", default_value_t = HumanDuration(defaults::CONNECT_TIMEOUT), value_name = "DURATION")]
    pub(crate) connect_timeout: HumanDuration,
    /// Time allowed per request (default: the registry's `defaults.timeout`, else 10s).
    #[arg(long, env = "HISAR_MAX_TIME", value_name = "DURATION")]
    pub(crate) max_time: Option<HumanDuration>,
    /// Retries for transport failures and 429/502/503/504, with exponential backoff.
    #[arg(long, env = "HISAR_RETRY", default_value_t = defaults::RETRIES, value_name = "N")]
    pub(crate) retry: u32,
    /// Largest body read, in bytes; larger bodies fail the contract.
    #[arg(long, env = "HISAR_MAX_BODY", default_value_t = defaults::MAX_BODY, value_name = "BYTES")]
    pub(crate) max_body: usize,
    /// Route table: an OpenAPI 3 document or a {path: [methods]} map, as a file or a URL
    /// (default: the registry's `backend.routes`).
    #[arg(long, env = "HISAR_ROUTES", value_name = "FILE|URL")]
    pub(crate) routes: Option<String>,
}

#[derive(Debug, Clone, Args)]
pub(crate) struct GateArgs {
    /// What fails the run (exit 1).
    #[arg(long, value_enum, env = "HISAR_FAIL_ON", default_value_t = FailOn::Regressed)]
    pub(crate) fail_on: FailOn,
}

#[derive(Debug, Args)]
pub(crate) struct SweepArgs {
    #[command(flatten)]
    pub(crate) registry: RegistryArg,
    #[command(flatten)]
    pub(crate) probe: ProbeArgs,
    /// Sweep only these panels (repeatable).
    #[arg(long = "panel", short = 'p', value_name = "ID")]
    pub(crate) panels: Vec<String>,
    /// Sweep only these domains (repeatable).
    #[arg(long = "domain", short = 'd', value_name = "CODE")]
    pub(crate) domains: Vec<String>,
    /// Run stage 1 alone against the route table: no request, no base URL, nothing recorded.
    #[arg(long)]
    pub(crate) offline: bool,
    #[command(flatten)]
    pub(crate) state: StateArg,
    #[command(flatten)]
    pub(crate) outputs: OutputArgs,
    #[command(flatten)]
    pub(crate) gate: GateArgs,
}

#[derive(Debug, Args)]
pub(crate) struct CheckArgs {
    #[command(flatten)]
    pub(crate) registry: RegistryArg,
    #[command(flatten)]
    pub(crate) probe: ProbeArgs,
    /// The panels to re-check (repeatable).
    #[arg(long = "panel", short = 'p', required = true, value_name = "ID")]
    pub(crate) panels: Vec<String>,
    #[command(flatten)]
    pub(crate) state: StateArg,
    #[command(flatten)]
    pub(crate) outputs: OutputArgs,
    #[command(flatten)]
    pub(crate) gate: GateArgs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum Format {
    Table,
    Json,
}

#[derive(Debug, Args)]
pub(crate) struct ListArgs {
    #[command(flatten)]
    pub(crate) registry: RegistryArg,
    #[command(flatten)]
    pub(crate) state: StateArg,
    /// Only these domains.
    #[arg(long = "domain", short = 'd', value_name = "CODE")]
    pub(crate) domains: Vec<String>,
    /// Only panels with this status.
    #[arg(long, value_enum)]
    pub(crate) status: Option<Status>,
    /// Only panels blocked by this gap.
    #[arg(long, value_enum)]
    pub(crate) gap: Option<GapCode>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub(crate) format: Format,
}

#[derive(Debug, Args)]
pub(crate) struct ValidateArgs {
    /// The registry file.
    #[arg(default_value = "hisar.yaml", value_name = "FILE")]
    pub(crate) file: PathBuf,
}

#[derive(Debug, Args)]
pub(crate) struct ReportArgs {
    #[command(flatten)]
    pub(crate) registry: RegistryArg,
    #[command(flatten)]
    pub(crate) state: StateArg,
    #[command(flatten)]
    pub(crate) outputs: OutputArgs,
}

#[derive(Debug, Args)]
pub(crate) struct DiffArgs {
    #[command(flatten)]
    pub(crate) registry: RegistryArg,
    #[command(flatten)]
    pub(crate) state: StateArg,
    /// The earlier sweep id (default: the one before TO).
    pub(crate) from: Option<u64>,
    /// The later sweep id (default: the latest).
    pub(crate) to: Option<u64>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub(crate) format: Format,
}

#[derive(Debug, Args)]
pub(crate) struct PruneArgs {
    #[command(flatten)]
    pub(crate) registry: RegistryArg,
    #[command(flatten)]
    pub(crate) state: StateArg,
    /// Keep the sweeps started within this long before now (such as `90d`); older ones go,
    /// except the latest sweep, which always stays.
    #[arg(long, value_name = "DURATION")]
    pub(crate) keep: HumanDuration,
}

#[derive(Debug, Subcommand)]
pub(crate) enum ImportCommand {
    /// From a hand-kept tracker in the reference format.
    Tracker {
        /// The tracker's Markdown file.
        file: PathBuf,
    },
    /// From an AURORA L2 repository layout: plan, intents, capabilities and scenarios, with a
    /// lint of every disagreement between them.
    Aurora {
        /// The repository root (with design/ and backend/).
        dir: PathBuf,
        /// Also write the lint findings as JSON here.
        #[arg(long, value_name = "FILE")]
        lint_json: Option<PathBuf>,
    },
}

#[derive(Debug, Args)]
pub(crate) struct ServeArgs {
    #[command(flatten)]
    pub(crate) registry: RegistryArg,
    #[command(flatten)]
    pub(crate) probe: ProbeArgs,
    #[command(flatten)]
    pub(crate) state: StateArg,
    /// Address to listen on.
    #[arg(
        long,
        env = "HISAR_LISTEN",
        default_value = "127.0.0.1:7878",
        value_name = "ADDR"
    )]
    pub(crate) listen: String,
    /// Sweep on a schedule (off by default).
    #[arg(long, value_name = "DURATION")]
    pub(crate) every: Option<HumanDuration>,
    /// The environment variable holding the API token for mutating routes.
    #[arg(long, default_value = "HISAR_TOKEN", value_name = "NAME")]
    pub(crate) token_env: String,
}

#[derive(Debug, Args)]
pub(crate) struct DemoArgs {
    /// Where to write the tracker, the registry and the state.
    #[arg(long, default_value = "hisar-demo", value_name = "DIR")]
    pub(crate) out: PathBuf,
    /// Keep the demo backend and the dashboard running after the sweep.
    #[arg(long)]
    pub(crate) serve: bool,
    /// Address of the dashboard with --serve.
    #[arg(long, default_value = "127.0.0.1:7878", value_name = "ADDR")]
    pub(crate) listen: String,
}
