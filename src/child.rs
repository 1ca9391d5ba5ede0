//! Running a helper program (a credential helper, a signer) with its input on stdin, reading
//! at most so much of what it prints.

use std::io::{Read, Write};
use std::process::{Command, ExitStatus, Stdio};

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
    let mut cmd = Command::new(program);
    crate::git::child_env(&mut cmd);
    let mut child = cmd
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
