//! Running the binary and the demo backend from tests.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use hisar_demo::{DEMO_REGISTRY, DemoBackend};
use hisar_server::net::Running;

/// The demo backend served from a runtime of its own, for tests that run the binary.
pub(crate) struct Backend {
    pub(crate) demo: DemoBackend,
    pub(crate) running: Option<Running>,
    pub(crate) url: String,
    runtime: tokio::runtime::Runtime,
}

impl Backend {
    pub(crate) fn start(key: &str) -> Self {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let demo = DemoBackend::new(key);
        let running = runtime
            .block_on(hisar_server::net::spawn(demo.router(), "127.0.0.1:0"))
            .unwrap();
        let url = running.url();
        Self {
            demo,
            running: Some(running),
            url,
            runtime,
        }
    }

    pub(crate) fn stop(&mut self) {
        if let Some(running) = self.running.take() {
            self.runtime.block_on(running.stop());
        }
    }
}

impl Drop for Backend {
    fn drop(&mut self) {
        self.stop();
    }
}

/// The conformance corpus served from a runtime of its own.
pub(crate) struct Corpus {
    pub(crate) backend: hisar_demo::corpus::CorpusBackend,
    pub(crate) url: String,
    running: Option<Running>,
    runtime: tokio::runtime::Runtime,
}

impl Corpus {
    pub(crate) fn start() -> Self {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let backend = hisar_demo::corpus::CorpusBackend::default();
        let running = runtime
            .block_on(hisar_server::net::spawn(backend.router(), "127.0.0.1:0"))
            .unwrap();
        let url = running.url();
        Self {
            backend,
            url,
            running: Some(running),
            runtime,
        }
    }

    /// A careless proxy in front of the corpus: it forwards every connection to the corpus as
    /// it came, `Proxy-Authorization` included, whatever host the request names. Its URL.
    pub(crate) fn careless_proxy(&self) -> String {
        let backend = self.url.trim_start_matches("http://").to_owned();
        let listener = self
            .runtime
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        self.runtime.spawn(async move {
            while let Ok((mut client, _)) = listener.accept().await {
                let backend = backend.clone();
                tokio::spawn(async move {
                    if let Ok(mut upstream) = tokio::net::TcpStream::connect(&backend).await {
                        let _ = tokio::io::copy_bidirectional(&mut client, &mut upstream).await;
                    }
                });
            }
        });
        url
    }

    /// Runs a future on the corpus's runtime.
    pub(crate) fn block_on<F: std::future::Future>(&self, f: F) -> F::Output {
        self.runtime.block_on(f)
    }
}

impl Drop for Corpus {
    fn drop(&mut self) {
        if let Some(running) = self.running.take() {
            self.runtime.block_on(running.stop());
        }
    }
}

/// A scratch directory with the demo registry in it.
pub(crate) struct Workspace {
    pub(crate) dir: tempfile::TempDir,
}

impl Workspace {
    pub(crate) fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("hisar.yaml"), DEMO_REGISTRY).unwrap();
        Self { dir }
    }

    pub(crate) fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    pub(crate) fn read(&self, name: &str) -> String {
        std::fs::read_to_string(self.path(name)).unwrap_or_else(|e| panic!("read {name}: {e}"))
    }

    /// Runs `hisar` in the workspace with a clean HISAR_* environment.
    pub(crate) fn hisar(&self, args: &[&str], env: &[(&str, &str)]) -> Run {
        run_in(self.dir.path(), args, env)
    }
}

/// The result of one run of the binary.
pub(crate) struct Run {
    pub(crate) code: i32,
    pub(crate) stdout: String,
    pub(crate) stderr: String,
}

impl std::fmt::Debug for Run {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "exit {}\n--- stdout\n{}\n--- stderr\n{}",
            self.code, self.stdout, self.stderr
        )
    }
}

pub(crate) fn command(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_hisar"));
    cmd.current_dir(dir).args(args).env("NO_COLOR", "1");
    for (k, _) in std::env::vars() {
        if k.starts_with("HISAR_")
            || matches!(
                k.as_str(),
                "AOS_API_KEY" | "CORPUS_KEY" | "CORPUS_TENANT" | "CORPUS_CLIENT_SECRET"
            )
        {
            cmd.env_remove(k);
        }
    }
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd
}

pub(crate) fn run_in(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Run {
    let Output {
        status,
        stdout,
        stderr,
    } = command(dir, args, env).output().unwrap();
    Run {
        code: status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&stdout).into_owned(),
        stderr: String::from_utf8_lossy(&stderr).into_owned(),
    }
}

/// A file or folder of `../shared` beside the repository; panics with what to do when it is
/// absent (a test that passes without its data proves nothing).
pub(crate) fn shared(path: &str) -> PathBuf {
    let file = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared")
        .join(path);
    assert!(
        file.exists(),
        "{} is absent: these tests need ../shared beside the repository",
        file.display()
    );
    file
}
