//! Sweeps over real sockets: the conformance corpus, sweeps that must not become gaps, token
//! flows against a test identity provider, the network flags against a local TLS server and
//! proxy, and the HTTP probe against hostile servers.

mod corpus;
mod flows;
mod hostile;
mod idp;
mod live;
mod misconfigured;
mod network;
mod schemas;
mod support;
mod tls;
