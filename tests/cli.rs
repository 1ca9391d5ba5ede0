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
    let ghout = std::fs::read_to_string(&gh).unwrap();
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
    // 1: anything else (an unreachable remote).
    let out = run(&[
        "set",
        "agent=:v1",
        "--repo",
        "git://127.0.0.1:1/nothing.git",
    ]);
    assert_eq!(code(&out), Some(1), "{}", text(&out));
}

fn make_executable(p: &std::path::Path) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(0o755)).unwrap();
}

#[test]
fn git_daemon_shallow_clone_and_push() {
    let fx = Fixture::new();
    let daemon = Daemon::start(fx.dir.path());
    let out = fx.run(&[
        "set",
        "user=:v7",
        "--repo",
        &daemon.url("isA_Cloud.git"),
        "--output",
        "json",
    ]);
    assert_eq!(code(&out), Some(0), "{}", text(&out));
    assert_eq!(json(&out)["pushed"], true);
    assert!(fx
        .remote_file("deployments/kubernetes/base/applications/user-deployment.yaml")
        .contains("isa-user:v7"));
}

#[test]
fn https_checks_the_certificate() {
    let fx = Fixture::new();
    let http = Http::start(fx.dir.path(), Some(TOKEN));
    let tls = Tls::start(http.port);
    let url = tls.url("isA_Cloud.git");
    // Trusted (SSL_CERT_FILE names the test CA): clones, pushes, lands.
    // `trusted(tag, var, path)`: with `var` (SSL_CERT_FILE or SSL_CERT_DIR) naming where the
    // CA is, and the other unset, the bump lands.
    let trusted = |tag: &str, var: &str, path: &std::path::Path| {
        let other = if var == "SSL_CERT_FILE" {
            "SSL_CERT_DIR"
        } else {
            "SSL_CERT_FILE"
        };
        let out = fx
            .cmd()
            .args(["set", &format!("model=:{tag}"), "--repo", &url])
            .env("IMGBUMP_TOKEN", TOKEN)
            .env(var, path)
            .env_remove(other)
            .output()
            .unwrap();
        assert_eq!(code(&out), Some(0), "{tag}: {}", text(&out));
        assert!(fx
            .remote_file("deployments/kubernetes/base/applications/model-deployment.yaml")
            .contains(&format!("isa-model:{tag}")));
    };
    trusted("tls1", "SSL_CERT_FILE", &tls.ca);
    // Not trusted (the system's CAs do not know it): refused, nothing lands, no secret shown.
    let n = fx.remote_count();
    let out = fx
        .cmd()
        .args(["set", "model=:tls2", "--repo", &url, "-vv"])
        .env("IMGBUMP_TOKEN", TOKEN)
        .output()
        .unwrap();
    assert_ne!(code(&out), Some(0), "{}", text(&out));
    assert!(
        text(&out).to_lowercase().contains("certificate"),
        "{}",
        text(&out)
    );
    assert!(!text(&out).contains(TOKEN));
    assert_eq!(fx.remote_count(), n);
    // Trusted through a directory of hash links only (SSL_CERT_DIR, as Debian's
    // /etc/ssl/certs): OpenSSL finds the CA by its subject hash. That the system's bundle is
    // then left unloaded is the choice `git::tests::a_hashed_certificate_directory_spares_
    // loading_the_bundle` checks; here, that verification through the directory works.
    let certs = fx.dir.path().join("certs");
    std::fs::create_dir_all(&certs).unwrap();
    let hash = std::process::Command::new("openssl")
        .args(["x509", "-hash", "-noout", "-in"])
        .arg(&tls.ca)
        .output()
        .unwrap();
    let hash = String::from_utf8(hash.stdout).unwrap().trim().to_string();
    assert_eq!(hash.len(), 8, "openssl x509 -hash gave {hash:?}");
    std::fs::copy(&tls.ca, certs.join(format!("{hash}.0"))).unwrap();
    trusted("tls3", "SSL_CERT_DIR", &certs);
}

#[test]
fn smart_http_with_a_token_and_without() {
    let fx = Fixture::new();
    let http = Http::start(fx.dir.path(), Some(TOKEN));
    let url = http.url("isA_Cloud.git");
    let out = fx
        .cmd()
        .args([
            "set",
            "model=:v5",
            "--repo",
            &url,
            "-vv",
            "--output",
            "json",
        ])
        .env("IMGBUMP_TOKEN", TOKEN)
        .output()
        .unwrap();
    assert_eq!(code(&out), Some(0), "{}", text(&out));
    assert_eq!(json(&out)["pushed"], true);
    assert!(fx
        .remote_file("deployments/kubernetes/base/applications/model-deployment.yaml")
        .contains("isa-model:v5"));
    assert!(!text(&out).contains(TOKEN));
    // GITHUB_TOKEN works the same.
    let out = fx
        .cmd()
        .args(["set", "model=:v6", "--repo", &url])
        .env("GITHUB_TOKEN", TOKEN)
        .output()
        .unwrap();
    assert_eq!(code(&out), Some(0), "{}", text(&out));
    // No token: authentication fails, clearly, and nothing lands.
    let n = fx.remote_count();
    let out = fx.run(&["set", "model=:v7", "--repo", &url]);
    assert_eq!(code(&out), Some(1), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("authentication failed"),
        "{}",
        text(&out)
    );
    // A wrong token: the same, and it is never shown.
    let wrong = "ghs_wrongWrongWrong0987654321";
    let out = fx
        .cmd()
        .args(["set", "model=:v7", "--repo", &url, "-vv"])
        .env("IMGBUMP_TOKEN", wrong)
        .output()
        .unwrap();
    assert_eq!(code(&out), Some(1), "{}", text(&out));
    assert!(!text(&out).contains(wrong), "{}", text(&out));
    // A token in the URL is used, and never shown or stored.
    let with_secret = url.replace("http://", &format!("http://x-access-token:{TOKEN}@"));
    let out = fx.run(&[
        "set",
        "model=:v8",
        "--repo",
        &with_secret,
        "-vv",
        "--output",
        "json",
    ]);
    assert_eq!(code(&out), Some(0), "{}", text(&out));
    assert!(!text(&out).contains(TOKEN), "{}", text(&out));
    assert_eq!(fx.remote_count(), n + 1);
}

#[test]
fn ten_processes_at_once_all_land() {
    let fx = Fixture::new();
    // Ten services: the four applications plus six more manifests made for this test.
    let apps = fx
        .dir
        .path()
        .join("seed/deployments/kubernetes/base/applications");
    let user = std::fs::read_to_string(apps.join("user-deployment.yaml")).unwrap();
    let extra: Vec<String> = (1..=6).map(|i| format!("svc{i}")).collect();
    for s in &extra {
        std::fs::write(
            apps.join(format!("{s}-deployment.yaml")),
            user.replace("user", s),
        )
        .unwrap();
    }
    let seed = fx.dir.path().join("seed");
    git(&seed, &["add", "-A"]);
    git(&seed, &["commit", "-qm", "more services"]);
    git(
        &seed,
        &["push", "-q", fx.remote.to_str().unwrap(), "HEAD:main"],
    );
    let n = fx.remote_count();
    let mut services: Vec<String> = ["agent", "mcp", "model", "user"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    services.extend(extra);
    let children: Vec<_> = services
        .iter()
        .map(|s| {
            fx.cmd()
                .args([
                    "set",
                    &format!("{s}=:race-{s}"),
                    "--repo",
                    &fx.url(),
                    "--retries",
                    "20",
                    "-q",
                ])
                .spawn()
                .unwrap()
        })
        .collect();
    for out in wait_all(children) {
        assert_eq!(code(&out), Some(0), "{}", text(&out));
    }
    assert_eq!(fx.remote_count(), n + 10);
    for s in &services {
        let f = fx.remote_file(&format!(
            "deployments/kubernetes/base/applications/{s}-deployment.yaml"
        ));
        assert!(f.contains(&format!(":race-{s}")), "{s} lost");
    }
    // Linear history: every new commit has one parent.
    assert_eq!(
        fx.remote_git(&["rev-list", "--merges", "--count", "main"])
            .trim(),
        "0"
    );
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
    assert_eq!(
        (v["pushed"].as_bool(), v["attempts"].as_u64()),
        (Some(true), Some(2))
    );
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
    assert!(v["note"].as_str().unwrap_or("").contains("left at"), "{v}");
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
    // The local branch keeps the user's commit, with the local bump on top.
    assert_eq!(
        git(&fx.checkout, &["log", "-1", "--format=%s", "HEAD~1"]).trim(),
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
fn a_cache_dir_is_reused_rebuilt_when_wrong_and_shared_under_a_lock() {
    let fx = Fixture::new();
    let daemon = Daemon::start(fx.dir.path());
    let url = daemon.url("isA_Cloud.git");
    let cache = fx.dir.path().join("cache");
    let cache_s = cache.to_str().unwrap();
    let run = |pair: &str| {
        let out = fx.run(&[
            "set",
            pair,
            "--repo",
            &url,
            "--cache-dir",
            cache_s,
            "--output",
            "json",
        ]);
        assert_eq!(code(&out), Some(0), "{pair}: {}", text(&out));
        assert_eq!(json(&out)["pushed"], true, "{pair}");
    };
    run("agent=:c1");
    let cached = &cache_repo(&cache);
    let cache_url = || {
        git(
            fx.dir.path(),
            &[
                "--git-dir",
                cached.to_str().unwrap(),
                "config",
                "imgbump.url",
            ],
        )
        .trim()
        .to_string()
    };
    assert_eq!(cache_url(), url);
    // Warm: a new commit on the remote, fetched into the same cache.
    fx.push_elsewhere("NEWS", "x\n", "news");
    run("mcp=:c2");
    assert_eq!(
        fx.remote_git(&["log", "-1", "--format=%s", "main~1"])
            .trim(),
        "news"
    );
    let tracking = git(
        fx.dir.path(),
        &[
            "--git-dir",
            cached.to_str().unwrap(),
            "rev-parse",
            "refs/remotes/origin/main",
        ],
    );
    assert_eq!(tracking, fx.remote_git(&["rev-parse", "main~1"]));
    // A cache that belongs to another URL is rebuilt, not trusted.
    git(
        fx.dir.path(),
        &[
            "--git-dir",
            cached.to_str().unwrap(),
            "config",
            "imgbump.url",
            "git://elsewhere/x.git",
        ],
    );
    run("model=:c3");
    assert_eq!(cache_url(), url);
    // Corrupt objects: rebuilt.
    for e in std::fs::read_dir(cached.join("objects/pack")).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_some_and(|x| x == "pack") {
            let len = std::fs::metadata(&p).unwrap().len();
            let f = std::fs::OpenOptions::new().write(true).open(&p).unwrap();
            f.set_len(len / 2).unwrap();
        }
    }
    run("user=:c4");
    // Several processes share the cache one at a time, and all land.
    let n = fx.remote_count();
    let kids: Vec<_> = ["agent", "mcp", "model", "user"]
        .iter()
        .map(|s| {
            fx.cmd()
                .args([
                    "set",
                    &format!("{s}=:shared-{s}"),
                    "--repo",
                    &url,
                    "--cache-dir",
                    cache_s,
                    "-q",
                ])
                .spawn()
                .unwrap()
        })
        .collect();
    for out in wait_all(kids) {
        assert_eq!(code(&out), Some(0), "{}", text(&out));
    }
    assert_eq!(fx.remote_count(), n + 4);
}

/// The paths in `dir` (none if it does not exist).
fn entries(dir: &std::path::Path) -> impl Iterator<Item = std::path::PathBuf> {
    std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .map(|e| e.unwrap().path())
}

/// The one repository a `--cache-dir` holds.
fn cache_repo(cache: &std::path::Path) -> std::path::PathBuf {
    let repos: Vec<_> = entries(cache)
        .filter(|p| p.extension().is_some_and(|e| e == "git"))
        .collect();
    assert_eq!(repos.len(), 1, "{repos:?}");
    repos[0].clone()
}

#[test]
fn a_cache_keeps_no_loose_objects_and_starts_again_past_fifty_packs() {
    let fx = Fixture::new();
    let daemon = Daemon::start(fx.dir.path());
    let url = daemon.url("isA_Cloud.git");
    let cache = fx.dir.path().join("cache");
    let n = fx.remote_count();
    let mut most = 0;
    for i in 1..=52 {
        let out = fx.run(&[
            "set",
            &format!("agent=:pack-{i}"),
            "--repo",
            &url,
            "--cache-dir",
            cache.to_str().unwrap(),
            "-q",
        ]);
        assert_eq!(code(&out), Some(0), "run {i}: {}", text(&out));
        let objects = cache_repo(&cache).join("objects");
        // Each run's fetch adds a pack; the commit it pushes is never written loose (loose
        // objects live in objects/XX/, XX two hex digits).
        let packs = entries(&objects.join("pack"))
            .filter(|p| p.extension().is_some_and(|e| e == "pack"))
            .count();
        let loose: usize = entries(&objects)
            .filter(|d| d.file_name().is_some_and(|n| n.len() == 2))
            .map(|d| entries(&d).count())
            .sum();
        assert_eq!(loose, 0, "run {i}: loose objects in the cache");
        if i <= 51 {
            assert_eq!(packs, i, "run {i}");
        } else {
            assert_eq!(packs, 1, "run {i}: the cache was not started again");
        }
        most = most.max(packs);
    }
    assert_eq!(most, 51);
    assert_eq!(fx.remote_count(), n + 52);
    assert!(fx
        .remote_file("deployments/kubernetes/base/applications/agent-deployment.yaml")
        .contains("isa-agent:pack-52"));
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
