//! Sweeps over real sockets: the conformance corpus, and sweeps that must not become gaps.

mod corpus;
mod misconfigured;
mod support;
