//! Starting other programs (a credential helper, a signer, `git receive-pack`): with the
//! environment the user gave imgbump, and, for a helper, its input on stdin and at most so much
//! of what it prints read back.

use std::ffi::OsString;
use std::io::{Read, Write};
use std::process::{Command, ExitStatus, Stdio};

/// Variables imgbump set for itself at start, with the values the user had given them.
static ORIGINAL: std::sync::OnceLock<Vec<(&'static str, Option<OsString>)>> =
    std::sync::OnceLock::new();

/// Records the user's values of `vars`, which imgbump is about to change for itself (once,
/// before any thread starts): every program started through [`command`] gets them back.
pub(crate) fn keep_original(vars: Vec<(&'static str, Option<OsString>)>) {
    let _ = ORIGINAL.set(vars);
}

/// A command for `program`, with the user's own environment (see [`keep_original`]).
pub(crate) fn command(program: &str) -> Command {
    let mut cmd = Command::new(program);
    for (name, value) in ORIGINAL.get().into_iter().flatten() {
        match value {
            Some(v) => cmd.env(name, v),
            None => cmd.env_remove(name),
        };
    }
    cmd
}

/// What a helper did: how it ended, its stdout and its stderr (each cut at its bound).
pub(crate) struct Ran {
    pub status: ExitStatus,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
}

/// Runs `program args` with `input` on stdin; reads at most `out_max` bytes of stdout and
/// 8 KB of stderr.
pub(crate) fn run(
    program: &str,
    args: &[String],
    input: &[u8],
    out_max: u64,
) -> std::io::Result<Ran> {
    let mut child = command(program)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()?;
    if let Some(mut stdin) = child.stdin.take() {
        let _ = stdin.write_all(input);
    }
    let mut stdout = Vec::new();
    if let Some(o) = child.stdout.take() {
        let _ = o.take(out_max).read_to_end(&mut stdout);
    }
    let mut stderr = Vec::new();
    if let Some(e) = child.stderr.take() {
        let _ = e.take(8192).read_to_end(&mut stderr);
    }
    let status = child.wait()?;
    Ok(Ran {
        status,
        stdout,
        stderr,
    })
}
