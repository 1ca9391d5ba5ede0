//! Where imgbump is used: the GitHub Action and example workflows, the Makefile, GitHub's
//! annotations and step summary, and a terminal (through a pseudo-terminal).

mod support;

use std::path::Path;
use std::process::Command;

use serde_yaml_ng::Value;
use support::*;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn yaml(path: &str) -> Value {
    let text = std::fs::read_to_string(root().join(path)).unwrap();
    serde_yaml_ng::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn steps(job_or_runs: &Value) -> Vec<&Value> {
    job_or_runs["steps"]
        .as_sequence()
        .map(|s| s.iter().collect())
        .unwrap_or_default()
}

fn set_help() -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_imgbump"))
        .args(["set", "--help"])
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn bump_step(action: &Value) -> &Value {
    steps(&action["runs"])
        .into_iter()
        .find(|s| s["id"] == "bump")
        .expect("a step with id bump")
}

#[test]
fn the_action_maps_every_input_to_imgbump_through_the_environment() {
    let action = yaml("action.yml");
    let inputs: Vec<String> = action["inputs"]
        .as_mapping()
        .unwrap()
        .keys()
        .map(|k| k.as_str().unwrap().to_string())
        .collect();
    let want = [
        "service",
        "image",
        "repo",
        "branch",
        "manifest",
        "container",
        "workload",
        "message",
        "author",
        "token",
        "dry-run",
        "retries",
        "timeout",
        "connect-timeout",
        "order-key",
        "images",
        "env",
        "image-name",
        "key",
        "holds",
        "create",
        "drop-digest",
        "cache-dir",
        "verbose",
        "verify-image",
        "pin-digest",
        "insecure-registry",
        "verify-signature",
        "certificate-identity",
        "certificate-identity-regexp",
        "certificate-oidc-issuer",
        "certificate-oidc-issuer-regexp",
        "certificate-github-workflow-repository",
        "certificate-github-workflow-ref",
        "trusted-root",
        "push-branch",
        "push-options",
        "open-pr",
        "pr-labels",
        "pr-reviewers",
        "draft",
        "auto-merge",
        "sign",
        "fail-on-held",
        "ignore-hold",
        "commit-via",
        "github-app-id",
        "github-app-key",
        "wait",
        "argocd-server",
        "argocd-token",
        "argocd-app",
        "wait-timeout",
        "notify",
    ];
    for w in want {
        assert!(inputs.iter().any(|i| i == w), "input {w} is missing");
    }
    assert_eq!(action["inputs"]["token"]["default"], "${{ github.token }}");
    for out in [
        "status",
        "changed",
        "commit",
        "pushed",
        "old-image",
        "new-image",
        "pr-branch",
        "pr-url",
        "pr-number",
        "held",
        "deployed",
        "health",
    ] {
        assert_eq!(
            action["outputs"][out]["value"],
            format!("${{{{ steps.bump.outputs.{out} }}}}"),
            "output {out}"
        );
    }
    let step = bump_step(&action);
    let env = step["env"].as_mapping().unwrap();
    let script = step["run"].as_str().unwrap();
    let help = set_help();
    for input in &inputs {
        let var = format!("INPUT_{}", input.to_uppercase().replace('-', "_"));
        assert_eq!(
            env.get(var.as_str()).and_then(Value::as_str),
            Some(format!("${{{{ inputs.{input} }}}}").as_str()),
            "{var}"
        );
        assert!(
            script.contains(&format!("${var}")) || script.contains(&format!("${{{var}")),
            "the script does not use {var}"
        );
    }
    // Every option and variable the script hands to imgbump exists in the CLI.
    for word in script.split(|c: char| c.is_whitespace() || "()=\"".contains(c)) {
        if word.starts_with("--") && word.len() > 2 {
            assert!(
                help.contains(word),
                "the script passes {word}, which `imgbump set` lacks"
            );
        }
        // The token and the App's key (the PEM itself, where the flag takes a file) are read
        // by imgbump apart from clap's flags; the help names the key's variable.
        if word == "IMGBUMP_GITHUB_APP_KEY" {
            assert!(help.contains(word), "the help does not name {word}");
        }
        if word.starts_with("IMGBUMP_")
            && word != "IMGBUMP_TOKEN"
            && word != "IMGBUMP_GITHUB_APP_KEY"
        {
            assert!(
                help.contains(&format!("env: {word}")),
                "the script sets {word}, which `imgbump set` does not read"
            );
        }
    }
    // Nothing is pasted into a script.
    for s in steps(&action["runs"]) {
        if let Some(run) = s["run"].as_str() {
            assert!(
                !run.contains("${{"),
                "a run: line interpolates an expression: {run}"
            );
        }
    }
    // It installs through scripts/install.sh, its own version, from its own source if need be.
    assert!(steps(&action["runs"]).iter().any(|s| s["run"].as_str().is_some_and(|r| r
        .contains(r#"sh "$ACTION_PATH/scripts/install.sh" --version "$VERSION" --to "$BIN_DIR" --source "$ACTION_PATH""#))));
    assert!(!serde_yaml_ng::to_string(&action)
        .unwrap()
        .contains("action_ref"));
}

#[test]
fn the_example_workflows_use_the_action_safely() {
    let action = yaml("action.yml");
    for path in [
        "examples/github/service-ci.yaml",
        "examples/github/cd-update-images.yaml",
    ] {
        let wf = yaml(path);
        for (_, job) in wf["jobs"].as_mapping().unwrap() {
            for s in steps(job) {
                if let Some(run) = s["run"].as_str() {
                    assert!(
                        !run.contains("${{ github.event"),
                        "{path}: a run: line interpolates the event: {run}"
                    );
                    assert!(!run.contains("${{ inputs."), "{path}: {run}");
                }
                if s["uses"].as_str().is_some_and(|u| u.contains("imgbump")) {
                    for (k, _) in s["with"].as_mapping().unwrap() {
                        let k = k.as_str().unwrap();
                        assert!(
                            action["inputs"].get(k).is_some(),
                            "{path}: input {k} does not exist in action.yml"
                        );
                    }
                }
            }
        }
    }
    let cd = yaml("examples/github/cd-update-images.yaml");
    // No concurrency group (it would cancel pending dispatches); order comes from the key.
    assert!(cd.get("concurrency").is_none());
    let with = &steps(&cd["jobs"]["bump"])
        .into_iter()
        .find(|s| s["id"] == "bump")
        .expect("the example's bump step")["with"];
    assert_eq!(
        with["order-key"],
        "${{ github.event.client_payload.run_number }}"
    );
    assert!(
        with.get("retries").is_none(),
        "the example passes a retry count"
    );
    let ci = std::fs::read_to_string(root().join("examples/github/service-ci.yaml")).unwrap();
    for field in [
        "\"service\"",
        "\"image\"",
        "\"sha\"",
        "\"ref\"",
        "\"actor\"",
        "\"run_number\"",
    ] {
        assert!(ci.contains(field), "the dispatch payload lacks {field}");
    }
}

#[test]
fn the_action_script_bumps_with_trailers_outputs_and_a_summary() {
    let fx = Fixture::new();
    let (out_file, summary) = (fx.dir.path().join("out"), fx.dir.path().join("summary.md"));
    let url = fx.url();
    let out = action_bump(&[
        ("INPUT_SERVICE", "agent"),
        ("INPUT_IMAGE", ":sha-abc1234"),
        ("INPUT_REPO", url.as_str()),
        ("INPUT_AUTHOR", "CD <cd@example.com>"),
        (
            "INPUT_TRAILERS",
            "Source-Commit=0123abc\nRequested-By=octocat\n",
        ),
        ("INPUT_ORDER_KEY", "41"),
    ])
    .env("HOME", &fx.home)
    .env_remove("IMGBUMP_TOKEN")
    .env("GITHUB_ACTIONS", "true")
    .env("GITHUB_OUTPUT", &out_file)
    .env("GITHUB_STEP_SUMMARY", &summary)
    .output()
    .unwrap();
    assert!(out.status.success(), "{}", text(&out));
    let msg = fx.remote_git(&["log", "-1", "--format=%B"]);
    assert_eq!(
        msg.trim(),
        "chore: update agent image to sha-abc1234\n\nSource-Commit: 0123abc\nRequested-By: octocat\nImgbump-Order: agent=41"
    );
    assert_eq!(
        fx.remote_git(&[
            "log",
            "-1",
            "--format=%(trailers:key=Requested-By,valueonly)"
        ])
        .trim(),
        "octocat"
    );
    let outputs = github_outputs(&out_file);
    assert!(
        outputs.contains("status=changed\n")
            && outputs.contains("changed=true\n")
            && outputs.contains("pushed=true\n"),
        "{outputs}"
    );
    assert!(
        outputs.contains(
            "new-image=123456789012.dkr.ecr.us-east-1.amazonaws.com/isa-agent:sha-abc1234\n"
        ),
        "{outputs}"
    );
    let md = std::fs::read_to_string(&summary).unwrap();
    assert!(
        md.contains(
            "| agent | `123456789012.dkr.ecr.us-east-1.amazonaws.com/isa-agent:sha-cbad391` |"
        ),
        "{md}"
    );
    assert!(
        md.contains(
            "```diff\n--- a/deployments/kubernetes/base/applications/agent-deployment.yaml"
        ),
        "{md}"
    );
    assert!(md.contains("Pushed to `main`"), "{md}");
}

#[test]
fn errors_become_github_annotations_on_the_manifest_line() {
    let fx = Fixture::new();
    let bad = fx
        .checkout
        .join("deployments/kubernetes/base/applications/bad-deployment.yaml");
    std::fs::write(
        &bad,
        "kind: Pod\nmetadata: {name: bad}\nspec:\n  containers:\n  - name: bad\n    image: *nope\n",
    )
    .unwrap();
    git(&fx.checkout, &["add", "-A"]);
    git(&fx.checkout, &["commit", "-qm", "bad"]);
    // Pushed: a run plans on the remote's tip, which must hold the file.
    git(&fx.checkout, &["push", "-q", "origin", "main"]);
    let out = fx
        .cmd()
        .args(["set", "bad=nginx:1", "-C", fx.checkout.to_str().unwrap()])
        .env("GITHUB_ACTIONS", "true")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(4), "{}", text(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.starts_with(
            "::error file=deployments/kubernetes/base/applications/bad-deployment.yaml,line=6::"
        ),
        "{stdout}"
    );
    // Not on GitHub: no annotation.
    let out = fx.run(&["set", "bad=nginx:1", "-C", fx.checkout.to_str().unwrap()]);
    assert!(out.stdout.is_empty(), "{}", text(&out));
}

#[test]
fn make_deploy_and_rollback() {
    let fx = Fixture::new();
    let make = |args: &[&str]| {
        let out = Command::new("make")
            .arg("-C")
            .arg(root().join("examples"))
            .args(args)
            .arg(format!("IMGBUMP={}", env!("CARGO_BIN_EXE_imgbump")))
            .arg(format!("REPO={}", fx.url()))
            .env("HOME", &fx.home)
            .output()
            .unwrap();
        assert!(out.status.success(), "make {args:?}: {}", text(&out));
    };
    let before = fx.remote_file(AGENT);
    make(&["deploy", "SERVICE=agent", &format!("IMAGE={NEW_AGENT}")]);
    assert!(fx.remote_file(AGENT).contains(NEW_AGENT));
    make(&["rollback", "SERVICE=agent"]);
    assert_eq!(fx.remote_file(AGENT), before);
    assert_eq!(
        fx.remote_git(&["log", "-1", "--format=%s"]).trim(),
        "chore: roll back agent to sha-cbad391"
    );
    // History lists all three, newest first.
    let out = fx.run(&["history", "agent", "--repo", &fx.url()]);
    let lines: Vec<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| l.split('\t').next().unwrap().to_string())
        .collect();
    assert_eq!(lines.len(), 3, "{lines:?}");
    assert!(
        lines[0].ends_with(":sha-cbad391") && lines[1] == NEW_AGENT && lines[2] == lines[0],
        "{lines:?}"
    );
    // Each image comes with the commit that introduced it.
    let out = fx.run(&["history", "agent", "--repo", &fx.url(), "--output", "json"]);
    let v = json(&out);
    assert_eq!(
        v[0]["commit"].as_str(),
        Some(fx.remote_git(&["rev-parse", "main"]).trim())
    );
    assert_eq!(
        v[1]["commit"].as_str(),
        Some(fx.remote_git(&["rev-parse", "main~1"]).trim())
    );
    assert_eq!(
        v[2]["commit"].as_str(),
        Some(fx.remote_git(&["rev-parse", "main~2"]).trim())
    );
    let usage = Command::new("make")
        .arg("-C")
        .arg(root().join("examples"))
        .arg("deploy")
        .output()
        .unwrap();
    assert_eq!(usage.status.code(), Some(2));
}

/// Runs imgbump under a pseudo-terminal (util-linux `script`) and returns what the terminal got.
fn on_a_tty(fx: &Fixture, args: &str, no_color: bool) -> String {
    let cmd = format!("{} {args}", env!("CARGO_BIN_EXE_imgbump"));
    let mut c = Command::new("script");
    c.args(["-qec", &cmd, "/dev/null"])
        .env("HOME", &fx.home)
        .env("TERM", "xterm");
    if no_color {
        c.env("NO_COLOR", "1");
    } else {
        c.env_remove("NO_COLOR");
    }
    let out = c.output().unwrap();
    assert!(out.status.success(), "{}", text(&out));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn a_terminal_gets_colour_and_a_summary_line_unless_no_color() {
    let fx = Fixture::new();
    let co = fx.checkout.display().to_string();
    let tty = on_a_tty(&fx, &format!("set agent=:v9 -C {co} --dry-run"), false);
    assert!(
        tty.contains("\x1b[31m-          image:") && tty.contains("\x1b[32m+          image:"),
        "{tty:?}"
    );
    assert!(tty.contains("agent: 123456789012.dkr.ecr.us-east-1.amazonaws.com/isa-agent:sha-cbad391 → 123456789012.dkr.ecr.us-east-1.amazonaws.com/isa-agent:v9 (dry run)"), "{tty:?}");
    let plain = on_a_tty(&fx, &format!("set agent=:v9 -C {co} --dry-run"), true);
    assert!(!plain.contains('\x1b'), "{plain:?}");
    let landed = on_a_tty(&fx, &format!("set agent=:v10 --repo {}", fx.url()), false);
    assert!(
        landed.contains("pushed to ") && landed.contains(", commit "),
        "{landed:?}"
    );
    let quiet = on_a_tty(
        &fx,
        &format!("set agent=:v11 --repo {} -q", fx.url()),
        false,
    );
    assert_eq!(quiet, "", "{quiet:?}");
}

#[test]
fn a_terminal_sees_transfer_progress_that_is_erased_when_done() {
    let fx = Fixture::new();
    let daemon = Daemon::start(fx.dir.path());
    let tty = on_a_tty(
        &fx,
        &format!("set agent=:p1 --repo {}", daemon.url("isA_Cloud.git")),
        false,
    );
    let fetch = tty
        .find("fetch: ")
        .unwrap_or_else(|| panic!("no progress line: {tty:?}"));
    assert!(tty[fetch..].contains(" objects, "), "{tty:?}");
    // Each progress line is erased (carriage return, clear line) before the summary is printed.
    let summary = tty.find("agent: ").unwrap();
    assert!(tty[..summary].ends_with("\r\x1b[2K"), "{tty:?}");
    // Not on a terminal: no progress at all.
    let out = fx.run(&["set", "agent=:p2", "--repo", &daemon.url("isA_Cloud.git")]);
    assert!(
        !String::from_utf8_lossy(&out.stderr).contains("objects"),
        "{}",
        text(&out)
    );
}

#[test]
fn in_github_actions_the_bot_is_the_author_and_a_failure_has_a_summary() {
    let fx = Fixture::new();
    let (out_file, summary) = (fx.dir.path().join("out"), fx.dir.path().join("summary.md"));
    let gh = |args: &[&str]| {
        fx.cmd()
            .args(args)
            .env("GITHUB_ACTIONS", "true")
            .env("GITHUB_OUTPUT", &out_file)
            .env("GITHUB_STEP_SUMMARY", &summary)
            .output()
            .unwrap()
    };
    let out = gh(&["set", "agent=:sha-1111111", "--repo", &fx.url()]);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(
        fx.remote_git(&["log", "-1", "--format=%an <%ae>"]).trim(),
        "github-actions[bot] <41898282+github-actions[bot]@users.noreply.github.com>"
    );
    // Git config names someone: that one (and --author over both).
    git(&fx.checkout, &["config", "user.name", "Dev"]);
    git(&fx.checkout, &["config", "user.email", "dev@example.com"]);
    git(&fx.checkout, &["pull", "-q"]);
    let out = gh(&[
        "set",
        "agent=:sha-2222222",
        "-C",
        fx.checkout.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(
        fx.remote_git(&["log", "-1", "--format=%an <%ae>"]).trim(),
        "Dev <dev@example.com>"
    );
    // Off GitHub, with no git config: imgbump's own.
    let out = fx.run(&["set", "agent=:sha-3333333", "--repo", &fx.url()]);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(
        fx.remote_git(&["log", "-1", "--format=%an <%ae>"]).trim(),
        "imgbump <imgbump@localhost>"
    );
    // A failure writes the summary too, and status=failed.
    std::fs::remove_file(&summary).unwrap();
    let out = gh(&["set", "nope=:x1", "--repo", &fx.url()]);
    assert_eq!(out.status.code(), Some(3), "{}", text(&out));
    let md = std::fs::read_to_string(&summary).unwrap();
    assert!(
        md.starts_with("### imgbump\n\nFailed (exit 3):\n\n```\n"),
        "{md}"
    );
    assert!(
        md.contains("nope-deployment.yaml does not exist on branch main"),
        "{md}"
    );
    assert!(github_outputs(&out_file).ends_with("status=failed\n"));
}

#[test]
fn the_action_takes_several_images_in_one_commit() {
    let fx = Fixture::new();
    let before = fx.remote_count();
    let url = fx.url();
    let out = action_bump(&[
        ("INPUT_REPO", url.as_str()),
        (
            "INPUT_IMAGES",
            "agent=:sha-1111111\n  mcp=:sha-2222222  \n\n",
        ),
        ("INPUT_VERBOSE", "true"),
    ])
    .env("HOME", &fx.home)
    .output()
    .unwrap();
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(fx.remote_count(), before + 1);
    let files = fx.remote_git(&["diff", "--name-only", "main~1", "main"]);
    assert_eq!(
        files.lines().collect::<Vec<_>>(),
        [
            "deployments/kubernetes/base/applications/agent-deployment.yaml",
            "deployments/kubernetes/base/applications/mcp-deployment.yaml"
        ]
    );
    // Nothing to bump is an error that says what to give.
    let out = action_bump(&[("INPUT_REPO", url.as_str())])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("::error::give service and image, or images")
    );
}

/// Every YAML example parses: the GitHub step in `--help` (and the man page), each ```yaml
/// block of the README, and every YAML file under examples/, .github/ and action.yml.
#[test]
fn every_yaml_example_parses() {
    use serde::Deserialize;
    let parse = |what: &str, text: &str| {
        let docs: Result<Vec<Value>, _> = serde_yaml_ng::Deserializer::from_str(text)
            .map(Value::deserialize)
            .collect();
        let docs = docs.unwrap_or_else(|e| panic!("{what} is not valid YAML: {e}\n{text}"));
        assert!(!docs.is_empty(), "{what} is empty");
        docs
    };
    // --help: the indented block under "A GitHub Actions step".
    let help = set_help();
    let mut lines = help
        .lines()
        .skip_while(|l| !l.contains("A GitHub Actions step"))
        .skip(1);
    let block: Vec<&str> = lines
        .by_ref()
        .take_while(|l| l.starts_with("    "))
        .map(|l| &l[4..])
        .collect();
    assert!(block.len() >= 4, "{help}");
    let step = &parse("the GitHub step in --help", &block.join("\n"))[0][0];
    assert_eq!(step["run"], "imgbump set -- \"$SERVICE=$IMAGE\"");
    assert_eq!(
        step["env"]["IMAGE"],
        "${{ github.event.client_payload.image }}"
    );
    // The man page carries the same text.
    let man = Command::new(env!("CARGO_BIN_EXE_imgbump"))
        .args(["man", "set"])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&man.stdout)
        .contains("SERVICE: ${{ github.event.client_payload.service }}"));
    // The blocks of the README and of the book (docs/src).
    let mut pages = vec![root().join("README.md")];
    let mut dirs = vec![root().join("docs/src")];
    while let Some(dir) = dirs.pop() {
        for e in std::fs::read_dir(&dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                dirs.push(p);
            } else if p.extension().is_some_and(|x| x == "md") {
                pages.push(p);
            }
        }
    }
    let mut blocks = 0;
    for page in &pages {
        let text = std::fs::read_to_string(page).unwrap();
        let mut rest = text.as_str();
        while let Some(start) = rest.find("```yaml\n") {
            let body = &rest[start + 8..];
            let end = body.find("\n```").expect("a closed block");
            parse(
                &format!("{} block {}", page.display(), blocks + 1),
                &body[..end],
            );
            blocks += 1;
            rest = &body[end..];
        }
    }
    assert!(
        blocks >= 10,
        "{blocks} yaml blocks in the README and the book"
    );
    // Every YAML file shipped as an example or a workflow.
    let mut files = vec![
        root().join("action.yml"),
        root().join("examples/gitlab/.gitlab-ci.yml"),
    ];
    let mut stack = vec![root().join("examples"), root().join(".github")];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "yaml" || x == "yml") {
                files.push(p);
            }
        }
    }
    files.sort();
    files.dedup();
    assert!(files.len() >= 20, "{files:?}");
    for f in &files {
        parse(
            &f.display().to_string(),
            &std::fs::read_to_string(f).unwrap(),
        );
    }
}
