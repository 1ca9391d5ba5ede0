//! cosign's image signatures, as a registry stores them, checked for one image digest:
//! cosign v2's simple-signing layers (`sha256-<hex>.sig`; the payload names the manifest
//! digest; the signature, certificate, chain and Rekor bundle in annotations) and cosign v3's
//! sigstore bundles (a DSSE in-toto statement whose subject is the manifest digest). Any one
//! valid signature suffices; when none is, every one's failure is told.

use openssl::x509::X509;
use serde::Deserialize;

use crate::http::{Obj, Str, Text};

use super::bundle::{Bundle, Content, Material, TlogEntry, Version};
use super::{
    b64, verify, Artifact, Requirement, TrustError, TrustErrorKind, TrustedRoot, Verified,
};

/// cosign v2's annotation holding the base64 signature.
pub const SIGNATURE: &str = "dev.cosignproject.cosign/signature";
/// cosign v2's annotation holding the PEM certificate of a keyless signature.
pub const CERTIFICATE: &str = "dev.sigstore.cosign/certificate";
/// cosign v2's annotation holding the PEM chain above the certificate.
pub const CHAIN: &str = "dev.sigstore.cosign/chain";
/// cosign v2's annotation holding the Rekor bundle (SET and entry).
pub const REKOR_BUNDLE: &str = "dev.sigstore.cosign/bundle";

/// One signature as the registry stores it.
pub enum Stored<'a> {
    /// cosign v2: a simple-signing payload and its layer's annotations.
    SimpleSigning {
        /// The payload (JSON naming the manifest digest).
        payload: &'a [u8],
        /// The layer's annotations.
        annotations: &'a [(String, String)],
    },
    /// cosign v3: a sigstore bundle's JSON.
    Bundle(&'a [u8]),
}

/// Checks that a simple-signing payload names `digest` (`sha256:<hex>`).
pub fn check_payload(payload: &[u8], digest: &str) -> Result<(), TrustError> {
    let v: SimpleSigning = crate::http::read(
        &serde_json::from_slice(payload)
            .map_err(|_| TrustError::signature("the signed payload is not JSON"))?,
    );
    let critical = v.critical.0.unwrap_or_default();
    let kind = critical.kind.as_str();
    if !kind.eq_ignore_ascii_case("cosign container image signature") {
        return Err(TrustError::signature(format!(
            "the signed payload is a {kind:?}, not a cosign container image signature"
        )));
    }
    match critical.image.0.unwrap_or_default().digest.0 {
        Some(d) if d == digest => Ok(()),
        Some(d) => Err(TrustError::signature(format!(
            "the signature is for another image: its payload names {d}, not {digest}"
        ))),
        None => Err(TrustError::signature(
            "the signed payload names no manifest digest",
        )),
    }
}

/// A simple-signing payload, as far as [`check_payload`] reads it (a part of another shape
/// reads as missing, through [`crate::http`]'s forgiving types).
#[derive(Deserialize, Default)]
#[serde(default)]
struct SimpleSigning {
    critical: Obj<Critical>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Critical {
    #[serde(rename = "type")]
    kind: Text,
    image: Obj<SignedImage>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct SignedImage {
    #[serde(rename = "docker-manifest-digest")]
    digest: Str,
}

/// cosign v2's Rekor bundle annotation: the SET and the log entry it signs.
#[derive(Deserialize, Default)]
#[serde(default)]
struct RekorBundle {
    #[serde(rename = "Payload")]
    payload: Obj<RekorPayload>,
    #[serde(rename = "SignedEntryTimestamp")]
    set: Str,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct RekorPayload {
    /// The entry's body, base64.
    body: Str,
    integrated_time: Int,
    log_index: Int,
    /// The log's id, hex.
    #[serde(rename = "logID")]
    log_id: Str,
}

/// A log entry's body, as far as its kind goes.
#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct EntryKind {
    kind: Text,
    api_version: Text,
}

/// A number field that counts only as a JSON integer within `i64`: `None` otherwise.
#[derive(Default)]
struct Int(Option<i64>);

impl<'de> Deserialize<'de> for Int {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(Int(serde_json::Value::deserialize(d)?.as_i64()))
    }
}

fn annotation<'a>(annotations: &'a [(String, String)], key: &str) -> Option<&'a str> {
    annotations
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
}

/// cosign v2's Rekor bundle annotation as a log entry (a SET, no inclusion proof).
fn rekor_entry(json: &str) -> Result<TlogEntry, TrustError> {
    let bad = |m: &str| TrustError::bundle(format!("the {REKOR_BUNDLE} annotation: {m}"));
    let v: RekorBundle =
        crate::http::read(&serde_json::from_str(json).map_err(|_| bad("not JSON"))?);
    let p = v.payload.0.ok_or_else(|| bad("no Payload"))?;
    let int = |k: &str, n: Int| n.0.ok_or_else(|| bad(&format!("no {k}")));
    let log_id = p.log_id.0.ok_or_else(|| bad("no logID"))?;
    let log_id = (0..log_id.len())
        .step_by(2)
        .map(|i| {
            log_id
                .get(i..i + 2)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        })
        .collect::<Option<Vec<u8>>>()
        .ok_or_else(|| bad("logID is not hex"))?;
    let body = p.body.0.ok_or_else(|| bad("no body"))?;
    let body = b64(&body).map_err(|_| bad("body is not base64"))?;
    let kind: EntryKind =
        crate::http::read(&serde_json::from_slice(&body).map_err(|_| bad("body is not JSON"))?);
    let set = v.set.0.ok_or_else(|| bad("no SignedEntryTimestamp"))?;
    Ok(TlogEntry {
        log_index: u64::try_from(int("logIndex", p.log_index)?)
            .map_err(|_| bad("negative logIndex"))?,
        log_id,
        kind: kind.kind.as_str().to_string(),
        version: kind.api_version.as_str().to_string(),
        integrated_time: int("integratedTime", p.integrated_time)?,
        set: Some(b64(&set).map_err(|_| bad("SignedEntryTimestamp is not base64"))?),
        proof: None,
        body,
    })
}

/// A cosign v2 signature layer as a bundle (v0.1: a SET stands for the log).
pub fn simple_signing_bundle(annotations: &[(String, String)]) -> Result<Bundle, TrustError> {
    let sig = annotation(annotations, SIGNATURE).ok_or_else(|| {
        TrustError::bundle(format!("the signature layer has no {SIGNATURE} annotation"))
    })?;
    let signature =
        b64(sig).map_err(|_| TrustError::bundle(format!("{SIGNATURE} is not base64")))?;
    let material = match annotation(annotations, CERTIFICATE).filter(|c| !c.is_empty()) {
        Some(pem) => {
            let leaf = X509::from_pem(pem.as_bytes()).map_err(|_| {
                TrustError::bundle(format!("{CERTIFICATE} is not a PEM certificate"))
            })?;
            Material::Certificates(vec![leaf])
        }
        None => Material::PublicKey,
    };
    let tlog = match annotation(annotations, REKOR_BUNDLE).filter(|b| !b.is_empty()) {
        Some(json) => vec![rekor_entry(json)?],
        None => Vec::new(),
    };
    Ok(Bundle {
        version: Version::V01,
        material,
        tlog,
        content: Content::Message {
            digest: None,
            signature,
        },
        timestamps: Vec::new(),
    })
}

/// Verifies one stored signature for the image `digest` (`sha256:<hex>`).
pub fn verify_stored(
    stored: &Stored<'_>,
    digest: &str,
    req: &Requirement,
    root: &TrustedRoot,
    now: i64,
) -> Result<Verified, TrustError> {
    match stored {
        Stored::SimpleSigning {
            payload,
            annotations,
        } => {
            check_payload(payload, digest)?;
            let bundle = simple_signing_bundle(annotations)?;
            verify(&bundle, Artifact::Bytes(payload), req, root, now)
        }
        Stored::Bundle(json) => {
            let bundle = Bundle::from_json(json)?;
            if !matches!(bundle.content, Content::Dsse { .. }) {
                return Err(TrustError::bundle(
                    "the bundle signs a message, not a statement naming the image; cosign signs images with a DSSE in-toto statement",
                ));
            }
            let hex = digest.strip_prefix("sha256:").unwrap_or("");
            let raw: Option<Vec<u8>> = (hex.len() == 64)
                .then(|| {
                    (0..64)
                        .step_by(2)
                        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).ok())
                        .collect()
                })
                .flatten();
            let raw = raw
                .ok_or_else(|| TrustError::signature(format!("{digest} is not a sha256 digest")))?;
            verify(&bundle, Artifact::Digest("sha256", &raw), req, root, now)
        }
    }
}

/// Verifies the image `digest` by the signatures found (each with where it was found):
/// the first valid one wins; none found is [`TrustErrorKind::Unsigned`].
pub fn verify_image(
    found: &[(String, Stored<'_>)],
    digest: &str,
    req: &Requirement,
    root: &TrustedRoot,
    now: i64,
) -> Result<(String, Verified), TrustError> {
    if found.is_empty() {
        return Err(TrustError {
            kind: TrustErrorKind::Unsigned,
            message: format!(
                "{digest} has no cosign signature (neither a v2 .sig tag nor a v3 bundle)"
            ),
        });
    }
    let mut failures = Vec::new();
    for (whence, stored) in found {
        match verify_stored(stored, digest, req, root, now) {
            Ok(v) => return Ok((whence.clone(), v)),
            Err(e) => failures.push((whence, e)),
        }
    }
    // The most telling kind: identity over signature over the rest.
    let kind = [TrustErrorKind::Identity, TrustErrorKind::Signature]
        .into_iter()
        .find(|k| failures.iter().any(|(_, e)| e.kind == *k))
        .unwrap_or(failures[0].1.kind);
    let lines: Vec<String> = failures
        .iter()
        .map(|(w, e)| format!("  {w}: {e}"))
        .collect();
    Err(TrustError {
        kind,
        message: format!(
            "none of the {} signatures of {digest} verifies:\n{}",
            failures.len(),
            lines.join("\n")
        ),
    })
}

/// The simple-signing payload cosign signs for `digest` of `docker_reference` (tests, docs).
pub fn payload_for(docker_reference: &str, digest: &str) -> Vec<u8> {
    serde_json::json!({
        "critical": {
            "identity": {"docker-reference": docker_reference},
            "image": {"docker-manifest-digest": digest},
            "type": "cosign container image signature"
        },
        "optional": null
    })
    .to_string()
    .into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Odd payloads and annotations read through the serde structs as the `Value` reads did:
    /// a part of another type is missing, and says so.
    #[test]
    fn odd_payloads_and_rekor_bundles_read_as_missing_parts() {
        let d = "sha256:ab";
        let payload = |j: &str| check_payload(j.as_bytes(), d).unwrap_err().message;
        assert!(payload("[1]").contains("is a \"\""), "{}", payload("[1]"));
        assert!(payload(r#"{"critical": 5}"#).contains("is a \"\""));
        let typed = r#"{"critical": {"type": "Cosign Container Image Signature", "image": "#;
        let no_digest = payload(&format!(r#"{typed}{{"docker-manifest-digest": 7}}}}}}"#));
        assert!(
            no_digest.contains("names no manifest digest"),
            "{no_digest}"
        );
        let other = payload(&format!(
            r#"{typed}{{"docker-manifest-digest": "sha256:cd"}}}}}}"#
        ));
        assert!(other.contains("names sha256:cd, not sha256:ab"), "{other}");
        assert!(check_payload(&payload_for("r", d), d).is_ok());
        assert!(payload("{").contains("not JSON"));

        let entry = |j: &str| rekor_entry(j).err().map(|e| e.message).unwrap_or_default();
        assert!(entry("[]").contains("no Payload"));
        assert!(entry(r#"{"Payload": {"logID": 5}}"#).contains("no logID"));
        let body = b64_encode(br#"{"kind": 1, "apiVersion": "0.0.1"}"#);
        let good = format!(
            r#"{{"Payload": {{"logID": "00ff", "body": "{body}", "logIndex": 3, "integratedTime": 9}}, "SignedEntryTimestamp": "AA=="}}"#
        );
        let e = rekor_entry(&good).unwrap();
        assert_eq!((e.log_index, e.integrated_time), (3, 9));
        assert_eq!((e.kind.as_str(), e.version.as_str()), ("", "0.0.1"));
        assert_eq!(e.log_id, [0, 255]);
        let text_index = good.replace(r#""logIndex": 3"#, r#""logIndex": "3""#);
        assert!(entry(&text_index).contains("no logIndex"));
        let negative = good.replace(r#""logIndex": 3"#, r#""logIndex": -3"#);
        assert!(entry(&negative).contains("negative logIndex"));
    }

    fn b64_encode(b: &[u8]) -> String {
        openssl::base64::encode_block(b)
    }
}
