#!/usr/bin/env python3
"""Helpers for the registry tests, around Debian's docker-registry (the CNCF distribution
registry 2.8) on 127.0.0.1:

  token-server PORT KEY CERT USER PASSWORD ISSUER SERVICE
      A token service for the registry's token auth: GET /token?service=…&scope=… with Basic
      USER:PASSWORD answers {"token": JWT}, the JWT signed RS256 by KEY (with CERT in x5c,
      which the registry's rootcertbundle holds). Wrong credentials: 401.
  jwt KEY CERT ISSUER SERVICE SCOPE SECONDS
      Prints a token valid for SECONDS (negative: already expired).
  push BASE REPO TAG PLATFORMS AUTH CAFILE
      Pushes an image through the registry's API (blob uploads, manifest PUT): one image
      manifest, or with PLATFORMS > 1 an OCI index of that many. AUTH is an Authorization
      header value or "-"; CAFILE a CA bundle or "-". Prints {"digest": …} of the tag.
      A 7th argument CREATED puts that `created` time in the image config.
  paginate PORT UPSTREAM PAGE LINK
      A proxy on 127.0.0.1:PORT in front of the registry at UPSTREAM (http://host:port) that
      pages its tags lists as registries after 2.8 do (2.8 ignores `n` and `last`): sorted,
      after `last`, at most min(n, PAGE) per answer, with a `Link: <…>; rel="next"` header when
      more remain (LINK=link) or without one (LINK=nolink). Everything else is passed through.
  tags BASE REPO AUTH CAFILE
      Pushes one image, then its manifest under every tag read from stdin (one a line):
      thousands of tags in seconds.
  cosign-v2 BASE REPO DIGEST KEY SIGNED_DIGEST
      Stores a cosign v2 signature of DIGEST as cosign does (plain HTTP, no auth): the
      simple-signing payload naming SIGNED_DIGEST, signed ECDSA-SHA256 by the PEM private KEY,
      as a layer of the manifest tagged sha256-<hex>.sig, the signature in its
      dev.cosignproject.cosign/signature annotation (layers already there are kept).
  cosign-v3 BASE REPO DIGEST KEY SIGNED_DIGEST
      Stores a cosign v3 bundle for DIGEST: a DSSE in-toto statement whose subject is
      SIGNED_DIGEST, signed by KEY, in a v0.3 bundle, as an OCI artifact whose subject is DIGEST,
      listed in the referrers tag schema's index sha256-<hex> (the registry has no referrers API).
  store-bundle BASE REPO DIGEST FILE
      Stores the sigstore bundle in FILE for DIGEST as cosign v3 does (see cosign-v3).
  cosign-key DIR PASSWORD
      Makes an ECDSA P-256 key pair as `cosign generate-key-pair` does: DIR/cosign.key the
      private key (PKCS#8) encrypted as cosign encrypts it (scrypt N=32768 r=8 p=1, then NaCl
      secretbox, written out here: Python's standard library and `cryptography` have no
      XSalsa20), DIR/cosign.pub the public key, DIR/cosign.password the password. skopeo's
      --sign-by-sigstore-private-key reads such a key.
  keyless-pki DIR
      Makes a test Sigstore instance in DIR: a certificate authority (Fulcio's part), a CT log
      key, a transparency log key (Rekor's) and a timestamp authority, and
      DIR/trusted_root.json describing them (and a second timestamp authority it does not name).
  cosign-keyless BASE REPO DIGEST FORM IDENTITY ISSUER DIR [FLAWS]
      Signs DIGEST keyless against DIR's instance as cosign FORM (v2: simple signing with the
      certificate, chain and Rekor bundle annotations; v3: a v0.3 bundle with a DSSE statement,
      SET and inclusion proof with its checkpoint): a leaf certificate for IDENTITY (a URI, or an
      email) from ISSUER, GitHub workflow repository isa/isA_Agent and ref refs/heads/main, with
      an SCT, a hashedrekord or dsse log entry. FLAWS, comma-separated:
      expired (the certificate ended before the entry was logged), tampered-set; for v3 also
      rekor2 (a Rekor v2 entry: hashedrekord 0.0.2 over the DSSE PAE, no integrated time or
      SET), tsa and rogue-tsa (an RFC 3161 timestamp of the signature by `openssl ts -reply`
      as DIR's timestamp authority, or as one the trusted root does not name).
"""
import base64
import hashlib
import http.server
import json
import ssl
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def jwt(key, cert, issuer, service, scope, seconds):
    der = subprocess.run(["openssl", "x509", "-in", cert, "-outform", "DER"],
                         check=True, capture_output=True).stdout
    header = {"typ": "JWT", "alg": "RS256", "x5c": [base64.b64encode(der).decode()]}
    now = int(time.time())
    access = []
    if scope:
        kind, name, actions = scope.split(":", 2) if scope.count(":") >= 2 else ("", "", "")
        if kind == "repository":
            access.append({"type": kind, "name": name, "actions": actions.split(",")})
    claims = {"iss": issuer, "sub": "imgbump-test", "aud": service, "exp": now + int(seconds),
              "nbf": now - 60, "iat": now - 60, "jti": b64url(hashlib.sha256(str(time.time()).encode()).digest()),
              "access": access}
    signing = (b64url(json.dumps(header).encode()) + "." + b64url(json.dumps(claims).encode())).encode()
    sig = subprocess.run(["openssl", "dgst", "-sha256", "-sign", key], input=signing,
                         check=True, capture_output=True).stdout
    return signing.decode() + "." + b64url(sig)


def token_server(port, key, cert, user, password, issuer, service):
    want = "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            url = urllib.parse.urlparse(self.path)
            q = urllib.parse.parse_qs(url.query)
            if url.path != "/token" or self.headers.get("Authorization") != want:
                self.send_response(401)
                self.end_headers()
                return
            scope = q.get("scope", [""])[0]
            body = json.dumps({"token": jwt(key, cert, issuer, service, scope, 300)}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    http.server.HTTPServer(("127.0.0.1", int(port)), Handler).serve_forever()


def request(method, url, auth, ctx, data=None, headers=None):
    req = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    if auth != "-":
        req.add_header("Authorization", auth)
    return urllib.request.urlopen(req, context=ctx)


def push_blob(base, repo, data, auth, ctx):
    digest = "sha256:" + hashlib.sha256(data).hexdigest()
    r = request("POST", f"{base}/v2/{repo}/blobs/uploads/", auth, ctx, data=b"")
    loc = r.headers["Location"]
    if not loc.startswith("http"):
        loc = base + loc
    sep = "&" if "?" in loc else "?"
    request("PUT", f"{loc}{sep}digest={digest}", auth, ctx, data=data,
            headers={"Content-Type": "application/octet-stream"})
    return digest, len(data)


def push_manifest(base, repo, ref, manifest, media_type, auth, ctx):
    body = json.dumps(manifest, separators=(",", ":")).encode()
    request("PUT", f"{base}/v2/{repo}/manifests/{ref}", auth, ctx, data=body,
            headers={"Content-Type": media_type})
    return "sha256:" + hashlib.sha256(body).hexdigest(), len(body)


def push(base, repo, tag, platforms, auth, cafile, created=None):
    ctx = ssl.create_default_context(cafile=None if cafile == "-" else cafile)
    images = []
    for i, (os_, arch) in enumerate([("linux", "amd64"), ("linux", "arm64"), ("linux", "s390x")][:max(1, int(platforms))]):
        layer = f"layer of {repo}:{tag} for {arch}".encode()
        config = {"architecture": arch, "os": os_, "rootfs": {"type": "layers", "diff_ids": []}}
        if created:
            config["created"] = created
        config = json.dumps(config).encode()
        ld, ls = push_blob(base, repo, layer, auth, ctx)
        cd, cs = push_blob(base, repo, config, auth, ctx)
        manifest = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                    "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": cd, "size": cs},
                    "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar", "digest": ld, "size": ls}]}
        ref = tag if int(platforms) <= 1 else f"{tag}-{arch}"
        d, s = push_manifest(base, repo, ref, manifest, manifest["mediaType"], auth, ctx)
        images.append({"digest": d, "size": s, "arch": arch, "os": os_})
    if int(platforms) <= 1:
        print(json.dumps({"digest": images[0]["digest"]}))
        return
    index = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json",
             "manifests": [{"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": m["digest"],
                            "size": m["size"], "platform": {"architecture": m["arch"], "os": m["os"]}} for m in images]}
    d, _ = push_manifest(base, repo, tag, index, index["mediaType"], auth, ctx)
    print(json.dumps({"digest": d, "platforms": [m["digest"] for m in images]}))


def paginate(port, upstream, page, link):
    import http.client
    up = urllib.parse.urlparse(upstream)
    page = int(page)

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def forward(self, method):
            url = urllib.parse.urlparse(self.path)
            q = urllib.parse.parse_qs(url.query)
            listing = method == "GET" and url.path.endswith("/tags/list")
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else None
            headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "connection")}
            conn = http.client.HTTPConnection(up.hostname, up.port)
            conn.request(method, url.path if listing else self.path, body=body, headers=headers)
            r = conn.getresponse()
            data = r.read()
            out = [(k, v) for k, v in r.getheaders() if k.lower() not in ("content-length", "connection", "transfer-encoding")]
            if listing and r.status == 200:
                doc = json.loads(data)
                tags = sorted(doc.get("tags") or [])
                last = q.get("last", [None])[0]
                if last is not None:
                    tags = [t for t in tags if t > last]
                n = min(int(q.get("n", [page])[0]), page)
                doc["tags"], more = tags[:n], len(tags) > n
                data = json.dumps(doc).encode()
                if more and link == "link":
                    nxt = urllib.parse.urlencode({"n": n, "last": doc["tags"][-1]})
                    out.append(("Link", f'<{url.path}?{nxt}>; rel="next"'))
            self.send_response(r.status)
            for k, v in out:
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            if method != "HEAD":
                self.wfile.write(data)

        def do_GET(self):
            self.forward("GET")

        def do_HEAD(self):
            self.forward("HEAD")

        def log_message(self, *args):
            pass

    http.server.ThreadingHTTPServer(("127.0.0.1", int(port)), Handler).serve_forever()


def tags(base, repo, auth, cafile):
    ctx = ssl.create_default_context(cafile=None if cafile == "-" else cafile)
    layer = f"layer of {repo} for many tags".encode()
    config = json.dumps({"architecture": "amd64", "os": "linux", "rootfs": {"type": "layers", "diff_ids": []}}).encode()
    ld, ls = push_blob(base, repo, layer, auth, ctx)
    cd, cs = push_blob(base, repo, config, auth, ctx)
    manifest = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": cd, "size": cs},
                "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar", "digest": ld, "size": ls}]}
    # One kept-alive connection for every tag: thousands of PUTs in seconds.
    import http.client
    u = urllib.parse.urlparse(base)
    conn = (http.client.HTTPSConnection(u.hostname, u.port, context=ctx) if u.scheme == "https"
            else http.client.HTTPConnection(u.hostname, u.port))
    body = json.dumps(manifest, separators=(",", ":")).encode()
    headers = {"Content-Type": manifest["mediaType"]}
    if auth != "-":
        headers["Authorization"] = auth
    n = 0
    for line in sys.stdin:
        tag = line.strip()
        if tag:
            conn.request("PUT", f"/v2/{repo}/manifests/{tag}", body=body, headers=headers)
            r = conn.getresponse()
            r.read()
            if r.status != 201:
                sys.exit(f"PUT {repo}:{tag}: HTTP {r.status}")
            n += 1
    print(json.dumps({"pushed": n}))
def ecdsa_sign(key_path, data):
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    with open(key_path, "rb") as f:
        key = serialization.load_pem_private_key(f.read(), password=None)
    return key.sign(data, ec.ECDSA(hashes.SHA256()))


def get_raw(url):
    accept = "application/vnd.oci.image.manifest.v1+json, application/vnd.oci.image.index.v1+json"
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers={"Accept": accept})) as r:
            return r.read()
    except urllib.error.HTTPError as e:
        if e.code == 404:
            return None
        raise


def get_json(url):
    raw = get_raw(url)
    return json.loads(raw) if raw is not None else None


EMPTY = {"mediaType": "application/vnd.oci.empty.v1+json",
         "digest": "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a", "size": 2}


def cosign_v2(base, repo, digest, key, signed_digest):
    payload = json.dumps({"critical": {"identity": {"docker-reference": repo},
                                       "image": {"docker-manifest-digest": signed_digest},
                                       "type": "cosign container image signature"},
                          "optional": None}).encode()
    sig = base64.b64encode(ecdsa_sign(key, payload)).decode()
    ld, ls = push_blob(base, repo, payload, "-", None)
    push_blob(base, repo, b"{}", "-", None)
    tag = "sha256-" + digest.split(":", 1)[1] + ".sig"
    old = get_json(f"{base}/v2/{repo}/manifests/{tag}")
    layers = old["layers"] if old else []
    layers.append({"mediaType": "application/vnd.dev.cosign.simplesigning.v1+json", "digest": ld, "size": ls,
                   "annotations": {"dev.cosignproject.cosign/signature": sig}})
    manifest = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                "config": EMPTY, "layers": layers}
    d, _ = push_manifest(base, repo, tag, manifest, manifest["mediaType"], "-", None)
    print(json.dumps({"digest": d}))


def cosign_v3(base, repo, digest, key, signed_digest):
    statement = json.dumps({"_type": "https://in-toto.io/Statement/v1",
                            "subject": [{"name": repo, "digest": {"sha256": signed_digest.split(":", 1)[1]}}],
                            "predicateType": "https://sigstore.dev/cosign/sign/v1", "predicate": {}}).encode()
    ptype = "application/vnd.in-toto+json"
    pae = b"DSSEv1 %d %s %d %s" % (len(ptype), ptype.encode(), len(statement), statement)
    sig = base64.b64encode(ecdsa_sign(key, pae)).decode()
    bundle = json.dumps({"mediaType": "application/vnd.dev.sigstore.bundle.v0.3+json",
                         "verificationMaterial": {"publicKey": {"hint": ""}, "tlogEntries": []},
                         "dsseEnvelope": {"payload": base64.b64encode(statement).decode(), "payloadType": ptype,
                                          "signatures": [{"sig": sig, "keyid": ""}]}}).encode()
    store_bundle(base, repo, digest, bundle)


def _salsa20_core(inp, rounds_only):
    x = list(inp)

    def qr(a, b, c, d):
        rot = lambda v, n: ((v << n) | (v >> (32 - n))) & 0xffffffff
        x[b] ^= rot((x[a] + x[d]) & 0xffffffff, 7)
        x[c] ^= rot((x[b] + x[a]) & 0xffffffff, 9)
        x[d] ^= rot((x[c] + x[b]) & 0xffffffff, 13)
        x[a] ^= rot((x[d] + x[c]) & 0xffffffff, 18)
    for _ in range(10):
        qr(0, 4, 8, 12); qr(5, 9, 13, 1); qr(10, 14, 2, 6); qr(15, 3, 7, 11)
        qr(0, 1, 2, 3); qr(5, 6, 7, 4); qr(10, 11, 8, 9); qr(15, 12, 13, 14)
    return x if rounds_only else [(a + b) & 0xffffffff for a, b in zip(x, inp)]


def _salsa_state(key, sixteen):
    import struct
    k = struct.unpack("<8I", key)
    n = struct.unpack("<4I", sixteen)
    c = (0x61707865, 0x3320646e, 0x79622d32, 0x6b206574)
    return [c[0], *k[:4], c[1], *n, c[2], *k[4:], c[3]]


def xsalsa20_stream(key, nonce, length):
    """NaCl's XSalsa20: HSalsa20 makes a subkey from the nonce's first 16 bytes, Salsa20 runs
    under it with the last 8 and a block counter from 0."""
    import struct
    h = _salsa20_core(_salsa_state(key, nonce[:16]), True)
    sub = struct.pack("<8I", h[0], h[5], h[10], h[15], h[6], h[7], h[8], h[9])
    out = b""
    block = 0
    while len(out) < length:
        st = _salsa_state(sub, nonce[16:24] + struct.pack("<Q", block))
        out += struct.pack("<16I", *_salsa20_core(st, False))
        block += 1
    return out[:length]


def poly1305(key, msg):
    r = int.from_bytes(key[:16], "little") & 0x0ffffffc0ffffffc0ffffffc0fffffff
    s = int.from_bytes(key[16:32], "little")
    p, acc = (1 << 130) - 5, 0
    for i in range(0, len(msg), 16):
        chunk = msg[i:i + 16]
        acc = (acc + int.from_bytes(chunk + b"\x01", "little")) * r % p
    return ((acc + s) % (1 << 128)).to_bytes(16, "little")


def secretbox(key, nonce, msg):
    """NaCl's crypto_secretbox (XSalsa20-Poly1305), as Go's x/crypto/nacl/secretbox.Seal
    writes it: the tag, then the ciphertext."""
    stream = xsalsa20_stream(key, nonce, 32 + len(msg))
    ct = bytes(a ^ b for a, b in zip(msg, stream[32:]))
    return poly1305(stream[:32], ct) + ct


def cosign_key(d, password):
    import os
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    key = ec.generate_private_key(ec.SECP256R1())
    der = key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    salt, nonce = os.urandom(32), os.urandom(24)
    box_key = hashlib.scrypt(password.encode(), salt=salt, n=32768, r=8, p=1, maxmem=1 << 26, dklen=32)
    doc = {"kdf": {"name": "scrypt", "params": {"N": 32768, "r": 8, "p": 1},
                   "salt": base64.b64encode(salt).decode()},
           "cipher": {"name": "nacl/secretbox", "nonce": base64.b64encode(nonce).decode()},
           "ciphertext": base64.b64encode(secretbox(box_key, nonce, der)).decode()}
    body = base64.encodebytes(json.dumps(doc).encode()).decode()
    with open(f"{d}/cosign.key", "w") as f:
        f.write(f"-----BEGIN ENCRYPTED COSIGN PRIVATE KEY-----\n{body}-----END ENCRYPTED COSIGN PRIVATE KEY-----\n")
    with open(f"{d}/cosign.pub", "wb") as f:
        f.write(key.public_key().public_bytes(serialization.Encoding.PEM,
                                              serialization.PublicFormat.SubjectPublicKeyInfo))
    with open(f"{d}/cosign.password", "w") as f:
        f.write(password)
    print(json.dumps({"key": f"{d}/cosign.key"}))


def keyless_pki(d):
    import datetime
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID
    def key(name):
        k = ec.generate_private_key(ec.SECP256R1())
        with open(f"{d}/{name}.key", "wb") as f:
            f.write(k.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                    serialization.NoEncryption()))
        return k
    ca, ct, rekor = key("ca"), key("ct"), key("rekor")
    tsa = [timestamp_authority(d, prefix) for prefix in ("tsa", "rogue-tsa")][0]
    name = x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "imgbump test"),
                      x509.NameAttribute(NameOID.COMMON_NAME, "imgbump test fulcio")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(ca.public_key())
            .serial_number(1).not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=2))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True)
            .sign(ca, hashes.SHA256()))
    with open(f"{d}/ca.crt", "wb") as f:
        f.write(cert.public_bytes(serialization.Encoding.PEM))
    der = lambda k: k.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    b64 = lambda b: base64.b64encode(b).decode()
    def log(k, url):
        return {"baseUrl": url, "hashAlgorithm": "SHA2_256",
                "publicKey": {"rawBytes": b64(der(k)), "keyDetails": "PKIX_ECDSA_P256_SHA_256",
                              "validFor": {"start": "2020-01-01T00:00:00Z"}},
                "logId": {"keyId": b64(hashlib.sha256(der(k)).digest())}}
    root = {"mediaType": "application/vnd.dev.sigstore.trustedroot+json;version=0.1",
            "tlogs": [log(rekor, "https://rekor.test")],
            "certificateAuthorities": [{"subject": {"organization": "imgbump test", "commonName": "imgbump test fulcio"},
                                        "uri": "https://fulcio.test",
                                        "certChain": {"certificates": [{"rawBytes": b64(cert.public_bytes(serialization.Encoding.DER))}]},
                                        "validFor": {"start": "2020-01-01T00:00:00Z"}}],
            "ctlogs": [log(ct, "https://ctfe.test")],
            "timestampAuthorities": [{"subject": {"organization": "imgbump test", "commonName": "imgbump test tsa"},
                                      "uri": "https://tsa.test",
                                      "certChain": {"certificates": [{"rawBytes": b64(c)} for c in tsa]},
                                      "validFor": {"start": "2020-01-01T00:00:00Z"}}]}
    with open(f"{d}/trusted_root.json", "w") as f:
        json.dump(root, f)
    print(json.dumps({"ok": True}))


def timestamp_authority(d, prefix):
    """A timestamp authority for `openssl ts -reply`: PREFIX-ca.crt (a root), PREFIX.crt (its
    signing certificate, extended key usage timeStamping, critical), PREFIX.key and PREFIX.cnf.
    Returns the chain's DER, the signing certificate first."""
    import datetime
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
    now = datetime.datetime.now(datetime.timezone.utc)
    name = lambda cn: x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])
    root_key, key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    root = (x509.CertificateBuilder().subject_name(name(f"{prefix} root")).issuer_name(name(f"{prefix} root"))
            .public_key(root_key.public_key()).serial_number(1)
            .not_valid_before(now - datetime.timedelta(days=1)).not_valid_after(now + datetime.timedelta(days=2))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(root_key, hashes.SHA256()))
    leaf = (x509.CertificateBuilder().subject_name(name(prefix)).issuer_name(root.subject)
            .public_key(key.public_key()).serial_number(2)
            .not_valid_before(now - datetime.timedelta(days=1)).not_valid_after(now + datetime.timedelta(days=2))
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
            .sign(root_key, hashes.SHA256()))
    for path, data in [(f"{prefix}.crt", leaf.public_bytes(serialization.Encoding.PEM)),
                       (f"{prefix}-ca.crt", root.public_bytes(serialization.Encoding.PEM)),
                       (f"{prefix}.key", key.private_bytes(serialization.Encoding.PEM,
                                                           serialization.PrivateFormat.PKCS8,
                                                           serialization.NoEncryption()))]:
        with open(f"{d}/{path}", "wb") as f:
            f.write(data)
    with open(f"{d}/{prefix}.cnf", "w") as f:
        f.write(f"[tsa]\ndefault_tsa = this\n[this]\nserial = {d}/{prefix}.serial\n"
                f"signer_cert = {d}/{prefix}.crt\ncerts = {d}/{prefix}-ca.crt\nsigner_key = {d}/{prefix}.key\n"
                "signer_digest = sha256\ndefault_policy = 1.2.3.4.1\ndigests = sha256, sha384, sha512\n"
                "ess_cert_id_alg = sha256\n")
    with open(f"{d}/{prefix}.serial", "w") as f:
        f.write("01\n")
    return [c.public_bytes(serialization.Encoding.DER) for c in (leaf, root)]


def timestamp(d, prefix, data):
    """An RFC 3161 TimeStampResp over DATA's SHA-256, made by `openssl ts -reply` as PREFIX's
    timestamp authority."""
    import os
    import tempfile
    with tempfile.TemporaryDirectory() as t:
        with open(f"{t}/data", "wb") as f:
            f.write(data)
        for args in (["-query", "-data", f"{t}/data", "-sha256", "-no_nonce", "-out", f"{t}/q"],
                     ["-reply", "-queryfile", f"{t}/q", "-config", f"{d}/{prefix}.cnf", "-out", f"{t}/r"]):
            subprocess.run(["openssl", "ts", *args], check=True, capture_output=True)
        return open(f"{t}/r", "rb").read()


def keyless_cert(d, identity, issuer, now, expired):
    import datetime
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, ObjectIdentifier
    load = lambda n: serialization.load_pem_private_key(open(f"{d}/{n}.key", "rb").read(), password=None)
    ca, ct = load("ca"), load("ct")
    ca_cert = x509.load_pem_x509_certificate(open(f"{d}/ca.crt", "rb").read())
    leaf = ec.generate_private_key(ec.SECP256R1())
    start = now - (3600 if expired else 60)
    san = x509.RFC822Name(identity) if "@" in identity and "://" not in identity else x509.UniformResourceIdentifier(identity)
    utf8 = issuer.encode()
    b = (x509.CertificateBuilder().subject_name(x509.Name([])).issuer_name(ca_cert.subject)
         .public_key(leaf.public_key()).serial_number(x509.random_serial_number())
         .not_valid_before(datetime.datetime.fromtimestamp(start, datetime.timezone.utc))
         .not_valid_after(datetime.datetime.fromtimestamp(start + 600, datetime.timezone.utc))
         .add_extension(x509.KeyUsage(True, False, False, False, False, False, False, False, False), critical=True)
         .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CODE_SIGNING]), critical=False)
         .add_extension(x509.SubjectAlternativeName([san]), critical=True)
         .add_extension(x509.UnrecognizedExtension(ObjectIdentifier("1.3.6.1.4.1.57264.1.1"), utf8), critical=False)
         .add_extension(x509.UnrecognizedExtension(ObjectIdentifier("1.3.6.1.4.1.57264.1.8"),
                                                   bytes([0x0c, len(utf8)]) + utf8), critical=False)
         .add_extension(x509.UnrecognizedExtension(ObjectIdentifier("1.3.6.1.4.1.57264.1.5"), b"isa/isA_Agent"),
                        critical=False)
         .add_extension(x509.UnrecognizedExtension(ObjectIdentifier("1.3.6.1.4.1.57264.1.6"), b"refs/heads/main"),
                        critical=False))
    pre = b.sign(ca, hashes.SHA256())
    tbs = pre.tbs_certificate_bytes
    ct_der = ct.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    ca_der = ca.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    ts = (start + 1) * 1000
    signed = b"\x00\x00" + ts.to_bytes(8, "big") + b"\x00\x01" + hashlib.sha256(ca_der).digest() \
        + len(tbs).to_bytes(3, "big") + tbs + b"\x00\x00"
    sig = ct.sign(signed, ec.ECDSA(hashes.SHA256()))
    sct = b"\x00" + hashlib.sha256(ct_der).digest() + ts.to_bytes(8, "big") + b"\x00\x00" + b"\x04\x03" \
        + len(sig).to_bytes(2, "big") + sig
    lst = len(sct).to_bytes(2, "big") + sct
    lst = (len(lst)).to_bytes(2, "big") + lst
    value = bytes([0x04]) + (bytes([len(lst)]) if len(lst) < 128 else bytes([0x81, len(lst)])) + lst
    cert = b.add_extension(x509.UnrecognizedExtension(ObjectIdentifier("1.3.6.1.4.1.11129.2.4.2"), value),
                           critical=False).sign(ca, hashes.SHA256())
    return leaf, cert.public_bytes(serialization.Encoding.PEM), ca_cert.public_bytes(serialization.Encoding.PEM)


def rekor_entry(d, body, now, tampered):
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    rekor = serialization.load_pem_private_key(open(f"{d}/rekor.key", "rb").read(), password=None)
    der = rekor.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    log_id = hashlib.sha256(der).digest()
    body_b64 = base64.b64encode(body).decode()
    payload = json.dumps({"body": body_b64, "integratedTime": now, "logID": log_id.hex(), "logIndex": 0},
                         separators=(",", ":"), sort_keys=True).encode()
    set_ = bytearray(rekor.sign(payload, ec.ECDSA(hashes.SHA256())))
    if tampered:
        set_[12] ^= 1
    leaf = hashlib.sha256(b"\x00" + body).digest()
    note = "rekor.test - 1\n1\n" + base64.b64encode(leaf).decode() + "\n"
    csig = rekor.sign(note.encode(), ec.ECDSA(hashes.SHA256()))
    checkpoint = note + "\n\u2014 rekor.test " + base64.b64encode(hashlib.sha256(der).digest()[:4] + csig).decode() + "\n"
    return log_id, bytes(set_), leaf, checkpoint


def cosign_keyless(base, repo, digest, form, identity, issuer, d, flaws=""):
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec
    flaws = flaws.split(",")
    now = int(time.time()) - 10
    leaf, cert_pem, ca_pem = keyless_cert(d, identity, issuer, now, "expired" in flaws)
    b64 = lambda b: base64.b64encode(b).decode()
    if form == "v2":
        payload = json.dumps({"critical": {"identity": {"docker-reference": repo},
                                           "image": {"docker-manifest-digest": digest},
                                           "type": "cosign container image signature"}, "optional": None}).encode()
        sig = leaf.sign(payload, ec.ECDSA(hashes.SHA256()))
        body = json.dumps({"apiVersion": "0.0.1", "kind": "hashedrekord", "spec": {
            "data": {"hash": {"algorithm": "sha256", "value": hashlib.sha256(payload).hexdigest()}},
            "signature": {"content": b64(sig), "publicKey": {"content": b64(cert_pem)}}}}).encode()
        log_id, set_, _, _ = rekor_entry(d, body, now, "tampered-set" in flaws)
        rb = json.dumps({"SignedEntryTimestamp": b64(set_), "Payload": {
            "body": b64(body), "integratedTime": now, "logIndex": 0, "logID": log_id.hex()}})
        ld, ls = push_blob(base, repo, payload, "-", None)
        push_blob(base, repo, b"{}", "-", None)
        tag = "sha256-" + digest.split(":", 1)[1] + ".sig"
        old = get_json(f"{base}/v2/{repo}/manifests/{tag}")
        layers = old["layers"] if old else []
        layers.append({"mediaType": "application/vnd.dev.cosign.simplesigning.v1+json", "digest": ld, "size": ls,
                       "annotations": {"dev.cosignproject.cosign/signature": b64(sig),
                                       "dev.sigstore.cosign/certificate": cert_pem.decode(),
                                       "dev.sigstore.cosign/chain": ca_pem.decode(),
                                       "dev.sigstore.cosign/bundle": rb}})
        manifest = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                    "config": EMPTY, "layers": layers}
        d2, _ = push_manifest(base, repo, tag, manifest, manifest["mediaType"], "-", None)
        print(json.dumps({"digest": d2}))
        return
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization
    statement = json.dumps({"_type": "https://in-toto.io/Statement/v1",
                            "subject": [{"name": repo, "digest": {"sha256": digest.split(":", 1)[1]}}],
                            "predicateType": "https://sigstore.dev/cosign/sign/v1", "predicate": {}}).encode()
    ptype = "application/vnd.in-toto+json"
    pae = b"DSSEv1 %d %s %d %s" % (len(ptype), ptype.encode(), len(statement), statement)
    sig = leaf.sign(pae, ec.ECDSA(hashes.SHA256()))
    der = x509.load_pem_x509_certificate(cert_pem).public_bytes(serialization.Encoding.DER)
    if "rekor2" in flaws:
        # Rekor v2: "hashedrekord over DSSE" (the PAE's hash), no integrated time, no SET.
        kind = ("hashedrekord", "0.0.2")
        body = json.dumps({"apiVersion": "0.0.2", "kind": "hashedrekord", "spec": {"hashedRekordV002": {
            "data": {"algorithm": "SHA2_256", "digest": b64(hashlib.sha256(pae).digest())},
            "signature": {"content": b64(sig), "verifier": {"keyDetails": "PKIX_ECDSA_P256_SHA_256",
                                                            "x509Certificate": {"rawBytes": b64(der)}}}}}}).encode()
    else:
        kind = ("dsse", "0.0.1")
        body = json.dumps({"apiVersion": "0.0.1", "kind": "dsse", "spec": {
            "payloadHash": {"algorithm": "sha256", "value": hashlib.sha256(statement).hexdigest()},
            "signatures": [{"signature": b64(sig), "verifier": b64(cert_pem)}]}}).encode()
    log_id, set_, root, checkpoint = rekor_entry(d, body, now, "tampered-set" in flaws)
    entry = {"logIndex": "0", "logId": {"keyId": b64(log_id)},
             "kindVersion": {"kind": kind[0], "version": kind[1]}, "integratedTime": str(now),
             "inclusionPromise": {"signedEntryTimestamp": b64(set_)},
             "inclusionProof": {"logIndex": "0", "rootHash": b64(root), "treeSize": "1", "hashes": [],
                                "checkpoint": {"envelope": checkpoint}},
             "canonicalizedBody": b64(body)}
    if "rekor2" in flaws:
        del entry["integratedTime"], entry["inclusionPromise"]
    material = {"certificate": {"rawBytes": b64(der)}, "tlogEntries": [entry]}
    stamps = [b64(timestamp(d, who, sig)) for who in ("tsa", "rogue-tsa") if who in flaws]
    if stamps:
        material["timestampVerificationData"] = {"rfc3161Timestamps": [{"signedTimestamp": s} for s in stamps]}
    bundle = json.dumps({"mediaType": "application/vnd.dev.sigstore.bundle.v0.3+json",
                         "verificationMaterial": material,
                         "dsseEnvelope": {"payload": b64(statement), "payloadType": ptype,
                                          "signatures": [{"sig": b64(sig), "keyid": ""}]}}).encode()
    store_bundle(base, repo, digest, bundle)


def store_bundle(base, repo, digest, bundle):
    btype = "application/vnd.dev.sigstore.bundle.v0.3+json"
    bd, bs = push_blob(base, repo, bundle, "-", None)
    push_blob(base, repo, b"{}", "-", None)
    raw = get_raw(f"{base}/v2/{repo}/manifests/{digest}")
    subject = json.loads(raw)
    manifest = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                "artifactType": btype, "config": EMPTY,
                "layers": [{"mediaType": btype, "digest": bd, "size": bs}],
                "subject": {"mediaType": subject["mediaType"], "digest": digest, "size": len(raw)}}
    md, ms = push_manifest(base, repo, "sig-" + hashlib.sha256(bundle).hexdigest()[:16], manifest,
                           manifest["mediaType"], "-", None)
    tag = "sha256-" + digest.split(":", 1)[1]
    old = get_json(f"{base}/v2/{repo}/manifests/{tag}")
    entries = old["manifests"] if old else []
    entries.append({"mediaType": manifest["mediaType"], "digest": md, "size": ms, "artifactType": btype})
    index = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json", "manifests": entries}
    push_manifest(base, repo, tag, index, index["mediaType"], "-", None)
    print(json.dumps({"digest": md}))


if __name__ == "__main__":
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == "token-server":
        token_server(*args)
    elif cmd == "jwt":
        print(jwt(*args))
    elif cmd == "push":
        push(*args)
    elif cmd == "paginate":
        paginate(*args)
    elif cmd == "tags":
        tags(*args)
    elif cmd == "cosign-v2":
        cosign_v2(*args)
    elif cmd == "cosign-v3":
        cosign_v3(*args)
    elif cmd == "store-bundle":
        with open(args[3], "rb") as f:
            store_bundle(args[0], args[1], args[2], f.read())
    elif cmd == "cosign-key":
        cosign_key(*args)
    elif cmd == "keyless-pki":
        keyless_pki(*args)
    elif cmd == "cosign-keyless":
        cosign_keyless(*args)
    else:
        sys.exit(f"unknown command {cmd}")
