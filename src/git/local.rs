//! Remotes on this machine (`file://` and paths): a push goes through the remote's own
//! `git receive-pack PATH` over a pipe, with libgit2 speaking the protocol, as `git push` does.
//! So the remote's policy is honoured as over any other transport (hooks, the
//! `receive.denyCurrentBranch` guard of a checked-out branch, `core.sharedRepository`
//! permissions, `receive.*` checks), and the ref's lock is taken and released by that process:
//! a SIGKILL of imgbump cannot leave the remote locked.

use std::io::{self, Read, Write};
#[cfg(not(unix))]
use std::process::ChildStdin;
use std::process::{Child, ChildStdout, Stdio};
use std::sync::Once;

use git2::transport::{Service, SmartSubtransport, SmartSubtransportStream, Transport};
use git2::{ErrorClass, ErrorCode};

/// The URL scheme of this transport: `imgbump-local:///absolute/path`.
pub(super) const SCHEME: &str = "imgbump-local";

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
        let mut child = crate::child::command("git")
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
