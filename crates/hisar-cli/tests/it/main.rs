//! End-to-end tests of the `hisar` binary against the embedded demo backend.

mod aurora;
<<<<<<< HEAD
mod auth;
=======
mod aurora_2026_02;
>>>>>>> main
mod browser;
mod conventions;
mod demo;
mod history;
mod schema;
mod support;
