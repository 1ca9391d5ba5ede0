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
"""
import base64
import hashlib
import http.server
import json
import ssl
import subprocess
import sys
import time
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
    else:
        sys.exit(f"unknown command {cmd}")
