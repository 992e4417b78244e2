//! Each network flag against a local TLS server: `--cacert`, `-k`, `--cert`/`--key`,
//! `--proxy`, `--noproxy` and `-H`.

use std::sync::Arc;

use hisar_core::history::Selection;
use hisar_core::{GapCode, Outcome, Registry, Status, Verdict};
use hisar_probe::{
    ClientIdentity, HttpOptions, HttpProbe, Network, SweepOptions, Sweeper, Target, parse_header,
};

use crate::tls::{ConnectProxy, Pki, https_server};

const REGISTRY: &str = r#"
version: 1
auth:
  gateway: { headers: { X-Gateway-Key: "from-the-registry" } }
defaults: { auth: gateway, class: evidence }
domains: [{ code: A, name: A }]
panels:
  - { id: A-B-C-O1, capability: a.health, endpoint: /health, invariants: ['$.status == "ok"'] }
"#;

fn with_key(mut network: Network) -> Network {
    network
        .headers
        .push(parse_header("X-Gateway-Key: k-from-flag").unwrap());
    network
}

async fn sweep(base_url: &str, network: Network) -> Verdict {
    let registry = Registry::from_yaml(REGISTRY, "hisar.yaml").unwrap();
    let http = HttpProbe::new(HttpOptions {
        network,
        ..HttpOptions::default()
    })
    .unwrap();
    let target = Target {
        base_url: Some(base_url.to_owned()),
        routes: None,
    };
    let options = SweepOptions {
        retries: 0,
        ..SweepOptions::default()
    };
    let env = Arc::new(std::collections::BTreeMap::<String, String>::new());
    let swept = Sweeper::new(Arc::new(registry), http, env, target, options)
        .sweep(Selection::default(), &|_, _| {})
        .await
        .unwrap();
    swept.sweep.records[0].verdict.clone()
}

fn unverified_tls(verdict: &Verdict) -> String {
    match &verdict.outcome {
        Outcome::Unverified { reason } => reason.clone(),
        other => panic!("expected a TLS failure, got {other:?}"),
    }
}

#[tokio::test]
async fn cacert_trusts_a_private_ca_and_only_it() {
    let pki = Pki::new();
    let url = https_server(&pki, false).await;
    let trusted = with_key(Network {
        ca_pem: Some(pki.ca_pem.clone().into_bytes()),
        ..Network::default()
    });
    assert_eq!(sweep(&url, trusted).await.status(), Status::Bound);
    let stranger = with_key(Network {
        ca_pem: Some(Pki::stranger_ca_pem().into_bytes()),
        ..Network::default()
    });
    let reason = unverified_tls(&sweep(&url, stranger).await);
    assert!(reason.starts_with("TLS failure"), "{reason}");
}

#[tokio::test]
async fn insecure_accepts_any_certificate() {
    let pki = Pki::new();
    let url = https_server(&pki, false).await;
    let insecure = with_key(Network {
        ca_pem: Some(Pki::stranger_ca_pem().into_bytes()),
        insecure: true,
        ..Network::default()
    });
    assert_eq!(sweep(&url, insecure).await.status(), Status::Bound);
}

#[tokio::test]
async fn a_client_certificate_for_servers_that_ask_for_one() {
    let pki = Pki::new();
    let url = https_server(&pki, true).await;
    let ca = Some(pki.ca_pem.clone().into_bytes());
    let with_cert = with_key(Network {
        ca_pem: ca.clone(),
        identity: Some(ClientIdentity::from_pem(
            pki.client_cert_pem.as_bytes(),
            pki.client_key_pem.as_bytes(),
        )),
        ..Network::default()
    });
    assert_eq!(sweep(&url, with_cert).await.status(), Status::Bound);
    let without = with_key(Network {
        ca_pem: ca,
        ..Network::default()
    });
    let verdict = sweep(&url, without).await;
    assert_eq!(verdict.status(), Status::Unverified, "{verdict:?}");
}

#[tokio::test]
async fn proxy_tunnels_https_and_noproxy_bypasses_it() {
    let pki = Pki::new();
    let url = https_server(&pki, false).await;
    let proxy = ConnectProxy::start().await;
    let via_proxy = with_key(Network {
        ca_pem: Some(pki.ca_pem.clone().into_bytes()),
        proxy: Some(proxy.url.clone()),
        ..Network::default()
    });
    assert_eq!(sweep(&url, via_proxy.clone()).await.status(), Status::Bound);
    let server = url.trim_start_matches("https://").to_owned();
    assert_eq!(
        proxy.tunnels(),
        std::slice::from_ref(&server),
        "one tunnel to the server"
    );

    let bypass = Network {
        no_proxy: Some("localhost, 127.0.0.1".to_owned()),
        ..via_proxy
    };
    assert_eq!(sweep(&url, bypass).await.status(), Status::Bound);
    assert_eq!(proxy.tunnels(), [server], "--noproxy went around the proxy");
}

#[tokio::test]
async fn header_flags_reach_every_probe_and_win_over_the_registry() {
    let pki = Pki::new();
    let url = https_server(&pki, false).await;
    let ca = Network {
        ca_pem: Some(pki.ca_pem.clone().into_bytes()),
        ..Network::default()
    };
    // The registry's key alone is refused; `-H` replaces it.
    assert_eq!(
        sweep(&url, ca.clone()).await.code(),
        Some(GapCode::AuthFailure)
    );
    assert_eq!(sweep(&url, with_key(ca)).await.status(), Status::Bound);
}

/// The system's CA store is read only when an `https://` URL is probed: an `http://` sweep
/// works on a host without one (a sweep that failed there would be a false misconfiguration),
/// and an `https://` server's certificate is checked against it (never trusted without it).
#[tokio::test]
async fn the_system_ca_store_is_read_only_for_https() {
    let registry = Arc::new(Registry::from_yaml(REGISTRY, "hisar.yaml").unwrap());
    let env: Arc<dyn hisar_core::Env + Send + Sync> =
        Arc::new(std::collections::BTreeMap::<String, String>::new());
    let options = SweepOptions {
        retries: 0,
        ..SweepOptions::default()
    };
    let run = |http: HttpProbe, base_url: String| {
        let target = Target {
            base_url: Some(base_url),
            routes: None,
        };
        Sweeper::new(
            Arc::clone(&registry),
            http,
            Arc::clone(&env),
            target,
            options.clone(),
        )
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let plain = format!("http://{}", listener.local_addr().unwrap());
    let app = axum::Router::new().route(
        "/health",
        axum::routing::get(|| async { axum::Json(serde_json::json!({"status": "ok"})) }),
    );
    tokio::spawn(async move { axum::serve(listener, app).await });
    let http = HttpProbe::new(HttpOptions::default()).unwrap();
    let swept = run(http.clone(), plain)
        .sweep(Selection::default(), &|_, _| {})
        .await
        .unwrap();
    assert_eq!(swept.requests, 1);
    assert!(
        !http.tls_roots_loaded(),
        "an http:// sweep read the CA store"
    );

    let pki = Pki::new();
    let https = https_server(&pki, false).await;
    let swept = run(http.clone(), https)
        .sweep(Selection::default(), &|_, _| {})
        .await
        .unwrap();
    assert!(http.tls_roots_loaded(), "an https:// probe needs the store");
    // The private CA is in no system store: the server is not trusted.
    let reason = unverified_tls(&swept.sweep.records[0].verdict);
    assert!(reason.starts_with("TLS failure"), "{reason}");
}
