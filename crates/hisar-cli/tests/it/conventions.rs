//! The conventions people already know: a closed pipe is not an error, files honour the umask,
//! `-r` everywhere, completions and a manual page the shells and `man` accept, GitHub Actions
//! annotations and job summary.

use std::fmt::Write as _;
use std::os::unix::fs::PermissionsExt as _;
use std::path::Path;
use std::process::Command;

use hisar_demo::DEMO_REGISTRY;

use crate::support::{Backend, Workspace, command};

/// Runs a shell line in `dir` with the binary as `$HISAR`.
fn sh(dir: &Path, line: &str) -> (i32, String, String) {
    let out = Command::new("bash")
        .arg("-c")
        .arg(line)
        .current_dir(dir)
        .env("HISAR", env!("CARGO_BIN_EXE_hisar"))
        .env("NO_COLOR", "1")
        .env_remove("HISAR_REGISTRY")
        .output()
        .expect("bash runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// A registry with `n` panels: its list is far larger than a pipe's buffer, so `head -1`
/// closes the pipe while `hisar` still writes.
fn big_registry(n: usize) -> String {
    let mut text = String::from(
        "version: 1\ndefaults: { class: evidence }\ndomains: [{ code: BIG, name: BIG }]\npanels:\n",
    );
    for i in 0..n {
        let _ = writeln!(
            text,
            "  - {{ id: BIG-PANEL-WITH-A-LONG-NAME-O{i}, capability: big.c{i}, endpoint: /a/rather/long/path/to/make/lines/long/{i} }}"
        );
    }
    text
}

#[test]
fn a_closed_pipe_exits_0_in_every_command() {
    let ws = Workspace::new();
    std::fs::write(ws.path("big.yaml"), big_registry(3000)).unwrap();
    // The acceptance line itself, on a list larger than the pipe's buffer.
    let (code, out, err) = sh(
        ws.dir.path(),
        r#""$HISAR" list -r big.yaml | head -1; exit "${PIPESTATUS[0]}""#,
    );
    assert_eq!(code, 0, "list | head -1: {err}");
    assert!(out.starts_with("PANEL "), "{out}");
    assert!(!err.contains("Broken pipe"), "{err}");
    // Every command that writes to stdout, its reader gone before the first byte.
    for args in [
        "list -r big.yaml",
        "list -r big.yaml --format json",
        "report -r big.yaml --report-json -",
        "report -r big.yaml --tracker -",
        "completions bash",
        "man",
        "--help",
    ] {
        let (code, _, err) = sh(
            ws.dir.path(),
            &format!(r#""$HISAR" {args} | true; exit "${{PIPESTATUS[0]}}""#),
        );
        assert_eq!(code, 0, "hisar {args} | true: {err}");
        assert!(!err.contains("error"), "hisar {args} | true: {err}");
    }
}

#[test]
fn reports_honour_the_umask_and_keep_a_replaced_files_mode() {
    let ws = Workspace::new();
    let mode = |name: &str| {
        std::fs::metadata(ws.path(name))
            .unwrap()
            .permissions()
            .mode()
            & 0o777
    };
    let (code, _, err) = sh(
        ws.dir.path(),
        r#"umask 022 && "$HISAR" report --tracker t.md --report-json t.json --report-html d.html"#,
    );
    assert_eq!(code, 0, "{err}");
    for file in ["t.md", "t.json", "d.html"] {
        assert_eq!(mode(file), 0o644, "{file} under umask 022");
    }
    let (code, _, err) = sh(
        ws.dir.path(),
        r#"umask 077 && "$HISAR" report --tracker private.md"#,
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(mode("private.md"), 0o600, "under umask 077");
    std::fs::set_permissions(ws.path("t.md"), std::fs::Permissions::from_mode(0o640)).unwrap();
    let (code, _, err) = sh(
        ws.dir.path(),
        r#"umask 022 && "$HISAR" report --tracker t.md"#,
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(mode("t.md"), 0o640, "a replaced file keeps its mode");
}

#[test]
fn validate_reads_the_registry_flag_and_variable() {
    let ws = Workspace::new();
    std::fs::rename(ws.path("hisar.yaml"), ws.path("conf.yaml")).unwrap();
    let ok = ws.hisar(&["validate", "-r", "conf.yaml"], &[]);
    assert_eq!(ok.code, 0, "{ok:?}");
    assert!(ok.stderr.contains("conf.yaml: valid: 87 panels"), "{ok:?}");
    let env = ws.hisar(&["validate"], &[("HISAR_REGISTRY", "conf.yaml")]);
    assert_eq!(env.code, 0, "{env:?}");
    let missing = ws.hisar(&["validate"], &[]);
    assert_eq!(missing.code, 2, "no hisar.yaml here: {missing:?}");
    assert!(
        missing.stderr.contains("read registry hisar.yaml"),
        "{missing:?}"
    );
}

#[test]
fn states_are_one_vocabulary_and_filters_ignore_case() {
    let ws = Workspace::new();
    let list = ws.hisar(&["list", "--status", "unverified", "--domain", "ovr"], &[]);
    assert_eq!(list.code, 0, "{list:?}");
    let rows: Vec<&str> = list.stdout.lines().skip(1).collect();
    assert_eq!(rows.len(), 12, "{list:?}");
    assert!(
        rows.iter()
            .all(|r| r.contains(" UNVERIFIED ") && r.ends_with("never verified")),
        "{list:?}"
    );
    let header = list.stdout.lines().next().unwrap();
    assert!(header.starts_with("PANEL          STATUS"), "{header:?}");
    let bad = ws.hisar(&["list", "--status", "declared"], &[]);
    assert_eq!(
        bad.code, 2,
        "DECLARED is a capability status, not a panel's"
    );
    let gap = ws.hisar(&["list", "--gap", "auth_failure"], &[]);
    assert_eq!(gap.code, 0, "{gap:?}");
}

#[test]
fn completions_and_the_manual_page_are_accepted_by_their_readers() {
    let work = tempfile::tempdir().unwrap();
    for (shell, check) in [
        ("bash", vec!["bash", "-n"]),
        ("zsh", vec!["zsh", "-n"]),
        ("fish", vec!["fish", "--no-execute"]),
    ] {
        let run = command(work.path(), &["completions", shell], &[])
            .output()
            .unwrap();
        assert!(run.status.success(), "completions {shell}");
        let script = work.path().join(format!("hisar.{shell}"));
        std::fs::write(&script, &run.stdout).unwrap();
        assert!(
            String::from_utf8_lossy(&run.stdout).contains("report-json")
                && String::from_utf8_lossy(&run.stdout).contains("from-openapi"),
            "{shell}: the flags are in it"
        );
        let status = Command::new(check[0])
            .args(&check[1..])
            .arg(&script)
            .status()
            .unwrap_or_else(|e| {
                panic!(
                    "{} is needed to check the {shell} completions ({e}): apt-get install {} (.ci/run does)",
                    check[0], check[0]
                )
            });
        assert!(
            status.success(),
            "{} rejects the {shell} completions",
            check[0]
        );
    }
    let page = command(work.path(), &["man"], &[]).output().unwrap();
    assert!(page.status.success());
    let file = work.path().join("hisar.1");
    std::fs::write(&file, &page.stdout).unwrap();
    // groff with warnings on: man's own formatter, and it says what it does not accept.
    let groff = Command::new("groff")
        .args(["-man", "-Tutf8", "-ww", "-z"])
        .arg(&file)
        .output()
        .expect("groff is needed to check the manual page: apt-get install groff-base");
    assert!(groff.status.success(), "groff rejects the page");
    assert!(
        groff.stderr.is_empty(),
        "groff warns: {}",
        String::from_utf8_lossy(&groff.stderr)
    );
    let man = Command::new("man")
        .args(["-l", "-P", "cat"])
        .arg(&file)
        .env("MANWIDTH", "100")
        .output()
        .expect("man -l");
    let text = String::from_utf8_lossy(&man.stdout);
    assert!(man.status.success() && text.contains("hisar"), "{text}");
    assert!(
        text.contains("completions") && text.contains("init"),
        "subcommands are listed: {text}"
    );
}

#[test]
fn github_actions_get_annotations_at_the_registry_line_and_a_job_summary() {
    let backend = Backend::start("gh-key");
    let ws = Workspace::new();
    let summary = ws.path("summary.md");
    std::fs::write(&summary, "earlier step\n").unwrap();
    let workspace = ws.dir.path().to_str().unwrap().to_owned();
    let env = [
        ("AOS_API_KEY", "gh-key"),
        ("GITHUB_ACTIONS", "true"),
        ("GITHUB_STEP_SUMMARY", summary.to_str().unwrap()),
        ("GITHUB_WORKSPACE", workspace.as_str()),
    ];
    let args = ["sweep", "--base-url", backend.url.as_str(), "--retry", "0"];
    let first = ws.hisar(&args, &env);
    assert_eq!(first.code, 0, "{first:?}");
    // New gaps do not fail the default gate: warnings, at their lines.
    assert!(
        first.stderr.contains("::warning file=hisar.yaml,line="),
        "{first:?}"
    );
    assert!(backend.demo.break_route("/health"));
    let second = ws.hisar(&args, &env);
    assert_eq!(second.code, 1, "{second:?}");
    let line = DEMO_REGISTRY
        .lines()
        .position(|l| l.trim() == "- id: LOG-REC-SYS-O2")
        .expect("declared")
        + 1;
    let expected = format!(
        "::error file=hisar.yaml,line={line},title=SDSR_FAILED regressed::LOG-REC-SYS-O2 GET /health (regressed): "
    );
    assert!(second.stderr.contains(&expected), "{expected}\n{second:?}");
    let text = std::fs::read_to_string(&summary).unwrap();
    assert!(text.starts_with("earlier step\n"), "appended, not replaced");
    assert_eq!(
        text.matches("## HISAR: ").count(),
        2,
        "one summary per sweep"
    );
    let last = text.rsplit("## HISAR: ").next().unwrap();
    assert!(
        last.contains("| TOTAL | 87 | 21 | 66 | 0 | 24% |"),
        "{last}"
    );
    assert!(last.contains("#### Regressed (2)"), "{last}");
    assert!(
        last.contains("| `LOG-REC-SYS-O2` | `GET /health` | SDSR_FAILED |"),
        "{last}"
    );
}

#[test]
fn diff_renders_markdown_for_a_pull_request_comment() {
    let backend = Backend::start("diff-key");
    let ws = Workspace::new();
    let env = [("AOS_API_KEY", "diff-key")];
    let args = ["sweep", "--base-url", backend.url.as_str(), "--retry", "0"];
    assert_eq!(ws.hisar(&args, &env).code, 0);
    assert!(backend.demo.fix("/guard/logs"));
    assert_eq!(ws.hisar(&args, &env).code, 0);
    let diff = ws.hisar(&["diff", "--format", "markdown"], &[]);
    assert_eq!(diff.code, 0, "{diff:?}");
    assert!(
        diff.stdout.starts_with("### HISAR: sweep #1 → #2\n"),
        "{diff:?}"
    );
    assert!(
        diff.stdout
            .contains("| `LOG-REC-SYS-O1` | `GET /guard/logs` | ~~AUTH_FAILURE~~ | seen HTTP 200"),
        "{diff:?}"
    );
}

#[test]
fn colour_follows_the_conventions_people_set() {
    let ws = Workspace::new();
    // `support::command` sets NO_COLOR; each case sets exactly what it tests.
    let run = |args: &[&str], env: &[(&str, &str)]| {
        let mut cmd = command(ws.dir.path(), args, &[]);
        cmd.env_remove("NO_COLOR")
            .env_remove("CLICOLOR")
            .env_remove("CLICOLOR_FORCE");
        for (k, v) in env {
            cmd.env(k, v);
        }
        let out = cmd.output().unwrap();
        String::from_utf8_lossy(&out.stderr).into_owned()
    };
    let coloured = |text: &str| text.contains("\u{1b}[");
    // A bad status gives an error line with the `error:` prefix painted.
    let args = ["validate", "missing.yaml"];
    assert!(
        !coloured(&run(&args, &[])),
        "no colour on a pipe by default"
    );
    assert!(
        coloured(&run(&args, &[("CLICOLOR_FORCE", "1")])),
        "CLICOLOR_FORCE"
    );
    assert!(coloured(&run(
        &["--color", "always", "validate", "missing.yaml"],
        &[]
    )));
    assert!(
        !coloured(&run(&args, &[("CLICOLOR_FORCE", "1"), ("NO_COLOR", "1")])),
        "NO_COLOR wins"
    );
    assert!(
        !coloured(&run(
            &["--color", "never", "validate", "missing.yaml"],
            &[("CLICOLOR_FORCE", "1")]
        )),
        "--color never wins"
    );
}

#[test]
fn the_progress_bar_is_for_a_terminal_and_never_for_ci() {
    let backend = Backend::start("pty-key");
    // A slow route: the sweep lasts long enough for the bar to be drawn.
    assert!(
        backend
            .demo
            .set_delay(Some("/health"), std::time::Duration::from_millis(600))
    );
    let ws = Workspace::new();
    // `script` gives the command a terminal, as a person's shell does.
    let under_pty = |ci: Option<&str>, state: &str| {
        let mut cmd = Command::new("script");
        cmd.args(["-qec"])
            .arg(format!(
                "{} sweep --base-url {} --state {state} --retry 0",
                env!("CARGO_BIN_EXE_hisar"),
                backend.url
            ))
            .arg("/dev/null")
            .current_dir(ws.dir.path())
            .env("AOS_API_KEY", "pty-key")
            .env("NO_COLOR", "1")
            .env_remove("CI");
        if let Some(v) = ci {
            cmd.env("CI", v);
        }
        let out = cmd
            .output()
            .expect("`script` (util-linux) gives the test a terminal");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let person = under_pty(None, "a");
    assert!(
        person.contains("probing"),
        "a terminal gets the bar: {person}"
    );
    assert!(
        person.contains("more (-v lists them all)"),
        "and capped lists: {person}"
    );
    let ci = under_pty(Some("true"), "b");
    assert!(ci.contains("swept 87 panels"), "{ci}");
    assert!(!ci.contains("probing"), "no bar in CI logs: {ci}");
}
