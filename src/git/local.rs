//! Remotes on this machine (`file://` and paths): when imgbump may move their branch itself,
//! and when the push must go through the remote's own `git receive-pack`, as `git push` does.
//!
//! The fast path (copy the objects, move the branch by compare-and-swap under its lock) skips
//! everything receive-pack does: hooks (pre-receive, update, post-receive, …),
//! `receive.denyCurrentBranch` for a checked-out branch, `core.sharedRepository` permissions,
//! `receive.*` checks. So it is taken only for a bare repository that has none of them; any
//! other is pushed to through `git receive-pack PATH` over a pipe, with libgit2 speaking the
//! protocol, so that the remote's policy is honoured as over any other transport.

use std::io::{self, Read, Write};
use std::path::Path;
#[cfg(not(unix))]
use std::process::ChildStdin;
use std::process::{Child, ChildStdout, Command, Stdio};
use std::sync::Once;

use git2::transport::{Service, SmartSubtransport, SmartSubtransportStream, Transport};
use git2::{ErrorClass, ErrorCode, Repository};

/// The URL scheme of this transport: `imgbump-local:///absolute/path`.
pub(super) const SCHEME: &str = "imgbump-local";

/// The hooks receive-pack runs for a push.
const HOOKS: [&str; 7] = [
    "pre-receive",
    "update",
    "post-receive",
    "post-update",
    "reference-transaction",
    "proc-receive",
    "push-to-checkout",
];

/// Whether a push to `remote` must go through its receive-pack: it is not bare (a checked-out
/// branch is guarded), it has a hook receive-pack would run, or config receive-pack obeys.
pub(super) fn needs_receive_pack(remote: &Repository) -> bool {
    if !remote.is_bare() {
        return true;
    }
    let config = remote.config().ok();
    let hooks_dir = config
        .as_ref()
        .and_then(|c| c.get_path("core.hooksPath").ok())
        .unwrap_or_else(|| remote.path().join("hooks"));
    if HOOKS.iter().any(|h| is_executable(&hooks_dir.join(h))) {
        return true;
    }
    let Some(config) = config else {
        return true;
    };
    let Ok(mut entries) = config.entries(None) else {
        return true;
    };
    let mut policy = false;
    while let Some(Ok(entry)) = entries.next() {
        let name = entry.name().unwrap_or("").to_ascii_lowercase();
        if name.starts_with("receive.")
            || name == "core.sharedrepository"
            || name == "transfer.fsckobjects"
            || name.starts_with("transfer.hiderefs")
        {
            policy = true;
            break;
        }
    }
    policy
}

#[cfg(unix)]
fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

#[cfg(not(unix))]
fn is_executable(path: &Path) -> bool {
    path.is_file()
}

/// Makes `imgbump-local://` URLs run `git receive-pack` or `git upload-pack` on the path.
/// Idempotent; call before creating a remote.
pub(super) fn register() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // SAFETY: as for `tcp::register`: every remote imgbump creates is created after this
        // `Once` has completed.
        let registered = unsafe {
            git2::transport::register(SCHEME, |remote| Transport::smart(remote, false, Pipe))
        };
        drop(registered);
    });
}

struct Pipe;

impl SmartSubtransport for Pipe {
    fn action(
        &self,
        url: &str,
        action: Service,
    ) -> Result<Box<dyn SmartSubtransportStream>, git2::Error> {
        let service = match action {
            Service::UploadPackLs | Service::UploadPack => "upload-pack",
            Service::ReceivePackLs | Service::ReceivePack => "receive-pack",
        };
        let path = url
            .strip_prefix(SCHEME)
            .and_then(|r| r.strip_prefix("://"))
            .ok_or_else(|| {
                git2::Error::new(ErrorCode::Invalid, ErrorClass::Net, "malformed local URL")
            })?;
        // The child reads from a socket rather than a pipe: a write to a receive-pack that has
        // stopped reading (it refused the push) is then an error, not a SIGPIPE that ends us.
        #[cfg(unix)]
        let (input, theirs) = {
            let (ours, theirs) = std::os::unix::net::UnixStream::pair().map_err(|e| {
                git2::Error::new(ErrorCode::GenericError, ErrorClass::Os, e.to_string())
            })?;
            #[cfg(any(target_os = "macos", target_os = "ios"))]
            {
                use std::os::fd::AsRawFd;
                let one: libc::c_int = 1;
                // SAFETY: setting an int option on a socket we own.
                unsafe {
                    libc::setsockopt(
                        ours.as_raw_fd(),
                        libc::SOL_SOCKET,
                        libc::SO_NOSIGPIPE,
                        (&one as *const libc::c_int).cast(),
                        std::mem::size_of::<libc::c_int>() as libc::socklen_t,
                    );
                }
            }
            (Some(ours), Stdio::from(std::os::fd::OwnedFd::from(theirs)))
        };
        #[cfg(not(unix))]
        let (input, theirs): (Option<Input>, Stdio) = (None, Stdio::piped());
        let mut cmd = Command::new("git");
        super::child_env(&mut cmd);
        let mut child = cmd
            .arg(service)
            .arg(path)
            .stdin(theirs)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| {
                git2::Error::new(
                    ErrorCode::GenericError,
                    ErrorClass::Os,
                    format!("cannot run `git {service}` for the remote {path}: {e}"),
                )
            })?;
        #[cfg(not(unix))]
        let input = child.stdin.take();
        let (Some(stdin), Some(stdout)) = (input, child.stdout.take()) else {
            return Err(git2::Error::from_str("cannot talk to git"));
        };
        Ok(Box::new(Process {
            child,
            stdin: Some(stdin),
            stdout,
        }))
    }

    fn close(&self) -> Result<(), git2::Error> {
        Ok(())
    }
}

/// A running `git receive-pack` or `upload-pack`; ended (its input closed, then waited for)
/// when dropped, so that its hooks finish before the push is reported.
struct Process {
    child: Child,
    stdin: Option<Input>,
    stdout: ChildStdout,
}

/// Where the child's input is written.
#[cfg(unix)]
type Input = std::os::unix::net::UnixStream;
#[cfg(not(unix))]
type Input = ChildStdin;

impl Read for Process {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.stdout.read(buf)
    }
}

impl Write for Process {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match &mut self.stdin {
            #[cfg(unix)]
            Some(s) => send(s, buf),
            #[cfg(not(unix))]
            Some(s) => s.write(buf),
            None => Err(io::Error::from(io::ErrorKind::BrokenPipe)),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match &mut self.stdin {
            Some(s) => s.flush(),
            None => Ok(()),
        }
    }
}

/// Writes to the socket without a SIGPIPE when the other end has gone (`MSG_NOSIGNAL`; macOS
/// has `SO_NOSIGPIPE`, set on the socket instead).
#[cfg(unix)]
fn send(s: &std::os::unix::net::UnixStream, buf: &[u8]) -> io::Result<usize> {
    use std::os::fd::AsRawFd;
    #[cfg(any(target_os = "linux", target_os = "android"))]
    let flags = libc::MSG_NOSIGNAL;
    #[cfg(not(any(target_os = "linux", target_os = "android")))]
    let flags = 0;
    // SAFETY: a valid buffer and length, and a socket we own.
    let n = unsafe { libc::send(s.as_raw_fd(), buf.as_ptr().cast(), buf.len(), flags) };
    if n < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(n as usize)
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        #[cfg(unix)]
        if let Some(s) = &self.stdin {
            let _ = s.shutdown(std::net::Shutdown::Write);
        }
        drop(self.stdin.take());
        let _ = self.child.wait();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_bare_repository_without_hooks_or_policy_is_moved_directly() {
        let dir = tempfile::tempdir().unwrap();
        let bare = Repository::init_bare(dir.path().join("b.git")).unwrap();
        assert!(!needs_receive_pack(&bare));
        // A sample hook, not executable, is not a hook.
        std::fs::create_dir_all(bare.path().join("hooks")).unwrap();
        std::fs::write(bare.path().join("hooks/pre-receive.sample"), "#!/bin/sh\n").unwrap();
        assert!(!needs_receive_pack(&bare));
        let hook = bare.path().join("hooks/pre-receive");
        std::fs::write(&hook, "#!/bin/sh\nexit 0\n").unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&hook, std::fs::Permissions::from_mode(0o755)).unwrap();
            assert!(needs_receive_pack(&bare));
        }
        std::fs::remove_file(&hook).unwrap();
        bare.config()
            .unwrap()
            .set_str("core.sharedRepository", "group")
            .unwrap();
        assert!(needs_receive_pack(
            &Repository::open_bare(bare.path()).unwrap()
        ));
        let work = Repository::init(dir.path().join("w")).unwrap();
        assert!(needs_receive_pack(&work));
    }
}
