//! `set --wait`, `imgbump wait` and notifications, against Argo CD's published API description
//! with real Git behind it.
//!
//! Every Argo CD request goes through prism serving `../shared/contracts/argo-cd/swagger.json`
//! (Argo CD's own `assets/swagger.json`), which must accept it; a loopback double of Argo CD
//! then answers with the state sequences a real sync goes through, naming real commits of the
//! repository imgbump pushed to (`git daemon`), so that ancestry is checked against real
//! commits. Slack and webhook receivers on loopback check the exact payloads.

mod support;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::path::Path;
use std::process::Output;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use serde_json::{json, Value};
use support::github_api::*;
use support::*;

const ARGO_TOKEN: &str = "argocd-token-0123456789abcdef";

/// What the double says to the n-th read, given the remote's main now.
type Play = Box<dyn Fn(usize, &Ctx) -> Vec<u8> + Send + Sync>;

/// The commits a state names.
struct Ctx {
    /// The remote's main now.
    main: String,
    /// The remote's main before the bump.
    before: String,
    /// The remote's URL as Argo CD knows it.
    repo: String,
}

/// An Application as Argo CD's API server returns it.
fn app(ctx: &Ctx, sync: &str, rev: &str, health: &str, op: Option<(&str, &str, &str)>) -> Value {
    let mut v = json!({
        "metadata": {"name": "web-staging", "namespace": "argocd"},
        "spec": {"project": "default", "source": {"repoURL": ctx.repo, "path": "deployments/kubernetes/overlays/staging", "targetRevision": "main"},
                 "destination": {"server": "https://kubernetes.default.svc", "namespace": "isa-staging"}},
        "status": {"sync": {"status": sync, "revision": rev}, "health": {"status": health},
                   "resources": [{"kind": "Deployment", "name": "web", "namespace": "isa-staging", "status": sync, "health": {"status": health}}]}
    });
    if let Some((phase, message, r)) = op {
        v["status"]["operationState"] = json!({"phase": phase, "message": message, "startedAt": "2026-12-06T08:00:00Z",
            "operation": {"sync": {"revision": r}}, "syncResult": {"revision": r}});
    }
    v
}

fn ok(v: Value) -> Vec<u8> {
    json_response(200, &v.to_string(), "")
}

/// Argo CD, played: prism checks each request, then the play answers it.
struct Argo {
    _prism: Prism,
    proxy: ApiProxy,
    play: Arc<Mutex<Play>>,
    reads: Arc<AtomicUsize>,
    asked: Arc<Mutex<Vec<(String, String)>>>,
}

impl Argo {
    fn start(dir: &Path, bare: &Path, repo: &str, before: &str) -> Argo {
        let spec =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/contracts/argo-cd/swagger.json");
        assert!(spec.exists(), "{} is missing", spec.display());
        let prism = Prism::serve(dir, &spec);
        let play: Arc<Mutex<Play>> =
            Arc::new(Mutex::new(Box::new(|_, _| json_response(500, "{}", ""))));
        let reads = Arc::new(AtomicUsize::new(0));
        let asked: Arc<Mutex<Vec<(String, String)>>> = Arc::default();
        let (p, n, a) = (play.clone(), reads.clone(), asked.clone());
        let (bare, repo, before) = (bare.to_path_buf(), repo.to_string(), before.to_string());
        let double: Double = Arc::new(move |q: &Asked<'_>| {
            a.lock()
                .unwrap()
                .push((q.path.to_string(), q.authorization.to_string()));
            let (p, n, bare, repo, before) = (
                p.clone(),
                n.clone(),
                bare.clone(),
                repo.clone(),
                before.clone(),
            );
            Answer::Checked(Box::new(move || {
                let main = git(
                    &bare,
                    &["--git-dir", bare.to_str().unwrap(), "rev-parse", "main"],
                )
                .trim()
                .to_string();
                let ctx = Ctx { main, before, repo };
                let i = n.fetch_add(1, Ordering::SeqCst);
                let f = p.lock().unwrap();
                f(i, &ctx)
            }))
        });
        let proxy = ApiProxy::start_with(prism.port, double);
        Argo {
            _prism: prism,
            proxy,
            play,
            reads,
            asked,
        }
    }

    fn play(&self, f: impl Fn(usize, &Ctx) -> Vec<u8> + Send + Sync + 'static) {
        *self.play.lock().unwrap() = Box::new(f);
        self.reads.store(0, Ordering::SeqCst);
        self.asked.lock().unwrap().clear();
    }

    fn url(&self) -> String {
        self.proxy.url()
    }

    /// The requests prism found outside Argo CD's description.
    fn violations(&self) -> Vec<String> {
        self._prism.violations()
    }
}

/// A receiver of notifications: each body, answered with `status` (after a `429` with each
/// `Retry-After` of [`Receiver::busy`], in order).
struct Receiver {
    port: u16,
    bodies: Arc<Mutex<Vec<Value>>>,
    busy: Arc<Mutex<std::collections::VecDeque<String>>>,
}

impl Receiver {
    fn start(status: u16) -> Receiver {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let bodies: Arc<Mutex<Vec<Value>>> = Arc::default();
        let busy: Arc<Mutex<std::collections::VecDeque<String>>> = Arc::default();
        let (got, queue) = (bodies.clone(), busy.clone());
        std::thread::spawn(move || {
            for conn in listener.incoming() {
                let Ok(mut conn) = conn else { return };
                let mut reader = BufReader::new(conn.try_clone().unwrap());
                let mut length = 0;
                loop {
                    let mut line = String::new();
                    if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                        break;
                    }
                    if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                        length = v.trim().parse().unwrap_or(0);
                    }
                }
                let mut body = vec![0; length];
                if reader.read_exact(&mut body).is_ok() {
                    got.lock()
                        .unwrap()
                        .push(serde_json::from_slice(&body).unwrap_or(Value::Null));
                }
                let answer = match queue.lock().unwrap().pop_front() {
                    Some(after) => format!("HTTP/1.1 429 Too Many Requests\r\nRetry-After: {after}\r\nContent-Length: 4\r\nConnection: close\r\n\r\nbusy"),
                    None => format!(
                        "HTTP/1.1 {status} X\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok"
                    ),
                };
                let _ = conn.write_all(answer.as_bytes());
            }
        });
        Receiver { port, bodies, busy }
    }

    /// The next notifications are answered `429` with these `Retry-After` values, in order.
    fn busy(&self, afters: &[&str]) {
        let mut q = self.busy.lock().unwrap();
        q.extend(afters.iter().map(|a| a.to_string()));
    }

    /// A URL with a secret in it, as Slack's are.
    fn url(&self) -> String {
        format!(
            "http://127.0.0.1:{}/services/T000/B000/s3cretWebhookPart",
            self.port
        )
    }

    fn take(&self) -> Vec<Value> {
        std::mem::take(&mut *self.bodies.lock().unwrap())
    }
}

struct World {
    fx: Fixture,
    daemon: Daemon,
    argo: Argo,
    slack: Receiver,
    hook: Receiver,
}

impl World {
    fn new(hook_status: u16) -> World {
        let fx = Fixture::of("environments");
        let daemon = Daemon::start(fx.dir.path());
        let before = fx.remote_git(&["rev-parse", "main"]).trim().to_string();
        let repo = daemon.url("environments.git");
        let argo = Argo::start(fx.dir.path(), &fx.remote, &repo, &before);
        World {
            fx,
            daemon,
            argo,
            slack: Receiver::start(200),
            hook: Receiver::start(hook_status),
        }
    }

    fn run(&self, args: &[&str]) -> Output {
        let out = imgbump(&self.fx.home)
            .args(args)
            .args(["--repo", &self.daemon.url("environments.git")])
            .args([
                "--argocd-server",
                &self.argo.url(),
                "--argocd-app",
                "web-staging",
            ])
            .args(["--poll-interval", "100ms"])
            .env("IMGBUMP_WAIT_TIMEOUT", "20s")
            .args([
                "--notify",
                &format!("slack:{}", self.slack.url()),
                "--notify",
                &format!("webhook:{}", self.hook.url()),
            ])
            .env("ARGOCD_AUTH_TOKEN", ARGO_TOKEN)
            .current_dir(self.fx.dir.path())
            .output()
            .unwrap();
        let all = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        for secret in [ARGO_TOKEN, "s3cretWebhookPart"] {
            assert!(!all.contains(secret), "a secret was printed: {all}");
        }
        out
    }

    fn main(&self) -> String {
        self.fx
            .remote_git(&["rev-parse", "main"])
            .trim()
            .to_string()
    }

    /// Another commit on main, after ours.
    fn push_later(bare: &Path) -> String {
        let env = [
            ("GIT_AUTHOR_NAME", "o"),
            ("GIT_AUTHOR_EMAIL", "o@x"),
            ("GIT_COMMITTER_NAME", "o"),
            ("GIT_COMMITTER_EMAIL", "o@x"),
        ];
        let g = |args: &[&str]| {
            let mut c = std::process::Command::new("git");
            c.arg("--git-dir").arg(bare).args(args);
            for (k, v) in env {
                c.env(k, v);
            }
            let out = c.output().unwrap();
            assert!(out.status.success());
            String::from_utf8_lossy(&out.stdout).trim().to_string()
        };
        let main = g(&["rev-parse", "main"]);
        let tree = g(&["rev-parse", "main^{tree}"]);
        let c = g(&["commit-tree", &tree, "-p", &main, "-m", "later"]);
        g(&["update-ref", "refs/heads/main", &c, &main]);
        c
    }
}

/// The state lines a run printed, in order.
fn states(out: &Output) -> Vec<String> {
    String::from_utf8_lossy(&out.stderr)
        .lines()
        .filter_map(|l| {
            l.strip_prefix("web (staging), web-staging: ")
                .map(str::to_string)
        })
        .collect()
}

#[test]
fn set_wait_follows_a_sync_to_healthy_and_says_so() {
    let w = World::new(200);
    let dir = tempfile::tempdir().unwrap();
    let outputs = dir.path().join("outputs");
    w.argo.play(|n, c| match n {
        0 => ok(app(c, "OutOfSync", &c.before, "Healthy", None)),
        1 => ok(app(
            c,
            "OutOfSync",
            &c.before,
            "Healthy",
            Some(("Running", "", &c.main)),
        )),
        2 => ok(app(
            c,
            "Synced",
            &c.main,
            "Progressing",
            Some(("Succeeded", "successfully synced", &c.main)),
        )),
        _ => ok(app(
            c,
            "Synced",
            &c.main,
            "Healthy",
            Some(("Succeeded", "successfully synced", &c.main)),
        )),
    });
    let out = imgbump(&w.fx.home)
        .args(["set", "web=:v9", "--env", "staging", "--wait", "-o", "json"])
        .args(["--repo", &w.daemon.url("environments.git")])
        .args([
            "--argocd-server",
            &w.argo.url(),
            "--argocd-app",
            "web-staging",
            "--poll-interval",
            "100ms",
        ])
        .args([
            "--notify",
            &format!("slack:{}", w.slack.url()),
            "--notify",
            &format!("webhook:{}", w.hook.url()),
        ])
        .env("ARGOCD_AUTH_TOKEN", ARGO_TOKEN)
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_OUTPUT", &outputs)
        .current_dir(w.fx.dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let main = w.main();
    let v = json(&out);
    assert_eq!(v["commit"], main.as_str());
    assert_eq!(v["deployed"], true);
    assert_eq!(v["deployments"][0]["health"], "Healthy");
    assert_eq!(v["deployments"][0]["argocd_revision"], main.as_str());
    let short = &main[..7];
    let b = &w.fx.remote_git(&["rev-parse", "main~1"])[..7];
    assert_eq!(
        states(&out),
        [
            format!("OutOfSync, Healthy at {b}"),
            format!("Syncing, Healthy at {b}"),
            format!("Synced, Progressing at {short}"),
            format!("Synced, Healthy at {short}"),
        ]
    );
    let asked = w.argo.asked.lock().unwrap().clone();
    assert!(
        asked[0]
            .0
            .ends_with("/api/v1/applications/web-staging?refresh=normal"),
        "{asked:?}"
    );
    assert!(
        asked[1..]
            .iter()
            .all(|(p, _)| p == "/api/v1/applications/web-staging"),
        "{asked:?}"
    );
    assert!(asked
        .iter()
        .all(|(_, a)| *a == format!("Bearer {ARGO_TOKEN}")));
    let said = github_outputs(&outputs);
    assert!(
        said.contains("deployed=true\n")
            && said.contains("health=Healthy\n")
            && said.contains(&format!("argocd-revision={main}\n")),
        "{said}"
    );
    // Slack and the webhook were told exactly this.
    let slack = w.slack.take();
    assert_eq!(slack.len(), 1, "{slack:?}");
    assert_eq!(slack[0]["text"], "web v9 deployed to staging ✅");
    assert_eq!(
        slack[0]["blocks"][0]["text"]["text"],
        "web v9 deployed to staging ✅"
    );
    let hook = w.hook.take();
    for body in &hook {
        record_json(Some("webhook"), body);
    }
    assert_eq!(
        hook,
        [json!({"service": "web", "environment": "staging",
            "old_image": "123456789012.dkr.ecr.us-east-1.amazonaws.com/isa-web:sha-1111111",
            "new_image": "123456789012.dkr.ecr.us-east-1.amazonaws.com/isa-web:v9",
            "commit": main, "repository": "environments", "branch": "main", "status": "deployed",
            "argocd_app": "web-staging", "health": "Healthy", "error": null,
            "text": "web v9 deployed to staging ✅"})]
    );

    assert_eq!(w.argo.violations(), Vec::<String>::new());

    // Without --wait, the message says pushed, not deployed.
    let out = w.run(&["set", "web=:v10", "--env", "staging"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let pushed = w.slack.take();
    assert_eq!(
        pushed[0]["text"],
        format!("web → v10 pushed to environments main ({})", &w.main()[..7])
    );
    w.hook.take();

    // The action's step: wait, the Argo CD inputs, notify; outputs deployed and health.
    w.argo
        .play(|_, c| ok(app(c, "Synced", &c.main, "Healthy", None)));
    let outputs = dir.path().join("action-outputs");
    let (url, server) = (w.daemon.url("environments.git"), w.argo.url());
    let notify = format!("slack:{}\n", w.slack.url());
    let out = action_bump(&[
        ("INPUT_REPO", url.as_str()),
        ("INPUT_SERVICE", "web"),
        ("INPUT_IMAGE", ":v11"),
        ("INPUT_ENV", "staging"),
        ("INPUT_WAIT", "true"),
        ("INPUT_ARGOCD_SERVER", server.as_str()),
        ("INPUT_ARGOCD_TOKEN", ARGO_TOKEN),
        ("INPUT_ARGOCD_APP", "web-staging"),
        ("INPUT_NOTIFY", notify.as_str()),
    ])
    .env("GITHUB_OUTPUT", &outputs)
    .env("HOME", &w.fx.home)
    .output()
    .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let said = github_outputs(&outputs);
    assert!(
        said.contains("deployed=true\n") && said.contains("health=Healthy\n"),
        "{said}"
    );
    assert_eq!(w.slack.take()[0]["text"], "web v11 deployed to staging ✅");
}

#[test]
fn wait_reports_what_argo_cd_says() {
    let w = World::new(500);
    // A bump to wait for.
    let out = w.run(&[
        "set",
        "web=:v2",
        "--env",
        "staging",
        "--notify-on",
        "failure",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(
        w.slack.take().is_empty(),
        "--notify-on failure: nothing on success"
    );
    let ours = w.main();

    // A sync to a later commit that contains ours: deployed.
    let bare = w.fx.remote.clone();
    let later = World::push_later(&bare);
    w.argo
        .play(move |_, c| ok(app(c, "Synced", &c.main, "Healthy", None)));
    let out = w.run(&["wait", "web", "--env", "staging", "-o", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let v = json(&out);
    assert_eq!(
        (
            v["deployed"].as_bool(),
            v["deployments"][0]["argocd_revision"].as_str()
        ),
        (Some(true), Some(later.as_str()))
    );
    // The webhook answered 500: a warning, the outcome unchanged.
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("warning: the webhook did not take the notification about web (HTTP 500)"),
        "{}",
        text(&out)
    );

    // A sync to a commit that does not contain ours (another branch): never deployed.
    let side = {
        let g = |a: &[&str]| {
            git(
                w.fx.dir.path(),
                &[&["--git-dir", bare.to_str().unwrap()][..], a].concat(),
            )
        };
        let tree = g(&["rev-parse", &format!("{ours}~1^{{tree}}")]);
        let c = g(&[
            "commit-tree",
            tree.trim(),
            "-p",
            &format!("{ours}~1"),
            "-m",
            "side",
        ]);
        g(&["update-ref", "refs/heads/side", c.trim()]);
        c.trim().to_string()
    };
    let s2 = side.clone();
    w.argo
        .play(move |_, c| ok(app(c, "Synced", &s2, "Healthy", None)));
    let out = w.run(&[
        "wait",
        "web",
        "--env",
        "staging",
        "--commit",
        &ours,
        "--wait-timeout",
        "2s",
    ]);
    assert_fails(
        &out,
        6,
        &format!("last seen: Synced, Healthy at {}", &side[..7]),
        "another branch",
    );

    // Degraded, with Argo CD's words and the resource that is not healthy.
    w.slack.take();
    w.argo.play(|_, c| {
        let mut v = app(c, "Synced", &c.main, "Degraded", None);
        v["status"]["health"]["message"] = json!("");
        v["status"]["resources"][0]["health"] = json!({"status": "Degraded", "message": "Deployment \"web\" exceeded its progress deadline"});
        ok(v)
    });
    let out = w.run(&["wait", "web", "--env", "staging", "--commit", &ours]);
    assert_fails(
        &out,
        6,
        "Deployment/web: Degraded: Deployment \"web\" exceeded its progress deadline",
        "degraded",
    );
    let slack = w.slack.take();
    assert!(
        slack[0]["text"]
            .as_str()
            .unwrap()
            .starts_with("web v2 to staging: not deployed ❌ the application is Degraded"),
        "{slack:?}"
    );

    // An operation that failed.
    w.argo.play(|_, c| {
        ok(app(
            c,
            "OutOfSync",
            &c.before,
            "Healthy",
            Some(("Failed", "one or more objects failed to apply", &c.main)),
        ))
    });
    let out = w.run(&["wait", "web", "--env", "staging", "--commit", &ours]);
    assert_fails(
        &out,
        6,
        "the sync operation failed: one or more objects failed to apply",
        "failed",
    );

    // A multi-source app: our repository's revision decides, not the chart's version.
    w.argo.play(|_, c| {
        let mut v = app(c, "Synced", "", "Healthy", None);
        v["spec"]["sources"] = json!([{"repoURL": "https://charts.example.com/stable", "chart": "web", "targetRevision": "1.2.3"}, {"repoURL": c.repo, "path": "x", "targetRevision": "main"}]);
        v["status"]["sync"] = json!({"status": "Synced", "revisions": ["1.2.3", c.main]});
        ok(v)
    });
    let out = w.run(&["wait", "web", "--env", "staging", "--commit", &ours]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));

    // 401, an unknown app, a 5xx retried, no change until the timeout.
    w.argo.play(|_, _| json_response(401, r#"{"error":"invalid session","code":16,"message":"invalid session: token is expired"}"#, ""));
    assert_fails(
        &w.run(&["wait", "web", "--env", "staging"]),
        1,
        "Argo CD refused the token (HTTP 401: invalid session: token is expired)",
        "401",
    );
    w.argo.play(|_, _| json_response(404, r#"{"error":"applications.argoproj.io \"web-staging\" not found","code":5,"message":"applications.argoproj.io \"web-staging\" not found"}"#, ""));
    assert_fails(
        &w.run(&["wait", "web", "--env", "staging"]),
        3,
        "Argo CD has no application web-staging",
        "404",
    );
    w.argo.play(|n, c| match n {
        0 | 1 => json_response(503, r#"{"message":"upstream connect error"}"#, ""),
        _ => ok(app(c, "Synced", &c.main, "Healthy", None)),
    });
    let out = w.run(&["wait", "web", "--env", "staging"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    w.argo
        .play(|_, c| ok(app(c, "OutOfSync", &c.before, "Healthy", None)));
    let out = w.run(&[
        "wait",
        "web",
        "--env",
        "staging",
        "--commit",
        &ours,
        "--wait-timeout",
        "1s",
    ]);
    assert_fails(&out, 6, "not deployed within --wait-timeout", "timeout");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("last seen: OutOfSync, Healthy"),
        "{}",
        text(&out)
    );

    // The application from .imgbump.yaml, for the service and environment.
    let config = w.fx.remote_file(".imgbump.yaml") + "argocd: {app: \"{service}-{env}\"}\n";
    w.fx.push_elsewhere(".imgbump.yaml", &config, "argocd apps");
    w.argo
        .play(|_, c| ok(app(c, "Synced", &c.main, "Healthy", None)));
    let out = imgbump(&w.fx.home)
        .args([
            "wait",
            "web",
            "--env",
            "staging",
            "--argocd-server",
            &w.argo.url(),
            "-o",
            "json",
        ])
        .args(["--repo", &w.daemon.url("environments.git")])
        .env("ARGOCD_AUTH_TOKEN", ARGO_TOKEN)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(json(&out)["deployments"][0]["argocd_app"], "web-staging");
    assert!(w.argo.asked.lock().unwrap()[0]
        .0
        .starts_with("/api/v1/applications/web-staging?"));

    // Notifications from .imgbump.yaml name a variable; a URL written there is refused.
    let named = w.fx.remote_file(".imgbump.yaml") + "notify: [\"slack:${SLACK_WEBHOOK_URL}\"]\n";
    w.fx.push_elsewhere(".imgbump.yaml", &named, "notify");
    w.slack.take();
    let wait = |extra: &[(&str, String)]| {
        let mut c = imgbump(&w.fx.home);
        c.args([
            "wait",
            "web",
            "--env",
            "staging",
            "--argocd-server",
            &w.argo.url(),
        ])
        .args(["--repo", &w.daemon.url("environments.git")])
        .env("ARGOCD_AUTH_TOKEN", ARGO_TOKEN);
        for (k, v) in extra {
            c.env(k, v);
        }
        c.output().unwrap()
    };
    let out = wait(&[("SLACK_WEBHOOK_URL", w.slack.url())]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(w.slack.take()[0]["text"], "web v2 deployed to staging ✅");
    let out = wait(&[]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "an unset variable is a warning: {}",
        text(&out)
    );
    assert!(String::from_utf8_lossy(&out.stderr)
        .contains("not notifying ${SLACK_WEBHOOK_URL}: its variable is not set"));
    assert!(!String::from_utf8_lossy(&out.stderr).contains("s3cretWebhookPart"));
    let literal =
        w.fx.remote_file(".imgbump.yaml")
            .replace("${SLACK_WEBHOOK_URL}", &w.slack.url());
    w.fx.push_elsewhere(".imgbump.yaml", &literal, "a URL in the repository");
    let out = wait(&[]);
    assert_fails(
        &out,
        2,
        "name a variable that holds the URL",
        "a literal URL",
    );
    assert!(!String::from_utf8_lossy(&out.stderr).contains("s3cretWebhookPart"));
    w.fx.push_elsewhere(".imgbump.yaml", &named, "notify, named");

    // Plain HTTP elsewhere than this machine is refused before anything is asked.
    let out = imgbump(&w.fx.home)
        .args([
            "wait",
            "web",
            "--env",
            "staging",
            "--argocd-app",
            "web-staging",
            "--argocd-server",
            "http://argocd.example.com",
        ])
        .args(["--repo", &w.daemon.url("environments.git")])
        .env("ARGOCD_AUTH_TOKEN", ARGO_TOKEN)
        .output()
        .unwrap();
    assert_fails(&out, 2, "--insecure-argocd", "plain http");
    assert_eq!(
        w.argo.violations(),
        Vec::<String>::new(),
        "requests outside Argo CD's description"
    );
}

/// The `--help` of `wait` and `set` shows the whole flow as valid YAML.
#[test]
fn the_help_shows_the_whole_flow_as_valid_yaml() {
    let home = tempfile::tempdir().unwrap();
    for sub in ["wait", "set"] {
        let out = imgbump(home.path()).args([sub, "--help"]).output().unwrap();
        let help = String::from_utf8_lossy(&out.stdout).into_owned();
        let start = help
            .find("Example: the whole flow")
            .unwrap_or_else(|| panic!("{sub}: {help}"));
        let block: String = help[start..]
            .lines()
            .skip_while(|l| !l.starts_with("    "))
            .take_while(|l| l.starts_with("    "))
            .map(|l| format!("{}\n", &l[4..]))
            .collect();
        let flow: Value =
            serde_yaml_ng::from_str(&block).unwrap_or_else(|e| panic!("{sub}: {e}\n{block}"));
        let steps = flow["jobs"]["deploy"]["steps"].as_array().unwrap();
        assert!(steps[0]["run"].as_str().unwrap().contains("--wait"));
        assert!(steps[1]["run"].as_str().unwrap().contains("promote"));
        for s in steps {
            let check = std::process::Command::new("bash")
                .args(["-n", "-c", s["run"].as_str().unwrap()])
                .output()
                .unwrap();
            assert!(check.status.success());
        }
    }
}

/// Argo CD and a webhook that answer `429` with `Retry-After` are waited for as they ask, each
/// wait said on one line; a wait past the deadline is not begun (Argo CD's: exit 6, naming
/// --wait-timeout; a webhook's: a warning, the outcome unchanged); a hostile value is capped.
#[test]
fn argo_cd_and_a_webhook_that_ask_to_wait_are_waited_for() {
    let w = World::new(200);
    let out = w.run(&[
        "set",
        "web=:v2",
        "--env",
        "staging",
        "--notify-on",
        "failure",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    w.hook.take();
    let busy = || {
        json_response(
            429,
            r#"{"error":"too many requests","message":"slow down"}"#,
            "Retry-After: 1\r\n",
        )
    };
    w.argo.play(move |n, c| match n {
        0 => busy(),
        _ => ok(app(c, "Synced", &c.main, "Healthy", None)),
    });
    w.hook.busy(&["1"]);
    let out = w.run(&["wait", "web", "--env", "staging", "-o", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(json(&out)["deployed"], true);
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    let lines = |needle: &str| stderr.lines().filter(|l| l.contains(needle)).count();
    assert_eq!(
        lines("Argo CD answered HTTP 429 (slow down) and asks to wait 1 s: waiting that long (--wait-timeout bounds the wait)"),
        1,
        "{stderr}"
    );
    assert_eq!(
        lines("the webhook answered HTTP 429 to the notification about web and asks to wait: waiting 1 s before sending it again; --timeout bounds the wait"),
        1,
        "{stderr}"
    );
    assert!(!stderr.contains("warning"), "{stderr}");
    assert_eq!(w.hook.take().len(), 2, "refused once, then taken");

    // Past the deadline: not waited, said.
    w.argo.play(move |_, _| {
        json_response(429, r#"{"message":"slow down"}"#, "Retry-After: 3600\r\n")
    });
    w.hook.busy(&["99999999999999999999999"]);
    let out = w.run(&["wait", "web", "--env", "staging", "--wait-timeout", "5s"]);
    assert_fails(
        &out,
        6,
        "Argo CD answered HTTP 429 (slow down) and asks to wait 1 h 0 min, past --wait-timeout; raise --wait-timeout",
        "argo cd past the deadline",
    );
    assert_fails(
        &out,
        6,
        "warning: the webhook did not take the notification about web (HTTP 429) and asks to wait 24 h 0 min, past --timeout",
        "a webhook past the deadline",
    );
    assert_eq!(w.hook.take().len(), 1, "asked once, not again");
    assert!(w.argo.violations().is_empty(), "{:?}", w.argo.violations());
}
