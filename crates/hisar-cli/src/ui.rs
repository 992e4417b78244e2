//! What people see: notes, warnings and errors on stderr, with colour on a terminal.

use std::io::{IsTerminal, Write};

use crate::args::ColorChoice;

/// The terminal side of the CLI.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Ui {
    color: bool,
    terminal: bool,
}

impl Ui {
    pub(crate) fn new(choice: ColorChoice) -> Self {
        let terminal = std::io::stderr().is_terminal();
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        let color = match choice {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => terminal && !no_color,
        };
        Self { color, terminal }
    }

    /// Whether output for people is coloured.
    pub(crate) fn is_color(self) -> bool {
        self.color
    }

    /// Whether stderr is a terminal (for the progress bar).
    pub(crate) fn is_terminal(self) -> bool {
        self.terminal
    }

    pub(crate) fn paint(self, code: &str, text: &str) -> String {
        if self.color {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_owned()
        }
    }

    pub(crate) fn bold(self, text: &str) -> String {
        self.paint("1", text)
    }

    pub(crate) fn green(self, text: &str) -> String {
        self.paint("32", text)
    }

    pub(crate) fn red(self, text: &str) -> String {
        self.paint("31", text)
    }

    pub(crate) fn yellow(self, text: &str) -> String {
        self.paint("33", text)
    }

    pub(crate) fn dim(self, text: &str) -> String {
        self.paint("2", text)
    }

    /// A line on stderr.
    #[expect(
        clippy::unused_self,
        reason = "all output for people goes through the Ui"
    )]
    pub(crate) fn line(self, text: &str) {
        let _ = writeln!(std::io::stderr().lock(), "{text}");
    }

    pub(crate) fn warn(self, text: &str) {
        self.line(&format!("{} {text}", self.yellow("warning:")));
    }

    pub(crate) fn error(self, text: &str) {
        self.line(&format!("{} {text}", self.red("error:")));
    }
}
