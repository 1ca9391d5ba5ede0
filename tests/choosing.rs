//! Issue 31: the everyday paths where imgbump must choose, or refuse, as a careful person
//! would; through real repositories (file:// remotes), asserting bytes, exit codes and words.

mod support;

use support::*;

const WEB: &str = "deployments/kubernetes/base/applications/web-deployment.yaml";

/// A Deployment `web` whose first container is a proxy sidecar.
const SIDECAR: &str = "\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  template:
    spec:
      containers:
        - name: proxy
          image: nginx:1.25
        - name: app
          image: ghcr.io/isa/web:1.0   # the service
";

fn code(out: &std::process::Output) -> Option<i32> {
    out.status.code()
}

fn stdout(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn the_sidecar_never_gets_the_image_and_an_ambiguous_choice_is_refused_with_flags() {
    let fx = Fixture::new();
    fx.push_elsewhere(WEB, SIDECAR, "web with a proxy sidecar");
    let url = fx.url();
    let before = fx.remote_count();
    // The new image's repository is the app container's: that one, not containers[0].
    let out = fx.run(&["set", "--repo", &url, "web=ghcr.io/isa/web:1.1"]);
    assert_eq!(code(&out), Some(0), "{}", text(&out));
    assert_eq!(
        fx.last_diff(),
        [
            "-          image: ghcr.io/isa/web:1.0   # the service",
            "+          image: ghcr.io/isa/web:1.1   # the service"
        ]
    );
    assert_eq!(fx.remote_count(), before + 1);
    // `:TAG` keeps the repository it meets: it cannot choose, so it refuses (exit 3) and
    // lists each container with the exact flag; nothing is committed.
    let out = fx.run(&["set", "--repo", &url, "web=:1.2"]);
    assert_eq!(code(&out), Some(3), "{}", text(&out));
    let err = String::from_utf8_lossy(&out.stderr);
    for needle in [
        "Deployment/web has 2 containers and none is named `web`, and `:1.2` keeps the repository of the container it edits, so it cannot choose one; imgbump does not guess which one is meant",
        "--container proxy   image nginx:1.25 at line 10",
        "--container app   image ghcr.io/isa/web:1.1 at line 12",
    ] {
        assert!(err.contains(needle), "{needle:?} in {}", text(&out));
    }
    assert_eq!(fx.remote_count(), before + 1);
    // The flag it offers works, verbatim.
    let out = fx.run(&["set", "--repo", &url, "web=:1.2", "--container", "app"]);
    assert_eq!(code(&out), Some(0), "{}", text(&out));
    assert!(fx
        .remote_file(WEB)
        .contains("image: ghcr.io/isa/web:1.2   # the service"));
    assert!(fx.remote_file(WEB).contains("image: nginx:1.25\n"));
    // get and history choose by the same rule: without a new image, they refuse alike.
    for cmd in ["get", "history"] {
        let out = fx.run(&[cmd, "--repo", &url, "web"]);
        assert_eq!(code(&out), Some(3), "{cmd}: {}", text(&out));
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains("Deployment/web has 2 containers and none is named `web`; imgbump does not guess which one is meant")
                && err.contains("--container app   image ghcr.io/isa/web:1.2 at line 12"),
            "{cmd}: {}",
            text(&out)
        );
        let out = fx.run(&[cmd, "--repo", &url, "web", "--container", "app"]);
        assert_eq!(code(&out), Some(0), "{cmd}: {}", text(&out));
        assert!(
            stdout(&out).starts_with("ghcr.io/isa/web:1.2"),
            "{cmd}: {}",
            text(&out)
        );
    }
    // list shows every container, and which one `set` edits without flags (none here: each
    // row says the flags that pick it); agent's row `set` edits is marked.
    let out = fx.run(&["list", "--repo", &url]);
    assert_eq!(code(&out), Some(0), "{}", text(&out));
    let listed = stdout(&out);
    for row in [
        "web\tDeployment/web\tproxy\tnginx:1.25\tset needs --workload web --container proxy\n",
        "web\tDeployment/web\tapp\tghcr.io/isa/web:1.2\tset needs --workload web --container app\n",
        "agent\tDeployment/agent\tagent\t123456789012.dkr.ecr.us-east-1.amazonaws.com/isa-agent:sha-cbad391\tset edits this\n",
    ] {
        assert!(listed.contains(row), "{row:?} in {listed}");
    }
    let out = fx.run(&["list", "--repo", &url, "-o", "json"]);
    let rows = json(&out);
    let agent: Vec<_> = rows
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["service"] == "agent")
        .map(|r| {
            (
                r["container"].as_str().unwrap(),
                r["set_default"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        agent,
        [
            ("wait-for-consul", false),
            ("agent", true),
            ("consul-agent", false)
        ]
    );
}

/// `-f` as people type it: `./…` and an absolute path inside the checkout are the same file;
/// from a subdirectory it is read from the repository root, and imgbump says so.
#[test]
fn manifest_paths_are_normalised_and_read_from_the_root_saying_so() {
    let fx = Fixture::new();
    let co = fx.checkout.to_str().unwrap().to_string();
    let dot = format!("./{AGENT}");
    let absolute = format!("{co}/{AGENT}");
    for (f, tag) in [(dot.as_str(), "v-dot"), (absolute.as_str(), "v-abs")] {
        let out = fx.run(&["set", "-C", &co, "-f", f, &format!("agent=:{tag}")]);
        assert_eq!(code(&out), Some(0), "{f}: {}", text(&out));
        assert!(
            fx.remote_file(AGENT)
                .contains(&format!("isa-agent:{tag}  #")),
            "{f}"
        );
    }
    let out = fx.run(&["set", "-C", &co, "-f", "/elsewhere/agent.yaml", "agent=:v3"]);
    assert_fails(
        &out,
        4,
        &format!("the manifest path \"/elsewhere/agent.yaml\" is outside the repository ({co}); give a path inside it, relative to its root"),
        "outside",
    );
    // From a subdirectory, a path relative to it: refused, naming the path that works.
    let sub = fx.checkout.join("deployments/kubernetes");
    let run_in = |dir: &std::path::Path, args: &[&str]| {
        fx.cmd().current_dir(dir).args(args).output().unwrap()
    };
    let count = fx.remote_count();
    let out = run_in(
        &sub,
        &[
            "set",
            "-f",
            "base/applications/agent-deployment.yaml",
            "agent=:v4",
        ],
    );
    assert_eq!(code(&out), Some(3), "{}", text(&out));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("base/applications/agent-deployment.yaml does not exist on branch main: --manifest is read from the repository root, not from the current directory (deployments/kubernetes/)")
            && err.contains(&format!("pass --manifest {AGENT}")),
        "{}",
        text(&out)
    );
    assert_eq!(fx.remote_count(), count);
    // The path it names works from there.
    let out = run_in(&sub, &["set", "-f", AGENT, "agent=:v4"]);
    assert_eq!(code(&out), Some(0), "{}", text(&out));
    // list reads -f as set does.
    let out = fx.run(&[
        "list",
        "-C",
        &co,
        "-f",
        &format!("{co}/./deployments/kubernetes/base/applications/{{service}}-deployment.yaml"),
    ]);
    assert_eq!(code(&out), Some(0), "{}", text(&out));
    assert!(
        stdout(&out).contains("agent\tDeployment/agent\tagent\t"),
        "{}",
        text(&out)
    );
    // A missing file names the template it came from, never as `""`.
    for (f, needle) in [
        ("nowhere.yaml", "nowhere.yaml does not exist on branch main\n"),
        (
            "apps/{service}.yaml",
            "apps/agent.yaml does not exist on branch main (from the manifest template \"apps/{service}.yaml\")",
        ),
    ] {
        let out = fx.run(&["get", "-C", &co, "-f", f, "agent"]);
        assert_eq!(code(&out), Some(3), "{}", text(&out));
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(needle) && !err.contains("\"\""), "{needle:?} in {}", text(&out));
    }
}

/// A misspelt service on GitHub: the annotation points at no file (the one named does not
/// exist) and keeps the hint lines.
#[test]
fn a_misspelt_service_annotation_points_nowhere_and_keeps_the_hint() {
    let fx = Fixture::new();
    let out = fx
        .cmd()
        .args(["set", "agnet=:v2", "-C", fx.checkout.to_str().unwrap()])
        .env("GITHUB_ACTIONS", "true")
        .output()
        .unwrap();
    assert_eq!(code(&out), Some(3), "{}", text(&out));
    let annotation = stdout(&out);
    assert!(
        annotation.starts_with(
            "::error::deployments/kubernetes/base/applications/agnet-deployment.yaml does not exist on branch main (from the manifest template \"deployments/kubernetes/base/applications/{service}-deployment.yaml\"); did you mean `agent`?%0Apass --manifest TEMPLATE"
        ),
        "{annotation}"
    );
}

/// A Pod without a namespace and its twin in one: `--workload /Pod/NAME` picks the first, and
/// the refusal offers exactly that (it said no flag could, and to rename one).
#[test]
fn a_pod_without_a_namespace_is_picked_by_its_empty_namespace() {
    let fx = Fixture::new();
    let hooks = "hooks.yaml";
    let yaml = "\
kind: Pod
metadata: {name: my-hook}
spec: {containers: [{name: hook, image: 'r.example/hook:1'}]}
---
kind: Pod
metadata: {name: my-hook, namespace: staging}
spec: {containers: [{name: hook, image: 'r.example/hook:1'}]}
";
    fx.push_elsewhere(hooks, yaml, "two hooks");
    let url = fx.url();
    let out = fx.run(&["set", "--repo", &url, "-f", hooks, "my-hook=:2"]);
    assert_eq!(code(&out), Some(3), "{}", text(&out));
    let err = String::from_utf8_lossy(&out.stderr);
    for needle in [
        "--workload /Pod/my-hook --container hook   image r.example/hook:1 at line 3",
        "--workload staging/Pod/my-hook --container hook   image r.example/hook:1 at line 7",
    ] {
        assert!(err.contains(needle), "{needle:?} in {}", text(&out));
    }
    assert!(!err.contains("rename one"), "{}", text(&out));
    let out = fx.run(&[
        "set",
        "--repo",
        &url,
        "-f",
        hooks,
        "--workload",
        "/Pod/my-hook",
        "my-hook=:2",
    ]);
    assert_eq!(code(&out), Some(0), "{}", text(&out));
    assert_eq!(fx.remote_file(hooks), yaml.replacen("hook:1", "hook:2", 1));
}

fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

const ECR: &str = "123456789012.dkr.ecr.us-east-1.amazonaws.com";

/// One set over two environments: each line and the commit's subject say which is which;
/// a held environment's hint is a command that works as printed.
#[test]
fn environments_are_named_in_each_line_the_subject_and_the_release_hint() {
    let fx = Fixture::of("environments");
    let url = fx.url();
    let out = fx.run(&[
        "set",
        "--repo",
        &url,
        "billing=:1.5",
        "--env",
        "staging",
        "--env",
        "production",
    ]);
    assert_eq!(code(&out), Some(0), "{}", text(&out));
    let said = stderr(&out);
    for env_line in [
        format!("billing in staging: {ECR}/isa-billing:1.4 → {ECR}/isa-billing:1.5, commit "),
        format!("billing in production: {ECR}/isa-billing:1.3 → {ECR}/isa-billing:1.5, commit "),
    ] {
        assert!(said.contains(&env_line), "{env_line:?} in {said}");
    }
    assert_eq!(
        fx.remote_git(&["log", "-1", "--format=%s"]).trim(),
        "chore: update billing image to 1.5 in staging, production"
    );
    // One environment: the subject as before.
    let out = fx.run(&["set", "--repo", &url, "billing=:1.6", "--env", "staging"]);
    assert_eq!(code(&out), Some(0), "{}", text(&out));
    assert_eq!(
        fx.remote_git(&["log", "-1", "--format=%s"]).trim(),
        "chore: update billing image to 1.6"
    );
    // Held in production: the hint names --env, and runs as printed.
    let out = fx.run(&[
        "hold",
        "--repo",
        &url,
        "billing",
        "--env",
        "production",
        "--reason",
        "incident-4711",
    ]);
    assert_eq!(code(&out), Some(0), "{}", text(&out));
    let out = fx.run(&[
        "set",
        "--repo",
        &url,
        "billing=:1.7",
        "--env",
        "staging",
        "--env",
        "production",
    ]);
    assert_eq!(code(&out), Some(0), "{}", text(&out));
    let said = stderr(&out);
    let hint = "(`imgbump release billing --env production` lifts it)";
    assert!(
        said.contains(&format!("billing in production: held: {ECR}/isa-billing:1.5 stays, {ECR}/isa-billing:1.7 wanted; hold: incident-4711 (by imgbump@localhost, since "))
            && said.contains(hint),
        "{said}"
    );
    let out = fx.run(&["release", "--repo", &url, "billing", "--env", "production"]);
    assert_eq!(code(&out), Some(0), "{}", text(&out));
    assert!(!fx
        .remote_file("charts/billing/values-production.yaml")
        .contains("imgbump:hold"));
    let out = fx.run(&[
        "set",
        "--repo",
        &url,
        "billing=:1.7",
        "--env",
        "production",
        "--fail-on-held",
    ]);
    assert_eq!(code(&out), Some(0), "{}", text(&out));
}

/// `hold` with no identity anywhere holds "by" the commit's author, as --help says; and the
/// commit's author is said once (not with -q, not with an identity).
#[test]
fn with_no_identity_the_author_is_said_once_and_is_who_holds() {
    let fx = Fixture::new();
    let url = fx.url();
    let notice = "imgbump: no git identity (user.name, user.email): the commit is made as imgbump <imgbump@localhost>; set them, or pass --author \"NAME <EMAIL>\"\n";
    let out = fx.run(&["hold", "--repo", &url, "agent", "--reason", "incident-1"]);
    assert_eq!(code(&out), Some(0), "{}", text(&out));
    assert_eq!(stderr(&out).matches(notice).count(), 1, "{}", text(&out));
    assert!(
        fx.remote_file(AGENT)
            .contains("# imgbump:hold incident-1 (imgbump@localhost, 20"),
        "{}",
        fx.remote_file(AGENT)
    );
    let out = fx.run(&["release", "--repo", &url, "agent", "-q"]);
    assert_eq!(code(&out), Some(0), "{}", text(&out));
    assert!(!stderr(&out).contains("no git identity"), "{}", text(&out));
    let out = fx.run(&[
        "set",
        "--repo",
        &url,
        "agent=:v2",
        "--author",
        "Isa <isa@example.com>",
    ]);
    assert_eq!(code(&out), Some(0), "{}", text(&out));
    assert!(!stderr(&out).contains("no git identity"), "{}", text(&out));
    // Nothing to commit: nothing said.
    let out = fx.run(&["set", "--repo", &url, "agent=:v2"]);
    assert_eq!(code(&out), Some(0), "{}", text(&out));
    assert!(!stderr(&out).contains("no git identity"), "{}", text(&out));
}

/// `--expect-current` takes `:TAG` and `@DIGEST` as the pairs do; a digest cut short is
/// "too short"; promote's errors name the flag typed.
#[test]
fn shorthands_and_flags_are_read_as_typed() {
    let fx = Fixture::new();
    let url = fx.url();
    let out = fx.run(&[
        "set",
        "--repo",
        &url,
        "agent=:v2",
        "--expect-current",
        ":sha-cbad391",
    ]);
    assert_eq!(code(&out), Some(0), "{}", text(&out));
    assert!(fx.remote_file(AGENT).contains("isa-agent:v2  #"));
    let count = fx.remote_count();
    let out = fx.run(&[
        "set",
        "--repo",
        &url,
        "agent=:v3",
        "--expect-current",
        ":sha-cbad391",
    ]);
    assert_fails(
        &out,
        4,
        &format!("the image of agent is `{ECR}/isa-agent:v2`, not the expected `:sha-cbad391`"),
        "stale",
    );
    assert_eq!(fx.remote_count(), count);
    let out = fx.run(&["set", "--repo", &url, "agent=@sha256:abc"]);
    assert_fails(
        &out,
        4,
        "the sha256 digest `sha256:abc` is too short: it has 3 hex digits, and a sha256 digest has exactly 64",
        "short digest",
    );
    let e = Fixture::of("environments");
    let out = e.run(&[
        "promote",
        "--repo",
        &e.url(),
        "web",
        "--from",
        "staging",
        "--to",
        "prod",
    ]);
    assert_fails(
        &out,
        2,
        "--to `prod`: .imgbump.yaml declares the environments staging, production",
        "promote --to",
    );
    assert!(!stderr(&out).contains("--env"), "{}", text(&out));
    let out = e.run(&[
        "promote",
        "--repo",
        &e.url(),
        "web",
        "--from",
        "stage",
        "--to",
        "production",
    ]);
    assert_fails(
        &out,
        2,
        "--from `stage`: .imgbump.yaml declares",
        "promote --from",
    );
}
