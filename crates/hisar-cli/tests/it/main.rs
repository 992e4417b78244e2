//! End-to-end tests of the `hisar` binary against the embedded demo backend.

mod aurora;
mod browser;
mod conventions;
mod demo;
mod history;
mod schema;
mod support;
