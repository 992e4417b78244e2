//! The system's CA store through the binary: read only when an `https://` URL is probed
//! (issue #13). `SSL_CERT_FILE` and `SSL_CERT_DIR` stand for the system store here, as they do
//! for every rustls and OpenSSL program on Linux.

use std::sync::Arc;

use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio_rustls::rustls::ServerConfig;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

use crate::support::{Backend, Workspace};

const KEY: &str = "k-tls-roots";

const REGISTRY: &str = r#"
version: 1
auth:
  open: { headers: { X-Probe: "hisar" } }
defaults: { auth: open, class: evidence }
domains: [{ code: A, name: A }]
panels:
  - { id: A-B-C-O1, capability: a.health, endpoint: /health, invariants: ['$.status == "ok"'] }
"#;

/// An HTTPS server on the loopback with a certificate from a private CA, answering every
/// request `{"status": "ok"}`; returns its URL and the CA's PEM. The runtime keeps it alive.
fn https_server(runtime: &tokio::runtime::Runtime) -> (String, String) {
    let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params
        .distinguished_name
        .push(DnType::CommonName, "CLI test CA");
    let ca_key = KeyPair::generate().unwrap();
    let ca_pem = params.self_signed(&ca_key).unwrap().pem();
    let issuer = Issuer::new(params, ca_key);
    let key = KeyPair::generate().unwrap();
    let cert = CertificateParams::new(vec!["127.0.0.1".to_owned()])
        .unwrap()
        .signed_by(&key, &issuer)
        .unwrap();
    let provider = Arc::new(tokio_rustls::rustls::crypto::ring::default_provider());
    let config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(
            vec![CertificateDer::from(cert.der().to_vec())],
            PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der())),
        )
        .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = runtime
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let url = format!("https://{}", listener.local_addr().unwrap());
    runtime.spawn(async move {
        // Bounded: a test makes a handful of connections.
        for _ in 0..64 {
            let Ok((tcp, _)) = listener.accept().await else {
                return;
            };
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let Ok(mut tls) = acceptor.accept(tcp).await else {
                    return;
                };
                let mut head = [0u8; 4096];
                let _ = tls.read(&mut head).await;
                let body = r#"{"status": "ok"}"#;
                let answer = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = tls.write_all(answer.as_bytes()).await;
                let _ = tls.shutdown().await;
            });
        }
    });
    (url, ca_pem)
}

/// A host without a CA bundle can sweep an `http://` backend (before, building the client read
/// the store and the sweep failed: a false misconfiguration). An `https://` probe there is
/// unverified with what to fix, never a gap; with a store holding the CA, it is BOUND, so the
/// store is read when it is needed.
#[test]
fn the_system_ca_store_is_read_only_when_an_https_url_is_probed() {
    let ws = Workspace::new();
    let no_store = [
        ("SSL_CERT_FILE", ws.path("no-bundle.pem")),
        ("SSL_CERT_DIR", ws.path("no-certs")),
    ];
    let no_store: Vec<(&str, &str)> = no_store
        .iter()
        .map(|(k, v)| (*k, v.to_str().unwrap()))
        .collect();
    let backend = Backend::start(KEY);
    let mut env = no_store.clone();
    env.push(("AOS_API_KEY", KEY));
    let http = ws.hisar(&["sweep", "--base-url", &backend.url], &env);
    assert_eq!(http.code, 0, "{http:?}");
    let total = |run: &crate::support::Run, counts: &str| {
        regex::Regex::new(&format!(r"TOTAL\s+{counts}\s"))
            .unwrap()
            .is_match(&run.stderr)
    };
    assert!(total(&http, r"87\s+23\s+64\s+0"), "{http:?}");

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let (url, ca_pem) = https_server(&runtime);
    let tls = Workspace::new();
    std::fs::write(tls.path("hisar.yaml"), REGISTRY).unwrap();
    let sweep =
        |env: &[(&str, &str)]| tls.hisar(&["sweep", "--base-url", &url, "--json", "t.json"], env);
    let unverified = sweep(&no_store);
    assert_eq!(unverified.code, 3, "a degraded sweep: {unverified:?}");
    assert!(
        unverified.stderr.contains("nothing was recorded as a gap"),
        "{unverified:?}"
    );
    let json = tls.read("t.json");
    assert!(
        json.contains("the system's CA store could not be read") && json.contains("--cacert"),
        "says what to fix: {json}"
    );

    std::fs::write(tls.path("ca.pem"), ca_pem).unwrap();
    let store = tls.path("ca.pem");
    let bound = sweep(&[("SSL_CERT_FILE", store.to_str().unwrap())]);
    assert_eq!(bound.code, 0, "{bound:?}");
    assert!(total(&bound, r"1\s+1\s+0\s+0"), "{bound:?}");
}
