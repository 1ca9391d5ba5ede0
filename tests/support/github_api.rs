//! GitHub's API for the tests, as a contract and a double: Stoplight's prism serving GitHub's
//! published OpenAPI description (`@octokit/openapi`), which validates every REST request and
//! answers with the description's examples; and a loopback proxy in front of it that records
//! each request, plays answers a contract cannot (queued rules), and hands requests to a
//! double of the test's own (a GraphQL mutation applied to a real repository, a ref created).
#![allow(dead_code)]

use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::Command;
use std::sync::{Arc, Mutex};

use super::{free_port, Owned};

/// prism serving GitHub's OpenAPI description on 127.0.0.1, in its own process group.
pub struct Prism {
    _child: Owned,
    pub port: u16,
    log: std::path::PathBuf,
}

impl Prism {
    /// prism serving GitHub's description.
    pub fn start(dir: &Path) -> Prism {
        let tools = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/tools/prism");
        Prism::serve(
            dir,
            &tools.join("node_modules/@octokit/openapi/generated/api.github.com.json"),
        )
    }

    /// prism serving the API description `spec`.
    pub fn serve(dir: &Path, spec: &Path) -> Prism {
        let tools = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/tools/prism");
        let prism = tools.join("node_modules/.bin/prism");
        assert!(
            prism.exists() && spec.exists(),
            "prism and @octokit/openapi are missing: scripts/test-tools installs them"
        );
        let port = free_port();
        let log = dir.join("prism.log");
        let mut child = Owned(
            Command::new(&prism)
                .args(["mock", "-h", "127.0.0.1", "-p", &port.to_string()])
                .arg(spec)
                .stdout(std::fs::File::create(&log).unwrap())
                .stderr(std::fs::File::create(dir.join("prism.err")).unwrap())
                .process_group(0)
                .spawn()
                .expect("prism starts"),
        );
        // Loading the 13 MB description takes a few seconds, and minutes on a machine busy
        // with other work: the bound catches a prism that never listens, and one that exits
        // is reported at once.
        let start = std::time::Instant::now();
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            let err = || std::fs::read_to_string(dir.join("prism.err")).unwrap_or_default();
            if let Ok(Some(status)) = child.0.try_wait() {
                panic!("prism exited ({status}) before listening: {}", err());
            }
            assert!(
                start.elapsed().as_secs() < 600,
                "prism did not start: {}",
                err()
            );
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        Prism {
            _child: child,
            port,
            log,
        }
    }

    /// The requests prism found invalid against the description.
    pub fn violations(&self) -> Vec<String> {
        std::fs::read_to_string(&self.log)
            .unwrap_or_default()
            .lines()
            .filter(|l| l.contains("Violation: request") || l.contains("Request body must"))
            .map(str::to_string)
            .collect()
    }
}

/// One request the proxy saw, and the status it was answered with.
#[derive(Debug, Clone)]
pub struct Seen {
    pub method: String,
    pub path: String,
    pub body: String,
    pub authorization: String,
    pub status: u16,
}

/// An answer the proxy gives in place of prism's: for the next request whose "METHOD path"
/// starts with the key.
pub type Rule = (String, Vec<u8>);

pub struct ApiProxy {
    pub port: u16,
    seen: Arc<Mutex<Vec<Seen>>>,
    rules: Arc<Mutex<VecDeque<Rule>>>,
}

/// A request as the double sees it.
pub struct Asked<'a> {
    pub method: &'a str,
    pub path: &'a str,
    pub body: &'a [u8],
    pub authorization: &'a str,
}

/// What the double makes of a request.
pub enum Answer {
    /// Let prism answer it.
    Prism,
    /// Answer it without prism (GraphQL, which the REST description does not cover).
    Own(Vec<u8>),
    /// Let prism check it; when prism accepts it (2xx), answer with what `then` makes of it.
    Checked(Box<dyn FnOnce() -> Vec<u8>>),
}

/// The test's double: what it makes of each request that no queued rule answered.
pub type Double = Arc<dyn Fn(&Asked<'_>) -> Answer + Send + Sync>;

impl ApiProxy {
    /// A proxy to prism whose GraphQL answers say auto-merge was turned on.
    pub fn start(prism: u16) -> ApiProxy {
        ApiProxy::start_with(
            prism,
            Arc::new(|a: &Asked<'_>| match a.path {
                "/graphql" => Answer::Own(json_response(
                    200,
                    "{\"data\":{\"enablePullRequestAutoMerge\":{\"clientMutationId\":null}}}",
                    "",
                )),
                _ => Answer::Prism,
            }),
        )
    }

    /// A proxy to prism with a double: one thread per connection, so that concurrent
    /// clients are served at once (the double serialises what must be).
    pub fn start_with(prism: u16, double: Double) -> ApiProxy {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let seen: Arc<Mutex<Vec<Seen>>> = Arc::default();
        let rules: Arc<Mutex<VecDeque<Rule>>> = Arc::default();
        let (log, queue) = (seen.clone(), rules.clone());
        std::thread::spawn(move || {
            for conn in listener.incoming() {
                let Ok(conn) = conn else { return };
                let (log, queue, double) = (log.clone(), queue.clone(), double.clone());
                std::thread::spawn(move || {
                    let _ = handle(conn, prism, &log, &queue, &double);
                });
            }
        });
        ApiProxy { port, seen, rules }
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    pub fn answer(&self, key: &str, response: Vec<u8>) {
        self.rules
            .lock()
            .unwrap()
            .push_back((key.to_string(), response));
    }

    pub fn take(&self) -> Vec<Seen> {
        std::mem::take(&mut *self.seen.lock().unwrap())
    }
}

fn handle(
    conn: TcpStream,
    prism: u16,
    log: &Mutex<Vec<Seen>>,
    rules: &Mutex<VecDeque<Rule>>,
    double: &Double,
) -> std::io::Result<()> {
    let mut reader = BufReader::new(conn.try_clone()?);
    let mut conn = conn;
    let mut first = String::new();
    reader.read_line(&mut first)?;
    let mut headers = Vec::new();
    let mut length = 0;
    loop {
        let mut line = String::new();
        reader.read_line(&mut line)?;
        if line == "\r\n" || line.is_empty() {
            break;
        }
        if let Some((k, v)) = line.trim_end().split_once(':') {
            if k.eq_ignore_ascii_case("content-length") {
                length = v.trim().parse().unwrap_or(0);
            }
            headers.push((k.to_string(), v.trim().to_string()));
        }
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body)?;
    let mut parts = first.split_whitespace();
    let (method, path) = (
        parts.next().unwrap_or("").to_string(),
        parts.next().unwrap_or("").to_string(),
    );
    let key = format!("{method} {path}");
    let rule = {
        let mut q = rules.lock().unwrap();
        let i = q.iter().position(|(k, _)| key.starts_with(k.as_str()));
        i.and_then(|i| q.remove(i))
    };
    let header = |name: &str| {
        headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let to_prism = || -> std::io::Result<Vec<u8>> {
        let mut up = TcpStream::connect(("127.0.0.1", prism))?;
        let mut req =
            format!("{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{prism}\r\nConnection: close\r\n");
        for (k, v) in &headers {
            if !k.eq_ignore_ascii_case("host") && !k.eq_ignore_ascii_case("connection") {
                req.push_str(&format!("{k}: {v}\r\n"));
            }
        }
        req.push_str("\r\n");
        up.write_all(req.as_bytes())?;
        up.write_all(&body)?;
        let mut out = Vec::new();
        up.read_to_end(&mut out)?;
        Ok(out)
    };
    let authorization = header("authorization");
    let response = match rule {
        Some((_, r)) => r,
        None => {
            let asked = Asked {
                method: &method,
                path: &path,
                body: &body,
                authorization: &authorization,
            };
            match double(&asked) {
                Answer::Prism => to_prism()?,
                Answer::Own(r) => r,
                Answer::Checked(then) => {
                    let checked = to_prism()?;
                    match status_of(&checked) {
                        200..=299 => then(),
                        _ => checked,
                    }
                }
            }
        }
    };
    let status = status_of(&response);
    log.lock().unwrap().push(Seen {
        method,
        path,
        body: String::from_utf8_lossy(&body).into_owned(),
        authorization,
        status,
    });
    conn.write_all(&response)?;
    Ok(())
}

/// An HTTP answer with a JSON body.
pub fn json_response(status: u16, body: &str, extra: &str) -> Vec<u8> {
    format!("HTTP/1.1 {status} X\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n{extra}\r\n{body}", body.len()).into_bytes()
}

/// The status of an HTTP answer.
fn status_of(response: &[u8]) -> u16 {
    String::from_utf8_lossy(response)
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0)
}
