//! A command whose standard output, trimmed, is the token: run without a shell (argv as
//! written, each argument a template), with no standard input, under a deadline after which it
//! is killed. Its standard error is never shown as is: only its last line, which the sweep's
//! masker hides secrets in, says why it failed.

use std::process::Stdio;

use hisar_core::CommandFlow;
use tokio::io::{AsyncRead, AsyncReadExt as _};

use super::exchange::short;
use super::token::{Carrier, Token};
use super::{Attempt, FlowContext};

/// The most bytes read from each of the command's outputs.
const MAX_OUTPUT: usize = 64 * 1024;

/// The command as the registry writes it (variable names, never their values).
pub(super) fn shown(flow: &CommandFlow) -> String {
    let argv: Vec<&str> = flow.argv.iter().map(hisar_core::Template::source).collect();
    format!("`{}`", argv.join(" "))
}

async fn read_capped(mut from: impl AsyncRead + Unpin) -> std::io::Result<(Vec<u8>, bool)> {
    let mut out = Vec::new();
    let mut buf = vec![0u8; 8192];
    loop {
        let n = from.read(&mut buf).await?;
        if n == 0 {
            return Ok((out, false));
        }
        if out.len() + n > MAX_OUTPUT {
            return Ok((out, true));
        }
        out.extend_from_slice(&buf[..n]);
    }
}

/// Runs the command once.
pub(super) async fn attempt(flow: &CommandFlow, ctx: &FlowContext) -> Attempt {
    let env = ctx.env();
    let words: Vec<String> = flow.argv.iter().map(|t| t.resolve(&env).value).collect();
    let Some((program, arguments)) = words.split_first() else {
        return Attempt::Failed("has no program to run".to_owned());
    };
    let name = shown(flow);
    let deadline = ctx.deadline(flow.timeout);
    let mut child = match tokio::process::Command::new(program)
        .args(arguments)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
    {
        Ok(child) => child,
        Err(e) => return Attempt::Failed(format!("could not run {name}: {e}")),
    };
    let (Some(stdout), Some(stderr)) = (child.stdout.take(), child.stderr.take()) else {
        return Attempt::Failed(format!("could not read the output of {name}"));
    };
    let run = async {
        let (out, err) = tokio::join!(read_capped(stdout), read_capped(stderr));
        let status = child.wait().await;
        (out, err, status)
    };
    let Ok((out, err, status)) = tokio::time::timeout(deadline, run).await else {
        // Dropping the future drops the child, which kills it.
        return Attempt::Failed(format!(
            "{name} did not finish within {} and was stopped",
            hisar_core::HumanDuration(deadline)
        ));
    };
    let stderr_line = err
        .ok()
        .map(|(bytes, _)| String::from_utf8_lossy(&bytes).into_owned())
        .and_then(|text| text.lines().rev().find(|l| !l.trim().is_empty()).map(short));
    let because = stderr_line.map_or(String::new(), |l| format!(": {l}"));
    let status = match status {
        Ok(status) => status,
        Err(e) => return Attempt::Failed(format!("{name} could not be waited for: {e}")),
    };
    let (stdout, too_long) = match out {
        Ok(out) => out,
        Err(e) => return Attempt::Failed(format!("could not read the output of {name}: {e}")),
    };
    // Whatever it printed may be a token, even on failure: the masker learns it either way.
    let token = String::from_utf8_lossy(&stdout).trim().to_owned();
    if !status.success() {
        let code = status
            .code()
            .map_or_else(|| "a signal".to_owned(), |c| format!("status {c}"));
        return Attempt::FailedWith(format!("{name} exited with {code}{because}"), token);
    }
    if too_long {
        return Attempt::Failed(format!(
            "{name} printed more than {MAX_OUTPUT} bytes, more than any token"
        ));
    }
    if token.is_empty() {
        return Attempt::Failed(format!(
            "{name} printed nothing on standard output{because}"
        ));
    }
    if token.chars().any(char::is_control) {
        return Attempt::FailedWith(
            format!("{name} printed more than one line; its output, trimmed, must be the token"),
            token,
        );
    }
    Attempt::Obtained(Token::new(token, Carrier::Bearer, None))
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn the_command_is_shown_as_written() {
        let flow = CommandFlow {
            argv: vec![
                hisar_core::Template::parse("vault").unwrap(),
                hisar_core::Template::parse("${SECRET_PATH}").unwrap(),
            ],
            timeout: Some(Duration::from_secs(1)),
        };
        assert_eq!(shown(&flow), "`vault ${SECRET_PATH}`");
    }
}
