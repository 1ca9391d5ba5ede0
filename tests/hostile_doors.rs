//! Hostile input through the doors to the outside: Argo CD's answers, webhook and Slack
//! receivers, GitHub's answers, a GitHub App's key. Each server here is a loopback liar
//! (`support::liar`) that echoes secrets, forges, floods, hangs; every output a user or CI
//! reads is checked byte for byte where it matters, and for secrets everywhere.

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use support::liar::*;
use support::*;

const ARGO_TOKEN: &str = "argo-T0ken-Zq8Xw2Lp5Vn7Rt3Ys9Ku4Hm6Jd1Fb0Gc";

/// Runs `cmd` with a hard limit (a hang is a failure, never a stuck test).
fn bounded(mut cmd: Command, limit: Duration) -> (Output, Duration) {
    let start = Instant::now();
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Read the pipes while waiting, so that a large output cannot block the child.
    let mut so = child.stdout.take().unwrap();
    let mut se = child.stderr.take().unwrap();
    let t1 = std::thread::spawn(move || {
        let mut b = Vec::new();
        std::io::Read::read_to_end(&mut so, &mut b).ok();
        b
    });
    let t2 = std::thread::spawn(move || {
        let mut b = Vec::new();
        std::io::Read::read_to_end(&mut se, &mut b).ok();
        b
    });
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!("imgbump did not finish within {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let took = start.elapsed();
    let out = Output {
        status,
        stdout: t1.join().unwrap(),
        stderr: t2.join().unwrap(),
    };
    (out, took)
}

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
            w.cmd(
                &liar.url(),
                &[
                    "wait",
                    "web",
                    "--env",
                    "staging",
                    "--argocd-app",
                    "web-staging",
                    "-o",
                    "json",
                ],
            ),
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
