//! The signature room (`imgbump::trust`) against signatures imgbump did not make: real bundles
//! from other Sigstore clients on the public-good and scaffolding instances
//! (`../shared/corpus/sigstore`, expectations from sigstore-go's own tests), and, when
//! `IMGBUMP_SIGSTORE_CONFORMANCE` names a fetched copy of sigstore-conformance, its
//! `test/assets/bundle-verify` cases (not vendored: the suite has no licence).

use std::path::{Path, PathBuf};

use base64::Engine;
use imgbump::trust::{
    self, Artifact, Bundle, Identity, Matcher, Requirement, TrustErrorKind, TrustedRoot,
};
use regex::Regex;

mod support;

fn corpus(rel: &str) -> Vec<u8> {
    // ../shared beside the project (a worktree one level deeper finds it one further up).
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let shared = ["../shared", "../../shared"]
        .iter()
        .map(|s| root.join(s))
        .find(|p| p.is_dir());
    let p = shared
        .unwrap_or_else(|| root.join("../shared"))
        .join("corpus/sigstore")
        .join(rel);
    std::fs::read(&p).unwrap_or_else(|e| {
        panic!(
            "{}: {e} (these tests need ../shared beside the project)",
            p.display()
        )
    })
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

fn exact(subject: &str, issuer: &str) -> Identity {
    Identity {
        subject: Matcher::Exact(subject.into()),
        issuer: Matcher::Exact(issuer.into()),
        github_workflow_repository: None,
        github_workflow_ref: None,
    }
}

const GHA: &str = "https://token.actions.githubusercontent.com";
const SIGSTORE_JS: &str =
    "https://github.com/sigstore/sigstore-js/.github/workflows/release.yml@refs/heads/main";
/// The in-toto subject of the sigstore-js 2.0.0 provenance (the npm tarball's SHA-512).
const SIGSTORE_JS_SHA512: &str = "46d4e2f74c4877316640000a6fdf8a8b59f1e0847667973e9859f774dd31b8f1e0937813b777fb66a2ac67d50540fe34640966eee9fc2ccca387082b4c85cd3c";

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

fn sigstore_js() -> (Bundle, TrustedRoot, Vec<u8>) {
    (
        Bundle::from_json(&corpus(
            "bundles/sigstore.js@2.0.0-provenance.sigstore.json",
        ))
        .unwrap(),
        TrustedRoot::from_json(&corpus("trusted-roots/public-good.json")).unwrap(),
        unhex(SIGSTORE_JS_SHA512),
    )
}

#[test]
fn a_public_good_keyless_provenance_verifies_with_its_identity() {
    let (bundle, root, digest) = sigstore_js();
    let mut want = exact(SIGSTORE_JS, GHA);
    want.github_workflow_repository = Some("sigstore/sigstore-js".into());
    want.github_workflow_ref = Some("refs/heads/main".into());
    let v = trust::verify(
        &bundle,
        Artifact::Digest("sha512", &digest),
        &Requirement::Keyless(want),
        &root,
        now(),
    )
    .unwrap();
    assert_eq!(v.integrated_time, Some(1692374735));
    assert!(
        v.signer.contains(SIGSTORE_JS) && v.signer.contains(GHA),
        "{}",
        v.signer
    );
    // The shipped root is the same public-good instance.
    let shipped = TrustedRoot::public_good().unwrap();
    let want = exact(SIGSTORE_JS, GHA);
    trust::verify(
        &bundle,
        Artifact::Digest("sha512", &digest),
        &Requirement::Keyless(want),
        &shipped,
        now(),
    )
    .unwrap();
}

#[test]
fn another_identity_issuer_repository_or_ref_is_refused_naming_both() {
    let (bundle, root, digest) = sigstore_js();
    let art = Artifact::Digest("sha512", &digest);
    let other = "https://github.com/evil/sigstore-js/.github/workflows/release.yml@refs/heads/main";
    let cases: Vec<(Identity, &str)> = vec![
        (exact(other, GHA), "another identity"),
        (
            exact(SIGSTORE_JS, "https://accounts.google.com"),
            "another OIDC issuer",
        ),
        (
            Identity {
                github_workflow_repository: Some("evil/sigstore-js".into()),
                ..exact(SIGSTORE_JS, GHA)
            },
            "another GitHub workflow repository",
        ),
        (
            Identity {
                github_workflow_ref: Some("refs/heads/dev".into()),
                ..exact(SIGSTORE_JS, GHA)
            },
            "another ref",
        ),
        (
            Identity {
                subject: Matcher::Regexp(
                    Regex::new("^https://github.com/sigstore/other/").unwrap(),
                ),
                ..exact(SIGSTORE_JS, GHA)
            },
            "another identity",
        ),
    ];
    for (want, says) in cases {
        let err =
            trust::verify(&bundle, art, &Requirement::Keyless(want), &root, now()).unwrap_err();
        assert_eq!(err.kind, TrustErrorKind::Identity, "{err}");
        assert!(
            err.message.contains(says) && err.message.contains(SIGSTORE_JS),
            "{err}"
        );
    }
    let re = Identity {
        subject: Matcher::Regexp(Regex::new("^https://github.com/sigstore/sigstore-js/").unwrap()),
        issuer: Matcher::Regexp(
            Regex::new(r"^https://token\.actions\.githubusercontent\.com$").unwrap(),
        ),
        ..exact(SIGSTORE_JS, GHA)
    };
    trust::verify(&bundle, art, &Requirement::Keyless(re), &root, now()).unwrap();
}

#[test]
fn another_artifact_another_root_or_a_key_requirement_is_refused() {
    let (bundle, root, mut digest) = sigstore_js();
    let want = || Requirement::Keyless(exact(SIGSTORE_JS, GHA));
    digest[0] ^= 1;
    let err = trust::verify(
        &bundle,
        Artifact::Digest("sha512", &digest),
        &want(),
        &root,
        now(),
    )
    .unwrap_err();
    assert_eq!(err.kind, TrustErrorKind::Signature, "{err}");
    assert!(err.message.contains("not for sha512:"), "{err}");
    digest[0] ^= 1;
    let scaffolding = TrustedRoot::from_json(&corpus("trusted-roots/scaffolding.json")).unwrap();
    let err = trust::verify(
        &bundle,
        Artifact::Digest("sha512", &digest),
        &want(),
        &scaffolding,
        now(),
    )
    .unwrap_err();
    assert_eq!(err.kind, TrustErrorKind::Tlog, "{err}");
    let key = trust::public_key_from_pem(
        b"-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE2G2Y+2tabdTV5BcGiBIx0a9fAFwrkBbmLSGtks4L3qX6yYY0zufBnhC8Ur/iy55GhWP/9A/bY2LhC30M9+RYtw==\n-----END PUBLIC KEY-----\n",
    )
    .unwrap();
    let err = trust::verify(
        &bundle,
        Artifact::Digest("sha512", &digest),
        &Requirement::Key(key),
        &root,
        now(),
    )
    .unwrap_err();
    assert_eq!(err.kind, TrustErrorKind::Signature, "{err}");
}

/// The bundle's JSON with one base64 field's decoded bytes changed.
fn tampered(json: &[u8], field: &str) -> Vec<u8> {
    let mut v: serde_json::Value = serde_json::from_slice(json).unwrap();
    let b64 = base64::engine::general_purpose::STANDARD;
    let slot = v.pointer_mut(field).unwrap();
    let mut bytes = b64.decode(slot.as_str().unwrap()).unwrap();
    let n = bytes.len();
    bytes[n / 2] ^= 0x10;
    *slot = serde_json::Value::String(b64.encode(bytes));
    serde_json::to_vec(&v).unwrap()
}

#[test]
fn a_tampered_log_entry_certificate_or_signature_is_refused() {
    let (_, root, digest) = sigstore_js();
    let json = corpus("bundles/sigstore.js@2.0.0-provenance.sigstore.json");
    let cases = [
        (
            "/verificationMaterial/tlogEntries/0/inclusionPromise/signedEntryTimestamp",
            TrustErrorKind::Tlog,
        ),
        (
            "/verificationMaterial/tlogEntries/0/canonicalizedBody",
            TrustErrorKind::Tlog,
        ),
        (
            "/verificationMaterial/tlogEntries/0/inclusionProof/hashes/0",
            TrustErrorKind::Tlog,
        ),
        ("/dsseEnvelope/signatures/0/sig", TrustErrorKind::Signature),
        ("/dsseEnvelope/payload", TrustErrorKind::Signature),
    ];
    for (field, kind) in cases {
        let bundle = match Bundle::from_json(&tampered(&json, field)) {
            Ok(b) => b,
            Err(e) => panic!("{field}: {e}"),
        };
        let err = trust::verify(
            &bundle,
            Artifact::Digest("sha512", &digest),
            &Requirement::Keyless(exact(SIGSTORE_JS, GHA)),
            &root,
            now(),
        )
        .err()
        .unwrap_or_else(|| panic!("{field} tampered yet verified"));
        assert_eq!(err.kind, kind, "{field}: {err}");
    }
}

/// The public-good root with one JSON field replaced.
fn root_with(pointer: &str, value: serde_json::Value) -> TrustedRoot {
    let mut v: serde_json::Value =
        serde_json::from_slice(&corpus("trusted-roots/public-good.json")).unwrap();
    *v.pointer_mut(pointer)
        .unwrap_or_else(|| panic!("{pointer}")) = value;
    TrustedRoot::from_json(&serde_json::to_vec(&v).unwrap()).unwrap()
}

#[test]
fn authorities_and_logs_count_only_inside_the_time_the_root_trusts_them() {
    let (bundle, _, digest) = sigstore_js();
    let art = Artifact::Digest("sha512", &digest);
    let want = || Requirement::Keyless(exact(SIGSTORE_JS, GHA));
    // Signed 2023-08-18: the CA that issued it trusted only from 2024 on.
    let later = serde_json::json!({"start": "2024-01-01T00:00:00Z"});
    let root = root_with("/certificateAuthorities/1/validFor", later.clone());
    let err = trust::verify(&bundle, art, &want(), &root, now()).unwrap_err();
    assert_eq!(err.kind, TrustErrorKind::Certificate, "{err}");
    assert!(
        err.message.contains("valid at 2023-08-18T16:05:35Z"),
        "{err}"
    );
    // The CT log's key trusted only from 2024 on: its SCT does not count.
    let root = root_with("/ctlogs/1/publicKey/validFor", later.clone());
    let err = trust::verify(&bundle, art, &want(), &root, now()).unwrap_err();
    assert!(
        err.message.contains("none of the certificate's 1 SCTs"),
        "{err}"
    );
    // Rekor's key trusted only from 2024 on.
    let root = root_with("/tlogs/0/publicKey/validFor", later);
    let err = trust::verify(&bundle, art, &want(), &root, now()).unwrap_err();
    assert_eq!(err.kind, TrustErrorKind::Tlog, "{err}");
    assert!(err.message.contains("outside the time"), "{err}");
    // Verified "now" before the log says it integrated the entry: in the future.
    let err = trust::verify(
        &bundle,
        art,
        &want(),
        &TrustedRoot::public_good().unwrap(),
        1692374735 - 3600,
    )
    .unwrap_err();
    assert!(err.message.contains("in the future"), "{err}");
}

#[test]
fn an_email_identity_and_an_othername_san() {
    let dsse = Bundle::from_json(&corpus("bundles/dsse.sigstore.json")).unwrap();
    let root = TrustedRoot::from_json(&corpus("trusted-roots/public-good.json")).unwrap();
    let subject = unhex("bbfd372fc9beeb777fe35d05bb10c0c70a9733d366a75fed7dd18866c7391de3ee7e88ba74dd47abf3e15c845e547fcf0e5c3da80854c751554224d3a6d4e55f");
    let want = Requirement::Keyless(exact("brian@dehamer.com", "https://github.com/login/oauth"));
    trust::verify(
        &dsse,
        Artifact::Digest("sha512", &subject),
        &want,
        &root,
        now(),
    )
    .unwrap();
    // An otherName SAN is neither a URI nor an email: no identity matches it.
    let other = Bundle::from_json(&corpus("bundles/othername.sigstore.json")).unwrap();
    let scaffolding = TrustedRoot::from_json(&corpus("trusted-roots/scaffolding.json")).unwrap();
    let digest = unhex("bc103b4a84971ef6459b294a2b98568a2bfb72cded09d4acd1e16366a401f95b");
    let want = Requirement::Keyless(exact("foo@oidc.local", "http://oidc.local:8080"));
    let err = trust::verify(
        &other,
        Artifact::Digest("sha256", &digest),
        &want,
        &scaffolding,
        now(),
    )
    .unwrap_err();
    assert_eq!(err.kind, TrustErrorKind::Identity, "{err}");
    assert!(err.message.contains("http://oidc.local:8080"), "{err}");
}

#[test]
fn two_dsse_signatures_are_refused() {
    let err = Bundle::from_json(&corpus("bundles/dsse-2sigs.sigstore.json"))
        .err()
        .unwrap();
    assert_eq!(err.kind, TrustErrorKind::Bundle);
    assert!(err.message.contains("2 signatures"), "{err}");
}

#[test]
fn a_keyed_bundle_with_only_a_timestamp_authority_time_verifies_by_its_key() {
    // sigstore-go's public-key-validity bundle: signed "test content" with a key, no log entry.
    let bundle = Bundle::from_json(&corpus("bundles/public-key-validity.sigstore.json")).unwrap();
    let root = TrustedRoot::from_json(&corpus("trusted-roots/public-key-validity.json")).unwrap();
    let wrong = trust::public_key_from_pem(
        b"-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE2G2Y+2tabdTV5BcGiBIx0a9fAFwrkBbmLSGtks4L3qX6yYY0zufBnhC8Ur/iy55GhWP/9A/bY2LhC30M9+RYtw==\n-----END PUBLIC KEY-----\n",
    )
    .unwrap();
    let err = trust::verify(
        &bundle,
        Artifact::Bytes(b"test content"),
        &Requirement::Key(wrong),
        &root,
        now(),
    )
    .unwrap_err();
    assert_eq!(err.kind, TrustErrorKind::Signature, "{err}");
    let err = trust::verify(
        &bundle,
        Artifact::Bytes(b"other content"),
        &Requirement::Keyless(exact("a", "b")),
        &root,
        now(),
    )
    .unwrap_err();
    assert_eq!(err.kind, TrustErrorKind::Identity, "{err}");
}

// ---- sigstore-conformance, from a fetched copy ----

const CONFORMANCE_IDENTITY: &str = "https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main";

/// Runs one case; `Ok` when it verified.
fn conformance_case(dir: &Path, default_artifact: &[u8]) -> Result<(), String> {
    let read = |f: &str| std::fs::read(dir.join(f)).ok();
    let text = |f: &str, d: &str| {
        read(f)
            .map(|b| String::from_utf8_lossy(&b).trim().to_string())
            .unwrap_or(d.into())
    };
    let artifact = read("artifact").unwrap_or_else(|| default_artifact.to_vec());
    let root = match read("trusted_root.json") {
        Some(j) => TrustedRoot::from_json(&j),
        None => TrustedRoot::public_good(),
    }
    .map_err(|e| e.to_string())?;
    let bundle = Bundle::from_json(&read("bundle.sigstore.json").unwrap_or_default())
        .map_err(|e| e.to_string())?;
    let req = match read("key.pub") {
        Some(pem) => {
            Requirement::Key(trust::public_key_from_pem(&pem).ok_or("key.pub is not a key")?)
        }
        None => Requirement::Keyless(exact(
            &text("identity", CONFORMANCE_IDENTITY),
            &text("issuer", GHA),
        )),
    };
    trust::verify(&bundle, Artifact::Bytes(&artifact), &req, &root, now())
        .map(|_| ())
        .map_err(|e| e.to_string())
}

#[test]
fn sigstore_conformance_bundle_verify_cases() {
    let Some(base) = std::env::var_os("IMGBUMP_SIGSTORE_CONFORMANCE") else {
        eprintln!("IMGBUMP_SIGSTORE_CONFORMANCE not set: the conformance cases are not run");
        return;
    };
    let cases = PathBuf::from(base).join("test/assets/bundle-verify");
    let default_artifact = std::fs::read(cases.join("a.txt")).expect("a.txt in bundle-verify");
    let mut names: Vec<_> = std::fs::read_dir(&cases)
        .unwrap()
        .map(|e| e.unwrap())
        .filter(|e| e.path().is_dir())
        .map(|e| e.file_name().to_string_lossy().to_string())
        .collect();
    names.sort();
    let (mut passed, mut wrong) = (0, Vec::new());
    for name in &names {
        let result = conformance_case(&cases.join(name), &default_artifact);
        // Every case, Rekor v2 entries and RFC 3161 timestamps included.
        let must_fail = name.ends_with("_fail");
        match (&result, must_fail) {
            (Ok(()), false) | (Err(_), true) => passed += 1,
            (Ok(()), true) => wrong.push(format!("{name}: verified, must fail")),
            (Err(e), false) => wrong.push(format!("{name}: {e}")),
        }
        eprintln!(
            "{name}: {}",
            result.err().unwrap_or_else(|| "verified".into())
        );
    }
    eprintln!("conformance: {passed} of {} as expected", names.len());
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    assert!(names.len() >= 60, "only {} cases found", names.len());
}

/// cosign v2's annotations for a keyless signature, made from a real bundle's parts: the
/// signature, the certificate in PEM, and the Rekor bundle (SET and entry).
fn v2_annotations(bundle_json: &[u8], set_tamper: bool) -> Vec<(String, String)> {
    let v: serde_json::Value = serde_json::from_slice(bundle_json).unwrap();
    let b64 = base64::engine::general_purpose::STANDARD;
    let der = b64
        .decode(
            v.pointer("/verificationMaterial/certificate/rawBytes")
                .unwrap()
                .as_str()
                .unwrap(),
        )
        .unwrap();
    let pem = openssl::x509::X509::from_der(&der)
        .unwrap()
        .to_pem()
        .unwrap();
    let e = v.pointer("/verificationMaterial/tlogEntries/0").unwrap();
    let log_id = b64
        .decode(e.pointer("/logId/keyId").unwrap().as_str().unwrap())
        .unwrap();
    let mut set = b64
        .decode(
            e.pointer("/inclusionPromise/signedEntryTimestamp")
                .unwrap()
                .as_str()
                .unwrap(),
        )
        .unwrap();
    if set_tamper {
        set[12] ^= 1;
    }
    let rekor = serde_json::json!({
        "SignedEntryTimestamp": b64.encode(set),
        "Payload": {
            "body": e["canonicalizedBody"],
            "integratedTime": e["integratedTime"].as_str().unwrap().parse::<i64>().unwrap(),
            "logIndex": e["logIndex"].as_str().unwrap().parse::<i64>().unwrap(),
            "logID": log_id.iter().map(|b| format!("{b:02x}")).collect::<String>(),
        }
    });
    vec![
        (
            trust::cosign::SIGNATURE.into(),
            v.pointer("/messageSignature/signature")
                .unwrap()
                .as_str()
                .unwrap()
                .into(),
        ),
        (
            trust::cosign::CERTIFICATE.into(),
            String::from_utf8(pem).unwrap(),
        ),
        (trust::cosign::REKOR_BUNDLE.into(), rekor.to_string()),
    ]
}

#[test]
fn cosign_v2_keyless_annotations_carry_the_certificate_and_the_signed_entry_timestamp() {
    let json = corpus("bundles/othername.sigstore.json");
    let root = TrustedRoot::from_json(&corpus("trusted-roots/scaffolding.json")).unwrap();
    let digest = unhex("bc103b4a84971ef6459b294a2b98568a2bfb72cded09d4acd1e16366a401f95b");
    let art = Artifact::Digest("sha256", &digest);
    let want = || Requirement::Keyless(exact("foo!oidc.local", "http://oidc.local:8080"));
    // Signature, chain, SCT and SET all verify; only the otherName identity is no URI/email.
    let bundle = trust::cosign::simple_signing_bundle(&v2_annotations(&json, false)).unwrap();
    let err = trust::verify(&bundle, art, &want(), &root, now()).unwrap_err();
    assert_eq!(err.kind, TrustErrorKind::Identity, "{err}");
    let bundle = trust::cosign::simple_signing_bundle(&v2_annotations(&json, true)).unwrap();
    let err = trust::verify(&bundle, art, &want(), &root, now()).unwrap_err();
    assert_eq!(err.kind, TrustErrorKind::Tlog, "{err}");
    // Without the Rekor bundle there is no signed time: keyless is refused.
    let mut no_log = v2_annotations(&json, false);
    no_log.pop();
    let bundle = trust::cosign::simple_signing_bundle(&no_log).unwrap();
    let err = trust::verify(&bundle, art, &want(), &root, now()).unwrap_err();
    assert!(
        err.message
            .contains("in no transparency log of the trusted root"),
        "{err}"
    );
    // A payload that names another image is refused before any signature is checked.
    let p = trust::cosign::payload_for(
        "r/a",
        "sha256:1111111111111111111111111111111111111111111111111111111111111111",
    );
    let err = trust::cosign::check_payload(
        &p,
        "sha256:2222222222222222222222222222222222222222222222222222222222222222",
    )
    .unwrap_err();
    assert!(err.message.contains("another image"), "{err}");
}

// ---- the shipped root, as `imgbump --version -v` shows it ----

#[test]
fn version_with_v_says_when_the_shipped_root_was_taken_and_what_it_holds() {
    let run = |args: &[&str]| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_imgbump"))
            .args(args)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{args:?}: {out:?}");
        String::from_utf8(out.stdout).unwrap()
    };
    let source = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/sigstore/trusted_root.source"),
    )
    .unwrap();
    let taken = source
        .lines()
        .find_map(|l| l.strip_prefix("taken: "))
        .unwrap();
    let shipped = std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/sigstore/trusted_root.json"),
    )
    .unwrap();
    let digest = openssl::sha::sha256(&shipped)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect::<String>();
    let plain = run(&["--version"]);
    assert_eq!(plain, format!("imgbump {}\n", env!("CARGO_PKG_VERSION")));
    assert_eq!(run(&["-V"]), plain);
    for args in [
        &["--version", "-v"][..],
        &["-V", "-v"],
        &["-vV"],
        &["--verbose", "--version"],
        &["set", "--version", "-v"],
    ] {
        let said = run(args);
        let first = if args[0] == "set" {
            plain.replacen("imgbump", "imgbump-set", 1)
        } else {
            plain.clone()
        };
        assert!(said.starts_with(&first), "{args:?}: {said}");
        assert!(
            said.contains(&format!(
                "sigstore trusted root (public-good, built in): taken {taken}, sha256:{digest}"
            )) && said.contains("https://github.com/sigstore/sigstore-go/")
                && said.contains("transparency log")
                && said.contains("the newest trusted from 20")
                && said.contains("scripts/refresh-trusted-root"),
            "{args:?}: {said}"
        );
    }
}

// ---- scripts/refresh-trusted-root, against a TUF repository's layout on loopback ----

/// A TUF repository as Sigstore's CDN lays it out (consistent snapshots), holding `root` as
/// the target `trusted_root.json`; `flaw` spoils one link of the chain.
fn tuf_repository(dir: &Path, root: &[u8], flaw: &str) {
    let sha256 = |b: &[u8]| {
        openssl::sha::sha256(b)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    };
    let expires = if flaw == "expired" {
        "2020-01-01T00:00:00Z"
    } else {
        "2999-01-01T00:00:00Z"
    };
    let signed = |v: serde_json::Value| {
        serde_json::to_vec(&serde_json::json!({"signed": v, "signatures": []})).unwrap()
    };
    std::fs::create_dir_all(dir.join("targets")).unwrap();
    let served = if flaw == "other-target" {
        b"{\"mediaType\": \"application/vnd.dev.sigstore.trustedroot+json;version=0.1\"}".to_vec()
    } else {
        root.to_vec()
    };
    std::fs::write(
        dir.join(format!("targets/{}.trusted_root.json", sha256(root))),
        served,
    )
    .unwrap();
    let targets = signed(
        serde_json::json!({"_type": "targets", "version": 7, "expires": expires,
        "targets": {"trusted_root.json": {"length": root.len(), "hashes": {"sha256": sha256(root)}}}}),
    );
    std::fs::write(dir.join("7.targets.json"), &targets).unwrap();
    let snapshot = signed(
        serde_json::json!({"_type": "snapshot", "version": 9, "expires": "2999-01-01T00:00:00Z",
        "meta": {"targets.json": {"version": 7}}}),
    );
    std::fs::write(dir.join("9.snapshot.json"), &snapshot).unwrap();
    let named = if flaw == "other-snapshot" {
        sha256(b"another")
    } else {
        sha256(&snapshot)
    };
    let timestamp = signed(
        serde_json::json!({"_type": "timestamp", "version": 11, "expires": "2999-01-01T00:00:00Z",
        "meta": {"snapshot.json": {"version": 9, "length": snapshot.len(), "hashes": {"sha256": named}}}}),
    );
    std::fs::write(dir.join("timestamp.json"), timestamp).unwrap();
}

#[test]
fn the_refresh_script_takes_the_root_a_tuf_repository_names_and_nothing_else() {
    use support::{free_port, wait_for, Owned};
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    let shipped = std::fs::read(manifest.join("assets/sigstore/trusted_root.json")).unwrap();
    for flaw in ["", "expired", "other-target", "other-snapshot"] {
        let tmp = tempfile::tempdir().unwrap();
        let (repo, dest) = (tmp.path().join("tuf"), tmp.path().join("dest"));
        std::fs::create_dir(&dest).unwrap();
        tuf_repository(&repo, &shipped, flaw);
        let port = free_port();
        let _server = Owned::server(
            std::process::Command::new("python3")
                .args(["-m", "http.server", "--bind", "127.0.0.1"])
                .arg(port.to_string())
                .arg("--directory")
                .arg(&repo),
        );
        wait_for(port);
        let out = std::process::Command::new(manifest.join("scripts/refresh-trusted-root"))
            .args(["--tuf", &format!("http://127.0.0.1:{port}/"), "--dest"])
            .arg(&dest)
            .output()
            .unwrap();
        let said = String::from_utf8_lossy(&out.stderr);
        if flaw.is_empty() {
            assert!(out.status.success(), "{said}");
            assert_eq!(
                std::fs::read(dest.join("trusted_root.json")).unwrap(),
                shipped
            );
            let source = std::fs::read_to_string(dest.join("trusted_root.source")).unwrap();
            assert!(
                source.starts_with("taken: 20")
                    && source.contains(&format!("from: http://127.0.0.1:{port}/targets/"))
                    && source.contains("(targets.json version 7)"),
                "{source}"
            );
        } else {
            assert_eq!(out.status.code(), Some(1), "{flaw}: {said}");
            let why = match flaw {
                "expired" => "7.targets.json expired at 2020-01-01T00:00:00Z",
                "other-target" => "bytes, its parent names",
                _ => "9.snapshot.json: its sha256 is not the",
            };
            assert!(
                said.contains(why) && said.contains("nothing was written"),
                "{flaw}: {said}"
            );
            assert_eq!(std::fs::read_dir(&dest).unwrap().count(), 0, "{flaw}");
        }
    }
}
