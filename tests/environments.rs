//! `.imgbump.yaml`, environments and the target kinds end to end, against real Git: the
//! bundled `examples/environments` repository behind `git daemon`, each pushed commit read back
//! with the `git` CLI.

mod support;

use std::path::Path;

use support::*;

/// `examples/environments` as a bare remote served by `git daemon`, and a HOME.
struct Envs {
    fx: Fixture,
    daemon: Daemon,
}

impl Envs {
    fn new() -> Envs {
        let fx = Fixture::of("environments");
        let daemon = Daemon::start(fx.dir.path());
        Envs { fx, daemon }
    }

    fn run(&self, args: &[&str]) -> std::process::Output {
        let url = self.daemon.url("environments.git");
        let mut all = args.to_vec();
        all.extend(["--repo", &url]);
        imgbump(&self.fx.home)
            .args(&all)
            .current_dir(self.fx.dir.path())
            .output()
            .unwrap()
    }

    fn remote_git(&self, args: &[&str]) -> String {
        let mut all = vec!["--git-dir", self.fx.remote.to_str().unwrap()];
        all.extend_from_slice(args);
        git(self.fx.dir.path(), &all)
    }

    fn last_diff(&self) -> Vec<String> {
        self.fx.last_diff()
    }

    fn files_changed(&self) -> Vec<String> {
        self.fx
            .remote_git(&["diff", "--name-only", "main~1", "main"])
            .lines()
            .map(str::to_string)
            .collect()
    }

    /// Pushes `path` = `content` to main from a checkout of the remote.
    fn push(&self, path: &str, content: &str) {
        let other = tempfile::tempdir_in(self.fx.dir.path()).unwrap().keep();
        git(
            self.fx.dir.path(),
            &[
                "clone",
                "-q",
                self.fx.remote.to_str().unwrap(),
                other.to_str().unwrap(),
            ],
        );
        if let Some(parent) = Path::new(path).parent() {
            std::fs::create_dir_all(other.join(parent)).unwrap();
        }
        std::fs::write(other.join(path), content).unwrap();
        git(&other, &["add", "-A"]);
        git(&other, &["commit", "-qm", "edit"]);
        git(&other, &["push", "-q", "origin", "main"]);
    }
}

const ECR: &str = "123456789012.dkr.ecr.us-east-1.amazonaws.com";

#[test]
fn a_kustomize_overlay_is_bumped_in_staging_then_promoted_to_production() {
    let e = Envs::new();
    let out = e.run(&["set", "web=:sha-2222222", "--env", "staging"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(
        e.files_changed(),
        ["deployments/kubernetes/overlays/staging/kustomization.yaml"]
    );
    assert_eq!(
        e.last_diff(),
        [
            "-    newTag: sha-1111111   # bumped by imgbump",
            "+    newTag: sha-2222222   # bumped by imgbump"
        ]
    );
    assert_eq!(
        e.remote_git(&["log", "-1", "--format=%s", "main"]).trim(),
        "chore: update web image to sha-2222222"
    );

    // What staging holds now, then the same exact image in production, in one commit.
    let out = e.run(&["get", "web", "--env", "staging"]);
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        format!("{ECR}/isa-web:sha-2222222"),
        "{}",
        text(&out)
    );
    let out = e.run(&["promote", "web", "--from", "staging", "--to", "production"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(
        e.files_changed(),
        ["deployments/kubernetes/overlays/production/kustomization.yaml"]
    );
    assert_eq!(
        e.last_diff(),
        [
            "-    newTag: sha-0000000   # bumped by imgbump",
            "+    newTag: sha-2222222   # bumped by imgbump"
        ]
    );
    assert_eq!(
        e.remote_git(&["log", "-1", "--format=%s", "main"]).trim(),
        "chore: promote web to production: sha-2222222"
    );
    // Promoting again changes nothing and makes no commit.
    let count = e.remote_git(&["rev-list", "--count", "main"]);
    let out = e.run(&[
        "promote",
        "web",
        "--from",
        "staging",
        "--to",
        "production",
        "-o",
        "json",
    ]);
    assert_eq!(json(&out)["status"], "unchanged", "{}", text(&out));
    assert_eq!(e.remote_git(&["rev-list", "--count", "main"]), count);
}

#[test]
fn two_environments_of_helm_values_in_one_commit_and_an_argo_cd_tag() {
    let e = Envs::new();
    let out = e.run(&[
        "set",
        "billing=:1.5",
        "--env",
        "staging",
        "--env",
        "production",
        "-o",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let v = json(&out);
    let envs: Vec<&str> = v["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["env"].as_str().unwrap())
        .collect();
    assert_eq!(envs, ["staging", "production"]);
    assert_eq!(
        v["changes"][0]["target"],
        "image (registry, repository, tag)"
    );
    assert_eq!(v["changes"][0]["new"], format!("{ECR}/isa-billing:1.5"));
    assert_eq!(
        e.files_changed(),
        [
            "charts/billing/values-production.yaml",
            "charts/billing/values-staging.yaml"
        ]
    );
    assert_eq!(
        e.last_diff(),
        [
            "-  tag: \"1.3\"",
            "+  tag: \"1.5\"",
            "-  tag: \"1.4\"",
            "+  tag: \"1.5\""
        ]
    );

    let out = e.run(&["set", "portal=:1.6", "--env", "production"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(
        e.last_diff(),
        [
            "-          value: \"1.3\"   # bumped by imgbump",
            "+          value: \"1.6\"   # bumped by imgbump"
        ]
    );
    let out = e.run(&["get", "portal", "--env", "production"]);
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), ":1.6");
    // A promotion of a tag-only target copies the tag.
    let out = e.run(&[
        "promote",
        "portal",
        "--from",
        "production",
        "--to",
        "staging",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(
        e.last_diff(),
        [
            "-          value: \"1.4\"   # bumped by imgbump",
            "+          value: \"1.6\"   # bumped by imgbump"
        ]
    );
}

#[test]
fn environments_are_asked_for_and_checked() {
    let e = Envs::new();
    let before = e.remote_git(&["rev-parse", "main"]);
    assert_fails(
        &e.run(&["set", "web=:x1"]),
        2,
        "pass --env NAME (one of staging, production)",
        "no --env",
    );
    assert_fails(
        &e.run(&["set", "web=:x1", "--env", "qa"]),
        2,
        "declares the environments staging, production",
        "unknown env",
    );
    assert_fails(
        &e.run(&["set", "web=:x1", "-e", "staging", "-e", "staging"]),
        2,
        "given twice",
        "twice",
    );
    // promote names its own flags: --from and --to are checked as names, --to once each.
    assert_fails(
        &e.run(&[
            "promote",
            "web",
            "--from",
            "../staging",
            "--to",
            "production",
        ]),
        2,
        "--from: ",
        "a --from that is no name",
    );
    assert_fails(
        &e.run(&[
            "promote",
            "web",
            "--from",
            "staging",
            "--to",
            "production",
            "--to",
            "production",
        ]),
        2,
        "--to production is given twice",
        "--to twice",
    );
    // A service the config does not list.
    assert_fails(
        &e.run(&["set", "nope=:x1"]),
        3,
        "has no service `nope`",
        "unlisted",
    );
    // The base workload needs no environment.
    let out = e.run(&["set", &format!("agent={ECR}/isa-agent:sha-3333333")]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(
        e.files_changed(),
        ["deployments/kubernetes/base/applications/agent-deployment.yaml"]
    );
    assert_ne!(e.remote_git(&["rev-parse", "main"]), before);
}

#[test]
fn list_shows_every_target_per_environment() {
    let e = Envs::new();
    let out = e.run(&["list", "-o", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let rows: Vec<String> = json(&out)
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            format!(
                "{} {} {} {}",
                r["service"].as_str().unwrap(),
                r["env"].as_str().unwrap_or("-"),
                r["line"],
                r["image"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(
        rows,
        [
            format!("agent - 50 {ECR}/isa-agent:sha-cbad391"),
            format!("web staging 9 {ECR}/isa-web:sha-1111111"),
            format!("web production 9 {ECR}/isa-web:sha-0000000"),
            format!("billing staging 6 {ECR}/isa-billing:1.4"),
            format!("billing production 6 {ECR}/isa-billing:1.3"),
            "portal staging 17 :1.4".to_string(),
            "portal production 17 :1.3".to_string(),
        ]
    );
    let out = e.run(&["list", "--env", "production"]);
    let listed = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(listed.contains("web\tproduction\tdeployments/kubernetes/overlays/production/kustomization.yaml:9\timages[name=isa-web]\t"), "{listed}");
    assert!(!listed.contains("staging"), "{listed}");
}

#[test]
fn a_broken_config_is_refused_where_it_is_wrong_and_read_from_the_tip() {
    let e = Envs::new();
    e.push(
        ".imgbump.yaml",
        "environments: [staging]\nservices:\n  web:\n    manifest: x.yaml\n    contianer: web\n",
    );
    let before = e.remote_git(&["rev-parse", "main"]);
    assert_fails(
        &e.run(&["set", "web=:x1"]),
        4,
        ".imgbump.yaml:5:5: unknown key `contianer`",
        "typo",
    );
    // A path that leaves the repository, or goes through a link, is refused.
    e.push(
        ".imgbump.yaml",
        "services:\n  web:\n    manifest: ../outside.yaml\n",
    );
    assert_fails(
        &e.run(&["set", "web=:x1"]),
        4,
        ".imgbump.yaml:3:5",
        "outside",
    );
    let link = e.fx.dir.path().join("outside");
    std::fs::create_dir_all(&link).unwrap();
    std::fs::write(
        link.join("values.yaml"),
        "image: {repository: x, tag: v1}\n",
    )
    .unwrap();
    let other = tempfile::tempdir_in(e.fx.dir.path()).unwrap().keep();
    git(
        e.fx.dir.path(),
        &[
            "clone",
            "-q",
            e.fx.remote.to_str().unwrap(),
            other.to_str().unwrap(),
        ],
    );
    std::os::unix::fs::symlink(&link, other.join("charts/linked")).unwrap();
    std::fs::write(
        other.join(".imgbump.yaml"),
        "services:\n  web:\n    manifest: charts/linked/values.yaml\n    key: image\n",
    )
    .unwrap();
    git(&other, &["add", "-A"]);
    git(&other, &["commit", "-qm", "link"]);
    git(&other, &["push", "-q", "origin", "main"]);
    let out = e.run(&["set", "web=:v2"]);
    assert_ne!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(
        std::fs::read_to_string(link.join("values.yaml")).unwrap(),
        "image: {repository: x, tag: v1}\n"
    );
    assert_ne!(e.remote_git(&["rev-parse", "main"]), before);
    assert_eq!(
        e.remote_git(&["log", "-1", "--format=%s", "main"]).trim(),
        "link"
    );
}

#[test]
fn missing_keys_are_shown_then_added_with_create() {
    let e = Envs::new();
    let d = "sha256:4444444444444444444444444444444444444444444444444444444444444444";
    let out = e.run(&["set", &format!("billing=@{d}"), "--env", "staging"]);
    assert_fails(&out, 3, &format!("+   digest: {d}"), "no digest key");
    assert_eq!(e.remote_git(&["rev-list", "--count", "main"]).trim(), "1");
    let out = e.run(&[
        "set",
        &format!("billing=@{d}"),
        "--env",
        "staging",
        "--create",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(e.last_diff(), [format!("+  digest: {d}")]);
    // A new kustomize entry.
    let out = e.run(&[
        "set",
        "web=ghcr.io/isa/api:v1",
        "--env",
        "production",
        "--image-name",
        "isa-api",
    ]);
    assert_fails(&out, 3, "+   - name: isa-api", "no entry");
    let out = e.run(&[
        "set",
        "web=ghcr.io/isa/api:v1",
        "--env",
        "production",
        "--image-name",
        "isa-api",
        "--create",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(
        e.last_diff(),
        [
            "+  - name: isa-api",
            "+    newName: ghcr.io/isa/api",
            "+    newTag: v1"
        ]
    );
}

/// Without a config, --manifest tried in order: the generator's default layout (46 services
/// under grpc-services/<svc>/deployment.yaml, 4 under applications/).
#[test]
fn repeated_manifests_are_tried_in_order() {
    let gen = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/bench/gen-gitops-repo");
    let dir = tempfile::tempdir().unwrap();
    let status = std::process::Command::new(&gen)
        .arg(dir.path().join("isa"))
        .args(["--services", "3", "--commits", "3", "--no-worktree"])
        .output()
        .unwrap();
    assert!(
        status.status.success(),
        "{}",
        String::from_utf8_lossy(&status.stderr)
    );
    let remote = dir.path().join("isa.git");
    let tree = git(
        dir.path(),
        &[
            "--git-dir",
            remote.to_str().unwrap(),
            "ls-tree",
            "-r",
            "--name-only",
            "main",
        ],
    );
    let grpc: Vec<&str> = tree
        .lines()
        .filter_map(|l| {
            l.strip_prefix("deployments/kubernetes/base/grpc-services/")?
                .strip_suffix("/deployment.yaml")
        })
        .collect();
    assert_eq!(grpc.len(), 3, "{tree}");
    let home = dir.path().join("home");
    std::fs::create_dir_all(&home).unwrap();
    let url = format!("file://{}", remote.display());
    for service in [grpc[0], "agent"] {
        let out = imgbump(&home)
            .args([
                "set",
                &format!("{service}=:sha-5555555"),
                "--repo",
                &url,
                "-f",
                "deployments/kubernetes/base/grpc-services/{service}/deployment.yaml",
                "-f",
                "deployments/kubernetes/base/applications/{service}-deployment.yaml",
            ])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{service}: {}", text(&out));
    }
    let names = git(
        dir.path(),
        &[
            "--git-dir",
            remote.to_str().unwrap(),
            "diff",
            "--name-only",
            "main~2",
            "main",
        ],
    );
    assert_eq!(
        names.lines().collect::<Vec<_>>(),
        [
            "deployments/kubernetes/base/applications/agent-deployment.yaml".to_string(),
            format!(
                "deployments/kubernetes/base/grpc-services/{}/deployment.yaml",
                grpc[0]
            )
        ]
    );
    // Neither file: both tried, named.
    let out = imgbump(&home)
        .args([
            "set",
            "nosuch=:v1",
            "--repo",
            &url,
            "-f",
            "a/{service}.yaml",
            "-f",
            "b/{service}.yaml",
        ])
        .output()
        .unwrap();
    assert_fails(&out, 3, "tried a/nosuch.yaml, b/nosuch.yaml", "neither");
}

#[test]
fn history_and_rollback_follow_an_environment_target() {
    let e = Envs::new();
    for tag in ["sha-aaaaaaa", "sha-bbbbbbb"] {
        let out = e.run(&["set", &format!("web=:{tag}"), "--env", "staging"]);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    }
    assert_fails(&e.run(&["history", "web"]), 2, "--env", "no env");
    let out = e.run(&["history", "web", "--env", "staging", "-o", "json"]);
    let images: Vec<String> = json(&out)
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["image"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        images,
        [
            format!("{ECR}/isa-web:sha-bbbbbbb"),
            format!("{ECR}/isa-web:sha-aaaaaaa"),
            format!("{ECR}/isa-web:sha-1111111")
        ]
    );
    let out = e.run(&["rollback", "web", "--env", "staging"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(
        e.last_diff(),
        [
            "-    newTag: sha-bbbbbbb   # bumped by imgbump",
            "+    newTag: sha-aaaaaaa   # bumped by imgbump"
        ]
    );
    assert_eq!(
        e.files_changed(),
        ["deployments/kubernetes/overlays/staging/kustomization.yaml"]
    );
    // A tag-only target rolls back by its tag.
    for tag in ["1.8", "1.9"] {
        let out = e.run(&["set", &format!("portal=:{tag}"), "--env", "production"]);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    }
    let out = e.run(&["rollback", "portal", "--env", "production"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(
        e.last_diff(),
        [
            "-          value: \"1.9\"   # bumped by imgbump",
            "+          value: \"1.8\"   # bumped by imgbump"
        ]
    );
}

#[test]
fn flags_name_targets_without_the_config() {
    let e = Envs::new();
    let out = e.run(&[
        "set",
        "billing=:2.0",
        "-f",
        "charts/billing/values-staging.yaml",
        "--key",
        "image",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(e.last_diff(), ["-  tag: \"1.4\"", "+  tag: \"2.0\""]);
    let out = e.run(&[
        "set",
        "portal=:2.1",
        "-f",
        "argocd/apps/portal-{env}.yaml",
        "--env",
        "staging",
        "--key",
        "spec.source.helm.parameters[name=image.tag].value",
        "--holds",
        "tag",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(e.files_changed(), ["argocd/apps/portal-staging.yaml"]);
    // A kustomization found by its name, the entry by the service's repository.
    let out = e.run(&[
        "set",
        &format!("web={ECR}/isa-web:v9"),
        "-f",
        "deployments/kubernetes/overlays/production/kustomization.yaml",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(
        e.last_diff(),
        [
            "-    newTag: sha-0000000   # bumped by imgbump",
            "+    newTag: v9   # bumped by imgbump"
        ]
    );
    assert_fails(
        &e.run(&["set", "billing=:2.0", "--holds", "tag"]),
        2,
        "--key",
        "holds without key",
    );
    assert_fails(
        &e.run(&["set", "billing=:2.0", "--key", "a..b"]),
        2,
        "invalid key path",
        "bad key",
    );
    assert_fails(
        &e.run(&["set", "billing=:2.0", "--key", "image", "--image-name", "x"]),
        2,
        "drop --image-name",
        "both",
    );
}

#[test]
fn a_namespace_picks_one_of_two_workloads_of_one_kind_and_name() {
    let e = Envs::new();
    let hooks = "\
apiVersion: v1
kind: Pod
metadata: {name: my-hook, namespace: staging}
spec: {containers: [{name: hook, image: 'r.example/hook:1'}]}
---
apiVersion: v1
kind: Pod
metadata: {name: my-hook, namespace: production}
spec: {containers: [{name: hook, image: 'r.example/hook:1'}]}
";
    e.push("hooks.yaml", hooks);
    let out = e.run(&[
        "set",
        "hook=:2",
        "-f",
        "hooks.yaml",
        "--workload",
        "Pod/my-hook",
    ]);
    assert_fails(
        &out,
        3,
        "--workload production/Pod/my-hook --container hook",
        "ambiguous",
    );
    let out = e.run(&[
        "set",
        "hook=:2",
        "-f",
        "hooks.yaml",
        "--workload",
        "production/Pod/my-hook",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(
        e.last_diff(),
        [
            "-spec: {containers: [{name: hook, image: 'r.example/hook:1'}]}",
            "+spec: {containers: [{name: hook, image: 'r.example/hook:2'}]}"
        ]
    );
    // The production Pod's image, the second in the file.
    let (before, after) = hooks.rsplit_once("hook:1").unwrap();
    assert_eq!(
        e.remote_git(&["show", "main:hooks.yaml"]),
        format!("{before}hook:2{after}")
    );
}

/// An Argo CD Application that sets its image through `spec.source.kustomize.images`, in
/// kustomize's override form: named in the config by `[NAME]`, bumped in staging, promoted to
/// production, each commit one line with `isa-gateway=` kept.
#[test]
fn argo_cd_kustomize_images_are_bumped_and_promoted() {
    let e = Envs::new();
    for (env, tag) in [("staging", "sha-1111111"), ("production", "sha-0000000")] {
        e.push(
            &format!("argocd/apps/gateway-{env}.yaml"),
            &format!("apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: gateway-{env}\nspec:\n  source:\n    path: deployments/kubernetes/overlays/{env}\n    kustomize:\n      images:\n        - redis:7.2\n        - isa-gateway={ECR}/isa-gateway:{tag}   # set by imgbump\n"),
        );
    }
    let config = e.fx.remote_file(".imgbump.yaml")
        + "  # Argo CD Applications with kustomize: the override of the image isa-gateway.\n  gateway:\n    - manifest: argocd/apps/gateway-{env}.yaml\n      key: spec.source.kustomize.images[isa-gateway]\n";
    e.push(".imgbump.yaml", &config);
    let out = e.run(&["set", "gateway=:sha-2222222", "--env", "staging"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(e.files_changed(), ["argocd/apps/gateway-staging.yaml"]);
    assert_eq!(
        e.last_diff(),
        [
            format!("-        - isa-gateway={ECR}/isa-gateway:sha-1111111   # set by imgbump"),
            format!("+        - isa-gateway={ECR}/isa-gateway:sha-2222222   # set by imgbump"),
        ]
    );
    let out = e.run(&["get", "gateway", "--env", "staging"]);
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        format!("{ECR}/isa-gateway:sha-2222222")
    );
    let out = e.run(&[
        "promote",
        "gateway",
        "--from",
        "staging",
        "--to",
        "production",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(e.files_changed(), ["argocd/apps/gateway-production.yaml"]);
    assert_eq!(
        e.last_diff(),
        [
            format!("-        - isa-gateway={ECR}/isa-gateway:sha-0000000   # set by imgbump"),
            format!("+        - isa-gateway={ECR}/isa-gateway:sha-2222222   # set by imgbump"),
        ]
    );
}
