//! Never going backwards, against real Git: order keys (superseded bumps, a shallow clone
//! deepened to find the recorded key), `--expect-current`, and `rollback`, with the `git` CLI
//! checking what landed.

mod support;

use support::*;

fn code(out: &std::process::Output) -> Option<i32> {
    out.status.code()
}

fn set(fx: &Fixture, url: &str, pair: &str, extra: &[&str]) -> std::process::Output {
    let mut args = vec!["set", "--repo", url, "--output", "json"];
    args.extend_from_slice(extra);
    args.extend(["--", pair]);
    fx.run(&args)
}

/// The agent container's image on the remote's `main`.
fn image_line(fx: &Fixture) -> String {
    let text = fx.remote_file(AGENT);
    let line = text.lines().find(|l| l.contains("isa-agent:")).unwrap();
    line.split_whitespace()
        .nth(1)
        .unwrap()
        .trim_matches('"')
        .to_string()
}

#[test]
fn an_older_order_key_is_superseded_and_changes_nothing() {
    let fx = Fixture::new();
    let url = fx.url();
    let out = set(&fx, &url, "agent=:v20", &["--order-key", "20"]);
    assert_eq!(code(&out), Some(0), "{}", text(&out));
    assert_eq!(json(&out)["status"], "changed");
    assert!(fx
        .remote_git(&["log", "-1", "--format=%B"])
        .contains("\nImgbump-Order: agent=20\n"));
    let n = fx.remote_count();

    // An older build, and a rerun of the same one: superseded, nothing committed.
    let outputs = fx.dir.path().join("github-output");
    for (pair, key) in [("agent=:v10", "10"), ("agent=:v20-rerun", "20")] {
        let out = fx
            .cmd()
            .env("GITHUB_OUTPUT", &outputs)
            .args([
                "set",
                "--repo",
                &url,
                "--output",
                "json",
                "--order-key",
                key,
            ])
            .args(["--", pair])
            .output()
            .unwrap();
        assert_eq!(code(&out), Some(0), "{}", text(&out));
        let v = json(&out);
        assert_eq!(v["status"], "superseded", "{v}");
        assert_eq!(v["changed"], false);
        assert_eq!(v["changes"][0]["status"], "superseded");
        assert_eq!(v["changes"][0]["recorded_order_key"], 20);
        assert_eq!(fx.remote_count(), n);
        assert!(
            image_line(&fx).ends_with("isa-agent:v20"),
            "{}",
            image_line(&fx)
        );
    }
    let written = github_outputs(&outputs);
    assert!(written.contains("status=superseded\n"), "{written}");

    // Made an error on request.
    let out = set(
        &fx,
        &url,
        "agent=:v11",
        &["--order-key", "11", "--fail-on-superseded"],
    );
    assert_fails(&out, 4, "superseded", "--fail-on-superseded");
    // stdout holds one JSON value: the outcome, which says superseded (the error is on stderr).
    assert_eq!(json(&out)["status"], "superseded", "{}", text(&out));
    assert_eq!(fx.remote_count(), n);

    // A newer key lands, and is recorded.
    let out = set(&fx, &url, "agent=:v21", &["--order-key", "21"]);
    assert_eq!(json(&out)["status"], "changed", "{}", text(&out));
    assert!(image_line(&fx).ends_with("isa-agent:v21"));
    assert!(fx
        .remote_git(&["log", "-1", "--format=%B"])
        .contains("Imgbump-Order: agent=21"));
    // Another service's key is its own.
    let out = set(&fx, &url, "mcp=:m1", &["--order-key", "1"]);
    assert_eq!(json(&out)["status"], "changed", "{}", text(&out));
}

#[test]
fn a_shallow_clone_is_deepened_to_find_the_recorded_key() {
    let fx = Fixture::new();
    let out = set(&fx, &fx.url(), "agent=:v100", &["--order-key", "100"]);
    assert_eq!(code(&out), Some(0), "{}", text(&out));
    // 80 unrelated commits on top: the key is out of reach of a depth-1 and a depth-64 clone.
    let other = fx.clone_elsewhere();
    for i in 0..80 {
        std::fs::write(other.join("NOTES.md"), format!("{i}\n")).unwrap();
        git(&other, &["add", "NOTES.md"]);
        git(&other, &["commit", "-qm", &format!("docs {i}")]);
    }
    git(&other, &["push", "-q", "origin", "main"]);
    let daemon = Daemon::start(fx.dir.path());
    let url = daemon.url("isA_Cloud.git");
    let n = fx.remote_count();
    let out = set(&fx, &url, "agent=:v50", &["--order-key", "50"]);
    assert_eq!(code(&out), Some(0), "{}", text(&out));
    assert_eq!(json(&out)["status"], "superseded", "{}", text(&out));
    assert_eq!(fx.remote_count(), n);
    let out = set(&fx, &url, "agent=:v101", &["--order-key", "101"]);
    assert_eq!(json(&out)["status"], "changed", "{}", text(&out));
    assert!(image_line(&fx).ends_with("isa-agent:v101"));
}

#[test]
fn expect_current_is_a_compare_and_swap() {
    let fx = Fixture::new();
    let url = fx.url();
    let current = image_line(&fx);
    let n = fx.remote_count();
    let out = set(
        &fx,
        &url,
        "agent=:v2",
        &["--expect-current", "registry.example/isa-agent:other"],
    );
    assert_fails(&out, 4, "not the expected", "a stale --expect-current");
    assert!(
        text(&out).contains(&current),
        "the actual image is named: {}",
        text(&out)
    );
    assert_eq!(fx.remote_count(), n);
    let out = set(&fx, &url, "agent=:v2", &["--expect-current", &current]);
    assert_eq!(code(&out), Some(0), "{}", text(&out));
    assert!(image_line(&fx).ends_with("isa-agent:v2"));
    // Already the new image: nothing to swap, a success.
    let out = set(&fx, &url, "agent=:v2", &["--expect-current", &current]);
    assert_eq!(json(&out)["status"], "unchanged", "{}", text(&out));
}

#[test]
fn hostile_order_keys_and_expected_images_are_usage_errors() {
    let fx = Fixture::new();
    let url = fx.url();
    let n = fx.remote_count();
    for (flag, value) in [
        ("--order-key", "abc"),
        ("--order-key", "-1"),
        ("--order-key", "18446744073709551616"),
        ("--order-key", "1e3"),
        ("--expect-current", "nginx:1\ninjected: yes"),
        ("--expect-current", "nginx:1 "),
        ("--timeout", "forever"),
    ] {
        let out = set(&fx, &url, "agent=:v2", &[flag, value]);
        assert_eq!(code(&out), Some(2), "{flag} {value:?}: {}", text(&out));
        let v = json(&out);
        assert_eq!(v["error"]["kind"], "usage", "{flag} {value:?}: {v}");
    }
    assert_eq!(fx.remote_count(), n);
}

#[test]
fn rollback_goes_back_then_further_back_never_toggling() {
    let fx = Fixture::new();
    let url = fx.url();
    let original = image_line(&fx);
    for (tag, key) in [("v1", "1"), ("v2", "2"), ("bad", "3")] {
        let out = fx
            .cmd()
            .args(["set", "--repo", &url, "--order-key", key])
            .args(["--trailer", "Requested-By=octocat"])
            .arg(format!("agent=:{tag}"))
            .output()
            .unwrap();
        assert_eq!(code(&out), Some(0), "{}", text(&out));
    }
    let out = fx.run(&["rollback", "agent", "--repo", &url, "--output", "json"]);
    assert_eq!(code(&out), Some(0), "{}", text(&out));
    assert!(
        image_line(&fx).ends_with("isa-agent:v2"),
        "{}",
        image_line(&fx)
    );
    let body = fx.remote_git(&["log", "-1", "--format=%B"]);
    assert!(body.starts_with("chore: roll back agent to v2"), "{body}");
    assert!(
        body.contains("Imgbump-Rollback: agent=") && body.contains(":bad\n"),
        "{body}"
    );
    assert!(body.contains("Imgbump-Order: agent=3"), "{body}");

    // Again: not back to `bad` (rolled back from), but to v1.
    let out = fx.run(&["rollback", "agent", "--repo", &url]);
    assert_eq!(code(&out), Some(0), "{}", text(&out));
    assert!(
        image_line(&fx).ends_with("isa-agent:v1"),
        "{}",
        image_line(&fx)
    );

    // A rerun of the pipeline that built `bad` cannot roll forward over the rollback...
    let out = set(&fx, &url, "agent=:bad", &["--order-key", "3"]);
    assert_eq!(json(&out)["status"], "superseded", "{}", text(&out));
    assert!(image_line(&fx).ends_with("isa-agent:v1"));
    // ...a new build can.
    let out = set(&fx, &url, "agent=:fixed", &["--order-key", "4"]);
    assert_eq!(json(&out)["status"], "changed", "{}", text(&out));

    // history shows who asked, the keys and the rollbacks.
    let out = fx.run(&["history", "agent", "--repo", &url, "--output", "json"]);
    assert_eq!(code(&out), Some(0), "{}", text(&out));
    let v = json(&out);
    let rows = v.as_array().unwrap();
    let images: Vec<&str> = rows
        .iter()
        .map(|r| r["image"].as_str().unwrap().rsplit(':').next().unwrap())
        .collect();
    assert_eq!(images[..6], ["fixed", "v1", "v2", "bad", "v2", "v1"], "{v}");
    assert_eq!(rows[0]["order_key"], 4);
    assert!(rows[1]["rolled_back_from"]
        .as_str()
        .unwrap()
        .ends_with(":v2"));
    assert_eq!(rows[3]["requested_by"], "octocat");
    assert_eq!(rows[3]["author"], "imgbump <imgbump@localhost>");
    assert!(original.contains("isa-agent:"));
    let out = fx.run(&["history", "agent", "--repo", &url]);
    let first = String::from_utf8_lossy(&out.stdout)
        .lines()
        .nth(1)
        .unwrap()
        .to_string();
    assert!(
        first.contains("\trolled-back-from=") && first.contains("\torder=3"),
        "{first}"
    );
}

#[test]
fn rollback_works_in_a_checkout() {
    let fx = Fixture::new();
    let co = fx.checkout.to_str().unwrap().to_string();
    for tag in ["v1", "v2"] {
        let out = fx.run(&["set", "-C", &co, &format!("agent=:{tag}")]);
        assert_eq!(code(&out), Some(0), "{}", text(&out));
    }
    let out = fx.run(&["rollback", "agent", "-C", &co]);
    assert_eq!(code(&out), Some(0), "{}", text(&out));
    assert!(image_line(&fx).ends_with("isa-agent:v1"));
    let status = git(&fx.checkout, &["status", "--porcelain=v1", "-b"]);
    assert_eq!(status.trim(), "## main...origin/main", "{status}");
}
