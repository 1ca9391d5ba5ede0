//! The `git://` transport, in place of libgit2's built-in one.
//!
//! libgit2's socket keeps Nagle's algorithm and the kernel's delayed acknowledgements. A
//! git-daemon server ends some sections with a separate small write (the flush packet after
//! the shallow list of a shallow fetch, the report-status after `unpack ok` of a push); the
//! server's Nagle holds that write until our ACK, and our delayed ACK waits up to 40 ms. Those
//! two stalls were 80 of the 140 ms of a bump through `git daemon` on loopback (seen with
//! `strace -tt`). Here every read first asks the kernel to acknowledge at once
//! (`TCP_QUICKACK`, Linux; it does not stick, so it is set before each read) and our own
//! writes leave at once (`TCP_NODELAY`). The protocol itself stays libgit2's: this module only
//! opens the connection and sends git-daemon's one request line.

use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::sync::Once;

use git2::transport::{Service, SmartSubtransport, SmartSubtransportStream, Transport};
use git2::{ErrorClass, ErrorCode};

use crate::url::{RemoteUrl, Scheme};

/// The default port of git-daemon.
const DEFAULT_PORT: u16 = 9418;

/// Makes `git://` URLs use this transport. Idempotent; call before creating a remote.
pub(super) fn register() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // SAFETY: `register` must not race with libgit2 creating transports. Every remote
        // imgbump creates is created after this `Once` has completed, and `call_once` blocks
        // other callers until it has.
        let registered = unsafe {
            git2::transport::register("git", |remote| Transport::smart(remote, false, GitDaemon))
        };
        // If it cannot be registered libgit2's own transport is used: slower, still correct.
        drop(registered);
    });
}

/// The parts of a `git://` URL that git-daemon's request needs.
#[derive(Debug, PartialEq, Eq)]
struct Target {
    /// `host` or `host:port` as written (without a `user@`), for connecting and for `host=`.
    authority: String,
    /// Whether the authority carries a port.
    has_port: bool,
    /// The path on the server, starting with `/`.
    path: String,
}

fn parse(url: &str) -> Option<Target> {
    let u = RemoteUrl::parse(url);
    let path = u.path();
    if u.scheme() != &Scheme::Git
        || u.host().is_empty()
        || !path.starts_with('/')
        || path.contains('\0')
        || path.contains('\n')
    {
        return None;
    }
    Some(Target {
        authority: u.authority().to_string(),
        has_port: u.port().is_some(),
        path: path.to_string(),
    })
}

fn net_error(message: String) -> git2::Error {
    git2::Error::new(ErrorCode::GenericError, ErrorClass::Net, message)
}

/// git-daemon's request: one pkt-line naming the service, the path and the host.
fn request(service: &str, target: &Target) -> Vec<u8> {
    let body = format!("{service} {}\0host={}\0", target.path, target.authority);
    let mut line = format!("{:04x}", body.len() + 4).into_bytes();
    line.extend_from_slice(body.as_bytes());
    line
}

struct GitDaemon;

impl SmartSubtransport for GitDaemon {
    fn action(
        &self,
        url: &str,
        action: Service,
    ) -> Result<Box<dyn SmartSubtransportStream>, git2::Error> {
        let service = match action {
            Service::UploadPackLs | Service::UploadPack => "git-upload-pack",
            Service::ReceivePackLs | Service::ReceivePack => "git-receive-pack",
        };
        let target = parse(url).ok_or_else(|| {
            git2::Error::new(
                ErrorCode::Invalid,
                ErrorClass::Net,
                "malformed git:// URL (expected git://HOST[:PORT]/PATH)",
            )
        })?;
        let stream = connect(&target)
            .map_err(|e| net_error(format!("failed to connect to {}: {e}", target.authority)))?;
        tune(&stream);
        let _ = stream.set_read_timeout(Some(std::time::Duration::from_millis(200)));
        let mut conn = Connection {
            stream,
            opened: std::time::Instant::now(),
            answered: false,
        };
        conn.stream
            .write_all(&request(service, &target))
            .map_err(|e| net_error(format!("error sending data to {}: {e}", target.authority)))?;
        Ok(Box::new(conn))
    }

    fn close(&self) -> Result<(), git2::Error> {
        Ok(())
    }
}

/// How long one connection attempt may wait for the server's answer (one SYN retransmit). A server whose queue of
/// connections to accept is full drops the SYN, and the kernel would try again after 1, 2, 4,
/// … seconds, for two minutes in all: a new attempt (the caller's retry, within
/// `--connect-timeout`) is sooner.
const CONNECT_WAIT: std::time::Duration = std::time::Duration::from_millis(1500);

/// A connection to `target`'s first address that answers within [`CONNECT_WAIT`].
fn connect(target: &Target) -> io::Result<TcpStream> {
    use std::net::ToSocketAddrs;
    let addrs: Vec<std::net::SocketAddr> = if target.has_port {
        target.authority.as_str().to_socket_addrs()?.collect()
    } else {
        let host = target
            .authority
            .trim_start_matches('[')
            .trim_end_matches(']');
        (host, DEFAULT_PORT).to_socket_addrs()?.collect()
    };
    let mut last = io::Error::new(io::ErrorKind::NotFound, "the name has no address");
    for addr in addrs {
        match TcpStream::connect_timeout(&addr, CONNECT_WAIT) {
            Ok(stream) => return Ok(stream),
            Err(e) => last = e,
        }
    }
    Err(last)
}

/// How long a server may take to say its first word once the connection is open. git daemon
/// answers at once with its refs; one whose queue of connections to accept overflowed may leave
/// a connection the client thinks open unanswered for a minute (the final ACK of the handshake
/// dropped): a new attempt, within `--connect-timeout`, is sooner.
const FIRST_ANSWER: std::time::Duration = std::time::Duration::from_secs(8);

/// A connection to git daemon.
struct Connection {
    stream: TcpStream,
    /// When it was opened.
    opened: std::time::Instant,
    /// Whether the server has said anything yet.
    answered: bool,
}

impl Read for Connection {
    /// Waits for the server in slices of 200 ms, so that a signal asking the run to end (see
    /// `crate::interrupt`) ends a wait on a silent server, whichever thread it reached; a server
    /// silent for [`FIRST_ANSWER`] from the start is a cut connection.
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        loop {
            quick_ack(&self.stream);
            match self.stream.read(buf) {
                Err(e)
                    if matches!(
                        e.kind(),
                        io::ErrorKind::WouldBlock
                            | io::ErrorKind::TimedOut
                            | io::ErrorKind::Interrupted
                    ) =>
                {
                    if crate::interrupt::requested().is_some() {
                        return Err(io::Error::new(io::ErrorKind::Interrupted, "interrupted"));
                    }
                    if !self.answered && self.opened.elapsed() > FIRST_ANSWER {
                        return Err(io::Error::new(
                            io::ErrorKind::TimedOut,
                            format!(
                                "the server took the connection but said nothing in {} s",
                                FIRST_ANSWER.as_secs()
                            ),
                        ));
                    }
                }
                other => {
                    self.answered |= matches!(other, Ok(n) if n > 0);
                    return other;
                }
            }
        }
    }
}

impl Write for Connection {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.stream.write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// No Nagle; keepalive probes as libgit2 sets them (60 s idle, every 10 s, 3 tries), so a
/// vanished server is noticed.
fn tune(stream: &TcpStream) {
    let _ = stream.set_nodelay(true);
    #[cfg(target_os = "linux")]
    {
        set_int(stream, libc::SOL_SOCKET, libc::SO_KEEPALIVE, 1);
        set_int(stream, libc::IPPROTO_TCP, libc::TCP_KEEPIDLE, 60);
        set_int(stream, libc::IPPROTO_TCP, libc::TCP_KEEPINTVL, 10);
        set_int(stream, libc::IPPROTO_TCP, libc::TCP_KEEPCNT, 3);
    }
}

fn quick_ack(_stream: &TcpStream) {
    #[cfg(target_os = "linux")]
    set_int(_stream, libc::IPPROTO_TCP, libc::TCP_QUICKACK, 1);
}

#[cfg(target_os = "linux")]
fn set_int(stream: &TcpStream, level: libc::c_int, name: libc::c_int, value: libc::c_int) {
    use std::os::fd::AsRawFd;
    // SAFETY: a valid socket descriptor, a pointer to a live c_int and its size. A failure
    // only loses the tuning, so its result is ignored.
    unsafe {
        libc::setsockopt(
            stream.as_raw_fd(),
            level,
            name,
            (&value as *const libc::c_int).cast(),
            std::mem::size_of::<libc::c_int>() as libc::socklen_t,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        let t = parse("git://127.0.0.1:9555/isA_Cloud.git").unwrap();
        assert_eq!(
            t,
            Target {
                authority: "127.0.0.1:9555".into(),
                has_port: true,
                path: "/isA_Cloud.git".into()
            }
        );
        let t = parse("GIT://user@example.com/~u/r.git").unwrap();
        assert_eq!(
            (t.authority.as_str(), t.has_port, t.path.as_str()),
            ("example.com", false, "/~u/r.git")
        );
        let t = parse("git://[::1]/r").unwrap();
        assert_eq!((t.authority.as_str(), t.has_port), ("[::1]", false));
        let t = parse("git://[::1]:1234/r").unwrap();
        assert_eq!((t.authority.as_str(), t.has_port), ("[::1]:1234", true));
        assert_eq!(parse("git://host"), None);
        assert_eq!(parse("git:///path"), None);
        assert_eq!(parse("https://host/r"), None);
        assert_eq!(parse("git://h/a\0b"), None);
        assert_eq!(parse("gi"), None);
    }

    #[test]
    fn request_line() {
        let t = parse("git://127.0.0.1:9555/isa.git").unwrap();
        assert_eq!(
            request("git-upload-pack", &t),
            b"0031git-upload-pack /isa.git\0host=127.0.0.1:9555\0"
        );
    }
}
