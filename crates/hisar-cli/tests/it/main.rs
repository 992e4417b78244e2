//! End-to-end tests of the `hisar` binary against the embedded demo backend.

mod aurora;
mod browser;
mod demo;
mod history;
mod hostile;
mod support;
