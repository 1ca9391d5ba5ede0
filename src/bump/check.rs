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
pub struct RegistryOptions {
    /// `--verify-image`: every new image must exist.
    pub verify: bool,
    /// `--pin-digest`: write every new image with the digest its registry reports.
    pub pin: bool,
    /// How to reach registries.
    pub settings: Settings,
    /// `--verify-signature`: who must have signed every new image (implies --pin-digest).
    pub signature: Option<SignatureCheck>,
}

/// Who must have signed an image, under which trusted root.
#[derive(Clone)]
pub struct SignatureCheck {
    /// The key or the keyless identity.
    pub requirement: crate::trust::Requirement,
    /// The sigstore trusted root (the public-good one unless `--trusted-root`).
    pub root: Arc<crate::trust::TrustedRoot>,
    /// What is required, in words (`the key keys/ci.pub`, `a keyless signature by ...`).
    pub required: String,
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
}

impl Checks {
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
            .get_or_insert_with(|| Registry::new(settings.clone()));
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
            .get_or_insert_with(|| Registry::new(settings.clone()));
        let found = registry.signatures(reference, digest);
        self.spent += start.elapsed();
        let found = found.map_err(|e| Failure {
            kind: FailKind::Other,
            message: format!(
                "{file}:{line}: cannot read the signatures of {reference}: {}",
                e.message
            ),
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
                    crate::trust::TrustErrorKind::Unsigned => "\nsign the image where it is built (cosign sign), or check --verify-signature",
                    _ => "\nnothing was committed; check who signed the image, or --verify-signature and the --certificate-* flags",
                };
                Err(Failure {
                    kind: FailKind::Refused,
                    message: format!(
                        "{file}:{line}: {reference} (at {digest}) is not signed as required ({}): {}{hint}",
                        sig.required, e.message
                    ),
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
