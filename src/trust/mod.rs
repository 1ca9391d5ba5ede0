//! Is this signature by whom it must be? Sigstore bundles (and cosign's older forms, turned
//! into bundles by the caller) checked against a public key or a keyless identity, with a
//! sigstore trusted root: the signature over the artifact or DSSE payload; for a keyless
//! signer its certificate's chain to a certificate authority trusted at signing time, an SCT
//! from a trusted CT log, a transparency log entry (signed entry timestamp and/or inclusion
//! proof with a signed checkpoint) recording this very signature, integrated while the
//! certificate was valid (or timestamped by a timestamp authority of the root while it was),
//! and the identity and issuer required.
//!
//! A pure room: no I/O, no clock (the caller passes the time), nothing of Git, YAML or the CLI.
//! DER and the X.509 chain on OpenSSL, which the crate links already.
//!
//! A keyless signature needs an entry in a transparency log of the trusted root (Rekor v1:
//! signed entry timestamp and/or inclusion proof; Rekor v2: inclusion proof, hashedrekord or
//! dsse 0.0.2) and a signed time: a log's integrated time, or an RFC 3161 timestamp by a
//! timestamp authority of the trusted root (Rekor v2 gives no other). Every timestamp a bundle
//! carries must verify.
//!
//! | file | what it holds |
//! |---|---|
//! | `mod.rs` | [`verify`]: the order of the checks; [`TrustError`] |
//! | `root.rs` | `trusted_root.json` read; the public-good root shipped with the binary |
//! | `bundle.rs` | a sigstore bundle (v0.1–v0.3, message signature or DSSE) read |
//! | `keys.rs` | a signature checked with a key: ECDSA P-256/P-384/P-521, Ed25519, RSA |
//! | `cosign.rs` | cosign's storage forms (v2 simple signing and its annotations, v3 bundles) for one image digest; any one valid signature suffices |
//! | `cert.rs` | a keyless certificate: chain, SCT, identity and issuer |
//! | `tlog.rs` | a transparency log entry: SET, inclusion proof, checkpoint, body (Rekor v1 and v2) |
//! | `tsa.rs` | an RFC 3161 timestamp: its signature by a timestamp authority of the root, its imprint, its time |
//! | `der.rs` | the DER OpenSSL's binding has no accessor for (extensions by OID, the precertificate) |

pub mod bundle;
pub mod cert;
pub mod cosign;
mod der;
mod keys;
pub mod root;
mod tlog;
mod tsa;

use base64::Engine;
use openssl::asn1::Asn1Time;
use openssl::hash::{hash, MessageDigest};
use openssl::pkey::{PKey, Public};
use openssl::x509::X509Ref;

pub use bundle::{Bundle, Content, Material, Version};
pub use cert::{Identity, Matcher, Signer};
pub use keys::public_key_from_pem;
pub use root::TrustedRoot;

use keys::Signed;
use tlog::SignedBy;

/// What kind of check failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TrustErrorKind {
    /// The trusted root cannot be read.
    Root,
    /// The bundle cannot be read.
    Bundle,
    /// The signature does not verify, or is over another artifact.
    Signature,
    /// The certificate: chain, validity, SCT.
    Certificate,
    /// The transparency log entry.
    Tlog,
    /// An RFC 3161 timestamp.
    Timestamp,
    /// Signed by someone else.
    Identity,
    /// No signature found at all.
    Unsigned,
}

/// A failed check: what failed, what was required and what was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrustError {
    /// Which check.
    pub kind: TrustErrorKind,
    /// What failed, in words.
    pub message: String,
}

impl TrustError {
    fn new(kind: TrustErrorKind, m: impl Into<String>) -> Self {
        TrustError {
            kind,
            message: m.into(),
        }
    }
    pub(crate) fn root(m: impl Into<String>) -> Self {
        Self::new(TrustErrorKind::Root, format!("trusted root: {}", m.into()))
    }
    pub(crate) fn bundle(m: impl Into<String>) -> Self {
        Self::new(TrustErrorKind::Bundle, m)
    }
    pub(crate) fn signature(m: impl Into<String>) -> Self {
        Self::new(TrustErrorKind::Signature, m)
    }
    pub(crate) fn cert(m: impl Into<String>) -> Self {
        Self::new(TrustErrorKind::Certificate, m)
    }
    pub(crate) fn tlog(m: impl Into<String>) -> Self {
        Self::new(TrustErrorKind::Tlog, m)
    }
    pub(crate) fn timestamp(m: impl Into<String>) -> Self {
        Self::new(TrustErrorKind::Timestamp, m)
    }
    pub(crate) fn identity(m: impl Into<String>) -> Self {
        Self::new(TrustErrorKind::Identity, m)
    }
}

impl std::fmt::Display for TrustError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for TrustError {}

pub(crate) fn b64(s: &str) -> Result<Vec<u8>, base64::DecodeError> {
    base64::engine::general_purpose::STANDARD.decode(s.trim())
}

pub(crate) fn hex(b: &[u8]) -> String {
    b.iter().map(|b| format!("{b:02x}")).collect()
}

/// Who must have signed.
#[derive(Clone)]
pub enum Requirement {
    /// The holder of this key's private half.
    Key(PKey<Public>),
    /// A keyless signer with this identity, under the trusted root.
    Keyless(Identity),
}

/// What the signature must be over.
#[derive(Debug, Clone, Copy)]
pub enum Artifact<'a> {
    /// These bytes (a message signature over them; a DSSE in-toto subject with their digest).
    Bytes(&'a [u8]),
    /// Only the artifact's digest: the algorithm in in-toto's spelling (`sha256`, `sha384`,
    /// `sha512`) and the digest (an image manifest's `sha256:` digest).
    Digest(&'a str, &'a [u8]),
}

impl Artifact<'_> {
    /// The artifact's digest with `alg` (in-toto's spelling), if it can be known.
    fn digest(&self, alg: &str) -> Option<Vec<u8>> {
        let md = match alg {
            "sha256" => MessageDigest::sha256(),
            "sha384" => MessageDigest::sha384(),
            "sha512" => MessageDigest::sha512(),
            _ => return None,
        };
        match self {
            Artifact::Bytes(b) => hash(md, b).ok().map(|d| d.to_vec()),
            Artifact::Digest(a, d) => (*a == alg).then(|| d.to_vec()),
        }
    }
}

/// What a verification found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    /// The signer: a key's kind, or the certificate's identity and issuer.
    pub signer: String,
    /// When a transparency log integrated the signature (a signed time), if it did.
    pub integrated_time: Option<i64>,
}

/// How far in the future a log's integrated time may be (clocks differ).
const CLOCK_SKEW: i64 = 300;

/// Verifies `bundle` over `artifact` as `req` demands, against `root`, at time `now` (Unix
/// seconds). Any failed check is an error naming it; nothing is skipped because a bundle
/// leaves it out.
pub fn verify(
    bundle: &Bundle,
    artifact: Artifact<'_>,
    req: &Requirement,
    root: &TrustedRoot,
    now: i64,
) -> Result<Verified, TrustError> {
    let leaf = match (&bundle.material, req) {
        (_, Requirement::Key(_)) => None,
        (Material::Certificates(c), Requirement::Keyless(_)) => Some(c),
        (Material::PublicKey, Requirement::Keyless(_)) => {
            return Err(TrustError::identity(
                "signed with a key; a keyless signature (a certificate) is required",
            ))
        }
    };
    let key = match (req, leaf) {
        (Requirement::Key(k), _) => k.clone(),
        (_, Some(c)) => c[0]
            .public_key()
            .map_err(|e| TrustError::cert(format!("the certificate's key cannot be read: {e}")))?,
        (Requirement::Keyless(_), None) => return Err(TrustError::bundle("no certificate")),
    };
    check_content(&bundle.content, &key, artifact)?;
    let by = match leaf {
        Some(c) => SignedBy::Cert(&c[0]),
        None => SignedBy::Key(&key),
    };
    let logged = check_tlog(bundle, &by, artifact, root, now)?;
    match (req, leaf) {
        (Requirement::Keyless(want), Some(chain)) => {
            let stamped = check_timestamps(bundle, root, now)?;
            let t = keyless(&chain[0], &logged, &stamped, root)?;
            let signer = cert::signer(&chain[0])?;
            cert::check_identity(&signer, want)?;
            Ok(Verified {
                signer: signer.to_string(),
                integrated_time: Some(t),
            })
        }
        _ => Ok(Verified {
            signer: format!("the {} key", keys::describe(&key)),
            integrated_time: logged.times.first().copied(),
        }),
    }
}

/// The signature over the content, and the content bound to the artifact.
fn check_content(
    content: &Content,
    key: &PKey<Public>,
    artifact: Artifact<'_>,
) -> Result<(), TrustError> {
    match content {
        Content::Message { digest, signature } => {
            let sha256 = artifact.digest("sha256").ok_or_else(|| {
                TrustError::signature(
                    "a message signature is checked over the artifact or its SHA-256",
                )
            })?;
            if let Some((alg, d)) = digest {
                let name = match alg.as_str() {
                    "SHA2_256" => "sha256",
                    "SHA2_384" => "sha384",
                    "SHA2_512" => "sha512",
                    _ => "",
                };
                if artifact.digest(name).as_deref() != Some(d.as_slice()) {
                    return Err(TrustError::signature(format!(
                        "the bundle's message digest ({alg} {}) is not the artifact's",
                        hex(d)
                    )));
                }
            }
            let signed = match artifact {
                Artifact::Bytes(b) => Signed::Bytes(b),
                Artifact::Digest(..) => Signed::Digest(MessageDigest::sha256(), &sha256),
            };
            if !keys::verify(key, &signed, signature) {
                return Err(TrustError::signature(format!(
                    "the signature does not verify with {} over the artifact (SHA-256 {})",
                    keys::describe(key),
                    hex(&sha256)
                )));
            }
        }
        Content::Dsse {
            payload_type,
            payload,
            signature,
        } => {
            if !keys::verify(key, &Signed::Bytes(&pae(payload_type, payload)), signature) {
                return Err(TrustError::signature(format!(
                    "the DSSE signature does not verify with {}",
                    keys::describe(key)
                )));
            }
            check_subject(payload_type, payload, artifact)?;
        }
    }
    Ok(())
}

/// DSSE's pre-authentication encoding.
pub(crate) fn pae(payload_type: &str, payload: &[u8]) -> Vec<u8> {
    let mut out = format!(
        "DSSEv1 {} {} {} ",
        payload_type.len(),
        payload_type,
        payload.len()
    )
    .into_bytes();
    out.extend_from_slice(payload);
    out
}

/// An in-toto statement, as far as [`check_subject`] reads it (a part of another shape reads
/// as missing, through [`crate::http`]'s forgiving types).
#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct Statement {
    subject: crate::http::List<crate::http::Obj<Subject>>,
}

/// A subject's digests by algorithm (a value that is no string reads as empty).
#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct Subject {
    digest: crate::http::Obj<std::collections::BTreeMap<String, crate::http::Text>>,
}

/// An in-toto statement's subjects must include the artifact.
fn check_subject(
    payload_type: &str,
    payload: &[u8],
    artifact: Artifact<'_>,
) -> Result<(), TrustError> {
    if payload_type != "application/vnd.in-toto+json" {
        return Err(TrustError::signature(format!(
            "the DSSE payload is {payload_type:?}; only an in-toto statement names what it signs"
        )));
    }
    let statement: Statement = crate::http::read(
        &serde_json::from_slice(payload)
            .map_err(|_| TrustError::signature("the in-toto statement is not JSON"))?,
    );
    let mut found = Vec::new();
    for digests in statement
        .subject
        .0
        .unwrap_or_default()
        .into_iter()
        .filter_map(|s| s.0?.digest.0)
    {
        for (alg, value) in digests {
            let value = value.as_str().to_ascii_lowercase();
            if artifact.digest(&alg).is_some_and(|d| hex(&d) == value) {
                return Ok(());
            }
            found.push(format!("{alg}:{value}"));
        }
    }
    let want = ["sha256", "sha512"]
        .iter()
        .find_map(|a| artifact.digest(a).map(|d| format!("{a}:{}", hex(&d))))
        .unwrap_or_else(|| "an artifact".into());
    Err(TrustError::signature(format!(
        "the signed statement is for {}, not for {want}",
        if found.is_empty() {
            "nothing".to_string()
        } else {
            found.join(", ")
        }
    )))
}

/// What the transparency logs of the trusted root say of the signature.
struct Logged {
    /// How many entries of logs the root trusts were verified.
    entries: usize,
    /// The signed integrated times (a Rekor v2 entry has none: a timestamp gives its time).
    times: Vec<i64>,
}

/// Every log entry of a log the root trusts is checked.
fn check_tlog(
    bundle: &Bundle,
    by: &SignedBy<'_>,
    artifact: Artifact<'_>,
    root: &TrustedRoot,
    now: i64,
) -> Result<Logged, TrustError> {
    let mut times = Vec::new();
    let mut entries = 0;
    let mut seen = Vec::new();
    for e in &bundle.tlog {
        if seen.contains(&(&e.log_id, e.log_index)) {
            return Err(TrustError::tlog(
                "the bundle carries the same log entry twice",
            ));
        }
        seen.push((&e.log_id, e.log_index));
        let Some(log) = root.tlog(&e.log_id) else {
            continue;
        };
        match (bundle.version, &e.set, &e.proof) {
            (Version::V01, None, _) => {
                return Err(TrustError::tlog(
                    "a v0.1 bundle's log entry needs a signed entry timestamp",
                ))
            }
            (Version::V02 | Version::V03, _, None) => {
                return Err(TrustError::tlog(
                    "the log entry has no inclusion proof (required from bundle v0.2 on)",
                ))
            }
            _ => {}
        }
        tlog::check_body(e, &bundle.content, by, artifact.digest("sha256").as_deref())?;
        if let Some(p) = &e.proof {
            tlog::check_proof(e, p, log)?;
        }
        if let Some(set) = &e.set {
            tlog::check_set(e, set, log)?;
            if !log.valid.contains(e.integrated_time) {
                return Err(TrustError::tlog(format!(
                    "log entry {} was integrated at {}, outside the time {}'s key is trusted",
                    e.log_index,
                    crate::utc::utc(e.integrated_time),
                    log.base_url
                )));
            }
            if e.integrated_time > now + CLOCK_SKEW {
                return Err(TrustError::tlog(format!(
                    "log entry {} was integrated at {}, in the future",
                    e.log_index,
                    crate::utc::utc(e.integrated_time)
                )));
            }
            times.push(e.integrated_time);
        }
        entries += 1;
    }
    Ok(Logged { entries, times })
}

/// Every RFC 3161 timestamp of the bundle, verified over its signature with a timestamp
/// authority of the trusted root (one that does not verify refuses the bundle); their times.
fn check_timestamps(bundle: &Bundle, root: &TrustedRoot, now: i64) -> Result<Vec<i64>, TrustError> {
    let signature = match &bundle.content {
        Content::Message { signature, .. } | Content::Dsse { signature, .. } => signature,
    };
    let mut times = Vec::new();
    for token in &bundle.timestamps {
        let t = tsa::verify(token, signature, root)?;
        if t > now + CLOCK_SKEW {
            return Err(TrustError::timestamp(format!(
                "an RFC 3161 timestamp says {}, in the future",
                crate::utc::utc(t)
            )));
        }
        times.push(t);
    }
    Ok(times)
}

fn valid_at(leaf: &X509Ref, t: i64, what: &str) -> Result<(), TrustError> {
    let at = Asn1Time::from_unix(t).map_err(|e| TrustError::cert(e.to_string()))?;
    let before = leaf
        .not_before()
        .compare(&at)
        .map(|o| o.is_gt())
        .unwrap_or(true);
    let after = leaf
        .not_after()
        .compare(&at)
        .map(|o| o.is_lt())
        .unwrap_or(true);
    if before || after {
        return Err(TrustError::cert(format!(
            "the certificate was not valid when the signature was {what} ({}): valid from {} to {}",
            crate::utc::utc(t),
            leaf.not_before(),
            leaf.not_after()
        )));
    }
    Ok(())
}

/// The keyless checks at each signed time (a log's integrated time, a timestamp authority's
/// time): the certificate valid then, chained to an authority trusted then, with an SCT.
/// Returns the time used.
fn keyless(
    leaf: &X509Ref,
    logged: &Logged,
    stamped: &[i64],
    root: &TrustedRoot,
) -> Result<i64, TrustError> {
    if logged.entries == 0 {
        return Err(TrustError::tlog(
            "the signature is in no transparency log of the trusted root",
        ));
    }
    let Some(&first) = logged.times.first().or(stamped.first()) else {
        return Err(TrustError::tlog(
            "no transparency log entry or timestamp authority of the trusted root gives a signed time for the signature",
        ));
    };
    for &t in &logged.times {
        valid_at(leaf, t, "logged")?;
    }
    for &t in stamped {
        valid_at(leaf, t, "timestamped")?;
    }
    let issuer = cert::chain(leaf, root, first)?;
    cert::sct(leaf, &issuer, root)?;
    Ok(first)
}
