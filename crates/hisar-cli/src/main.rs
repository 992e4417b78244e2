//! The `hisar` command.

mod args;
mod commands;
mod context;
mod exit;
mod github;
mod lists;
mod settings;
mod ui;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = args::Cli::parse();
    commands::run(cli).into()
}
