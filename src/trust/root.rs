//! A sigstore `trusted_root.json` (media type `application/vnd.dev.sigstore.trustedroot+json`):
//! the transparency logs, certificate authorities and CT logs a signature may come from, each
//! with the time range it is trusted for. The public-good instance's root ships with the binary
//! ([`TrustedRoot::public_good`]).

use openssl::hash::{hash, MessageDigest};
use openssl::pkey::{PKey, Public};
use openssl::x509::X509;
use serde::Deserialize;

use super::{b64, TrustError};

/// The public-good instance's `trusted_root.json`, as shipped (see `assets/sigstore/SOURCES.md`).
pub const PUBLIC_GOOD: &[u8] = include_bytes!("../../assets/sigstore/trusted_root.json");
/// Where and when the shipped root was taken: `taken: YYYY-MM-DD` and `from: URL` lines,
/// written by `scripts/refresh-trusted-root` beside the root.
pub const PUBLIC_GOOD_SOURCE: &str = include_str!("../../assets/sigstore/trusted_root.source");

/// The value of `key: value` in [`PUBLIC_GOOD_SOURCE`].
pub fn public_good_source(key: &str) -> Option<&'static str> {
    PUBLIC_GOOD_SOURCE.lines().find_map(|l| {
        l.split_once(':')
            .filter(|(k, _)| k.trim() == key)
            .map(|(_, v)| v.trim())
    })
}

/// What `imgbump --version -v` says of the shipped root: when and where it was taken, its
/// SHA-256, what it holds and the newest start of trust in it (a root that has not been
/// refreshed for long misses the logs and authorities started since).
pub fn public_good_summary() -> String {
    let digest = hash(MessageDigest::sha256(), PUBLIC_GOOD)
        .map_or_else(|e| e.to_string(), |d| super::hex(&d));
    let taken = public_good_source("taken").unwrap_or("unknown");
    let from = public_good_source("from").unwrap_or("unknown");
    let held = match TrustedRoot::public_good() {
        Ok(root) => {
            let newest = root
                .tlogs
                .iter()
                .chain(&root.ctlogs)
                .map(|l| l.valid.start)
                .chain(root.authorities.iter().map(|a| a.valid.start))
                .max()
                .map_or_else(|| "none".to_string(), crate::utc::utc);
            let n = |n: usize, one: &str, more: &str| {
                format!("{n} {}", if n == 1 { one } else { more })
            };
            format!(
                "{}, {}, {}; the newest trusted from {newest}",
                n(root.tlogs.len(), "transparency log", "transparency logs"),
                n(
                    root.authorities.len(),
                    "certificate authority",
                    "certificate authorities"
                ),
                n(root.ctlogs.len(), "CT log", "CT logs"),
            )
        }
        Err(e) => format!("unreadable: {e}"),
    };
    format!(
        "sigstore trusted root (public-good, built in): taken {taken}, sha256:{digest}\n  from {from}\n  {held}\n  refresh: scripts/refresh-trusted-root; or give --trusted-root FILE"
    )
}

/// A closed time range in Unix seconds; no end means still trusted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Validity {
    /// The first second trusted.
    pub start: i64,
    /// The last second trusted, if it ended.
    pub end: Option<i64>,
}

impl Validity {
    /// Whether `t` falls inside, both ends included.
    pub fn contains(&self, t: i64) -> bool {
        t >= self.start && self.end.is_none_or(|e| t <= e)
    }
}

/// A log's key: a transparency log (Rekor) or a certificate transparency log.
pub struct LogKey {
    /// The log's ID: SHA-256 of its key's DER (SubjectPublicKeyInfo).
    pub log_id: Vec<u8>,
    /// Its public key.
    pub key: PKey<Public>,
    /// The SHA-256 of the key's DER, whose first four bytes a checkpoint's signature names.
    pub key_hash: [u8; 32],
    /// Where it is served (for messages).
    pub base_url: String,
    /// When it was trusted.
    pub valid: Validity,
}

/// A certificate authority: its chain, leaf-most first, the root last.
pub struct Authority {
    /// The certificates, the issuing intermediate first, the root last.
    pub chain: Vec<X509>,
    /// Its URI (for messages).
    pub uri: String,
    /// When it was trusted to issue.
    pub valid: Validity,
}

/// What a trusted root holds.
pub struct TrustedRoot {
    /// Transparency logs (Rekor).
    pub tlogs: Vec<LogKey>,
    /// Certificate authorities (Fulcio).
    pub authorities: Vec<Authority>,
    /// Certificate transparency logs.
    pub ctlogs: Vec<LogKey>,
    /// RFC 3161 timestamp authorities: each chain starts with the certificate that signs.
    pub timestamp_authorities: Vec<Authority>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawRoot {
    media_type: String,
    #[serde(default)]
    tlogs: Vec<RawLog>,
    #[serde(default)]
    certificate_authorities: Vec<RawAuthority>,
    #[serde(default)]
    ctlogs: Vec<RawLog>,
    #[serde(default)]
    timestamp_authorities: Vec<RawAuthority>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawLog {
    #[serde(default)]
    base_url: String,
    public_key: RawKey,
    log_id: RawLogId,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawLogId {
    key_id: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawKey {
    raw_bytes: String,
    valid_for: Option<RawRange>,
}

#[derive(Deserialize)]
struct RawRange {
    start: Option<String>,
    end: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawAuthority {
    #[serde(default)]
    uri: String,
    cert_chain: RawChain,
    valid_for: Option<RawRange>,
}

#[derive(Deserialize)]
pub(crate) struct RawChain {
    #[serde(default)]
    pub certificates: Vec<RawCert>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct RawCert {
    pub raw_bytes: String,
}

/// Reads an RFC 3339 time as Unix seconds; `round_up` for a range's start with a fraction
/// (so a second that begins before it is not inside).
fn time(s: &str, round_up: bool) -> Option<i64> {
    let secs = crate::utc::parse(s)?;
    let fraction = s
        .split_once('.')
        .is_some_and(|(_, f)| f.bytes().take_while(u8::is_ascii_digit).any(|b| b != b'0'));
    Some(if round_up && fraction { secs + 1 } else { secs })
}

fn validity(range: Option<&RawRange>, what: &str) -> Result<Validity, TrustError> {
    let bad = |m: &str| TrustError::root(format!("{what}: {m}"));
    let range = range.ok_or_else(|| bad("no validFor"))?;
    let start = range
        .start
        .as_deref()
        .ok_or_else(|| bad("validFor has no start"))?;
    let start = time(start, true)
        .ok_or_else(|| bad(&format!("validFor start {start:?} is not an RFC 3339 time")))?;
    let end = match range.end.as_deref() {
        None => None,
        Some(e) => Some(
            time(e, false)
                .ok_or_else(|| bad(&format!("validFor end {e:?} is not an RFC 3339 time")))?,
        ),
    };
    Ok(Validity { start, end })
}

fn log(raw: &RawLog, what: &str) -> Result<LogKey, TrustError> {
    let what = format!("{what} {}", raw.base_url);
    let der = b64(&raw.public_key.raw_bytes)
        .map_err(|_| TrustError::root(format!("{what}: the key is not base64")))?;
    let key = PKey::public_key_from_der(&der)
        .or_else(|_| openssl::rsa::Rsa::public_key_from_der_pkcs1(&der).and_then(PKey::from_rsa))
        .map_err(|_| TrustError::root(format!("{what}: the key is not a DER public key")))?;
    let key_hash: [u8; 32] = hash(MessageDigest::sha256(), &der)
        .map_err(|e| TrustError::root(format!("{what}: {e}")))?
        .as_ref()
        .try_into()
        .map_err(|_| TrustError::root(format!("{what}: SHA-256 is not 32 bytes")))?;
    Ok(LogKey {
        log_id: b64(&raw.log_id.key_id)
            .map_err(|_| TrustError::root(format!("{what}: the logId is not base64")))?,
        key,
        key_hash,
        base_url: raw.base_url.clone(),
        valid: validity(raw.public_key.valid_for.as_ref(), &what)?,
    })
}

fn authority(a: &RawAuthority, kind: &str) -> Result<Authority, TrustError> {
    let what = format!("{kind} {}", a.uri);
    let chain = certificates(&a.cert_chain, &what)?;
    if chain.is_empty() {
        return Err(TrustError::root(format!("{what}: no certificates")));
    }
    Ok(Authority {
        chain,
        uri: a.uri.clone(),
        valid: validity(a.valid_for.as_ref(), &what)?,
    })
}

/// The certificates of a chain, decoded.
pub(crate) fn certificates(chain: &RawChain, what: &str) -> Result<Vec<X509>, TrustError> {
    chain
        .certificates
        .iter()
        .map(|c| {
            b64(&c.raw_bytes)
                .ok()
                .and_then(|der| X509::from_der(&der).ok())
                .ok_or_else(|| TrustError::root(format!("{what}: a certificate is not base64 DER")))
        })
        .collect()
}

impl TrustedRoot {
    /// Reads a `trusted_root.json`. Every key and certificate must decode and every entry
    /// have a start of validity: a malformed root is refused, never read as "trust all".
    pub fn from_json(json: &[u8]) -> Result<TrustedRoot, TrustError> {
        let raw: RawRoot = serde_json::from_slice(json)
            .map_err(|e| TrustError::root(format!("not a sigstore trusted root: {e}")))?;
        if !raw
            .media_type
            .starts_with("application/vnd.dev.sigstore.trustedroot")
        {
            return Err(TrustError::root(format!(
                "unknown media type {:?}",
                raw.media_type
            )));
        }
        let tlogs = raw
            .tlogs
            .iter()
            .map(|l| log(l, "transparency log"))
            .collect::<Result<_, _>>()?;
        let ctlogs = raw
            .ctlogs
            .iter()
            .map(|l| log(l, "CT log"))
            .collect::<Result<_, _>>()?;
        let authorities = raw
            .certificate_authorities
            .iter()
            .map(|a| authority(a, "certificate authority"))
            .collect::<Result<_, _>>()?;
        let timestamp_authorities = raw
            .timestamp_authorities
            .iter()
            .map(|a| authority(a, "timestamp authority"))
            .collect::<Result<_, _>>()?;
        Ok(TrustedRoot {
            tlogs,
            authorities,
            ctlogs,
            timestamp_authorities,
        })
    }

    /// The public-good instance's root, as shipped with the binary.
    pub fn public_good() -> Result<TrustedRoot, TrustError> {
        TrustedRoot::from_json(PUBLIC_GOOD)
    }

    /// The transparency log with this ID.
    pub(crate) fn tlog(&self, log_id: &[u8]) -> Option<&LogKey> {
        self.tlogs.iter().find(|l| l.log_id == log_id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_root_reads() {
        let root = TrustedRoot::public_good().unwrap();
        assert!(root
            .tlogs
            .iter()
            .any(|l| l.base_url == "https://rekor.sigstore.dev"));
        assert_eq!(root.authorities.len(), 2);
        assert!(!root.ctlogs.is_empty());
        for l in root.tlogs.iter().chain(&root.ctlogs) {
            assert_eq!(l.log_id, l.key_hash, "{}", l.base_url);
        }
    }

    #[test]
    fn the_shipped_root_says_when_and_where_it_was_taken() {
        let taken = public_good_source("taken").unwrap();
        assert!(crate::utc::parse(taken).is_some(), "{taken}");
        assert!(public_good_source("from").unwrap().starts_with("https://"));
        assert_eq!(public_good_source("nothing"), None);
        let said = public_good_summary();
        assert!(said.contains(&format!("taken {taken}, sha256:")), "{said}");
        assert!(
            said.contains("certificate authorities") && !said.contains("unreadable"),
            "{said}"
        );
    }

    #[test]
    fn ranges_are_closed_and_a_fractional_start_rounds_up() {
        assert_eq!(time("2021-01-12T11:53:27.000Z", true), Some(1610452407));
        assert_eq!(time("2021-01-12T11:53:27.5Z", true), Some(1610452408));
        assert_eq!(time("2022-12-31T23:59:59.999Z", false), Some(1672531199));
        let v = Validity {
            start: 10,
            end: Some(20),
        };
        assert!(v.contains(10) && v.contains(20) && !v.contains(9) && !v.contains(21));
    }

    #[test]
    fn a_log_without_a_start_is_refused() {
        let json = String::from_utf8(PUBLIC_GOOD.to_vec()).unwrap().replacen(
            "\"start\": \"2021-01-12T11:53:27.000Z\"",
            "\"x\": 1",
            1,
        );
        let err = TrustedRoot::from_json(json.as_bytes()).err().unwrap();
        assert!(err.to_string().contains("validFor has no start"), "{err}");
    }
}
