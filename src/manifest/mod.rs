//! The edit engine: find the container images in a Kubernetes manifest and replace exactly the
//! bytes of one of them.
//!
//! Text in, text out: no files, no Git, no command line. The engine
//!
//! 1. parses the text with a span-reporting parser ([`tree`]) into nodes that know their bytes,
//! 2. walks every document (and every item of a `kind: List`) for workloads with a pod template
//!    and lists each container's `image` ([`Manifest::images`]),
//! 3. picks one by workload and container name ([`Target`]), or by the stated rule when the
//!    flags leave a choice (named like the service, then the new image's repository, then the
//!    only one, else refused with the candidates: see `select.rs`),
//! 4. renders the new reference in the scalar style the old one had and splices it into the
//!    old text in place of the old token: every byte outside that token is copied unchanged,
//! 5. re-parses the result with a second, independent parser (`verify.rs`) and checks that the
//!    documents are equal to the old ones but for that one value.
//!
//! | room | what it holds |
//! |---|---|
//! | `tree.rs` | the span parser's tree: nodes that know their bytes (the only code that knows granit) |
//! | `workload.rs` | choosing: the container image fields of workloads (step 2) |
//! | `select.rs` | choosing: the one field a [`Target`] names, and the rule when flags leave a choice (step 3) |
//! | `edit.rs` | editing: render, splice and verify one field (steps 4 and 5) |
//! | `render.rs` | a reference written in a scalar style, and which tokens can be |
//! | `verify.rs` | the second parser's check of an edit |
//! | `target.rs` | [`Locator`]: which kind of target; [`Manifest::get`] and [`Manifest::set`] for all |
//! | `kustomize.rs` | choosing: a kustomization's `images:` entry |
//! | `values.rs`, `keypath.rs` | choosing: the value at a [`KeyPath`] (a Helm values mapping, a scalar holding a reference, a tag or a digest) |
//! | `hold_lines.rs` | `# imgbump:hold` lines above a target's keys: read, added, removed, verified |
//! | `image_keys.rs` | the images a file holds at key paths (Helm-style mappings, `image:` scalars, Argo CD's `helm.parameters` and `kustomize.images`), for `list` and choosing a `--key` |
//! | `slot.rs`, `splice.rs` | one editable scalar; several set, keys added or removed, in one verified splice |
//!
//! Each kind of target is a choosing room; the editing rooms serve every kind.
//!
//! ```
//! use imgbump::manifest::{Manifest, Target};
//! use imgbump::reference::ImageSpec;
//!
//! let text = "\
//! apiVersion: apps/v1
//! kind: Deployment
//! metadata: {name: agent}
//! spec:
//!   template:
//!     spec:
//!       containers:
//!         - name: agent
//!           image: \"registry.example/isa-agent:sha-0ld\"   # pinned by CI
//! ";
//! let manifest = Manifest::parse(text).unwrap();
//! let spec: ImageSpec = ":sha-abc1234".parse().unwrap();
//! let edit = manifest.set_image(&Target::service("agent"), &spec).unwrap();
//! assert!(edit.changed);
//! assert_eq!(edit.held.image, "registry.example/isa-agent:sha-0ld");
//! assert_eq!(edit.text, text.replace("sha-0ld", "sha-abc1234"));
//! ```

mod edit;
mod hold_lines;
mod image_keys;
mod keypath;
mod kustomize;
mod render;
mod select;
mod slot;
mod splice;
mod target;
pub mod tree;
mod values;
mod verify;
mod workload;

use std::borrow::Cow;
use std::fmt;
use std::ops::Range;

use crate::reference::shown;
pub use image_keys::ImageKey;
pub use keypath::{KeyPath, Step};
pub use target::{Edit, Held, Holds, Locator, SetOptions};
use tree::ParseError;
pub use tree::Style;
pub use workload::ContainerRole;

/// A 1-based line and column (in characters) of the source text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Location {
    /// 1-based line.
    pub line: usize,
    /// 1-based column, counted in characters (not bytes).
    pub column: usize,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.line, self.column)
    }
}

/// One step of a path from a document's root to a node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Seg {
    Key(Cow<'static, str>),
    Index(usize),
}

impl Seg {
    pub(crate) const fn key(k: &'static str) -> Seg {
        Seg::Key(Cow::Borrowed(k))
    }
}

impl fmt::Display for Seg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Seg::Key(k) => f.write_str(k),
            Seg::Index(i) => write!(f, "[{i}]"),
        }
    }
}

/// One container image field of a manifest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageField {
    /// 0-based index of the YAML document in the stream.
    pub document: usize,
    /// The workload's `kind`.
    pub kind: String,
    /// The workload's `metadata.name` (empty if it has none).
    pub workload: String,
    /// The workload's `metadata.namespace` (empty if it has none).
    pub namespace: String,
    /// The container's `name` (empty if it has none).
    pub container: String,
    /// Whether it is a main, init or ephemeral container.
    pub role: ContainerRole,
    /// The image as the YAML value reads (quotes removed).
    pub value: String,
    /// The byte range of the image token in the text (quotes included).
    pub span: Range<usize>,
    /// Where the token starts.
    pub location: Location,
    /// How the token is written.
    pub style: Style,
    /// Why this field cannot be edited, if it cannot (an alias, an anchor, a block scalar, …).
    pub refusal: Option<String>,
    path: Vec<Seg>,
    /// The byte range of the field's YAML document.
    doc_range: Range<usize>,
    /// Where the `image` key starts.
    key_at: usize,
}

impl ImageField {
    /// `Kind/name`, as `--workload` takes it.
    pub fn workload_id(&self) -> String {
        format!("{}/{}", self.kind, self.workload)
    }
}

/// What to edit: a service name and, optionally, the workload and container to use.
///
/// Defaults, for a service `S`: the workload named `S` if there is one, else the only workload
/// of the file; among its `containers` (never an init container unless named), the one named
/// `S`, else the one with the new image's repository, else the only one, else refused
/// ([`Manifest::choose`]).
#[derive(Debug, Clone, Copy, Default)]
pub struct Target<'a> {
    /// The service name; the default for workload and container names.
    pub service: &'a str,
    /// `NAME`, `KIND/NAME` or `NAMESPACE/KIND/NAME` of the workload (`metadata.name`, kind
    /// case-insensitive, `metadata.namespace`).
    pub workload: Option<&'a str>,
    /// The container's name, in `containers`, `initContainers` or `ephemeralContainers`.
    pub container: Option<&'a str>,
}

impl<'a> Target<'a> {
    /// The defaults for one service.
    pub fn service(service: &'a str) -> Self {
        Target {
            service,
            workload: None,
            container: None,
        }
    }
}

/// What kind of failure an [`EditError`] is; the command line maps these to exit codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EditErrorKind {
    /// The text is not YAML we can read (not UTF-8, a syntax error, a duplicate key).
    Invalid,
    /// No workload or container matches.
    NotFound,
    /// More than one workload or container matches.
    Ambiguous,
    /// The new value is not a valid image reference.
    BadReference,
    /// The field cannot be edited safely (alias, anchor, block scalar, failed verification).
    Unsafe,
}

/// An engine failure: what failed, where, and what to do about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EditError {
    /// The kind of failure.
    pub kind: EditErrorKind,
    /// What failed.
    pub message: String,
    /// Where in the text, if it is about one place.
    pub location: Option<Location>,
    /// What to do: the candidates to choose from, or how to fix the file.
    pub help: Option<String>,
}

impl EditError {
    fn new(kind: EditErrorKind, message: impl Into<String>) -> Self {
        EditError {
            kind,
            message: message.into(),
            location: None,
            help: None,
        }
    }
    fn at(mut self, location: Location) -> Self {
        self.location = Some(location);
        self
    }
    fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }
}

impl fmt::Display for EditError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(at) = self.location {
            write!(f, "{at}: ")?;
        }
        f.write_str(&self.message)?;
        if let Some(help) = &self.help {
            write!(f, "\n{help}")?;
        }
        Ok(())
    }
}

impl std::error::Error for EditError {}

/// A parsed manifest and the image fields it holds.
#[derive(Debug)]
pub struct Manifest<'t> {
    text: &'t str,
    fields: Vec<ImageField>,
    workloads: usize,
    docs: Vec<tree::Document<'t>>,
    /// Where each line starts, built the first time a place is asked for.
    line_starts: std::cell::OnceCell<Vec<usize>>,
}

impl<'t> Manifest<'t> {
    /// Checks that `bytes` are UTF-8 and parses them; see [`Manifest::parse`].
    pub fn parse_bytes(bytes: &'t [u8]) -> Result<Self, EditError> {
        Manifest::parse(decode(bytes)?)
    }

    /// Parses `text` and lists its image fields.
    pub fn parse(text: &'t str) -> Result<Self, EditError> {
        let docs = tree::parse(text).map_err(|e| match e {
            ParseError::Syntax(s) => {
                EditError::new(EditErrorKind::Invalid, format!("invalid YAML: {}", s.message)).at(location(text, s.offset))
            }
            ParseError::Duplicate(d) => EditError::new(
                EditErrorKind::Invalid,
                format!("duplicate key {} with different values in one mapping (readers differ on which one wins)", shown(&d.key)),
            )
            .at(location(text, d.offset))
            .help("remove one of the two keys."),
        })?;
        let (fields, workloads) = workload::find(text, &docs);
        Ok(Manifest {
            text,
            fields,
            workloads,
            docs,
            line_starts: std::cell::OnceCell::new(),
        })
    }

    /// The line and column of a byte offset of the text (a binary search, after one pass over
    /// the text the first time).
    pub(crate) fn locate(&self, offset: usize) -> Location {
        let starts = self.line_starts.get_or_init(|| {
            std::iter::once(0)
                .chain(self.text.match_indices('\n').map(|(i, _)| i + 1))
                .collect()
        });
        let offset = floor_char_boundary(self.text, offset.min(self.text.len()));
        let line = starts.partition_point(|&s| s <= offset).max(1);
        let start = starts[line - 1];
        let mut column = self.text[start..offset].chars().count() + 1;
        if start == 0 && self.text.starts_with('\u{feff}') {
            column -= 1;
        }
        Location { line, column }
    }

    /// The text this manifest was parsed from.
    pub fn text(&self) -> &'t str {
        self.text
    }

    /// Every container image field, in file order.
    ///
    /// ```
    /// use imgbump::manifest::{ContainerRole, Manifest};
    /// let text = "kind: CronJob\nmetadata: {name: backup}\nspec:\n  jobTemplate:\n    spec:\n      template:\n        spec:\n          initContainers: [{name: wait, image: busybox}]\n          containers: [{name: backup, image: 'r.io/backup:1'}]\n";
    /// let m = Manifest::parse(text).unwrap();
    /// let listed: Vec<_> = m.images().iter().map(|f| (f.container.as_str(), f.role, f.value.as_str(), f.location.line)).collect();
    /// assert_eq!(listed, [("wait", ContainerRole::Init, "busybox", 8), ("backup", ContainerRole::Main, "r.io/backup:1", 9)]);
    /// ```
    pub fn images(&self) -> &[ImageField] {
        &self.fields
    }
}

/// The text of a manifest file, or where it stops being UTF-8.
pub fn decode(bytes: &[u8]) -> Result<&str, EditError> {
    std::str::from_utf8(bytes).map_err(|e| {
        // The valid prefix is UTF-8 by definition; this cannot fail.
        let prefix = std::str::from_utf8(&bytes[..e.valid_up_to()]).unwrap_or("");
        EditError::new(
            EditErrorKind::Invalid,
            format!("the file is not valid UTF-8 (byte {})", e.valid_up_to()),
        )
        .at(location(prefix, prefix.len()))
        .help("Kubernetes manifests are UTF-8; re-encode the file.")
    })
}

/// The 1-based line and column of a byte offset.
pub fn location(text: &str, offset: usize) -> Location {
    let offset = floor_char_boundary(text, offset.min(text.len()));
    let before = &text[..offset];
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let mut column = before[line_start..].chars().count() + 1;
    if line_start == 0 && before.starts_with('\u{feff}') {
        column -= 1;
    }
    Location {
        line: before.matches('\n').count() + 1,
        column,
    }
}

fn floor_char_boundary(text: &str, mut i: usize) -> usize {
    while i > 0 && !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}
