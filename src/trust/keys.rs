//! A signature checked with a public key, the way sigstore pairs keys and hashes: ECDSA P-256
//! with SHA-256, P-384 with SHA-384, P-521 with SHA-512, Ed25519 over the message itself, RSA
//! PKCS#1 v1.5 (or PSS) with SHA-256. All on OpenSSL.

use openssl::ecdsa::EcdsaSig;
use openssl::hash::{hash, MessageDigest};
use openssl::md::Md;
use openssl::nid::Nid;
use openssl::pkey::{Id, PKey, PKeyRef, Public};
use openssl::pkey_ctx::PkeyCtx;
use openssl::rsa::Padding;
use openssl::sign::Verifier;

/// What a signature is over.
pub(crate) enum Signed<'a> {
    /// The message's bytes.
    Bytes(&'a [u8]),
    /// Only the message's digest, with its algorithm (Ed25519 cannot verify this).
    Digest(MessageDigest, &'a [u8]),
}

/// The digest sigstore pairs with a key.
pub(crate) fn digest_for(key: &PKeyRef<Public>) -> Option<MessageDigest> {
    match key.id() {
        Id::EC => {
            let ec = key.ec_key().ok()?;
            match ec.group().curve_name()? {
                Nid::X9_62_PRIME256V1 => Some(MessageDigest::sha256()),
                Nid::SECP384R1 => Some(MessageDigest::sha384()),
                Nid::SECP521R1 => Some(MessageDigest::sha512()),
                _ => None,
            }
        }
        Id::RSA => Some(MessageDigest::sha256()),
        _ => None,
    }
}

/// The kind of a key, for messages: `ECDSA P-256`, `Ed25519`, `RSA 2048`.
pub(crate) fn describe(key: &PKeyRef<Public>) -> String {
    match key.id() {
        Id::EC => match key.ec_key().ok().and_then(|k| k.group().curve_name()) {
            Some(Nid::X9_62_PRIME256V1) => "ECDSA P-256".into(),
            Some(Nid::SECP384R1) => "ECDSA P-384".into(),
            Some(Nid::SECP521R1) => "ECDSA P-521".into(),
            _ => "ECDSA (unsupported curve)".into(),
        },
        Id::ED25519 => "Ed25519".into(),
        Id::RSA => format!("RSA {}", key.bits()),
        _ => "an unsupported key type".into(),
    }
}

/// Whether two keys are the same key (their DER compared).
pub(crate) fn same_key(a: &PKeyRef<Public>, b: &PKeyRef<Public>) -> bool {
    matches!((a.public_key_to_der(), b.public_key_to_der()), (Ok(x), Ok(y)) if x == y)
}

/// Checks `sig` over `signed` with `key`. False on any failure, never a panic.
pub(crate) fn verify(key: &PKeyRef<Public>, signed: &Signed<'_>, sig: &[u8]) -> bool {
    match key.id() {
        Id::ED25519 => match signed {
            Signed::Bytes(msg) => Verifier::new_without_digest(key)
                .and_then(|mut v| v.verify_oneshot(sig, msg))
                .unwrap_or(false),
            Signed::Digest(..) => false,
        },
        Id::EC => {
            let Some(md) = digest_for(key) else {
                return false;
            };
            let digest = match digested(signed, md) {
                Some(d) => d,
                None => return false,
            };
            let (Ok(ec), Ok(s)) = (key.ec_key(), EcdsaSig::from_der(sig)) else {
                return false;
            };
            s.verify(&digest, &ec).unwrap_or(false)
        }
        Id::RSA => {
            let md = match signed {
                Signed::Digest(md, _) => *md,
                Signed::Bytes(_) => MessageDigest::sha256(),
            };
            let Some(digest) = digested(signed, md) else {
                return false;
            };
            [Padding::PKCS1, Padding::PKCS1_PSS]
                .into_iter()
                .any(|p| rsa_prehashed(key, md, p, &digest, sig))
        }
        _ => false,
    }
}

/// The digest to check: the message hashed with `md`, or the given digest if it is `md`'s.
fn digested(signed: &Signed<'_>, md: MessageDigest) -> Option<Vec<u8>> {
    match signed {
        Signed::Bytes(msg) => hash(md, msg).ok().map(|d| d.to_vec()),
        Signed::Digest(given, d) => (given.type_() == md.type_()).then(|| d.to_vec()),
    }
}

fn rsa_prehashed(
    key: &PKeyRef<Public>,
    md: MessageDigest,
    pad: Padding,
    digest: &[u8],
    sig: &[u8],
) -> bool {
    let (Ok(mut ctx), Some(md)) = (PkeyCtx::new(key), Md::from_nid(md.type_())) else {
        return false;
    };
    let ok = ctx.verify_init().is_ok()
        && ctx.set_rsa_padding(pad).is_ok()
        && ctx.set_signature_md(md).is_ok();
    ok && ctx.verify(digest, sig).unwrap_or(false)
}

/// Reads a PEM public key (`-----BEGIN PUBLIC KEY-----`, or an RSA key in PKCS#1).
pub fn public_key_from_pem(pem: &[u8]) -> Option<PKey<Public>> {
    PKey::public_key_from_pem(pem)
        .ok()
        .or_else(|| {
            openssl::rsa::Rsa::public_key_from_pem_pkcs1(pem)
                .ok()
                .and_then(|r| PKey::from_rsa(r).ok())
        })
        .filter(|k| matches!(k.id(), Id::EC | Id::ED25519 | Id::RSA))
}

#[cfg(test)]
mod tests {
    use super::*;
    use openssl::ec::{EcGroup, EcKey};
    use openssl::pkey::Private;
    use openssl::sign::Signer;

    fn public(k: &PKey<Private>) -> PKey<Public> {
        PKey::public_key_from_pem(&k.public_key_to_pem().unwrap()).unwrap()
    }

    fn sign(k: &PKey<Private>, md: Option<MessageDigest>, msg: &[u8]) -> Vec<u8> {
        match md {
            Some(md) => {
                let mut s = Signer::new(md, k).unwrap();
                s.update(msg).unwrap();
                s.sign_to_vec().unwrap()
            }
            None => Signer::new_without_digest(k)
                .unwrap()
                .sign_oneshot_to_vec(msg)
                .unwrap(),
        }
    }

    #[test]
    fn each_key_kind_verifies_with_its_hash_and_refuses_another_message() {
        let ec = |nid| {
            PKey::from_ec_key(EcKey::generate(&EcGroup::from_curve_name(nid).unwrap()).unwrap())
                .unwrap()
        };
        let keys = [
            (
                ec(Nid::X9_62_PRIME256V1),
                Some(MessageDigest::sha256()),
                "ECDSA P-256",
            ),
            (
                ec(Nid::SECP384R1),
                Some(MessageDigest::sha384()),
                "ECDSA P-384",
            ),
            (PKey::generate_ed25519().unwrap(), None, "Ed25519"),
            (
                PKey::from_rsa(openssl::rsa::Rsa::generate(2048).unwrap()).unwrap(),
                Some(MessageDigest::sha256()),
                "RSA 2048",
            ),
        ];
        for (k, md, name) in keys {
            let pk = public(&k);
            assert_eq!(describe(&pk), name);
            let sig = sign(&k, md, b"payload");
            assert!(verify(&pk, &Signed::Bytes(b"payload"), &sig), "{name}");
            assert!(!verify(&pk, &Signed::Bytes(b"payloaD"), &sig), "{name}");
            assert!(
                !verify(&pk, &Signed::Bytes(b"payload"), &sig[..sig.len() - 1]),
                "{name}"
            );
            if let Some(md) = md {
                let d = hash(md, b"payload").unwrap();
                assert!(
                    verify(&pk, &Signed::Digest(md, &d), &sig),
                    "{name} over its digest"
                );
                let other = if md.type_() == MessageDigest::sha256().type_() {
                    MessageDigest::sha512()
                } else {
                    MessageDigest::sha256()
                };
                assert!(
                    !verify(
                        &pk,
                        &Signed::Digest(other, &hash(other, b"payload").unwrap()),
                        &sig
                    ),
                    "{name}"
                );
            }
            let pem = k.public_key_to_pem().unwrap();
            assert!(public_key_from_pem(&pem).is_some_and(|p| same_key(&p, &pk)));
        }
        assert!(public_key_from_pem(
            b"-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n"
        )
        .is_none());
    }
}
