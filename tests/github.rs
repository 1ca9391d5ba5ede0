//! `--open-pr github` against a contract check, not GitHub itself: GitHub's API cannot be
//! reached from here, so every REST request imgbump makes goes through a loopback proxy to
//! Stoplight's prism, which validates it against GitHub's published OpenAPI description
//! (`@octokit/openapi`) and answers with that description's examples; a request the description
//! does not allow is answered 422 and fails the test. The proxy also plays the answers a
//! contract cannot: an existing pull request (422), a refused token (401), a spent rate limit
//! (403), a 502 before success, and the list of open imgbump pull requests to supersede.
//! GraphQL (auto-merge) is outside the REST description; the proxy answers it and records it.
//! The branch itself is pushed for real, to `git daemon`.

mod support;

use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::Command;
use std::sync::{Arc, Mutex};

use support::*;

/// prism serving GitHub's OpenAPI description on 127.0.0.1, in its own process group.
struct Prism {
    _child: Owned,
    port: u16,
    log: std::path::PathBuf,
}

impl Prism {
    fn start(dir: &Path) -> Prism {
        let tools = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/tools/prism");
        let prism = tools.join("node_modules/.bin/prism");
        let spec = tools.join("node_modules/@octokit/openapi/generated/api.github.com.json");
        assert!(
            prism.exists() && spec.exists(),
            "prism and @octokit/openapi are missing: scripts/test-tools installs them"
        );
        let port = free_port();
        let log = dir.join("prism.log");
        let child = Owned(
            Command::new(&prism)
                .args(["mock", "-h", "127.0.0.1", "-p", &port.to_string()])
                .arg(&spec)
                .stdout(std::fs::File::create(&log).unwrap())
                .stderr(std::fs::File::create(dir.join("prism.err")).unwrap())
                .process_group(0)
                .spawn()
                .expect("prism starts"),
        );
        // Loading the 13 MB description takes a few seconds.
        let start = std::time::Instant::now();
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                start.elapsed().as_secs() < 120,
                "prism did not start: {}",
                std::fs::read_to_string(dir.join("prism.err")).unwrap_or_default()
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
    fn violations(&self) -> Vec<String> {
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
struct Seen {
    method: String,
    path: String,
    body: String,
    authorization: String,
    status: u16,
}

/// An answer the proxy gives in place of prism's: for the next request whose "METHOD path"
/// starts with the key.
type Rule = (String, Vec<u8>);

struct Proxy {
    port: u16,
    seen: Arc<Mutex<Vec<Seen>>>,
    rules: Arc<Mutex<VecDeque<Rule>>>,
}

impl Proxy {
    fn start(prism: u16) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let seen: Arc<Mutex<Vec<Seen>>> = Arc::default();
        let rules: Arc<Mutex<VecDeque<Rule>>> = Arc::default();
        let (log, queue) = (seen.clone(), rules.clone());
        std::thread::spawn(move || {
            for conn in listener.incoming() {
                let Ok(conn) = conn else { return };
                let _ = handle(conn, prism, &log, &queue);
            }
        });
        Proxy { port, seen, rules }
    }

    fn answer(&self, key: &str, response: Vec<u8>) {
        self.rules
            .lock()
            .unwrap()
            .push_back((key.to_string(), response));
    }

    fn take(&self) -> Vec<Seen> {
        std::mem::take(&mut *self.seen.lock().unwrap())
    }
}

fn handle(
    conn: TcpStream,
    prism: u16,
    log: &Mutex<Vec<Seen>>,
    rules: &Mutex<VecDeque<Rule>>,
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
    let response = match (rule, path.as_str()) {
        (Some((_, r)), _) => r,
        (None, "/graphql") => json_response(
            200,
            "{\"data\":{\"enablePullRequestAutoMerge\":{\"clientMutationId\":null}}}",
            "",
        ),
        (None, _) => {
            let mut up = TcpStream::connect(("127.0.0.1", prism))?;
            let mut req = format!(
                "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{prism}\r\nConnection: close\r\n"
            );
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
            out
        }
    };
    let status = String::from_utf8_lossy(&response)
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let header = |name: &str| {
        headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    log.lock().unwrap().push(Seen {
        method,
        path,
        body: String::from_utf8_lossy(&body).into_owned(),
        authorization: header("authorization"),
        status,
    });
    conn.write_all(&response)?;
    Ok(())
}

fn json_response(status: u16, body: &str, extra: &str) -> Vec<u8> {
    format!("HTTP/1.1 {status} X\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n{extra}\r\n{body}", body.len()).into_bytes()
}

/// A pull request in GitHub's shape, enough for imgbump's reading of a list.
fn pr(number: u64, head: &str, body: &str) -> serde_json::Value {
    serde_json::json!({"number": number, "html_url": format!("https://github.com/octocat/Hello-World/pull/{number}"), "node_id": format!("PR_{number}"), "head": {"ref": head}, "body": body, "state": "open"})
}

const TOKEN: &str = "ghp_contractTestToken0123456789";

#[test]
fn pull_requests_follow_github_s_published_contract() {
    let fx = Fixture::new();
    // The remote as GitHub names it: OWNER/REPO.
    let owner = fx.dir.path().join("octocat");
    std::fs::create_dir_all(&owner).unwrap();
    git(
        fx.dir.path(),
        &[
            "clone",
            "-q",
            "--bare",
            fx.remote.to_str().unwrap(),
            owner.join("Hello-World.git").to_str().unwrap(),
        ],
    );
    // Its main is protected, as branch protection does: direct pushes are refused.
    let hook = owner.join("Hello-World.git/hooks/pre-receive");
    std::fs::write(&hook, "#!/bin/sh\nwhile read old new ref; do [ \"$ref\" = refs/heads/main ] && { echo 'GH006: Protected branch update failed for refs/heads/main.' >&2; exit 1; }; done; exit 0\n").unwrap();
    Command::new("chmod")
        .arg("755")
        .arg(&hook)
        .status()
        .unwrap();
    let daemon = Daemon::start(fx.dir.path());
    let remote = daemon.url("octocat/Hello-World.git");
    let out = fx
        .cmd()
        .args(["set", "agent=:v1", "--repo", &remote])
        .output()
        .unwrap();
    assert_fails(&out, 5, "GH006", "a direct push to the protected main");
    let prism = Prism::start(fx.dir.path());
    let proxy = Proxy::start(prism.port);
    let api = format!("http://127.0.0.1:{}", proxy.port);
    let outputs = fx.dir.path().join("outputs");
    let run = |args: &[&str]| {
        fx.cmd()
            .args([
                "set",
                "--repo",
                &remote,
                "--open-pr",
                "github",
                "-o",
                "json",
            ])
            .args(args)
            .env("GITHUB_TOKEN", TOKEN)
            .env("GITHUB_API_URL", &api)
            .env("GITHUB_GRAPHQL_URL", format!("{api}/graphql"))
            .env("GITHUB_ACTIONS", "true")
            .env("GITHUB_OUTPUT", &outputs)
            .output()
            .unwrap()
    };

    // 1. Opened, labelled, reviewers asked, auto-merge on; nothing to supersede in the
    //    description's example list.
    let out = run(&[
        "agent=:v1",
        "--pr-label",
        "deploy",
        "--pr-reviewer",
        "octocat",
        "--pr-reviewer",
        "isa/platform",
        "--auto-merge",
        "--trailer",
        "Requested-By=octocat",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let v = json(&out);
    assert_eq!(v["pr_branch"], "imgbump/agent/v1");
    assert_eq!(v["pr_number"], 1347, "the description's example");
    assert_eq!(
        v["pr_url"],
        "https://github.com/octocat/Hello-World/pull/1347"
    );
    assert_eq!(
        fx.remote_git(&[
            "--git-dir",
            owner.join("Hello-World.git").to_str().unwrap(),
            "rev-parse",
            "--verify",
            "-q",
            "imgbump/agent/v1"
        ])
        .len(),
        41
    );
    let said = github_outputs(&outputs);
    assert!(
        said.contains("pr-url=https://github.com/octocat/Hello-World/pull/1347\n")
            && said.contains("pr-number=1347\n")
            && said.contains("pr-branch=imgbump/agent/v1\n"),
        "{said}"
    );
    let seen = proxy.take();
    let calls: Vec<String> = seen
        .iter()
        .map(|s| format!("{} {}", s.method, s.path.split('?').next().unwrap()))
        .collect();
    assert_eq!(
        calls,
        [
            "POST /repos/octocat/Hello-World/pulls",
            "POST /repos/octocat/Hello-World/issues/1347/labels",
            "POST /repos/octocat/Hello-World/pulls/1347/requested_reviewers",
            "POST /graphql",
            "GET /repos/octocat/Hello-World/pulls",
        ]
    );
    let create: serde_json::Value = serde_json::from_str(&seen[0].body).unwrap();
    assert_eq!(
        (
            create["head"].as_str(),
            create["base"].as_str(),
            create["title"].as_str()
        ),
        (
            Some("imgbump/agent/v1"),
            Some("main"),
            Some("chore: update agent image to v1")
        )
    );
    assert!(
        create["body"].as_str().unwrap().contains("| agent |")
            && create["body"]
                .as_str()
                .unwrap()
                .contains("Requested-By: octocat")
    );
    let reviewers: serde_json::Value = serde_json::from_str(&seen[2].body).unwrap();
    assert_eq!(
        reviewers,
        serde_json::json!({"reviewers": ["octocat"], "team_reviewers": ["platform"]})
    );
    assert!(seen
        .iter()
        .all(|s| s.authorization == format!("Bearer {TOKEN}")));
    assert!(
        seen.iter()
            .filter(|s| s.path != "/graphql")
            .all(|s| (200..300).contains(&s.status)),
        "prism refused a request: {seen:?}"
    );
    assert!(
        !String::from_utf8_lossy(&out.stdout).contains(TOKEN)
            && !String::from_utf8_lossy(&out.stderr).contains(TOKEN)
    );

    // 2. Supersede: of two open imgbump pull requests for agent, the older (order key 5) is
    //    closed with a comment and its branch deleted; the newer (50) is left alone.
    let list = serde_json::json!([
        pr(7, "imgbump/agent/v0", "Imgbump-Order: agent=5"),
        pr(9, "imgbump/agent/v5", "Imgbump-Order: agent=50"),
        pr(11, "imgbump/mcp/v1", "Imgbump-Order: mcp=1")
    ]);
    proxy.answer(
        "GET /repos/octocat/Hello-World/pulls?state=open&base=",
        json_response(200, &list.to_string(), ""),
    );
    let out = run(&["agent=:v2", "--order-key", "10"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(json(&out)["pr_closed"], serde_json::json!([7]));
    let seen = proxy.take();
    let calls: Vec<String> = seen
        .iter()
        .map(|s| format!("{} {}", s.method, s.path.split('?').next().unwrap()))
        .collect();
    assert_eq!(
        calls,
        [
            "POST /repos/octocat/Hello-World/pulls",
            "GET /repos/octocat/Hello-World/pulls",
            "POST /repos/octocat/Hello-World/issues/7/comments",
            "PATCH /repos/octocat/Hello-World/pulls/7",
            "DELETE /repos/octocat/Hello-World/git/refs/heads%2Fimgbump%2Fagent%2Fv0",
        ]
    );
    assert!(seen[2].body.contains("Superseded by #1347"));
    assert_eq!(seen[3].body, "{\"state\":\"closed\"}");
    assert!(
        seen.iter().skip(2).all(|s| (200..300).contains(&s.status)),
        "prism refused a request: {seen:?}"
    );

    // 3. Already open for this head (422): that pull request stands.
    proxy.answer("POST /repos/octocat/Hello-World/pulls", json_response(422, r#"{"message":"Validation Failed","errors":[{"resource":"PullRequest","code":"custom","message":"A pull request already exists for octocat:imgbump/agent/v3."}],"documentation_url":"https://docs.github.com/rest/pulls/pulls#create-a-pull-request","status":"422"}"#, ""));
    proxy.answer(
        "GET /repos/octocat/Hello-World/pulls?state=open&head=",
        json_response(
            200,
            &serde_json::json!([pr(21, "imgbump/agent/v3", "")]).to_string(),
            "",
        ),
    );
    let out = run(&["agent=:v3"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let v = json(&out);
    assert_eq!(
        (v["pr_number"].as_u64(), v["pr_existed"].as_bool()),
        (Some(21), Some(true))
    );
    assert!(proxy.take().iter().any(|s| s
        .path
        .starts_with("/repos/octocat/Hello-World/pulls?state=open&head=octocat:imgbump/agent/v3")));

    // 4. A refused token: exit 1, GitHub's words, the token nowhere; the branch stays pushed.
    proxy.answer("POST /repos/octocat/Hello-World/pulls", json_response(401, r#"{"message":"Bad credentials","documentation_url":"https://docs.github.com/rest","status":"401"}"#, ""));
    let out = run(&["agent=:v4"]);
    assert_fails(
        &out,
        1,
        "GitHub refused the token (HTTP 401: Bad credentials)",
        "401",
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("the branch imgbump/agent/v4 was pushed"));
    assert!(!String::from_utf8_lossy(&out.stderr).contains(TOKEN));

    // 5. A spent rate limit.
    proxy.answer(
        "POST /repos/octocat/Hello-World/pulls",
        json_response(
            403,
            r#"{"message":"API rate limit exceeded"}"#,
            "x-ratelimit-remaining: 0\r\nx-ratelimit-reset: 1764680400\r\n",
        ),
    );
    let out = run(&["agent=:v5"]);
    assert_fails(
        &out,
        1,
        "rate limit is spent (HTTP 403); it resets at 2025-12-02T13:00:00Z",
        "403",
    );

    // 6. A 502, then the description's answer: retried, opened once.
    proxy.take();
    proxy.answer(
        "POST /repos/octocat/Hello-World/pulls",
        json_response(502, r#"{"message":"Server Error"}"#, ""),
    );
    let out = run(&["agent=:v6"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let posts = proxy
        .take()
        .iter()
        .filter(|s| s.method == "POST" && s.path == "/repos/octocat/Hello-World/pulls")
        .count();
    assert_eq!(posts, 2);

    // 7. A hold through a pull request: its own branch, and no bump's request closed (open
    //    imgbump pull requests of agent are listed, and left alone).
    proxy.answer(
        "GET /repos/octocat/Hello-World/pulls?state=open&base=",
        json_response(200, &list.to_string(), ""),
    );
    let out = fx
        .cmd()
        .args([
            "hold",
            "agent",
            "--reason",
            "incident-4711",
            "--repo",
            &remote,
        ])
        .args(["--open-pr", "github", "-o", "json"])
        .env("GITHUB_TOKEN", TOKEN)
        .env("GITHUB_API_URL", &api)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let v = json(&out);
    assert_eq!(v["pr_branch"], "imgbump/hold/agent", "{v}");
    assert_eq!(v["pr_closed"], serde_json::json!([]));
    let seen = proxy.take();
    let create: serde_json::Value = serde_json::from_str(&seen[0].body).unwrap();
    assert!(
        create["title"]
            .as_str()
            .unwrap()
            .starts_with("chore: hold agent at sha-cbad391: incident-4711"),
        "{create}"
    );
    let body = create["body"].as_str().unwrap();
    assert!(body.contains("Imgbump-Hold: agent"), "{body}");
    assert!(
        body.contains("\nHolds agent: incident-4711 (since "),
        "{body}"
    );
    assert!(
        !seen
            .iter()
            .any(|s| s.method == "PATCH" || s.method == "DELETE"),
        "a hold closed a request: {seen:?}"
    );

    assert_eq!(
        prism.violations(),
        Vec::<String>::new(),
        "prism found requests outside GitHub's description"
    );
}
