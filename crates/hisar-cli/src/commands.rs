//! The subcommands.

mod demo;
mod diff;
mod docs;
mod export;
mod import;
mod init;
mod list;
mod prune;
mod report;
mod serve;
mod sweep;
mod validate;

use crate::args::{Cli, Command};
use crate::exit::{Exit, Failure};
use crate::ui::{Ui, Verbosity, stdout_closed};

/// Runs a command and turns failures into their exit codes, with the error on stderr.
pub(crate) fn run(cli: Cli) -> Exit {
    let verbosity = if cli.quiet {
        Verbosity::Quiet
    } else if cli.verbose {
        Verbosity::Verbose
    } else {
        Verbosity::Normal
    };
    let ui = Ui::new(cli.color, verbosity);
    let outcome = match cli.command {
        // Documents of the command line itself: no runtime needed.
        Command::Completions { shell } => docs::completions(shell),
        Command::Man => docs::man(),
        command => {
            let runtime = match tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .build()
            {
                Ok(rt) => rt,
                Err(e) => {
                    ui.error(&format!("start the async runtime: {e}"));
                    return Exit::Invalid;
                }
            };
            let outcome = runtime.block_on(async {
                match command {
                    Command::Init(args) => init::init(&args, ui).await,
                    Command::Sweep(args) => sweep::sweep(args, ui).await,
                    Command::Check(args) => sweep::check(args, ui).await,
                    Command::List(args) => list::list(&args).await,
                    Command::Validate(args) => validate::validate(&args, ui).await,
                    Command::Report(args) => report::report(&args, ui).await,
                    Command::Diff(args) => diff::diff(&args).await,
                    Command::Prune(args) => prune::prune(&args, ui).await,
                    Command::Import(command) => import::import(command, ui),
                    Command::Export(command) => export::export(&command, ui).await,
                    Command::Serve(args) => serve::serve(args, ui).await,
                    Command::Demo(args) => demo::demo(args, ui).await,
                    Command::Completions { .. } | Command::Man => unreachable!("handled above"),
                }
            });
            // Whatever is left (a service's connection or sweep tasks, a blocking read) does
            // not hold the exit: a stopped `serve` ends within seconds of SIGTERM whatever its
            // clients do.
            runtime.shutdown_timeout(std::time::Duration::from_secs(1));
            outcome
        }
    };
    match outcome {
        Ok(exit) => exit,
        Err(Failure { exit, error }) => {
            // The reader of stdout went away (`hisar list | head -1`): not an error, as for
            // every Unix filter.
            if stdout_closed() || is_broken_pipe(&error) {
                return Exit::Pass;
            }
            ui.error(&format!("{error:#}"));
            exit
        }
    }
}

fn is_broken_pipe(error: &anyhow::Error) -> bool {
    error
        .chain()
        .filter_map(|e| e.downcast_ref::<std::io::Error>())
        .any(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
}
