//! `hisar completions SHELL` and `hisar man`: documents generated from the same clap
//! definition as the parser (`clap_complete`, `clap_mangen`), so they never drift from it.

use std::io::Write;

use anyhow::anyhow;
use clap::CommandFactory;

use crate::args::Cli;
use crate::exit::{Exit, Outcome, invalid};
use crate::ui::stdout;

/// Writes `bytes` to stdout; a closed pipe is remembered and exits 0.
fn emit(bytes: &[u8]) -> Outcome {
    let mut out = stdout();
    out.write_all(bytes)
        .and_then(|()| out.flush())
        .map_err(|e| invalid(anyhow!(e)))?;
    Ok(Exit::Pass)
}

pub(crate) fn completions(shell: clap_complete::Shell) -> Outcome {
    let mut command = Cli::command();
    // Rendered in memory first: the generator panics on a write error, a closed pipe included.
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut command, "hisar", &mut script);
    emit(&script)
}

pub(crate) fn man() -> Outcome {
    let command = Cli::command();
    let mut page = Vec::new();
    clap_mangen::Man::new(command)
        .render(&mut page)
        .map_err(|e| invalid(anyhow!("render the manual page: {e}")))?;
    emit(&page)
}
