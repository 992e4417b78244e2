//! Serving a router on a loopback port and sweeping a registry against it.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use hisar_core::Registry;
use hisar_core::history::Selection;
use hisar_probe::{HttpOptions, HttpProbe, SweepOptions, Sweeper, Swept, Target};

/// Serves `router` on a loopback port, sweeps `registry` against `http://ADDR{prefix}` with
/// `env`, and stops the server. Runs on a runtime of its own.
pub(crate) fn sweep(
    router: axum::Router,
    registry: &str,
    prefix: &str,
    env: &[(&str, &str)],
    options: SweepOptions,
) -> Swept {
    let registry = Registry::from_yaml(registry, "corpus.yaml").unwrap_or_else(|e| panic!("{e}"));
    let env: BTreeMap<String, String> = env
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    let prefix = prefix.to_owned();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            let url = format!("http://{}{prefix}", listener.local_addr().unwrap());
            let server = tokio::spawn(async move { axum::serve(listener, router).await });
            let target = Target::resolve(&registry, Path::new("."), &env, Some(url), None);
            let http = HttpProbe::new(HttpOptions {
                max_time: Duration::from_secs(5),
                ..HttpOptions::default()
            })
            .unwrap();
            let sweeper = Sweeper::new(Arc::new(registry), http, Arc::new(env), target, options);
            let swept = sweeper
                .sweep(Selection::default(), &|_, _| {})
                .await
                .unwrap_or_else(|e| panic!("{e}"));
            server.abort();
            swept
        })
    })
    .join()
    .unwrap()
}

/// Options for quick sweeps: one fast retry.
pub(crate) fn quick() -> SweepOptions {
    SweepOptions {
        retries: 1,
        backoff: Duration::from_millis(1),
        ..SweepOptions::default()
    }
}

/// Sweeps `registry` against its own `backend.base_url`, with no server.
pub(crate) fn sweep_target(registry: &str, env: &[(&str, &str)], options: SweepOptions) -> Swept {
    let registry = Registry::from_yaml(registry, "corpus.yaml").unwrap_or_else(|e| panic!("{e}"));
    let env: BTreeMap<String, String> = env
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async move {
        let target = Target::resolve(&registry, Path::new("."), &env, None, None);
        let http = HttpProbe::new(HttpOptions::default()).unwrap();
        let sweeper = Sweeper::new(Arc::new(registry), http, Arc::new(env), target, options);
        sweeper
            .sweep(Selection::default(), &|_, _| {})
            .await
            .unwrap_or_else(|e| panic!("{e}"))
    })
}
