//! Container image references: the OCI distribution grammar, and the `:TAG` / `@DIGEST`
//! shorthands that keep the repository a manifest already names.
//!
//! The grammar is the one of `distribution/reference` (the registry's own parser):
//!
//! ```text
//! reference  := name [ ":" tag ] [ "@" digest ]
//! name       := [ domain "/" ] path-component ( "/" path-component )*
//! domain     := host [ ":" port ]
//! path-comp  := [a-z0-9]+ ( ( "." | "_" | "__" | "-"+ ) [a-z0-9]+ )*
//! tag        := [A-Za-z0-9_] [A-Za-z0-9_.-]{0,127}
//! digest     := algorithm ":" hex      (sha256: 64 lowercase hex, sha384: 96, sha512: 128; no other)
//! ```
//!
//! Every accepted reference is made only of `[A-Za-z0-9._:/@+\-\[\]]`, so a newline, `#`, a
//! space, `: `, or a quote can never reach a manifest through it.

use std::fmt;
use std::sync::OnceLock;

use regex::Regex;

/// The longest name (domain and path) the registry grammar allows.
pub const NAME_MAX: usize = 255;
/// The longest tag the grammar allows.
pub const TAG_MAX: usize = 128;
/// The longest input we look at at all; anything longer is refused before any regex runs.
const INPUT_MAX: usize = 1024;

/// A parsed, valid image reference.
///
/// ```
/// use imgbump::reference::Reference;
/// let r: Reference = "123456789.dkr.ecr.us-east-1.amazonaws.com/isa-agent:sha-abc123".parse().unwrap();
/// assert_eq!(r.repository(), "123456789.dkr.ecr.us-east-1.amazonaws.com/isa-agent");
/// assert_eq!(r.tag(), Some("sha-abc123"));
/// assert_eq!(r.digest(), None);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reference {
    repository: String,
    tag: Option<String>,
    digest: Option<String>,
}

/// Why a string is not a valid image reference: which part, and what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReferenceError {
    /// The input, shortened and with control characters escaped, for messages.
    pub input: String,
    /// What is wrong, naming the part of the reference.
    pub reason: String,
}

impl fmt::Display for ReferenceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid image reference {}: {}", self.input, self.reason)
    }
}

impl std::error::Error for ReferenceError {}

/// What the user asked the image to become.
///
/// ```
/// use imgbump::reference::ImageSpec;
/// let spec: ImageSpec = ":v2".parse().unwrap();
/// let new = spec.apply_to("nginx:1.25@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef").unwrap();
/// assert_eq!(new.to_string(), "nginx:v2");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImageSpec {
    /// A whole reference replaces the old one.
    Full(Reference),
    /// `:TAG`: keep the repository, replace the tag, drop any digest.
    Tag(String),
    /// `@ALGO:HEX`: keep repository and tag, set the digest.
    Digest(String),
}

struct Grammar {
    path_component: Regex,
    domain: Regex,
    tag: Regex,
    digest: Regex,
}

fn grammar() -> &'static Grammar {
    static G: OnceLock<Grammar> = OnceLock::new();
    G.get_or_init(|| {
        let compile = |re: &str| Regex::new(re).unwrap_or_else(|e| panic!("bad built-in regex {re}: {e}"));
        Grammar {
            path_component: compile(r"^[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*$"),
            domain: compile(
                r"^(?:(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])(?:\.(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]))*|\[[0-9a-fA-F:.]+\])(?::[0-9]+)?$",
            ),
            tag: compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$"),
            digest: compile(r"^[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}$"),
        }
    })
}

/// Shows a user's input safely in a message: at most 80 characters, control characters escaped.
pub(crate) fn shown(input: &str) -> String {
    shown_up_to(input, 80)
}

/// [`shown`], cut after `limit` characters.
pub(crate) fn shown_up_to(input: &str, limit: usize) -> String {
    let mut out = String::from("`");
    for (i, c) in input.chars().enumerate() {
        if i == limit {
            out.push_str(&format!("…` ({} bytes)", input.len()));
            return out;
        }
        out.extend(c.escape_debug());
    }
    out.push('`');
    out
}

fn fail(input: &str, reason: impl Into<String>) -> ReferenceError {
    ReferenceError {
        input: shown(input),
        reason: reason.into(),
    }
}

/// Whether `tag` is a tag by the OCI grammar (`[A-Za-z0-9_][A-Za-z0-9._-]{0,127}`): a
/// registry's tags list is checked with it before a tag can reach a manifest.
pub fn is_tag(tag: &str) -> bool {
    tag.len() <= TAG_MAX && grammar().tag.is_match(tag)
}

fn check_tag(input: &str, tag: &str) -> Result<(), ReferenceError> {
    if tag.is_empty() {
        return Err(fail(input, "the tag after `:` is empty"));
    }
    if tag.len() > TAG_MAX {
        return Err(fail(
            input,
            format!(
                "the tag is {} characters long; at most {TAG_MAX} are allowed",
                tag.len()
            ),
        ));
    }
    if !grammar().tag.is_match(tag) {
        return Err(fail(
            input,
            format!("the tag {} may hold only letters, digits, `_`, `.` and `-`, and must not start with `.` or `-`", shown(tag)),
        ));
    }
    Ok(())
}

fn check_digest(input: &str, digest: &str) -> Result<(), ReferenceError> {
    // A registered algorithm with hex digits is judged by its length below (a digest cut
    // short is "too short", not malformed).
    let hexish = |h: &str| !h.is_empty() && h.bytes().all(|b| b.is_ascii_hexdigit());
    let registered = digest
        .split_once(':')
        .is_some_and(|(a, h)| matches!(a, "sha256" | "sha384" | "sha512") && hexish(h));
    if !registered && !grammar().digest.is_match(digest) {
        return Err(fail(
            input,
            format!(
                "the digest {} is not of the form ALGORITHM:HEX (e.g. sha256:<64 hex digits>)",
                shown(digest)
            ),
        ));
    }
    let (algo, hex) = digest.split_once(':').unwrap_or((digest, ""));
    // Container runtimes (containerd, CRI-O, Docker) take the registered algorithms only, in
    // lower case, with their exact lengths in lowercase hex: anything else would be written,
    // synced, and then never pull.
    let want = match algo {
        "sha256" => 64,
        "sha384" => 96,
        "sha512" => 128,
        other => {
            return Err(fail(
                input,
                format!(
                    "the digest algorithm {} is not one container runtimes take: use sha256 (or sha384, sha512), in lower case",
                    shown(other)
                ),
            ))
        }
    };
    if hex.len() != want {
        return Err(fail(
            input,
            format!(
                "the {algo} digest {} is too {}: it has {} hex digits, and a {algo} digest has exactly {want} (copy the whole digest)",
                shown(digest),
                if hex.len() < want { "short" } else { "long" },
                hex.len()
            ),
        ));
    }
    if !hex.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
        return Err(fail(
            input,
            format!(
                "the {algo} digest {} has hex digits in upper case; container runtimes take lowercase hex only",
                shown(digest)
            ),
        ));
    }
    Ok(())
}

fn check_input(input: &str) -> Result<(), ReferenceError> {
    if input.is_empty() {
        return Err(fail(input, "it is empty"));
    }
    if input.len() > INPUT_MAX {
        return Err(fail(input, format!("it is {} bytes long", input.len())));
    }
    if let Some(c) = input.chars().find(|c| c.is_whitespace() || c.is_control()) {
        return Err(fail(input, format!("it contains the character {:?}; references have no white space or control characters", c)));
    }
    if let Some(c) = input.chars().find(|c| !c.is_ascii()) {
        return Err(fail(
            input,
            format!("it contains the non-ASCII character {c:?}"),
        ));
    }
    Ok(())
}

impl std::str::FromStr for Reference {
    type Err = ReferenceError;

    fn from_str(input: &str) -> Result<Self, Self::Err> {
        check_input(input)?;
        let (rest, digest) = match input.split_once('@') {
            Some((rest, digest)) => {
                check_digest(input, digest)?;
                (rest, Some(digest.to_string()))
            }
            None => (input, None),
        };
        // The tag follows the last `:` that comes after the last `/` (a `:` before it is a port).
        let last_slash = rest.rfind('/').map_or(0, |i| i + 1);
        let (name, tag) = match rest[last_slash..].rfind(':') {
            Some(i) => {
                let tag = &rest[last_slash + i + 1..];
                check_tag(input, tag)?;
                (&rest[..last_slash + i], Some(tag.to_string()))
            }
            None => (rest, None),
        };
        if name.is_empty() {
            return Err(fail(input, "the repository name is empty"));
        }
        if name.len() > NAME_MAX {
            return Err(fail(
                input,
                format!(
                    "the repository name is {} characters long; at most {NAME_MAX} are allowed",
                    name.len()
                ),
            ));
        }
        let mut components: Vec<&str> = name.split('/').collect();
        // The first component is a registry host when it looks like one (as Docker decides).
        if components.len() > 1 {
            let first = components[0];
            if is_registry(first) {
                if !grammar().domain.is_match(first) {
                    return Err(fail(
                        input,
                        format!("the registry {} is not a valid host[:port]", shown(first)),
                    ));
                }
                components.remove(0);
            }
        }
        for component in components {
            if !grammar().path_component.is_match(component) {
                let why = if component.is_empty() {
                    "is empty (a doubled or trailing `/`?)".to_string()
                } else if component.bytes().any(|b| b.is_ascii_uppercase()) {
                    "must be lowercase".to_string()
                } else {
                    "may hold only lowercase letters and digits, separated by `.`, `_`, `__` or dashes".to_string()
                };
                return Err(fail(
                    input,
                    format!("the repository path component {} {why}", shown(component)),
                ));
            }
        }
        Ok(Reference {
            repository: name.to_string(),
            tag,
            digest,
        })
    }
}

impl Reference {
    /// The repository, with its registry host if it has one: everything before `:tag` / `@digest`.
    pub fn repository(&self) -> &str {
        &self.repository
    }
    /// The tag, if the reference has one.
    pub fn tag(&self) -> Option<&str> {
        self.tag.as_deref()
    }
    /// The digest (`sha256:…`), if the reference has one.
    pub fn digest(&self) -> Option<&str> {
        self.digest.as_deref()
    }

    /// The registry host (when the repository names one, as Docker decides) and the path.
    ///
    /// ```
    /// use imgbump::reference::Reference;
    /// let r: Reference = "ghcr.io/acme/web:1".parse().unwrap();
    /// assert_eq!(r.registry_and_path(), (Some("ghcr.io"), "acme/web"));
    /// let r: Reference = "bitnami/nginx:1".parse().unwrap();
    /// assert_eq!(r.registry_and_path(), (None, "bitnami/nginx"));
    /// ```
    pub fn registry_and_path(&self) -> (Option<&str>, &str) {
        match self.repository.split_once('/') {
            Some((first, rest)) if is_registry(first) => (Some(first), rest),
            _ => (None, &self.repository),
        }
    }

    /// Whether `other` names the same repository, as a registry reads both: Docker Hub's
    /// spellings (`nginx`, `library/nginx`, `docker.io/library/nginx`) are one repository.
    ///
    /// ```
    /// use imgbump::reference::Reference;
    /// let r = |s: &str| s.parse::<Reference>().unwrap();
    /// assert!(r("nginx:1").same_repository(&r("docker.io/library/nginx:2")));
    /// assert!(r("ghcr.io/isa/web:1").same_repository(&r("ghcr.io/isa/web:2")));
    /// assert!(!r("ghcr.io/isa/web:1").same_repository(&r("ghcr.io/isa/web-proxy:1")));
    /// ```
    pub fn same_repository(&self, other: &Reference) -> bool {
        self.canonical_repository() == other.canonical_repository()
    }

    /// The repository with Docker Hub's host and `library/` written out.
    fn canonical_repository(&self) -> String {
        match self.registry_and_path() {
            (Some("docker.io" | "index.docker.io" | "registry-1.docker.io") | None, path) => {
                if path.contains('/') {
                    format!("docker.io/{path}")
                } else {
                    format!("docker.io/library/{path}")
                }
            }
            (Some(host), path) => format!("{host}/{path}"),
        }
    }

    /// A reference made of parts, checked as a whole.
    pub fn from_parts(
        repository: &str,
        tag: Option<&str>,
        digest: Option<&str>,
    ) -> Result<Reference, ReferenceError> {
        let mut s = repository.to_string();
        if let Some(t) = tag {
            s.push(':');
            s.push_str(t);
        }
        if let Some(d) = digest {
            s.push('@');
            s.push_str(d);
        }
        s.parse()
    }
}

/// A digest shortened for names and messages: its first 12 hex digits (`sha256:0123…` →
/// `0123456789ab`).
pub fn short_digest(digest: &str) -> String {
    digest
        .split(':')
        .nth(1)
        .unwrap_or(digest)
        .chars()
        .take(12)
        .collect()
}

/// Whether the first component of a repository is a registry host (as Docker decides).
fn is_registry(first: &str) -> bool {
    first.contains('.')
        || first.contains(':')
        || first == "localhost"
        || first.bytes().any(|b| b.is_ascii_uppercase())
}

impl fmt::Display for Reference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.repository)?;
        if let Some(tag) = &self.tag {
            write!(f, ":{tag}")?;
        }
        if let Some(digest) = &self.digest {
            write!(f, "@{digest}")?;
        }
        Ok(())
    }
}

impl std::str::FromStr for ImageSpec {
    type Err = ReferenceError;

    fn from_str(input: &str) -> Result<Self, Self::Err> {
        check_input(input)?;
        if let Some(tag) = input.strip_prefix(':') {
            check_tag(input, tag)?;
            Ok(ImageSpec::Tag(tag.to_string()))
        } else if let Some(digest) = input.strip_prefix('@') {
            check_digest(input, digest)?;
            Ok(ImageSpec::Digest(digest.to_string()))
        } else {
            input.parse().map(ImageSpec::Full)
        }
    }
}

impl ImageSpec {
    /// The reference this spec makes of the image a manifest holds now.
    ///
    /// A full reference ignores `current`; `:TAG` and `@DIGEST` need `current` to be a valid
    /// reference, whose repository they keep.
    pub fn apply_to(&self, current: &str) -> Result<Reference, ReferenceError> {
        match self {
            ImageSpec::Full(r) => Ok(r.clone()),
            ImageSpec::Tag(tag) => {
                let mut r: Reference = current
                    .parse()
                    .map_err(|e: ReferenceError| keep_error(current, e))?;
                r.tag = Some(tag.clone());
                r.digest = None;
                Ok(r)
            }
            ImageSpec::Digest(digest) => {
                let mut r: Reference = current
                    .parse()
                    .map_err(|e: ReferenceError| keep_error(current, e))?;
                r.digest = Some(digest.clone());
                Ok(r)
            }
        }
    }
}

/// Whether the image a target holds, `current`, is the one `--expect-current` names:
/// `expected` as written, or, for `:TAG` and `@DIGEST` (as `set` takes them), the current
/// image with that tag (and no digest) or that digest.
///
/// ```
/// use imgbump::reference::expected_is;
/// assert!(expected_is(":sha-1", "ghcr.io/isa/web:sha-1"));
/// assert!(!expected_is(":sha-1", "ghcr.io/isa/web:sha-2"));
/// assert!(expected_is("ghcr.io/isa/web:sha-1", "ghcr.io/isa/web:sha-1"));
/// assert!(expected_is(":1.4", ":1.4")); // a target that holds only its tag
/// ```
pub fn expected_is(expected: &str, current: &str) -> bool {
    if expected == current {
        return true;
    }
    match expected.parse::<ImageSpec>() {
        Ok(spec @ (ImageSpec::Tag(_) | ImageSpec::Digest(_))) => spec
            .apply_to(current)
            .is_ok_and(|r| r.to_string() == current),
        _ => false,
    }
}

fn keep_error(current: &str, e: ReferenceError) -> ReferenceError {
    ReferenceError {
        input: shown(current),
        reason: format!(
            "the manifest's current image is not a valid reference ({}), so `:TAG` / `@DIGEST` cannot keep its repository; give the full new reference",
            e.reason
        ),
    }
}

impl fmt::Display for ImageSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ImageSpec::Full(r) => r.fmt(f),
            ImageSpec::Tag(t) => write!(f, ":{t}"),
            ImageSpec::Digest(d) => write!(f, "@{d}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const D: &str = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    #[test]
    fn accepts_the_usual_references() {
        for ok in [
            "nginx",
            "nginx:1.25",
            "library/nginx:latest",
            "123456789.dkr.ecr.us-east-1.amazonaws.com/isa-agent:sha-abc123",
            "localhost:5000/a/b__c/d-e--f.g:V1_2.3-x",
            "localhost/x",
            "[::1]:5000/x:y",
            "ghcr.io/org/app@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
            "1.10",
        ] {
            let r: Reference = ok.parse().unwrap_or_else(|e| panic!("{ok}: {e}"));
            assert_eq!(r.to_string(), ok);
        }
        let r: Reference = format!("registry.k8s.io/pause:3.9@{D}").parse().unwrap();
        assert_eq!(
            (r.repository(), r.tag(), r.digest()),
            ("registry.k8s.io/pause", Some("3.9"), Some(D))
        );
        let r: Reference = "localhost:5000/x".parse().unwrap();
        assert_eq!((r.repository(), r.tag()), ("localhost:5000/x", None));
    }

    #[test]
    fn rejects_with_the_part_named() {
        let cases = [
            ("", "empty"),
            ("nginx\nimage: evil", "character '\\n'"),
            ("nginx #x", "white space"),
            ("nginx:1: x", "white space"),
            ("a\"b", "path component"),
            ("a'b", "path component"),
            ("Nginx/App:1", "must be lowercase"),
            ("bad_host.io/x", "registry"),
            ("docker.io/Library/nginx", "must be lowercase"),
            ("nginx:", "tag after `:` is empty"),
            ("nginx:-x", "must not start"),
            ("a//b", "is empty"),
            ("nginx@sha256:abc", "digest"),
            (
                "nginx@sha256:0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef",
                "lowercase hex",
            ),
            (
                "nginx@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef00",
                "exactly 64",
            ),
            ("ngïnx", "non-ASCII"),
        ];
        for (input, needle) in cases {
            let err = input.parse::<Reference>().expect_err(input).to_string();
            assert!(err.contains(needle), "{input:?}: {err}");
        }
        let long_tag = format!("nginx:{}", "a".repeat(129));
        assert!(long_tag
            .parse::<Reference>()
            .unwrap_err()
            .to_string()
            .contains("at most 128"));
        assert!(format!("nginx:{}", "a".repeat(128))
            .parse::<Reference>()
            .is_ok());
        let huge = "a".repeat(10 * 1024);
        let err = huge.parse::<Reference>().unwrap_err().to_string();
        assert!(err.len() < 200, "{err}");
        let long_name = format!("{}/x", "a".repeat(300));
        assert!(long_name
            .parse::<Reference>()
            .unwrap_err()
            .to_string()
            .contains("at most 255"));
    }

    #[test]
    fn specs_keep_what_they_should() {
        let tag: ImageSpec = ":sha-new".parse().unwrap();
        assert_eq!(
            tag.apply_to(&format!("r.io:443/a/b:old@{D}"))
                .unwrap()
                .to_string(),
            "r.io:443/a/b:sha-new"
        );
        assert_eq!(
            tag.apply_to("r.io:443/a/b").unwrap().to_string(),
            "r.io:443/a/b:sha-new"
        );
        let dig: ImageSpec = format!("@{D}").parse().unwrap();
        assert_eq!(
            dig.apply_to("a/b:v1").unwrap().to_string(),
            format!("a/b:v1@{D}")
        );
        assert!(tag
            .apply_to("${IMAGE}")
            .unwrap_err()
            .to_string()
            .contains("give the full new reference"));
        assert!(":".parse::<ImageSpec>().is_err());
        assert!("@sha256:xyz".parse::<ImageSpec>().is_err());
        assert_eq!(
            "nginx:2"
                .parse::<ImageSpec>()
                .unwrap()
                .apply_to("anything")
                .unwrap()
                .to_string(),
            "nginx:2"
        );
    }
}
