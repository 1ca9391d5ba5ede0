//! Hostile input through the doors to the outside: Argo CD's answers, webhook and Slack
//! receivers, GitHub's answers, a GitHub App's key. Each server here is a loopback liar
//! (`support::liar`) that echoes secrets, forges, floods, hangs; every output a user or CI
//! reads is checked byte for byte where it matters, and for secrets everywhere.

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use support::liar::*;
use support::*;

const ARGO_TOKEN: &str = "argo-T0ken-Zq8Xw2Lp5Vn7Rt3Ys9Ku4Hm6Jd1Fb0Gc";

/// Whether `text` holds a start of `secret` of 8 characters or more.
fn leaks(text: &str, secret: &str) -> bool {
    (8..=secret.len()).any(|n| text.contains(&secret[..n]))
}

/// A world: the `environments` example behind `file://`, a step summary and outputs file.
struct World {
    fx: Fixture,
    summary: PathBuf,
    outputs: PathBuf,
}

impl World {
    fn new() -> World {
        let fx = Fixture::of("environments");
        let summary = fx.dir.path().join("summary.md");
        let outputs = fx.dir.path().join("outputs");
        World {
            fx,
            summary,
            outputs,
        }
    }

    /// imgbump in GitHub Actions, against the remote, with Argo CD at `argo`.
    fn cmd(&self, argo: &str, args: &[&str]) -> Command {
        let mut c = self.fx.cmd();
        c.args(args)
            .args(["--repo", &self.fx.url()])
            .args(["--argocd-server", argo])
            .env("ARGOCD_AUTH_TOKEN", ARGO_TOKEN)
            .env("GITHUB_ACTIONS", "true")
            .env("GITHUB_STEP_SUMMARY", &self.summary)
            .env("GITHUB_OUTPUT", &self.outputs);
        c
    }

    /// `imgbump wait web --env staging --argocd-app web-staging`, and `more`, against `argo`.
    fn wait_web(&self, argo: &str, more: &[&str]) -> Command {
        let mut args = vec![
            "wait",
            "web",
            "--env",
            "staging",
            "--argocd-app",
            "web-staging",
        ];
        args.extend_from_slice(more);
        self.cmd(argo, &args)
    }

    fn everything(&self, out: &Output) -> String {
        format!(
            "{}{}{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr),
            std::fs::read_to_string(&self.summary).unwrap_or_default(),
            std::fs::read_to_string(&self.outputs).unwrap_or_default()
        )
    }

    fn main(&self) -> String {
        self.fx
            .remote_git(&["rev-parse", "main"])
            .trim()
            .to_string()
    }
}

fn file_exists(p: &Path) -> bool {
    p.exists()
}

#[test]
fn a_secret_an_answer_echoes_is_redacted_before_any_cut() {
    // Argo CD echoes the token at every offset around the 300-character cut of its message.
    for pad in [250, 280, 290, 295, 299] {
        let message = format!("{}{ARGO_TOKEN} trailing words", "x".repeat(pad));
        let liar = Liar::start(move |_| {
            json_reply(
                401,
                &serde_json::json!({ "message": message, "error": "e" }).to_string(),
            )
        });
        let w = World::new();
        let (out, _) = bounded(
            w.wait_web(&liar.url(), &["-o", "json"]),
            Duration::from_secs(60),
        );
        assert_eq!(out.status.code(), Some(1), "{}", text(&out));
        let all = w.everything(&out);
        assert!(all.contains("Argo CD refused the token"), "{all}");
        assert!(!leaks(&all, ARGO_TOKEN), "pad {pad}: {all}");
        assert!(file_exists(&w.summary));
        // The token reached the server, as a Bearer token.
        assert_eq!(
            liar.requests()[0].header("authorization"),
            Some(format!("Bearer {ARGO_TOKEN}").as_str())
        );
    }
}

/// An Application as Argo CD returns it, at `rev` with `health`, and `extra` under `status`.
fn application(repo: &str, rev: &str, health: &str, extra: serde_json::Value) -> String {
    let mut v = serde_json::json!({
        "metadata": {"name": "web-staging", "namespace": "argocd"},
        "spec": {"source": {"repoURL": repo, "targetRevision": "main"}},
        "status": {"sync": {"status": "Synced", "revision": rev}, "health": {"status": health}}
    });
    if let serde_json::Value::Object(m) = extra {
        for (k, x) in m {
            v["status"][k] = x;
        }
    }
    v.to_string()
}

/// Argo CD played by a liar: each read answered by `f` with the remote's main now.
fn argo(w: &World, f: impl Fn(&str) -> Reply + Send + Sync + 'static) -> Liar {
    let bare = w.fx.remote.clone();
    Liar::start(move |_| {
        let main = git(
            bare.parent().unwrap(),
            &["--git-dir", bare.to_str().unwrap(), "rev-parse", "main"],
        );
        f(main.trim())
    })
}

/// A receiver of notifications that takes each one (HTTP 200).
fn receiver() -> Liar {
    Liar::start(|_| json_reply(200, "{}"))
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn a_short_secret_is_redacted_and_a_broken_token_refused_at_once() {
    // A configured secret of any length is kept out of what imgbump prints.
    let liar = Liar::start(|r| {
        let auth = r.header("authorization").unwrap_or("").to_string();
        json_reply(
            403,
            &serde_json::json!({ "message": format!("no: {auth}") }).to_string(),
        )
    });
    let w = World::new();
    let mut c = w.wait_web(&liar.url(), &[]);
    c.env("ARGOCD_AUTH_TOKEN", "k3Y");
    let (out, _) = bounded(c, Duration::from_secs(60));
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let all = w.everything(&out);
    assert!(all.contains("no: Bearer ***"), "{all}");
    assert!(!all.contains("k3Y"), "{all}");
    // A token with a line break could never be sent: refused before any wait.
    let mut c = w.wait_web(&liar.url(), &["--wait-timeout", "10m"]);
    c.env("ARGOCD_AUTH_TOKEN", "abc\r\ndef-token");
    let (out, took) = bounded(c, Duration::from_secs(60));
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(
        stderr(&out).contains("holds a line break"),
        "{}",
        text(&out)
    );
    assert!(took < Duration::from_secs(50));
}

#[test]
fn plain_http_is_judged_by_the_host_connected_to() {
    let w = World::new();
    let liar = Liar::start(|_| json_reply(200, "{}"));
    let before = w.main();
    let forged = format!("http://10.0.0.1/@127.0.0.1:{}", liar.port);
    // As Argo CD's server.
    let (out, _) = bounded(w.wait_web(&forged, &[]), Duration::from_secs(60));
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    let err = stderr(&out);
    assert!(
        err.contains(&format!(
            "`{forged}` is plain HTTP to `10.0.0.1`, which is not this machine"
        )),
        "{err}"
    );
    assert!(!err.contains("***@127.0.0.1"), "{err}");
    // As a webhook, before anything is pushed.
    let (out, _) = bounded(
        w.cmd(
            &liar.url(),
            &[
                "set",
                "web=:v2",
                "--env",
                "staging",
                "--notify",
                &format!("webhook:{forged}/x"),
            ],
        ),
        Duration::from_secs(60),
    );
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(
        stderr(&out).contains("is plain HTTP to `10.0.0.1`"),
        "{}",
        text(&out)
    );
    // A password holding a raw `/` would be read two ways: refused, never shown.
    let (out, _) = bounded(
        {
            let mut c = w.fx.cmd();
            c.args(["set", "web=:v2", "--env", "staging", "--repo"])
                .arg(format!(
                    "http://u:Ab/Cd-secret-9@127.0.0.1:{}/x.git",
                    liar.port
                ));
            c
        },
        Duration::from_secs(60),
    );
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(
        stderr(&out).contains("must be percent-encoded"),
        "{}",
        text(&out)
    );
    assert!(!text(&out).contains("secret-9"), "{}", text(&out));
    // Nothing reached the liar, nothing was pushed.
    assert!(liar.requests().is_empty());
    assert_eq!(w.main(), before);
}

#[test]
fn what_can_be_checked_before_the_push_is_checked_before_it() {
    let w = World::new();
    let before = w.main();
    let argo_ok = argo(&w, |main| {
        json_reply(
            200,
            &application("r", main, "Healthy", serde_json::json!({})),
        )
    });
    let set = ["set", "web=:v2", "--env", "staging", "--wait"];
    // No token; an invalid application; a poll that would flood; a repository file naming a
    // variable not meant for notifications.
    type Case<'a> = (Vec<&'a str>, Vec<(&'a str, &'a str)>, &'a str);
    let cases: Vec<Case> = vec![
        (
            vec!["--argocd-app", "web-staging"],
            vec![("ARGOCD_AUTH_TOKEN", "")],
            "no Argo CD token",
        ),
        (
            vec!["--argocd-app", "Web_Staging"],
            vec![],
            "is not an Argo CD application name",
        ),
        (
            vec!["--argocd-app", "web-staging", "--poll-interval", "0s"],
            vec![],
            "--poll-interval must be at least",
        ),
        (
            vec![
                "--argocd-app",
                "web-staging",
                "--notify",
                "https://hooks.example/x",
            ],
            vec![],
            "did you mean slack:URL or webhook:URL",
        ),
    ];
    for (extra, env, needle) in cases {
        let mut c = w.cmd(&argo_ok.url(), &set);
        c.args(&extra);
        for (k, v) in env {
            c.env(k, v);
        }
        let (out, _) = bounded(c, Duration::from_secs(60));
        assert_eq!(out.status.code(), Some(2), "{needle}: {}", text(&out));
        assert!(stderr(&out).contains(needle), "{needle}: {}", text(&out));
        assert_eq!(w.main(), before, "{needle}: pushed");
    }
    // `.imgbump.yaml` may name only variables meant for notifications.
    let cfg = w.fx.remote_file(".imgbump.yaml") + "notify: [\"webhook:${PAYLOAD_URL}\"]\n";
    w.fx.push_elsewhere(".imgbump.yaml", &cfg, "notify");
    let before = w.main();
    let hook = receiver();
    let mut c = w.cmd(&argo_ok.url(), &["set", "web=:v2", "--env", "staging"]);
    c.env("PAYLOAD_URL", hook.url());
    let (out, _) = bounded(c, Duration::from_secs(60));
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(
        stderr(&out).contains("whose name ends in _WEBHOOK_URL"),
        "{}",
        text(&out)
    );
    assert_eq!(w.main(), before);
    assert!(hook.requests().is_empty());
    let cfg = cfg.replace("PAYLOAD_URL", "TEAM_WEBHOOK_URL");
    w.fx.push_elsewhere(".imgbump.yaml", &cfg, "notify, named");
    let mut c = w.cmd(&argo_ok.url(), &["set", "web=:v2", "--env", "staging"]);
    c.env("TEAM_WEBHOOK_URL", hook.url());
    let (out, _) = bounded(c, Duration::from_secs(60));
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(hook.requests().len(), 1);
    assert_eq!(hook.requests()[0].json()["status"], "pushed");
}

#[test]
fn a_failure_after_the_push_says_that_the_push_stands() {
    let w = World::new();
    let before = w.main();
    // Argo CD has no such application: known only after the push.
    let missing = Liar::start(|_| json_reply(404, r#"{"message":"not found"}"#));
    let hook = receiver();
    let (out, _) = bounded(
        w.cmd(
            &missing.url(),
            &[
                "set",
                "web=:v2",
                "--env",
                "staging",
                "--wait",
                "--argocd-app",
                "web-staging",
                "--notify",
                &format!("webhook:{}/h", hook.url()),
                "-o",
                "json",
            ],
        ),
        Duration::from_secs(60),
    );
    let after = w.main();
    assert_ne!(after, before, "the bump landed");
    assert_eq!(out.status.code(), Some(6), "{}", text(&out));
    let err = stderr(&out);
    assert!(
        err.contains(&format!("pushed {}; the push stands, but the wait for Argo CD failed: Argo CD has no application web-staging", &after[..7])),
        "{err}"
    );
    assert!(!err.contains("usage"), "{err}");
    // The notification says so too.
    let sent = hook.requests();
    assert_eq!(sent.len(), 1, "{}", text(&out));
    assert_eq!(sent[0].json()["status"], "failed");
    assert!(sent[0].json()["error"]
        .as_str()
        .unwrap()
        .contains("pushed; the wait failed"));
}

#[test]
fn argo_cd_s_words_reach_slack_and_the_summary_escaped_and_bounded() {
    let w = World::new();
    let resources: Vec<serde_json::Value> = (0..20_000)
        .map(|i| serde_json::json!({"kind": "Pod", "name": format!("p{i}"), "health": {"status": "Degraded", "message": "<!channel> <https://evil.example|click here>"}}))
        .collect();
    let extra = serde_json::json!({"resources": resources});
    let body_for = move |main: &str| {
        let mut v: serde_json::Value =
            serde_json::from_str(&application("r", main, "Degraded", extra.clone())).unwrap();
        v["status"]["health"]["message"] = "<!here> [x](https://evil.example) & <@U1>".into();
        v.to_string()
    };
    let liar = argo(&w, move |main| json_reply(200, &body_for(main)));
    let slack = receiver();
    let (out, _) = bounded(
        w.cmd(
            &liar.url(),
            &[
                "set",
                "web=:v2",
                "--env",
                "staging",
                "--wait",
                "--argocd-app",
                "web-staging",
                "--poll-interval",
                "100ms",
                "--notify",
                &format!("slack:{}/s", slack.url()),
                "-o",
                "json",
            ],
        ),
        Duration::from_secs(120),
    );
    assert_eq!(out.status.code(), Some(6), "{}", text(&out));
    let err = stderr(&out);
    assert!(err.len() < 64 << 10, "stderr: {} bytes", err.len());
    assert!(
        err.contains("… 19980 more left out"),
        "{}",
        &err[..err.len().min(3000)]
    );
    assert!(!err.contains("\\n"), "a literal \\n: {err}");
    assert!(
        out.stdout.len() < 64 << 10,
        "stdout: {} bytes",
        out.stdout.len()
    );
    let summary = std::fs::read_to_string(&w.summary).unwrap();
    assert!(summary.len() < 64 << 10, "summary: {} bytes", summary.len());
    // Outside the failure's code block, Argo CD's words make no link or mention.
    let outside = summary.split("Failed (exit 6)").next().unwrap();
    assert!(!outside.contains("[x](https://evil"), "{summary}");
    assert!(!outside.contains("<!"), "{summary}");
    assert!(outside.contains("\\[x\\]\\(https"), "{summary}");
    let payload = String::from_utf8(slack.requests()[0].body.clone()).unwrap();
    assert!(payload.len() < 64 << 10);
    for raw in ["<!channel>", "<!here>", "<https://evil", "<@U1>"] {
        assert!(!payload.contains(raw), "{raw} in the Slack payload");
    }
    assert!(payload.contains("&lt;!here&gt;"), "{payload}");
    assert!(payload.contains("more left out"), "{payload}");
}

#[test]
fn notifications_end_within_the_timeout() {
    let w = World::new();
    let hang: Vec<Liar> = (0..4).map(|_| Liar::start(|_| Reply::Hang)).collect();
    let mut args: Vec<String> = ["set", "web=:v2", "--env", "staging", "--timeout", "3s"]
        .map(String::from)
        .to_vec();
    for h in &hang {
        args.push("--notify".into());
        args.push(format!("webhook:{}/x", h.url()));
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let (out, took) = bounded(w.cmd("127.0.0.1:1", &args), Duration::from_secs(120));
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    // Four receivers that never answer, 15 s each before: the whole run now ends near 3 s.
    assert!(took < Duration::from_secs(40), "took {took:?}");
    assert!(stderr(&out).contains("--timeout ran out"), "{}", text(&out));
}

#[test]
fn deploy_and_notify_do_not_misreport() {
    let w = World::new();
    // A plain-HTTP server asked over HTTPS: a setting to fix, at once, exit 1, nothing "pushed".
    let plain = Liar::start(|_| json_reply(200, "{}"));
    let (out, _) = bounded(
        {
            let mut c = w.wait_web(
                &format!("127.0.0.1:{}", plain.port),
                &["--wait-timeout", "10m"],
            );
            c.env_remove("GITHUB_ACTIONS");
            c
        },
        Duration::from_secs(60),
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let err = stderr(&out);
    assert!(err.contains("did not speak TLS"), "{err}");
    assert!(
        err.contains("http://HOST:PORT") && err.contains("--insecure-argocd"),
        "{err}"
    );
    assert!(!err.contains("pushed"), "{err}");
    // A server that is not Argo CD.
    let (out, _) = bounded(w.wait_web(&plain.url(), &[]), Duration::from_secs(60));
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        stderr(&out).contains("not an Argo CD Application"),
        "{}",
        text(&out)
    );
    // `wait` pushed nothing, and its exit 6 does not say it did.
    let degraded = argo(&w, |main| {
        json_reply(
            200,
            &application("r", main, "Degraded", serde_json::json!({})),
        )
    });
    let (out, _) = bounded(w.wait_web(&degraded.url(), &[]), Duration::from_secs(60));
    assert_eq!(out.status.code(), Some(6), "{}", text(&out));
    assert!(
        stderr(&out).contains("error: not deployed healthy:"),
        "{}",
        text(&out)
    );
    assert!(!stderr(&out).contains("pushed"), "{}", text(&out));
    // An empty destination (an unset secret) is a warning; the bump goes on.
    let before = w.main();
    let (out, _) = bounded(
        w.cmd(
            &plain.url(),
            &["set", "web=:v2", "--env", "staging", "--notify", "slack:"],
        ),
        Duration::from_secs(60),
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(
        stderr(&out).contains("warning: not notifying slack: its URL is empty"),
        "{}",
        text(&out)
    );
    assert_ne!(w.main(), before);
    // A bare URL on this machine: not "plain HTTP only to this machine".
    let (out, _) = bounded(
        w.cmd(
            &plain.url(),
            &[
                "set",
                "web=:v3",
                "--env",
                "staging",
                "--notify",
                &format!("{}/y", plain.url()),
            ],
        ),
        Duration::from_secs(60),
    );
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(
        stderr(&out).contains("did you mean slack:URL or webhook:URL"),
        "{}",
        text(&out)
    );
    assert!(!stderr(&out).contains("plain HTTP"), "{}", text(&out));
}

#[test]
fn an_app_key_is_read_only_from_a_small_regular_file() {
    let w = World::new();
    let dir = w.fx.dir.path();
    let fifo = dir.join("key.fifo");
    let made = Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(made.success());
    let big = dir.join("big.pem");
    std::fs::write(&big, "A".repeat(200_000)).unwrap();
    for (key, needle) in [
        (&fifo, "not a regular file"),
        (&dir.to_path_buf(), "not a regular file"),
        (&big, "is too large for a private key"),
    ] {
        let mut c = w.fx.cmd();
        c.args([
            "set",
            "agent=:x",
            "--repo",
            &w.fx.url(),
            "--github-app-id",
            "12345",
        ])
        .arg("--github-app-key")
        .arg(key);
        let (out, _) = bounded(c, Duration::from_secs(60));
        assert_eq!(out.status.code(), Some(2), "{}", text(&out));
        assert!(stderr(&out).contains(needle), "{}", text(&out));
    }
    // A key others may read: a warning, as ssh gives.
    let pem = dir.join("app.pem");
    let ok = Command::new("openssl")
        .args(["genrsa", "-out"])
        .arg(&pem)
        .arg("2048")
        .stderr(Stdio::null())
        .status()
        .unwrap();
    assert!(ok.success());
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&pem, std::fs::Permissions::from_mode(0o644)).unwrap();
    let api = Liar::start(|_| json_reply(404, r#"{"message":"Not Found"}"#));
    let mut c = w.fx.cmd();
    c.args([
        "set",
        "agent=:x",
        "--repo",
        "https://github.com/o/r.git",
        "--github-app-id",
        "12345",
    ])
    .arg("--github-app-key")
    .arg(&pem)
    .env("GITHUB_API_URL", api.url());
    let (out, _) = bounded(c, Duration::from_secs(60));
    assert_ne!(out.status.code(), Some(0), "{}", text(&out));
    assert!(
        stderr(&out).contains("may be read by others than its owner (mode 644); run chmod 600"),
        "{}",
        text(&out)
    );
    assert!(
        stderr(&out).contains("is not installed on o/r"),
        "{}",
        text(&out)
    );
}

#[test]
fn sigterm_ends_a_wait_on_a_server_that_never_answers() {
    let w = World::new();
    let hang = Liar::start(|_| Reply::Hang);
    let mut c = w.wait_web(&hang.url(), &["--wait-timeout", "10m"]);
    let child = c
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // SIGTERM once Argo CD has been asked (a condition, not a sleep).
    let out = terminate_when(child, || !hang.requests().is_empty(), "the wait");
    assert_eq!(out.status.code(), Some(128 + 15), "{}", text(&out));
    assert!(
        stderr(&out).contains("interrupted by SIGTERM"),
        "{}",
        text(&out)
    );
}

#[test]
fn a_manifest_template_is_filled_once() {
    let w = World::new();
    let before = w.main();
    let with_manifest = |m: &str| {
        let mut c = w.fx.cmd();
        c.args(["set", "agent=:x", "--repo", &w.fx.url(), "--manifest", m]);
        bounded(c, Duration::from_secs(60)).0
    };
    let out = with_manifest("x/{{service}}.yaml");
    // `{{service}}` is `{agent}` once filled: a file that does not exist, never a placeholder.
    assert_eq!(out.status.code(), Some(3), "{}", text(&out));
    assert!(stderr(&out).contains("x/{agent}.yaml"), "{}", text(&out));
    assert!(!stderr(&out).contains("placeholder"), "{}", text(&out));
    let out = with_manifest("x/{nope}.yaml");
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert_eq!(w.main(), before);
}

/// `git --git-dir bare ARGS`, with `env` and `input`; its stdout.
fn bare_git(bare: &Path, args: &[&str], env: &[(&str, &str)], input: Option<&[u8]>) -> String {
    use std::io::Write;
    let mut c = Command::new("git");
    c.arg("--git-dir").arg(bare).args(args);
    for (k, v) in env {
        c.env(k, v);
    }
    c.stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = c.spawn().unwrap();
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(input.unwrap_or(b"")).unwrap();
    drop(stdin);
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// A GitHub whose GraphQL endpoint is a liar, over a real remote served by `git daemon` at
/// `o/r.git` (so that the remote names a repository).
struct Hub {
    fx: Fixture,
    bare: PathBuf,
    daemon: Daemon,
}

impl Hub {
    fn new() -> Hub {
        let fx = Fixture::of("environments");
        let bare = fx.dir.path().join("srv/o/r.git");
        std::fs::create_dir_all(bare.parent().unwrap()).unwrap();
        git(
            fx.dir.path(),
            &[
                "clone",
                "-q",
                "--bare",
                fx.remote.to_str().unwrap(),
                bare.to_str().unwrap(),
            ],
        );
        let daemon = Daemon::start(&fx.dir.path().join("srv"));
        Hub { fx, bare, daemon }
    }

    fn git(&self, args: &[&str], env: &[(&str, &str)], input: Option<&[u8]>) -> String {
        bare_git(&self.bare, args, env, input)
    }

    fn main(&self) -> String {
        self.git(&["rev-parse", "main"], &[], None)
    }

    /// Applies a createCommitOnBranch request to the remote as GitHub would; the new commit.
    fn apply(bare: &Path, req: &serde_json::Value) -> String {
        use base64::Engine;
        let input = &req["variables"]["input"];
        let head = input["expectedHeadOid"].as_str().unwrap().to_string();
        let index = bare.join("api-index");
        let idx = index.to_str().unwrap();
        let env = [
            ("GIT_INDEX_FILE", idx),
            ("GIT_AUTHOR_NAME", "gh"),
            ("GIT_AUTHOR_EMAIL", "gh@x"),
            ("GIT_COMMITTER_NAME", "gh"),
            ("GIT_COMMITTER_EMAIL", "gh@x"),
        ];
        bare_git(bare, &["read-tree", &head], &env, None);
        for a in input["fileChanges"]["additions"].as_array().unwrap() {
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(a["contents"].as_str().unwrap())
                .unwrap();
            let blob = bare_git(bare, &["hash-object", "-w", "--stdin"], &env, Some(&bytes));
            let path = a["path"].as_str().unwrap();
            bare_git(
                bare,
                &[
                    "update-index",
                    "--add",
                    "--cacheinfo",
                    &format!("100644,{blob},{path}"),
                ],
                &env,
                None,
            );
        }
        let tree = bare_git(bare, &["write-tree"], &env, None);
        let c = bare_git(
            bare,
            &["commit-tree", &tree, "-p", &head, "-m", "api"],
            &env,
            None,
        );
        bare_git(
            bare,
            &["update-ref", "refs/heads/main", &c, &head],
            &env,
            None,
        );
        let _ = std::fs::remove_file(&index);
        c
    }

    fn run(&self, api: &Liar, extra: &[&str]) -> (Output, Duration) {
        self.run_pair(api, "web=:v9", extra)
    }

    fn run_pair(&self, api: &Liar, pair: &str, extra: &[&str]) -> (Output, Duration) {
        let mut c = self.fx.cmd();
        c.args(["set", pair, "--env", "staging", "--commit-via", "github"])
            .args(["--repo", &self.daemon.url("o/r.git")])
            .args(extra)
            .env("GITHUB_TOKEN", "ghs_hubTestToken0123456789abcdefgh")
            .env("GITHUB_API_URL", api.url())
            .env("GITHUB_GRAPHQL_URL", format!("{}/graphql", api.url()));
        bounded(c, Duration::from_secs(120))
    }
}

fn commit_answer(oid: &str) -> Reply {
    json_reply(
        200,
        &serde_json::json!({"data": {"createCommitOnBranch": {"commit": {"oid": oid, "url": "https://x"}}}})
            .to_string(),
    )
}

#[test]
fn a_forged_or_lost_answer_from_github_is_never_taken_for_a_commit() {
    let hub = Hub::new();
    let before = hub.main();
    // The expected head itself, as if it were the new commit.
    let echo = Liar::start(|r| {
        let head = r.json()["variables"]["input"]["expectedHeadOid"]
            .as_str()
            .unwrap_or("")
            .to_string();
        commit_answer(&head)
    });
    let (out, _) = hub.run(&echo, &[]);
    assert_eq!(out.status.code(), Some(5), "{}", text(&out));
    assert!(
        stderr(&out).contains("it is the expected head itself, not a new commit"),
        "{}",
        text(&out)
    );
    assert!(
        stderr(&out).contains("nothing was committed"),
        "{}",
        text(&out)
    );
    assert_eq!(hub.main(), before);
    // An older commit (reachable, so a fetch "sees" it): not on the expected head.
    let bare = hub.bare.clone();
    let older = {
        let env = [
            ("GIT_AUTHOR_NAME", "o"),
            ("GIT_AUTHOR_EMAIL", "o@x"),
            ("GIT_COMMITTER_NAME", "o"),
            ("GIT_COMMITTER_EMAIL", "o@x"),
        ];
        let tree = bare_git(&bare, &["rev-parse", "main^{tree}"], &env, None);
        let c = bare_git(
            &bare,
            &["commit-tree", &tree, "-p", &before, "-m", "later"],
            &env,
            None,
        );
        bare_git(
            &bare,
            &["update-ref", "refs/heads/main", &c, &before],
            &env,
            None,
        );
        before.clone()
    };
    let before = hub.main();
    let old = Liar::start(move |_| commit_answer(&older));
    let (out, _) = hub.run(&old, &[]);
    assert_eq!(out.status.code(), Some(5), "{}", text(&out));
    assert!(
        stderr(&out).contains("which is not the commit asked for"),
        "{}",
        text(&out)
    );
    assert_eq!(hub.main(), before);
    // GitHub made the commit, and the answer was lost: the run looks, and says it landed.
    let b2 = bare.clone();
    let made_then_hung = Liar::start(move |r| {
        Hub::apply(&b2, &r.json());
        Reply::Hang
    });
    let (out, _) = hub.run(&made_then_hung, &["--timeout", "5s", "-o", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let v = json(&out);
    assert_eq!(v["pushed"], true, "{v}");
    assert_eq!(v["commit"].as_str(), Some(hub.main().as_str()));
    assert_ne!(hub.main(), before);
    // Lost, and GitHub made nothing: nothing was committed, said after looking.
    let before = hub.main();
    let hung = Liar::start(|_| Reply::Hang);
    let (out, _) = hub.run_pair(&hung, "web=:v10", &["--timeout", "5s"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        stderr(&out).contains(
            "no answer was taken; a fetch shows main where it was: nothing was committed"
        ),
        "{}",
        text(&out)
    );
    assert_eq!(hub.main(), before);
}

#[test]
fn the_host_judged_is_the_host_connected_to_off_this_machine() {
    // Off this machine only inside a network namespace with nothing but loopback.
    let allowed = Command::new("unshare")
        .args(["-n", "true"])
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !allowed {
        eprintln!("skipped: unshare -n is not allowed here");
        return;
    }
    let w = World::new();
    let mut c = Command::new("unshare");
    c.args(["-n", "--"])
        .arg(env!("CARGO_BIN_EXE_imgbump"))
        .args([
            "wait",
            "web",
            "--env",
            "staging",
            "--argocd-app",
            "web-staging",
        ])
        .args([
            "--repo",
            &w.fx.url(),
            "--insecure-argocd",
            "--wait-timeout",
            "2s",
        ])
        .args(["--argocd-server", "http://10.0.0.1/@127.0.0.1:1"])
        .env("HOME", &w.fx.home)
        .env("NO_COLOR", "1")
        .env("ARGOCD_AUTH_TOKEN", ARGO_TOKEN)
        .current_dir(w.fx.dir.path());
    let (out, _) = bounded(c, Duration::from_secs(60));
    let err = stderr(&out);
    // Allowed only because --insecure-argocd names it, the address goes to 10.0.0.1, and
    // every message says so.
    assert!(
        err.contains("cannot reach Argo CD at http://10.0.0.1/@127.0.0.1:1"),
        "{}",
        text(&out)
    );
    assert!(
        err.contains("Network is unreachable") || err.contains("unreachable"),
        "{err}"
    );
    assert!(!err.contains("***@127.0.0.1"), "{err}");
    assert!(!leaks(&err, ARGO_TOKEN), "{err}");
}

#[test]
fn github_s_api_address_is_judged_by_the_host_connected_to() {
    let hub = Hub::new();
    let before = hub.main();
    let liar = Liar::start(|_| json_reply(200, "{}"));
    let forged = format!("http://10.0.0.1/@127.0.0.1:{}", liar.port);
    let mut c = hub.fx.cmd();
    c.args([
        "set",
        "web=:v9",
        "--env",
        "staging",
        "--commit-via",
        "github",
    ])
    .args(["--repo", &hub.daemon.url("o/r.git")])
    .env("GITHUB_TOKEN", "ghs_hubTestToken0123456789abcdefgh")
    .env("GITHUB_API_URL", &forged);
    let (out, _) = bounded(c, Duration::from_secs(60));
    assert_ne!(out.status.code(), Some(0), "{}", text(&out));
    assert!(
        stderr(&out).contains(&format!(
            "GITHUB_API_URL): `{forged}` is plain HTTP to `10.0.0.1`"
        )),
        "{}",
        text(&out)
    );
    assert!(liar.requests().is_empty());
    assert_eq!(hub.main(), before);
}

#[test]
fn a_hold_s_reason_reaches_the_summary_as_text() {
    let w = World::new();
    let reason = "see [the runbook](https://evil.example) <img src=x> **now**";
    let mut c = w.fx.cmd();
    c.args([
        "hold",
        "web",
        "--env",
        "staging",
        "--reason",
        reason,
        "--repo",
        &w.fx.url(),
    ]);
    let (out, _) = bounded(c, Duration::from_secs(60));
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let (out, _) = bounded(
        w.cmd("127.0.0.1:1", &["set", "web=:v2", "--env", "staging"]),
        Duration::from_secs(60),
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let summary = std::fs::read_to_string(&w.summary).unwrap();
    assert!(
        summary.contains("A hold on web: see \\[the runbook\\]\\(https\\://evil\\.example\\) &lt;img src\\=x&gt; \\*\\*now\\*\\*"),
        "{summary}"
    );
    assert!(!summary.contains("](https://evil"), "{summary}");
    assert!(!summary.contains("<img"), "{summary}");
}

#[test]
fn github_s_echoes_and_floods_are_redacted_and_bounded() {
    let hub = Hub::new();
    let before = hub.main();
    // The token echoed in an error, across the cut; and 15,000 errors.
    for pad in [260, 290, 299] {
        let echo = Liar::start(move |r| {
            let auth = r.header("authorization").unwrap_or("").to_string();
            let mut errors = vec![
                serde_json::json!({"type": "FORBIDDEN", "message": format!("{}{auth} more", "x".repeat(pad))}),
            ];
            errors.extend(
                (0..15_000)
                    .map(|i| serde_json::json!({"type": "X", "message": format!("error {i}")})),
            );
            json_reply(
                200,
                &serde_json::json!({ "data": null, "errors": errors }).to_string(),
            )
        });
        let (out, _) = hub.run(&echo, &["-o", "json"]);
        assert_eq!(out.status.code(), Some(5), "{}", text(&out));
        let all = text(&out);
        assert!(!leaks(&all, "ghs_hubTestToken0123456789abcdefgh"), "{all}");
        assert!(
            all.contains("14991 more errors left out"),
            "{}",
            &all[..all.len().min(3000)]
        );
        assert!(
            out.stderr.len() < 32 << 10,
            "stderr: {} bytes",
            out.stderr.len()
        );
        assert!(
            out.stdout.len() < 32 << 10,
            "stdout: {} bytes",
            out.stdout.len()
        );
        assert_eq!(hub.main(), before);
    }
}

#[test]
fn an_app_s_jwt_echoed_is_redacted_before_the_cut() {
    let w = World::new();
    let pem = w.fx.dir.path().join("app.pem");
    let ok = Command::new("openssl")
        .args(["genrsa", "-out"])
        .arg(&pem)
        .arg("2048")
        .stderr(Stdio::null())
        .status()
        .unwrap();
    assert!(ok.success());
    for pad in [100, 250, 290] {
        let api = Liar::start(move |r| {
            let auth = r.header("authorization").unwrap_or("").to_string();
            json_reply(
                500,
                &serde_json::json!({ "message": format!("{}{auth}", "y".repeat(pad)) }).to_string(),
            )
        });
        let mut c = w.fx.cmd();
        c.args(["set", "agent=:x", "--repo", "https://github.com/o/r.git"])
            .args(["--github-app-id", "12345", "--github-app-key"])
            .arg(&pem)
            .env("GITHUB_API_URL", api.url());
        let (out, _) = bounded(c, Duration::from_secs(120));
        assert_ne!(out.status.code(), Some(0), "{}", text(&out));
        let jwt = api.requests()[0]
            .header("authorization")
            .unwrap()
            .trim_start_matches("Bearer ")
            .to_string();
        assert!(jwt.len() > 300);
        let all = text(&out);
        // No part of the signature, nor of the claims (the header is the same in every JWT).
        let signature = jwt.rsplit('.').next().unwrap();
        assert!(!leaks(&all, signature), "pad {pad}: {all}");
        assert!(!leaks(&all, &jwt), "pad {pad}: {all}");
    }
}

#[test]
fn sigterm_ends_a_notification_that_never_answers_and_says_the_push_stands() {
    let w = World::new();
    let before = w.main();
    let hang = Liar::start(|_| Reply::Hang);
    let mut c = w.cmd(
        "127.0.0.1:1",
        &[
            "set",
            "web=:v2",
            "--env",
            "staging",
            "--notify",
            &format!("webhook:{}/x", hang.url()),
        ],
    );
    let child = c
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // SIGTERM once the webhook has been called.
    let out = terminate_when(child, || !hang.requests().is_empty(), "the notification");
    assert_eq!(out.status.code(), Some(128 + 15), "{}", text(&out));
    let after = w.main();
    assert_ne!(after, before);
    assert!(
        stderr(&out).contains(&format!(
            "interrupted by SIGTERM; pushed {}; the push stands",
            &after[..7]
        )),
        "{}",
        text(&out)
    );
}

#[test]
fn a_dripping_or_redirecting_argo_cd_is_bounded_and_keeps_the_token() {
    let w = World::new();
    // A server that sends its answer a byte at a time: the wait ends by --wait-timeout.
    let drip = Liar::start(|_| Reply::Drip(Duration::from_millis(200)));
    let (out, took) = bounded(
        w.wait_web(&drip.url(), &["--wait-timeout", "3s"]),
        Duration::from_secs(120),
    );
    assert_eq!(out.status.code(), Some(6), "{}", text(&out));
    assert!(
        stderr(&out).contains("not deployed within --wait-timeout"),
        "{}",
        text(&out)
    );
    assert!(took < Duration::from_secs(60), "took {took:?}");
    // A redirect elsewhere is not followed: the token stays with the server it was meant for.
    let elsewhere = Liar::start(|_| json_reply(200, "{}"));
    let to = format!("{}/api/v1/applications/web-staging", elsewhere.url());
    let redirecting = Liar::start(move |_| redirect(&to));
    let (out, _) = bounded(w.wait_web(&redirecting.url(), &[]), Duration::from_secs(60));
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        stderr(&out).contains("Argo CD answered HTTP 302"),
        "{}",
        text(&out)
    );
    assert!(elsewhere.requests().is_empty());
}
