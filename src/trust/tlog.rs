//! A transparency log (Rekor v1) entry: its signed entry timestamp (SET), its inclusion proof
//! (RFC 9162 §2.1.3.2) up to a root hash a signed checkpoint names, and its body compared with
//! what the bundle signed (hashedrekord 0.0.1, dsse 0.0.1, intoto 0.0.2).

use base64::Engine;
use openssl::hash::{hash, MessageDigest};
use openssl::pkey::{PKeyRef, Public};
use openssl::x509::X509Ref;
use serde::Deserialize;

use crate::http::{List, Obj, Str, Text};

use super::bundle::{Content, Proof, TlogEntry};
use super::keys::{same_key, verify, Signed};
use super::root::LogKey;
use super::{b64, hex, TrustError};

/// Who signed, to compare with the key or certificate a log entry names.
pub(crate) enum SignedBy<'a> {
    /// A certificate.
    Cert(&'a X509Ref),
    /// A public key.
    Key(&'a PKeyRef<Public>),
}

fn sha256(data: &[u8]) -> Vec<u8> {
    hash(MessageDigest::sha256(), data)
        .map(|d| d.to_vec())
        .unwrap_or_default()
}

/// Checks the signed entry timestamp: the log's signature over the entry's canonical JSON.
pub(crate) fn check_set(entry: &TlogEntry, set: &[u8], log: &LogKey) -> Result<(), TrustError> {
    let payload = format!(
        r#"{{"body":"{}","integratedTime":{},"logID":"{}","logIndex":{}}}"#,
        base64::engine::general_purpose::STANDARD.encode(&entry.body),
        entry.integrated_time,
        hex(&entry.log_id),
        entry.log_index
    );
    if verify(&log.key, &Signed::Bytes(payload.as_bytes()), set) {
        Ok(())
    } else {
        Err(TrustError::tlog(format!(
            "the signed entry timestamp of log entry {} does not verify with {}'s key",
            entry.log_index, log.base_url
        )))
    }
}

/// The root hash an inclusion proof leads to, or `None` when it cannot be walked.
fn root_from(index: u64, size: u64, leaf: Vec<u8>, path: &[Vec<u8>]) -> Option<Vec<u8>> {
    if index >= size {
        return None;
    }
    let node = |l: &[u8], r: &[u8]| {
        let mut buf = Vec::with_capacity(65);
        buf.push(1u8);
        buf.extend_from_slice(l);
        buf.extend_from_slice(r);
        sha256(&buf)
    };
    let (mut fnode, mut snode, mut r) = (index, size - 1, leaf);
    for p in path {
        if p.len() != 32 || snode == 0 {
            return None;
        }
        if fnode & 1 == 1 || fnode == snode {
            r = node(p, &r);
            while fnode & 1 == 0 && fnode != 0 {
                fnode >>= 1;
                snode >>= 1;
            }
        } else {
            r = node(&r, p);
        }
        fnode >>= 1;
        snode >>= 1;
    }
    (snode == 0).then_some(r)
}

/// Checks the inclusion proof and the checkpoint that signs its root hash.
pub(crate) fn check_proof(
    entry: &TlogEntry,
    proof: &Proof,
    log: &LogKey,
) -> Result<(), TrustError> {
    let bad = |m: String| TrustError::tlog(format!("log entry {}: {m}", entry.log_index));
    let mut leaf = vec![0u8];
    leaf.extend_from_slice(&entry.body);
    let computed = root_from(
        proof.log_index,
        proof.tree_size,
        sha256(&leaf),
        &proof.hashes,
    )
    .ok_or_else(|| {
        bad("the inclusion proof cannot be walked (index, size and path disagree)".into())
    })?;
    if computed != proof.root_hash {
        return Err(bad(
            "the inclusion proof does not lead to its root hash".into()
        ));
    }
    let (note, sigs) = proof
        .checkpoint
        .split_once("\n\n")
        .ok_or_else(|| bad("the checkpoint is not a signed note".into()))?;
    let note = format!("{note}\n");
    let mut lines = note.lines();
    let (_origin, size, root) = (lines.next(), lines.next(), lines.next());
    if size.and_then(|s| s.parse::<u64>().ok()) != Some(proof.tree_size) {
        return Err(bad("the checkpoint's tree size is not the proof's".into()));
    }
    if root.and_then(|r| b64(r).ok()).as_deref() != Some(proof.root_hash.as_slice()) {
        return Err(bad("the checkpoint's root hash is not the proof's".into()));
    }
    let signed = sigs
        .lines()
        .filter_map(|l| l.strip_prefix("\u{2014} "))
        .any(|l| {
            let Some((_, sig)) = l.rsplit_once(' ') else {
                return false;
            };
            let Ok(sig) = b64(sig) else { return false };
            sig.len() > 4
                && (sig[..4] == log.key_hash[..4] || log.log_id.get(..4) == Some(&sig[..4]))
                && verify(&log.key, &Signed::Bytes(note.as_bytes()), &sig[4..])
        });
    if signed {
        Ok(())
    } else {
        Err(bad(format!(
            "the checkpoint carries no signature by {}'s key",
            log.base_url
        )))
    }
}

/// A log entry's body, as far as [`check_body`] reads it: its kind and the fields of the
/// kinds it checks (hashedrekord 0.0.1, dsse 0.0.1, intoto 0.0.2). A part of another shape
/// reads as missing, through [`crate::http`]'s forgiving types.
#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct Body {
    kind: Text,
    api_version: Text,
    spec: Obj<Spec>,
}

/// The specs' fields; no kind has another's.
#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct Spec {
    /// hashedrekord: the artifact's hash.
    data: Obj<Data>,
    /// hashedrekord: the signature and the key or certificate.
    signature: Obj<MessageSignature>,
    /// dsse: the envelope's signatures.
    signatures: List<Obj<EnvelopeSignature>>,
    /// dsse: the payload's hash.
    payload_hash: Obj<Hash>,
    /// intoto: the envelope and the payload's hash.
    content: Obj<IntotoContent>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Data {
    hash: Obj<Hash>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Hash {
    algorithm: Str,
    value: Str,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct MessageSignature {
    /// Base64.
    content: Str,
    public_key: Obj<Pem>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Pem {
    /// The PEM, base64.
    content: Str,
}

/// One signature of an envelope: dsse's `signature` and `verifier`, intoto's `sig` and
/// `publicKey`.
#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct EnvelopeSignature {
    signature: Str,
    verifier: Str,
    sig: Str,
    public_key: Str,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct IntotoContent {
    envelope: Obj<Envelope>,
    payload_hash: Obj<Hash>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Envelope {
    signatures: List<Obj<EnvelopeSignature>>,
}

/// The one signature of a list that must hold exactly one; `None` otherwise.
fn only(list: List<Obj<EnvelopeSignature>>) -> Option<EnvelopeSignature> {
    let mut items = list.0.filter(|a| a.len() == 1)?;
    items.pop()?.0
}

fn base64(s: Option<&Str>) -> Option<Vec<u8>> {
    s?.0.as_deref().and_then(|s| b64(s).ok())
}

/// Whether the PEM a log entry names is the signer's certificate or key.
fn names_signer(pem: &[u8], by: &SignedBy<'_>) -> bool {
    match by {
        SignedBy::Cert(c) => openssl::x509::X509::from_pem(pem)
            .ok()
            .and_then(|e| e.to_der().ok())
            .is_some_and(|d| c.to_der().is_ok_and(|c| c == d)),
        SignedBy::Key(k) => super::keys::public_key_from_pem(pem).is_some_and(|e| same_key(&e, k)),
    }
}

/// Checks that the entry's body records this signature, this signer and this content.
/// `artifact_sha256` is the artifact's SHA-256, needed for a message signature.
pub(crate) fn check_body(
    entry: &TlogEntry,
    content: &Content,
    by: &SignedBy<'_>,
    artifact_sha256: Option<&[u8]>,
) -> Result<(), TrustError> {
    let bad = |m: &str| {
        TrustError::tlog(format!(
            "log entry {} does not match the bundle: {m}",
            entry.log_index
        ))
    };
    let raw: serde_json::Value =
        serde_json::from_slice(&entry.body).map_err(|_| bad("its body is not JSON"))?;
    let body: Body = crate::http::read(&raw);
    let spec = body.spec.0.unwrap_or_default();
    let kind = (body.kind.as_str(), body.api_version.as_str());
    let (sig, pem, hashed) = match (kind, content) {
        (("hashedrekord", "0.0.1"), Content::Message { .. }) => {
            let hash = spec.data.0.unwrap_or_default().hash.0.unwrap_or_default();
            if hash.algorithm.0.as_deref() != Some("sha256") {
                return Err(bad("its artifact hash is not SHA-256"));
            }
            let signature = spec.signature.0.unwrap_or_default();
            let key = signature.public_key.0.unwrap_or_default();
            (
                base64(Some(&signature.content)),
                base64(Some(&key.content)),
                (hash.value.0, artifact_sha256.unwrap_or_default().to_vec()),
            )
        }
        (("dsse", "0.0.1"), Content::Dsse { payload, .. }) => {
            let s = only(spec.signatures);
            (
                base64(s.as_ref().map(|s| &s.signature)),
                base64(s.as_ref().map(|s| &s.verifier)),
                (
                    spec.payload_hash.0.unwrap_or_default().value.0,
                    sha256(payload),
                ),
            )
        }
        (("intoto", "0.0.2"), Content::Dsse { payload, .. }) => {
            let content = spec.content.0.unwrap_or_default();
            let s = only(content.envelope.0.unwrap_or_default().signatures);
            let twice = |v: Option<Vec<u8>>| {
                v.and_then(|s| String::from_utf8(s).ok())
                    .and_then(|s| b64(&s).ok())
            };
            (
                twice(base64(s.as_ref().map(|s| &s.sig))),
                base64(s.as_ref().map(|s| &s.public_key)),
                (
                    content.payload_hash.0.unwrap_or_default().value.0,
                    sha256(payload),
                ),
            )
        }
        (("hashedrekord" | "dsse", "0.0.2"), _) => v002(&raw, content, artifact_sha256)
            .ok_or_else(|| bad("its hashedrekord or dsse 0.0.2 body lacks the signature, its verifier or the digest"))?,
        ((k, v), _) => {
            return Err(bad(&format!(
                "a {k} {v} entry cannot record this kind of signature"
            )))
        }
    };
    if sig.as_deref() != Some(content_signature(content)) {
        return Err(bad("it records another signature"));
    }
    if !pem.is_some_and(|p| names_signer(&p, by)) {
        return Err(bad("it records another certificate or key"));
    }
    if hashed.0.map(|h| h.to_ascii_lowercase()) != Some(hex(&hashed.1)) {
        return Err(bad("it records another artifact or payload"));
    }
    Ok(())
}

/// What a Rekor v2 entry records (hashedrekord 0.0.2: a message signature's artifact, or a DSSE
/// envelope's PAE; dsse 0.0.2: an envelope's payload): the signature, its verifier as PEM, and
/// the digest (as hex) with what it must be. The digests are SHA-256; the verifier is a
/// certificate's or a key's DER.
type Recorded = (Option<Vec<u8>>, Option<Vec<u8>>, (Option<String>, Vec<u8>));

fn v002(
    body: &serde_json::Value,
    content: &Content,
    artifact_sha256: Option<&[u8]>,
) -> Option<Recorded> {
    let (sig, digest, want) = match (field(body, &["spec", "hashedRekordV002"]), content) {
        (Some(spec), Content::Message { .. }) => (
            field(spec, &["signature"])?,
            field(spec, &["data"])?,
            artifact_sha256?.to_vec(),
        ),
        // Rekor v2's "hashedrekord over DSSE": the hash of the envelope's PAE.
        (
            Some(spec),
            Content::Dsse {
                payload_type,
                payload,
                ..
            },
        ) => (
            field(spec, &["signature"])?,
            field(spec, &["data"])?,
            sha256(&super::pae(payload_type, payload)),
        ),
        (None, Content::Dsse { payload, .. }) => {
            let spec = field(body, &["spec", "dsseV002"])?;
            let sigs = field(spec, &["signatures"])?
                .as_array()
                .filter(|a| a.len() == 1)?;
            (
                sigs.first()?,
                field(spec, &["payloadHash"])?,
                sha256(payload),
            )
        }
        (None, Content::Message { .. }) => return None,
    };
    if text(digest, &["algorithm"]) != Some("SHA2_256") {
        return None;
    }
    let hashed = text(digest, &["digest"])
        .and_then(|d| b64(d).ok())
        .map(|d| hex(&d));
    let verifier = field(sig, &["verifier"])?;
    let pem = match (
        text(verifier, &["x509Certificate", "rawBytes"]),
        text(verifier, &["publicKey", "rawBytes"]),
    ) {
        (Some(c), None) => openssl::x509::X509::from_der(&b64(c).ok()?)
            .ok()?
            .to_pem()
            .ok(),
        (None, Some(k)) => openssl::pkey::PKey::public_key_from_der(&b64(k).ok()?)
            .ok()?
            .public_key_to_pem()
            .ok(),
        _ => None,
    };
    let signature = text(sig, &["content"]).and_then(|s| b64(s).ok());
    Some((signature, pem, (hashed, want)))
}

/// Rekor v2's bodies, read by path (their proto3 JSON nests one message per kind).
fn field<'a>(v: &'a serde_json::Value, path: &[&str]) -> Option<&'a serde_json::Value> {
    path.iter().try_fold(v, |v, k| v.get(k))
}

fn text<'a>(v: &'a serde_json::Value, path: &[&str]) -> Option<&'a str> {
    field(v, path)?.as_str()
}

fn content_signature(c: &Content) -> &[u8] {
    match c {
        Content::Message { signature, .. } | Content::Dsse { signature, .. } => signature,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inclusion_proofs_walk_as_rfc_9162_says() {
        let leaf = |i: u8| {
            let mut b = vec![0u8];
            b.push(i);
            sha256(&b)
        };
        let node = |l: &[u8], r: &[u8]| sha256(&[&[1u8][..], l, r].concat());
        // Five leaves: root = H(H(H(0,1),H(2,3)), 4)
        let (h01, h23) = (node(&leaf(0), &leaf(1)), node(&leaf(2), &leaf(3)));
        let root = node(&node(&h01, &h23), &leaf(4));
        assert_eq!(
            root_from(2, 5, leaf(2), &[leaf(3), h01.clone(), leaf(4)]),
            Some(root.clone())
        );
        assert_eq!(
            root_from(4, 5, leaf(4), &[node(&h01, &h23)]),
            Some(root.clone())
        );
        assert_ne!(
            root_from(2, 5, leaf(2), &[leaf(3), h01.clone(), leaf(3)]),
            Some(root.clone())
        );
        assert_eq!(root_from(5, 5, leaf(4), &[node(&h01, &h23)]), None);
        assert_eq!(root_from(4, 5, leaf(4), &[]), None);
    }
}
