//! `docker-registry` (the CNCF distribution registry 2.8) on 127.0.0.1 for the tests: with
//! htpasswd Basic auth behind TLS from a test CA, or with token auth (a JWT token service of the
//! test's own whose certificate the registry trusts); images and tags pushed through the
//! registry's own API by `registry.py`.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex};

use super::{base64, free_port, wait_for, Owned};

pub const USER: &str = "ci";
pub const PASSWORD: &str = "s3cret-Registry-Pw";

pub fn openssl(dir: &Path, args: &[&str]) {
    let out = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A CA and a server certificate for 127.0.0.1 signed by it; returns the CA's path.
pub fn certificates(dir: &Path) -> PathBuf {
    openssl(
        dir,
        &[
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "ca.key",
            "-out",
            "ca.crt",
            "-days",
            "2",
            "-subj",
            "/CN=imgbump test CA",
        ],
    );
    openssl(
        dir,
        &[
            "req",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "server.key",
            "-out",
            "server.csr",
            "-subj",
            "/CN=127.0.0.1",
        ],
    );
    std::fs::write(
        dir.join("san.ext"),
        "subjectAltName=IP:127.0.0.1,DNS:localhost\n",
    )
    .unwrap();
    openssl(
        dir,
        &[
            "x509",
            "-req",
            "-in",
            "server.csr",
            "-CA",
            "ca.crt",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-out",
            "server.crt",
            "-days",
            "2",
            "-extfile",
            "san.ext",
        ],
    );
    dir.join("ca.crt")
}

pub fn helper() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/support/registry.py")
}

/// `docker-registry` on 127.0.0.1 (and its token service), each in a process group of its own.
pub struct RegistryServer {
    pub dir: tempfile::TempDir,
    pub port: u16,
    children: Vec<Owned>,
    /// The CA that signed the registry's certificate (TLS mode).
    pub ca: Option<PathBuf>,
    pub token_port: Option<u16>,
}

impl RegistryServer {
    /// htpasswd Basic auth, TLS from a test CA.
    pub fn basic_tls() -> RegistryServer {
        let dir = tempfile::tempdir().unwrap();
        let ca = certificates(dir.path());
        let out = Command::new("htpasswd")
            .args(["-Bbn", USER, PASSWORD])
            .output()
            .expect("htpasswd (apache2-utils) runs");
        std::fs::write(dir.path().join("htpasswd"), out.stdout).unwrap();
        let auth = format!(
            "  htpasswd:\n    realm: imgbump-test\n    path: {}\n",
            dir.path().join("htpasswd").display()
        );
        let tls = format!(
            "  tls:\n    certificate: {}\n    key: {}\n",
            dir.path().join("server.crt").display(),
            dir.path().join("server.key").display()
        );
        Self::start(dir, &auth, &tls, Some(ca), None)
    }

    /// Token auth: a token service (the test's) that signs JWTs the registry checks.
    pub fn token() -> RegistryServer {
        let dir = tempfile::tempdir().unwrap();
        openssl(
            dir.path(),
            &[
                "req",
                "-x509",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-keyout",
                "token.key",
                "-out",
                "token.crt",
                "-days",
                "2",
                "-subj",
                "/CN=imgbump token signer",
            ],
        );
        let token_port = free_port();
        let auth = format!(
            "  token:\n    realm: http://127.0.0.1:{token_port}/token\n    service: imgbump-test\n    issuer: imgbump-test-issuer\n    rootcertbundle: {}\n",
            dir.path().join("token.crt").display()
        );
        let token = Owned::server(
            Command::new("python3")
                .arg(helper())
                .args(["token-server", &token_port.to_string()])
                .arg(dir.path().join("token.key"))
                .arg(dir.path().join("token.crt"))
                .args([USER, PASSWORD, "imgbump-test-issuer", "imgbump-test"]),
        );
        wait_for(token_port);
        let mut server = Self::start(dir, &auth, "", None, Some(token_port));
        server.children.push(token);
        server
    }

    fn start(
        dir: tempfile::TempDir,
        auth: &str,
        tls: &str,
        ca: Option<PathBuf>,
        token_port: Option<u16>,
    ) -> RegistryServer {
        let port = free_port();
        let config = format!(
            "version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: {}\nhttp:\n  addr: 127.0.0.1:{port}\n{tls}auth:\n{auth}",
            dir.path().join("data").display()
        );
        std::fs::write(dir.path().join("config.yml"), config).unwrap();
        let child = Owned::server(
            Command::new("docker-registry")
                .arg("serve")
                .arg(dir.path().join("config.yml")),
        );
        wait_for(port);
        RegistryServer {
            dir,
            port,
            children: vec![child],
            ca,
            token_port,
        }
    }

    pub fn host(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    pub fn base(&self) -> String {
        match self.ca {
            Some(_) => format!("https://{}", self.host()),
            None => format!("http://{}", self.host()),
        }
    }

    /// The Authorization header a pusher uses.
    pub fn push_auth(&self, repo: &str) -> String {
        match self.token_port {
            None => format!("Basic {}", base64(format!("{USER}:{PASSWORD}").as_bytes())),
            Some(_) => format!(
                "Bearer {}",
                self.jwt(&format!("repository:{repo}:pull,push"), 300)
            ),
        }
    }

    pub fn jwt(&self, scope: &str, seconds: i64) -> String {
        let out = Command::new("python3")
            .arg(helper())
            .arg("jwt")
            .arg(self.dir.path().join("token.key"))
            .arg(self.dir.path().join("token.crt"))
            .args([
                "imgbump-test-issuer",
                "imgbump-test",
                scope,
                &seconds.to_string(),
            ])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap().trim().to_string()
    }

    /// Pushes `repo:tag` (an index of `platforms` images when more than one); its digest.
    pub fn push(&self, repo: &str, tag: &str, platforms: u32) -> String {
        self.push_created(repo, tag, platforms, None)
    }

    /// Pushes one image under every tag of `tags`, in one process.
    pub fn push_tags(&self, repo: &str, tags: &[String]) {
        use std::io::Write;
        let ca = self
            .ca
            .as_ref()
            .map_or("-".to_string(), |c| c.display().to_string());
        let mut child = Command::new("python3")
            .arg(helper())
            .args(["tags", &self.base(), repo, &self.push_auth(repo), &ca])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdin = child.stdin.take().unwrap();
        stdin.write_all(tags.join("\n").as_bytes()).unwrap();
        drop(stdin);
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "push tags: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// [`RegistryServer::push`], with this `created` time in the image config; its digest.
    pub fn push_created(
        &self,
        repo: &str,
        tag: &str,
        platforms: u32,
        created: Option<&str>,
    ) -> String {
        let ca = self
            .ca
            .as_ref()
            .map_or("-".to_string(), |c| c.display().to_string());
        let out = Command::new("python3")
            .arg(helper())
            .args([
                "push",
                &self.base(),
                repo,
                tag,
                &platforms.to_string(),
                &self.push_auth(repo),
                &ca,
            ])
            .args(created)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "push: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        v["digest"].as_str().unwrap().to_string()
    }
}

/// Docker's config in HOME: `auths.<host>.auth` for the test user.
pub fn docker_login(home: &Path, host: &str, password: &str) {
    docker_logins(home, &[host], password);
}

/// Docker's config in HOME: `auths.<host>.auth` for the test user, for each of `hosts`.
pub fn docker_logins(home: &Path, hosts: &[&str], password: &str) {
    std::fs::create_dir_all(home.join(".docker")).unwrap();
    let auth = base64(format!("{USER}:{password}").as_bytes());
    let auths: Vec<String> = hosts
        .iter()
        .map(|h| format!("\"{h}\": {{\"auth\": \"{auth}\"}}"))
        .collect();
    std::fs::write(
        home.join(".docker/config.json"),
        format!("{{\"auths\": {{{}}}}}", auths.join(", ")),
    )
    .unwrap();
}

/// A one-connection-at-a-time HTTP server of the test's own: `answer` decides each response
/// from the request's first line and headers; requests are recorded.
pub struct Fake {
    pub port: u16,
    pub seen: Arc<Mutex<Vec<String>>>,
}

/// How a fake server treats a connection after its first answer.
#[derive(Clone, Copy, PartialEq)]
pub enum Conn {
    /// Closed after each answer, without saying so (no `Connection: close`), as a server whose
    /// keep-alive timeout is zero: a client that pools it may cross the close.
    ClosedAfterAnswer,
    /// Kept open; the next request on it is read and the connection closed unanswered, as a
    /// server whose idle timeout fired as the request arrived.
    DroppedWhenReused,
}

impl Fake {
    pub fn start(answer: fn(&str, u16) -> Vec<u8>) -> Fake {
        Fake::serve(answer, Conn::ClosedAfterAnswer)
    }

    pub fn serve(answer: fn(&str, u16) -> Vec<u8>, conn: Conn) -> Fake {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let log = seen.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { return };
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let read_head = |reader: &mut BufReader<_>| {
                    let mut head = String::new();
                    loop {
                        let mut line = String::new();
                        if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                            break;
                        }
                        head.push_str(&line);
                    }
                    head
                };
                let head = read_head(&mut reader);
                log.lock().unwrap().push(head.clone());
                let reply = answer(&head, port);
                let _ = stream.write_all(&reply);
                if reply.ends_with(b"ENDLESS") {
                    // Keep sending until the client hangs up.
                    let chunk = vec![b'x'; 64 << 10];
                    while stream.write_all(&chunk).is_ok() {}
                }
                if conn == Conn::DroppedWhenReused {
                    let next = read_head(&mut reader);
                    if !next.is_empty() {
                        log.lock().unwrap().push(format!("DROPPED {next}"));
                    }
                }
            }
        });
        Fake { port, seen }
    }
}

/// A proxy in front of a plain-HTTP registry that pages its tags lists as registries after 2.8
/// do (2.8 answers every tag at once, whatever `n` and `last` say): `page` tags at most per
/// answer, the next page named by `Link` when `link`, else left for the client to ask for.
pub struct Paginator {
    _child: Owned,
    pub port: u16,
}

impl Paginator {
    pub fn start(registry: &RegistryServer, page: usize, link: bool) -> Paginator {
        assert!(registry.ca.is_none(), "the paginator speaks plain HTTP");
        let port = free_port();
        let child = Owned::server(Command::new("python3").arg(helper()).args([
            "paginate",
            &port.to_string(),
            &registry.base(),
            &page.to_string(),
            if link { "link" } else { "nolink" },
        ]));
        wait_for(port);
        Paginator {
            _child: child,
            port,
        }
    }

    pub fn host(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }
}
