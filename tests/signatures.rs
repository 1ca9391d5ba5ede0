//! cosign signatures read from a real registry and checked for one image digest: Debian's
//! `docker-registry` (distribution 2.8, which has no referrers API, so cosign v3 bundles are
//! found through the referrers tag schema) on 127.0.0.1, images pushed through its API, and
//! signatures stored as cosign stores them (tests/support/registry.py: v2 `.sig` tags with
//! simple-signing layers, v3 bundles as OCI artifacts), signed with keys `openssl` made.

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;

use imgbump::reference::Reference;
use imgbump::registry::signatures::Stored;
use imgbump::registry::{Registry, Settings};
use imgbump::trust::cosign::{self, Stored as Checked};
use imgbump::trust::{public_key_from_pem, Requirement, TrustErrorKind, TrustedRoot};
use support::*;

fn helper() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/support/registry.py")
}

/// `docker-registry` on 127.0.0.1 over plain HTTP without auth (auth and TLS are
/// tests/registry.rs's subject), with two ECDSA P-256 keys made by `openssl`.
struct Plain {
    dir: tempfile::TempDir,
    port: u16,
    _server: Owned,
}

impl Plain {
    fn start() -> Plain {
        let dir = tempfile::tempdir().unwrap();
        let port = free_port();
        let config = format!(
            "version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: {}\nhttp:\n  addr: 127.0.0.1:{port}\n",
            dir.path().join("data").display()
        );
        std::fs::write(dir.path().join("config.yml"), config).unwrap();
        let server = Owned::server(
            Command::new("docker-registry")
                .arg("serve")
                .arg(dir.path().join("config.yml")),
        );
        wait_for(port);
        for name in ["ci", "other"] {
            let key = format!("{name}.key");
            let ok = |args: &[&str]| {
                let out = Command::new("openssl")
                    .args(args)
                    .current_dir(dir.path())
                    .output()
                    .unwrap();
                assert!(
                    out.status.success(),
                    "openssl {args:?}: {}",
                    String::from_utf8_lossy(&out.stderr)
                );
            };
            ok(&[
                "genpkey",
                "-algorithm",
                "EC",
                "-pkeyopt",
                "ec_paramgen_curve:P-256",
                "-out",
                &key,
            ]);
            ok(&[
                "pkey",
                "-in",
                &key,
                "-pubout",
                "-out",
                &format!("{name}.pub"),
            ]);
        }
        Plain {
            dir,
            port,
            _server: server,
        }
    }

    fn base(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    fn reference(&self, repo: &str) -> Reference {
        format!("127.0.0.1:{}/{repo}:1", self.port).parse().unwrap()
    }

    fn python(&self, args: &[&str]) -> serde_json::Value {
        let out = Command::new("python3")
            .arg(helper())
            .args(args)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).unwrap()
    }

    /// Pushes `repo:tag` (an index of `platforms`); its digest and its platforms' digests.
    fn push(&self, repo: &str, tag: &str, platforms: u32) -> (String, Vec<String>) {
        let v = self.python(&[
            "push",
            &self.base(),
            repo,
            tag,
            &platforms.to_string(),
            "-",
            "-",
        ]);
        let platforms = v["platforms"]
            .as_array()
            .map(|a| a.iter().map(|d| d.as_str().unwrap().to_string()).collect());
        (
            v["digest"].as_str().unwrap().to_string(),
            platforms.unwrap_or_default(),
        )
    }

    /// Signs `digest` of `repo` as cosign `form` ("cosign-v2" | "cosign-v3") with `key`, the
    /// payload naming `signed` (the same digest, or another for a replay).
    fn sign(&self, form: &str, repo: &str, digest: &str, key: &str, signed: &str) {
        let key = self.dir.path().join(format!("{key}.key"));
        self.python(&[
            form,
            &self.base(),
            repo,
            digest,
            key.to_str().unwrap(),
            signed,
        ]);
    }

    fn key(&self, name: &str) -> Requirement {
        let pem = std::fs::read(self.dir.path().join(format!("{name}.pub"))).unwrap();
        Requirement::Key(public_key_from_pem(&pem).unwrap())
    }

    /// What the registry holds for `digest`, checked as `req` demands.
    fn verify(
        &self,
        repo: &str,
        digest: &str,
        req: &Requirement,
    ) -> (
        imgbump::registry::signatures::Signatures,
        Result<String, imgbump::trust::TrustError>,
    ) {
        let mut registry = Registry::new(Settings {
            timeout: std::time::Duration::from_secs(60),
            ..Settings::default()
        });
        let found = registry.signatures(&self.reference(repo), digest).unwrap();
        let checked: Vec<(String, Checked<'_>)> = found
            .found
            .iter()
            .map(|(w, s)| {
                let c = match s {
                    Stored::SimpleSigning {
                        payload,
                        annotations,
                    } => Checked::SimpleSigning {
                        payload,
                        annotations,
                    },
                    Stored::Bundle(b) => Checked::Bundle(b),
                };
                (w.clone(), c)
            })
            .collect();
        let root = TrustedRoot::public_good().unwrap();
        let result =
            cosign::verify_image(&checked, digest, req, &root, 2_000_000_000).map(|(w, _)| w);
        (found.clone(), result)
    }
}

#[test]
fn a_v2_tag_and_a_v3_bundle_each_verify_alone_and_another_key_does_not() {
    let r = Plain::start();
    let (v2, _) = r.push("team/v2only", "1", 1);
    let (v3, _) = r.push("team/v3only", "1", 1);
    r.sign("cosign-v2", "team/v2only", &v2, "ci", &v2);
    r.sign("cosign-v3", "team/v3only", &v3, "ci", &v3);

    let (found, ok) = r.verify("team/v2only", &v2, &r.key("ci"));
    let whence = ok.unwrap();
    assert!(
        whence.ends_with(&format!("team/v2only:sha256-{}.sig layer 1", &v2[7..])),
        "{whence}"
    );
    assert_eq!(found.found.len(), 1);
    assert!(
        !found.referrers_api,
        "distribution 2.8 has no referrers API"
    );

    let (found, ok) = r.verify("team/v3only", &v3, &r.key("ci"));
    assert!(ok.unwrap().contains("(sigstore bundle)"));
    assert!(!found.referrers_api);

    for (repo, digest) in [("team/v2only", &v2), ("team/v3only", &v3)] {
        let err = r.verify(repo, digest, &r.key("other")).1.unwrap_err();
        assert_eq!(err.kind, TrustErrorKind::Signature, "{err}");
        assert!(
            err.message.contains("does not verify with ECDSA P-256"),
            "{err}"
        );
    }
}

#[test]
fn unsigned_is_its_own_failure_and_a_replayed_signature_names_both_digests() {
    let r = Plain::start();
    let (image, _) = r.push("team/app", "1", 1);
    let (other, _) = r.push("team/app", "2", 1);
    let err = r.verify("team/app", &image, &r.key("ci")).1.unwrap_err();
    assert_eq!(err.kind, TrustErrorKind::Unsigned, "{err}");
    assert!(err.message.contains(&image), "{err}");
    // A valid signature of the other image, stored under this one's tag (v2) or subject (v3).
    r.sign("cosign-v2", "team/app", &image, "ci", &other);
    r.sign("cosign-v3", "team/app", &image, "ci", &other);
    let (found, result) = r.verify("team/app", &image, &r.key("ci"));
    assert_eq!(found.found.len(), 2);
    let err = result.unwrap_err();
    assert_eq!(err.kind, TrustErrorKind::Signature, "{err}");
    assert!(
        err.message
            .contains(&format!("its payload names {other}, not {image}")),
        "{err}"
    );
    assert!(
        err.message.contains(&format!("sha256:{}", &other[7..]))
            && err.message.contains("not for sha256:"),
        "{err}"
    );
    // Any one valid signature suffices: add the right one beside the replays.
    r.sign("cosign-v3", "team/app", &image, "ci", &image);
    let (found, result) = r.verify("team/app", &image, &r.key("ci"));
    assert_eq!(found.found.len(), 3);
    result.unwrap();
}

#[test]
fn an_index_is_verified_at_its_own_digest() {
    let r = Plain::start();
    let (index, platforms) = r.push("team/multi", "1", 2);
    assert_eq!(platforms.len(), 2);
    r.sign("cosign-v2", "team/multi", &index, "ci", &index);
    r.verify("team/multi", &index, &r.key("ci")).1.unwrap();
    // The index's signature is not a platform's.
    let err = r
        .verify("team/multi", &platforms[0], &r.key("ci"))
        .1
        .unwrap_err();
    assert_eq!(err.kind, TrustErrorKind::Unsigned, "{err}");
}

/// A registry of the test's own that answers every request from `answer(path)` (status, type,
/// body), one connection at a time, closing each.
fn fake(answer: fn(&str) -> (u16, &'static str, Vec<u8>)) -> u16 {
    use std::io::{BufRead, BufReader, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { return };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut first = String::new();
            let _ = reader.read_line(&mut first);
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                    break;
                }
            }
            let path = first.split(' ').nth(1).unwrap_or("").to_string();
            let (status, ct, body) = answer(&path);
            let head = format!("HTTP/1.1 {status} X\r\nContent-Type: {ct}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n", body.len());
            let _ = stream.write_all(head.as_bytes());
            let _ = stream.write_all(&body);
        }
    });
    port
}

const IMAGE: &str = "sha256:1111111111111111111111111111111111111111111111111111111111111111";

#[test]
fn a_registry_that_answers_other_bytes_for_a_digest_is_not_believed() {
    fn answer(path: &str) -> (u16, &'static str, Vec<u8>) {
        let layer = format!("sha256:{}", "2".repeat(64));
        match path {
            "/v2/" => (200, "application/json", b"{}".to_vec()),
            p if p.ends_with(".sig") => {
                let m = serde_json::json!({"schemaVersion": 2, "layers": [{"mediaType": "application/vnd.dev.cosign.simplesigning.v1+json", "digest": layer, "size": 8}]});
                (
                    200,
                    "application/vnd.oci.image.manifest.v1+json",
                    m.to_string().into_bytes(),
                )
            }
            p if p.ends_with(&layer) => (200, "application/octet-stream", b"tampered".to_vec()),
            _ => (404, "application/json", Vec::new()),
        }
    }
    let port = fake(answer);
    let mut registry = Registry::new(Settings {
        timeout: std::time::Duration::from_secs(60),
        ..Settings::default()
    });
    let reference: Reference = format!("127.0.0.1:{port}/team/app:1").parse().unwrap();
    let err = registry.signatures(&reference, IMAGE).unwrap_err();
    assert!(
        err.message.contains("answered other bytes for sha256:2222"),
        "{err}"
    );
    // Digests that are not lowercase sha256 are never put into a URL.
    let err = registry
        .signatures(&reference, "sha256:../../../v2/x")
        .unwrap_err();
    assert!(err.message.contains("is not a sha256 digest"), "{err}");
}

#[test]
fn a_referrer_of_another_image_listed_under_this_one_does_not_count() {
    fn answer(path: &str) -> (u16, &'static str, Vec<u8>) {
        let other = format!("sha256:{}", "3".repeat(64));
        let body =
            serde_json::json!({"schemaVersion": 2, "subject": {"digest": other}, "layers": []})
                .to_string()
                .into_bytes();
        let digest = {
            use sha2::Digest;
            format!(
                "sha256:{}",
                sha2::Sha256::digest(&body)
                    .iter()
                    .map(|b| format!("{b:02x}"))
                    .collect::<String>()
            )
        };
        match path {
            "/v2/" => (200, "application/json", b"{}".to_vec()),
            p if p.contains("/referrers/") => {
                let i = serde_json::json!({"schemaVersion": 2, "manifests": [{"digest": digest, "artifactType": "application/vnd.dev.sigstore.bundle.v0.3+json"}]});
                (
                    200,
                    "application/vnd.oci.image.index.v1+json",
                    i.to_string().into_bytes(),
                )
            }
            p if p.ends_with(&digest) => (200, "application/vnd.oci.image.manifest.v1+json", body),
            _ => (404, "application/json", Vec::new()),
        }
    }
    let port = fake(answer);
    let mut registry = Registry::new(Settings {
        timeout: std::time::Duration::from_secs(60),
        ..Settings::default()
    });
    let reference: Reference = format!("127.0.0.1:{port}/team/app:1").parse().unwrap();
    let found = registry.signatures(&reference, IMAGE).unwrap();
    assert!(found.referrers_api, "the referrers API answered");
    assert!(found.found.is_empty(), "{:?}", found.found);
}

// ---- the command line: `set --verify-signature` ----

/// The bundled example with `agent`'s image from the test registry.
fn fixture_with(image: &str) -> Fixture {
    let fx = Fixture::new();
    let text = fx.remote_file(AGENT).replace(
        "123456789012.dkr.ecr.us-east-1.amazonaws.com/isa-agent:sha-cbad391",
        image,
    );
    fx.push_elsewhere(AGENT, &text, "agent from the test registry");
    fx
}

fn agent_line(fx: &Fixture) -> String {
    fx.remote_file(AGENT)
        .lines()
        .find(|l| l.contains("# updated by repository_dispatch"))
        .unwrap()
        .trim()
        .to_string()
}

/// `imgbump set agent=:TAG`, requiring WORKFLOW's keyless signature from `issuer` under `root`.
fn set_keyless(fx: &Fixture, tag: &str, issuer: &str, root: &Path) -> std::process::Output {
    set_keyless_with(fx, tag, issuer, Some(root), &[])
}

/// [`set_keyless`], with `more` flags; without a trusted root, Sigstore's public one.
fn set_keyless_with(
    fx: &Fixture,
    tag: &str,
    issuer: &str,
    root: Option<&Path>,
    more: &[&str],
) -> std::process::Output {
    let pair = format!("agent=:{tag}");
    let mut args = vec![
        "set",
        &pair,
        "--verify-signature",
        "keyless",
        "--certificate-identity",
        WORKFLOW,
        "--certificate-oidc-issuer",
        issuer,
    ];
    if let Some(root) = root {
        args.extend(["--trusted-root", root.to_str().unwrap()]);
    }
    args.extend_from_slice(more);
    run(fx, &args, &[])
}

fn run(fx: &Fixture, args: &[&str], env: &[(&str, &str)]) -> std::process::Output {
    let mut c = fx.cmd();
    c.args(args)
        .arg("--repo")
        .arg(fx.url())
        .env_remove("IMGBUMP_VERIFY_SIGNATURE")
        .env_remove("IMGBUMP_REGISTRY_TOKEN");
    for (k, v) in env {
        c.env(k, v);
    }
    c.output().unwrap()
}

#[test]
fn set_writes_only_a_signed_image_and_pins_the_digest_it_verified() {
    let r = Plain::start();
    let host = format!("127.0.0.1:{}", r.port);
    let (v1, _) = r.push("isa/agent", "v1", 1);
    let (signed, _) = r.push("isa/agent", "v2", 1);
    let (unsigned, _) = r.push("isa/agent", "v3", 1);
    let (by_other, _) = r.push("isa/agent", "v4", 1);
    r.sign("cosign-v2", "isa/agent", &signed, "ci", &signed);
    r.sign("cosign-v3", "isa/agent", &by_other, "other", &by_other);
    let fx = fixture_with(&format!("{host}/isa/agent:v1"));
    let ci = r.dir.path().join("ci.pub");
    let key = format!("key:{}", ci.display());
    let before = fx.remote_count();

    // Unsigned: exit 4, what was required and what was found, nothing committed.
    let out = run(&fx, &["set", "agent=:v3", "--verify-signature", &key], &[]);
    assert_eq!(out.status.code(), Some(4), "{}", text(&out));
    let said = text(&out);
    assert!(said.contains(&format!("{host}/isa/agent:v3 (at {unsigned}) is not signed as required (signed with the key {})", ci.display())), "{said}");
    assert!(said.contains("has no cosign signature"), "{said}");
    // Signed by another key (v3 bundle): refused, naming the key's kind.
    let out = run(&fx, &["set", "agent=:v4", "--verify-signature", &key], &[]);
    assert_eq!(out.status.code(), Some(4), "{}", text(&out));
    assert!(
        text(&out).contains("does not verify with ECDSA P-256"),
        "{}",
        text(&out)
    );
    assert_eq!(fx.remote_count(), before, "a refused image commits nothing");
    assert_eq!(
        agent_line(&fx),
        format!("image: {host}/isa/agent:v1  # updated by repository_dispatch")
    );

    // Signed: written with the digest that was verified; the requirement from the environment.
    let out = run(
        &fx,
        &["set", "agent=:v2"],
        &[("IMGBUMP_VERIFY_SIGNATURE", &key)],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(
        agent_line(&fx),
        format!("image: {host}/isa/agent:v2@{signed}  # updated by repository_dispatch")
    );
    assert_eq!(fx.remote_count(), before + 1);

    // A rollback to v1 is held to the same requirement: unsigned, refused; signed, pinned.
    let out = run(&fx, &["rollback", "agent", "--verify-signature", &key], &[]);
    assert_eq!(out.status.code(), Some(4), "{}", text(&out));
    assert!(
        text(&out).contains(&format!(
            "{host}/isa/agent:v1 (at {v1}) is not signed as required"
        )),
        "{}",
        text(&out)
    );
    r.sign("cosign-v3", "isa/agent", &v1, "ci", &v1);
    let out = run(&fx, &["rollback", "agent", "--verify-signature", &key], &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(
        agent_line(&fx),
        format!("image: {host}/isa/agent:v1@{v1}  # updated by repository_dispatch")
    );
}

#[test]
fn a_signature_requirement_that_cannot_be_met_is_a_usage_error() {
    let fx = Fixture::new();
    let cases: &[(&[&str], &str)] = &[
        (
            &[
                "--verify-signature",
                "keyless",
                "--certificate-oidc-issuer",
                "https://x",
            ],
            "needs --certificate-identity",
        ),
        (
            &[
                "--verify-signature",
                "keyless",
                "--certificate-identity",
                "a@b",
            ],
            "needs --certificate-oidc-issuer",
        ),
        (
            &["--certificate-identity", "a@b"],
            "--certificate-identity needs --verify-signature",
        ),
        (
            &["--verify-signature", "key:/nonexistent/k.pub"],
            "cannot read it",
        ),
        (
            &["--verify-signature", "gpg"],
            "expected key:FILE or keyless",
        ),
        (
            &[
                "--verify-signature",
                "keyless",
                "--certificate-identity-regexp",
                "(",
                "--certificate-oidc-issuer",
                "x",
            ],
            "--certificate-identity-regexp \"(\"",
        ),
        (
            &[
                "--verify-signature",
                "keyless",
                "--certificate-identity",
                "a",
                "--certificate-oidc-issuer",
                "x",
                "--trusted-root",
                "/nonexistent.json",
            ],
            "--trusted-root /nonexistent.json",
        ),
    ];
    let before = fx.remote_count();
    for (flags, says) in cases {
        let mut args = vec!["set", "agent=:v2"];
        args.extend_from_slice(flags);
        let out = run(&fx, &args, &[]);
        assert_eq!(out.status.code(), Some(2), "{flags:?}: {}", text(&out));
        assert!(text(&out).contains(says), "{flags:?}: {}", text(&out));
    }
    assert_eq!(fx.remote_count(), before);
}

#[test]
fn promote_verifies_the_promoted_image_before_the_target_environment_gets_it() {
    let r = Plain::start();
    let host = format!("127.0.0.1:{}", r.port);
    let (unsigned, _) = r.push("isa/web", "v1", 1);
    let (signed, _) = r.push("isa/web", "v2", 1);
    r.sign("cosign-v2", "isa/web", &signed, "ci", &signed);
    let fx = Fixture::of("environments");
    let overlay = |env: &str| format!("deployments/kubernetes/overlays/{env}/kustomization.yaml");
    for (env, tag) in [("staging", "v1"), ("production", "v0")] {
        let text = fx
            .remote_file(&overlay(env))
            .replace(
                "123456789012.dkr.ecr.us-east-1.amazonaws.com/isa-web",
                &format!("{host}/isa/web"),
            )
            .replace("sha-1111111", tag);
        fx.push_elsewhere(&overlay(env), &text, "web from the test registry");
    }
    let key = format!("key:{}", r.dir.path().join("ci.pub").display());
    let before = fx.remote_count();
    let promote = [
        "promote",
        "web",
        "--from",
        "staging",
        "--to",
        "production",
        "--verify-signature",
        &key,
        "--create",
    ];
    let out = run(&fx, &promote, &[]);
    assert_eq!(out.status.code(), Some(4), "{}", text(&out));
    assert!(
        text(&out).contains(&format!("(at {unsigned}) is not signed as required")),
        "{}",
        text(&out)
    );
    assert_eq!(fx.remote_count(), before);
    // Staging moves to the signed v2; promoted, production gets it at the verified digest.
    let staging = fx
        .remote_file(&overlay("staging"))
        .replace("newTag: v1", "newTag: v2");
    fx.push_elsewhere(&overlay("staging"), &staging, "staging at v2");
    let out = run(&fx, &promote, &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let production = fx.remote_file(&overlay("production"));
    assert!(
        production.contains("newTag: v2") && production.contains(&signed),
        "{production}"
    );
}

// ---- `.imgbump.yaml`: `signature:` per target and environment ----

#[test]
fn the_repository_requires_a_signer_per_environment_and_the_command_line_adds_to_it() {
    let r = Plain::start();
    let host = format!("127.0.0.1:{}", r.port);
    r.push("isa/web", "v1", 1);
    let (v2, _) = r.push("isa/web", "v2", 1);
    r.sign("cosign-v3", "isa/web", &v2, "ci", &v2);
    let fx = Fixture::of("environments");
    let overlay = |env: &str| format!("deployments/kubernetes/overlays/{env}/kustomization.yaml");
    for env in ["staging", "production"] {
        let text = fx
            .remote_file(&overlay(env))
            .replace(
                "123456789012.dkr.ecr.us-east-1.amazonaws.com/isa-web",
                &format!("{host}/isa/web"),
            )
            .replace("sha-1111111", "v1");
        fx.push_elsewhere(&overlay(env), &text, "web from the test registry");
    }
    let read = |name: &str| std::fs::read_to_string(r.dir.path().join(name)).unwrap();
    fx.push_elsewhere("keys/staging.pub", &read("ci.pub"), "staging's key");
    fx.push_elsewhere(
        "keys/production.pub",
        &read("other.pub"),
        "production's key",
    );
    let config = fx.remote_file(".imgbump.yaml").replace(
        "      image-name: isa-web\n",
        "      image-name: isa-web\n      signature:\n        staging:\n          verify-signature: key:keys/staging.pub\n        production:\n          verify-signature: key:keys/production.pub\n",
    );
    fx.push_elsewhere(".imgbump.yaml", &config, "web must be signed");
    let before = fx.remote_count();

    // Production's key did not sign v2: refused, naming the key file in the repository.
    let out = run(&fx, &["set", "web=:v2", "--env", "production"], &[]);
    assert_eq!(out.status.code(), Some(4), "{}", text(&out));
    assert!(
        text(&out).contains("is not signed as required (signed with the key keys/production.pub)"),
        "{}",
        text(&out)
    );
    // The command line's requirement applies too: staging's key signed, the other did not.
    let other = format!("key:{}", r.dir.path().join("other.pub").display());
    let out = run(
        &fx,
        &[
            "set",
            "web=:v2",
            "--env",
            "staging",
            "--verify-signature",
            &other,
        ],
        &[],
    );
    assert_eq!(out.status.code(), Some(4), "{}", text(&out));
    assert!(
        text(&out).contains(&format!(
            "signed with the key {}",
            r.dir.path().join("other.pub").display()
        )),
        "{}",
        text(&out)
    );
    assert_eq!(fx.remote_count(), before);
    // Staging's key signed v2: written at the verified digest, without any flag.
    let out = run(
        &fx,
        &["set", "web=:v2", "--env", "staging", "--create"],
        &[],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let staging = fx.remote_file(&overlay("staging"));
    assert!(
        staging.contains("newTag: v2") && staging.contains(&v2),
        "{staging}"
    );

    // A key file the commit does not hold, or a setting it does not know: the config's error.
    let broken = config.replace("key:keys/production.pub", "key:keys/missing.pub");
    fx.push_elsewhere(".imgbump.yaml", &broken, "a key that is not there");
    let out = run(&fx, &["set", "web=:v2", "--env", "production"], &[]);
    assert_eq!(out.status.code(), Some(4), "{}", text(&out));
    assert!(text(&out).contains("signature: verify-signature key:keys/missing.pub: keys/missing.pub is not in the commit being edited"), "{}", text(&out));
    for (bad, says) in [
        (
            "verify-signature: key:keys/production.pub\n",
            "verify-signature: key:../outside.pub\n",
        ),
        ("        production:\n", "        qa:\n"),
    ] {
        let broken = config.replace(bad, says);
        fx.push_elsewhere(".imgbump.yaml", &broken, "a broken requirement");
        let out = run(&fx, &["set", "web=:v2", "--env", "production"], &[]);
        assert_eq!(out.status.code(), Some(4), "{}", text(&out));
        assert!(text(&out).contains(".imgbump.yaml"), "{}", text(&out));
    }
}

// ---- keyless: a test certificate authority, CT log and transparency log ----

const WORKFLOW: &str = "https://github.com/isa/isA_Agent/.github/workflows/ci.yaml@refs/heads/main";
const GHA: &str = "https://token.actions.githubusercontent.com";

#[test]
fn keyless_signatures_from_a_test_instance_verify_with_their_identity_and_nothing_else() {
    let r = Plain::start();
    let host = format!("127.0.0.1:{}", r.port);
    let pki = r.dir.path().join("pki");
    std::fs::create_dir(&pki).unwrap();
    r.python(&["keyless-pki", pki.to_str().unwrap()]);
    let root = pki.join("trusted_root.json");
    let mut images = Vec::new();
    for (tag, form, identity, flaws) in [
        ("v2", "v2", WORKFLOW, ""),
        ("v3", "v3", WORKFLOW, ""),
        ("expired", "v2", WORKFLOW, "expired"),
        ("tampered", "v3", WORKFLOW, "tampered-set"),
        (
            "someone",
            "v3",
            "https://github.com/evil/fork/.github/workflows/ci.yaml@refs/heads/main",
            "",
        ),
        ("intruder", "v2", "intruder@evil.example", ""),
    ] {
        let (digest, _) = r.push("isa/agent", tag, 1);
        r.python(&[
            "cosign-keyless",
            &r.base(),
            "isa/agent",
            &digest,
            form,
            identity,
            GHA,
            pki.to_str().unwrap(),
            flaws,
        ]);
        images.push((tag, digest));
    }
    r.push("isa/agent", "v1", 1);
    let fx = fixture_with(&format!("{host}/isa/agent:v1"));
    let keyless = |tag: &str, issuer: &str| set_keyless(&fx, tag, issuer, &root);
    let before = fx.remote_count();
    for (tag, says) in [
        (
            "expired",
            "the certificate was not valid when the signature was logged",
        ),
        (
            "tampered",
            "the signed entry timestamp of log entry 0 does not verify",
        ),
        ("someone", "signed by another identity"),
    ] {
        let out = keyless(tag, GHA);
        assert_eq!(out.status.code(), Some(4), "{tag}: {}", text(&out));
        assert!(text(&out).contains(says), "{tag}: {}", text(&out));
    }
    // Both workflow identities named in full: their `@` is in the path, not user info, while
    // a URL's real user info in the same message (a log served at `https://user:token@host/`,
    // named by the trusted root) is still hidden.
    let out = keyless("someone", GHA);
    assert!(
        text(&out).contains(&format!("required subject {WORKFLOW} from issuer {GHA}"))
            && text(&out).contains("the certificate names https://github.com/evil/fork/.github/workflows/ci.yaml@refs/heads/main (issuer"),
        "{}",
        text(&out)
    );
    let secret_root = pki.join("trusted_root_with_user_info.json");
    let json = std::fs::read_to_string(&root).unwrap();
    assert!(json.contains("\"https://rekor.test\""));
    let json = json.replace(
        "\"https://rekor.test\"",
        "\"https://imgbump:s3cr3t-t0ken@rekor.test/\"",
    );
    std::fs::write(&secret_root, json).unwrap();
    let pair = "agent=:tampered";
    let secret = secret_root.to_str().unwrap();
    let args = [
        "set",
        pair,
        "--verify-signature",
        "keyless",
        "--certificate-identity",
        WORKFLOW,
        "--certificate-oidc-issuer",
        GHA,
        "--trusted-root",
        secret,
    ];
    for output in ["text", "json"] {
        let out = run(&fx, &[&args[..], &["--output", output]].concat(), &[]);
        assert_eq!(out.status.code(), Some(4), "{}", text(&out));
        let shown = text(&out);
        assert!(
            shown.contains(&format!("(keyless, by {WORKFLOW} from {GHA})"))
                && shown.contains("does not verify with https://***@rekor.test/'s key")
                && !shown.contains("s3cr3t")
                && !shown.contains("//imgbump"),
            "{shown}"
        );
    }
    // Both identities named, as emails too.
    let out = run(
        &fx,
        &[
            "set",
            "agent=:intruder",
            "--verify-signature",
            "keyless",
            "--certificate-identity",
            "ci@isa.example",
            "--certificate-oidc-issuer",
            GHA,
            "--trusted-root",
            root.to_str().unwrap(),
        ],
        &[],
    );
    assert_eq!(out.status.code(), Some(4), "{}", text(&out));
    assert!(
        text(&out).contains("required subject ci@isa.example")
            && text(&out).contains("the certificate names intruder@evil.example"),
        "{}",
        text(&out)
    );
    let out = keyless("v2", "https://accounts.google.com");
    assert_eq!(out.status.code(), Some(4), "{}", text(&out));
    assert!(
        text(&out).contains("signed through another OIDC issuer"),
        "{}",
        text(&out)
    );
    // Without the test instance's root, the public-good one does not know its logs.
    let out = set_keyless(&fx, "v2", "https://accounts.google.com", &root);
    assert_eq!(out.status.code(), Some(4), "{}", text(&out));
    assert!(
        text(&out).contains("signed through another OIDC issuer"),
        "{}",
        text(&out)
    );
    // Without the test instance's root, the public-good one does not know its logs.
    let out = run(
        &fx,
        &[
            "set",
            "agent=:v2",
            "--verify-signature",
            "keyless",
            "--certificate-identity",
            WORKFLOW,
            "--certificate-oidc-issuer",
            GHA,
        ],
        &[],
    );
    assert_eq!(out.status.code(), Some(4), "{}", text(&out));
    assert_eq!(fx.remote_count(), before);
    // Valid, in either form: written at the verified digest.
    for (tag, digest) in images.iter().take(2) {
        let out = keyless(tag, GHA);
        assert_eq!(out.status.code(), Some(0), "{tag}: {}", text(&out));
        assert_eq!(
            agent_line(&fx),
            format!("image: {host}/isa/agent:{tag}@{digest}  # updated by repository_dispatch")
        );
    }
    // The GitHub workflow's repository and ref, as Fulcio's extensions name them.
    // (The target holds v3 now: each case below asks for a change.)
    for (flag, value, tag, ok) in [
        (
            "--certificate-github-workflow-repository",
            "isa/isA_Agent",
            "v2",
            true,
        ),
        (
            "--certificate-github-workflow-ref",
            "refs/heads/main",
            "v3",
            true,
        ),
        (
            "--certificate-github-workflow-repository",
            "evil/isA_Agent",
            "v2",
            false,
        ),
        (
            "--certificate-github-workflow-ref",
            "refs/heads/dev",
            "v2",
            false,
        ),
    ] {
        let count = fx.remote_count();
        let out = set_keyless_with(&fx, tag, GHA, Some(&root), &[flag, value]);
        assert_eq!(
            out.status.code(),
            Some(if ok { 0 } else { 4 }),
            "{flag} {value}: {}",
            text(&out)
        );
        assert_eq!(
            fx.remote_count(),
            count + usize::from(ok),
            "{flag} {value}: {}",
            text(&out)
        );
        assert!(
            ok || text(&out).contains("GitHub workflow"),
            "{}",
            text(&out)
        );
    }
}

// ---- signatures written by other tools ----

/// Whether `tool` is on PATH; when not, says that this test did not run and why (scripts/test
/// installs every such tool, so under it they always run).
fn have(tool: &str, install: &str) -> bool {
    let found = std::env::var_os("PATH")
        .is_some_and(|p| std::env::split_paths(&p).any(|d| d.join(tool).is_file()));
    if !found {
        eprintln!("SKIPPED: {tool} is not installed ({install}; scripts/test installs it)");
    }
    found
}

/// `skopeo copy` between repositories of the test registry, sigstore attachments on (as a
/// registries.d file says), its home in the registry's temporary directory.
fn skopeo_copy(r: &Plain, args: &[&str]) -> std::process::Output {
    let conf = r.dir.path().join("registries.d");
    std::fs::create_dir_all(&conf).unwrap();
    std::fs::write(
        conf.join("default.yaml"),
        "default-docker:\n  use-sigstore-attachments: true\n",
    )
    .unwrap();
    Command::new("skopeo")
        .env("HOME", r.dir.path())
        .arg("--insecure-policy")
        .arg("--registries.d")
        .arg(&conf)
        .args(["copy", "--src-tls-verify=false", "--dest-tls-verify=false"])
        .args(args)
        .output()
        .unwrap()
}

/// skopeo (Debian's, containers/image 5.23) writes cosign signatures its own way: it signs with
/// a cosign private key (`--sign-by-sigstore-private-key`) where it was built with sigstore,
/// and it copies an image's signatures with it (`use-sigstore-attachments`), writing the
/// `sha256-<hex>.sig` manifest anew. imgbump takes either under the right key, and refuses it
/// under another. Debian 12's skopeo 1.9.3 is built without sigstore signing (it answers
/// "creating signature: Debian-local change: sigstore disabled"): there, the signing half says
/// so and the copying half runs.
#[test]
fn signatures_skopeo_writes_verify_under_their_key_and_no_other() {
    if !have("skopeo", "Debian: apt-get install skopeo") {
        return;
    }
    let r = Plain::start();
    let host = format!("127.0.0.1:{}", r.port);
    let (digest, _) = r.push("isa/agent", "v2", 1);
    r.sign("cosign-v2", "isa/agent", &digest, "ci", &digest);
    r.push("isa/mirror", "v1", 1);
    let out = skopeo_copy(
        &r,
        &[
            &format!("docker://{host}/isa/agent:v2"),
            &format!("docker://{host}/isa/mirror:v2"),
        ],
    );
    assert!(out.status.success(), "skopeo copy: {}", text(&out));
    // The copy's signature manifest is skopeo's, not the bytes the helper wrote.
    let sig = |repo: &str| {
        let url = format!(
            "{}/v2/{repo}/manifests/sha256-{}.sig",
            r.base(),
            &digest[7..]
        );
        let out = Command::new("curl")
            .args([
                "-sf",
                "-H",
                "Accept: application/vnd.oci.image.manifest.v1+json",
                &url,
            ])
            .output()
            .unwrap();
        assert!(out.status.success(), "{url}");
        out.stdout
    };
    assert_ne!(sig("isa/agent"), sig("isa/mirror"));
    let mut keys = vec![(
        "skopeo's copy",
        digest.clone(),
        "v2",
        r.dir.path().join("ci.pub"),
    )];

    // skopeo's own signature, with a key in cosign's encrypted format.
    r.python(&["cosign-key", r.dir.path().to_str().unwrap(), "a passphrase"]);
    let key = r.dir.path().join("cosign.key");
    let pass = r.dir.path().join("cosign.password");
    let (signed, _) = r.push("isa/agent", "v3", 1);
    let out = skopeo_copy(
        &r,
        &[
            "--sign-by-sigstore-private-key",
            key.to_str().unwrap(),
            "--sign-passphrase-file",
            pass.to_str().unwrap(),
            &format!("docker://{host}/isa/agent:v3"),
            &format!("docker://{host}/isa/mirror:v3"),
        ],
    );
    if out.status.success() {
        keys.push((
            "skopeo's signature",
            signed.clone(),
            "v3",
            r.dir.path().join("cosign.pub"),
        ));
    } else {
        assert!(
            text(&out).contains("sigstore disabled"),
            "skopeo --sign-by-sigstore-private-key: {}",
            text(&out)
        );
        eprintln!("NOTE: this skopeo cannot sign with a sigstore key (built without sigstore): {signed} not signed by skopeo; its copying of signatures is checked");
    }

    let fx = fixture_with(&format!("{host}/isa/mirror:v1"));
    for (what, digest, tag, public) in &keys {
        let pair = format!("agent=:{tag}");
        let other = format!("key:{}", r.dir.path().join("other.pub").display());
        let before = fx.remote_count();
        let out = run(&fx, &["set", &pair, "--verify-signature", &other], &[]);
        assert_eq!(out.status.code(), Some(4), "{what}: {}", text(&out));
        assert!(
            text(&out).contains("does not verify with ECDSA P-256"),
            "{what}: {}",
            text(&out)
        );
        assert_eq!(fx.remote_count(), before, "{what}");
        let key = format!("key:{}", public.display());
        let out = run(&fx, &["set", &pair, "--verify-signature", &key], &[]);
        assert_eq!(out.status.code(), Some(0), "{what}: {}", text(&out));
        assert_eq!(
            agent_line(&fx),
            format!("image: {host}/isa/mirror:{tag}@{digest}  # updated by repository_dispatch"),
            "{what}"
        );
    }
}

/// sigstore-js (`@sigstore/sign` 3.1) signs keyless against `@sigstore/mock`'s Fulcio, CT log and
/// Rekor, offline (tests/support/sigstore-js.js, which also writes the mock instance's
/// trusted_root.json); the bundles are stored as cosign v3 stores them (OCI artifacts of type
/// application/vnd.dev.sigstore.bundle.v0.3+json, found through the referrers tag schema).
/// imgbump takes them with the signer's workflow identity and the mock's root, and nothing else.
#[test]
fn keyless_bundles_sigstore_js_made_verify_with_their_identity_and_root() {
    let modules =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("target/tools/sigstore-js/node_modules");
    if !have("node", "Debian: apt-get install nodejs") {
        return;
    }
    if !modules.join("@sigstore/mock").is_dir() {
        eprintln!("SKIPPED: sigstore-js is not installed (scripts/test-tools installs it; scripts/test runs that)");
        return;
    }
    let r = Plain::start();
    let host = format!("127.0.0.1:{}", r.port);
    let evil = "https://github.com/evil/fork/.github/workflows/ci.yaml@refs/heads/main";
    let (good, _) = r.push("isa/agent", "v2", 1);
    let (someone, _) = r.push("isa/agent", "someone", 1);
    let (replayed, _) = r.push("isa/agent", "replayed", 1);
    r.push("isa/agent", "v1", 1);
    let out_dir = r.dir.path().join("sigstore-js");
    std::fs::create_dir(&out_dir).unwrap();
    let out = Command::new("node")
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/support/sigstore-js.js"))
        .arg(&out_dir)
        .args([GHA, "isa/agent"])
        .arg(format!("{good}={WORKFLOW}"))
        .arg(format!("{someone}={evil}"))
        .env("NODE_PATH", &modules)
        .output()
        .unwrap();
    assert!(out.status.success(), "sigstore-js.js: {}", text(&out));
    let bundle = |digest: &str| out_dir.join(format!("{}.bundle.json", &digest[7..]));
    let store = |digest: &str, made_for: &str| {
        let file = bundle(made_for);
        r.python(&[
            "store-bundle",
            &r.base(),
            "isa/agent",
            digest,
            file.to_str().unwrap(),
        ]);
    };
    store(&good, &good);
    store(&someone, &someone);
    // The good image's bundle, listed under another image: its statement names another digest.
    store(&replayed, &good);
    let root = out_dir.join("trusted_root.json");
    let fx = fixture_with(&format!("{host}/isa/agent:v1"));
    let before = fx.remote_count();
    for (tag, root, says) in [
        (
            "someone",
            Some(root.as_path()),
            format!("signed by another identity: required subject {WORKFLOW}"),
        ),
        ("replayed", Some(root.as_path()), good[7..].to_string()),
        (
            "v2",
            None,
            "the signature is in no transparency log of the trusted root".to_string(),
        ),
    ] {
        let out = set_keyless_with(&fx, tag, GHA, root, &[]);
        assert_eq!(out.status.code(), Some(4), "{tag}: {}", text(&out));
        assert!(text(&out).contains(&says), "{tag}: {}", text(&out));
    }
    let out = set_keyless(&fx, "someone", GHA, &root);
    assert!(
        text(&out).contains(&format!("the certificate names {evil}")),
        "{}",
        text(&out)
    );
    let out = run(
        &fx,
        &[
            "set",
            "agent=:v2",
            "--verify-signature",
            "keyless",
            "--certificate-identity",
            WORKFLOW,
            "--certificate-oidc-issuer",
            "https://accounts.google.com",
            "--trusted-root",
            root.to_str().unwrap(),
        ],
        &[],
    );
    assert_eq!(out.status.code(), Some(4), "{}", text(&out));
    assert!(
        text(&out).contains("signed through another OIDC issuer"),
        "{}",
        text(&out)
    );
    assert_eq!(fx.remote_count(), before);

    let repository = ["--certificate-github-workflow-repository", "isa/isA_Agent"];
    let out = set_keyless_with(&fx, "v2", GHA, Some(&root), &repository);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(
        agent_line(&fx),
        format!("image: {host}/isa/agent:v2@{good}  # updated by repository_dispatch")
    );
    assert_eq!(fx.remote_count(), before + 1);
}

/// The Action's signature inputs reach imgbump through the environment: a keyless requirement
/// with the test instance's root lets the signed image in at its digest, and an identity full
/// of shell syntax is compared as written (never run) and refused.
#[test]
fn the_action_takes_the_signature_requirement_as_inputs() {
    let r = Plain::start();
    let host = format!("127.0.0.1:{}", r.port);
    let pki = r.dir.path().join("pki");
    std::fs::create_dir(&pki).unwrap();
    r.python(&["keyless-pki", pki.to_str().unwrap()]);
    let (digest, _) = r.push("isa/agent", "v2", 1);
    r.python(&[
        "cosign-keyless",
        &r.base(),
        "isa/agent",
        &digest,
        "v3",
        WORKFLOW,
        GHA,
        pki.to_str().unwrap(),
        "",
    ]);
    r.push("isa/agent", "v1", 1);
    let fx = fixture_with(&format!("{host}/isa/agent:v1"));
    let root = pki.join("trusted_root.json");
    let marker = r.dir.path().join("ran");
    let hostile = format!(
        "$(touch {}); `touch {}`",
        marker.display(),
        marker.display()
    );
    let bump = |identity: &str| {
        let url = fx.url();
        action_bump(&[
            ("INPUT_REPO", url.as_str()),
            ("INPUT_SERVICE", "agent"),
            ("INPUT_IMAGE", ":v2"),
            ("INPUT_VERIFY_SIGNATURE", "keyless"),
            ("INPUT_CERTIFICATE_IDENTITY", identity),
            ("INPUT_CERTIFICATE_OIDC_ISSUER", GHA),
            (
                "INPUT_CERTIFICATE_GITHUB_WORKFLOW_REPOSITORY",
                "isa/isA_Agent",
            ),
            ("INPUT_CERTIFICATE_GITHUB_WORKFLOW_REF", "refs/heads/main"),
            ("INPUT_TRUSTED_ROOT", root.to_str().unwrap()),
        ])
        .env("HOME", &fx.home)
        .env_remove("IMGBUMP_VERIFY_SIGNATURE")
        .output()
        .unwrap()
    };
    let before = fx.remote_count();
    let out = bump(&hostile);
    assert_eq!(out.status.code(), Some(4), "{}", text(&out));
    assert!(
        text(&out).contains(&format!("required subject {hostile} from issuer {GHA}")),
        "{}",
        text(&out)
    );
    assert!(!marker.exists());
    assert_eq!(fx.remote_count(), before);
    let out = bump(WORKFLOW);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(
        agent_line(&fx),
        format!("image: {host}/isa/agent:v2@{digest}  # updated by repository_dispatch")
    );
}

/// Rekor v2 entries (hashedrekord 0.0.2 over the DSSE PAE: an inclusion proof, no integrated
/// time, no SET) take their signed time from an RFC 3161 timestamp, here made by `openssl ts
/// -reply` as the test instance's timestamp authority. Without one there is no signed time; a
/// timestamp by an authority the root does not name refuses even a bundle that has a SET.
#[test]
fn rekor_v2_entries_take_their_time_from_a_timestamp_authority_of_the_root() {
    let r = Plain::start();
    let host = format!("127.0.0.1:{}", r.port);
    let pki = r.dir.path().join("pki");
    std::fs::create_dir(&pki).unwrap();
    r.python(&["keyless-pki", pki.to_str().unwrap()]);
    let mut digests = Vec::new();
    for (tag, flaws) in [
        ("v2", "rekor2,tsa"),
        ("untimed", "rekor2"),
        ("rogue", "rogue-tsa"),
        ("both", "tsa,rogue-tsa"),
    ] {
        let (digest, _) = r.push("isa/agent", tag, 1);
        r.python(&[
            "cosign-keyless",
            &r.base(),
            "isa/agent",
            &digest,
            "v3",
            WORKFLOW,
            GHA,
            pki.to_str().unwrap(),
            flaws,
        ]);
        digests.push(digest);
    }
    r.push("isa/agent", "v1", 1);
    let fx = fixture_with(&format!("{host}/isa/agent:v1"));
    let root = pki.join("trusted_root.json");
    let set = |tag: &str| set_keyless(&fx, tag, GHA, &root);
    let before = fx.remote_count();
    for (tag, says) in [
        ("untimed", "no transparency log entry or timestamp authority of the trusted root gives a signed time"),
        ("rogue", "an RFC 3161 timestamp does not verify with a timestamp authority of the trusted root (https://tsa.test: its signature does not verify with the authority's certificate)"),
        ("both", "an RFC 3161 timestamp does not verify"),
    ] {
        let out = set(tag);
        assert_eq!(out.status.code(), Some(4), "{tag}: {}", text(&out));
        assert!(text(&out).contains(says), "{tag}: {}", text(&out));
    }
    assert_eq!(fx.remote_count(), before);
    let out = set("v2");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(
        agent_line(&fx),
        format!(
            "image: {host}/isa/agent:v2@{}  # updated by repository_dispatch",
            digests[0]
        )
    );
}
