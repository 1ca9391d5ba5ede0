//! `--verify-image` and `--pin-digest` against Debian's `docker-registry` (the CNCF
//! distribution registry 2.8) started by the tests on 127.0.0.1: with htpasswd Basic auth
//! behind TLS from a test CA, and with token auth (a JWT token service made by the test, whose
//! certificate the registry trusts), so that the Bearer flow runs for real. Images are pushed
//! through the registry's own API (blob uploads, manifest PUT), a multi-platform index among
//! them. Servers that misbehave on purpose (an endless body, a redirect to another host) are
//! small loopback servers of the test's own.

mod support;

use std::process::{Command, Output};
use std::sync::Mutex;

use support::registry::*;
use support::*;

/// The bundled example's remote, with `agent`'s image in `image`.
fn fixture_with(image: &str) -> Fixture {
    let fx = Fixture::new();
    let text = fx.remote_file(AGENT).replace(
        "123456789012.dkr.ecr.us-east-1.amazonaws.com/isa-agent:sha-cbad391",
        image,
    );
    fx.push_elsewhere(AGENT, &text, "agent from the test registry");
    fx
}

fn run(fx: &Fixture, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut c = fx.cmd();
    c.args(args)
        .arg("--repo")
        .arg(fx.url())
        .env_remove("IMGBUMP_REGISTRY_TOKEN")
        .env_remove("DOCKER_CONFIG");
    for (k, v) in env {
        c.env(k, v);
    }
    c.output().unwrap()
}

fn agent_line(fx: &Fixture) -> String {
    fx.remote_file(AGENT)
        .lines()
        .find(|l| l.contains("# updated by repository_dispatch"))
        .unwrap()
        .trim()
        .to_string()
}

#[test]
fn basic_auth_over_tls_verifies_and_pins_and_refuses_a_missing_tag() {
    let reg = RegistryServer::basic_tls();
    let host = reg.host();
    let v1 = reg.push("isa/agent", "v1", 1);
    let v2 = reg.push("isa/agent", "v2", 1);
    assert_ne!(v1, v2);
    let fx = fixture_with(&format!("{host}/isa/agent:v1"));
    docker_login(&fx.home, &host, PASSWORD);
    let ca = reg.ca.clone().unwrap();
    let tls = [("SSL_CERT_FILE", ca.to_str().unwrap())];
    // A tag that exists: bumped, and -v says what the check cost.
    let before = fx.remote_count();
    let out = run(&fx, &["set", "agent=:v2", "--verify-image", "-v"], &tls);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains(", registry "),
        "{}",
        text(&out)
    );
    assert_eq!(
        agent_line(&fx),
        format!("image: {host}/isa/agent:v2  # updated by repository_dispatch")
    );
    // The CA in a directory of hash links instead (SSL_CERT_DIR, no SSL_CERT_FILE), alone or in
    // a list of directories as OpenSSL takes it: trusted too.
    let dir = fx.dir.path().join("ca-dir");
    std::fs::create_dir_all(&dir).unwrap();
    let hash = std::process::Command::new("openssl")
        .args(["x509", "-hash", "-noout", "-in"])
        .arg(&ca)
        .output()
        .unwrap();
    let hash = String::from_utf8_lossy(&hash.stdout).trim().to_string();
    std::fs::copy(&ca, dir.join(format!("{hash}.0"))).unwrap();
    let listed = format!("/nonexistent:{}", dir.display());
    for (tag, certs) in [("dir1", dir.to_str().unwrap()), ("dir2", listed.as_str())] {
        let out = fx
            .cmd()
            .args([
                "set",
                &format!("agent={host}/isa/agent:v1"),
                "--verify-image",
                "--dry-run",
            ])
            .arg("--repo")
            .arg(fx.url())
            .env_remove("IMGBUMP_REGISTRY_TOKEN")
            .env_remove("DOCKER_CONFIG")
            .env_remove("SSL_CERT_FILE")
            .env("SSL_CERT_DIR", certs)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{tag}: {}", text(&out));
    }
    // A tag that does not: exit 4, nothing committed, the message names registry, repository, tag.
    let out = run(&fx, &["set", "agent=:v3", "--verify-image"], &tls);
    assert_fails(
        &out,
        4,
        &format!("the registry {host} has no isa/agent:v3"),
        "missing tag",
    );
    assert_eq!(fx.remote_count(), before + 1);
    // In JSON what to do is the error's hint, not part of its message.
    let out = run(
        &fx,
        &["set", "agent=:v3", "--verify-image", "-o", "json"],
        &tls,
    );
    let error = &json(&out)["error"];
    let message = error["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("has no isa/agent:v3") && !message.contains("check that"),
        "{error}"
    );
    assert_eq!(
        error["hint"].as_str(),
        Some("check that the image was pushed, and the tag"),
        "{error}"
    );
    // A digest that does not exist.
    let nope = format!("@sha256:{}", "9".repeat(64));
    let out = run(
        &fx,
        &["set", &format!("agent={nope}"), "--verify-image"],
        &tls,
    );
    assert_fails(
        &out,
        4,
        &format!("has no isa/agent@sha256:{}", "9".repeat(64)),
        "missing digest",
    );
    // Pinned: the tag with the digest the registry reports.
    let out = run(&fx, &["set", "agent=:v1", "--pin-digest"], &tls);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(
        agent_line(&fx),
        format!("image: {host}/isa/agent:v1@{v1}  # updated by repository_dispatch")
    );
    // A wrong password: exit 1, saying what was tried, never the password.
    docker_login(&fx.home, &host, "wrong-password");
    let out = run(&fx, &["set", "agent=:v2", "--verify-image"], &tls);
    assert_fails(
        &out,
        1,
        &format!("the registry {host} refused the credentials"),
        "wrong password",
    );
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        !all.contains("wrong-password") && !all.contains(PASSWORD),
        "{all}"
    );
    // Without the test CA the certificate is not trusted: HTTPS fails, HTTP is tried (loopback)
    // and fails too; exit 1.
    docker_login(&fx.home, &host, PASSWORD);
    let out = run(
        &fx,
        &["set", "agent=:v2", "--verify-image"],
        &[
            ("SSL_CERT_FILE", "/dev/null"),
            ("SSL_CERT_DIR", "/nonexistent"),
        ],
    );
    assert_fails(
        &out,
        1,
        &format!("cannot reach the registry {host}"),
        "untrusted",
    );
}

#[test]
fn token_auth_runs_the_bearer_flow_and_pins_a_multi_platform_index() {
    let reg = RegistryServer::token();
    let host = reg.host();
    let index = reg.push("team/web", "2.0", 2);
    reg.push("team/web", "1.0", 1);
    let fx = fixture_with(&format!("{host}/team/web:1.0"));
    docker_login(&fx.home, &host, PASSWORD);
    let out = run(&fx, &["set", "agent=:2.0", "--pin-digest", "-v"], &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(
        agent_line(&fx),
        format!("image: {host}/team/web:2.0@{index}  # updated by repository_dispatch")
    );
    // The index's digest, as the registry reports it for the tag.
    let ours = Command::new("curl")
        .args([
            "-sSI",
            "-H",
            &format!("Authorization: {}", reg.push_auth("team/web")),
            "-H",
            "Accept: application/vnd.oci.image.index.v1+json",
        ])
        .arg(format!("http://{host}/v2/team/web/manifests/2.0"))
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&ours.stdout)
        .to_ascii_lowercase()
        .contains(&format!("docker-content-digest: {index}")));
    // The token service refuses a wrong password.
    docker_login(&fx.home, &host, "wrong-password");
    let out = run(&fx, &["set", "agent=:1.0", "--verify-image"], &[]);
    assert_fails(
        &out,
        1,
        "refused the credentials (HTTP 401); check `docker login",
        "wrong password",
    );
    // An expired token (IMGBUMP_REGISTRY_TOKEN): the registry refuses it.
    let expired = reg.jwt("repository:team/web:pull", -600);
    let out = run(
        &fx,
        &["set", "agent=:1.0", "--verify-image"],
        &[("IMGBUMP_REGISTRY_TOKEN", &expired)],
    );
    assert_fails(
        &out,
        1,
        "IMGBUMP_REGISTRY_TOKEN may have expired",
        "expired token",
    );
    assert!(!String::from_utf8_lossy(&out.stderr).contains(&expired[..40]));
    // A valid one works without a login.
    std::fs::remove_file(fx.home.join(".docker/config.json")).unwrap();
    let fresh = reg.jwt("repository:team/web:pull", 300);
    let out = run(
        &fx,
        &["set", "agent=:1.0", "--verify-image"],
        &[("IMGBUMP_REGISTRY_TOKEN", &fresh)],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
}

#[test]
fn a_credential_helper_is_asked_as_docker_asks_it() {
    let reg = RegistryServer::basic_tls();
    let host = reg.host();
    reg.push("isa/agent", "v1", 1);
    reg.push("isa/agent", "v2", 1);
    let fx = fixture_with(&format!("{host}/isa/agent:v1"));
    let bin = fx.dir.path().join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let asked = fx.dir.path().join("asked");
    std::fs::write(
        bin.join("docker-credential-imgbumptest"),
        format!(
            "#!/bin/sh\n[ \"$1\" = get ] || exit 1\ncat > {}\nprintf '{{\"ServerURL\":\"%s\",\"Username\":\"{USER}\",\"Secret\":\"{PASSWORD}\"}}' \"$(cat {})\"\n",
            asked.display(),
            asked.display()
        ),
    )
    .unwrap();
    Command::new("chmod")
        .arg("755")
        .arg(bin.join("docker-credential-imgbumptest"))
        .status()
        .unwrap();
    let config = fx.dir.path().join("docker");
    std::fs::create_dir_all(&config).unwrap();
    std::fs::write(
        config.join("config.json"),
        format!("{{\"credHelpers\": {{\"{host}\": \"imgbumptest\"}}}}"),
    )
    .unwrap();
    let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap());
    let ca = reg.ca.clone().unwrap();
    let out = run(
        &fx,
        &["set", "agent=:v2", "--verify-image"],
        &[
            ("PATH", &path),
            ("DOCKER_CONFIG", config.to_str().unwrap()),
            ("SSL_CERT_FILE", ca.to_str().unwrap()),
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(std::fs::read_to_string(&asked).unwrap(), host);
    // credsStore, the default helper: the same.
    std::fs::write(
        config.join("config.json"),
        "{\"credsStore\": \"imgbumptest\"}",
    )
    .unwrap();
    let out = run(
        &fx,
        &["set", "agent=:v1", "--verify-image"],
        &[
            ("PATH", &path),
            ("DOCKER_CONFIG", config.to_str().unwrap()),
            ("SSL_CERT_FILE", ca.to_str().unwrap()),
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    // `update` lists the tags with the helper's login too (ECR's docker-credential-ecr-login).
    std::fs::remove_file(&asked).unwrap();
    let out = run(
        &fx,
        &["update", "agent", "--policy", "alphabetical:^v[0-9]+$"],
        &[
            ("PATH", &path),
            ("DOCKER_CONFIG", config.to_str().unwrap()),
            ("SSL_CERT_FILE", ca.to_str().unwrap()),
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(std::fs::read_to_string(&asked).unwrap(), host);
    assert_eq!(
        agent_line(&fx),
        format!("image: {host}/isa/agent:v2  # updated by repository_dispatch")
    );
}

#[test]
fn an_endless_body_is_bounded_and_credentials_do_not_follow_a_redirect() {
    // A token service that answers forever.
    fn endless(head: &str, port: u16) -> Vec<u8> {
        if head.starts_with("GET /v2/ ") {
            format!("HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Bearer realm=\"http://127.0.0.1:{port}/token\",service=\"x\"\r\nContent-Length: 0\r\n\r\n").into_bytes()
        } else if head.starts_with("GET /token") {
            b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n{\"token\": \"ENDLESS"
                .to_vec()
        } else {
            b"HTTP/1.1 500 Oops\r\nContent-Length: 0\r\n\r\n".to_vec()
        }
    }
    let fake = Fake::start(endless);
    let fx = fixture_with(&format!("127.0.0.1:{}/isa/agent:v1", fake.port));
    docker_login(&fx.home, &format!("127.0.0.1:{}", fake.port), PASSWORD);
    let out = run(&fx, &["set", "agent=:v2", "--verify-image"], &[]);
    assert_fails(&out, 1, "answered more than 262144 bytes", "endless body");

    // A registry that redirects the manifest to another host: the credentials stay behind.
    fn redirecting(head: &str, _port: u16) -> Vec<u8> {
        if head.starts_with("GET /v2/ ") {
            b"HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Basic realm=\"r\"\r\nContent-Length: 0\r\n\r\n".to_vec()
        } else if head.starts_with("HEAD /v2/isa/agent/manifests/v2") {
            let other = OTHER.lock().unwrap().unwrap_or(1);
            format!("HTTP/1.1 307 Temporary Redirect\r\nLocation: http://localhost:{other}/blob/v2\r\nContent-Length: 0\r\n\r\n").into_bytes()
        } else {
            b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n".to_vec()
        }
    }
    fn elsewhere(_head: &str, _port: u16) -> Vec<u8> {
        format!(
            "HTTP/1.1 200 OK\r\nDocker-Content-Digest: sha256:{}\r\nContent-Length: 0\r\n\r\n",
            "7".repeat(64)
        )
        .into_bytes()
    }
    static OTHER: Mutex<Option<u16>> = Mutex::new(None);
    let other = Fake::start(elsewhere);
    *OTHER.lock().unwrap() = Some(other.port);
    let reg = Fake::start(redirecting);
    let fx = fixture_with(&format!("127.0.0.1:{}/isa/agent:v1", reg.port));
    docker_login(&fx.home, &format!("127.0.0.1:{}", reg.port), PASSWORD);
    let out = run(&fx, &["set", "agent=:v2", "--pin-digest"], &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(agent_line(&fx).contains(&format!(":v2@sha256:{}", "7".repeat(64))));
    let to_registry = reg.seen.lock().unwrap().join("");
    assert!(
        to_registry
            .to_ascii_lowercase()
            .contains("authorization: basic"),
        "{to_registry}"
    );
    let to_other = other.seen.lock().unwrap().join("");
    assert!(to_other.starts_with("HEAD /blob/v2"), "{to_other}");
    assert!(
        !to_other.to_ascii_lowercase().contains("authorization"),
        "credentials followed the redirect: {to_other}"
    );
}

#[test]
fn a_registry_that_is_down_or_plain_http_elsewhere_is_its_own_error() {
    let port = free_port();
    let fx = fixture_with(&format!("127.0.0.1:{port}/isa/agent:v1"));
    let out = run(&fx, &["set", "agent=:v2", "--verify-image"], &[]);
    assert_fails(
        &out,
        1,
        &format!("cannot reach the registry 127.0.0.1:{port}: over HTTPS"),
        "down",
    );
    let before = fx.remote_count();
    // A reference on a host that is not this machine is never asked over plain HTTP; here the
    // name does not resolve, and the error says HTTPS only.
    let out = run(
        &fx,
        &[
            "set",
            "agent=registry.invalid/isa/agent:v2",
            "--verify-image",
        ],
        &[],
    );
    assert_fails(&out, 1, "over HTTPS", "not loopback");
    assert!(String::from_utf8_lossy(&out.stderr)
        .contains("plain HTTP is used only for registries on this machine"));
    assert_eq!(fx.remote_count(), before);
    // A target that holds only a tag cannot be checked from `:TAG`: which repository?
    let app = "spec:\n  source:\n    helm:\n      parameters:\n        - name: image.tag\n          value: v1\n";
    fx.push_elsewhere("app.yaml", app, "app");
    let key = [
        "-f",
        "app.yaml",
        "--key",
        "spec.source.helm.parameters[name=image.tag].value",
        "--holds",
        "tag",
    ];
    let mut args = vec!["set", "agent=:v2", "--verify-image"];
    args.extend(key);
    let out = run(&fx, &args, &[]);
    assert_fails(
        &out,
        4,
        "app.yaml:6: the target holds only a tag",
        "tag only",
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("give the whole reference"));
}

/// One service held by a kustomization and Helm values, pinned from `.imgbump.yaml`
/// (`pin-digest` for production only, `verify` everywhere): every target kind takes the digest
/// in its own form.
#[test]
fn the_config_pins_every_target_kind_in_its_own_form() {
    let reg = RegistryServer::basic_tls();
    let host = reg.host();
    reg.push("isa/web", "v1", 1);
    let v2 = reg.push("isa/web", "v2", 2);
    let fx = Fixture::new();
    let other = fx.clone_elsewhere();
    let write = |p: &str, t: String| {
        let path = other.join(p);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, t).unwrap();
    };
    for env in ["staging", "production"] {
        write(&format!("overlays/{env}/kustomization.yaml"), format!("kind: Kustomization\nimages:\n  - name: isa-web\n    newName: {host}/isa/web\n    newTag: v1   # CI\n"));
        write(
            &format!("charts/web/values-{env}.yaml"),
            format!(
                "image:\n  registry: {host}\n  repository: isa/web\n  tag: v1\n  digest: \"\"\n"
            ),
        );
    }
    write(
        ".imgbump.yaml",
        "environments: [staging, production]\nservices:\n  web:\n    - manifest: overlays/{env}/kustomization.yaml\n      image-name: isa-web\n      verify: true\n      pin-digest: [production]\n    - manifest: charts/web/values-{env}.yaml\n      key: image\n      verify: true\n      pin-digest: [production]\n".to_string(),
    );
    git(&other, &["add", "-A"]);
    git(&other, &["commit", "-qm", "web"]);
    git(&other, &["push", "-q", "origin", "main"]);
    docker_login(&fx.home, &host, PASSWORD);
    let ca = reg.ca.clone().unwrap();
    let tls = [("SSL_CERT_FILE", ca.to_str().unwrap())];
    // Verified everywhere: a tag that does not exist is refused, in any environment.
    let out = run(&fx, &["set", "web=:v9", "--env", "staging"], &tls);
    assert_fails(&out, 4, "has no isa/web:v9", "verify from the config");
    // Staging: verified, not pinned.
    let out = run(&fx, &["set", "web=:v2", "--env", "staging"], &tls);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(fx
        .remote_file("overlays/staging/kustomization.yaml")
        .contains("    newTag: v2   # CI\n"));
    assert!(fx
        .remote_file("charts/web/values-staging.yaml")
        .contains("  tag: v2\n  digest: \"\"\n"));
    // Production: pinned, in each file's own form.
    let out = run(&fx, &["set", "web=:v2", "--env", "production"], &tls);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(
        fx.remote_file("overlays/production/kustomization.yaml"),
        format!("kind: Kustomization\nimages:\n  - name: isa-web\n    newName: {host}/isa/web\n    newTag: v2   # CI\n    digest: {v2}\n")
    );
    assert_eq!(
        fx.remote_file("charts/web/values-production.yaml"),
        format!(
            "image:\n  registry: {host}\n  repository: isa/web\n  tag: v2\n  digest: \"{v2}\"\n"
        )
    );
}

/// The action's bump step with `pin-digest: true` (and `verify-image` refusing a missing tag).
#[test]
fn the_action_verifies_and_pins() {
    let reg = RegistryServer::basic_tls();
    let host = reg.host();
    reg.push("isa/agent", "v1", 1);
    let v2 = reg.push("isa/agent", "v2", 1);
    let fx = fixture_with(&format!("{host}/isa/agent:v1"));
    docker_login(&fx.home, &host, PASSWORD);
    let ca = reg.ca.clone().unwrap();
    let bump = |inputs: &[(&str, &str)]| {
        let url = fx.url();
        let mut all = vec![("INPUT_REPO", url.as_str())];
        all.extend_from_slice(inputs);
        action_bump(&all)
            .env("HOME", &fx.home)
            .env("SSL_CERT_FILE", &ca)
            .output()
            .unwrap()
    };
    let out = bump(&[
        ("INPUT_SERVICE", "agent"),
        ("INPUT_IMAGE", ":v3"),
        ("INPUT_VERIFY_IMAGE", "true"),
    ]);
    assert_eq!(out.status.code(), Some(4), "{}", text(&out));
    let out = bump(&[
        ("INPUT_SERVICE", "agent"),
        ("INPUT_IMAGE", ":v2"),
        ("INPUT_PIN_DIGEST", "true"),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(
        agent_line(&fx),
        format!("image: {host}/isa/agent:v2@{v2}  # updated by repository_dispatch")
    );
}

/// A registry that sends no `Docker-Content-Digest`: the digest is the sha256 of the manifest
/// it serves. And a tag-only target is checked with the whole reference the pair gives.
#[test]
fn a_digest_without_the_header_and_a_tag_only_target() {
    const MANIFEST: &str = "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"sha256:aa\",\"size\":2},\"layers\":[]}";
    fn registry(head: &str, _port: u16) -> Vec<u8> {
        if head.starts_with("GET /v2/ ") {
            b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n".to_vec()
        } else if head.starts_with("HEAD /v2/isa/agent/manifests/v2 ") {
            format!("HTTP/1.1 200 OK\r\nContent-Type: application/vnd.oci.image.manifest.v1+json\r\nContent-Length: {}\r\n\r\n", MANIFEST.len()).into_bytes()
        } else if head.starts_with("GET /v2/isa/agent/manifests/v2 ") {
            format!("HTTP/1.1 200 OK\r\nContent-Type: application/vnd.oci.image.manifest.v1+json\r\nContent-Length: {}\r\n\r\n{MANIFEST}", MANIFEST.len()).into_bytes()
        } else {
            b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n".to_vec()
        }
    }
    let fake = Fake::start(registry);
    let host = format!("127.0.0.1:{}", fake.port);
    let fx = fixture_with(&format!("{host}/isa/agent:v1"));
    let out = run(&fx, &["set", "agent=:v2", "--pin-digest"], &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let want: String = {
        use sha2::Digest;
        sha2::Sha256::digest(MANIFEST.as_bytes())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    };
    assert_eq!(
        agent_line(&fx),
        format!("image: {host}/isa/agent:v2@sha256:{want}  # updated by repository_dispatch")
    );
    // The tag-only target: the pair's whole reference is checked, the tag written.
    let app = "spec:\n  source:\n    helm:\n      parameters:\n        - name: image.tag\n          value: v1\n";
    fx.push_elsewhere("app.yaml", app, "app");
    let key = [
        "-f",
        "app.yaml",
        "--key",
        "spec.source.helm.parameters[name=image.tag].value",
        "--holds",
        "tag",
    ];
    let full = format!("agent={host}/isa/agent:v2");
    let mut args = vec!["set", full.as_str(), "--verify-image"];
    args.extend(key);
    let out = run(&fx, &args, &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(fx.remote_file("app.yaml").contains("value: v2\n"));
    let missing = format!("agent={host}/isa/agent:v3");
    let mut args = vec!["set", missing.as_str(), "--verify-image"];
    args.extend(key);
    assert_fails(
        &run(&fx, &args, &[]),
        4,
        "has no isa/agent:v3",
        "tag-only, missing",
    );
}

/// A registry that drops a kept-alive connection when the next request arrives on it (its idle
/// timeout crossing the request, or a close the client had not seen yet when it pooled the
/// connection): the request is asked again on a new connection and the bump goes through.
#[test]
fn a_kept_alive_connection_the_registry_dropped_is_asked_again() {
    fn registry(head: &str, _port: u16) -> Vec<u8> {
        if head.starts_with("GET /v2/ ") {
            b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n".to_vec()
        } else if head.starts_with("HEAD /v2/isa/agent/manifests/v2 ") {
            format!("HTTP/1.1 200 OK\r\nDocker-Content-Digest: sha256:{}\r\nContent-Type: application/vnd.oci.image.manifest.v1+json\r\nContent-Length: 0\r\n\r\n", "7".repeat(64)).into_bytes()
        } else {
            b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n".to_vec()
        }
    }
    let fake = Fake::serve(registry, Conn::DroppedWhenReused);
    let host = format!("127.0.0.1:{}", fake.port);
    let fx = fixture_with(&format!("{host}/isa/agent:v1"));
    let out = run(&fx, &["set", "agent=:v2", "--pin-digest"], &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(
        agent_line(&fx),
        format!(
            "image: {host}/isa/agent:v2@sha256:{}  # updated by repository_dispatch",
            "7".repeat(64)
        )
    );
    let seen = fake.seen.lock().unwrap().clone();
    assert!(
        seen.iter()
            .any(|h| h.starts_with("DROPPED HEAD /v2/isa/agent/manifests/v2 ")),
        "the manifest request never met a dropped connection: {seen:?}"
    );
}

/// A registry that answers `429` with `Retry-After` is asked again after the wait it asks for
/// (here an HTTP date already past: at once, after the shortest wait), said on one line; a
/// `Retry-After` that is no wait at all (garbage) is not waited for.
#[test]
fn a_busy_registry_is_asked_again_after_its_retry_after() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static HEADS: AtomicUsize = AtomicUsize::new(0);
    fn busy(head: &str, _port: u16) -> Vec<u8> {
        if head.starts_with("GET /v2/ ") {
            return b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}".to_vec();
        }
        if head.starts_with("HEAD /v2/isa/agent/manifests/v2 ") {
            if HEADS.fetch_add(1, Ordering::SeqCst) == 0 {
                return b"HTTP/1.1 429 Too Many Requests\r\nRetry-After: Wed, 21 Oct 2015 07:28:00 GMT\r\nContent-Length: 0\r\n\r\n".to_vec();
            }
            return format!(
                "HTTP/1.1 200 OK\r\nDocker-Content-Digest: sha256:{}\r\nContent-Length: 0\r\n\r\n",
                "7".repeat(64)
            )
            .into_bytes();
        }
        if head.starts_with("HEAD /v2/isa/agent/manifests/v3 ") {
            return b"HTTP/1.1 429 Too Many Requests\r\nRetry-After: soon\r\nContent-Length: 0\r\n\r\n".to_vec();
        }
        b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n".to_vec()
    }
    let reg = Fake::start(busy);
    let fx = fixture_with(&format!("127.0.0.1:{}/isa/agent:v1", reg.port));
    let out = run(&fx, &["set", "agent=:v2", "--pin-digest"], &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(agent_line(&fx).contains(&format!(":v2@sha256:{}", "7".repeat(64))));
    let said: Vec<String> = String::from_utf8_lossy(&out.stderr)
        .lines()
        .filter(|l| l.contains("asks to wait"))
        .map(str::to_string)
        .collect();
    assert_eq!(said.len(), 1, "{}", text(&out));
    assert!(
        said[0].contains("answered HTTP 429 for isa/agent and asks to wait: waiting 0.5 s"),
        "{}",
        said[0]
    );
    assert_eq!(HEADS.load(Ordering::SeqCst), 2);
    let out = run(&fx, &["set", "agent=:v3", "--verify-image"], &[]);
    assert_fails(
        &out,
        1,
        "answered HTTP 429 for isa/agent:v3",
        "garbage Retry-After",
    );
    assert!(!text(&out).contains("asks to wait"), "{}", text(&out));
}
