//! A sigstore bundle (`application/vnd.dev.sigstore.bundle+json;version=0.1|0.2|0.3`, or
//! `application/vnd.dev.sigstore.bundle.v0.3+json`): the verification material (a certificate,
//! a chain, or a key's hint), the transparency log entries, and the content: a message
//! signature or a DSSE envelope. Read into [`Bundle`], which cosign's older storage forms are
//! turned into too.

use openssl::x509::X509;
use serde::{Deserialize, Deserializer};

use super::root::{certificates, RawCert, RawChain};
use super::{b64, TrustError};

/// The bundle format's version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Version {
    /// v0.1: an inclusion promise (SET) is required.
    V01,
    /// v0.2: an inclusion proof is required.
    V02,
    /// v0.3: an inclusion proof is required; a single certificate, not a chain.
    V03,
}

/// Who signed, as the bundle says.
pub enum Material {
    /// A certificate, the leaf first (and intermediates a v0.1/v0.2 chain carries).
    Certificates(Vec<X509>),
    /// A key, known to the verifier; the bundle gives only a hint.
    PublicKey,
}

/// What was signed.
pub enum Content {
    /// A signature over the artifact; the digest is the bundle's unauthenticated hint.
    Message {
        /// `(algorithm, digest)` as the bundle states them (`SHA2_256`...).
        digest: Option<(String, Vec<u8>)>,
        /// The signature.
        signature: Vec<u8>,
    },
    /// A DSSE envelope; exactly one signature.
    Dsse {
        /// The payload's type (`application/vnd.in-toto+json`...).
        payload_type: String,
        /// The payload.
        payload: Vec<u8>,
        /// The one signature over its PAE.
        signature: Vec<u8>,
    },
}

/// A transparency log's inclusion proof.
pub struct Proof {
    /// The entry's index in the tree the proof is for.
    pub log_index: u64,
    /// The tree's root hash.
    pub root_hash: Vec<u8>,
    /// The tree's size.
    pub tree_size: u64,
    /// The audit path, leaf upward.
    pub hashes: Vec<Vec<u8>>,
    /// The signed checkpoint (a signed note) naming the root hash.
    pub checkpoint: String,
}

/// One transparency log entry.
pub struct TlogEntry {
    /// The entry's global index.
    pub log_index: u64,
    /// The log's ID.
    pub log_id: Vec<u8>,
    /// The entry's kind and version (`hashedrekord`, `0.0.1`).
    pub kind: String,
    /// The entry's kind's version.
    pub version: String,
    /// When the log integrated it (Unix seconds).
    pub integrated_time: i64,
    /// The signed entry timestamp, if any.
    pub set: Option<Vec<u8>>,
    /// The inclusion proof, if any.
    pub proof: Option<Proof>,
    /// The entry's canonicalized body (JSON).
    pub body: Vec<u8>,
}

/// A bundle, read.
pub struct Bundle {
    /// The format's version.
    pub version: Version,
    /// Who signed.
    pub material: Material,
    /// The log entries.
    pub tlog: Vec<TlogEntry>,
    /// What was signed.
    pub content: Content,
    /// RFC 3161 timestamp tokens (DER), as carried.
    pub timestamps: Vec<Vec<u8>>,
}

/// A protobuf-JSON int64: a string of digits, or a number.
fn int64<'de, D: Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum N {
        S(String),
        N(i64),
    }
    match N::deserialize(d)? {
        N::N(n) => Ok(n),
        N::S(s) => s.parse().map_err(serde::de::Error::custom),
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawBundle {
    media_type: String,
    verification_material: RawMaterial,
    message_signature: Option<RawMessage>,
    dsse_envelope: Option<RawEnvelope>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawMaterial {
    x509_certificate_chain: Option<RawChain>,
    certificate: Option<RawCert>,
    /// Its hint is not read: the key comes from the requirement.
    public_key: Option<serde::de::IgnoredAny>,
    #[serde(default)]
    tlog_entries: Vec<RawEntry>,
    timestamp_verification_data: Option<RawTimestamps>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawTimestamps {
    #[serde(default)]
    rfc3161_timestamps: Vec<RawTimestamp>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawTimestamp {
    signed_timestamp: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawEntry {
    // proto3's JSON leaves out a field at its default: a log index of 0 is written as none
    // (sigstore-js does so).
    #[serde(deserialize_with = "int64", default)]
    log_index: i64,
    log_id: RawLogId,
    kind_version: RawKind,
    #[serde(deserialize_with = "int64", default)]
    integrated_time: i64,
    inclusion_promise: Option<RawPromise>,
    inclusion_proof: Option<RawProof>,
    canonicalized_body: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawLogId {
    key_id: String,
}

#[derive(Deserialize)]
struct RawKind {
    kind: String,
    version: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawPromise {
    signed_entry_timestamp: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawProof {
    #[serde(deserialize_with = "int64", default)]
    log_index: i64,
    root_hash: String,
    #[serde(deserialize_with = "int64")]
    tree_size: i64,
    #[serde(default)]
    hashes: Vec<String>,
    checkpoint: Option<RawCheckpoint>,
}

#[derive(Deserialize)]
struct RawCheckpoint {
    envelope: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawMessage {
    message_digest: Option<RawDigest>,
    signature: String,
}

#[derive(Deserialize)]
struct RawDigest {
    algorithm: String,
    digest: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawEnvelope {
    payload: String,
    payload_type: String,
    #[serde(default)]
    signatures: Vec<RawSig>,
}

#[derive(Deserialize)]
struct RawSig {
    sig: String,
}

fn version(media_type: &str) -> Result<Version, TrustError> {
    match media_type {
        "application/vnd.dev.sigstore.bundle+json;version=0.1" => Ok(Version::V01),
        "application/vnd.dev.sigstore.bundle+json;version=0.2" => Ok(Version::V02),
        "application/vnd.dev.sigstore.bundle+json;version=0.3"
        | "application/vnd.dev.sigstore.bundle.v0.3+json" => Ok(Version::V03),
        other => Err(TrustError::bundle(format!(
            "unsupported bundle media type {other:?}"
        ))),
    }
}

fn decode(s: &str, what: &str) -> Result<Vec<u8>, TrustError> {
    b64(s).map_err(|_| TrustError::bundle(format!("{what} is not base64")))
}

fn unsigned(n: i64, what: &str) -> Result<u64, TrustError> {
    u64::try_from(n).map_err(|_| TrustError::bundle(format!("{what} is negative ({n})")))
}

fn entry(raw: RawEntry) -> Result<TlogEntry, TrustError> {
    let proof = match raw.inclusion_proof {
        None => None,
        Some(p) => Some(Proof {
            log_index: unsigned(p.log_index, "the inclusion proof's log index")?,
            root_hash: decode(&p.root_hash, "the inclusion proof's root hash")?,
            tree_size: unsigned(p.tree_size, "the inclusion proof's tree size")?,
            hashes: p
                .hashes
                .iter()
                .map(|h| decode(h, "an inclusion proof hash"))
                .collect::<Result<_, _>>()?,
            checkpoint: p
                .checkpoint
                .map(|c| c.envelope)
                .ok_or_else(|| TrustError::bundle("the inclusion proof has no checkpoint"))?,
        }),
    };
    Ok(TlogEntry {
        log_index: unsigned(raw.log_index, "a log entry's index")?,
        log_id: decode(&raw.log_id.key_id, "a log ID")?,
        kind: raw.kind_version.kind,
        version: raw.kind_version.version,
        integrated_time: raw.integrated_time,
        set: raw
            .inclusion_promise
            .map(|p| decode(&p.signed_entry_timestamp, "a signed entry timestamp"))
            .transpose()?,
        proof,
        body: decode(&raw.canonicalized_body, "a log entry's body")?,
    })
}

fn material(raw: &RawMaterial, version: Version) -> Result<Material, TrustError> {
    let bad = |m: &str| TrustError::bundle(m.to_string());
    match (
        &raw.certificate,
        &raw.x509_certificate_chain,
        &raw.public_key,
    ) {
        (Some(c), None, None) => {
            let der = decode(&c.raw_bytes, "the certificate")?;
            let cert = X509::from_der(&der).map_err(|_| bad("the certificate is not DER"))?;
            Ok(Material::Certificates(vec![cert]))
        }
        (None, Some(chain), None) if version < Version::V03 => {
            let certs = certificates(chain, "the bundle's chain").map_err(|e| bad(&e.message))?;
            if certs.is_empty() {
                return Err(bad("the bundle's certificate chain is empty"));
            }
            Ok(Material::Certificates(certs))
        }
        (None, Some(_), None) => Err(bad("a v0.3 bundle carries one certificate, not a chain")),
        (None, None, Some(_)) => Ok(Material::PublicKey),
        _ => Err(bad(
            "the bundle needs exactly one of a certificate, a chain or a public key",
        )),
    }
}

fn content(msg: Option<RawMessage>, env: Option<RawEnvelope>) -> Result<Content, TrustError> {
    match (msg, env) {
        (Some(m), None) => Ok(Content::Message {
            digest: m
                .message_digest
                .map(|d| {
                    Ok::<_, TrustError>((d.algorithm, decode(&d.digest, "the message digest")?))
                })
                .transpose()?,
            signature: decode(&m.signature, "the signature")?,
        }),
        (None, Some(e)) => {
            let [sig] = e.signatures.as_slice() else {
                return Err(TrustError::bundle(format!(
                    "the DSSE envelope has {} signatures; exactly one is verified",
                    e.signatures.len()
                )));
            };
            Ok(Content::Dsse {
                payload_type: e.payload_type,
                payload: decode(&e.payload, "the DSSE payload")?,
                signature: decode(&sig.sig, "the DSSE signature")?,
            })
        }
        _ => Err(TrustError::bundle(
            "the bundle needs exactly one of a message signature or a DSSE envelope",
        )),
    }
}

impl Bundle {
    /// Reads a bundle's JSON; refuses what it cannot read whole.
    pub fn from_json(json: &[u8]) -> Result<Bundle, TrustError> {
        let raw: RawBundle = serde_json::from_slice(json)
            .map_err(|e| TrustError::bundle(format!("not a sigstore bundle: {e}")))?;
        let version = version(&raw.media_type)?;
        let material = material(&raw.verification_material, version)?;
        let timestamps = raw
            .verification_material
            .timestamp_verification_data
            .iter()
            .flat_map(|t| &t.rfc3161_timestamps)
            .map(|t| decode(&t.signed_timestamp, "an RFC 3161 timestamp"))
            .collect::<Result<_, _>>()?;
        let tlog = raw
            .verification_material
            .tlog_entries
            .into_iter()
            .map(entry)
            .collect::<Result<_, _>>()?;
        Ok(Bundle {
            version,
            material,
            tlog,
            content: content(raw.message_signature, raw.dsse_envelope)?,
            timestamps,
        })
    }

    /// The signature this bundle carries.
    pub fn signature(&self) -> &[u8] {
        match &self.content {
            Content::Message { signature, .. } | Content::Dsse { signature, .. } => signature,
        }
    }
}
