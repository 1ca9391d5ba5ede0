//! The little DER that OpenSSL's Rust binding has no accessor for: a certificate's extensions
//! by OID (Fulcio's identity extensions, the SCT list), and the TBS certificate rebuilt without
//! the SCT list (what a CT log signed, RFC 6962 §3.2). Reads definite lengths only (DER); any
//! malformed input is an error, never a panic.

/// One DER element: its tag byte, its contents, and the whole encoding.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Tlv<'a> {
    pub tag: u8,
    pub body: &'a [u8],
    pub whole: &'a [u8],
}

pub(crate) const SEQUENCE: u8 = 0x30;
const OID: u8 = 0x06;
const BOOLEAN: u8 = 0x01;
pub(crate) const OCTET_STRING: u8 = 0x04;
const UTF8_STRING: u8 = 0x0c;
/// `[3] EXPLICIT`: a TBS certificate's extensions.
const EXTENSIONS: u8 = 0xa3;

/// Reads the element at the start of `input`; returns it and what follows.
pub(crate) fn read(input: &[u8]) -> Option<(Tlv<'_>, &[u8])> {
    let (&tag, rest) = input.split_first()?;
    if tag & 0x1f == 0x1f {
        return None; // high tag numbers do not occur in what is read here
    }
    let (&first, rest) = rest.split_first()?;
    let (len, rest) = if first < 0x80 {
        (first as usize, rest)
    } else {
        let n = (first & 0x7f) as usize;
        if n == 0 || n > 4 || rest.len() < n {
            return None;
        }
        let len = rest[..n].iter().fold(0usize, |a, &b| (a << 8) | b as usize);
        (len, &rest[n..])
    };
    if rest.len() < len {
        return None;
    }
    let header = input.len() - rest.len();
    Some((
        Tlv {
            tag,
            body: &rest[..len],
            whole: &input[..header + len],
        },
        &rest[len..],
    ))
}

/// Every element of a constructed element's contents, in order.
pub(crate) fn children(mut body: &[u8]) -> Option<Vec<Tlv<'_>>> {
    let mut out = Vec::new();
    while !body.is_empty() {
        let (t, rest) = read(body)?;
        out.push(t);
        body = rest;
    }
    Some(out)
}

/// Encodes one element.
pub(crate) fn encode(tag: u8, body: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    let len = body.len();
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes: Vec<u8> = len
            .to_be_bytes()
            .iter()
            .copied()
            .skip_while(|&b| b == 0)
            .collect();
        out.push(0x80 | bytes.len() as u8);
        out.extend_from_slice(&bytes);
    }
    out.extend_from_slice(body);
    out
}

/// Encodes a dotted OID's contents (what follows the tag and length).
pub(crate) fn oid(dotted: &str) -> Vec<u8> {
    let arcs: Vec<u64> = dotted.split('.').filter_map(|a| a.parse().ok()).collect();
    let mut out = Vec::new();
    if arcs.len() < 2 {
        return out;
    }
    let mut push = |mut v: u64| {
        let mut tmp = vec![(v & 0x7f) as u8];
        v >>= 7;
        while v > 0 {
            tmp.push(0x80 | (v & 0x7f) as u8);
            v >>= 7;
        }
        tmp.reverse();
        out.extend_from_slice(&tmp);
    };
    push(arcs[0] * 40 + arcs[1]);
    for &a in &arcs[2..] {
        push(a);
    }
    out
}

/// A certificate's TBS part, its children, and the index of its extensions element.
fn tbs(cert_der: &[u8]) -> Option<(Tlv<'_>, Vec<Tlv<'_>>)> {
    let (cert, _) = read(cert_der)?;
    if cert.tag != SEQUENCE {
        return None;
    }
    let (tbs, _) = read(cert.body)?;
    if tbs.tag != SEQUENCE {
        return None;
    }
    Some((tbs, children(tbs.body)?))
}

/// One extension: its OID's contents and its value's contents.
struct Ext<'a> {
    oid: &'a [u8],
    value: &'a [u8],
    whole: &'a [u8],
}

fn extensions<'a>(parts: &[Tlv<'a>]) -> Option<Vec<Ext<'a>>> {
    let Some(ext) = parts.iter().find(|t| t.tag == EXTENSIONS) else {
        return Some(Vec::new());
    };
    let (seq, _) = read(ext.body)?;
    let mut out = Vec::new();
    for e in children(seq.body)? {
        let items = children(e.body)?;
        let (o, rest) = items.split_first()?;
        let value = match rest {
            [v] => v,
            [b, v] if b.tag == BOOLEAN => v,
            _ => return None,
        };
        if o.tag != OID || value.tag != OCTET_STRING {
            return None;
        }
        out.push(Ext {
            oid: o.body,
            value: value.body,
            whole: e.whole,
        });
    }
    Some(out)
}

/// The contents of the OCTET STRING of the extension `dotted`, if the certificate has it.
/// `Err` when the certificate's DER cannot be read or the extension appears twice.
pub(crate) fn extension(cert_der: &[u8], dotted: &str) -> Result<Option<Vec<u8>>, ()> {
    let (_, parts) = tbs(cert_der).ok_or(())?;
    let want = oid(dotted);
    let found: Vec<_> = extensions(&parts)
        .ok_or(())?
        .into_iter()
        .filter(|e| e.oid == want.as_slice())
        .collect();
    match found.as_slice() {
        [] => Ok(None),
        [one] => Ok(Some(one.value.to_vec())),
        _ => Err(()),
    }
}

/// A UTF8String's text (the form of Fulcio's newer extensions, 1.3.6.1.4.1.57264.1.8 on).
pub(crate) fn utf8_string(der: &[u8]) -> Option<String> {
    let (t, rest) = read(der)?;
    (t.tag == UTF8_STRING && rest.is_empty())
        .then(|| String::from_utf8(t.body.to_vec()).ok())
        .flatten()
}

/// The TBS certificate re-encoded without the extension `dotted` (the precertificate a CT log
/// signed, when `dotted` is the SCT list). `None` when the DER cannot be read.
pub(crate) fn tbs_without(cert_der: &[u8], dotted: &str) -> Option<Vec<u8>> {
    let (_, parts) = tbs(cert_der)?;
    let want = oid(dotted);
    let kept: Vec<u8> = extensions(&parts)?
        .iter()
        .filter(|e| e.oid != want.as_slice())
        .flat_map(|e| e.whole.iter().copied())
        .collect();
    let mut body = Vec::new();
    for p in &parts {
        if p.tag == EXTENSIONS {
            body.extend(encode(EXTENSIONS, &encode(SEQUENCE, &kept)));
        } else {
            body.extend_from_slice(p.whole);
        }
    }
    Some(encode(SEQUENCE, &body))
}

/// The RFC 3161 timestamp token (a CMS ContentInfo) in `bytes`: the token itself, or the
/// one a TimeStampResp (status, then the token) carries, as sigstore clients store either.
pub(crate) fn timestamp_token(bytes: &[u8]) -> Option<&[u8]> {
    let (outer, rest) = read(bytes)?;
    if outer.tag != SEQUENCE || !rest.is_empty() {
        return None;
    }
    let parts = children(outer.body)?;
    if parts.first().is_some_and(|s| s.tag == SEQUENCE) {
        return parts.get(1).filter(|t| t.tag == SEQUENCE).map(|t| t.whole);
    }
    Some(outer.whole)
}

/// What a TSTInfo says: the message imprint's hash algorithm (its OID's encoding) and hash,
/// and `genTime` in Unix seconds.
pub(crate) struct TstInfo {
    pub hash_oid: Vec<u8>,
    pub imprint: Vec<u8>,
    pub gen_time: i64,
}

/// Reads a TSTInfo (RFC 3161 §2.4.2): version, policy, messageImprint, serialNumber, genTime.
pub(crate) fn tst_info(der: &[u8]) -> Option<TstInfo> {
    let (tst, rest) = read(der)?;
    if tst.tag != SEQUENCE || !rest.is_empty() {
        return None;
    }
    let tst = children(tst.body)?;
    let imprint = children(tst.get(2).filter(|t| t.tag == SEQUENCE)?.body)?;
    let alg = children(imprint.first().filter(|t| t.tag == SEQUENCE)?.body)?;
    let hash_oid = alg.first().filter(|t| t.tag == OID)?.body.to_vec();
    let hashed = imprint
        .get(1)
        .filter(|t| t.tag == OCTET_STRING)?
        .body
        .to_vec();
    let time = std::str::from_utf8(tst.get(4).filter(|t| t.tag == 0x18)?.body).ok()?;
    let (digits, _) = time.split_once(['.', 'Z'])?;
    if digits.len() != 14 || !time.ends_with('Z') {
        return None;
    }
    let d = |a: usize, b: usize| &digits[a..b];
    let gen_time = crate::utc::parse(&format!(
        "{}-{}-{}T{}:{}:{}Z",
        d(0, 4),
        d(4, 6),
        d(6, 8),
        d(8, 10),
        d(10, 12),
        d(12, 14)
    ))?;
    Some(TstInfo {
        hash_oid,
        imprint: hashed,
        gen_time,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn oids_encode_as_x690_says() {
        assert_eq!(
            oid("1.2.840.10045.2.1"),
            [0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01]
        );
        assert_eq!(
            oid("1.3.6.1.4.1.57264.1.1"),
            [0x2b, 6, 1, 4, 1, 0x83, 0xbf, 0x30, 1, 1]
        );
    }

    #[test]
    fn lengths_read_back() {
        for n in [0usize, 1, 127, 128, 255, 256, 70000] {
            let body = vec![7u8; n];
            let enc = encode(OCTET_STRING, &body);
            let (t, rest) = read(&enc).unwrap();
            assert_eq!((t.tag, t.body.len(), rest.len()), (OCTET_STRING, n, 0));
        }
    }

    #[test]
    fn malformed_input_is_refused_not_a_panic() {
        for bad in [
            &[][..],
            &[0x30],
            &[0x30, 0x05, 1],
            &[0x30, 0x85, 1, 1, 1, 1, 1],
            &[0x1f, 1, 0],
        ] {
            assert!(read(bad).is_none(), "{bad:?}");
        }
        assert!(extension(&[0x30, 0x00], "1.2.3").is_err());
        assert!(tbs_without(&[0x30, 0x03, 0x02, 0x01, 0x00], "1.2.3").is_none());
    }
}
