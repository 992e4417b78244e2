//! The subcommands.

mod demo;
mod diff;
mod import;
mod list;
mod prune;
mod report;
mod serve;
mod sweep;
mod validate;

use crate::args::{Cli, Command};
use crate::exit::{Exit, Failure};
use crate::ui::Ui;

/// Runs a command and turns failures into their exit codes, with the error on stderr.
pub(crate) fn run(cli: Cli) -> Exit {
    let ui = Ui::new(cli.color);
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
        match cli.command {
            Command::Sweep(args) => sweep::sweep(args, ui).await,
            Command::Check(args) => sweep::check(args, ui).await,
            Command::List(args) => list::list(&args).await,
            Command::Validate(args) => validate::validate(&args),
            Command::Report(args) => report::report(&args, ui).await,
            Command::Diff(args) => diff::diff(&args).await,
            Command::Prune(args) => prune::prune(&args, ui).await,
            Command::Import(command) => import::import(command, ui),
            Command::Serve(args) => serve::serve(args, ui).await,
            Command::Demo(args) => demo::demo(args, ui).await,
        }
    });
    match outcome {
        Ok(exit) => exit,
        Err(Failure { exit, error }) => {
            if is_broken_pipe(&error) {
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
