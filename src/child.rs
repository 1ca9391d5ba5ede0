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
        write_quietly(&mut stdin, input);
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

/// Writes `input` to a helper that may not read it (a credential helper that only prints):
/// its closed pipe is an error here, not a SIGPIPE that ends imgbump (whose SIGPIPE is left at
/// its default, so that `imgbump list | head` ends quietly). SIGPIPE is blocked for this thread
/// while writing, and one the write raised is taken before it is unblocked.
#[cfg(unix)]
fn write_quietly(stdin: &mut std::process::ChildStdin, input: &[u8]) {
    // SAFETY: signal-set calls on local, initialised sets; only this thread's mask changes.
    unsafe {
        let mut pipe: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut pipe);
        libc::sigaddset(&mut pipe, libc::SIGPIPE);
        let mut old: libc::sigset_t = std::mem::zeroed();
        libc::pthread_sigmask(libc::SIG_BLOCK, &pipe, &mut old);
        if stdin.write_all(input).is_err() {
            let now = libc::timespec {
                tv_sec: 0,
                tv_nsec: 0,
            };
            libc::sigtimedwait(&pipe, std::ptr::null_mut(), &now);
        }
        libc::pthread_sigmask(libc::SIG_SETMASK, &old, std::ptr::null_mut());
    }
}

#[cfg(not(unix))]
fn write_quietly(stdin: &mut std::process::ChildStdin, input: &[u8]) {
    let _ = stdin.write_all(input);
}
