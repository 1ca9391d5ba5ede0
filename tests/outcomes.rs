//! What imgbump says is what happened on the remote: a checkout's unpushed commit, the
//! remote-tracking branch, races as servers report them, hooks' refusals, and the usage errors
//! a new user runs into. Against real Git; the `git` CLI checks what landed.

mod support;

use support::*;

fn code(out: &std::process::Output) -> Option<i32> {
    out.status.code()
}

#[test]
fn an_unpushed_local_commit_is_pushed_not_reported_as_done() {
    let fx = Fixture::new();
    let co = fx.checkout.to_str().unwrap().to_string();
    let n = fx.remote_count();
    let out = fx.run(&["set", "-C", &co, "--no-push", "agent=:v2"]);
    assert_eq!(code(&out), Some(0), "{}", text(&out));
    assert_eq!(fx.remote_count(), n);
    let local = git(&fx.checkout, &["rev-parse", "HEAD"]);
    let out = fx.run(&["set", "-C", &co, "--output", "json", "agent=:v2"]);
    assert_eq!(code(&out), Some(0), "{}", text(&out));
    let v = json(&out);
    assert_eq!(v["pushed"], true, "{v}");
    let note = v["note"].as_str().unwrap_or("");
    assert!(
        note.contains("'s own commit") && note.contains("was pushed"),
        "{v}"
    );
    // The checkout's own commit went up as it was: both sides agree.
    assert_eq!(fx.remote_git(&["rev-parse", "main"]), local);
    assert_eq!(fx.remote_count(), n + 1);
    let status = git(&fx.checkout, &["status", "--porcelain=v1", "-b"]);
    assert_eq!(status.trim(), "## main...origin/main", "{status}");
    // Now it is truly there: nothing to do, nothing pushed.
    let out = fx.run(&["set", "-C", &co, "--output", "json", "agent=:v2"]);
    assert_eq!(json(&out)["status"], "unchanged", "{}", text(&out));
    assert_eq!(fx.remote_count(), n + 1);
}

#[test]
fn a_push_from_a_checkout_moves_its_remote_tracking_branch() {
    let fx = Fixture::new();
    let co = fx.checkout.to_str().unwrap().to_string();
    let out = fx.run(&["set", "-C", &co, "agent=:v2"]);
    assert_eq!(code(&out), Some(0), "{}", text(&out));
    assert_eq!(
        git(&fx.checkout, &["rev-parse", "origin/main"]),
        fx.remote_git(&["rev-parse", "main"])
    );
    // What `git reset --hard origin/main` would do keeps the bump.
    git(&fx.checkout, &["reset", "-q", "--hard", "origin/main"]);
    assert!(std::fs::read_to_string(fx.checkout.join(AGENT))
        .unwrap()
        .contains("isa-agent:v2"));
}

#[test]
fn a_bare_name_without_a_tag_is_refused_with_the_likely_meaning() {
    let fx = Fixture::new();
    let url = fx.url();
    let n = fx.remote_count();
    let out = fx.run(&["set", "--repo", &url, "agent=sha-abc1234"]);
    assert_fails(
        &out,
        4,
        "did you mean `agent=:sha-abc1234`",
        "a forgotten colon",
    );
    assert_eq!(fx.remote_count(), n);
    let out = fx.run(&["set", "--repo", &url, "--allow-latest", "agent=nginx"]);
    assert_eq!(code(&out), Some(0), "{}", text(&out));
    let out = fx.run(&["get", "agent", "--repo", &url]);
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "nginx\n",
        "{}",
        text(&out)
    );
}

#[test]
fn usage_errors_say_so_in_json_too() {
    let fx = Fixture::new();
    let url = fx.url();
    let out = fx.run(&[
        "set", "--repo", &url, "--output", "json", "agent=:a", "agent=:b",
    ]);
    assert_fails(&out, 2, "named twice", "the same service twice");
    assert_eq!(json(&out)["error"]["kind"], "usage");
    // clap's own errors (an unknown flag) as well.
    let out = fx.run(&[
        "set",
        "--repo",
        &url,
        "--output",
        "json",
        "--no-such-flag",
        "agent=:a",
    ]);
    assert_eq!(code(&out), Some(2), "{}", text(&out));
    assert_eq!(json(&out)["error"]["kind"], "usage");
    let out = fx
        .cmd()
        .env("IMGBUMP_OUTPUT", "json")
        .args(["set", "--bogus"])
        .output()
        .unwrap();
    assert_eq!(json(&out)["error"]["kind"], "usage", "{}", text(&out));
    let out = fx.run(&["set", "--repo", &url, "--message", " ", "agent=:a"]);
    assert_fails(&out, 2, "--message is empty", "an empty message");
}

#[test]
fn list_says_why_it_found_nothing() {
    let fx = Fixture::new();
    let out = fx.run(&[
        "list",
        "--repo",
        &fx.url(),
        "--manifest",
        "nowhere/{service}.yaml",
    ]);
    assert_fails(&out, 3, "no file on branch main matches", "an empty list");
}

#[test]
fn history_in_a_shallow_checkout_says_it_is_shallow() {
    let fx = Fixture::new();
    let url = fx.url();
    for tag in ["v1", "v2"] {
        let out = fx.run(&["set", "--repo", &url, &format!("agent=:{tag}")]);
        assert_eq!(code(&out), Some(0), "{}", text(&out));
    }
    let shallow = fx.dir.path().join("shallow");
    git(
        fx.dir.path(),
        &[
            "clone",
            "-q",
            "--depth",
            "1",
            &url,
            shallow.to_str().unwrap(),
        ],
    );
    let out = fx.run(&[
        "history",
        "agent",
        "-C",
        shallow.to_str().unwrap(),
        "--nth",
        "1",
    ]);
    assert_fails(&out, 3, "shallow", "history --nth 1 in a shallow checkout");
    assert!(
        text(&out).contains("git fetch --unshallow"),
        "{}",
        text(&out)
    );
}

#[test]
fn a_missing_remote_says_the_commit_stayed_local() {
    let fx = Fixture::new();
    git(
        &fx.checkout,
        &["remote", "set-url", "origin", "/nonexistent/isA_Cloud.git"],
    );
    let out = fx.run(&["set", "-C", fx.checkout.to_str().unwrap(), "agent=:v2"]);
    assert_fails(
        &out,
        5,
        "stays on the local branch main, not pushed",
        "a missing remote",
    );
}

/// Three pushes in a row refused as other servers refuse a lost race, then git's own answer:
/// each is a moved branch, retried, and the bump lands once.
#[test]
fn other_servers_race_messages_are_a_moved_branch() {
    let fx = Fixture::new();
    let (x, y) = ("1".repeat(40), "2".repeat(40));
    let refusals: Refusals = Default::default();
    refusals.lock().unwrap().extend([
        // GitHub.
        (
            format!("cannot lock ref 'refs/heads/main': is at {x} but expected {y}"),
            String::new(),
        ),
        // GitLab, and git from 2.48.
        ("incorrect old value provided".to_string(), String::new()),
        // git up to 2.47: a generic status, the reason on the progress band.
        (
            "failed to update ref".to_string(),
            format!("error: cannot lock ref 'refs/heads/main': is at {x} but expected {y}"),
        ),
    ]);
    let http = Http::start_refusing(fx.dir.path(), None, refusals.clone());
    let n = fx.remote_count();
    let out = fx.run(&[
        "set",
        "--repo",
        &http.url("isA_Cloud.git"),
        "--output",
        "json",
        // One run's reading of the server's words, not a batch's.
        "--no-batch",
        "agent=:v2",
    ]);
    assert_eq!(code(&out), Some(0), "{}", text(&out));
    assert_eq!(json(&out)["attempts"], 4, "{}", text(&out));
    assert!(refusals.lock().unwrap().is_empty());
    assert_eq!(fx.remote_count(), n + 1);
}

/// A hook whose words look like a race is a refusal: shown, never retried.
#[test]
fn a_hook_that_talks_like_a_race_is_a_refusal() {
    let fx = Fixture::new();
    let hook = fx.remote.join("hooks/pre-receive");
    let count = fx.dir.path().join("hook-runs");
    std::fs::write(
        &hook,
        format!(
            "#!/bin/sh\necho run >> '{}'\necho \"error: cannot lock ref 'refs/heads/main': is at {} but expected {}\"\necho 'non-fast-forward (fetch first): protected branch, open a pull request'\nexit 1\n",
            count.display(),
            "1".repeat(40),
            "2".repeat(40)
        ),
    )
    .unwrap();
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&hook, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let daemon = Daemon::start(fx.dir.path());
    let n = fx.remote_count();
    let out = fx.run(&["set", "--repo", &daemon.url("isA_Cloud.git"), "agent=:v2"]);
    assert_fails(
        &out,
        5,
        "protected branch, open a pull request",
        "a hook's refusal",
    );
    assert!(!text(&out).contains("kept moving"), "{}", text(&out));
    assert_eq!(std::fs::read_to_string(&count).unwrap().lines().count(), 1);
    assert_eq!(fx.remote_count(), n);
}

#[test]
fn list_reports_a_file_it_cannot_read_and_lists_the_rest() {
    let fx = Fixture::new();
    let co = fx.clone_elsewhere();
    let apps = co.join("deployments/kubernetes/base/applications");
    std::os::unix::fs::symlink("agent-deployment.yaml", apps.join("evil-deployment.yaml")).unwrap();
    git(&co, &["add", "-A"]);
    git(&co, &["commit", "-qm", "a link"]);
    git(&co, &["push", "-q", "origin", "main"]);
    let out = fx.run(&["list", "--repo", &fx.url()]);
    assert_eq!(code(&out), Some(0), "{}", text(&out));
    let listed = String::from_utf8_lossy(&out.stdout);
    assert!(
        listed
            .lines()
            .any(|l| l.starts_with("evil\t") && l.contains("symbolic link")),
        "{listed}"
    );
    for s in ["agent", "mcp", "model", "user"] {
        assert!(
            listed
                .lines()
                .any(|l| l.starts_with(&format!("{s}\tDeployment/"))),
            "{s}: {listed}"
        );
    }
}

#[test]
fn no_push_against_a_url_says_the_commit_would_vanish() {
    let fx = Fixture::new();
    let out = fx.run(&["set", "--repo", &fx.url(), "--no-push", "agent=:v2"]);
    assert_fails(&out, 2, "deleted when imgbump ends", "--no-push with a URL");
    let out = fx.run(&["rollback", "agent", "--repo", &fx.url(), "--no-push"]);
    assert_fails(&out, 2, "--dry-run", "rollback --no-push with a URL");
}

#[test]
fn a_branch_without_an_upstream_says_what_happened_to_the_commit() {
    let fx = Fixture::new();
    git(&fx.checkout, &["checkout", "-q", "-b", "feature"]);
    let n = fx.remote_count();
    let out = fx.run(&["set", "-C", fx.checkout.to_str().unwrap(), "agent=:v2"]);
    assert_fails(&out, 5, "does not exist on", "a branch with no upstream");
    let said = text(&out);
    assert!(said.contains("git push -u origin feature"), "{said}");
    assert!(
        said.contains("stays on the local branch feature, not pushed"),
        "{said}"
    );
    assert!(!said.contains("no longer exists"), "{said}");
    assert_eq!(fx.remote_count(), n);
    assert!(std::fs::read_to_string(fx.checkout.join(AGENT))
        .unwrap()
        .contains("isa-agent:v2"));
}

/// A clean checkout with line-ending conversion (Git for Windows' `core.autocrlf=true`, or
/// `*.yaml text eol=crlf`) is clean to imgbump too, and the file it writes is the one
/// `git checkout` would write: CRLF, and `git status` clean.
#[test]
fn line_ending_conversion_is_not_an_uncommitted_change() {
    for (how, setup) in [
        (
            "core.autocrlf=true",
            vec![vec!["config", "core.autocrlf", "true"]],
        ),
        ("eol=crlf attribute", vec![]),
    ] {
        let fx = Fixture::new();
        let co = fx.checkout.clone();
        for args in &setup {
            git(&co, args);
        }
        if setup.is_empty() {
            std::fs::write(co.join(".git/info/attributes"), "*.yaml text eol=crlf\n").unwrap();
        }
        // Check the files out again through the filters: CRLF in the work tree.
        git(&co, &["rm", "-q", "--cached", "-r", "."]);
        git(&co, &["reset", "-q", "--hard"]);
        let path = co.join(AGENT);
        assert!(
            std::fs::read(&path)
                .unwrap()
                .windows(2)
                .any(|w| w == b"\r\n"),
            "{how}"
        );
        assert_eq!(git(&co, &["status", "--porcelain"]), "", "{how}");
        let out = fx.run(&["set", "-C", co.to_str().unwrap(), "agent=:crlf"]);
        assert_eq!(out.status.code(), Some(0), "{how}: {}", text(&out));
        let written = std::fs::read(&path).unwrap();
        let lf = written.iter().filter(|&&b| b == b'\n').count();
        let crlf = written.windows(2).filter(|w| *w == b"\r\n").count();
        assert_eq!(lf, crlf, "{how}: every line ends in CRLF");
        assert_eq!(git(&co, &["status", "--porcelain"]), "", "{how}");
        assert!(fx.remote_file(AGENT).contains("isa-agent:crlf"), "{how}");
        assert!(
            !fx.remote_file(AGENT).contains('\r'),
            "{how}: the blob keeps LF"
        );
    }
}

/// With no git identity, the commit's author is imgbump's own, and the run says so once
/// (`-q` silences it; `--author` or a configured identity needs no word).
#[test]
fn a_commit_without_a_git_identity_says_whose_name_it_bears() {
    let fx = Fixture::new();
    let co = fx.checkout.to_str().unwrap();
    let out = fx.run(&["set", "-C", co, "agent=:v2"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let said = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        said.matches("no git identity (user.name, user.email): the commit is made as imgbump <imgbump@localhost>").count(),
        1,
        "{said}"
    );
    assert!(said.contains("or pass --author"), "{said}");
    assert_eq!(
        fx.remote_git(&["log", "-1", "--format=%an <%ae>"]).trim(),
        "imgbump <imgbump@localhost>"
    );
    let out = fx.run(&["set", "-q", "-C", co, "agent=:v3"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(!String::from_utf8_lossy(&out.stderr).contains("identity"));
    let out = fx.run(&[
        "set",
        "-C",
        co,
        "agent=:v4",
        "--author",
        "Ann <ann@example.com>",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(!String::from_utf8_lossy(&out.stderr).contains("identity"));
}
