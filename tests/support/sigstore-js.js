// Keyless signatures made by another Sigstore client, offline: sigstore-js (@sigstore/sign) signs
// against @sigstore/mock's Fulcio (a certificate authority with a CT log, the SCT embedded) and
// Rekor (SET, inclusion proof and signed checkpoint), both answering in this process through
// nock, the network shut off. Run with NODE_PATH=target/tools/sigstore-js/node_modules
// (scripts/test-tools installs them):
//
//   node sigstore-js.js DIR ISSUER REPO DIGEST=IDENTITY...
//
// For each DIGEST (sha256:<hex>) of REPO, a cosign v3 signature: a v0.3 bundle over a DSSE
// in-toto statement whose subject is DIGEST (as `cosign sign` makes it), from a certificate for
// IDENTITY (a URI) issued through ISSUER, with GitHub's workflow repository isa/isA_Agent and
// ref refs/heads/main; written to DIR/<hex>.bundle.json. DIR/trusted_root.json describes the
// mock instance.
//
// @sigstore/mock builds no trusted root of its own to hand out (its trust-root module is not
// exported), so it is written here from what the mock's parts expose: the CA's root
// certificate, the CT log's key and ID, the transparency log's key, each trusted from a minute
// before now.
//
// The log entries are in-toto (intoto 0.0.2) ones, not dsse: the mock's Rekor logs the entry as
// proposed, and a proposed dsse entry (spec.proposedContent: the whole envelope and the
// verifiers) is not what Rekor stores and hands back (spec.signatures, envelopeHash,
// payloadHash), which imgbump rightly does not take; a proposed intoto entry has the form Rekor
// stores. @sigstore/mock 0.10.0 needs pkijs 3.2 (scripts/test-tools holds it there): with pkijs
// 3.3 and later its SCTs have an empty signature.
'use strict';
const crypto = require('crypto');
const fs = require('fs');
const path = require('path');
const nock = require('nock');
const mock = require('@sigstore/mock');
const sign = require('@sigstore/sign');
const { bundleToJSON } = require('@sigstore/bundle');

const FULCIO = 'https://fulcio.mock.test';
const REKOR = 'https://rekor.mock.test';
const CTLOG = 'https://ctfe.mock.test';

/// Every request to `base` for `handler.path` answered by the mock, as often as asked.
function serve(base, handler) {
  nock(base)
    .persist()
    .post(handler.path)
    .reply(async (_, body) => {
      const req = typeof body === 'string' ? body : JSON.stringify(body);
      const { statusCode, response, contentType } = await handler.fn(req);
      return [statusCode, response, { 'Content-Type': contentType || 'text/plain' }];
    });
}

function b64url(obj) {
  return Buffer.from(JSON.stringify(obj)).toString('base64url');
}

async function main() {
  const [dir, issuer, repo, ...pairs] = process.argv.slice(2);
  if (!dir || !issuer || !repo || pairs.length === 0) {
    throw new Error('usage: sigstore-js.js DIR ISSUER REPO DIGEST=IDENTITY...');
  }
  nock.disableNetConnect();
  const pair = () => crypto.generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const caKeys = pair();
  const ctlog = await mock.initializeCTLog(caKeys);
  const ca = await mock.initializeCA(caKeys, ctlog);
  const tlog = await mock.initializeTLog(REKOR, pair());
  serve(FULCIO, mock.fulcioHandler(ca, { strict: true }));
  serve(REKOR, mock.rekorHandler(tlog, { strict: true }));

  const start = new Date(Date.now() - 60_000).toISOString();
  const key = (raw) => ({ rawBytes: raw.toString('base64'), keyDetails: 'PKIX_ECDSA_P256_SHA_256', validFor: { start } });
  const root = {
    mediaType: 'application/vnd.dev.sigstore.trustedroot+json;version=0.1',
    tlogs: [{
      baseUrl: REKOR,
      hashAlgorithm: 'SHA2_256',
      publicKey: key(tlog.publicKey),
      logId: { keyId: crypto.createHash('sha256').update(tlog.publicKey).digest('base64') },
    }],
    certificateAuthorities: [{
      subject: { organization: 'sigstore.mock', commonName: 'sigstore' },
      uri: FULCIO,
      certChain: { certificates: [{ rawBytes: ca.rootCertificate.toString('base64') }] },
      validFor: { start },
    }],
    ctlogs: [{
      baseUrl: CTLOG,
      hashAlgorithm: 'SHA2_256',
      publicKey: key(ctlog.publicKey),
      logId: { keyId: ctlog.logID.toString('base64') },
    }],
    timestampAuthorities: [],
  };
  fs.writeFileSync(path.join(dir, 'trusted_root.json'), JSON.stringify(root, null, 2));

  for (const p of pairs) {
    const [digest, identity] = p.split(/=(.*)/s);
    const claims = {
      iss: issuer,
      sub: identity,
      aud: 'sigstore',
      repository: 'isa/isA_Agent',
      ref: 'refs/heads/main',
      iat: Math.floor(Date.now() / 1000),
    };
    // An unsigned token: the mock's Fulcio reads its claims (as Fulcio does after checking it).
    const token = `${b64url({ alg: 'none', typ: 'JWT' })}.${b64url(claims)}.`;
    const signer = new sign.FulcioSigner({
      fulcioBaseURL: FULCIO,
      identityProvider: { getToken: async () => token },
    });
    const witness = new sign.RekorWitness({ rekorBaseURL: REKOR, entryType: 'intoto' });
    const builder = new sign.DSSEBundleBuilder({ signer, witnesses: [witness] });
    const statement = {
      _type: 'https://in-toto.io/Statement/v1',
      subject: [{ name: repo, digest: { sha256: digest.replace(/^sha256:/, '') } }],
      predicateType: 'https://sigstore.dev/cosign/sign/v1',
      predicate: {},
    };
    const bundle = await builder.create({
      data: Buffer.from(JSON.stringify(statement)),
      type: 'application/vnd.in-toto+json',
    });
    const file = path.join(dir, `${digest.replace(/^sha256:/, '')}.bundle.json`);
    fs.writeFileSync(file, JSON.stringify(bundleToJSON(bundle)));
  }
}

main().catch((e) => {
  process.stderr.write(`sigstore-js.js: ${e.stack || e}\n`);
  process.exit(1);
});
