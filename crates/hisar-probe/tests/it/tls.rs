//! A local TLS server with a private CA made by rcgen (optionally asking for a client
//! certificate), and a CONNECT proxy, for the network flags' tests.
//!
//! The proxy is written here: no crate offers a small CONNECT proxy to embed in a test (the
//! proxy crates are whole servers with their own configuration and runtime). It is bounded: one
//! request head of at most 8 KiB read within 5 s, tunnels only to the loopback, each tunnel
//! closed after 30 s, and it stops accepting after 256 connections.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use hyper_util::rt::TokioIo;
use hyper_util::service::TowerToHyperService;
use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair};
use serde_json::json;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio_rustls::rustls::server::WebPkiClientVerifier;
use tokio_rustls::rustls::{RootCertStore, ServerConfig};

/// A private CA and what it signed.
pub(crate) struct Pki {
    pub(crate) ca_pem: String,
    ca_der: CertificateDer<'static>,
    server: (CertificateDer<'static>, Vec<u8>),
    pub(crate) client_cert_pem: String,
    pub(crate) client_key_pem: String,
}

fn ca() -> (CertificateDer<'static>, String, Issuer<'static, KeyPair>) {
    let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params
        .distinguished_name
        .push(DnType::CommonName, "HISAR test CA");
    let key = KeyPair::generate().unwrap();
    let cert = params.self_signed(&key).unwrap();
    (cert.der().clone(), cert.pem(), Issuer::new(params, key))
}

impl Pki {
    pub(crate) fn new() -> Self {
        let (ca_der, ca_pem, issuer) = ca();
        let server_key = KeyPair::generate().unwrap();
        let server = CertificateParams::new(vec!["localhost".to_owned(), "127.0.0.1".to_owned()])
            .unwrap()
            .signed_by(&server_key, &issuer)
            .unwrap();
        let client_key = KeyPair::generate().unwrap();
        let mut client_params = CertificateParams::new(Vec::<String>::new()).unwrap();
        client_params
            .distinguished_name
            .push(DnType::CommonName, "hisar-probe");
        let client = client_params.signed_by(&client_key, &issuer).unwrap();
        Self {
            ca_pem,
            ca_der,
            server: (server.der().clone(), server_key.serialize_der()),
            client_cert_pem: client.pem(),
            client_key_pem: client_key.serialize_pem(),
        }
    }

    /// The PEM of another CA, which signed nothing here.
    pub(crate) fn stranger_ca_pem() -> String {
        ca().1
    }
}

async fn health(headers: HeaderMap) -> Response {
    // The gateway wants a key that only `-H` supplies.
    if headers
        .get("x-gateway-key")
        .is_some_and(|v| v == "k-from-flag")
    {
        axum::Json(json!({"status": "ok"})).into_response()
    } else {
        (
            StatusCode::UNAUTHORIZED,
            axum::Json(json!({"detail": "gateway key"})),
        )
            .into_response()
    }
}

/// Starts an HTTPS server on the loopback; with `client_auth` it refuses clients without a
/// certificate signed by the CA. Returns its `https://127.0.0.1:PORT` URL.
pub(crate) async fn https_server(pki: &Pki, client_auth: bool) -> String {
    let provider = Arc::new(tokio_rustls::rustls::crypto::ring::default_provider());
    let builder = ServerConfig::builder_with_provider(Arc::clone(&provider))
        .with_safe_default_protocol_versions()
        .unwrap();
    let builder = if client_auth {
        let mut roots = RootCertStore::empty();
        roots.add(pki.ca_der.clone()).unwrap();
        let verifier = WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider)
            .build()
            .unwrap();
        builder.with_client_cert_verifier(verifier)
    } else {
        builder.with_no_client_auth()
    };
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(pki.server.1.clone()));
    let mut config = builder
        .with_single_cert(vec![pki.server.0.clone()], key)
        .unwrap();
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    let acceptor = TlsAcceptor::from(Arc::new(config));
    let router = Router::new().route("/health", get(health));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        // Bounded: a test makes a handful of connections.
        for _ in 0..256 {
            let Ok((tcp, _)) = listener.accept().await else {
                return;
            };
            let (acceptor, router) = (acceptor.clone(), router.clone());
            tokio::spawn(async move {
                let Ok(tls) = acceptor.accept(tcp).await else {
                    return;
                };
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(tls), TowerToHyperService::new(router))
                    .await;
            });
        }
    });
    format!("https://{addr}")
}

/// A CONNECT proxy on the loopback, and the targets it tunnelled to.
pub(crate) struct ConnectProxy {
    pub(crate) url: String,
    pub(crate) tunnels: Arc<Mutex<Vec<String>>>,
}

impl ConnectProxy {
    pub(crate) async fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let tunnels = Arc::new(Mutex::new(Vec::new()));
        let log = Arc::clone(&tunnels);
        tokio::spawn(async move {
            for _ in 0..256 {
                let Ok((client, _)) = listener.accept().await else {
                    return;
                };
                let log = Arc::clone(&log);
                tokio::spawn(async move {
                    let _ = tunnel(client, &log).await;
                });
            }
        });
        Self { url, tunnels }
    }

    pub(crate) fn tunnels(&self) -> Vec<String> {
        self.tunnels.lock().unwrap().clone()
    }
}

async fn read_head(stream: &mut TcpStream) -> std::io::Result<String> {
    let mut head = Vec::new();
    let mut buf = [0u8; 1024];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        if head.len() > 8 * 1024 {
            return Err(std::io::Error::other("request head too long"));
        }
        let n = stream.read(&mut buf).await?;
        if n == 0 {
            return Err(std::io::Error::other("closed before the head ended"));
        }
        head.extend_from_slice(&buf[..n]);
    }
    Ok(String::from_utf8_lossy(&head).into_owned())
}

async fn tunnel(mut client: TcpStream, log: &Mutex<Vec<String>>) -> std::io::Result<()> {
    let head = tokio::time::timeout(Duration::from_secs(5), read_head(&mut client))
        .await
        .map_err(|_| std::io::Error::other("head timed out"))??;
    let target = head
        .lines()
        .next()
        .and_then(|line| line.strip_prefix("CONNECT "))
        .and_then(|rest| rest.split_whitespace().next())
        .map(str::to_owned);
    let loopback = target
        .as_deref()
        .and_then(|t| t.parse::<SocketAddr>().ok())
        .filter(|a| a.ip().is_loopback());
    let (Some(target), Some(addr)) = (target, loopback) else {
        client
            .write_all(b"HTTP/1.1 403 Forbidden\r\ncontent-length: 0\r\n\r\n")
            .await?;
        return Ok(());
    };
    log.lock().unwrap().push(target);
    let mut upstream = TcpStream::connect(addr).await?;
    client
        .write_all(b"HTTP/1.1 200 Connection established\r\n\r\n")
        .await?;
    let _ = tokio::time::timeout(
        Duration::from_secs(30),
        tokio::io::copy_bidirectional(&mut client, &mut upstream),
    )
    .await;
    Ok(())
}
