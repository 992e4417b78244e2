//! What people see: notes, warnings and errors on stderr, with colour where the conventions
//! allow it (`anstream`: `--color`, `NO_COLOR`, `CLICOLOR`, `CLICOLOR_FORCE`, `TERM=dumb`), how
//! much of it (`-v`, `-q`), and stdout for data, where a closed pipe is not an error.

use std::io::{self, IsTerminal, Write};
use std::sync::atomic::{AtomicBool, Ordering};

use anstyle::{AnsiColor, Style};

use crate::args::ColorChoice;

/// How much a command says on stderr.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Verbosity {
    /// `-q`: results and problems only; no tables, no panel lists.
    Quiet,
    /// The default: tables and panel lists, capped on a terminal.
    Normal,
    /// `-v`: every panel of every list.
    Verbose,
}

/// The terminal side of the CLI.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Ui {
    terminal: bool,
    ci: bool,
    verbosity: Verbosity,
}

impl Ui {
    pub(crate) fn new(choice: ColorChoice, verbosity: Verbosity) -> Self {
        let global = match choice {
            ColorChoice::Auto => anstream::ColorChoice::Auto,
            ColorChoice::Always => anstream::ColorChoice::Always,
            ColorChoice::Never => anstream::ColorChoice::Never,
        };
        global.write_global();
        Self {
            terminal: io::stderr().is_terminal(),
            ci: std::env::var_os("CI").is_some_and(|v| !v.is_empty() && v != "false"),
            verbosity,
        }
    }

    /// Whether output for people is coloured (for the service log's own writer).
    #[expect(
        clippy::unused_self,
        reason = "all output for people goes through the Ui"
    )]
    pub(crate) fn is_color(self) -> bool {
        anstream::AutoStream::choice(&io::stderr()) != anstream::ColorChoice::Never
    }

    /// Whether stderr is a terminal (lists are capped there).
    pub(crate) fn is_terminal(self) -> bool {
        self.terminal
    }

    /// Whether a progress bar may be drawn: on a terminal, outside CI, unless `-q`.
    pub(crate) fn progress(self) -> bool {
        self.terminal && !self.ci && self.verbosity > Verbosity::Quiet
    }

    pub(crate) fn verbosity(self) -> Verbosity {
        self.verbosity
    }

    fn paint(self, style: Style, text: &str) -> String {
        let _ = self;
        format!("{style}{text}{style:#}")
    }

    pub(crate) fn bold(self, text: &str) -> String {
        self.paint(Style::new().bold(), text)
    }

    pub(crate) fn green(self, text: &str) -> String {
        self.paint(AnsiColor::Green.on_default(), text)
    }

    pub(crate) fn red(self, text: &str) -> String {
        self.paint(AnsiColor::Red.on_default(), text)
    }

    pub(crate) fn yellow(self, text: &str) -> String {
        self.paint(AnsiColor::Yellow.on_default(), text)
    }

    pub(crate) fn dim(self, text: &str) -> String {
        self.paint(Style::new().dimmed(), text)
    }

    /// A line on stderr; `anstream` drops the colour where it must not be shown.
    #[expect(
        clippy::unused_self,
        reason = "all output for people goes through the Ui"
    )]
    pub(crate) fn line(self, text: &str) {
        let _ = writeln!(anstream::stderr().lock(), "{text}");
    }

    /// A line on stderr unless `-q`.
    pub(crate) fn note(self, text: &str) {
        if self.verbosity > Verbosity::Quiet {
            self.line(text);
        }
    }

    pub(crate) fn warn(self, text: &str) {
        self.line(&format!("{} {text}", self.yellow("warning:")));
    }

    pub(crate) fn error(self, text: &str) {
        self.line(&format!("{} {text}", self.red("error:")));
    }
}

/// Set once a write to stdout met a closed pipe (`hisar list | head -1`).
static STDOUT_CLOSED: AtomicBool = AtomicBool::new(false);

/// Whether stdout was closed by its reader: the command then exits 0, as `cat` and `grep` do.
pub(crate) fn stdout_closed() -> bool {
    STDOUT_CLOSED.load(Ordering::Relaxed)
}

/// Stdout for data. A broken pipe is remembered, whichever error type later wraps it (serde's,
/// anyhow's), so that every command can exit 0 on it.
pub(crate) fn stdout() -> Stdout {
    Stdout(io::stdout().lock())
}

/// See [`stdout`].
pub(crate) struct Stdout(io::StdoutLock<'static>);

impl Stdout {
    fn note(result: io::Result<usize>) -> io::Result<usize> {
        if let Err(e) = &result
            && e.kind() == io::ErrorKind::BrokenPipe
        {
            STDOUT_CLOSED.store(true, Ordering::Relaxed);
        }
        result
    }
}

impl Write for Stdout {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        Self::note(self.0.write(buf))
    }

    fn flush(&mut self) -> io::Result<()> {
        Self::note(self.0.flush().map(|()| 0)).map(|_| ())
    }
}
