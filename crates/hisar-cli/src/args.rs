//! Command-line arguments.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};
use hisar_core::{FailOn, GapCode, HumanDuration, Status};
use hisar_probe::defaults;

/// Prove, from live evidence, which panels of a UI the backend really serves.
#[derive(Debug, Parser)]
#[command(name = "hisar", version, max_term_width = 100)]
#[command(after_help = MAIN_EXAMPLES)]
pub(crate) struct Cli {
    /// When to use colour on stderr (auto honours NO_COLOR, CLICOLOR, CLICOLOR_FORCE and
    /// TERM=dumb).
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto, env = "HISAR_COLOR")]
    pub(crate) color: ColorChoice,
    /// Say more: every panel of every list (lists are capped on a terminal otherwise).
    #[arg(long, short = 'v', global = true, conflicts_with = "quiet")]
    pub(crate) verbose: bool,
    /// Say less: results, warnings and errors only; no tables, no panel lists.
    #[arg(long, short = 'q', global = true)]
    pub(crate) quiet: bool,
    #[command(subcommand)]
    pub(crate) command: Command,
}

const MAIN_EXAMPLES: &str = "\
Examples:
  hisar demo                                  the whole product against an embedded backend
  hisar init --from-openapi openapi.json      a registry to start from, one panel per GET
  hisar validate -r hisar.yaml                check a registry, every problem at once
  hisar sweep --base-url http://127.0.0.1:8000 --tracker GAPS.md
  hisar check --panel OVR-SUM-CI-O1           re-check one panel after a fix
  hisar list --status blocked --gap auth_failure

Exit codes: 0 pass, 1 the --fail-on policy failed, 2 usage or registry error, 3 sweep invalid
(backend unreachable or degraded, or a report could not be written). A closed pipe exits 0.";

const INIT_EXAMPLES: &str = "\
Examples:
  hisar init --from-openapi openapi.json                  write ./hisar.yaml
  hisar init --from-openapi http://127.0.0.1:8000/openapi.json --base-url http://127.0.0.1:8000
  hisar init --from-openapi api.yaml --out conf/hisar.yaml --force
  hisar init --from-openapi openapi.json --auth-header 'X-API-Key: ${API_KEY}'
  hisar init --from-openapi openapi.json --out - | less  print instead of writing
Then: hisar validate && hisar sweep";

const SWEEP_EXAMPLES: &str = "\
Examples:
  hisar sweep --base-url http://127.0.0.1:8000 --tracker GAPS.md --report-html dashboard.html
  hisar sweep --domain OVR --panel LOG-REC-SYS-O2      a partial sweep
  hisar sweep --offline --routes openapi.json          stage 1 alone, nothing probed
  hisar sweep --fail-on new --report-junit hisar.xml   in CI
Under GitHub Actions (GITHUB_ACTIONS=true) new and regressed gaps are also annotations at the
panel's registry line, and a summary is appended to $GITHUB_STEP_SUMMARY.";

const CHECK_EXAMPLES: &str = "\
Examples:
  hisar check --panel OVR-SUM-CI-O1
  hisar check -r conf/hisar.yaml -p OVR-SUM-CI-O1 -p OVR-SUM-CI-O2 --base-url http://127.0.0.1:8000";

const LIST_EXAMPLES: &str = "\
Examples:
  hisar list
  hisar list --status blocked --gap auth_failure     filters ignore case
  hisar list --domain ovr --format json";

const VALIDATE_EXAMPLES: &str = "\
Examples:
  hisar validate                   ./hisar.yaml, or --registry, or HISAR_REGISTRY
  hisar validate conf/hisar.yaml
  hisar validate -r conf/hisar.yaml
  hisar validate --routes openapi.json --strict   invariants the response schemas contradict fail";

const REPORT_EXAMPLES: &str = "\
Examples:
  hisar report --tracker GAPS.md --report-html dashboard.html
  hisar report --report-json - | jq .summary";

const DIFF_EXAMPLES: &str = "\
Examples:
  hisar diff                       the last two sweeps
  hisar diff 3 7 --format json
  hisar diff --format markdown > comment.md     a pull-request comment";

const DEMO_EXAMPLES: &str = "\
Examples:
  hisar demo                       sweep the 87 reference panels, write ./hisar-demo/
  hisar demo --panel OVR-SUM-DC-O1 re-check one panel against the demo backend, brought back
  hisar demo --serve               keep the backend and the dashboard running";

const SERVE_EXAMPLES: &str = "\
Examples:
  HISAR_TOKEN=s3cret hisar serve --every 10m --base-url http://127.0.0.1:8000
  hisar serve --every 10m --cors-origin https://ui.example --webhook \"$SLACK_WEBHOOK_URL\"
  curl -s 'http://127.0.0.1:7878/api/v1/panels?status=blocked'";

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Write a registry to start from: one panel per GET operation of an OpenAPI document.
    #[command(after_help = INIT_EXAMPLES)]
    Init(InitArgs),
    /// Probe the backend for every selected panel, record the sweep and write reports.
    #[command(after_help = SWEEP_EXAMPLES)]
    Sweep(SweepArgs),
    /// Re-check panels and update the tracker last written.
    #[command(after_help = CHECK_EXAMPLES)]
    Check(CheckArgs),
    /// List panels with their last known verdict.
    #[command(after_help = LIST_EXAMPLES)]
    List(ListArgs),
    /// Check a registry file and report every problem.
    #[command(after_help = VALIDATE_EXAMPLES)]
    Validate(ValidateArgs),
    /// Render reports from stored history, without the network.
    #[command(after_help = REPORT_EXAMPLES)]
    Report(ReportArgs),
    /// What changed between two sweeps (default: the last two).
    #[command(after_help = DIFF_EXAMPLES)]
    Diff(DiffArgs),
    /// Remove old sweeps from history, keeping the tracked state they led to.
    Prune(PruneArgs),
    /// Print a registry built from another system's files.
    #[command(subcommand)]
    Import(ImportCommand),
    /// Write HISAR's verdicts in another system's format.
    #[command(subcommand)]
    Export(ExportCommand),
    /// Serve the tracker, its API, the dashboard and the render plan.
    #[command(after_help = SERVE_EXAMPLES)]
    Serve(ServeArgs),
    /// Sweep the 87 reference panels against an embedded demo backend.
    #[command(after_help = DEMO_EXAMPLES)]
    Demo(DemoArgs),
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell).
    #[command(
        after_help = "Examples:\n  hisar completions bash > ~/.local/share/bash-completion/completions/hisar\n  hisar completions zsh > \"${fpath[1]}/_hisar\"\n  hisar completions fish > ~/.config/fish/completions/hisar.fish"
    )]
    Completions {
        /// The shell.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the manual page (roff).
    #[command(
        after_help = "Examples:\n  hisar man | man -l -\n  hisar man > ~/.local/share/man/man1/hisar.1"
    )]
    Man,
}

/// The demo's output folder by default.
pub(crate) const DEMO_DIR: &str = "hisar-demo";

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

#[derive(Debug, Clone, Args)]
pub(crate) struct LockArg {
    /// How long to wait while another hisar writes to the state directory (then exit 3).
    #[arg(
        long,
        env = "HISAR_LOCK_WAIT",
        default_value = "1m",
        value_name = "DURATION"
    )]
    pub(crate) lock_wait: HumanDuration,
}

#[derive(Debug, Clone, Default, Args)]
pub(crate) struct OutputArgs {
    /// Write the Markdown tracker here (`-` for stdout, as for every report).
    #[arg(long, env = "HISAR_TRACKER", value_name = "FILE")]
    pub(crate) tracker: Option<PathBuf>,
    /// Write the JSON report here (`--json` still works, for one release).
    #[arg(long = "report-json", alias = "json", value_name = "FILE")]
    pub(crate) json: Option<PathBuf>,
    /// Write a JUnit XML report here (`--junit` still works, for one release).
    #[arg(long = "report-junit", alias = "junit", value_name = "FILE")]
    pub(crate) junit: Option<PathBuf>,
    /// Write the HTML dashboard here, a page that works offline (`--html` still works, for one
    /// release).
    #[arg(long = "report-html", alias = "html", value_name = "FILE")]
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
    #[arg(long, env = "HISAR_CONNECT_TIMEOUT", default_value_t = HumanDuration(defaults::CONNECT_TIMEOUT), value_parser = HumanDuration::parse_nonzero, value_name = "DURATION")]
    pub(crate) connect_timeout: HumanDuration,
    /// Time allowed per request (default: the registry's `defaults.timeout`, else 10s).
    #[arg(long, env = "HISAR_MAX_TIME", value_parser = HumanDuration::parse_nonzero, value_name = "DURATION")]
    pub(crate) max_time: Option<HumanDuration>,
    /// Time allowed for the whole sweep; panels whose requests have not finished by then are
    /// UNVERIFIED ("sweep deadline reached").
    #[arg(long, env = "HISAR_DEADLINE", default_value_t = HumanDuration(defaults::DEADLINE), value_parser = HumanDuration::parse_nonzero, value_name = "DURATION")]
    pub(crate) deadline: HumanDuration,
    /// Retries for transport failures and 429/502/503/504, with exponential backoff.
    #[arg(long, env = "HISAR_RETRY", default_value_t = defaults::RETRIES, value_name = "N")]
    pub(crate) retry: u32,
    /// Largest body read, in bytes; larger bodies fail the contract.
    #[arg(long, env = "HISAR_MAX_BODY", default_value_t = defaults::MAX_BODY, value_name = "BYTES")]
    pub(crate) max_body: usize,
    /// Route table: an OpenAPI 3 document, a {path: [methods]} map or an endpoint list, as a
    /// file or a URL
    /// (default: the registry's `backend.routes`).
    #[arg(long, env = "HISAR_ROUTES", value_name = "FILE|URL")]
    pub(crate) routes: Option<String>,
    /// Also send panels whose method is not GET, HEAD or OPTIONS and that do not declare
    /// `safe: true` (by default they are skipped: a sweep must not change the backend).
    #[arg(long, env = "HISAR_ALLOW_UNSAFE")]
    pub(crate) allow_unsafe: bool,
    #[command(flatten)]
    pub(crate) network: NetworkArgs,
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
    pub(crate) lock: LockArg,
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
    pub(crate) lock: LockArg,
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
    /// Only panels with this status (any case).
    #[arg(long, value_enum, ignore_case = true)]
    pub(crate) status: Option<Status>,
    /// Only panels blocked by this gap (any case).
    #[arg(long, value_enum, ignore_case = true)]
    pub(crate) gap: Option<GapCode>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub(crate) format: Format,
}

#[derive(Debug, Args)]
pub(crate) struct ValidateArgs {
    #[command(flatten)]
    pub(crate) registry: RegistryArg,
    /// The registry file, as a positional argument (wins over --registry).
    #[arg(value_name = "FILE")]
    pub(crate) file: Option<PathBuf>,
    /// Route table whose OpenAPI response schemas the invariants are read against, as a file
    /// or a URL (default: the registry's `backend.routes` when it is a file; a URL is fetched
    /// only when given here).
    #[arg(long, env = "HISAR_ROUTES", value_name = "FILE|URL")]
    pub(crate) routes: Option<String>,
    /// The base URL `${HISAR_BASE_URL}` stands for in the registry's `backend.routes`.
    #[arg(long, env = "HISAR_BASE_URL", value_name = "URL")]
    pub(crate) base_url: Option<String>,
    /// Invariants the OpenAPI schema contradicts, and a route table that cannot be loaded, are
    /// errors (exit 2) rather than warnings.
    #[arg(long)]
    pub(crate) strict: bool,
}

impl ValidateArgs {
    /// The file to check: the positional one, else `--registry` (or `HISAR_REGISTRY`).
    pub(crate) fn path(&self) -> &std::path::Path {
        self.file.as_deref().unwrap_or(&self.registry.registry)
    }
}

/// Output formats of `hisar diff`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum DiffFormat {
    /// Aligned text.
    Table,
    /// JSON: the counts and the changes.
    Json,
    /// Markdown fit for a pull-request comment.
    Markdown,
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
    #[arg(long, value_enum, default_value_t = DiffFormat::Table)]
    pub(crate) format: DiffFormat,
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
    #[command(flatten)]
    pub(crate) lock: LockArg,
}

#[derive(Debug, Args)]
pub(crate) struct InitArgs {
    /// The OpenAPI 3 document (JSON or YAML): a file, or an http(s) URL.
    #[arg(long, value_name = "FILE|URL")]
    pub(crate) from_openapi: String,
    /// Where to write the registry (`-` for stdout).
    #[arg(long, short = 'o', default_value = "hisar.yaml", value_name = "FILE")]
    pub(crate) out: PathBuf,
    /// Replace the output file when it exists.
    #[arg(long)]
    pub(crate) force: bool,
    /// The `backend.base_url` written, as given (`${HISAR_BASE_URL:-http://...}` is kept as
    /// it is); default: the document's absolute server URL, else http://127.0.0.1:8000.
    #[arg(long, value_name = "URL")]
    pub(crate) base_url: Option<String>,
    /// A header every probe sends, `NAME: VALUE`, written as the default auth mode (repeat
    /// for more). Write secrets as `${VAR}`: the value is written to the file as given.
    #[arg(long, value_name = "NAME: VALUE")]
    pub(crate) auth_header: Vec<String>,
}

#[derive(Debug, Subcommand)]
pub(crate) enum ImportCommand {
    /// From a hand-kept tracker in the reference format.
    Tracker {
        /// The tracker's Markdown file.
        file: PathBuf,
    },
    /// From an AURORA L2 repository layout (plan or intent ledger, intents, capabilities,
    /// scenarios, route sources), with a one-screen summary and a lint of every disagreement
    /// and choice (each finding listed with --verbose).
    Aurora {
        /// The repository root (with design/ and backend/).
        dir: PathBuf,
        /// Also write the summary, the lint findings and the unresolved invariants as JSON here.
        #[arg(long, value_name = "FILE")]
        lint_json: Option<PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
pub(crate) enum ExportCommand {
    /// The UI projection lock in AURORA's own shape (`ui_projection_lock.json`), from HISAR's
    /// history: only panels HISAR would render are BOUND.
    AuroraProjection(ProjectionArgs),
}

#[derive(Debug, Args)]
pub(crate) struct ProjectionArgs {
    #[command(flatten)]
    pub(crate) registry: RegistryArg,
    #[command(flatten)]
    pub(crate) state: StateArg,
    /// The AURORA repository root, for its layout (domains → subdomains → topics); without it
    /// subdomain and topic come from the panel ids.
    #[arg(long, value_name = "DIR")]
    pub(crate) aurora: Option<PathBuf>,
    /// Where to write the lock (`-` for stdout).
    #[arg(long, short = 'o', default_value = "-", value_name = "FILE")]
    pub(crate) out: PathBuf,
    /// The `_meta.environment` written.
    #[arg(long, value_enum, default_value_t = ProjectionEnvironment::Preflight)]
    pub(crate) environment: ProjectionEnvironment,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum ProjectionEnvironment {
    Preflight,
    Production,
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
    #[arg(long, value_parser = HumanDuration::parse_nonzero, value_name = "DURATION")]
    pub(crate) every: Option<HumanDuration>,
    /// Connections served at once; when all are taken, the one idle the longest is closed to
    /// make room.
    #[arg(long, env = "HISAR_MAX_CONNECTIONS", default_value_t = hisar_server::net::MAX_CONNECTIONS, value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..), value_name = "N")]
    pub(crate) max_connections: usize,
    /// The environment variable holding the API token for mutating routes.
    #[arg(long, default_value = "HISAR_TOKEN", value_name = "NAME")]
    pub(crate) token_env: String,
    /// Let pages from this origin read the API (`scheme://host[:port]`, as browsers send it;
    /// `*` for any); repeatable, `HISAR_CORS_ORIGIN` takes a comma-separated list. Reads only:
    /// no cross-origin page can start a sweep. None by default: no CORS headers at all.
    #[arg(
        long = "cors-origin",
        env = "HISAR_CORS_ORIGIN",
        value_name = "ORIGIN",
        value_delimiter = ','
    )]
    pub(crate) cors_origins: Vec<String>,
    /// Post a JSON event (with a `text` Slack shows) here after each sweep that regressed,
    /// added or resolved gaps; repeatable, `HISAR_WEBHOOK` takes one per line. Retried with
    /// backoff; never slows a sweep. The URL is a secret: it is never printed.
    #[arg(
        long = "webhook",
        env = "HISAR_WEBHOOK",
        value_name = "URL",
        value_delimiter = '\n',
        hide_env_values = true
    )]
    pub(crate) webhooks: Vec<String>,
}

#[derive(Debug, Args)]
pub(crate) struct DemoArgs {
    /// Where to write the tracker, the registry and the state.
    #[arg(long, default_value = DEMO_DIR, value_name = "DIR")]
    pub(crate) out: PathBuf,
    /// Re-check these panels of a demo already run in --out, against the demo backend brought
    /// back, and update its tracker (repeatable).
    #[arg(long = "panel", short = 'p', value_name = "ID")]
    pub(crate) panels: Vec<String>,
    /// Keep the demo backend and the dashboard running after the sweep.
    #[arg(long)]
    pub(crate) serve: bool,
    /// Address of the dashboard with --serve.
    #[arg(long, default_value = "127.0.0.1:7878", value_name = "ADDR")]
    pub(crate) listen: String,
}

// ---------------------------------------------------------------------------------------------
// Network flags (issue #13), spelled as curl spells them; each is also read from `HISAR_*`.
// ---------------------------------------------------------------------------------------------

/// The help section of the network flags.
const NETWORK: &str = "Network (as curl)";

#[derive(Debug, Clone, Default, Args)]
pub(crate) struct NetworkArgs {
    /// Add a header to every probe (repeatable; `HISAR_HEADER` takes one per line). It replaces
    /// a registry header of the same name; its value is masked wherever HISAR writes.
    #[arg(
        help_heading = NETWORK,
        short = 'H',
        long = "header",
        env = "HISAR_HEADER",
        value_name = "NAME: VALUE",
        value_delimiter = '\n',
        hide_env_values = true
    )]
    pub(crate) headers: Vec<String>,
    /// Verify servers with these PEM CA certificates instead of the system's.
    #[arg(help_heading = NETWORK, long, env = "HISAR_CACERT", value_name = "FILE")]
    pub(crate) cacert: Option<PathBuf>,
    /// Do not verify server certificates (anyone on the path can then read the credentials
    /// HISAR sends).
    #[arg(
        help_heading = NETWORK,
        short = 'k',
        long,
        env = "HISAR_INSECURE",
        value_parser = clap::builder::FalseyValueParser::new()
    )]
    pub(crate) insecure: bool,
    /// Client certificate (PEM) for servers that ask for one; with --key.
    #[arg(help_heading = NETWORK, long, env = "HISAR_CERT", value_name = "FILE", requires = "key")]
    pub(crate) cert: Option<PathBuf>,
    /// Private key (PEM) of --cert.
    #[arg(help_heading = NETWORK, long, env = "HISAR_KEY", value_name = "FILE", requires = "cert")]
    pub(crate) key: Option<PathBuf>,
    /// Send every request through this proxy (default: HTTPS_PROXY, HTTP_PROXY, ALL_PROXY).
    #[arg(help_heading = NETWORK, long, env = "HISAR_PROXY", value_name = "URL", hide_env_values = true)]
    pub(crate) proxy: Option<String>,
    /// Hosts reached without the proxy, comma-separated (`*` for all); replaces NO_PROXY.
    #[arg(help_heading = NETWORK, long, env = "HISAR_NOPROXY", value_name = "LIST")]
    pub(crate) noproxy: Option<String>,
}
