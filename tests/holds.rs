//! Holds end to end, against real Git: the bundled `examples/environments` and `isA_Cloud`
//! repositories behind `git daemon`, every commit read back with the `git` CLI. Each target kind
//! (a workload, a kustomize entry, Helm split keys, an Argo CD parameter holding the tag) is
//! held, left alone by `set`, refused with `--fail-on-held`, set with `--ignore-hold`, and
//! released back to its original bytes.

mod support;

use support::*;

/// A bundled example as a bare remote served by `git daemon`.
struct Repo {
    fx: Fixture,
    daemon: Daemon,
    name: &'static str,
}

impl Repo {
    fn new(name: &'static str) -> Repo {
        let fx = Fixture::of(name);
        let daemon = Daemon::start(fx.dir.path());
        Repo { fx, daemon, name }
    }

    fn url(&self) -> String {
        self.daemon.url(&format!("{}.git", self.name))
    }

    fn cmd(&self, args: &[&str]) -> std::process::Command {
        let url = self.url();
        let mut c = imgbump(&self.fx.home);
        c.args(args)
            .args(["--repo", &url])
            .current_dir(self.fx.dir.path());
        c
    }

    fn run(&self, args: &[&str]) -> std::process::Output {
        self.cmd(args).output().unwrap()
    }

    fn ok(&self, args: &[&str]) -> std::process::Output {
        let out = self.run(args);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {}", text(&out));
        out
    }

    fn file(&self, path: &str) -> String {
        self.fx.remote_file(path)
    }

    fn count(&self) -> usize {
        self.fx.remote_count()
    }

    fn message(&self) -> String {
        self.fx.remote_git(&["log", "-1", "--format=%B", "main"])
    }

    fn last_diff(&self) -> Vec<String> {
        self.fx.last_diff()
    }

    /// Pushes `path` = `content` to main from another checkout.
    fn push(&self, path: &str, content: &str) {
        self.fx.push_elsewhere(path, content, "edit by hand");
    }
}

const REASON: &str = "incident-4711";
const BY: &str = "oncall@example.com";

/// One target kind's whole cycle: hold, held, --fail-on-held, release (original bytes), set,
/// hold again, --ignore-hold (hold line kept), get and history show it, release.
fn cycle(r: &Repo, service: &str, env: &[&str], file: &str, new: &str, newer: &str) {
    let original = r.file(file);
    let before = r.count();
    let mut hold = vec!["hold", service, "--reason", REASON, "--by", BY];
    hold.extend(env);
    let out = r.ok(&hold);
    assert_eq!(r.count(), before + 1, "{service}: {}", text(&out));
    let diff = r.last_diff();
    assert_eq!(diff.len(), 1, "{service}: one line added: {diff:?}");
    let added = diff[0].strip_prefix('+').unwrap();
    assert!(
        added
            .trim_start()
            .starts_with(&format!("# imgbump:hold {REASON} ({BY}, ")),
        "{service}: {added:?}"
    );
    assert!(
        r.message()
            .contains(&format!("\nImgbump-Hold: {service}\n")),
        "{}",
        r.message()
    );
    let held_text = r.file(file);

    // Held: nothing changes, exit 0, `held` everywhere.
    let pair = format!("{service}={new}");
    let mut set = vec!["set", pair.as_str(), "-o", "json"];
    set.extend(env);
    let out = r.ok(&set);
    let v = json(&out);
    assert_eq!(v["status"], "held", "{service}: {v}");
    assert_eq!(v["changes"][0]["status"], "held");
    assert_eq!(v["changes"][0]["hold"]["reason"], REASON);
    assert_eq!(v["changes"][0]["hold"]["by"], BY);
    // Since: now, as the hold line wrote it (UTC, to the second).
    let since = v["changes"][0]["hold"]["since"].as_str().unwrap();
    let shape = regex::Regex::new(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$").unwrap();
    assert!(shape.is_match(since), "{since}");
    assert!(
        held_text.contains(&format!("({BY}, {since})")),
        "{held_text}"
    );
    assert_eq!(
        r.count(),
        before + 1,
        "{service}: a held set commits nothing"
    );
    assert_eq!(r.file(file), held_text);
    let mut fail = set.clone();
    fail.push("--fail-on-held");
    assert_fails(&r.run(&fail), 4, "--fail-on-held", service);
    assert_eq!(r.count(), before + 1);

    // Released: the file is byte for byte what it was.
    let mut release = vec!["release", service];
    release.extend(env);
    r.ok(&release);
    assert_eq!(
        r.file(file),
        original,
        "{service}: release gives back the bytes"
    );
    assert!(r
        .message()
        .contains(&format!("\nImgbump-Release: {service}\n")));
    let out = r.ok(&set);
    assert_eq!(
        json(&out)["status"],
        "changed",
        "{service}: lands once released"
    );
    let landed = r.file(file);

    // Held again at the new image; --ignore-hold sets the newer one and keeps the line.
    r.ok(&hold);
    let pair = format!("{service}={newer}");
    let mut ignore = vec!["set", pair.as_str(), "--ignore-hold"];
    ignore.extend(env);
    let out = r.ok(&ignore);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("hold ignored: incident-4711"),
        "{service}: {err}"
    );
    assert!(r
        .message()
        .contains(&format!("\nImgbump-Hold-Ignored: {service}\n")));
    let diff = r.last_diff();
    assert_eq!(diff.len(), 2, "{service}: only the image line: {diff:?}");
    assert!(r.file(file).contains(&format!("# imgbump:hold {REASON}")));

    // get, list and history show it.
    let mut get = vec!["get", service, "-o", "json"];
    get.extend(env);
    let v = json(&r.ok(&get));
    assert_eq!(v[0]["hold"]["reason"], REASON, "{v}");
    let mut history = vec!["history", service, "-o", "json"];
    history.extend(env);
    let v = json(&r.ok(&history));
    assert_eq!(v[0]["hold"]["reason"], REASON, "{v}");
    let out = r.ok(&["list", "--held"]);
    assert!(
        String::from_utf8_lossy(&out.stdout).contains(&format!("held: {REASON} (by {BY}")),
        "{}",
        text(&out)
    );

    r.ok(&release);
    let after = r.file(file);
    assert_eq!(
        after.lines().count(),
        landed.lines().count(),
        "{service}: the hold line is gone"
    );
    assert!(!after.contains("imgbump:hold"));
}

#[test]
fn every_target_kind_is_held_set_aside_and_released() {
    let r = Repo::new("environments");
    cycle(
        &r,
        "agent",
        &[],
        "deployments/kubernetes/base/applications/agent-deployment.yaml",
        ":sha-1111111",
        ":sha-2222222",
    );
    cycle(
        &r,
        "web",
        &["--env", "production"],
        "deployments/kubernetes/overlays/production/kustomization.yaml",
        ":v9",
        ":v10",
    );
    cycle(
        &r,
        "billing",
        &["--env", "production"],
        "charts/billing/values-production.yaml",
        ":9.9.9",
        ":9.9.10",
    );
    cycle(
        &r,
        "portal",
        &["--env", "production"],
        "argocd/apps/portal-production.yaml",
        ":v9",
        ":v10",
    );
    // Nothing is held now.
    let out = r.ok(&["list", "--held", "-o", "json"]);
    assert_eq!(json(&out), serde_json::json!([]));
}

/// A held environment leaves the others, and the other services of the run, to land; the
/// action's outputs say `held`.
#[test]
fn a_held_target_does_not_stop_the_rest_of_the_run() {
    let r = Repo::new("environments");
    r.ok(&["hold", "web", "--env", "production", "--reason", REASON]);
    let before = r.count();
    let dir = tempfile::tempdir().unwrap();
    let outputs = dir.path().join("out");
    let summary = dir.path().join("summary");
    let out = r
        .cmd(&[
            "set",
            "web=:v9",
            "agent=:sha-3333333",
            "--env",
            "staging",
            "--env",
            "production",
            "-o",
            "json",
        ])
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_OUTPUT", &outputs)
        .env("GITHUB_STEP_SUMMARY", &summary)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let v = json(&out);
    assert_eq!(v["status"], "changed");
    let statuses: Vec<(String, String)> = v["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                format!(
                    "{} {}",
                    c["service"].as_str().unwrap(),
                    c["env"].as_str().unwrap_or("-")
                ),
                c["status"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert!(
        statuses.contains(&("web production".into(), "held".into())),
        "{statuses:?}"
    );
    assert!(
        statuses.contains(&("web staging".into(), "changed".into())),
        "{statuses:?}"
    );
    assert!(statuses
        .iter()
        .any(|(s, st)| s.starts_with("agent") && st == "changed"));
    assert_eq!(r.count(), before + 1);
    assert!(r
        .file("deployments/kubernetes/overlays/staging/kustomization.yaml")
        .contains("v9"));
    assert!(!r
        .file("deployments/kubernetes/overlays/production/kustomization.yaml")
        .contains("v9"));
    let got = github_outputs(&outputs);
    assert!(got.contains("status=changed\n"), "{got}");
    assert!(got.contains("held=web\n"), "{got}");
    let md = std::fs::read_to_string(&summary).unwrap();
    assert!(md.contains("| held |"), "{md}");
    // Held alone: status=held.
    std::fs::remove_file(&outputs).unwrap();
    let out = r
        .cmd(&["set", "web=:v11", "--env", "production"])
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_OUTPUT", &outputs)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(github_outputs(&outputs).contains("status=held\n"));
    // promote into the held environment is held too.
    let out = r.ok(&[
        "promote",
        "web",
        "--from",
        "staging",
        "--to",
        "production",
        "-o",
        "json",
    ]);
    assert_eq!(json(&out)["status"], "held", "{}", text(&out));
    assert_fails(
        &r.run(&[
            "promote",
            "web",
            "--from",
            "staging",
            "--to",
            "production",
            "--fail-on-held",
        ]),
        4,
        "held",
        "promote --fail-on-held",
    );
}

/// A hold a person wrote by hand is honoured and released; an expired one no longer holds and
/// is reported as expired; a hold's words from the repository reach the terminal escaped.
#[test]
fn holds_written_by_hand_are_honoured() {
    let r = Repo::new("isA_Cloud");
    let original = r.file(AGENT);
    let image_line = original
        .lines()
        .find(|l| l.trim_start().starts_with("image:") && l.contains("isa-agent:"))
        .unwrap()
        .to_string();
    let indent = &image_line[..image_line.len() - image_line.trim_start().len()];
    let by_hand = original.replace(
        &image_line,
        &format!("{indent}# imgbump:hold do not touch \u{202e}nwod\n{image_line}"),
    );
    r.push(AGENT, &by_hand);
    let before = r.count();
    let pair = format!("agent={NEW_AGENT}");
    let out = r.ok(&["set", &pair]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("held: "), "{err}");
    assert!(
        err.contains("held: ") && err.contains("do not touch \\u{202e}nwod"),
        "{err}"
    );
    assert!(
        !err.contains('\u{202e}'),
        "a bidi override reached the terminal: {err:?}"
    );
    assert_eq!(r.count(), before);
    r.ok(&["release", "agent"]);
    assert_eq!(r.file(AGENT), original);

    let expired = original.replace(
        &image_line,
        &format!("{indent}# imgbump:hold freeze (ops, 2020-01-01, until 2020-01-02)\n{image_line}"),
    );
    r.push(AGENT, &expired);
    let out = r.ok(&["set", &pair, "-o", "json"]);
    let v = json(&out);
    assert_eq!(v["status"], "changed", "{v}");
    assert_eq!(v["changes"][0]["hold_effect"], "expired");
    assert_eq!(v["changes"][0]["hold"]["expired"], true);
    assert!(String::from_utf8_lossy(&out.stderr).contains("its hold has expired"));
}

/// `rollback --hold` puts the previous image back and holds it, in one commit.
#[test]
fn rollback_hold_rolls_back_and_holds_in_one_commit() {
    let r = Repo::new("isA_Cloud");
    let first = r.file(AGENT);
    r.ok(&["set", &format!("agent={NEW_AGENT}")]);
    let before = r.count();
    r.ok(&[
        "rollback", "agent", "--hold", "--reason", REASON, "--until", "2h",
    ]);
    assert_eq!(r.count(), before + 1);
    let msg = r.message();
    assert!(msg.contains("\nImgbump-Hold: agent\n"), "{msg}");
    assert!(msg.contains("Imgbump-Rollback: agent="), "{msg}");
    let now = r.file(AGENT);
    assert_eq!(now.lines().count(), first.lines().count() + 1);
    assert!(now.contains(&format!("# imgbump:hold {REASON} (")) && now.contains(", until 20"));
    assert!(!now.contains(NEW_AGENT));
    let out = r.ok(&["set", &format!("agent={NEW_AGENT}"), "-o", "json"]);
    assert_eq!(json(&out)["status"], "held");
    // --until and --by describe a hold.
    assert_fails(
        &r.run(&["rollback", "agent", "--until", "2h"]),
        2,
        "--hold",
        "until alone",
    );
}

/// A hold's words must stay one comment line: a reason that could write YAML is refused.
#[test]
fn hold_texts_that_could_inject_yaml_are_refused() {
    let r = Repo::new("isA_Cloud");
    let before = r.count();
    for (args, code) in [
        (vec!["hold", "agent", "--reason", "x\nimage: evil"], 2),
        (vec!["hold", "agent", "--reason", "x", "--by", "a), (b"], 2),
        (vec!["hold", "agent", "--reason", "   "], 2),
        (
            vec!["hold", "agent", "--reason", "x", "--until", "yesterday"],
            2,
        ),
        (vec!["hold", "../agent", "--reason", "x"], 4),
    ] {
        let out = r.run(&args);
        assert_eq!(out.status.code(), Some(code), "{args:?}: {}", text(&out));
    }
    assert_eq!(r.count(), before);
    // Holding twice is one hold.
    r.ok(&["hold", "agent", "--reason", REASON]);
    let out = r.ok(&["hold", "agent", "--reason", "another"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("already held"));
    assert_eq!(r.count(), before + 1);
}

/// A hold and sets of the same and other services, all at once: the branch orders them.
/// Whichever lands first wins, the other re-plans on the new tip, and nothing is lost: the sets
/// of agent that landed came before the hold, the hold holds the image the last of them wrote,
/// and every later set of agent is held.
#[test]
fn a_concurrent_hold_and_sets_are_ordered_by_the_branch() {
    let r = Repo::new("isA_Cloud");
    let before = r.count();
    let others = ["mcp", "model", "user"];
    let tags = ["sha-aaaaaa1", "sha-aaaaaa2", "sha-aaaaaa3", "sha-aaaaaa4"];
    let spawn = |args: &[&str]| {
        r.cmd(args)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap()
    };
    let mut children = vec![spawn(&["hold", "agent", "--reason", REASON, "-o", "json"])];
    for t in tags {
        children.push(spawn(&["set", &format!("agent=:{t}"), "-o", "json"]));
    }
    for s in others {
        children.push(spawn(&["set", &format!("{s}=:sha-{s}1"), "-o", "json"]));
    }
    let outs = wait_all(children);
    for o in &outs {
        assert_eq!(o.status.code(), Some(0), "{}", text(o));
    }
    let statuses: Vec<String> = outs[1..=tags.len()]
        .iter()
        .map(|o| json(o)["status"].as_str().unwrap().to_string())
        .collect();
    let landed = statuses.iter().filter(|s| *s == "changed").count();
    assert_eq!(
        landed + statuses.iter().filter(|s| *s == "held").count(),
        tags.len(),
        "{statuses:?}"
    );
    // Every change that landed is in a commit a run reported (a batch carries several).
    let commits: std::collections::BTreeSet<String> = outs
        .iter()
        .map(json)
        .filter(|v| v["pushed"] == true)
        .map(|v| v["commit"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        outs.iter().filter(|o| json(o)["pushed"] == true).count(),
        1 + landed + others.len(),
        "{statuses:?}"
    );
    assert_eq!(r.count(), before + commits.len(), "{statuses:?}");
    let agent = r.file(AGENT);
    assert!(
        agent.contains(&format!("# imgbump:hold {REASON}")),
        "the hold landed"
    );
    // The hold's commit names the image it held, and that image is the one deployed.
    let log = r.fx.remote_git(&["log", "--format=%s", "main"]);
    let hold_subject = log
        .lines()
        .find(|l| l.starts_with("chore: hold agent at "))
        .unwrap();
    let held_tag = hold_subject
        .trim_start_matches("chore: hold agent at ")
        .split(':')
        .next()
        .unwrap();
    assert!(
        agent.contains(&format!("isa-agent:{held_tag}")),
        "{hold_subject}\n{agent}"
    );
    // Every set that landed is older than the hold in the branch.
    let subjects: Vec<&str> = log.lines().collect();
    let hold_at = subjects
        .iter()
        .position(|l| l.starts_with("chore: hold agent"))
        .unwrap();
    for (i, l) in subjects.iter().enumerate() {
        if l.starts_with("chore: update agent image") {
            assert!(
                i > hold_at,
                "a set of agent landed after the hold: {subjects:?}"
            );
        }
    }
    for s in others {
        let file = AGENT.replace("agent", s);
        assert!(r.file(&file).contains(&format!("sha-{s}1")), "{s} was lost");
    }
}

/// The incident example in `--help` of `hold`, `release` and `set` is valid shell and YAML.
#[test]
fn the_help_shows_an_incident_example_as_valid_shell_and_yaml() {
    let home = tempfile::tempdir().unwrap();
    for sub in ["hold", "release", "set"] {
        let out = imgbump(home.path()).args([sub, "--help"]).output().unwrap();
        let help = String::from_utf8_lossy(&out.stdout).into_owned();
        let start = help
            .find("Example: an incident")
            .unwrap_or_else(|| panic!("{sub}: {help}"));
        // Up to the next example (set's help goes on with the deployment flow).
        let example = &help[start..];
        let example = match example[1..].find("\nExample: ") {
            Some(end) => &example[..end + 1],
            None => example,
        };
        // Every command line parses as shell.
        let shell: Vec<&str> = example
            .lines()
            .map(str::trim)
            .filter(|l| l.starts_with("imgbump "))
            .collect();
        assert!(shell.len() >= 3, "{sub}: {shell:?}");
        let check = std::process::Command::new("bash")
            .args(["-n", "-c", &shell.join("\n")])
            .output()
            .unwrap();
        assert!(
            check.status.success(),
            "{sub}: {}",
            String::from_utf8_lossy(&check.stderr)
        );
        // Each indented block after a line ending in `:` parses as YAML, and the manifest's
        // block holds a hold imgbump reads.
        let mut blocks: Vec<String> = Vec::new();
        let mut current: Option<String> = None;
        for line in example.lines() {
            match &mut current {
                Some(b) if line.starts_with("    ") => {
                    b.push_str(&line[4..]);
                    b.push('\n');
                }
                _ => {
                    if let Some(b) = current.take() {
                        blocks.push(b);
                    }
                    if line.ends_with(':') && !line.starts_with(' ') {
                        current = Some(String::new());
                    }
                }
            }
        }
        blocks.extend(current);
        let yaml: Vec<&String> = blocks
            .iter()
            .filter(|b| !b.starts_with("imgbump "))
            .collect();
        assert_eq!(yaml.len(), 2, "{sub}: {blocks:?}");
        for b in &yaml {
            let _: serde_yaml_ng::Value =
                serde_yaml_ng::from_str(b).unwrap_or_else(|e| panic!("{sub}: {e}\n{b}"));
        }
        let m = imgbump::manifest::Manifest::parse(yaml[0]).unwrap();
        let hold = m
            .field_hold(&m.images()[0])
            .expect("the example's hold is read");
        assert_eq!(hold.reason, REASON);
        let workflow: serde_yaml_ng::Value = serde_yaml_ng::from_str(yaml[1]).unwrap();
        let run = workflow["jobs"]["hold"]["steps"][1]["run"]
            .as_str()
            .unwrap();
        let check = std::process::Command::new("bash")
            .args(["-n", "-c", run])
            .output()
            .unwrap();
        assert!(check.status.success());
        assert!(
            run.starts_with("imgbump hold ") && run.contains("-- \"$SERVICE\""),
            "{run}"
        );
    }
}

/// The action's step against a held service: status held, the `held` output, exit 0; with
/// `fail-on-held`, exit 4; with `ignore-hold`, it lands.
#[test]
fn the_action_reports_and_obeys_holds() {
    let fx = Fixture::new();
    let url = fx.url();
    let hold = imgbump(&fx.home)
        .args(["hold", "agent", "--reason", REASON, "--repo", &url])
        .output()
        .unwrap();
    assert_eq!(hold.status.code(), Some(0), "{}", text(&hold));
    let before = fx.remote_count();
    let run = |extra: &[(&str, &str)]| {
        let outputs = fx.dir.path().join(format!("outputs-{}", extra.len()));
        let mut inputs = vec![
            ("INPUT_REPO", url.as_str()),
            ("INPUT_SERVICE", "agent"),
            ("INPUT_IMAGE", ":v7"),
        ];
        inputs.extend_from_slice(extra);
        let out = action_bump(&inputs)
            .env("GITHUB_OUTPUT", &outputs)
            .env("HOME", &fx.home)
            .output()
            .unwrap();
        (out, github_outputs(&outputs))
    };
    let (out, said) = run(&[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(
        said.contains("status=held\n") && said.contains("held=agent\n"),
        "{said}"
    );
    let (out, _) = run(&[("INPUT_FAIL_ON_HELD", "true")]);
    assert_eq!(out.status.code(), Some(4), "{}", text(&out));
    assert_eq!(fx.remote_count(), before);
    let (out, said) = run(&[
        ("INPUT_FAIL_ON_HELD", "false"),
        ("INPUT_IGNORE_HOLD", "true"),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(said.contains("status=changed\n"), "{said}");
    assert_eq!(fx.remote_count(), before + 1);
    assert!(fx
        .remote_file(AGENT)
        .contains("# imgbump:hold incident-4711"));
}
