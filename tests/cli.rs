//! `imgbump` end to end against real Git: file:// remotes, a checkout, `git daemon` and smart
//! HTTP on 127.0.0.1, with the `git` CLI checking what landed.

mod support;

use std::process::Command;

use support::*;

fn code(out: &std::process::Output) -> Option<i32> {
    out.status.code()
}

#[test]
fn set_lands_one_commit_changing_one_line_and_is_idempotent() {
    let fx = Fixture::new();
    let before = fx.remote_file(AGENT);
    let n = fx.remote_count();
    let out = fx.run(&[
        "set",
        &format!("agent={NEW_AGENT}"),
        "--repo",
        &fx.url(),
        "--output",
        "json",
    ]);
    assert_eq!(code(&out), Some(0), "{}", text(&out));
    let v = json(&out);
    assert_eq!(v["changed"], true);
    assert_eq!(v["pushed"], true);
    assert_eq!(v["attempts"], 1);
    assert_eq!(v["branch"], "main");
    let commit = v["commit"].as_str().unwrap().to_string();
    let c = &v["changes"][0];
    assert_eq!(
        (
            c["service"].as_str(),
            c["file"].as_str(),
            c["workload"].as_str(),
            c["container"].as_str()
        ),
        (
            Some("agent"),
            Some(AGENT),
            Some("Deployment/agent"),
            Some("agent")
        )
    );
    assert_eq!(c["new"], NEW_AGENT);
    let old = c["old"].as_str().unwrap().to_string();
    assert!(old.ends_with(":sha-cbad391"), "{old}");
    let line = c["line"].as_u64().unwrap() as usize;
    assert!(fx
        .remote_file(AGENT)
        .lines()
        .nth(line - 1)
        .unwrap()
        .contains(NEW_AGENT));

    assert_eq!(fx.remote_count(), n + 1);
    assert_eq!(fx.remote_git(&["rev-parse", "main"]).trim(), commit);
    assert_eq!(
        fx.remote_git(&["log", "-1", "--format=%s"]).trim(),
        "chore: update agent image to sha-abc1234"
    );
    assert_eq!(
        fx.remote_git(&["log", "-1", "--format=%an <%ae>"]).trim(),
        "imgbump <imgbump@localhost>"
    );
    assert_eq!(
        fx.remote_git(&["diff", "--numstat", "main~1", "main"])
            .trim(),
        format!("1\t1\t{AGENT}")
    );
    assert_eq!(fx.remote_file(AGENT), before.replace(&old, NEW_AGENT));

    let again = fx.run(&[
        "set",
        &format!("agent={NEW_AGENT}"),
        "--repo",
        &fx.url(),
        "--output",
        "json",
    ]);
    assert_eq!(code(&again), Some(0), "{}", text(&again));
    let v = json(&again);
    assert_eq!(
        (
            v["changed"].as_bool(),
            v["pushed"].as_bool(),
            v["commit"].is_null()
        ),
        (Some(false), Some(false), true)
    );
    assert_eq!(fx.remote_count(), n + 1);
}

#[test]
fn shorthand_tag_several_pairs_trailers_author_and_github_output() {
    let fx = Fixture::new();
    let gh = fx.dir.path().join("gh-output");
    let out = fx
        .cmd()
        .args([
            "set",
            "agent=:v2",
            "mcp=:v3",
            "--repo",
            &fx.url(),
            "--trailer",
            "Source-Commit=abc123",
            "--author",
            "CD Bot <cd@example.com>",
        ])
        .env("GITHUB_OUTPUT", &gh)
        .output()
        .unwrap();
    assert_eq!(code(&out), Some(0), "{}", text(&out));
    let msg = fx.remote_git(&["log", "-1", "--format=%B"]);
    assert!(msg.starts_with("chore: update images of agent, mcp\n\n- chore: update agent image to v2\n- chore: update mcp image to v3\n\nSource-Commit: abc123"), "{msg}");
    assert_eq!(
        fx.remote_git(&["log", "-1", "--format=%an <%ae>"]).trim(),
        "CD Bot <cd@example.com>"
    );
    assert_eq!(
        fx.remote_git(&["diff", "--name-only", "main~1", "main"])
            .lines()
            .count(),
        2
    );
    let ghout = github_outputs(&gh);
    assert!(
        ghout.contains("changed=true\n") && ghout.contains("pushed=true\n"),
        "{ghout}"
    );
    assert!(ghout.contains("new-image=123456789012.dkr.ecr.us-east-1.amazonaws.com/isa-agent:v2 123456789012.dkr.ecr.us-east-1.amazonaws.com/isa-mcp:v3\n"), "{ghout}");
    let commit = fx.remote_git(&["rev-parse", "main"]);
    assert!(
        ghout.contains(&format!("commit={}", commit.trim())),
        "{ghout}"
    );
}

#[test]
fn open_mode_commits_in_the_checkout_and_pushes() {
    let fx = Fixture::new();
    let co = fx.checkout.to_str().unwrap();
    let out = fx.run(&["set", "agent=:sha-abc1234", "-C", co]);
    assert_eq!(code(&out), Some(0), "{}", text(&out));
    assert_eq!(git(&fx.checkout, &["status", "--porcelain"]), "");
    assert_eq!(
        git(&fx.checkout, &["rev-parse", "HEAD"]),
        fx.remote_git(&["rev-parse", "main"])
    );
    assert!(std::fs::read_to_string(fx.checkout.join(AGENT))
        .unwrap()
        .contains("isa-agent:sha-abc1234"));
    assert_eq!(
        git(&fx.checkout, &["log", "-1", "--format=%s"]).trim(),
        "chore: update agent image to sha-abc1234"
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("agent: ") && stderr.contains("pushed to"),
        "{stderr}"
    );
}

#[test]
fn open_mode_refuses_a_dirty_manifest_and_leaves_it_alone() {
    let fx = Fixture::new();
    let path = fx.checkout.join(AGENT);
    let dirty = format!(
        "{}# my local edit\n",
        std::fs::read_to_string(&path).unwrap()
    );
    std::fs::write(&path, &dirty).unwrap();
    std::fs::write(fx.checkout.join("notes.txt"), "mine").unwrap();
    let head = git(&fx.checkout, &["rev-parse", "HEAD"]);
    let out = fx.run(&["set", "agent=:v2", "-C", fx.checkout.to_str().unwrap()]);
    assert_eq!(code(&out), Some(4), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("has uncommitted changes"),
        "{}",
        text(&out)
    );
    assert_eq!(std::fs::read_to_string(&path).unwrap(), dirty);
    assert_eq!(
        std::fs::read_to_string(fx.checkout.join("notes.txt")).unwrap(),
        "mine"
    );
    assert_eq!(git(&fx.checkout, &["rev-parse", "HEAD"]), head);
    // Another, clean manifest can still be bumped; the user's files stay as they were.
    let out = fx.run(&["set", "mcp=:v2", "-C", fx.checkout.to_str().unwrap()]);
    assert_eq!(code(&out), Some(0), "{}", text(&out));
    assert_eq!(std::fs::read_to_string(&path).unwrap(), dirty);
    assert_eq!(
        git(&fx.checkout, &["status", "--porcelain"]),
        format!(" M {AGENT}\n?? notes.txt\n")
    );
}

#[test]
fn dry_run_prints_the_diff_and_changes_nothing() {
    let fx = Fixture::new();
    let head = git(&fx.checkout, &["rev-parse", "HEAD"]);
    let before = std::fs::read(fx.checkout.join(AGENT)).unwrap();
    let out = fx.run(&[
        "set",
        "agent=:v9",
        "-C",
        fx.checkout.to_str().unwrap(),
        "--dry-run",
    ]);
    assert_eq!(code(&out), Some(0), "{}", text(&out));
    let diff = String::from_utf8_lossy(&out.stdout);
    assert!(
        diff.starts_with(&format!("--- a/{AGENT}\n+++ b/{AGENT}\n@@ ")),
        "{diff}"
    );
    assert_eq!(
        diff.lines()
            .filter(|l| l.starts_with('-') && !l.starts_with("---"))
            .count(),
        1,
        "{diff}"
    );
    assert!(
        diff.contains(
            "+          image: 123456789012.dkr.ecr.us-east-1.amazonaws.com/isa-agent:v9"
        ),
        "{diff}"
    );
    assert_eq!(std::fs::read(fx.checkout.join(AGENT)).unwrap(), before);
    assert_eq!(git(&fx.checkout, &["rev-parse", "HEAD"]), head);
    assert_eq!(fx.remote_git(&["rev-parse", "main"]), head);
}

#[test]
fn no_push_commits_locally_only() {
    let fx = Fixture::new();
    let remote_head = fx.remote_git(&["rev-parse", "main"]);
    let out = fx.run(&[
        "set",
        "agent=:v4",
        "-C",
        fx.checkout.to_str().unwrap(),
        "--no-push",
        "--output",
        "json",
    ]);
    assert_eq!(code(&out), Some(0), "{}", text(&out));
    let v = json(&out);
    assert_eq!(
        (v["changed"].as_bool(), v["pushed"].as_bool()),
        (Some(true), Some(false))
    );
    assert_eq!(
        git(&fx.checkout, &["rev-parse", "HEAD"]).trim(),
        v["commit"].as_str().unwrap()
    );
    assert_eq!(fx.remote_git(&["rev-parse", "main"]), remote_head);
    assert_eq!(git(&fx.checkout, &["status", "--porcelain"]), "");
}

#[test]
fn every_exit_code() {
    let fx = Fixture::new();
    let url = fx.url();
    let run = |args: &[&str]| fx.run(args);
    // 2: usage.
    let out = run(&["set"]);
    assert_eq!(code(&out), Some(2), "{}", text(&out));
    let out = run(&["set", "agent", "--repo", &url]);
    assert_eq!(code(&out), Some(2), "{}", text(&out));
    // 3: nothing matched.
    let out = run(&["set", "nosuch=:v1", "--repo", &url, "--output", "json"]);
    assert_eq!(code(&out), Some(3), "{}", text(&out));
    assert_eq!(json(&out)["error"]["kind"], "not-found");
    let out = run(&["set", "agent=:v1", "--repo", &url, "--container", "nope"]);
    assert_eq!(code(&out), Some(3), "{}", text(&out));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("--container consul-agent") && err.contains(&format!("{AGENT}:")),
        "{err}"
    );
    // 4: refused.
    for args in [
        vec!["set", "--", "../x=nginx:1"],
        vec!["set", "agent=Nginx:1"],
        vec!["set", "agent=nginx\n#x"],
        vec!["set", "--", "-rf=nginx:1"],
    ] {
        let mut a = args.clone();
        a.extend(["--repo", &url]);
        let out = run(&a);
        assert_eq!(code(&out), Some(4), "{args:?}: {}", text(&out));
    }
    let out = run(&[
        "set",
        "agent=:v1",
        "--repo",
        &url,
        "--manifest",
        "../{service}.yaml",
    ]);
    assert_eq!(code(&out), Some(4), "{}", text(&out));
    // 5: rejected by the remote (a hook; needs a real transport, so git daemon).
    let hook = fx.remote.join("hooks/pre-receive");
    std::fs::write(
        &hook,
        "#!/bin/sh\necho 'policy: main is frozen for the release'\nexit 1\n",
    )
    .unwrap();
    make_executable(&hook);
    let daemon = Daemon::start(fx.dir.path());
    let n = fx.remote_count();
    let out = run(&[
        "set",
        "agent=:v1",
        "--repo",
        &daemon.url("isA_Cloud.git"),
        "--output",
        "json",
    ]);
    assert_eq!(code(&out), Some(5), "{}", text(&out));
    let msg = json(&out)["error"]["message"].as_str().unwrap().to_string();
    assert!(
        msg.contains("rejected") && msg.contains("main is frozen"),
        "{msg}"
    );
    assert_eq!(fx.remote_count(), n);
    // 1: anything else (an unreachable remote, tried again until --timeout).
    let out = run(&[
        "set",
        "agent=:v1",
        "--repo",
        "git://127.0.0.1:1/nothing.git",
        "--timeout",
        "1s",
    ]);
    assert_fails(&out, 1, "until --timeout", "an unreachable remote");
}

fn make_executable(p: &std::path::Path) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(0o755)).unwrap();
}

#[test]
fn get_and_list() {
    let fx = Fixture::new();
    let out = fx.run(&["get", "agent", "mcp", "-C", fx.checkout.to_str().unwrap()]);
    assert_eq!(code(&out), Some(0), "{}", text(&out));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "123456789012.dkr.ecr.us-east-1.amazonaws.com/isa-agent:sha-cbad391\n123456789012.dkr.ecr.us-east-1.amazonaws.com/isa-mcp:sha-efa52c8\n"
    );
    // get reads and reports like set: a missing manifest is exit 3 with the way out.
    let out = fx.run(&["get", "nosuch", "-C", fx.checkout.to_str().unwrap()]);
    assert_eq!(code(&out), Some(3), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("pass --manifest TEMPLATE"),
        "{}",
        text(&out)
    );
    let out = fx.run(&[
        "get",
        "agent",
        "-c",
        "nope",
        "-C",
        fx.checkout.to_str().unwrap(),
    ]);
    assert_eq!(code(&out), Some(3), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("--container consul-agent"),
        "{}",
        text(&out)
    );
    let out = fx.run(&["list", "--repo", &fx.url(), "--output", "json"]);
    assert_eq!(code(&out), Some(0), "{}", text(&out));
    let rows = json(&out);
    let services: std::collections::BTreeSet<&str> = rows
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["service"].as_str().unwrap())
        .collect();
    assert_eq!(
        services.into_iter().collect::<Vec<_>>(),
        ["agent", "mcp", "model", "user"]
    );
    assert!(rows
        .as_array()
        .unwrap()
        .iter()
        .any(|r| r["container"] == "wait-for-consul" && r["role"] == "init"));
}

#[test]
fn completions_and_man_page_are_current() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("completions");
    for (shell, file) in [
        ("bash", "imgbump.bash"),
        ("zsh", "_imgbump"),
        ("fish", "imgbump.fish"),
        ("powershell", "_imgbump.ps1"),
        ("elvish", "imgbump.elv"),
    ] {
        let out = Command::new(env!("CARGO_BIN_EXE_imgbump"))
            .args(["completions", shell])
            .output()
            .unwrap();
        assert!(out.status.success());
        let committed = std::fs::read(dir.join(file)).unwrap_or_default();
        assert!(
            committed == out.stdout,
            "completions/{file} is stale: run `scripts/gen-completions`"
        );
    }
    let out = Command::new(env!("CARGO_BIN_EXE_imgbump"))
        .arg("man")
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(
        std::fs::read(dir.join("imgbump.1")).unwrap_or_default() == out.stdout,
        "completions/imgbump.1 is stale: run `scripts/gen-completions`"
    );
    // One page per subcommand, each named as imgbump(1) points to it.
    let main = String::from_utf8(out.stdout).unwrap();
    let mut pages = 0;
    for sub in [
        "set",
        "get",
        "list",
        "history",
        "rollback",
        "promote",
        "hold",
        "release",
        "update",
        "wait",
        "completions",
        "man",
        "help",
    ] {
        assert!(
            main.contains(&format!("imgbump\\-{sub}(1)")),
            "imgbump.1 does not point to imgbump-{sub}(1)"
        );
        let out = Command::new(env!("CARGO_BIN_EXE_imgbump"))
            .args(["man", sub])
            .output()
            .unwrap();
        assert!(out.status.success());
        let page = String::from_utf8_lossy(&out.stdout);
        assert!(
            page.starts_with(&format!(
                ".ie \\n(.g .ds Aq \\(aq\n.el .ds Aq '\n.TH imgbump-{sub} 1"
            )),
            "{page}"
        );
        assert!(
            std::fs::read(dir.join(format!("imgbump-{sub}.1"))).unwrap_or_default() == out.stdout,
            "completions/imgbump-{sub}.1 is stale: run `scripts/gen-completions`"
        );
        pages += 1;
    }
    assert_eq!(
        pages,
        std::fs::read_dir(&dir)
            .unwrap()
            .filter(|e| e
                .as_ref()
                .unwrap()
                .file_name()
                .to_string_lossy()
                .starts_with("imgbump-"))
            .count()
    );
    assert!(!Command::new(env!("CARGO_BIN_EXE_imgbump"))
        .args(["man", "nope"])
        .status()
        .unwrap()
        .success());
}

/// The bash completion, loaded in a real bash, completes `imgbump set --re` to `--repo` and
/// lists the subcommands.
#[test]
fn bash_completes_subcommands_and_their_options() {
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("completions/imgbump.bash");
    let complete = |words: &str| {
        let out = Command::new("bash")
            .args(["--norc", "--noprofile", "-c"])
            .arg(format!(
                "source {}; COMP_WORDS=({words}); COMP_CWORD=$((${{#COMP_WORDS[@]}} - 1)); COMP_LINE=\"${{COMP_WORDS[*]}}\"; COMP_POINT=${{#COMP_LINE}}; _imgbump imgbump \"${{COMP_WORDS[-1]}}\" \"${{COMP_WORDS[-2]}}\"; printf '%s\\n' \"${{COMPREPLY[@]}}\"",
                script.display()
            ))
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    let got = complete("imgbump set --re");
    assert_eq!(
        got.lines().collect::<Vec<_>>(),
        ["--repo", "--retries"],
        "{got}"
    );
    let got = complete("imgbump set --rep");
    assert_eq!(got.lines().collect::<Vec<_>>(), ["--repo"], "{got}");
    let got = complete("imgbump pro");
    assert_eq!(got.lines().collect::<Vec<_>>(), ["promote"], "{got}");
    let got = complete("imgbump set --im");
    assert_eq!(got.lines().collect::<Vec<_>>(), ["--image-name"], "{got}");
}
#[test]
fn open_mode_after_the_remote_moved_rebuilds_on_the_new_tip_and_catches_up() {
    let fx = Fixture::new();
    // Someone else pushes a change to mcp first.
    let mcp = "deployments/kubernetes/base/applications/mcp-deployment.yaml";
    let text = fx
        .remote_file(mcp)
        .replace("isa-mcp:sha-efa52c8", "isa-mcp:theirs");
    let theirs = fx.push_elsewhere(mcp, &text, "their change");

    let out = fx.run(&[
        "set",
        "agent=:v2",
        "-C",
        fx.checkout.to_str().unwrap(),
        "--output",
        "json",
    ]);
    assert_eq!(code(&out), Some(0), "{}", support::text(&out));
    let v = json(&out);
    // The checkout was behind when the run began (nothing moved during it): planned on the
    // remote's tip at once, and said so.
    assert_eq!(
        (v["pushed"].as_bool(), v["attempts"].as_u64()),
        (Some(true), Some(1))
    );
    let note = v["note"].as_str().unwrap_or("");
    assert!(note.contains("was 1 commit behind origin/main"), "{v}");
    assert!(!note.contains("moved"), "{v}");
    // The pushed commit sits on theirs; nothing of theirs was lost.
    assert_eq!(fx.remote_git(&["rev-parse", "main~1"]), theirs);
    assert!(fx.remote_file(mcp).contains("isa-mcp:theirs"));
    assert!(fx.remote_file(AGENT).contains("isa-agent:v2"));
    // The checkout was fast-forwarded to it, work tree and index included.
    assert_eq!(
        git(&fx.checkout, &["rev-parse", "HEAD"]),
        fx.remote_git(&["rev-parse", "main"])
    );
    assert_eq!(git(&fx.checkout, &["status", "--porcelain"]), "");
    assert!(std::fs::read_to_string(fx.checkout.join(mcp))
        .unwrap()
        .contains("isa-mcp:theirs"));
}

#[test]
fn open_mode_with_an_unpushed_local_commit_pushes_only_the_bump_and_keeps_the_local_branch() {
    let fx = Fixture::new();
    std::fs::write(fx.checkout.join("NOTES.md"), "local work\n").unwrap();
    git(&fx.checkout, &["add", "NOTES.md"]);
    git(&fx.checkout, &["commit", "-qm", "local work, not pushed"]);
    // The remote moves meanwhile.
    fx.push_elsewhere("README.remote", "x\n", "remote work");

    let out = fx.run(&[
        "set",
        "agent=:v3",
        "-C",
        fx.checkout.to_str().unwrap(),
        "--output",
        "json",
    ]);
    assert_eq!(code(&out), Some(0), "{}", support::text(&out));
    let v = json(&out);
    assert_eq!(v["pushed"], true);
    let note = v["note"].as_str().unwrap_or("");
    assert!(note.contains("has diverged from origin/main"), "{v}");
    assert!(note.contains("left as it was"), "{v}");
    assert!(!note.contains("moved"), "{v}");
    // The remote got the bump on its own tip, not the unpushed local commit.
    assert_eq!(
        fx.remote_git(&["log", "-1", "--format=%s", "main~1"])
            .trim(),
        "remote work"
    );
    assert!(fx
        .remote_git(&["ls-tree", "--name-only", "main"])
        .lines()
        .all(|l| l != "NOTES.md"));
    // The local branch keeps the user's commit, and nothing else: the bump is on the remote
    // (`git pull --rebase` brings it).
    assert_eq!(
        git(&fx.checkout, &["log", "-1", "--format=%s", "HEAD"]).trim(),
        "local work, not pushed"
    );
    assert_eq!(git(&fx.checkout, &["status", "--porcelain"]), "");
}

#[test]
fn a_symlinked_manifest_is_refused() {
    let fx = Fixture::new();
    let dir = fx.checkout.join("deployments/kubernetes/base/applications");
    std::os::unix::fs::symlink("/etc/passwd", dir.join("evil-deployment.yaml")).unwrap();
    std::os::unix::fs::symlink("agent-deployment.yaml", dir.join("alias-deployment.yaml")).unwrap();
    git(&fx.checkout, &["add", "-A"]);
    git(&fx.checkout, &["commit", "-qm", "links"]);
    git(&fx.checkout, &["push", "-q", "origin", "main"]);
    for svc in ["evil", "alias"] {
        for repo in [fx.url(), fx.checkout.display().to_string()] {
            let out = fx.run(&["set", &format!("{svc}=nginx:1"), "--repo", &repo]);
            assert_eq!(code(&out), Some(4), "{svc} {repo}: {}", support::text(&out));
            assert!(
                String::from_utf8_lossy(&out.stderr).contains("symbolic link"),
                "{}",
                support::text(&out)
            );
        }
    }
    assert_eq!(git(&fx.checkout, &["status", "--porcelain"]), "");
}

#[test]
fn a_checkout_without_a_remote_commits_and_says_how_to_push() {
    let fx = Fixture::new();
    let seed = fx.dir.path().join("seed"); // made with `git init`: no remote
    let out = fx.run(&["set", "agent=:local", "-C", seed.to_str().unwrap()]);
    assert_eq!(code(&out), Some(1), "{}", text(&out));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("no remote to push to") && err.contains("git remote add origin URL"),
        "{err}"
    );
    assert_eq!(
        git(&seed, &["log", "-1", "--format=%s"]).trim(),
        "chore: update agent image to local"
    );
    let out = fx.run(&[
        "set",
        "mcp=:local",
        "-C",
        seed.to_str().unwrap(),
        "--no-push",
    ]);
    assert_eq!(code(&out), Some(0), "{}", text(&out));
}

/// A branch that is not there is named as missing, with the branches there are: through a
/// clone (git daemon, a bare path) and in a checkout.
#[test]
fn a_missing_branch_is_named_with_the_branches_there_are() {
    let fx = Fixture::new();
    let daemon = Daemon::start(fx.dir.path());
    let remote = fx.remote.to_str().unwrap().to_string();
    for repo in [daemon.url("isA_Cloud.git"), remote] {
        let out = fx.run(&["set", "agent=:x", "--repo", &repo, "--branch", "nope"]);
        assert_eq!(code(&out), Some(3), "{repo}: {}", text(&out));
        let said = text(&out);
        assert!(
            said.contains("has no branch `nope`") && said.contains("its branches: main"),
            "{repo}: {said}"
        );
        assert!(!said.contains("empty"), "{said}");
        // Git's own hint is apart in JSON too: what failed in `message`, what to pass in `hint`.
        let out = fx.run(&[
            "set", "agent=:x", "--repo", &repo, "--branch", "nope", "-o", "json",
        ]);
        let error = &json(&out)["error"];
        let message = error["message"].as_str().unwrap_or_default();
        assert!(
            message.contains("has no branch `nope`") && !message.contains("pass --branch"),
            "{repo}: {error}"
        );
        assert!(
            error["hint"]
                .as_str()
                .is_some_and(|h| h.starts_with("pass --branch")),
            "{repo}: {error}"
        );
    }
    let out = fx.run(&[
        "set",
        "agent=:x",
        "-C",
        fx.checkout.to_str().unwrap(),
        "--branch",
        "nope",
    ]);
    assert_eq!(code(&out), Some(3), "{}", text(&out));
    assert!(text(&out).contains("its branches: main"), "{}", text(&out));
}

/// A misspelt service: the nearest services the template finds are offered.
#[test]
fn a_misspelt_service_is_offered_the_nearest_names() {
    let fx = Fixture::new();
    let out = fx.run(&["set", "agnt=:x", "--repo", &fx.url()]);
    assert_eq!(code(&out), Some(3), "{}", text(&out));
    assert!(
        text(&out).contains("did you mean `agent`?"),
        "{}",
        text(&out)
    );
    let out = fx.run(&["get", "modle", "--repo", &fx.url()]);
    assert!(
        text(&out).contains("did you mean `model`?"),
        "{}",
        text(&out)
    );
    // Nothing near: no guess.
    let out = fx.run(&["set", "billing=:x", "--repo", &fx.url()]);
    assert!(!text(&out).contains("did you mean"), "{}", text(&out));
}

/// What to do is carried apart from what failed: its own field in JSON, its own line in text
/// and in a GitHub annotation, never part of the message's headline.
#[test]
fn a_hint_is_kept_apart_from_the_message() {
    let fx = Fixture::new();
    let out = fx.run(&["set", "agnt=:x", "--repo", &fx.url(), "-o", "json"]);
    assert_eq!(code(&out), Some(3), "{}", text(&out));
    let error = &json(&out)["error"];
    let message = error["message"].as_str().unwrap();
    let hint = error["hint"].as_str().unwrap();
    assert!(message.contains("does not exist") && message.contains("did you mean `agent`?"));
    assert!(
        !message.contains('\n') && !message.contains("--manifest"),
        "{error}"
    );
    assert!(hint.starts_with("pass --manifest TEMPLATE"), "{error}");
    // Text: the message, then the hint on a line of its own.
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains(&format!("imgbump: error: {message}\n{hint}\n")),
        "{}",
        text(&out)
    );
    // A GitHub annotation: the hint on the line after the message; no file= place, as the
    // file does not exist (nothing can point into it).
    let out = fx
        .cmd()
        .args(["set", "agnt=:x", "--repo", &fx.url()])
        .env("GITHUB_ACTIONS", "true")
        .output()
        .unwrap();
    let annotation = String::from_utf8_lossy(&out.stdout);
    // No file= (the file does not exist, so nothing in it can be pointed at).
    assert!(
        annotation.starts_with("::error::")
            && annotation.contains(&format!("did you mean `agent`?%0A{hint}")),
        "{annotation}"
    );
    // A failure without a hint has no such field.
    let out = fx.run(&["set", "agent=:x", "--repo", "/nonexistent", "-o", "json"]);
    assert!(json(&out)["error"].get("hint").is_none(), "{}", text(&out));
}

/// git's configuration variables are honoured as git honours them: GIT_CONFIG_GLOBAL (the
/// home's .gitconfig then unread), GIT_CONFIG_NOSYSTEM, and GIT_CONFIG_COUNT settings over
/// every file.
#[test]
fn gits_configuration_variables_are_honoured() {
    let fx = Fixture::new();
    std::fs::write(
        fx.home.join(".gitconfig"),
        "[user]\n\tname = Home User\n\temail = home@example.com\n",
    )
    .unwrap();
    let author = |tag: &str, env: &[(&str, &str)]| {
        let mut c = fx.cmd();
        c.args(["set", &format!("agent=:{tag}"), "--repo", &fx.url()]);
        for (k, v) in env {
            c.env(k, v);
        }
        let out = c.output().unwrap();
        assert_eq!(code(&out), Some(0), "{}", text(&out));
        fx.remote_git(&["log", "-1", "--format=%an <%ae>"])
            .trim()
            .to_string()
    };
    // Read from the home, as git reads it.
    assert_eq!(author("c1", &[]), "Home User <home@example.com>");
    // GIT_CONFIG_GLOBAL=/dev/null: git has no user; neither has imgbump.
    assert_eq!(
        author("c2", &[("GIT_CONFIG_GLOBAL", "/dev/null")]),
        "imgbump <imgbump@localhost>"
    );
    // Another file named by GIT_CONFIG_GLOBAL.
    let other = fx.dir.path().join("other.gitconfig");
    std::fs::write(
        &other,
        "[user]\n\tname = Other\n\temail = other@example.com\n",
    )
    .unwrap();
    assert_eq!(
        author("c3", &[("GIT_CONFIG_GLOBAL", other.to_str().unwrap())]),
        "Other <other@example.com>"
    );
    // `git -c` settings, as git passes them on: over every file.
    assert_eq!(
        author(
            "c4",
            &[
                ("GIT_CONFIG_NOSYSTEM", "1"),
                ("GIT_CONFIG_COUNT", "2"),
                ("GIT_CONFIG_KEY_0", "user.name"),
                ("GIT_CONFIG_VALUE_0", "Env User"),
                ("GIT_CONFIG_KEY_1", "User.Email"),
                ("GIT_CONFIG_VALUE_1", "env@example.com"),
            ]
        ),
        "Env User <env@example.com>"
    );
}

/// A dry run's diff is one `git apply` takes, a file without a final line break included, and
/// applying it gives the bytes the real bump writes.
#[test]
fn a_dry_runs_diff_applies_with_git_apply() {
    let fx = Fixture::new();
    let path = fx.checkout.join(AGENT);
    // The image on the last line, which has no line break.
    std::fs::write(
        &path,
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: agent}\nspec:\n  template:\n    spec:\n      containers:\n      - name: agent\n        image: r.example/isa-agent:old",
    )
    .unwrap();
    git(&fx.checkout, &["commit", "-qam", "no final newline"]);
    let checkout = fx.checkout.to_str().unwrap();
    let out = fx.run(&["set", "agent=:applied", "-C", checkout, "--dry-run"]);
    assert_eq!(code(&out), Some(0), "{}", text(&out));
    let diff = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(diff.contains("\\ No newline at end of file"), "{diff}");
    let patch = fx.dir.path().join("bump.patch");
    std::fs::write(&patch, &diff).unwrap();
    git(&fx.checkout, &["apply", patch.to_str().unwrap()]);
    let applied = std::fs::read_to_string(&path).unwrap();
    git(&fx.checkout, &["checkout", "--", AGENT]);
    let out = fx.run(&["set", "agent=:applied", "-C", checkout, "--no-push"]);
    assert_eq!(code(&out), Some(0), "{}", text(&out));
    assert_eq!(std::fs::read_to_string(&path).unwrap(), applied);
}

/// A credential helper given as `git -c credential.helper=…` passes it (GIT_CONFIG_COUNT) is
/// asked, as git asks it: its password authenticates the push over smart HTTP, and is never
/// printed.
#[test]
fn a_credential_helper_from_git_config_count_is_asked() {
    let fx = Fixture::new();
    let http = Http::start(fx.dir.path(), Some(TOKEN));
    let url = http.url("isA_Cloud.git");
    let helper = format!("!f() {{ echo username=x-access-token; echo password={TOKEN}; }}; f");
    let run = |tag: &str, env: &[(&str, &str)]| {
        let mut c = fx.cmd();
        c.args(["set", &format!("agent=:{tag}"), "--repo", &url]);
        for (k, v) in env {
            c.env(k, v);
        }
        c.output().unwrap()
    };
    // Without it: no credentials, refused at once.
    let out = run("h0", &[]);
    assert_eq!(code(&out), Some(1), "{}", text(&out));
    // With it, and with an empty value first (git's way of clearing the list): lands.
    for (tag, env) in [
        (
            "h1",
            vec![
                ("GIT_CONFIG_COUNT", "1"),
                ("GIT_CONFIG_KEY_0", "credential.helper"),
                ("GIT_CONFIG_VALUE_0", helper.as_str()),
            ],
        ),
        (
            "h2",
            vec![
                ("GIT_CONFIG_COUNT", "2"),
                ("GIT_CONFIG_KEY_0", "credential.helper"),
                ("GIT_CONFIG_VALUE_0", ""),
                ("GIT_CONFIG_KEY_1", "Credential.Helper"),
                ("GIT_CONFIG_VALUE_1", helper.as_str()),
            ],
        ),
    ] {
        let out = run(tag, &env);
        assert_eq!(code(&out), Some(0), "{tag}: {}", text(&out));
        assert!(fx.remote_file(AGENT).contains(&format!("isa-agent:{tag}")));
        assert!(!text(&out).contains(TOKEN), "{}", text(&out));
    }
}

fn help_of(args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_imgbump"))
        .args(args)
        .output()
        .unwrap();
    assert!(out.status.success(), "{args:?}: {}", text(&out));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The option lines of a help text: `  -x, --name` or `      --name`.
fn options_in(help: &str) -> Vec<String> {
    help.lines()
        .filter_map(|l| {
            let t = l.trim_start();
            let t = t.strip_prefix("-").filter(|_| l.starts_with("  "))?;
            let long = t.split(", ").last().unwrap_or(t);
            Some(
                long.split_whitespace()
                    .next()?
                    .trim_start_matches('-')
                    .to_string(),
            )
        })
        .collect()
}

/// `-h` fits a screen, `--help` is the long form under headings, and the examples are shown
/// once.
#[test]
fn help_fits_a_screen_and_is_grouped_under_headings() {
    let short = help_of(&["set", "-h"]);
    assert!(
        short.lines().count() <= 60,
        "set -h is {} lines",
        short.lines().count()
    );
    let long = help_of(&["set", "--help"]);
    assert!(long.lines().count() > short.lines().count());
    for heading in [
        "What to change:",
        "Where:",
        "How to commit:",
        "How to deliver:",
        "Checks:",
        "After the push:",
        "Exit codes:",
        "Examples:",
    ] {
        assert!(
            long.lines().any(|l| l == heading),
            "set --help lacks {heading}"
        );
    }
    // Every option of the long help is under a heading that names what it is for, -q and -v
    // beside -o; the short help says where the rest is.
    assert!(short.contains("`--help` shows every option"));
    assert!(options_in(&long).contains(&"connect-timeout".to_string()));
    assert!(!options_in(&short).contains(&"connect-timeout".to_string()));
    // The README (now the book) and --help agree: every placeholder, every URL scheme.
    for word in ["{reason}", "{old_image}", "git://", "file://"] {
        assert!(long.contains(word), "set --help lacks {word}");
    }
    // The incident example once, not twice.
    assert_eq!(long.matches("Example: an incident").count(), 1);
    assert_eq!(long.matches("--reason incident-4711 --until 4h").count(), 1);
    for sub in [
        "rollback", "hold", "release", "promote", "wait", "get", "list", "history",
    ] {
        let short = help_of(&[sub, "-h"]);
        assert!(
            short.lines().count() <= 60,
            "{sub} -h is {} lines",
            short.lines().count()
        );
    }
}

/// Read-only commands offer no flag that does nothing for them, and `wait` has one name for
/// its deadline; the old spellings still parse.
#[test]
fn read_only_commands_offer_no_retry_timeout_and_wait_has_one_deadline() {
    for sub in ["get", "list", "history"] {
        let opts = options_in(&help_of(&[sub, "--help"]));
        assert!(
            opts.contains(&"connect-timeout".to_string()),
            "{sub}: {opts:?}"
        );
        assert!(
            !opts.contains(&"timeout".to_string()),
            "{sub} offers --timeout: {opts:?}"
        );
    }
    let opts = options_in(&help_of(&["wait", "--help"]));
    assert!(opts.contains(&"wait-timeout".to_string()));
    assert!(
        !opts.contains(&"timeout".to_string()),
        "wait offers --timeout: {opts:?}"
    );
    // Still accepted: the run goes on to open the repository (and fails there, not in clap).
    let home = tempfile::tempdir().unwrap();
    for args in [
        &["get", "agent", "--timeout", "5s"][..],
        &["wait", "agent", "--timeout", "5s"][..],
    ] {
        let out = imgbump(home.path())
            .args(args)
            .args(["--repo", home.path().to_str().unwrap()])
            .output()
            .unwrap();
        assert_fails(&out, 3, "not inside a Git repository", "old spelling");
    }
}

/// `completions --help` says where each shell looks; `man --dir` writes every page where
/// MANPATH finds it, and the man page's exit codes are a table.
#[test]
fn completions_and_man_pages_say_where_they_go() {
    let help = help_of(&["completions", "--help"]);
    for place in [
        "bash-completion/completions",
        "$fpath",
        "fish/completions",
        "$PROFILE",
    ] {
        assert!(help.contains(place), "completions --help lacks {place}");
    }
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_imgbump"))
        .args(["man", "--dir", dir.path().to_str().unwrap()])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out));
    for page in [
        "imgbump.1",
        "imgbump-set.1",
        "imgbump-get.1",
        "imgbump-wait.1",
    ] {
        let roff = std::fs::read_to_string(dir.path().join("man1").join(page)).unwrap();
        assert!(roff.starts_with(".ie") || roff.contains(".TH"), "{page}");
        // One `.TP` entry per exit code; no exit-code line left to be refilled as text.
        let table = &roff[roff.find(".SH \"EXIT STATUS\"").expect(page)..];
        for code in ["0", "1", "2", "3", "4", "5", "6"] {
            assert!(
                table.contains(&format!(".TP\n{code}\n")),
                "{page}: exit {code}"
            );
        }
        assert!(!roff.contains("Exit codes:"), "{page}");
    }
    let set = std::fs::read_to_string(dir.path().join("man1/imgbump-set.1")).unwrap();
    assert!(set.contains(".SH EXAMPLES\n.nf\n"));
}
