//! Sweeps over real sockets: the conformance corpus, sweeps that must not become gaps, and
//! the HTTP probe against hostile servers.

mod corpus;
mod hostile;
mod misconfigured;
mod support;
