//! End-to-end tests of the `hisar` binary against the embedded demo backend.

mod aurora;
mod aurora_2026_02;
mod auth;
mod browser;
mod conventions;
mod demo;
mod history;
mod hostile;
mod init;
mod schema;
mod serve;
mod support;
mod tls;
mod validate;
mod verdicts;
