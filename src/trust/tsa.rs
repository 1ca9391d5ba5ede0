//! RFC 3161 timestamps: a timestamp authority of the trusted root signed, at `genTime`, the hash
//! of the bundle's signature. A signed time as good as a log's integrated time; Rekor v2 entries
//! have no other.
//!
//! The token is a CMS SignedData over a TSTInfo. Its signature is checked with the signing
//! certificate of a timestamp authority of the trusted root only (a certificate the token
//! carries is never taken instead), that certificate's chain to the authority's root at
//! `genTime`, and `genTime` inside the time the root trusts the authority; the TSTInfo's message
//! imprint must be the signature's hash.

use openssl::cms::{CMSOptions, CmsContentInfo};
use openssl::hash::{hash, MessageDigest};
use openssl::stack::Stack;

use super::root::{Authority, TrustedRoot};
use super::{cert, der, hex, TrustError};

/// Verifies the timestamp `token` (a TimeStampToken or a TimeStampResp holding one) over
/// `signature` against the trusted root's timestamp authorities; returns its `genTime`.
pub(crate) fn verify(
    token: &[u8],
    signature: &[u8],
    root: &TrustedRoot,
) -> Result<i64, TrustError> {
    let token = der::timestamp_token(token).ok_or_else(|| {
        TrustError::timestamp("an RFC 3161 timestamp in the bundle cannot be read")
    })?;
    if root.timestamp_authorities.is_empty() {
        return Err(TrustError::timestamp(
            "the bundle has an RFC 3161 timestamp and the trusted root no timestamp authority",
        ));
    }
    let mut reasons = Vec::new();
    for tsa in &root.timestamp_authorities {
        match by(token, signature, tsa) {
            Ok(t) => return Ok(t),
            Err(e) => reasons.push(format!("{}: {e}", tsa.uri)),
        }
    }
    Err(TrustError::timestamp(format!(
        "an RFC 3161 timestamp does not verify with a timestamp authority of the trusted root ({})",
        reasons.join("; ")
    )))
}

/// The timestamp checked as made by `tsa`.
fn by(token: &[u8], signature: &[u8], tsa: &Authority) -> Result<i64, String> {
    let e = |e: openssl::error::ErrorStack| e.to_string();
    let (signer, chain) = tsa.chain.split_first().ok_or("no certificates")?;
    let mut cms =
        CmsContentInfo::from_der(token).map_err(|_| "not a CMS SignedData".to_string())?;
    let mut certs = Stack::new().map_err(e)?;
    certs.push(signer.clone()).map_err(e)?;
    let mut tst = Vec::new();
    // NOINTERN: only the authority's certificate may have signed; its chain is checked below,
    // at genTime rather than now (a timestamp outlives its authority's certificate).
    cms.verify(
        Some(&certs),
        None,
        None,
        Some(&mut tst),
        CMSOptions::NOINTERN | CMSOptions::NO_SIGNER_CERT_VERIFY | CMSOptions::BINARY,
    )
    .map_err(|_| "its signature does not verify with the authority's certificate".to_string())?;
    let info = der::tst_info(&tst).ok_or("its TSTInfo cannot be read")?;
    let md = [
        ("2.16.840.1.101.3.4.2.1", MessageDigest::sha256()),
        ("2.16.840.1.101.3.4.2.2", MessageDigest::sha384()),
        ("2.16.840.1.101.3.4.2.3", MessageDigest::sha512()),
    ]
    .into_iter()
    .find(|(oid, _)| der::oid(oid) == info.hash_oid)
    .map(|(_, md)| md)
    .ok_or("its message imprint uses a hash other than SHA-256, SHA-384 or SHA-512")?;
    let want = hash(md, signature).map_err(e)?;
    if info.imprint != want.as_ref() {
        return Err(format!(
            "it is over {}, not over the bundle's signature ({})",
            hex(&info.imprint),
            hex(&want)
        ));
    }
    let t = info.gen_time;
    if !tsa.valid.contains(t) {
        return Err(format!(
            "its time {} is outside the time the root trusts the authority",
            crate::utc::utc(t)
        ));
    }
    if chain.is_empty() {
        cert::valid_at_time(signer, t)?;
    } else {
        cert::chain_to(signer, chain, t)?;
    }
    Ok(t)
}
