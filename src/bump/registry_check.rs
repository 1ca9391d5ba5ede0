//! Registry checks for a plan: each new image asked about once per run (across attempts), and
//! the answer turned into a failure or a digest to pin.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::reference::Reference;
use crate::registry::{Found, Registry, RegistryErrorKind, Settings};

use crate::failure::{FailKind, Failure};

/// What the command line asks of the registry.
#[derive(Debug, Clone, Default)]
pub(crate) struct RegistryOptions {
    /// `--verify-image`: every new image must exist.
    pub verify: bool,
    /// `--pin-digest`: write every new image with the digest its registry reports.
    pub pin: bool,
    /// How to reach registries.
    pub settings: Settings,
    /// `--verify-signature`: who must have signed every new image (implies --pin-digest).
    pub signature: Option<SignatureCheck>,
    /// No registry may be asked: another run's batched request, whose run checked its own
    /// images (a request whose targets need the registry is not applied by others).
    pub offline: bool,
}

/// Who must have signed an image, under which trusted root.
#[derive(Clone)]
pub(crate) struct SignatureCheck {
    /// The key or the keyless identity.
    pub requirement: crate::trust::Requirement,
    /// The sigstore trusted root (the public-good one unless `--trusted-root`).
    pub root: Arc<crate::trust::TrustedRoot>,
    /// What is required, in words (`the key keys/ci.pub`, `a keyless signature by ...`).
    pub required: String,
}

/// A signature requirement made usable: the key read and parsed, the identity complete, the
/// expressions compiled, the trusted root read (`read` reads a file the settings name: from
/// disk for the command line, from the commit being edited for `.imgbump.yaml`). The error
/// names the setting by its long flag name.
pub(crate) fn signature_check(
    spec: &crate::config::SignatureSpec,
    read: &dyn Fn(&str) -> Result<Vec<u8>, String>,
    dashes: &str,
) -> Result<SignatureCheck, String> {
    let d = dashes;
    use crate::trust::{Identity, Matcher, Requirement};
    let keyless_only = [
        ("certificate-identity", &spec.certificate_identity),
        (
            "certificate-identity-regexp",
            &spec.certificate_identity_regexp,
        ),
        ("certificate-oidc-issuer", &spec.certificate_oidc_issuer),
        (
            "certificate-oidc-issuer-regexp",
            &spec.certificate_oidc_issuer_regexp,
        ),
        (
            "certificate-github-workflow-repository",
            &spec.certificate_github_workflow_repository,
        ),
        (
            "certificate-github-workflow-ref",
            &spec.certificate_github_workflow_ref,
        ),
    ];
    let mode = spec.verify_signature.trim();
    let (requirement, required) = if let Some(file) = mode.strip_prefix("key:") {
        if let Some((flag, _)) = keyless_only.iter().find(|(_, v)| v.is_some()) {
            return Err(format!(
                "{d}{flag} is for {d}verify-signature keyless, not a key"
            ));
        }
        let pem = read(file).map_err(|e| format!("{d}verify-signature key:{file}: {e}"))?;
        let key = crate::trust::public_key_from_pem(&pem).ok_or_else(|| {
            format!("{d}verify-signature key:{file}: not a PEM public key (ECDSA P-256/P-384, Ed25519 or RSA)")
        })?;
        (Requirement::Key(key), format!("signed with the key {file}"))
    } else if mode == "keyless" {
        let matcher = |exact: &Option<String>, re: &Option<String>, name: &str| match (exact, re) {
            (Some(s), None) => Ok(Matcher::Exact(s.clone())),
            (None, Some(r)) => regex::Regex::new(r)
                .map(Matcher::Regexp)
                .map_err(|e| format!("{d}{name}-regexp {r:?}: {e}")),
            (Some(_), Some(_)) => Err(format!("{d}{name} and {d}{name}-regexp: give one")),
            (None, None) => Err(format!(
                "{d}verify-signature keyless needs {d}{name} or {d}{name}-regexp"
            )),
        };
        let subject = matcher(
            &spec.certificate_identity,
            &spec.certificate_identity_regexp,
            "certificate-identity",
        )?;
        let issuer = matcher(
            &spec.certificate_oidc_issuer,
            &spec.certificate_oidc_issuer_regexp,
            "certificate-oidc-issuer",
        )?;
        let required = format!("keyless, by {subject} from {issuer}");
        let identity = Identity {
            subject,
            issuer,
            github_workflow_repository: spec.certificate_github_workflow_repository.clone(),
            github_workflow_ref: spec.certificate_github_workflow_ref.clone(),
        };
        (Requirement::Keyless(identity), required)
    } else {
        return Err(format!(
            "{d}verify-signature {mode:?}: expected key:FILE or keyless"
        ));
    };
    let root = match &spec.trusted_root {
        Some(p) => read(p)
            .and_then(|j| crate::trust::TrustedRoot::from_json(&j).map_err(|e| e.to_string()))
            .map_err(|e| format!("{d}trusted-root {p}: {e}"))?,
        None => crate::trust::TrustedRoot::public_good().map_err(|e| e.to_string())?,
    };
    Ok(SignatureCheck {
        requirement,
        root: Arc::new(root),
        required,
    })
}

impl std::fmt::Debug for SignatureCheck {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SignatureCheck({})", self.required)
    }
}

/// The registry client of a run, its answers, and the time they took.
#[derive(Default)]
pub(super) struct Checks {
    registry: Option<Registry>,
    found: HashMap<String, Found>,
    /// Digests whose signature verified, with who signed.
    signed: HashMap<String, String>,
    /// Time spent asking registries.
    pub(super) spent: Duration,
    /// Where the registry says a wait it was asked for.
    notice: Option<crate::retry::Notice>,
}

impl Checks {
    /// Whether any registry was asked (or a check was begun) in this run.
    pub(super) fn asked(&self) -> bool {
        self.registry.is_some() || !self.found.is_empty() || !self.spent.is_zero()
    }

    /// The registry's waits (a `Retry-After`) said through `notice`.
    pub(super) fn say_to(&mut self, notice: Option<crate::retry::Notice>) {
        if self.notice.is_none() {
            self.notice = notice;
        }
    }

    /// `reference` in its registry (asked once per run).
    pub(super) fn check(
        &mut self,
        reference: &Reference,
        settings: &Settings,
        file: &str,
        line: usize,
    ) -> Result<Found, Failure> {
        let key = reference.to_string();
        if let Some(f) = self.found.get(&key) {
            return Ok(f.clone());
        }
        let registry = self
            .registry
            .get_or_insert_with(|| Registry::new(settings.clone()).saying(self.notice.clone()));
        let result = registry.check(reference);
        match result {
            Ok(found) => {
                self.spent += found.elapsed;
                self.found.insert(key, found.clone());
                Ok(found)
            }
            Err(e) => Err(Failure {
                kind: match e.kind {
                    RegistryErrorKind::Missing => FailKind::Refused,
                    RegistryErrorKind::Unavailable => FailKind::Other,
                },
                message: format!("{file}:{line}: {}", e.message),
                hint: e.hint,
                file: Some(file.to_string()),
                line: Some(line),
            }),
        }
    }

    /// The cosign signature of `digest` (the image `reference` names) checked as `sig`
    /// requires (once per digest and run); a failure says what was required and found.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn verify_signature(
        &mut self,
        reference: &Reference,
        digest: &str,
        sig: &SignatureCheck,
        settings: &Settings,
        now: i64,
        file: &str,
        line: usize,
    ) -> Result<String, Failure> {
        if let Some(signer) = self.signed.get(digest) {
            return Ok(signer.clone());
        }
        let start = Instant::now();
        let registry = self
            .registry
            .get_or_insert_with(|| Registry::new(settings.clone()).saying(self.notice.clone()));
        let found = registry.signatures(reference, digest);
        self.spent += start.elapsed();
        let found = found.map_err(|e| Failure {
            kind: FailKind::Other,
            message: format!(
                "{file}:{line}: cannot read the signatures of {reference}: {}",
                e.message
            ),
            hint: e.hint.clone(),
            file: Some(file.to_string()),
            line: Some(line),
        })?;
        let stored: Vec<(String, crate::trust::cosign::Stored<'_>)> = found
            .found
            .iter()
            .map(|(whence, s)| (whence.clone(), stored(s)))
            .collect();
        match crate::trust::cosign::verify_image(&stored, digest, &sig.requirement, &sig.root, now)
        {
            Ok((_, v)) => {
                self.signed.insert(digest.to_string(), v.signer.clone());
                Ok(v.signer)
            }
            Err(e) => {
                let hint = match e.kind {
                    crate::trust::TrustErrorKind::Unsigned => "sign the image where it is built (cosign sign), or check --verify-signature",
                    _ => "check who signed the image, or --verify-signature and the --certificate-* flags",
                };
                Err(Failure {
                    kind: FailKind::Refused,
                    message: format!(
                        "{file}:{line}: {reference} (at {digest}) is not signed as required ({}): {}; nothing was committed",
                        sig.required, e.message
                    ),
                    hint: Some(hint.to_string()),
                    file: Some(file.to_string()),
                    line: Some(line),
                })
            }
        }
    }
}

/// A stored signature as the trust room reads it.
fn stored(s: &crate::registry::signatures::Stored) -> crate::trust::cosign::Stored<'_> {
    match s {
        crate::registry::signatures::Stored::SimpleSigning {
            payload,
            annotations,
        } => crate::trust::cosign::Stored::SimpleSigning {
            payload,
            annotations,
        },
        crate::registry::signatures::Stored::Bundle(b) => crate::trust::cosign::Stored::Bundle(b),
    }
}
