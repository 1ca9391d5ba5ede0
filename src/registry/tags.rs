//! A repository's tags and an image's creation time, for `imgbump update`: the tags list
//! followed page by page (`n`, `last`, the `Link` header), each tag checked against the OCI
//! grammar before it is kept; an image config's `created` (through an index to one platform's
//! manifest). The answers are hostile input: every body bounded, every digest checked, the
//! pages and tags counted against limits, and a `Retry-After` honoured only within the run's
//! time.

use std::collections::HashSet;
use std::time::{Duration, Instant};

use super::{absolute, hex_sha256, unavailable, Answer, Registry, RegistryError, Session};
use crate::http::{url_host, List, Obj, Text};
use crate::reference::Reference;

/// Tags asked for per page.
pub(crate) const PAGE: usize = 1000;
/// The most pages followed.
const PAGES_MAX: u32 = 1000;
/// The most tags kept.
const TAGS_MAX: usize = 200_000;
/// The largest image config read.
const CONFIG_MAX: u64 = 4 << 20;

/// A repository's tags.
#[derive(Debug, Clone, Default)]
pub(crate) struct Tags {
    /// Valid tags, each once, in the registry's order.
    pub tags: Vec<String>,
    /// Tags dropped because they are not tags by the OCI grammar.
    pub invalid: usize,
    /// Pages read.
    pub pages: u32,
    /// HTTP requests made.
    pub requests: u32,
    /// How long it took.
    pub elapsed: Duration,
}

impl Registry {
    /// Every tag of `repository`'s repository, following the pages.
    pub(crate) fn tags(&mut self, repository: &Reference) -> Result<Tags, RegistryError> {
        let start = Instant::now();
        let mut s = self.session(repository)?;
        let mut out = Tags::default();
        let mut seen: HashSet<String> = HashSet::new();
        let mut next = Some(format!("{}/v2/{}/tags/list?n={PAGE}", s.base, s.path));
        let mut asked: HashSet<String> = HashSet::new();
        let mut linked = false;
        while let Some(url) = next.take() {
            if !asked.insert(url.clone()) || out.pages >= PAGES_MAX {
                return Err(unavailable(format!(
                    "the registry {} sent more than {PAGES_MAX} pages of tags for {}, or the same page twice; nothing was committed",
                    s.host, s.path
                )));
            }
            let answer = self.get(&mut s, &url)?;
            if answer.status == 404 {
                return Err(super::RegistryError {
                    kind: super::RegistryErrorKind::Missing,
                    hint: None,
                    message: format!(
                        "the registry {} has no repository {} (HTTP 404 for its tags)",
                        s.host, s.path
                    ),
                });
            }
            expect_ok(&answer, &s, "its tags")?;
            out.pages += 1;
            let page: serde_json::Value = serde_json::from_slice(&answer.body).map_err(|_| {
                unavailable(format!(
                    "the registry {} answered the tags of {} with something other than JSON",
                    s.host, s.path
                ))
            })?;
            let page: TagsPage = crate::http::read(&page);
            let listed: Vec<&str> = match &page.tags {
                // A name that is not a string is passed over, as before.
                Some(List(Some(tags))) => tags
                    .iter()
                    .map(Text::as_str)
                    .filter(|t| !t.is_empty())
                    .collect(),
                None => Vec::new(),
                Some(List(None)) => {
                    return Err(unavailable(format!(
                        "the registry {} answered the tags of {} without a list of tags",
                        s.host, s.path
                    )))
                }
            };
            let mut new = 0;
            for tag in &listed {
                if !crate::reference::is_tag(tag) {
                    out.invalid += 1;
                } else if seen.insert(tag.to_string()) {
                    new += 1;
                    out.tags.push(tag.to_string());
                }
            }
            if out.tags.len() > TAGS_MAX {
                return Err(unavailable(format!(
                    "{} has more than {TAGS_MAX} tags on {}; imgbump stops there",
                    s.path, s.host
                )));
            }
            linked |= answer.link.is_some();
            next = match answer.link.as_deref().and_then(next_link) {
                Some(link) => {
                    let url = absolute(&url, &link);
                    if url_host(&url).as_deref() != Some(s.host.as_str()) {
                        return Err(unavailable(format!(
                            "the registry {} sent the next page of tags on another host; refused",
                            s.host
                        )));
                    }
                    Some(url)
                }
                // No `Link` from a registry that never sent one, but a page of exactly `n`:
                // ask for what comes after its last tag. (More than `n`: the registry ignores
                // `n` and sent everything.)
                None if !linked && listed.len() == PAGE && new > 0 => listed.last().map(|last| {
                    format!(
                        "{}/v2/{}/tags/list?n={PAGE}&last={}",
                        s.base,
                        s.path,
                        crate::http::pct(last)
                    )
                }),
                None => None,
            };
        }
        out.requests = s.requests;
        out.elapsed = start.elapsed();
        Ok(out)
    }

    /// The `created` time of `reference`'s image config, as written (for an index, of its
    /// linux/amd64 image, else its first); `None` when the config has none. With the requests
    /// made.
    pub(crate) fn created(
        &mut self,
        reference: &Reference,
    ) -> Result<(Option<String>, u32), RegistryError> {
        let mut s = self.session(reference)?;
        let wanted = reference.digest().or(reference.tag()).unwrap_or("latest");
        let mut url = format!("{}/v2/{}/manifests/{wanted}", s.base, s.path);
        for _ in 0..2 {
            let answer = self.get(&mut s, &url)?;
            expect_ok(&answer, &s, wanted)?;
            let m: serde_json::Value = serde_json::from_slice(&answer.body)
                .map_err(|_| unavailable(format!("the manifest of {reference} is not JSON")))?;
            let m: ImageManifest = crate::http::read(&m);
            if let List(Some(list)) = &m.manifests {
                let platform = |e: &&Obj<IndexEntry>| {
                    let p = e.or_default().platform.or_default().into_owned();
                    p.os.as_str() == "linux" && p.architecture.as_str() == "amd64"
                };
                let chosen = list.iter().find(platform).or(list.first());
                let digest = chosen
                    .and_then(|e| e.0.as_ref())
                    .map(|e| e.digest.as_str())
                    .filter(|d| is_digest(d));
                let Some(digest) = digest else {
                    return Err(unavailable(format!(
                        "the index of {reference} names no image"
                    )));
                };
                url = format!("{}/v2/{}/manifests/{digest}", s.base, s.path);
                continue;
            }
            let config = m.config.or_default().digest.as_str().to_string();
            let Some(config) = Some(config.as_str()).filter(|d| is_digest(d)) else {
                return Err(unavailable(format!(
                    "the manifest of {reference} names no config"
                )));
            };
            let blob = format!("{}/v2/{}/blobs/{config}", s.base, s.path);
            let answer = self.get_bounded(&mut s, &blob, CONFIG_MAX)?;
            expect_ok(&answer, &s, config)?;
            if format!("sha256:{}", hex_sha256(&answer.body)) != config {
                return Err(unavailable(format!(
                    "the registry {} answered the config of {reference} with bytes that are not {config}",
                    s.host
                )));
            }
            let c: serde_json::Value = serde_json::from_slice(&answer.body)
                .map_err(|_| unavailable(format!("the config of {reference} is not JSON")))?;
            let c: ImageConfig = crate::http::read(&c);
            let created = Some(c.created.as_str().to_string()).filter(|t| !t.is_empty());
            return Ok((created, s.requests));
        }
        Err(unavailable(format!(
            "the index of {reference} names another index"
        )))
    }

    fn get(&mut self, s: &mut Session, url: &str) -> Result<Answer, RegistryError> {
        self.get_bounded(s, url, super::MANIFEST_MAX)
    }

    /// `GET url`: a challenge answered once with a fresh login (a `429`/`503` with
    /// `Retry-After` is waited out by every request, [`Registry::asked`]).
    fn get_bounded(
        &mut self,
        s: &mut Session,
        url: &str,
        limit: u64,
    ) -> Result<Answer, RegistryError> {
        loop {
            let answer =
                self.follow_bounded(url, &s.host, s.auth.as_deref(), limit, &mut s.requests)?;
            match answer.status {
                401 if !s.refreshed => {
                    let challenge = answer.challenge.unwrap_or_default();
                    let a = self.authorize(&s.host, &s.path, &challenge, &mut s.requests)?;
                    let scope = format!("repository:{}:pull", s.path);
                    self.auth
                        .retain(|(k, _)| k != &(s.host.clone(), scope.clone()));
                    self.auth.push(((s.host.clone(), scope), a.clone()));
                    s.auth = Some(a);
                    s.refreshed = true;
                }
                _ => return Ok(answer),
            }
        }
    }
}

/// A `200`, or the error that says what the registry answered instead.
fn expect_ok(answer: &Answer, s: &Session, what: &str) -> Result<(), RegistryError> {
    match answer.status {
        200 => Ok(()),
        401 | 403 => Err(unavailable(format!(
            "the registry {} refused the credentials for {} (HTTP {}); check `docker login {}` (or the credential helper, or IMGBUMP_REGISTRY_TOKEN)",
            s.host, s.path, answer.status, s.host
        ))),
        code => {
            let said: String = String::from_utf8_lossy(&answer.body).chars().take(200).collect();
            Err(unavailable(format!(
                "the registry {} answered HTTP {code} for {} ({}){}",
                s.host,
                s.path,
                crate::reference::shown(what),
                if said.trim().is_empty() { String::new() } else { format!(": {}", crate::reference::shown(said.trim())) }
            )))
        }
    }
}

/// The target of a `Link` header's `rel="next"`.
fn next_link(link: &str) -> Option<String> {
    link.split(',').find_map(|part| {
        let (target, params) = part.trim().split_once(';')?;
        let target = target.trim().strip_prefix('<')?.strip_suffix('>')?;
        params
            .split(';')
            .any(|p| {
                let p = p.trim().replace(' ', "");
                p == "rel=\"next\"" || p == "rel=next"
            })
            .then(|| target.to_string())
    })
}

fn is_digest(d: &str) -> bool {
    d.len() == 71
        && d.starts_with("sha256:")
        && d[7..]
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// A page of `GET /v2/NAME/tags/list`: `tags` missing or `null` is no tags; not a list, an
/// error (read through [`crate::http`]'s forgiving types: a server's answer is hostile).
#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct TagsPage {
    tags: Option<List<Text>>,
}

/// An image manifest or an index, as far as `created` needs it.
#[derive(serde::Deserialize, Default, Clone)]
#[serde(default)]
struct ImageManifest {
    /// An index's entries.
    manifests: List<Obj<IndexEntry>>,
    /// An image's config descriptor.
    config: Obj<Descriptor>,
}

/// One entry of an index.
#[derive(serde::Deserialize, Default, Clone)]
#[serde(default)]
struct IndexEntry {
    digest: Text,
    platform: Obj<Platform>,
}

/// An entry's platform.
#[derive(serde::Deserialize, Default, Clone)]
#[serde(default)]
struct Platform {
    os: Text,
    architecture: Text,
}

/// A content descriptor.
#[derive(serde::Deserialize, Default, Clone)]
#[serde(default)]
struct Descriptor {
    digest: Text,
}

/// An image's config, as far as `created` goes.
#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct ImageConfig {
    created: Text,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A registry's answers read through serde as the `value["…"]` code read them: a missing
    /// or null `tags` is none, another type no list; a name that is no string passed over; an
    /// index entry, platform or config of the wrong shape read as empty.
    #[test]
    fn odd_answers_read_as_before() {
        let page = |j: &str| -> TagsPage { crate::http::read(&serde_json::from_str(j).unwrap()) };
        assert!(page(r#"{"name": "x"}"#).tags.is_none());
        assert!(page(r#"{"tags": null}"#).tags.is_none());
        assert_eq!(page(r#"{"tags": "1.0"}"#).tags, Some(List(None)));
        let listed = page(r#"{"tags": ["1.0", 2, "1.1"]}"#)
            .tags
            .and_then(|l| l.0)
            .unwrap();
        let names: Vec<&str> = listed
            .iter()
            .map(Text::as_str)
            .filter(|t| !t.is_empty())
            .collect();
        assert_eq!(names, ["1.0", "1.1"]);
        let m: ImageManifest = crate::http::read(
            &serde_json::from_str(
                r#"{"manifests": [7, {"digest": 3, "platform": "linux"}, {"digest": "sha256:ab"}], "config": []}"#,
            )
            .unwrap(),
        );
        let entries = m.manifests.0.unwrap();
        assert_eq!(entries.len(), 3);
        assert!(entries[0].0.is_none());
        assert_eq!(entries[1].or_default().digest.as_str(), "");
        assert!(entries[1].or_default().platform.0.is_none());
        assert_eq!(entries[2].or_default().digest.as_str(), "sha256:ab");
        assert_eq!(m.config.or_default().digest.as_str(), "");
        let c: ImageConfig = crate::http::read(&serde_json::json!({"created": 5}));
        assert_eq!(c.created.as_str(), "");
    }

    #[test]
    fn link_headers_name_the_next_page() {
        assert_eq!(
            next_link(r#"</v2/a/tags/list?last=1.9&n=1000>; rel="next""#).as_deref(),
            Some("/v2/a/tags/list?last=1.9&n=1000")
        );
        assert_eq!(
            next_link(r#"<https://r.io/x>; rel="prev", <https://r.io/y>; rel=next"#).as_deref(),
            Some("https://r.io/y")
        );
        assert_eq!(next_link(r#"<https://r.io/x>; rel="prev""#), None);
        assert_eq!(next_link("garbage"), None);
        assert!(is_digest(&format!("sha256:{}", "a".repeat(64))));
        assert!(!is_digest(&format!("sha256:{}", "A".repeat(64))));
        assert!(!is_digest("sha256:../../x"));
    }
}
