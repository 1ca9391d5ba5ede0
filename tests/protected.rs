//! Protected branches: a `pre-receive` hook on the remote refuses direct pushes to `main` (as
//! branch protection does); the bump goes to a branch of its own (`--push-branch`), with
//! GitLab's merge-request push options recorded by the hook, through `git daemon` and
//! `git http-backend`; commits signed with real `ssh-keygen` and `gpg` keys made by the tests,
//! checked with `git verify-commit` on the remote's commit.

mod support;

use std::path::Path;
use std::process::Command;

use support::*;

/// The hook: refuses updates of main, records the push options of every push.
fn protect(fx: &Fixture) {
    let hook = fx.remote.join("hooks/pre-receive");
    let record = fx.dir.path().join("push-options");
    std::fs::write(
        &hook,
        format!(
            "#!/bin/sh\n: > {rec}\ni=0\nwhile [ $i -lt \"${{GIT_PUSH_OPTION_COUNT:-0}}\" ]; do eval \"echo \\\"\\$GIT_PUSH_OPTION_$i\\\"\" >> {rec}; i=$((i+1)); done\nwhile read old new ref; do\n  if [ \"$ref\" = refs/heads/main ]; then\n    echo \"GH006: Protected branch update failed for refs/heads/main.\" >&2\n    exit 1\n  fi\ndone\n",
            rec = record.display()
        ),
    )
    .unwrap();
    Command::new("chmod")
        .arg("755")
        .arg(&hook)
        .status()
        .unwrap();
    fx.remote_git(&["config", "receive.advertisePushOptions", "true"]);
    fx.remote_git(&["config", "http.receivepack", "true"]);
}

fn options(fx: &Fixture) -> Vec<String> {
    std::fs::read_to_string(fx.dir.path().join("push-options"))
        .unwrap_or_default()
        .lines()
        .map(str::to_string)
        .collect()
}

fn branches(fx: &Fixture) -> Vec<String> {
    fx.remote_git(&["for-each-ref", "--format=%(refname:short)", "refs/heads"])
        .lines()
        .map(str::to_string)
        .collect()
}

#[test]
fn a_protected_main_is_refused_and_a_push_branch_lands_through_daemon_and_http() {
    let fx = Fixture::new();
    protect(&fx);
    let daemon = Daemon::start(fx.dir.path());
    let http = Http::start(fx.dir.path(), None);
    let main = fx.remote_git(&["rev-parse", "main"]);
    for (i, url) in [daemon.url("isA_Cloud.git"), http.url("isA_Cloud.git")]
        .into_iter()
        .enumerate()
    {
        let tag = format!("sha-{i}aaaaaa");
        // The plain push: refused by the hook, said with its words, exit 5, run once.
        let out = fx.run(&["set", &format!("agent=:{tag}"), "--repo", &url]);
        assert_fails(
            &out,
            5,
            "GH006: Protected branch update failed",
            "direct push",
        );
        // To a branch of its own: lands; main untouched.
        let out = fx.run(&[
            "set",
            &format!("agent=:{tag}"),
            "--repo",
            &url,
            "--push-branch",
            "imgbump/{service}/{tag}",
            "-o",
            "json",
        ]);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out));
        let v = json(&out);
        let branch = format!("imgbump/agent/{tag}");
        assert_eq!(v["pr_branch"], branch.as_str());
        assert_eq!(v["pushed"], true);
        assert_eq!(fx.remote_git(&["rev-parse", "main"]), main);
        assert_eq!(
            fx.remote_git(&["rev-parse", &format!("{branch}^")]),
            main,
            "cut from main's tip"
        );
        let diff = fx.remote_git(&["diff", "--unified=0", "main", &branch]);
        assert_eq!(
            diff.lines()
                .filter(|l| l.starts_with('+') && !l.starts_with("+++"))
                .count(),
            1,
            "{diff}"
        );
        // Again: the branch has the change; success, nothing pushed.
        let commit = fx.remote_git(&["rev-parse", &branch]);
        let out = fx.run(&[
            "set",
            &format!("agent=:{tag}"),
            "--repo",
            &url,
            "--push-branch",
            "imgbump/{service}/{tag}",
        ]);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out));
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("already has this change"),
            "{}",
            text(&out)
        );
        assert_eq!(fx.remote_git(&["rev-parse", &branch]), commit);
    }
    // A branch of that name with other content: refused, never forced.
    let other = fx.clone_elsewhere();
    git(&other, &["checkout", "-qb", "imgbump/agent/sha-bbbbbbb"]);
    std::fs::write(other.join("README.txt"), "someone's\n").unwrap();
    git(&other, &["add", "-A"]);
    git(&other, &["commit", "-qm", "someone's"]);
    fx.remote_git(&["config", "receive.denyCurrentBranch", "ignore"]);
    let hook = fx.remote.join("hooks/pre-receive");
    let saved = std::fs::read(&hook).unwrap();
    std::fs::remove_file(&hook).unwrap();
    git(
        &other,
        &["push", "-q", "origin", "imgbump/agent/sha-bbbbbbb"],
    );
    std::fs::write(&hook, saved).unwrap();
    Command::new("chmod")
        .arg("755")
        .arg(&hook)
        .status()
        .unwrap();
    let theirs = fx.remote_git(&["rev-parse", "imgbump/agent/sha-bbbbbbb"]);
    let out = fx.run(&[
        "set",
        "agent=:sha-bbbbbbb",
        "--repo",
        &daemon.url("isA_Cloud.git"),
        "--push-branch",
        "imgbump/{service}/{tag}",
    ]);
    assert_fails(&out, 4, "exists on", "other content");
    assert_eq!(
        fx.remote_git(&["rev-parse", "imgbump/agent/sha-bbbbbbb"]),
        theirs
    );
    // No change: no branch.
    let before = branches(&fx);
    let current = fx
        .remote_file(AGENT)
        .lines()
        .find(|l| l.contains("isa-agent:"))
        .unwrap()
        .split("image: ")
        .nth(1)
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap()
        .to_string();
    let out = fx.run(&[
        "set",
        &format!("agent={current}"),
        "--repo",
        &daemon.url("isA_Cloud.git"),
        "--push-branch",
        "imgbump/{service}/{tag}",
        "-o",
        "json",
    ]);
    assert_eq!(json(&out)["status"], "unchanged", "{}", text(&out));
    assert_eq!(branches(&fx), before);
}

#[test]
fn gitlab_merge_requests_ride_on_push_options() {
    let fx = Fixture::new();
    protect(&fx);
    let daemon = Daemon::start(fx.dir.path());
    let http = Http::start(fx.dir.path(), None);
    for (i, url) in [
        daemon.url("isA_Cloud.git"),
        http.url("isA_Cloud.git"),
        fx.url(),
    ]
    .into_iter()
    .enumerate()
    {
        let tag = format!("v{i}");
        let out = fx.run(&[
            "set",
            &format!("agent=:{tag}"),
            "--repo",
            &url,
            "--open-pr",
            "gitlab",
            "--pr-label",
            "deploy",
            "--auto-merge",
            "--push-option",
            "ci.skip",
        ]);
        assert_eq!(out.status.code(), Some(0), "{url}: {}", text(&out));
        assert_eq!(
            options(&fx),
            [
                "ci.skip".to_string(),
                "merge_request.create".into(),
                "merge_request.target=main".into(),
                format!("merge_request.title=chore: update agent image to {tag}"),
                "merge_request.remove_source_branch".into(),
                "merge_request.label=deploy".into(),
                "merge_request.merge_when_pipeline_succeeds".into(),
            ],
            "{url}"
        );
        assert!(branches(&fx).contains(&format!("imgbump/agent/{tag}")));
    }
}

fn keygen(dir: &Path) -> (String, String) {
    let key = dir.join("id_ed25519");
    let out = Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-C", "imgbump-test", "-f"])
        .arg(&key)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let public = std::fs::read_to_string(dir.join("id_ed25519.pub")).unwrap();
    (key.display().to_string(), public.trim().to_string())
}

/// `git verify-commit` on the remote, with `allowed` as the SSH allowed signers.
fn verify_ssh(fx: &Fixture, rev: &str, allowed: &Path) -> std::process::Output {
    Command::new("git")
        .args([
            "--git-dir",
            fx.remote.to_str().unwrap(),
            "-c",
            "gpg.format=ssh",
            "-c",
        ])
        .arg(format!("gpg.ssh.allowedSignersFile={}", allowed.display()))
        .args(["verify-commit", "-v", rev])
        .env("HOME", &fx.home)
        .output()
        .unwrap()
}

#[test]
fn ssh_signed_commits_verify_on_the_remote_and_every_retry_re_signs() {
    let fx = Fixture::new();
    let (key, public) = keygen(fx.dir.path());
    let allowed = fx.dir.path().join("allowed_signers");
    std::fs::write(
        &allowed,
        format!("imgbump@localhost namespaces=\"git\" {public}\n"),
    )
    .unwrap();
    // Through a server that answers the first two pushes as GitHub does when the branch moved:
    // each attempt makes (and signs) the commit again.
    let refusals: Refusals = Default::default();
    for _ in 0..2 {
        refusals.lock().unwrap().push_back(("cannot lock ref 'refs/heads/main': is at 1111111111111111111111111111111111111111 but expected 2222222222222222222222222222222222222222".into(), String::new()));
    }
    let http = Http::start_refusing(fx.dir.path(), None, refusals);
    let out = fx.run(&[
        "set",
        "agent=:signed",
        "--repo",
        &http.url("isA_Cloud.git"),
        "--sign",
        &format!("ssh:{key}"),
        "--author",
        "CI <imgbump@localhost>",
        "-o",
        "json",
        // Every attempt of one run, not a batch's commit.
        "--no-batch",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(json(&out)["attempts"], 3);
    let v = verify_ssh(&fx, "main", &allowed);
    assert!(
        v.status.success(),
        "verify-commit: {}",
        String::from_utf8_lossy(&v.stderr)
    );
    assert!(
        String::from_utf8_lossy(&v.stderr).contains("Good \"git\" signature for imgbump@localhost"),
        "{}",
        String::from_utf8_lossy(&v.stderr)
    );
    // Another key is not trusted: the check is real.
    let other = fx.dir.path().join("other");
    std::fs::create_dir_all(&other).unwrap();
    let (_, stranger) = keygen(&other);
    std::fs::write(
        &allowed,
        format!("imgbump@localhost namespaces=\"git\" {stranger}\n"),
    )
    .unwrap();
    assert!(!verify_ssh(&fx, "main", &allowed).status.success());
    // A signer that fails: an error before anything is pushed, with its words.
    let before = fx.remote_count();
    let out = fx.run(&[
        "set",
        "agent=:unsigned",
        "--repo",
        &fx.url(),
        "--sign",
        "ssh:/nonexistent/key",
    ]);
    assert_fails(&out, 4, "ssh-keygen could not sign", "bad key");
    assert!(String::from_utf8_lossy(&out.stderr).contains("nothing was committed or pushed"));
    assert_eq!(fx.remote_count(), before);
    // The key in ssh-agent (`--sign ssh-agent`): the agent's first key signs.
    let sock = fx.dir.path().join("agent.sock");
    let agent = Owned(
        Command::new("ssh-agent")
            .args(["-D", "-a"])
            .arg(&sock)
            .stdout(std::process::Stdio::null())
            .spawn()
            .unwrap(),
    );
    for _ in 0..100 {
        if sock.exists() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let added = Command::new("ssh-add")
        .arg(&key)
        .env("SSH_AUTH_SOCK", &sock)
        .output()
        .unwrap();
    assert!(
        added.status.success(),
        "{}",
        String::from_utf8_lossy(&added.stderr)
    );
    std::fs::write(
        &allowed,
        format!("imgbump@localhost namespaces=\"git\" {public}\n"),
    )
    .unwrap();
    let out = fx
        .cmd()
        .args([
            "set",
            "agent=:agent-signed",
            "--repo",
            &fx.url(),
            "--sign",
            "ssh-agent",
            "--author",
            "CI <imgbump@localhost>",
        ])
        .env("SSH_AUTH_SOCK", &sock)
        .output()
        .unwrap();
    drop(agent);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let v = verify_ssh(&fx, "main", &allowed);
    assert!(
        v.status.success(),
        "verify-commit: {}",
        String::from_utf8_lossy(&v.stderr)
    );
    // In a checkout, git config says to sign (commit.gpgsign, gpg.format=ssh, user.signingkey).
    std::fs::write(
        &allowed,
        format!("imgbump@localhost namespaces=\"git\" {public}\n"),
    )
    .unwrap();
    git(&fx.checkout, &["pull", "-q"]);
    for (k, v) in [
        ("commit.gpgsign", "true"),
        ("gpg.format", "ssh"),
        ("user.signingkey", key.as_str()),
        ("user.name", "CI"),
        ("user.email", "imgbump@localhost"),
    ] {
        git(&fx.checkout, &["config", k, v]);
    }
    let out = fx.run(&[
        "set",
        "agent=:from-config",
        "-C",
        fx.checkout.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let v = verify_ssh(&fx, "main", &allowed);
    assert!(
        v.status.success(),
        "verify-commit: {}",
        String::from_utf8_lossy(&v.stderr)
    );
}

#[test]
fn gpg_signed_commits_verify_on_the_remote() {
    let fx = Fixture::new();
    let gnupg = fx.dir.path().join("gnupg");
    std::fs::create_dir_all(&gnupg).unwrap();
    // The agent gpg starts is ended, and waited for, however the test ends.
    let _agent = GpgAgent(gnupg.clone());
    Command::new("chmod")
        .arg("700")
        .arg(&gnupg)
        .status()
        .unwrap();
    let gpg = |args: &[&str]| {
        let out = Command::new("gpg")
            .args(["--batch", "--homedir"])
            .arg(&gnupg)
            .args(args)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "gpg {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    gpg(&[
        "--passphrase",
        "",
        "--quick-gen-key",
        "CI <imgbump@localhost>",
        "ed25519",
        "sign",
        "never",
    ]);
    let listed = gpg(&["--with-colons", "--list-secret-keys"]);
    let fpr = listed
        .lines()
        .find(|l| l.starts_with("fpr:"))
        .unwrap()
        .split(':')
        .nth(9)
        .unwrap()
        .to_string();
    let out = fx
        .cmd()
        .args([
            "set",
            "agent=:gpg-signed",
            "--repo",
            &fx.url(),
            "--sign",
            &format!("gpg:{fpr}"),
            "--author",
            "CI <imgbump@localhost>",
        ])
        .env("GNUPGHOME", &gnupg)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let v = Command::new("git")
        .args([
            "--git-dir",
            fx.remote.to_str().unwrap(),
            "verify-commit",
            "-v",
            "main",
        ])
        .env("GNUPGHOME", &gnupg)
        .output()
        .unwrap();
    assert!(
        v.status.success(),
        "verify-commit: {}",
        String::from_utf8_lossy(&v.stderr)
    );
    assert!(
        String::from_utf8_lossy(&v.stderr)
            .contains("Good signature from \"CI <imgbump@localhost>\""),
        "{}",
        String::from_utf8_lossy(&v.stderr)
    );
    // An unknown key: gpg's words, nothing pushed.
    let before = fx.remote_count();
    let out = fx
        .cmd()
        .args([
            "set",
            "agent=:nope",
            "--repo",
            &fx.url(),
            "--sign",
            "gpg:DEADBEEFDEADBEEF",
        ])
        .env("GNUPGHOME", &gnupg)
        .output()
        .unwrap();
    assert_fails(&out, 4, "gpg could not sign", "unknown key");
    assert_eq!(fx.remote_count(), before);
}

/// The gpg-agent of a GnuPG home: told to end when dropped, and waited for until it has.
struct GpgAgent(std::path::PathBuf);

impl Drop for GpgAgent {
    fn drop(&mut self) {
        let _ = Command::new("gpgconf")
            .arg("--homedir")
            .arg(&self.0)
            .args(["--kill", "all"])
            .status();
        let home = self.0.display().to_string();
        for _ in 0..200 {
            let running = Command::new("pgrep")
                .args(["-f", &format!("gpg-agent.*{home}")])
                .output()
                .is_ok_and(|o| o.status.success());
            if !running {
                return;
            }
            std::thread::sleep(std::time::Duration::from_millis(25));
        }
    }
}

/// The action's bump step with `open-pr: gitlab`, labels and `push-branch`.
#[test]
fn the_action_exposes_branches_merge_requests_and_signing() {
    let fx = Fixture::new();
    protect(&fx);
    let (key, public) = keygen(fx.dir.path());
    let allowed = fx.dir.path().join("allowed_signers");
    std::fs::write(
        &allowed,
        format!("imgbump@localhost namespaces=\"git\" {public}\n"),
    )
    .unwrap();
    let outputs = fx.dir.path().join("outputs");
    let url = fx.url();
    let sign = format!("ssh:{key}");
    let out = action_bump(&[
        ("INPUT_REPO", url.as_str()),
        ("INPUT_SERVICE", "agent"),
        ("INPUT_IMAGE", ":v7"),
        ("INPUT_OPEN_PR", "gitlab"),
        ("INPUT_PUSH_BRANCH", "deploy/{service}-{tag}"),
        ("INPUT_PR_LABELS", "deploy\nagent\n"),
        ("INPUT_SIGN", sign.as_str()),
        ("INPUT_AUTHOR", "CI <imgbump@localhost>"),
    ])
    .env("GITHUB_OUTPUT", &outputs)
    .env("HOME", &fx.home)
    .output()
    .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(
        options(&fx).contains(&"merge_request.label=agent".to_string()),
        "{:?}",
        options(&fx)
    );
    assert!(github_outputs(&outputs).contains("pr-branch=deploy/agent-v7\n"));
    assert!(verify_ssh(&fx, "deploy/agent-v7", &allowed)
        .status
        .success());
}
