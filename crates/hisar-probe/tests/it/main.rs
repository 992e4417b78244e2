//! Integration tests of hisar-probe against servers on the loopback: token flows against a test
//! identity provider, and the network flags against a local TLS server and proxy.

mod flows;
mod idp;
mod network;
mod tls;
