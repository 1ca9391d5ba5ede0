//! A keyless signer's certificate: it chains to a certificate authority of the trusted root
//! that was trusted at signing time, it carries an SCT that a CT log of the trusted root signed
//! over the precertificate (RFC 6962 §3.2), and it names the identity and issuer required
//! (SAN URI or email; Fulcio's issuer extensions 1.3.6.1.4.1.57264.1.8, else .1.1; GitHub
//! workflow repository .1.5 and ref .1.6).

use openssl::hash::{hash, MessageDigest};
use openssl::stack::Stack;
use openssl::x509::store::X509StoreBuilder;
use openssl::x509::verify::X509VerifyParam;
use openssl::x509::{X509Ref, X509StoreContext, X509};
use regex::Regex;

use super::keys::{verify, Signed};
use super::root::TrustedRoot;
use super::{der, TrustError};

const SCT_LIST: &str = "1.3.6.1.4.1.11129.2.4.2";
const ISSUER_V1: &str = "1.3.6.1.4.1.57264.1.1";
const ISSUER_V2: &str = "1.3.6.1.4.1.57264.1.8";
const GITHUB_REPOSITORY: &str = "1.3.6.1.4.1.57264.1.5";
const GITHUB_REF: &str = "1.3.6.1.4.1.57264.1.6";

/// A value required of a certificate: exact, or a regular expression (as cosign matches it:
/// anywhere in the value unless anchored with `^...$`).
#[derive(Debug, Clone)]
pub enum Matcher {
    /// The whole value, exactly.
    Exact(String),
    /// A regular expression found in the value.
    Regexp(Regex),
}

impl Matcher {
    fn matches(&self, v: &str) -> bool {
        match self {
            Matcher::Exact(s) => s == v,
            Matcher::Regexp(r) => r.is_match(v),
        }
    }
}

impl std::fmt::Display for Matcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Matcher::Exact(s) => write!(f, "{s}"),
            Matcher::Regexp(r) => write!(f, "matching /{}/", r.as_str()),
        }
    }
}

/// Who a keyless signature must come from.
#[derive(Debug, Clone)]
pub struct Identity {
    /// The certificate's subject (SAN URI or email).
    pub subject: Matcher,
    /// The OIDC issuer that vouched for it.
    pub issuer: Matcher,
    /// GitHub Actions: the workflow's repository (`owner/name`), if required.
    pub github_workflow_repository: Option<String>,
    /// GitHub Actions: the workflow's ref (`refs/heads/main`), if required.
    pub github_workflow_ref: Option<String>,
}

/// What a certificate says of its signer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signer {
    /// The SAN URIs and emails.
    pub subjects: Vec<String>,
    /// The OIDC issuer, if the certificate names one.
    pub issuer: Option<String>,
    /// GitHub workflow repository, if named.
    pub github_workflow_repository: Option<String>,
    /// GitHub workflow ref, if named.
    pub github_workflow_ref: Option<String>,
}

impl std::fmt::Display for Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let subjects = if self.subjects.is_empty() {
            "no URI or email subject".to_string()
        } else {
            self.subjects.join(", ")
        };
        write!(
            f,
            "{subjects} (issuer {})",
            self.issuer.as_deref().unwrap_or("none")
        )
    }
}

fn raw_string(cert: &X509Ref, oid: &str) -> Result<Option<String>, TrustError> {
    let der = cert.to_der().map_err(|e| TrustError::cert(e.to_string()))?;
    der::extension(&der, oid)
        .map_err(|()| TrustError::cert(format!("the certificate's extension {oid} cannot be read")))
        .map(|v| v.and_then(|v| String::from_utf8(v).ok()))
}

/// Reads the signer's identity from a certificate.
pub fn signer(cert: &X509Ref) -> Result<Signer, TrustError> {
    let der = cert.to_der().map_err(|e| TrustError::cert(e.to_string()))?;
    let subjects = cert
        .subject_alt_names()
        .map(|names| {
            names
                .iter()
                .filter_map(|n| n.uri().or(n.email()).map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    let v2 = der::extension(&der, ISSUER_V2)
        .map_err(|()| TrustError::cert("the certificate's issuer extension cannot be read"))?;
    let issuer = match v2 {
        Some(v) => Some(der::utf8_string(&v).ok_or_else(|| {
            TrustError::cert("the certificate's issuer (v2) is not a UTF8String")
        })?),
        None => raw_string(cert, ISSUER_V1)?,
    };
    Ok(Signer {
        subjects,
        issuer,
        github_workflow_repository: raw_string(cert, GITHUB_REPOSITORY)?,
        github_workflow_ref: raw_string(cert, GITHUB_REF)?,
    })
}

/// Checks the signer against the identity required; the error names both.
pub fn check_identity(signer: &Signer, want: &Identity) -> Result<(), TrustError> {
    let mismatch = |what: &str| {
        TrustError::identity(format!(
            "{what}: required subject {} from issuer {}{}{}; the certificate names {signer}{}{}",
            want.subject,
            want.issuer,
            want.github_workflow_repository
                .as_ref()
                .map(|r| format!(", workflow repository {r}"))
                .unwrap_or_default(),
            want.github_workflow_ref
                .as_ref()
                .map(|r| format!(", workflow ref {r}"))
                .unwrap_or_default(),
            signer
                .github_workflow_repository
                .as_ref()
                .map(|r| format!(", workflow repository {r}"))
                .unwrap_or_default(),
            signer
                .github_workflow_ref
                .as_ref()
                .map(|r| format!(", workflow ref {r}"))
                .unwrap_or_default(),
        ))
    };
    if !signer.subjects.iter().any(|s| want.subject.matches(s)) {
        return Err(mismatch("signed by another identity"));
    }
    if !signer
        .issuer
        .as_deref()
        .is_some_and(|i| want.issuer.matches(i))
    {
        return Err(mismatch("signed through another OIDC issuer"));
    }
    let extra = |want: &Option<String>, got: &Option<String>| {
        want.as_ref().is_none_or(|w| got.as_ref() == Some(w))
    };
    if !extra(
        &want.github_workflow_repository,
        &signer.github_workflow_repository,
    ) {
        return Err(mismatch("signed by another GitHub workflow repository"));
    }
    if !extra(&want.github_workflow_ref, &signer.github_workflow_ref) {
        return Err(mismatch("signed by a GitHub workflow at another ref"));
    }
    Ok(())
}

/// Whether a certificate is self-signed (a root has no place in a bundle).
fn self_signed(cert: &X509Ref) -> bool {
    cert.issued(cert) == openssl::x509::X509VerifyResult::OK
        && cert
            .public_key()
            .is_ok_and(|k| cert.verify(&k).unwrap_or(false))
}

/// Chains `leaf` to a certificate authority of `root` trusted at `at`; returns the certificate
/// that issued the leaf. What a bundle carries beside the leaf is never used: the chain comes
/// from the trusted root alone.
pub fn chain(leaf: &X509Ref, root: &TrustedRoot, at: i64) -> Result<X509, TrustError> {
    if self_signed(leaf) {
        return Err(TrustError::cert("the signing certificate is self-signed; it must come from a certificate authority of the trusted root"));
    }
    let mut reasons = Vec::new();
    for ca in root.authorities.iter().filter(|a| a.valid.contains(at)) {
        match chain_to(leaf, &ca.chain, at) {
            Ok(issuer) => return Ok(issuer),
            Err(e) => reasons.push(format!("{}: {e}", ca.uri)),
        }
    }
    Err(TrustError::cert(format!(
        "the certificate does not chain to a certificate authority of the trusted root valid at {} ({})",
        crate::utc::utc(at),
        if reasons.is_empty() { "none was trusted then".to_string() } else { reasons.join("; ") }
    )))
}

/// Whether `c` is valid at `at` (Unix seconds), both ends included.
pub(crate) fn valid_at_time(c: &X509Ref, at: i64) -> Result<(), String> {
    let t = openssl::asn1::Asn1Time::from_unix(at).map_err(|e| e.to_string())?;
    let inside = c.not_before().compare(&t).is_ok_and(|o| o.is_le())
        && c.not_after().compare(&t).is_ok_and(|o| o.is_ge());
    if inside {
        Ok(())
    } else {
        Err(format!(
            "the certificate is valid from {} to {}, not at {}",
            c.not_before(),
            c.not_after(),
            crate::utc::utc(at)
        ))
    }
}

/// `leaf`'s chain through `ca` (intermediates first, the anchor last) verified at `at`;
/// returns the leaf's issuer.
pub(crate) fn chain_to(leaf: &X509Ref, ca: &[X509], at: i64) -> Result<X509, String> {
    let (anchor, intermediates) = ca.split_last().ok_or("no certificates")?;
    let e = |e: openssl::error::ErrorStack| e.to_string();
    let mut store = X509StoreBuilder::new().map_err(e)?;
    store.add_cert(anchor.clone()).map_err(e)?;
    let mut param = X509VerifyParam::new().map_err(e)?;
    param.set_time(at as libc::time_t);
    store.set_param(&param).map_err(e)?;
    let store = store.build();
    let mut untrusted = Stack::new().map_err(e)?;
    for c in intermediates {
        untrusted.push(c.clone()).map_err(e)?;
    }
    let mut ctx = X509StoreContext::new().map_err(e)?;
    ctx.init(&store, leaf, &untrusted, |c| {
        if c.verify_cert()? {
            let issuer = c.chain().and_then(|ch| ch.get(1).map(|i| i.to_owned()));
            Ok(issuer.ok_or_else(|| "the chain has no issuer".to_string()))
        } else {
            Ok(Err(c.error().error_string().to_string()))
        }
    })
    .map_err(e)?
}

/// A byte reader over the TLS encoding of an SCT list.
struct Tls<'a>(&'a [u8]);

impl<'a> Tls<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        (self.0.len() >= n).then(|| {
            let (a, b) = self.0.split_at(n);
            self.0 = b;
            a
        })
    }
    fn int(&mut self, n: usize) -> Option<u64> {
        Some(self.take(n)?.iter().fold(0u64, |a, &b| (a << 8) | b as u64))
    }
    fn vec(&mut self, len_bytes: usize) -> Option<&'a [u8]> {
        let n = self.int(len_bytes)? as usize;
        self.take(n)
    }
}

/// Checks that the leaf carries an SCT from a CT log of `root`, signed over the
/// precertificate `issuer` issued.
pub fn sct(leaf: &X509Ref, issuer: &X509Ref, root: &TrustedRoot) -> Result<(), TrustError> {
    let bad = |m: &str| TrustError::cert(format!("certificate transparency: {m}"));
    let der = leaf.to_der().map_err(|e| bad(&e.to_string()))?;
    let ext = der::extension(&der, SCT_LIST)
        .map_err(|()| bad("the SCT list extension cannot be read"))?
        .ok_or_else(|| bad("the certificate carries no SCT"))?;
    let (inner, _) = der::read(&ext)
        .filter(|(t, r)| t.tag == der::OCTET_STRING && r.is_empty())
        .ok_or_else(|| bad("the SCT list is not an OCTET STRING"))?;
    let tbs = der::tbs_without(&der, SCT_LIST)
        .ok_or_else(|| bad("the certificate's DER cannot be read"))?;
    let spki = issuer
        .public_key()
        .and_then(|k| k.public_key_to_der())
        .map_err(|e| bad(&e.to_string()))?;
    let issuer_hash = hash(MessageDigest::sha256(), &spki).map_err(|e| bad(&e.to_string()))?;
    let mut list = Tls(inner.body);
    let mut scts = Tls(list
        .vec(2)
        .ok_or_else(|| bad("the SCT list is truncated"))?);
    let mut seen = 0;
    while !scts.0.is_empty() {
        let one = scts.vec(2).ok_or_else(|| bad("an SCT is truncated"))?;
        seen += 1;
        if one_sct(one, &issuer_hash, &tbs, root) {
            return Ok(());
        }
    }
    Err(bad(&format!(
        "none of the certificate's {seen} SCTs is signed by a CT log of the trusted root valid at its time"
    )))
}

fn one_sct(sct: &[u8], issuer_hash: &[u8], tbs: &[u8], root: &TrustedRoot) -> bool {
    let mut r = Tls(sct);
    let parsed = (|| {
        let version = r.int(1)?;
        let log_id = r.take(32)?;
        let ts = r.int(8)?;
        let ext = r.vec(2)?;
        let _algs = r.take(2)?;
        let sig = r.vec(2)?;
        (version == 0 && r.0.is_empty()).then_some((log_id, ts, ext, sig))
    })();
    let Some((log_id, ts, ext, sig)) = parsed else {
        return false;
    };
    let Some(log) = root.ctlogs.iter().find(|l| l.log_id == log_id) else {
        return false;
    };
    if !log.valid.contains((ts / 1000) as i64) || tbs.len() >= 1 << 24 {
        return false;
    }
    let mut signed = vec![0u8, 0];
    signed.extend_from_slice(&ts.to_be_bytes());
    signed.extend_from_slice(&[0, 1]);
    signed.extend_from_slice(issuer_hash);
    signed.extend_from_slice(&(tbs.len() as u32).to_be_bytes()[1..]);
    signed.extend_from_slice(tbs);
    signed.extend_from_slice(&(ext.len() as u16).to_be_bytes());
    signed.extend_from_slice(ext);
    verify(&log.key, &Signed::Bytes(&signed), sig)
}
