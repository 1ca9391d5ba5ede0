//! The servers the tests run on 127.0.0.1: `git daemon`, smart HTTP (`git http-backend` behind
//! a tiny HTTP/1.1 server with Basic auth), HTTPS in front of it, and a TCP proxy that cuts or
//! holds connections. All stopped when dropped.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::text;

/// A port for a test's server to listen on. It is taken below the kernel's ephemeral range
/// (32768 and up on Linux), so no outgoing connection of a busy machine can take it between
/// this check and the server's own bind, and never twice in one test process, so two tests
/// starting servers at once cannot be handed the same one (the kernel's `bind(0)` gave both).
pub fn free_port() -> u16 {
    use std::sync::atomic::AtomicU32;
    static NEXT: AtomicU32 = AtomicU32::new(0);
    const FIRST: u32 = 20_000;
    const SPAN: u32 = 12_000;
    let offset = std::process::id().wrapping_mul(7_919) % SPAN;
    for _ in 0..SPAN {
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let port = (FIRST + (offset + n) % SPAN) as u16;
        if TcpListener::bind(("127.0.0.1", port)).is_ok() {
            return port;
        }
    }
    panic!("no free port between {FIRST} and {}", FIRST + SPAN)
}

/// Waits until a server listens on `port`. The bound is generous: it catches a server that
/// never starts, not a slow one (a server starting on a machine busy with other work).
pub fn wait_for(port: u16) {
    let start = Instant::now();
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            start.elapsed() < Duration::from_secs(120),
            "server on port {port} did not start"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// `git daemon` serving `base` on 127.0.0.1, push enabled. It runs in a process group of its
/// own, and dropping it ends the group: the daemon and every upload-pack or receive-pack it
/// forked for a connection (ending only the `git` wrapper left `git-daemon` running).
pub struct Daemon {
    _child: Owned,
    pub port: u16,
}

impl Daemon {
    pub fn start(base: &Path) -> Daemon {
        Daemon::start_with(base, &[])
    }

    /// With more options for `git daemon`, such as `--max-connections=N`.
    pub fn start_with(base: &Path, extra: &[&str]) -> Daemon {
        let port = free_port();
        let child = Owned::server(
            Command::new(git_exec("git-daemon"))
                .args([
                    "--reuseaddr",
                    "--export-all",
                    "--enable=receive-pack",
                    "--listen=127.0.0.1",
                ])
                .args(extra)
                .arg(format!("--port={port}"))
                .arg(format!("--base-path={}", base.display()))
                .arg(base),
        );
        wait_for(port);
        Daemon {
            _child: child,
            port,
        }
    }

    pub fn url(&self, name: &str) -> String {
        format!("git://127.0.0.1:{}/{name}", self.port)
    }
}

/// A spawned server, owned from the moment it starts: dropping it (a panic's unwinding
/// included, such as a wait for its port that times out) ends its process group, or the process
/// itself when it has no group of its own, and reaps it. Every server a test starts is held in
/// one, so that no failing test leaves a process behind.
pub struct Owned(pub Child);

impl Owned {
    /// `cmd` started as a server: in a process group of its own, its output dropped.
    pub fn server(cmd: &mut Command) -> Owned {
        use std::os::unix::process::CommandExt;
        let what = cmd.get_program().to_string_lossy().into_owned();
        Owned(
            cmd.stdout(Stdio::null())
                .stderr(Stdio::null())
                .process_group(0)
                .spawn()
                .unwrap_or_else(|e| panic!("{what} does not start: {e}")),
        )
    }
}

impl Drop for Owned {
    fn drop(&mut self) {
        end_group(&mut self.0);
    }
}

/// Ends `child`'s process group (when it was spawned as its leader), then `child` itself, and
/// reaps it.
pub fn end_group(child: &mut Child) {
    // SAFETY: kill(2) with a negative pid signals a process group; no memory is involved.
    unsafe {
        libc::kill(-(child.id() as libc::pid_t), libc::SIGKILL);
    }
    let _ = child.kill();
    let _ = child.wait();
}

/// A program in git's exec path (`git --exec-path`), such as `git-daemon`.
pub fn git_exec(name: &str) -> PathBuf {
    let out = Command::new("git")
        .arg("--exec-path")
        .output()
        .expect("git runs");
    PathBuf::from(String::from_utf8_lossy(&out.stdout).trim()).join(name)
}

/// A smart-HTTP server: `git http-backend` as CGI, requiring Basic auth with `token` when set.
pub struct Http {
    pub port: u16,
    stop: Arc<AtomicBool>,
    pub requests: Arc<std::sync::atomic::AtomicUsize>,
}

/// Answers a server gives a push in place of git's own, in turn: the per-ref status of an
/// `ng refs/heads/…` report, and text on the progress band before it.
pub type Refusals = Arc<std::sync::Mutex<std::collections::VecDeque<(String, String)>>>;

impl Http {
    pub fn start(root: &Path, token: Option<&str>) -> Http {
        Http::start_refusing(root, token, Refusals::default())
    }

    /// A server that answers the first pushes with `refusals` (nothing is written), then
    /// lets git answer: the messages other servers (GitHub, GitLab) give when a push loses a
    /// race, as far as a client can see them.
    pub fn start_refusing(root: &Path, token: Option<&str>, refusals: Refusals) -> Http {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let stop = Arc::new(AtomicBool::new(false));
        let requests = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let (root, token, stop2, req2) = (
            root.to_path_buf(),
            token.map(str::to_string),
            stop.clone(),
            requests.clone(),
        );
        std::thread::spawn(move || {
            for conn in listener.incoming() {
                if stop2.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(conn) = conn else { continue };
                req2.fetch_add(1, Ordering::SeqCst);
                let (root, token, refusals) = (root.clone(), token.clone(), refusals.clone());
                std::thread::spawn(move || {
                    let _ = serve(conn, &root, token.as_deref(), &refusals);
                });
            }
        });
        Http {
            port,
            stop,
            requests,
        }
    }

    pub fn url(&self, name: &str) -> String {
        format!("http://127.0.0.1:{}/{name}", self.port)
    }
}

impl Drop for Http {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(("127.0.0.1", self.port));
    }
}

/// HTTPS in front of an [`Http`] server: a certificate for 127.0.0.1 signed by a CA made
/// here (`openssl` CLI), served by `tls-proxy.py` (Python's `ssl`).
pub struct Tls {
    pub port: u16,
    /// The CA's certificate: trust it with `SSL_CERT_FILE`.
    pub ca: PathBuf,
    _child: Owned,
    _dir: tempfile::TempDir,
}

impl Tls {
    pub fn start(target: u16) -> Tls {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let openssl = |args: &[&str]| {
            let out = Command::new("openssl")
                .args(args)
                .current_dir(d)
                .output()
                .expect("openssl");
            assert!(out.status.success(), "openssl {args:?}: {}", text(&out));
        };
        openssl(&[
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "2",
            "-subj",
            "/CN=imgbump test CA",
            "-keyout",
            "ca.key",
            "-out",
            "ca.pem",
        ]);
        openssl(&[
            "req",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-subj",
            "/CN=127.0.0.1",
            "-keyout",
            "server.key",
            "-out",
            "server.csr",
        ]);
        std::fs::write(d.join("ext.cnf"), "subjectAltName=IP:127.0.0.1\n").unwrap();
        openssl(&[
            "x509",
            "-req",
            "-in",
            "server.csr",
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-days",
            "2",
            "-extfile",
            "ext.cnf",
            "-out",
            "server.pem",
        ]);
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/support/tls-proxy.py");
        let mut child = Command::new("python3")
            .arg(script)
            .arg(d.join("server.pem"))
            .arg(d.join("server.key"))
            .arg(target.to_string())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("python3");
        let stdout = child.stdout.take();
        let child = Owned(child);
        let mut line = String::new();
        std::io::BufRead::read_line(&mut std::io::BufReader::new(stdout.unwrap()), &mut line)
            .unwrap();
        let port = line.trim().parse().expect("tls-proxy.py printed its port");
        Tls {
            port,
            ca: d.join("ca.pem"),
            _child: child,
            _dir: dir,
        }
    }

    pub fn url(&self, name: &str) -> String {
        format!("https://127.0.0.1:{}/{name}", self.port)
    }
}

/// git's pkt-line framing of `data`.
fn pkt(data: &[u8]) -> Vec<u8> {
    let mut out = format!("{:04x}", data.len() + 4).into_bytes();
    out.extend_from_slice(data);
    out
}

/// A receive-pack answer refusing the first ref of the push `request` with `status`, after
/// `text` on the progress band: `unpack ok`, `ng REF STATUS`, in side-band framing when the
/// client asked for it.
fn refused_push(request: &[u8], status: &str, text: &str) -> Vec<u8> {
    let first = &request[..request.len().min(400)];
    let line = String::from_utf8_lossy(first);
    let refname = line
        .get(4..)
        .and_then(|l| l.split(['\0', ' ', '\n']).nth(2))
        .unwrap_or("refs/heads/main")
        .to_string();
    let mut report = pkt(b"unpack ok\n");
    report.extend(pkt(format!("ng {refname} {status}\n").as_bytes()));
    report.extend_from_slice(b"0000");
    if !line.contains("side-band") {
        return report;
    }
    let mut out = Vec::new();
    for l in text.lines() {
        out.extend(pkt(format!("\x02{l}\n").as_bytes()));
    }
    let mut framed = vec![1u8];
    framed.extend(report);
    out.extend(pkt(&framed));
    out.extend_from_slice(b"0000");
    out
}

pub fn base64(input: &[u8]) -> String {
    const T: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in input.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(T[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

fn serve(
    conn: TcpStream,
    root: &Path,
    token: Option<&str>,
    refusals: &Refusals,
) -> std::io::Result<()> {
    let mut reader = BufReader::new(conn.try_clone()?);
    let mut conn = conn;
    let mut line = String::new();
    reader.read_line(&mut line)?;
    let mut parts = line.split_whitespace();
    let (method, target) = (
        parts.next().unwrap_or("").to_string(),
        parts.next().unwrap_or("").to_string(),
    );
    let mut headers = Vec::new();
    loop {
        let mut h = String::new();
        if reader.read_line(&mut h)? == 0 || h == "\r\n" || h == "\n" {
            break;
        }
        if let Some((k, v)) = h.trim_end().split_once(':') {
            headers.push((k.trim().to_ascii_lowercase(), v.trim().to_string()));
        }
    }
    let header = |k: &str| headers.iter().find(|(h, _)| h == k).map(|(_, v)| v.clone());
    let mut body = Vec::new();
    if header("transfer-encoding").is_some_and(|v| v.eq_ignore_ascii_case("chunked")) {
        loop {
            let mut size = String::new();
            reader.read_line(&mut size)?;
            let n = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
            let mut chunk = vec![0; n + 2];
            reader.read_exact(&mut chunk)?;
            if n == 0 {
                break;
            }
            body.extend_from_slice(&chunk[..n]);
        }
    } else if let Some(n) = header("content-length").and_then(|v| v.parse::<usize>().ok()) {
        body.resize(n, 0);
        reader.read_exact(&mut body)?;
    }
    if let Some(t) = token {
        let want = format!("Basic {}", base64(format!("x-access-token:{t}").as_bytes()));
        if header("authorization").as_deref() != Some(want.as_str()) {
            conn.write_all(b"HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Basic realm=\"git\"\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")?;
            return Ok(());
        }
    }
    let (path, query) = target.split_once('?').unwrap_or((&target, ""));
    if method == "POST" && path.ends_with("/git-receive-pack") {
        let refusal = refusals.lock().unwrap().pop_front();
        if let Some((status, text)) = refusal {
            let report = refused_push(&body, &status, &text);
            conn.write_all(
                format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: application/x-git-receive-pack-result\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                    report.len()
                )
                .as_bytes(),
            )?;
            conn.write_all(&report)?;
            return conn.flush();
        }
    }
    let mut child = Command::new("git")
        .arg("http-backend")
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("GIT_PROJECT_ROOT", root)
        .env("GIT_HTTP_EXPORT_ALL", "1")
        .env("REQUEST_METHOD", &method)
        .env("PATH_INFO", path)
        .env("QUERY_STRING", query)
        .env("CONTENT_TYPE", header("content-type").unwrap_or_default())
        .env("CONTENT_LENGTH", body.len().to_string())
        .env(
            "HTTP_CONTENT_ENCODING",
            header("content-encoding").unwrap_or_default(),
        )
        .env("REMOTE_USER", "x-access-token")
        .env("REMOTE_ADDR", "127.0.0.1")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()?;
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(&body);
    });
    let mut out = Vec::new();
    child.stdout.take().unwrap().read_to_end(&mut out)?;
    let _ = writer.join();
    let _ = child.wait();
    let split = out
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map(|i| (i, 4))
        .or_else(|| out.windows(2).position(|w| w == b"\n\n").map(|i| (i, 2)));
    let (head, body) = match split {
        Some((i, n)) => (
            String::from_utf8_lossy(&out[..i]).into_owned(),
            &out[i + n..],
        ),
        None => (String::new(), &out[..]),
    };
    let mut status = "200 OK".to_string();
    let mut resp = String::new();
    for h in head.lines() {
        match h.split_once(':') {
            Some((k, v)) if k.eq_ignore_ascii_case("status") => status = v.trim().to_string(),
            Some(_) => {
                resp.push_str(h.trim_end());
                resp.push_str("\r\n");
            }
            None => {}
        }
    }
    conn.write_all(
        format!(
            "HTTP/1.1 {status}\r\n{resp}Content-Length: {}\r\nConnection: close\r\n\r\n",
            body.len()
        )
        .as_bytes(),
    )?;
    conn.write_all(body)?;
    conn.flush()
}

/// What a [`Proxy`] does to the `n`-th connection (0-based) it accepts.
#[derive(Clone, Copy, Debug)]
pub enum Fault {
    /// Pass everything.
    None,
    /// Close both sides after this many bytes from the server.
    CutServer(usize),
    /// Close both sides after this many bytes from the client.
    CutClient(usize),
    /// Hold the connection (nothing forwarded) until released through the channel.
    Pause,
}

/// A TCP proxy on 127.0.0.1 in front of a real server, that can cut or hold one connection:
/// a server that dies mid-transfer, or a remote that changes between fetch and push.
pub struct Proxy {
    pub port: u16,
    /// Receives the connection index when a paused connection is being held.
    pub paused: std::sync::mpsc::Receiver<usize>,
    release: std::sync::mpsc::Sender<()>,
    stop: Arc<AtomicBool>,
}

impl Proxy {
    pub fn start(target: u16, faults: Vec<(usize, Fault)>) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let (paused_tx, paused) = std::sync::mpsc::channel();
        let (release, release_rx) = std::sync::mpsc::channel::<()>();
        let release_rx = Arc::new(std::sync::Mutex::new(release_rx));
        let stop = Arc::new(AtomicBool::new(false));
        let stop2 = stop.clone();
        std::thread::spawn(move || {
            for (n, conn) in listener.incoming().enumerate() {
                if stop2.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(client) = conn else { continue };
                let fault = faults
                    .iter()
                    .find(|(i, _)| *i == n)
                    .map(|(_, f)| *f)
                    .unwrap_or(Fault::None);
                let (paused_tx, release_rx) = (paused_tx.clone(), release_rx.clone());
                std::thread::spawn(move || {
                    if let Fault::Pause = fault {
                        let _ = paused_tx.send(n);
                        let _ = release_rx
                            .lock()
                            .unwrap()
                            .recv_timeout(Duration::from_secs(30));
                    }
                    let Ok(server) = TcpStream::connect(("127.0.0.1", target)) else {
                        return;
                    };
                    let (c2, s2) = (client.try_clone().unwrap(), server.try_clone().unwrap());
                    let up_limit = if let Fault::CutClient(k) = fault {
                        k
                    } else {
                        usize::MAX
                    };
                    let down_limit = if let Fault::CutServer(k) = fault {
                        k
                    } else {
                        usize::MAX
                    };
                    let up = std::thread::spawn(move || pipe(client, server, up_limit));
                    pipe(s2, c2, down_limit);
                    let _ = up.join();
                });
            }
        });
        Proxy {
            port,
            paused,
            release,
            stop,
        }
    }

    pub fn release(&self) {
        let _ = self.release.send(());
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(("127.0.0.1", self.port));
    }
}

fn pipe(mut from: TcpStream, mut to: TcpStream, limit: usize) {
    let mut buf = [0u8; 8192];
    let mut sent = 0;
    loop {
        let n = match from.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        let n = n.min(limit - sent);
        if to.write_all(&buf[..n]).is_err() {
            break;
        }
        sent += n;
        if sent >= limit {
            break;
        }
    }
    let _ = to.shutdown(std::net::Shutdown::Both);
    let _ = from.shutdown(std::net::Shutdown::Both);
}

/// A web server where a Git remote was expected: every request is answered with `status` and
/// an HTML page (a forge's login page, a proxy's error page). Stopped when dropped.
pub struct WebPage {
    pub port: u16,
    stop: Arc<AtomicBool>,
    /// How many requests it has answered.
    pub requests: Arc<std::sync::atomic::AtomicUsize>,
}

impl WebPage {
    pub fn start(status: &str) -> WebPage {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let stop = Arc::new(AtomicBool::new(false));
        let requests = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let (stop2, req2, status) = (stop.clone(), requests.clone(), status.to_string());
        std::thread::spawn(move || {
            for conn in listener.incoming() {
                if stop2.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(mut conn) = conn else { continue };
                req2.fetch_add(1, Ordering::SeqCst);
                let mut reader = BufReader::new(conn.try_clone().unwrap());
                let mut line = String::new();
                while reader.read_line(&mut line).is_ok_and(|n| n > 2) {
                    line.clear();
                }
                let body = "<!DOCTYPE html><html><body><h1>Sign in</h1></body></html>";
                let _ = write!(
                    conn,
                    "HTTP/1.1 {status}\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                );
            }
        });
        WebPage {
            port,
            stop,
            requests,
        }
    }

    pub fn url(&self, name: &str) -> String {
        format!("http://127.0.0.1:{}/{name}", self.port)
    }
}

impl Drop for WebPage {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(("127.0.0.1", self.port));
    }
}
