//! GitHub's API for the tests, as a contract and a double: Stoplight's prism serving GitHub's
//! published OpenAPI description (`@octokit/openapi`), which validates every REST request and
//! answers with the description's examples; and a loopback proxy in front of it that records
//! each request, plays answers a contract cannot (queued rules), and hands requests to a
//! double of the test's own (a GraphQL mutation applied to a real repository, a ref created).
//! The proxy also plays GitHub's content limit ([`ApiProxy::content_limit`]): so many
//! content-creating requests per window, then the answer GitHub gives past its secondary (or
//! primary) rate limit, in the variant a test picks ([`Limited`]).
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
    limit: Arc<Mutex<Limiter>>,
}

/// How the proxy answers a content-creating request past its limit, as GitHub does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Limited {
    /// 403, `retry-after` (the rest of the window, whole seconds), "You have exceeded a
    /// secondary rate limit".
    Secondary,
    /// The same without `retry-after` (GitHub then asks for at least a minute).
    SecondaryNoRetryAfter,
    /// 403 with `retry-after` and "You have been temporarily blocked from content creation".
    ContentCreation,
    /// 429 with `retry-after` and the secondary limit's message.
    TooMany,
    /// The primary limit spent: 403, `x-ratelimit-remaining: 0`, `x-ratelimit-reset` (the
    /// window's end, Unix seconds), "API rate limit exceeded".
    Primary,
    /// GraphQL's way of the primary limit: 200 with an error of type `RATE_LIMITED` and the
    /// primary limit's headers (REST requests get [`Limited::Primary`]).
    Graphql,
}

/// GitHub's content limit as the proxy plays it: at most `per_window` content-creating
/// requests in each window of `window` (the first begins at the first such request), then
/// the `answer` variant until the window ends. Requests refused do not count against it.
#[derive(Debug, Default)]
struct Limiter {
    limit: Option<(usize, std::time::Duration, Option<Limited>)>,
    began: Option<std::time::Instant>,
    in_window: usize,
    received: usize,
    refused: usize,
}

impl Limiter {
    /// The answer for a content-creating request to `path`: none when it is within the limit.
    fn admit(&mut self, path: &str) -> Option<Vec<u8>> {
        self.received += 1;
        let (per_window, window, kind) = self.limit?;
        let now = std::time::Instant::now();
        let began = match self.began {
            Some(b) if now < b + window => b,
            _ => {
                self.in_window = 0;
                *self.began.insert(now)
            }
        };
        if self.in_window < per_window {
            self.in_window += 1;
            return None;
        }
        self.refused += 1;
        let left = (began + window).saturating_duration_since(now);
        // Whole seconds, rounded up: GitHub never asks for 0.
        let secs = left.as_millis().div_ceil(1000).max(1);
        Some(limit_answer(
            kind.unwrap_or(Limited::Secondary),
            secs as u64,
            path,
        ))
    }
}

/// GitHub's answer past a rate limit, as `kind`, asking to wait `secs` (its `retry-after`, or
/// the reset that far ahead), to a request for `path` (`/graphql` or a REST path): for a
/// queued rule ([`ApiProxy::answer`]) as well as the content limit.
pub fn limit_answer(kind: Limited, secs: u64, path: &str) -> Vec<u8> {
    let unix = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let doc = "https://docs.github.com/rest/using-the-rest-api/rate-limits-for-the-rest-api";
    let secondary = format!(
        r#"{{"message":"You have exceeded a secondary rate limit. Please wait a few minutes before you try again. If you reach out to GitHub Support for help, please include the request ID 0A1B:2C3D:4E5F:6789:ABCDEF01.","documentation_url":"{doc}#about-secondary-rate-limits"}}"#
    );
    let after = format!("retry-after: {secs}\r\nx-ratelimit-remaining: 4990\r\n");
    let primary = format!(
            "x-ratelimit-limit: 5000\r\nx-ratelimit-remaining: 0\r\nx-ratelimit-used: 5000\r\nx-ratelimit-reset: {}\r\nx-ratelimit-resource: core\r\n",
            unix + secs
        );
    match kind {
        Limited::Secondary => json_response(403, &secondary, &after),
        Limited::SecondaryNoRetryAfter => {
            json_response(403, &secondary, "x-ratelimit-remaining: 4990\r\n")
        }
        Limited::ContentCreation => json_response(
            403,
            &format!(
                r#"{{"message":"You have been temporarily blocked from content creation. Please retry your request again later.","documentation_url":"{doc}#about-secondary-rate-limits"}}"#
            ),
            &after,
        ),
        Limited::TooMany => json_response(429, &secondary, &after),
        Limited::Graphql if path == "/graphql" => json_response(
            200,
            r#"{"errors":[{"type":"RATE_LIMITED","message":"API rate limit already exceeded for installation ID 123."}]}"#,
            &primary,
        ),
        Limited::Primary | Limited::Graphql => json_response(
            403,
            &format!(
                r#"{{"message":"API rate limit exceeded for installation ID 123.","documentation_url":"{doc}#about-primary-rate-limits","status":"403"}}"#
            ),
            &primary,
        ),
    }
}

/// The content limit's answer to a request, when it creates content past the limit.
fn over_limit(limiter: &Mutex<Limiter>, method: &str, path: &str, body: &[u8]) -> Option<Vec<u8>> {
    creates_content(method, path, body)
        .then(|| limiter.lock().unwrap().admit(path))
        .flatten()
}

/// Whether a request creates content, as GitHub's content limit counts: a REST `POST`, `PUT`
/// or `PATCH`, or a GraphQL mutation that creates (a commit, a ref, a pull request, a
/// comment).
fn creates_content(method: &str, path: &str, body: &[u8]) -> bool {
    if path == "/graphql" {
        let doc = serde_json::from_slice::<serde_json::Value>(body).unwrap_or_default();
        let query = doc["query"].as_str().unwrap_or("").trim_start();
        return query.starts_with("mutation")
            && [
                "createCommitOnBranch",
                "createRef",
                "createPullRequest",
                "addComment",
            ]
            .iter()
            .any(|m| query.contains(m));
    }
    matches!(method, "POST" | "PUT" | "PATCH")
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
        let limit: Arc<Mutex<Limiter>> = Arc::default();
        let (log, queue, limiter) = (seen.clone(), rules.clone(), limit.clone());
        std::thread::spawn(move || {
            for conn in listener.incoming() {
                let Ok(conn) = conn else { return };
                let (log, queue, double) = (log.clone(), queue.clone(), double.clone());
                let limiter = limiter.clone();
                std::thread::spawn(move || {
                    let _ = handle(conn, prism, &log, &queue, &double, &limiter);
                });
            }
        });
        ApiProxy {
            port,
            seen,
            rules,
            limit,
        }
    }

    /// GitHub's content limit: at most `per_window` content-creating requests (GraphQL's
    /// `createCommitOnBranch`, `createRef`, `createPullRequest`, `addComment`; REST `POST`,
    /// `PUT`, `PATCH`) in each `window`, the first window beginning at the first of them;
    /// past it, a 403 with `retry-after` (the rest of the window) and GitHub's secondary-limit
    /// message, or the variant [`ApiProxy::limited_as`] picks. Queued rules answer before it.
    pub fn content_limit(&self, per_window: usize, window: std::time::Duration) -> &ApiProxy {
        let mut l = self.limit.lock().unwrap();
        let kind = l.limit.and_then(|(_, _, k)| k);
        l.limit = Some((per_window, window, kind));
        self
    }

    /// Past the content limit, answer as `kind` (after [`ApiProxy::content_limit`]).
    pub fn limited_as(&self, kind: Limited) -> &ApiProxy {
        let mut l = self.limit.lock().unwrap();
        if let Some((n, w, _)) = l.limit {
            l.limit = Some((n, w, Some(kind)));
        }
        self
    }

    /// The content-creating requests received since the proxy started (within the limit or
    /// not; those a queued rule answered are not counted).
    pub fn mutations(&self) -> usize {
        self.limit.lock().unwrap().received
    }

    /// The content-creating requests the limit refused.
    pub fn limited(&self) -> usize {
        self.limit.lock().unwrap().refused
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
    limiter: &Mutex<Limiter>,
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
    let over = || over_limit(limiter, &method, &path, &body);
    let response = match rule.map(|(_, r)| r).or_else(over) {
        Some(r) => r,
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

#[cfg(test)]
mod limit_tests {
    use super::*;

    /// The double's own limit: so many per window, then GitHub's answer with the rest of the
    /// window to wait; refused requests do not count; the counters say what came.
    #[test]
    fn the_content_limit_admits_so_many_per_window() {
        let mut l = Limiter {
            limit: Some((2, std::time::Duration::from_secs(600), None)),
            ..Limiter::default()
        };
        assert!(l.admit("/graphql").is_none());
        assert!(l.admit("/repos/o/r/git/refs").is_none());
        let refused = String::from_utf8(l.admit("/graphql").unwrap()).unwrap();
        assert!(refused.starts_with("HTTP/1.1 403 "), "{refused}");
        assert!(refused.contains("secondary rate limit"), "{refused}");
        let after: u64 = refused
            .lines()
            .find_map(|h| h.strip_prefix("retry-after: "))
            .unwrap()
            .parse()
            .unwrap();
        assert!((590..=600).contains(&after), "{after}");
        assert_eq!((l.received, l.refused), (3, 1));
        // A window that has ended begins a new one.
        l.began = Some(std::time::Instant::now() - std::time::Duration::from_secs(601));
        assert!(l.admit("/graphql").is_none());
        assert!(creates_content("PATCH", "/repos/o/r/pulls/1", b""));
        assert!(!creates_content("GET", "/repos/o/r/pulls", b""));
        assert!(creates_content(
            "POST",
            "/graphql",
            br#"{"query":"mutation ($input: CreateCommitOnBranchInput!) { createCommitOnBranch(input: $input) { commit { oid } } }"}"#
        ));
        assert!(!creates_content(
            "POST",
            "/graphql",
            br#"{"query":"mutation($id: ID!) { enablePullRequestAutoMerge(input: {pullRequestId: $id}) { clientMutationId } }"}"#
        ));
        for (kind, status) in [
            (Limited::SecondaryNoRetryAfter, "403"),
            (Limited::TooMany, "429"),
            (Limited::Graphql, "200"),
            (Limited::Primary, "403"),
        ] {
            let a = String::from_utf8(limit_answer(kind, 2, "/graphql")).unwrap();
            assert_eq!(a.split(' ').nth(1), Some(status), "{kind:?}");
            assert_eq!(
                a.contains("retry-after"),
                matches!(kind, Limited::TooMany),
                "{kind:?}"
            );
        }
    }
}
