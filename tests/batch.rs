//! Batched bumps through real remotes: a burst lands in a few commits, each run reports the
//! commit that carried its change and how many others it carried, exactly as the remote has
//! it; order keys, a refusing hook, killed runs, a server that refuses request refs, and a
//! request ref with hostile content.

mod support;

use std::collections::HashMap;
use std::path::Path;
use std::process::{Child, Output, Stdio};
use std::time::Duration;

use support::*;

const APPS: &str = "deployments/kubernetes/base/applications";

/// One burst at a time: each is a crowd of its own.
static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn serial() -> std::sync::MutexGuard<'static, ()> {
    ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner())
}

fn rgit(remote: &Path, args: &[&str]) -> String {
    let mut all = vec!["--git-dir", remote.to_str().unwrap()];
    all.extend_from_slice(args);
    git(remote, &all)
}

fn spawn(home: &Path, args: &[&str]) -> Child {
    imgbump(home)
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// `SERVICE=:TAG` for each service, at once through `url`, with `extra` options.
fn burst(url: &str, pairs: &[String], extra: &[&str]) -> Vec<Output> {
    let home = tempfile::tempdir().unwrap();
    let children: Vec<Child> = pairs
        .iter()
        .map(|p| {
            let mut args = vec!["set", p.as_str(), "--repo", url, "--output", "json"];
            args.extend_from_slice(extra);
            spawn(home.path(), &args)
        })
        .collect();
    wait_all(children)
}

/// The request ids each commit of `base..main` carries, by commit.
fn carried(remote: &Path, base: &str) -> HashMap<String, usize> {
    let log = rgit(
        remote,
        &[
            "log",
            "--format=%H%x00%(trailers:key=Imgbump-Request,valueonly,separator=%x2C)",
            &format!("{base}..main"),
        ],
    );
    log.lines()
        .filter_map(|l| l.split_once('\0'))
        .map(|(c, ids)| {
            let n = ids.split(',').filter(|s| !s.trim().is_empty()).count();
            (c.to_string(), n)
        })
        .collect()
}

/// What a landed run reported is what its commit did on the remote: each change's old image is
/// in its file at the commit's parent, its new one at the commit (whether the run led the batch
/// or read its landing from the branch's history).
fn reported_as_on_remote(remote: &Path, v: &serde_json::Value) {
    let images = |text: &str| -> Vec<String> {
        text.lines()
            .filter_map(|l| l.trim().trim_start_matches("- ").strip_prefix("image:"))
            .map(|i| i.split(" #").next().unwrap_or(i))
            .map(|i| i.trim().trim_matches(['"', '\'']).to_string())
            .collect()
    };
    let commit = v["commit"].as_str().unwrap();
    for c in v["changes"].as_array().unwrap() {
        if c["status"] != "changed" {
            continue;
        }
        let file = c["file"].as_str().unwrap();
        let before = images(&rgit(remote, &["show", &format!("{commit}^:{file}")]));
        let after = images(&rgit(remote, &["show", &format!("{commit}:{file}")]));
        let (old, new) = (c["old"].as_str().unwrap(), c["new"].as_str().unwrap());
        assert!(
            before.iter().any(|i| i == old),
            "{old} not at {commit}^: {v}"
        );
        assert!(after.iter().any(|i| i == new), "{new} not at {commit}: {v}");
    }
}

/// Every run landed, and says so as the remote has it: its commit is on `main`, the number of
/// other changes it says that commit carried is the number of requests the commit names, less
/// its own, and its old and new images are the commit's ([`reported_as_on_remote`]). Returns
/// the commits added.
fn all_landed_as_reported(
    remote: &Path,
    base: &str,
    outs: &[Output],
    services: &[String],
) -> usize {
    let commits = carried(remote, base);
    for o in outs {
        assert_eq!(o.status.code(), Some(0), "{}", text(o));
        let v = json(o);
        assert_eq!(v["pushed"], true, "{v}");
        let commit = v["commit"].as_str().unwrap();
        let n = commits
            .get(commit)
            .unwrap_or_else(|| panic!("{commit} is not on main: {v}"));
        let batched = v["batched"].as_u64().unwrap() as usize;
        assert_eq!(batched, n.saturating_sub(1), "{v}");
        reported_as_on_remote(remote, &v);
    }
    for s in services {
        let file = rgit(
            remote,
            &["show", &format!("main:{APPS}/{s}-deployment.yaml")],
        );
        assert!(file.contains(&format!(":burst-{s}")), "{s} did not land");
    }
    assert_eq!(
        rgit(remote, &["rev-list", "--merges", "--count", "main"]).trim(),
        "0"
    );
    assert_eq!(rgit(remote, &["for-each-ref", "refs/imgbump"]), "");
    rgit(remote, &["fsck", "--strict", "--no-dangling"]);
    commits.len()
}

fn pairs_of(services: &[String]) -> Vec<String> {
    services.iter().map(|s| format!("{s}=:burst-{s}")).collect()
}

/// A burst through git daemon with its default limit of 32 connections: every change lands,
/// in fewer commits than bumps, and at least one commit carried several.
#[test]
fn a_burst_through_git_daemon_lands_in_fewer_commits() {
    let _one = serial();
    let (dir, remote, services) = gitops_repo_of(40, 50);
    let daemon = Daemon::start(dir.path());
    let base = rgit(&remote, &["rev-parse", "main"]).trim().to_string();
    let outs = burst(&daemon.url("isa.git"), &pairs_of(&services[..40]), &[]);
    let commits = all_landed_as_reported(&remote, &base, &outs, &services[..40]);
    assert!(commits < 40, "{commits} commits for 40 bumps");
    assert!(
        outs.iter().any(|o| json(o)["batched"].as_u64() > Some(0)),
        "no commit carried another run's change"
    );
}

/// The same through smart HTTP with a token.
#[test]
fn a_burst_through_smart_http_lands_in_fewer_commits() {
    let _one = serial();
    let (dir, remote, services) = gitops_repo_of(30, 50);
    let http = Http::start(dir.path(), Some(TOKEN));
    let base = rgit(&remote, &["rev-parse", "main"]).trim().to_string();
    let home = tempfile::tempdir().unwrap();
    let children: Vec<Child> = pairs_of(&services[..30])
        .iter()
        .map(|p| {
            let mut c = imgbump(home.path());
            c.args(["set", p, "--repo", &http.url("isa.git"), "-o", "json"])
                .env("IMGBUMP_TOKEN", TOKEN)
                .stdout(Stdio::piped())
                .stderr(Stdio::piped());
            c.spawn().unwrap()
        })
        .collect();
    let outs = wait_all(children);
    let commits = all_landed_as_reported(&remote, &base, &outs, &services[..30]);
    assert!(commits < 30, "{commits} commits for 30 bumps");
}

/// `--no-batch`: each run races alone, as before: one commit per bump, no request ref ever.
#[test]
fn no_batch_races_alone() {
    let _one = serial();
    let (_dir, remote, services) = gitops_repo_of(12, 50);
    let base = rgit(&remote, &["rev-parse", "main"]).trim().to_string();
    let url = format!("file://{}", remote.display());
    let outs = burst(&url, &pairs_of(&services[..12]), &["--no-batch"]);
    let commits = all_landed_as_reported(&remote, &base, &outs, &services[..12]);
    assert_eq!(commits, 12);
    assert!(outs.iter().all(|o| json(o)["batched"] == 0));
    let log = rgit(&remote, &["log", "--format=%B", &format!("{base}..main")]);
    assert!(!log.contains("Imgbump-Request"), "{log}");
}

/// One service, ten runs with order keys, started at once: the newest key's image is what
/// stays; the recorded keys along the branch only grow; every run ends well, landed or told it
/// was superseded.
#[test]
fn order_keys_hold_across_batches() {
    let _one = serial();
    let (_dir, remote, services) = gitops_repo(50);
    let others: Vec<&String> = services.iter().filter(|s| *s != "agent").take(5).collect();
    let base = rgit(&remote, &["rev-parse", "main"]).trim().to_string();
    let url = format!("file://{}", remote.display());
    let home = tempfile::tempdir().unwrap();
    // Mixed with other services, so that batches form.
    let mut children = Vec::new();
    for (i, key) in [3, 9, 1, 7, 10, 2, 8, 5, 4, 6].iter().enumerate() {
        children.push(spawn(
            home.path(),
            &[
                "set",
                &format!("agent=:key-{key}"),
                "--order-key",
                &key.to_string(),
                "--repo",
                &url,
                "-o",
                "json",
            ],
        ));
        let other = others[i % others.len()];
        children.push(spawn(
            home.path(),
            &[
                "set",
                &format!("{other}=:o-{i}"),
                "--repo",
                &url,
                "-o",
                "json",
            ],
        ));
    }
    for o in wait_all(children) {
        assert_eq!(o.status.code(), Some(0), "{}", text(&o));
        let v = json(&o);
        let status = v["status"].as_str().unwrap().to_string();
        assert!(status == "changed" || status == "superseded", "{status}");
        if v["pushed"] == true {
            reported_as_on_remote(&remote, &v);
        }
    }
    let file = rgit(&remote, &["show", &format!("main:{AGENT}")]);
    assert!(file.contains(":key-10"), "{file}");
    let keys = rgit(
        &remote,
        &[
            "log",
            "--reverse",
            "--format=%(trailers:key=Imgbump-Order,valueonly,separator=%x2C)",
            &format!("{base}..main"),
        ],
    );
    let agent_keys: Vec<u64> = keys
        .split([',', '\n'])
        .filter_map(|t| t.trim().strip_prefix("agent="))
        .map(|k| k.parse().unwrap())
        .collect();
    assert!(!agent_keys.is_empty());
    assert!(
        agent_keys.windows(2).all(|w| w[0] < w[1]),
        "keys went back: {agent_keys:?}"
    );
    assert_eq!(agent_keys.last(), Some(&10));
    assert_eq!(rgit(&remote, &["for-each-ref", "refs/imgbump"]), "");
}

/// A hook that refuses one service's change: that run fails with the hook's words, and every
/// other change lands, whatever batch the refused one was in.
#[test]
fn a_refused_change_does_not_hold_back_the_others() {
    let _one = serial();
    let (_dir, remote, services) = gitops_repo_of(16, 50);
    let frozen = services
        .iter()
        .find(|s| s.as_str() == "mcp")
        .cloned()
        .unwrap_or_else(|| services[3].clone());
    let hook = remote.join("hooks/pre-receive");
    std::fs::write(
        &hook,
        format!(
            "#!/bin/sh\nwhile read old new ref; do\n  case \"$ref\" in refs/heads/*) ;; *) continue ;; esac\n  if git diff --name-only \"$old\" \"$new\" | grep -q '/{frozen}-deployment.yaml$'; then\n    echo \"{frozen} is frozen for the release\" >&2; exit 1\n  fi\ndone\n"
        ),
    )
    .unwrap();
    std::process::Command::new("chmod")
        .args(["+x", hook.to_str().unwrap()])
        .status()
        .unwrap();
    let url = format!("file://{}", remote.display());
    let outs = burst(&url, &pairs_of(&services[..16]), &[]);
    for (s, o) in services[..16].iter().zip(&outs) {
        if *s == frozen {
            assert_ne!(o.status.code(), Some(0), "{}", text(o));
            assert!(text(o).contains("is frozen for the release"), "{}", text(o));
        } else {
            assert_eq!(o.status.code(), Some(0), "{s}: {}", text(o));
            assert_eq!(json(o)["pushed"], true);
        }
    }
    let file = rgit(
        &remote,
        &["show", &format!("main:{APPS}/{frozen}-deployment.yaml")],
    );
    assert!(!file.contains(":burst-"), "{file}");
    assert_eq!(rgit(&remote, &["for-each-ref", "refs/imgbump"]), "");
}

/// A server whose hook takes only branches: the runs race alone, say so once each, and all
/// land.
#[test]
fn a_server_refusing_request_refs_falls_back_to_racing() {
    let _one = serial();
    let (_dir, remote, services) = gitops_repo_of(10, 50);
    let hook = remote.join("hooks/update");
    std::fs::write(
        &hook,
        "#!/bin/sh\ncase \"$1\" in refs/heads/*) exit 0 ;; esac\necho \"only branches here\" >&2\nexit 1\n",
    )
    .unwrap();
    std::process::Command::new("chmod")
        .args(["+x", hook.to_str().unwrap()])
        .status()
        .unwrap();
    let base = rgit(&remote, &["rev-parse", "main"]).trim().to_string();
    let url = format!("file://{}", remote.display());
    let outs = burst(&url, &pairs_of(&services[..10]), &[]);
    let commits = all_landed_as_reported(&remote, &base, &outs, &services[..10]);
    assert_eq!(commits, 10);
    let said: usize = outs
        .iter()
        .map(|o| {
            let n = text(o)
                .matches("does not take imgbump's request refs")
                .count();
            assert!(n <= 1, "{}", text(o));
            n
        })
        .sum();
    assert!(said >= 1, "no run met the refusal");
}

/// Runs killed at random during a burst never block the others; a published change is landed
/// by whoever lands next; once one more run has landed, no request ref is left, and the
/// repository is sound.
#[test]
fn killed_runs_block_nobody() {
    let _one = serial();
    let (dir, remote, services) = gitops_repo_of(51, 50);
    let daemon = Daemon::start(dir.path());
    let url = daemon.url("isa.git");
    let base = rgit(&remote, &["rev-parse", "main"]).trim().to_string();
    let home = tempfile::tempdir().unwrap();
    let mut children: Vec<Child> = pairs_of(&services[..50])
        .iter()
        .map(|p| spawn(home.path(), &["set", p, "--repo", &url, "-o", "json"]))
        .collect();
    // Every fifth run (10 of 50) killed, after a different while each, while the others go on.
    let killed: Vec<usize> = (0..50).filter(|i| i % 5 == 2).collect();
    for (n, &i) in killed.iter().enumerate() {
        std::thread::sleep(Duration::from_millis(40 * n as u64));
        let _ = children[i].kill();
    }
    let outs = wait_all(children);
    for (i, o) in outs.iter().enumerate() {
        if !killed.contains(&i) {
            assert_eq!(o.status.code(), Some(0), "{}", text(o));
            assert_eq!(json(o)["pushed"], true);
        }
    }
    // One more run lands whatever the killed ones published, and clears their refs.
    let last = services[30..]
        .first()
        .cloned()
        .unwrap_or_else(|| "agent".into());
    let out = imgbump(home.path())
        .args(["set", &format!("{last}=:after"), "--repo", &url])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(rgit(&remote, &["for-each-ref", "refs/imgbump"]), "");
    rgit(&remote, &["fsck", "--strict", "--no-dangling"]);
    assert_eq!(
        rgit(
            &remote,
            &["rev-list", "--merges", "--count", &format!("{base}..main")]
        )
        .trim(),
        "0"
    );
}

/// A request ref with hostile content (a path out of the repository, an image that would add
/// YAML) is never applied, and holds nobody up.
#[test]
fn a_hostile_request_is_never_applied() {
    let _one = serial();
    let (_dir, remote, services) = gitops_repo_of(8, 50);
    let wire = serde_json::json!({
        "version": 1, "created_ms": 1_000_000_000_000u64, "expires": 9_999_999_999i64,
        "base": "0000000000000000000000000000000000000000",
        "pairs": [{"service": "agent", "image": "x:1\n  evil: true", "file": "../../etc/passwd"}],
        "manifests": ["../{service}.yaml"], "message": "pwned {service}", "trailers": [["Evil", "a\nb"]]
    });
    let message = format!("imgbump request\n\n{wire}\n");
    let tree = rgit(&remote, &["hash-object", "-t", "tree", "-w", "/dev/null"]);
    let commit = git(
        &remote,
        &[
            "--git-dir",
            remote.to_str().unwrap(),
            "commit-tree",
            tree.trim(),
            "-m",
            &message,
        ],
    );
    rgit(
        &remote,
        &[
            "update-ref",
            "refs/imgbump/requests/main/1000000000000-0123456789abcdef",
            commit.trim(),
        ],
    );
    let base = rgit(&remote, &["rev-parse", "main"]).trim().to_string();
    let url = format!("file://{}", remote.display());
    let outs = burst(&url, &pairs_of(&services[..8]), &[]);
    for o in &outs {
        assert_eq!(o.status.code(), Some(0), "{}", text(o));
    }
    let log = rgit(&remote, &["log", "-p", &format!("{base}..main")]);
    assert!(!log.contains("evil") && !log.contains("pwned"), "{log}");
    for s in &services[..8] {
        let file = rgit(
            &remote,
            &["show", &format!("main:{APPS}/{s}-deployment.yaml")],
        );
        assert!(file.contains(&format!(":burst-{s}")), "{s} did not land");
    }
}
