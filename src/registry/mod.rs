//! Is the image real? The OCI distribution API asked whether a reference exists, and for the
//! digest it names: `GET /v2/` for the authentication challenge, a Bearer token (Docker Hub,
//! GHCR, Harbor, the distribution registry's token auth) or Basic credentials (ECR), then
//! `HEAD /v2/<name>/manifests/<tag|digest>` accepting an OCI index, a Docker manifest list, an
//! OCI manifest or a Docker v2 manifest. For a multi-platform image the digest is the index's.
//!
//! HTTPS always, except for registries on this machine (127.0.0.0/8, `[::1]`, `localhost`) and
//! hosts named insecure, as Docker's daemon treats them: tried over HTTPS first, then plain
//! HTTP. Credentials come from Docker's configuration ([`docker_config`]) or
//! `IMGBUMP_REGISTRY_TOKEN`; they are sent only to the registry's host and the token service
//! it names, never after a redirect to another host, and never printed. Every answer's body is
//! read up to a bound. Knows nothing of Git or YAML.
//!
//! | room | what it holds |
//! |---|---|
//! | `mod.rs` | the distribution API: the challenge, Bearer and Basic logins, tokens, a manifest asked for, its digest ([`Registry::check`]) |
//! | `tags.rs` | [`Registry::tags`] (every page of a repository's tags) and [`Registry::created`] (an image config's time), for `imgbump update` |
//! | `signatures.rs` | cosign's stored signatures for one digest: the v2 `.sig` tag, v3 bundles through the referrers API or its tag schema |
//! | `docker_config.rs` | credentials as Docker finds them (config, credential helpers and stores) |

pub(crate) mod docker_config;
pub mod signatures;
pub(crate) mod tags;

use std::time::{Duration, Instant};

use base64::Engine;

use crate::http::{loopback, url_host};
use crate::reference::Reference;
use docker_config::Login;

/// The manifest types accepted, most general first.
const ACCEPT: &str = "application/vnd.oci.image.index.v1+json, application/vnd.docker.distribution.manifest.list.v2+json, application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json";
/// The largest manifest read (to hash it when the registry sends no digest).
const MANIFEST_MAX: u64 = 4 << 20;
/// The largest token or error answer read.
const SMALL_MAX: u64 = 256 << 10;

/// What kind of failure a check is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RegistryErrorKind {
    /// The registry answered that the reference does not exist.
    Missing,
    /// The registry could not be asked: unreachable, refused the credentials, answered
    /// something unreadable or too large, or over plain HTTP where HTTPS is required.
    Unavailable,
}

/// A failed check: what, and what was tried.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegistryError {
    /// Which kind.
    pub kind: RegistryErrorKind,
    /// What failed; never holds a credential.
    pub message: String,
    /// What to do about it, when the message does not say (a failure's hint).
    pub hint: Option<String>,
}

impl std::fmt::Display for RegistryError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)?;
        match &self.hint {
            Some(hint) => write!(f, "\n{hint}"),
            None => Ok(()),
        }
    }
}

/// A reference the registry has.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Found {
    /// The digest of what the reference names (an index for a multi-platform image).
    pub digest: String,
    /// Its media type, as the registry says.
    pub media_type: String,
    /// How long the check took.
    pub elapsed: Duration,
    /// HTTP requests made.
    pub requests: u32,
}

/// Where to ask about an image, and with what.
#[derive(Debug, Clone, Default)]
pub struct Settings {
    /// Hosts (`host` or `host:port`) that may be asked over plain HTTP.
    pub insecure: Vec<String>,
    /// `IMGBUMP_REGISTRY_TOKEN`: a bearer token for every registry.
    pub token: Option<String>,
    /// How long one request may take.
    pub timeout: Duration,
}

/// What `GET /v2/` answered: the base URL that works, and the authentication challenge.
type Pinged = (String, Option<String>);

/// A client for registries: one agent, logins and tokens kept for the run.
pub struct Registry {
    settings: Settings,
    agent: ureq::Agent,
    /// (host, scope) → the `Authorization` value that worked.
    auth: Vec<((String, String), String)>,
    /// host → what `GET /v2/` answered (the base URL, the challenge): asked once a run, however
    /// many lookups (a check, then the signatures; a tags listing per target) follow.
    pinged: std::cell::RefCell<Vec<(String, Pinged)>>,
    /// Until when a server's `Retry-After` is waited out ([`Registry::until`]); else the
    /// request timeout from the first request of a chain.
    deadline: Option<Instant>,
    /// Where each wait is said.
    notice: Option<crate::retry::Notice>,
}

/// The host a reference's registry is reached at, and the repository path there.
pub(crate) fn locate(r: &Reference) -> (String, String) {
    let (host, path) = r.registry_and_path();
    match host {
        None | Some("docker.io" | "index.docker.io") => {
            let path = if path.contains('/') {
                path.to_string()
            } else {
                format!("library/{path}")
            };
            ("registry-1.docker.io".to_string(), path)
        }
        Some(h) => (h.to_string(), path.to_string()),
    }
}

/// An answer: status, the headers kept, and the body read (bounded).
struct Answer {
    status: u16,
    digest: Option<String>,
    content_type: Option<String>,
    challenge: Option<String>,
    location: Option<String>,
    /// `Link` (the next page of tags).
    link: Option<String>,
    /// `Retry-After`, as sent.
    retry_after: Option<String>,
    body: Vec<u8>,
}

/// Where one repository is asked, and with what: made once per listing, fetch
/// or signature lookup ([`Registry::session`]).
pub(super) struct Session {
    pub(super) host: String,
    pub(super) path: String,
    pub(super) base: String,
    pub(super) auth: Option<String>,
    pub(super) refreshed: bool,
    pub(super) requests: u32,
}

impl Registry {
    /// The host, repository and base URL of `reference`, asked once (`GET /v2/`), with the
    /// authorization kept from earlier or asked for now.
    pub(super) fn session(&mut self, reference: &Reference) -> Result<Session, RegistryError> {
        let (host, path) = locate(reference);
        let scope = format!("repository:{path}:pull");
        let mut requests = 0;
        let mut auth = self.cached_auth(&host, &scope);
        let (base, challenge) = self.ping(&host, &mut requests)?;
        let mut refreshed = false;
        if let (None, Some(challenge)) = (&auth, challenge) {
            let a = self.authorize(&host, &path, &challenge, &mut requests)?;
            self.auth.push(((host.clone(), scope), a.clone()));
            auth = Some(a);
            refreshed = true;
        }
        Ok(Session {
            host,
            path,
            base,
            auth,
            refreshed,
            requests,
        })
    }
}

impl Registry {
    /// A client with these settings (TLS roots as the rest of imgbump finds them).
    pub fn new(settings: Settings) -> Registry {
        let agent = crate::http::agent(settings.timeout);
        Registry {
            settings,
            agent,
            auth: Vec::new(),
            pinged: std::cell::RefCell::new(Vec::new()),
            deadline: None,
            notice: None,
        }
    }

    /// A `Retry-After` is waited out until `deadline` (the run's), not only within one
    /// request's timeout.
    pub(crate) fn until(mut self, deadline: Instant) -> Registry {
        self.deadline = Some(deadline);
        self
    }

    /// Each wait is said through `notice`.
    pub(crate) fn saying(mut self, notice: Option<crate::retry::Notice>) -> Registry {
        self.notice = notice;
        self
    }

    /// Whether `reference` exists in its registry, and its digest.
    pub(crate) fn check(&mut self, reference: &Reference) -> Result<Found, RegistryError> {
        let start = Instant::now();
        let (host, path) = locate(reference);
        let what = reference.to_string();
        let wanted = reference
            .digest()
            .or(reference.tag())
            .unwrap_or("latest")
            .to_string();
        let mut requests = 0;
        let scope = format!("repository:{path}:pull");
        let mut auth = self.cached_auth(&host, &scope);
        let (base, challenge) = self.ping(&host, &mut requests)?;
        let url = format!("{base}/v2/{path}/manifests/{wanted}");
        let mut refreshed = false;
        if let (None, Some(challenge)) = (&auth, challenge) {
            // GET /v2/ answered with the challenge: log in before asking for the manifest.
            let a = self.authorize(&host, &path, &challenge, &mut requests)?;
            self.auth.push(((host.clone(), scope.clone()), a.clone()));
            auth = Some(a);
            refreshed = true;
        }
        loop {
            let answer = self.follow("HEAD", &url, &host, auth.as_deref(), &mut requests)?;
            match answer.status {
                200 => {
                    let digest = match answer.digest {
                        Some(d) => d,
                        None => {
                            self.digest_by_get(&url, &host, auth.as_deref(), &what, &mut requests)?
                        }
                    };
                    if let Some(want) = reference.digest() {
                        if want != digest {
                            return Err(unavailable(format!(
                                "{host} answered {digest} for {what}"
                            )));
                        }
                    }
                    return Ok(Found {
                        digest,
                        media_type: answer.content_type.unwrap_or_default(),
                        elapsed: start.elapsed(),
                        requests,
                    });
                }
                404 => return Err(missing(reference, &host, &path, &wanted)),
                401 if !refreshed => {
                    let challenge = answer.challenge.unwrap_or_default();
                    auth = Some(self.authorize(&host, &path, &challenge, &mut requests)?);
                    if let Some(a) = &auth {
                        self.auth
                            .retain(|(k, _)| k != &(host.clone(), scope.clone()));
                        self.auth.push(((host.clone(), scope.clone()), a.clone()));
                    }
                    refreshed = true;
                }
                401 | 403 => {
                    return Err(unavailable(format!(
                        "the registry {host} refused the credentials for {path} (HTTP {}){}",
                        answer.status,
                        if self.settings.token.is_some() {
                            "; IMGBUMP_REGISTRY_TOKEN may have expired"
                        } else {
                            "; check `docker login` (or the credential helper) for this registry"
                        }
                    )));
                }
                code => {
                    let said = String::from_utf8_lossy(&answer.body)
                        .chars()
                        .take(200)
                        .collect::<String>();
                    let said = if said.is_empty() {
                        said
                    } else {
                        format!(": {said}")
                    };
                    return Err(unavailable(format!(
                        "the registry {host} answered HTTP {code} for {path}:{wanted}{said}"
                    )));
                }
            }
        }
    }

    fn cached_auth(&self, host: &str, scope: &str) -> Option<String> {
        self.auth
            .iter()
            .find(|((h, s), _)| h == host && s == scope)
            .map(|(_, a)| a.clone())
    }

    /// The digest of the manifest at `url` from its bytes, for a registry that answers HEAD
    /// without `Docker-Content-Digest`.
    fn digest_by_get(
        &mut self,
        url: &str,
        host: &str,
        auth: Option<&str>,
        what: &str,
        requests: &mut u32,
    ) -> Result<String, RegistryError> {
        let full = self.follow("GET", url, host, auth, requests)?;
        if full.status != 200 {
            return Err(unavailable(format!(
                "{host} answered HEAD for {what} but not GET (HTTP {})",
                full.status
            )));
        }
        Ok(format!("sha256:{}", hex_sha256(&full.body)))
    }

    /// `GET /v2/`: the base URL that answers (`https://host`, or `http://host` for a loopback
    /// or insecure host whose HTTPS fails), and its authentication challenge, if any.
    fn ping(&self, host: &str, requests: &mut u32) -> Result<Pinged, RegistryError> {
        if let Some((_, known)) = self.pinged.borrow().iter().find(|(h, _)| h == host) {
            return Ok(known.clone());
        }
        let answered = self.ping_once(host, requests)?;
        self.pinged
            .borrow_mut()
            .push((host.to_string(), answered.clone()));
        Ok(answered)
    }

    /// One `GET /v2/` (and, where plain HTTP may be used, its fallback), for [`Registry::ping`].
    fn ping_once(&self, host: &str, requests: &mut u32) -> Result<Pinged, RegistryError> {
        let https = format!("https://{host}");
        let may_http = loopback(host) || self.settings.insecure.iter().any(|h| h == host);
        let answered = |r: &ureq::http::Response<ureq::Body>| {
            let challenge = (r.status().as_u16() == 401)
                .then(|| {
                    r.headers()
                        .get("www-authenticate")
                        .and_then(|v| v.to_str().ok())
                        .map(str::to_string)
                })
                .flatten();
            (matches!(r.status().as_u16(), 200 | 401), challenge)
        };
        *requests += 1;
        match crate::http::idempotent(|| self.agent.get(format!("{https}/v2/")).call()) {
            Ok(r) => Ok((https, answered(&r).1)),
            Err(e) if may_http => {
                *requests += 1;
                match crate::http::idempotent(|| self.agent.get(format!("http://{host}/v2/")).call()) {
                    Ok(r) if answered(&r).0 => Ok((format!("http://{host}"), answered(&r).1)),
                    Ok(r) => Err(unavailable(format!("cannot reach the registry {host}: over HTTPS {e}; over HTTP it answered HTTP {}", r.status().as_u16()))),
                    Err(e2) => Err(unavailable(format!("cannot reach the registry {host}: over HTTPS {e}; over HTTP {e2}"))),
                }
            }
            Err(e) => Err(RegistryError {
                hint: Some("(plain HTTP is used only for registries on this machine and --insecure-registry hosts)".into()),
                ..unavailable(format!("cannot reach the registry {host} over HTTPS: {e}"))
            }),
        }
    }

    /// Whether `url` may be fetched: HTTPS, or plain HTTP to this machine or an insecure host.
    fn may_use(&self, url: &str) -> bool {
        crate::http::may_use(url, &self.settings.insecure)
    }

    /// One request, following redirects (at most 3): `Authorization` goes only to `host`.
    fn follow(
        &self,
        method: &str,
        url: &str,
        host: &str,
        auth: Option<&str>,
        requests: &mut u32,
    ) -> Result<Answer, RegistryError> {
        self.follow_up_to(method, url, host, auth, MANIFEST_MAX, requests)
    }

    /// [`Registry::follow`] for a GET whose body may be up to `limit` bytes.
    fn follow_bounded(
        &self,
        url: &str,
        host: &str,
        auth: Option<&str>,
        limit: u64,
        requests: &mut u32,
    ) -> Result<Answer, RegistryError> {
        self.follow_up_to("GET", url, host, auth, limit, requests)
    }

    fn follow_up_to(
        &self,
        method: &str,
        url: &str,
        host: &str,
        auth: Option<&str>,
        limit: u64,
        requests: &mut u32,
    ) -> Result<Answer, RegistryError> {
        let mut url = url.to_string();
        for _ in 0..4 {
            let same_host = url_host(&url).is_some_and(|h| h == host);
            let answer = self.asked(
                method,
                &url,
                if same_host { auth } else { None },
                limit,
                requests,
            )?;
            match (answer.status, &answer.location) {
                (301 | 302 | 303 | 307 | 308, Some(loc)) => {
                    let next = absolute(&url, loc);
                    if !self.may_use(&next) {
                        return Err(unavailable(format!(
                            "the registry {host} redirected to a plain-HTTP address; refused"
                        )));
                    }
                    url = next;
                }
                _ => return Ok(answer),
            }
        }
        Err(unavailable(format!(
            "the registry {host} redirected more than 3 times"
        )))
    }

    /// [`Registry::request`], a `429` or `503` with `Retry-After` waited out as the registry
    /// asks while the deadline allows (the retry room's wait, which a signal ends), one line
    /// said before each wait; past the deadline, an error saying how long was asked.
    fn asked(
        &self,
        method: &str,
        url: &str,
        auth: Option<&str>,
        limit: u64,
        requests: &mut u32,
    ) -> Result<Answer, RegistryError> {
        use crate::retry::{Retry, RetryResult, Stop};
        let deadline = self
            .deadline
            .unwrap_or_else(|| Instant::now() + self.settings.timeout);
        let host = url_host(url).unwrap_or_default();
        let repo = shown_repository(url);
        let asked = |a: &Answer| {
            matches!(a.status, 429 | 503)
                .then(|| a.retry_after.as_deref().and_then(crate::retry::after))
                .flatten()
        };
        let tried = Retry::new(deadline, None).run(
            0,
            || match self.request(method, url, auth, limit, requests) {
                Ok(a) => match asked(&a) {
                    Some(wait) => RetryResult::Wait(a, wait),
                    None => RetryResult::Success(Ok(a)),
                },
                Err(e) => RetryResult::Success(Err(e)),
            },
            |a, wait| {
                if let Some(say) = &self.notice {
                    say(&format!(
                        "the registry {host} answered HTTP {} for {repo} and asks to wait: waiting {} before trying again; --timeout bounds the wait",
                        a.status,
                        crate::retry::span(wait)
                    ));
                }
            },
        );
        match tried {
            Ok(answer) => answer,
            Err(Stop::Failed(a)) => Ok(a),
            Err(Stop::Spent(a, _)) => Err(unavailable(format!(
                "the registry {host} answered HTTP {} for {repo} and asks to wait {}, past --timeout's deadline; raise --timeout, or try again later",
                a.status,
                crate::retry::span(asked(&a).unwrap_or_default())
            ))),
            Err(Stop::Interrupted(signal)) => Err(unavailable(format!(
                "interrupted by {} while the registry {host} asked to wait",
                crate::interrupt::name(signal)
            ))),
        }
    }

    fn request(
        &self,
        method: &str,
        url: &str,
        auth: Option<&str>,
        limit: u64,
        requests: &mut u32,
    ) -> Result<Answer, RegistryError> {
        *requests += 1;
        let host = url_host(url).unwrap_or_default();
        let result = crate::http::idempotent(|| {
            let r = match method {
                "HEAD" => self.agent.head(url),
                _ => self.agent.get(url),
            };
            let r = r.header("Accept", ACCEPT);
            match auth {
                Some(a) => r.header("Authorization", a).call(),
                None => r.call(),
            }
        });
        let mut resp = result.map_err(|e| unavailable(format!("cannot reach {host}: {e}")))?;
        let header = |name: &str| {
            resp.headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
        };
        let digest =
            header("docker-content-digest").filter(|d| d.starts_with("sha256:") && d.len() == 71);
        let content_type = header("content-type");
        let challenge = header("www-authenticate");
        let location = header("location");
        let link = header("link");
        let retry_after = header("retry-after");
        let status = resp.status().as_u16();
        let body = if method == "HEAD" || (300..400).contains(&status) {
            Vec::new()
        } else {
            let cap = if status == 200 { limit } else { SMALL_MAX };
            resp.body_mut()
                .with_config()
                .limit(cap)
                .read_to_vec()
                .map_err(|e| {
                    unavailable(format!(
                        "{host}'s answer could not be read within {cap} bytes: {e}"
                    ))
                })?
        };
        Ok(Answer {
            status,
            digest,
            content_type,
            challenge,
            location,
            link,
            retry_after,
            body,
        })
    }

    /// The `Authorization` value the challenge asks for.
    fn authorize(
        &self,
        host: &str,
        path: &str,
        challenge: &str,
        requests: &mut u32,
    ) -> Result<String, RegistryError> {
        let (scheme, params) = challenge.split_once(' ').unwrap_or((challenge, ""));
        let param = |name: &str| challenge_param(params, name);
        let login = || -> Result<Option<Login>, RegistryError> {
            docker_config::login_for(host)
                .map_err(|m| unavailable(format!("credentials for {host}: {m}")))
        };
        match scheme.to_ascii_lowercase().as_str() {
            "bearer" => {
                if let Some(t) = &self.settings.token {
                    return Ok(format!("Bearer {t}"));
                }
                let realm = param("realm").ok_or_else(|| unavailable(format!("the registry {host} asks for a token but names no realm")))?;
                let realm_host = url_host(&realm).unwrap_or_default();
                if !self.may_use(&realm) {
                    return Err(unavailable(format!("the registry {host} names a token service over plain HTTP ({realm_host}); refused")));
                }
                let mut url = format!("{realm}{}scope={}", if realm.contains('?') { '&' } else { '?' }, crate::http::pct(&format!("repository:{path}:pull")));
                if let Some(service) = param("service") {
                    url.push_str(&format!("&service={}", crate::http::pct(&service)));
                }
                *requests += 1;
                let login = login()?;
                let basic = login.as_ref().map(|l| format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(format!("{}:{}", l.user, l.secret))));
                let call = || {
                    let r = self.agent.get(&url);
                    match &basic {
                        Some(b) => r.header("Authorization", b).call(),
                        None => r.call(),
                    }
                };
                let mut resp = crate::http::idempotent(call).map_err(|e| unavailable(format!("cannot reach the token service {realm_host} of {host}: {e}")))?;
                let status = resp.status().as_u16();
                let body = resp
                    .body_mut()
                    .with_config()
                    .limit(SMALL_MAX)
                    .read_to_vec()
                    .map_err(|e| unavailable(format!("the token service {realm_host} answered more than {SMALL_MAX} bytes, or unreadably: {e}")))?;
                if status != 200 {
                    return Err(unavailable(format!(
                        "the token service {realm_host} of {host} refused {} (HTTP {status}); check `docker login {host}`",
                        if login.is_some() { "the credentials" } else { "an anonymous request" }
                    )));
                }
                let v: serde_json::Value = serde_json::from_slice(&body).map_err(|_| unavailable(format!("the token service {realm_host} did not answer JSON")))?;
                let answer: TokenAnswer = crate::http::read(&v);
                let token = [answer.token.as_str(), answer.access_token.as_str()].into_iter().find(|t| !t.is_empty()).ok_or_else(|| unavailable(format!("the token service {realm_host} answered no token")))?;
                Ok(format!("Bearer {token}"))
            }
            "basic" => match login()? {
                Some(l) => Ok(format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(format!("{}:{}", l.user, l.secret)))),
                None => Err(unavailable(format!("the registry {host} needs a login and none is configured; run `docker login {host}` (or aws ecr get-login-password | docker login …)"))),
            },
            other => Err(unavailable(format!("the registry {host} asks for {other:?} authentication, which imgbump does not speak"))),
        }
    }
}

fn unavailable(message: String) -> RegistryError {
    RegistryError {
        kind: RegistryErrorKind::Unavailable,
        message,
        hint: None,
    }
}

/// `name="value"` (or unquoted) from a challenge's parameters.
fn challenge_param(params: &str, name: &str) -> Option<String> {
    let mut rest = params;
    while !rest.is_empty() {
        rest = rest.trim_start_matches([' ', ',']);
        let (key, after) = rest.split_once('=')?;
        let (value, next) = match after.strip_prefix('"') {
            Some(q) => {
                let end = q.find('"')?;
                (&q[..end], &q[end + 1..])
            }
            None => {
                let end = after.find(',').unwrap_or(after.len());
                (&after[..end], &after[end..])
            }
        };
        if key.trim().eq_ignore_ascii_case(name) {
            return Some(value.to_string());
        }
        rest = next;
    }
    None
}

/// The registry `host` has no manifest for `reference` (`path` at `wanted`).
fn missing(reference: &Reference, host: &str, path: &str, wanted: &str) -> RegistryError {
    let sep = if reference.digest().is_some() {
        '@'
    } else {
        ':'
    };
    RegistryError {
        kind: RegistryErrorKind::Missing,
        message: format!(
            "the registry {host} has no {path}{sep}{wanted} (HTTP 404 for {}); nothing was committed",
            reference.repository()
        ),
        hint: Some("check that the image was pushed, and the tag".into()),
    }
}

/// `location` made absolute against `base`.
fn absolute(base: &str, location: &str) -> String {
    if location.contains("://") {
        return location.to_string();
    }
    let (scheme, rest) = base.split_once("://").unwrap_or(("https", base));
    let authority = rest.split('/').next().unwrap_or("");
    if location.starts_with('/') {
        format!("{scheme}://{authority}{location}")
    } else {
        format!("{scheme}://{authority}/{location}")
    }
}

/// SHA-256 in lowercase hex, for a manifest whose registry sends no digest.
fn hex_sha256(data: &[u8]) -> String {
    use sha2::Digest;
    use std::fmt::Write;
    sha2::Sha256::digest(data)
        .iter()
        .fold(String::new(), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

/// A token service's answer (Docker's token authentication): `token`, or OAuth's
/// `access_token`; a field of another type reads as empty, and the rest is ignored.
#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct TokenAnswer {
    token: crate::http::Text,
    access_token: crate::http::Text,
}

/// The repository a registry URL asks about (`/v2/NAME/manifests/…`, `…/tags/list`,
/// `…/blobs/…`), shown for a message; the URL's path when it names none.
fn shown_repository(url: &str) -> String {
    let path = url
        .split_once("://")
        .and_then(|(_, r)| r.split_once('/'))
        .map_or("", |(_, p)| p);
    let path = path.split('?').next().unwrap_or("");
    let name = path.strip_prefix("v2/").and_then(|p| {
        ["/manifests/", "/tags/list", "/blobs/", "/referrers/"]
            .iter()
            .find_map(|m| p.rfind(m).map(|i| &p[..i]))
    });
    crate::secret::cut(name.unwrap_or(path), 200, [])
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A token service's answer: `token`, else OAuth's `access_token`; one of another type
    /// reads as none.
    #[test]
    fn a_token_answer_reads_token_then_access_token() {
        let read = |v: serde_json::Value| -> (String, String) {
            let a: TokenAnswer = crate::http::read(&v);
            (a.token.as_str().into(), a.access_token.as_str().into())
        };
        assert_eq!(read(serde_json::json!({"token": "t"})).0, "t");
        assert_eq!(
            read(serde_json::json!({"token": 5, "access_token": "a"})),
            (String::new(), "a".to_string())
        );
        assert_eq!(
            read(serde_json::json!(["t"])),
            (String::new(), String::new())
        );
    }

    #[test]
    fn references_are_located_as_docker_locates_them() {
        let l = |s: &str| locate(&s.parse().unwrap());
        assert_eq!(
            l("nginx:1"),
            ("registry-1.docker.io".into(), "library/nginx".into())
        );
        assert_eq!(
            l("bitnami/nginx:1"),
            ("registry-1.docker.io".into(), "bitnami/nginx".into())
        );
        assert_eq!(
            l("docker.io/nginx:1"),
            ("registry-1.docker.io".into(), "library/nginx".into())
        );
        assert_eq!(l("ghcr.io/a/b:1"), ("ghcr.io".into(), "a/b".into()));
        assert_eq!(
            l("localhost:5000/a:1"),
            ("localhost:5000".into(), "a".into())
        );
        assert!(
            loopback("127.0.0.1:5000")
                && loopback("localhost")
                && loopback("[::1]:5000")
                && loopback("127.9.9.9")
        );
        assert!(
            !loopback("128.0.0.1:5000")
                && !loopback("example.com")
                && !loopback("localhost.example.com:1")
        );
    }

    #[test]
    fn challenges_are_read() {
        let c = r#"realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/nginx:pull""#;
        assert_eq!(
            challenge_param(c, "realm").as_deref(),
            Some("https://auth.docker.io/token")
        );
        assert_eq!(
            challenge_param(c, "service").as_deref(),
            Some("registry.docker.io")
        );
        assert_eq!(
            challenge_param("realm=x, service=y", "service").as_deref(),
            Some("y")
        );
        assert_eq!(challenge_param(c, "nope"), None);
        assert_eq!(
            url_host("https://u:p@h.io:5000/v2/x"),
            Some("h.io:5000".into())
        );
        assert_eq!(absolute("https://a.io/v2/x", "/y"), "https://a.io/y");
    }

    #[test]
    fn a_waits_message_names_the_repository() {
        for (url, want) in [
            (
                "https://r.example/v2/isa/agent/tags/list?n=1000",
                "isa/agent",
            ),
            ("http://127.0.0.1:5000/v2/a/manifests/sha256:00", "a"),
            ("https://r.example/v2/x/blobs/sha256:00", "x"),
            ("https://r.example/token?scope=x", "token"),
            ("nonsense", ""),
        ] {
            assert_eq!(shown_repository(url), want, "{url}");
        }
    }

    #[test]
    fn sha256_is_sha256() {
        assert_eq!(
            hex_sha256(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(
            hex_sha256(b""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }
}
