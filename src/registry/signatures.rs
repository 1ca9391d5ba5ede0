//! Where cosign keeps an image's signatures, fetched for one manifest digest: cosign v2's
//! `sha256-<hex>.sig` tag (an image manifest whose layers are simple-signing payloads, each
//! with its annotations), then cosign v3's sigstore bundles through the OCI referrers API
//! (`GET /v2/<name>/referrers/<digest>`), or, where the registry has none, the referrers tag
//! schema (`sha256-<hex>`). Every answer is hostile: sizes bounded, counts bounded, every blob
//! and manifest fetched by digest checked against its digest, a referrer's subject checked.
//! What it finds is checked by `trust::cosign`; this file knows nothing of verification.

use serde_json::Value;

use super::{hex_sha256, unavailable, Registry, RegistryError, Session};
use crate::reference::Reference;

/// The most signature layers, referrers or bundles read for one image.
const MAX_ITEMS: usize = 32;
/// The largest payload or bundle read.
const BLOB_MAX: usize = 1 << 20;
/// cosign v2's simple-signing layer type.
const SIMPLE_SIGNING: &str = "application/vnd.dev.cosign.simplesigning.v1+json";
/// What a sigstore bundle's artifact type starts with (v0.3: `...bundle.v0.3+json`).
const BUNDLE_TYPE: &str = "application/vnd.dev.sigstore.bundle";

/// One signature as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stored {
    /// cosign v2: a simple-signing payload and its layer's annotations.
    SimpleSigning {
        /// The payload's bytes (checked against the layer's digest).
        payload: Vec<u8>,
        /// The layer's annotations, in order.
        annotations: Vec<(String, String)>,
    },
    /// cosign v3: a sigstore bundle's JSON (checked against its layer's digest).
    Bundle(Vec<u8>),
}

/// What was found for one digest.
#[derive(Debug, Clone, Default)]
pub struct Signatures {
    /// Each signature with where it was found (`<repo>:sha256-<hex>.sig layer 1`, ...).
    pub found: Vec<(String, Stored)>,
    /// Whether the registry answered the referrers API (else the tag schema was read).
    pub referrers_api: bool,
    /// HTTP requests made.
    pub requests: u32,
}

fn valid_digest(d: &str) -> bool {
    d.strip_prefix("sha256:")
        .is_some_and(|h| h.len() == 64 && h.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')))
}

/// A body and its `Content-Type`, or nothing (HTTP 404).
type Fetched = Option<(Vec<u8>, Option<String>)>;

impl Registry {
    /// Every cosign signature stored for `digest` (`sha256:<hex>`) of `reference`'s repository.
    pub fn signatures(
        &mut self,
        reference: &Reference,
        digest: &str,
    ) -> Result<Signatures, RegistryError> {
        if !valid_digest(digest) {
            return Err(unavailable(format!("{digest} is not a sha256 digest")));
        }
        let s = self.session(reference)?;
        let mut out = Signatures {
            requests: s.requests,
            ..Signatures::default()
        };
        let hex = &digest["sha256:".len()..];
        self.v2_tag(&s, hex, &mut out)?;
        self.v3_referrers(&s, digest, hex, &mut out)?;
        Ok(out)
    }

    /// GET `url`; `None` on 404; the body otherwise (bounded), or an error naming the answer.
    fn get_opt(
        &self,
        s: &Session,
        url: &str,
        requests: &mut u32,
    ) -> Result<Fetched, RegistryError> {
        let a = self.follow("GET", url, &s.host, s.auth.as_deref(), requests)?;
        match a.status {
            200 => Ok(Some((a.body, a.content_type))),
            404 => Ok(None),
            code => Err(unavailable(format!(
                "the registry {} answered HTTP {code} for {}",
                s.host,
                url.strip_prefix(&s.base).unwrap_or(url)
            ))),
        }
    }

    /// GET a manifest or blob by digest: present, within the bound, and matching the digest.
    fn by_digest(
        &self,
        s: &Session,
        kind: &str,
        digest: &str,
        requests: &mut u32,
    ) -> Result<Vec<u8>, RegistryError> {
        if !valid_digest(digest) {
            return Err(unavailable(format!(
                "the registry {} names {digest:?}, not a sha256 digest",
                s.host
            )));
        }
        let url = format!("{}/v2/{}/{kind}/{digest}", s.base, s.path);
        let (body, _) = self.get_opt(s, &url, requests)?.ok_or_else(|| {
            unavailable(format!(
                "the registry {} lists {digest} but has no such {kind} entry",
                s.host
            ))
        })?;
        if body.len() > BLOB_MAX && kind == "blobs" {
            return Err(unavailable(format!(
                "{digest} on {} is over {BLOB_MAX} bytes",
                s.host
            )));
        }
        if format!("sha256:{}", hex_sha256(&body)) != digest {
            return Err(unavailable(format!(
                "the registry {} answered other bytes for {digest}",
                s.host
            )));
        }
        Ok(body)
    }

    /// cosign v2: the `sha256-<hex>.sig` tag's simple-signing layers.
    fn v2_tag(&self, s: &Session, hex: &str, out: &mut Signatures) -> Result<(), RegistryError> {
        let tag = format!("sha256-{hex}.sig");
        let url = format!("{}/v2/{}/manifests/{tag}", s.base, s.path);
        let Some((body, _)) = self.get_opt(s, &url, &mut out.requests)? else {
            return Ok(());
        };
        let manifest: Value = serde_json::from_slice(&body).map_err(|_| {
            unavailable(format!(
                "{}:{tag} on {} is not a JSON manifest",
                s.path, s.host
            ))
        })?;
        let layers = manifest
            .get("layers")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        for (i, layer) in layers.iter().take(MAX_ITEMS).enumerate() {
            if layer.get("mediaType").and_then(Value::as_str) != Some(SIMPLE_SIGNING) {
                continue;
            }
            let digest = layer.get("digest").and_then(Value::as_str).unwrap_or("");
            let payload = self.by_digest(s, "blobs", digest, &mut out.requests)?;
            let annotations = layer
                .get("annotations")
                .and_then(Value::as_object)
                .map(|m| {
                    m.iter()
                        .filter_map(|(k, v)| v.as_str().map(|v| (k.clone(), v.to_string())))
                        .collect()
                })
                .unwrap_or_default();
            out.found.push((
                format!("{}:{tag} layer {}", s.path, i + 1),
                Stored::SimpleSigning {
                    payload,
                    annotations,
                },
            ));
        }
        Ok(())
    }

    /// cosign v3: bundles referring to `digest`, through the referrers API or its tag schema.
    fn v3_referrers(
        &self,
        s: &Session,
        digest: &str,
        hex: &str,
        out: &mut Signatures,
    ) -> Result<(), RegistryError> {
        let api = format!("{}/v2/{}/referrers/{digest}", s.base, s.path);
        let index = match self.get_opt(s, &api, &mut out.requests)? {
            Some((body, ct))
                if ct
                    .as_deref()
                    .is_some_and(|c| c.starts_with("application/vnd.oci.image.index.v1+json")) =>
            {
                out.referrers_api = true;
                Some(body)
            }
            _ => {
                let url = format!("{}/v2/{}/manifests/sha256-{hex}", s.base, s.path);
                self.get_opt(s, &url, &mut out.requests)?.map(|(b, _)| b)
            }
        };
        let Some(index) = index else { return Ok(()) };
        let index: Value = serde_json::from_slice(&index).map_err(|_| {
            unavailable(format!(
                "the referrers of {digest} on {} are not a JSON index",
                s.host
            ))
        })?;
        let manifests = index
            .get("manifests")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        let bundles = manifests.iter().filter(|m| {
            m.get("artifactType")
                .and_then(Value::as_str)
                .is_some_and(|t| t.starts_with(BUNDLE_TYPE))
        });
        for m in bundles.take(MAX_ITEMS) {
            let mdigest = m.get("digest").and_then(Value::as_str).unwrap_or("");
            let manifest = self.by_digest(s, "manifests", mdigest, &mut out.requests)?;
            let manifest: Value = serde_json::from_slice(&manifest).map_err(|_| {
                unavailable(format!("{mdigest} on {} is not a JSON manifest", s.host))
            })?;
            if manifest.pointer("/subject/digest").and_then(Value::as_str) != Some(digest) {
                continue; // a referrer of another image, listed here: not this image's
            }
            let layer = manifest
                .pointer("/layers/0")
                .cloned()
                .unwrap_or(Value::Null);
            if !layer
                .get("mediaType")
                .and_then(Value::as_str)
                .is_some_and(|t| t.starts_with(BUNDLE_TYPE))
            {
                continue;
            }
            let ldigest = layer.get("digest").and_then(Value::as_str).unwrap_or("");
            let bundle = self.by_digest(s, "blobs", ldigest, &mut out.requests)?;
            out.found.push((
                format!("{}@{mdigest} (sigstore bundle)", s.path),
                Stored::Bundle(bundle),
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_lowercase_sha256_digests_are_asked_for() {
        let h = "a".repeat(64);
        assert!(valid_digest(&format!("sha256:{h}")));
        for bad in [
            format!("sha256:{}", "A".repeat(64)),
            format!("sha512:{h}"),
            "sha256:../../x".into(),
            format!("sha256:{h}/x"),
        ] {
            assert!(!valid_digest(&bad), "{bad}");
        }
    }
}
