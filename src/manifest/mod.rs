//! The edit engine: find the container images in a Kubernetes manifest and replace exactly the
//! bytes of one of them.
//!
//! Text in, text out: no files, no Git, no command line. The engine
//!
//! 1. parses the text with a span-reporting parser ([`tree`]) into nodes that know their bytes,
//! 2. walks every document (and every item of a `kind: List`) for workloads with a pod template
//!    and lists each container's `image` ([`Manifest::images`]),
//! 3. picks one by workload and container name ([`Target`]), with defaults that match today's
//!    `containers[0]` step,
//! 4. renders the new reference in the scalar style the old one had and splices it into the
//!    old text in place of the old token: every byte outside that token is copied unchanged,
//! 5. re-parses the result with a second, independent parser ([`verify`]) and checks that the
//!    documents are equal to the old ones but for that one value.
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
//! assert_eq!(edit.old, "registry.example/isa-agent:sha-0ld");
//! assert_eq!(edit.text, text.replace("sha-0ld", "sha-abc1234"));
//! ```

mod render;
pub mod tree;
mod verify;

use std::fmt;
use std::ops::Range;

use crate::reference::{shown, ImageSpec, Reference};
pub use tree::Style;
use tree::{Node, ParseError, Value};

/// Which list of the pod spec a container stands in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContainerRole {
    /// `containers`
    Main,
    /// `initContainers`
    Init,
    /// `ephemeralContainers`
    Ephemeral,
}

impl ContainerRole {
    const LISTS: [(&'static str, ContainerRole); 3] = [
        ("containers", ContainerRole::Main),
        ("initContainers", ContainerRole::Init),
        ("ephemeralContainers", ContainerRole::Ephemeral),
    ];

    /// `container`, `init` or `ephemeral`.
    pub fn as_str(self) -> &'static str {
        match self {
            ContainerRole::Main => "container",
            ContainerRole::Init => "init",
            ContainerRole::Ephemeral => "ephemeral",
        }
    }
}

/// The kinds known to run pods; another kind with a pod template is listed too, but loses a
/// tie on the name against one of these.
const WORKLOAD_KINDS: [&str; 10] = [
    "Deployment",
    "StatefulSet",
    "DaemonSet",
    "ReplicaSet",
    "ReplicationController",
    "Job",
    "CronJob",
    "Pod",
    "PodTemplate",
    "Rollout",
];

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
    Key(&'static str),
    Index(usize),
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
/// of the file; the container named `S` if there is one, else the first of `containers`
/// (never an init container unless named).
#[derive(Debug, Clone, Copy, Default)]
pub struct Target<'a> {
    /// The service name; the default for workload and container names.
    pub service: &'a str,
    /// `NAME` or `KIND/NAME` of the workload (`metadata.name`, kind case-insensitive).
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

/// The result of [`Manifest::set_image`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edit {
    /// The field that was selected (as it was before the edit).
    pub field: ImageField,
    /// The image before.
    pub old: String,
    /// The image after.
    pub new: String,
    /// The whole new text (equal to the old text when nothing changed).
    pub text: String,
    /// Whether `text` differs from the input at all.
    pub changed: bool,
}

/// A parsed manifest and the image fields it holds.
#[derive(Debug)]
pub struct Manifest<'t> {
    text: &'t str,
    fields: Vec<ImageField>,
    workloads: usize,
    docs: Vec<tree::Document<'t>>,
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
        let mut finder = Finder {
            text,
            fields: Vec::new(),
            workloads: 0,
            repeated: Vec::new(),
            doc_range: 0..0,
            line_starts: std::iter::once(0)
                .chain(text.match_indices('\n').map(|(i, _)| i + 1))
                .collect(),
        };
        for (i, doc) in docs.iter().enumerate() {
            if let Some(root) = &doc.root {
                finder.repeated.clone_from(&doc.repeated);
                finder.doc_range = doc.range.clone();
                finder.document(i, root);
            }
        }
        // File order, whatever order the container lists stand in.
        finder.fields.sort_by_key(|f| f.span.start);
        Ok(Manifest {
            text,
            fields: finder.fields,
            workloads: finder.workloads,
            docs,
        })
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

    /// Picks the one field `target` names, or explains why there is not exactly one.
    ///
    /// ```
    /// use imgbump::manifest::{EditErrorKind, Manifest, Target};
    /// let text = "kind: Pod\nmetadata: {name: web}\nspec:\n  containers:\n  - {name: proxy, image: envoy}\n  - {name: app, image: 'r.io/app:1'}\n";
    /// let m = Manifest::parse(text).unwrap();
    /// // No container is named `web`: the first of `containers`, as `containers[0]` would.
    /// assert_eq!(m.select(&Target::service("web")).unwrap().container, "proxy");
    /// let app = Target { service: "web", workload: Some("Pod/web"), container: Some("app") };
    /// assert_eq!(m.select(&app).unwrap().value, "r.io/app:1");
    /// let none = Target { service: "web", workload: None, container: Some("db") };
    /// let err = m.select(&none).unwrap_err();
    /// assert_eq!(err.kind, EditErrorKind::NotFound);
    /// assert!(err.help.unwrap().contains("--workload Pod/web --container app"));
    /// ```
    pub fn select(&self, target: &Target<'_>) -> Result<&ImageField, EditError> {
        if self.fields.is_empty() {
            let what = if self.workloads == 0 {
                "no workload with a pod template"
            } else {
                "no container with an `image`"
            };
            return Err(EditError::new(EditErrorKind::NotFound, format!("the manifest has {what}"))
                .help("check --manifest: it should name a file with a Deployment, StatefulSet, Job, Pod or similar."));
        }
        // Workloads in file order, each once.
        let mut ids: Vec<(usize, String, String)> = Vec::new();
        for f in &self.fields {
            let id = (f.document, f.kind.clone(), f.workload.clone());
            if !ids.contains(&id) {
                ids.push(id);
            }
        }
        let chosen: Vec<&(usize, String, String)> = match target.workload {
            Some(want) => {
                let (kind, name) = match want.split_once('/') {
                    Some((k, n)) => (Some(k), n),
                    None => (None, want),
                };
                let hits: Vec<_> = ids
                    .iter()
                    .filter(|(_, k, n)| {
                        n == name && kind.is_none_or(|want| want.eq_ignore_ascii_case(k))
                    })
                    .collect();
                if hits.is_empty() {
                    return Err(EditError::new(
                        EditErrorKind::NotFound,
                        format!("no workload matches --workload {}", shown(want)),
                    )
                    .help(self.candidates("workloads in this file")));
                }
                hits
            }
            None => {
                let mut named: Vec<_> =
                    ids.iter().filter(|(_, _, n)| n == target.service).collect();
                // A Service or ConfigMap that only looks like a workload (yq's per-document
                // assignment adds `spec.template.spec.containers` to every document of a file)
                // gives way to a real workload of the same name.
                if named.len() > 1 {
                    let known: Vec<_> = named
                        .iter()
                        .copied()
                        .filter(|(_, k, _)| WORKLOAD_KINDS.contains(&k.as_str()))
                        .collect();
                    if known.len() == 1 {
                        named = known;
                    }
                }
                if !named.is_empty() {
                    named
                } else if ids.len() == 1 {
                    ids.iter().collect()
                } else {
                    return Err(EditError::new(
                        EditErrorKind::Ambiguous,
                        format!(
                            "no workload is named {} and the file has {} workloads",
                            shown(target.service),
                            ids.len()
                        ),
                    )
                    .help(self.candidates("pick one with --workload KIND/NAME")));
                }
            }
        };
        if chosen.len() > 1 {
            return Err(EditError::new(
                EditErrorKind::Ambiguous,
                format!("{} workloads match", chosen.len()),
            )
            .help(self.candidates("pick one with --workload KIND/NAME")));
        }
        let (doc, kind, name) = chosen[0];
        let in_workload: Vec<&ImageField> = self
            .fields
            .iter()
            .filter(|f| f.document == *doc && &f.kind == kind && &f.workload == name)
            .collect();
        let hits: Vec<&ImageField> = match target.container {
            Some(want) => in_workload
                .iter()
                .copied()
                .filter(|f| f.container == want)
                .collect(),
            None => {
                let main = || {
                    in_workload
                        .iter()
                        .copied()
                        .filter(|f| f.role == ContainerRole::Main)
                };
                let named: Vec<_> = main().filter(|f| f.container == target.service).collect();
                if named.is_empty() {
                    main().take(1).collect()
                } else {
                    named
                }
            }
        };
        match hits.as_slice() {
            [one] => Ok(one),
            [] => {
                let what = match target.container {
                    Some(want) => format!("no container named {} in {kind}/{name}", shown(want)),
                    None => format!("{kind}/{name} has no entry in `containers`"),
                };
                Err(EditError::new(EditErrorKind::NotFound, what)
                    .help(self.candidates("pick one with --container NAME")))
            }
            many => Err(EditError::new(
                EditErrorKind::Ambiguous,
                format!(
                    "{} containers of {kind}/{name} are named {}",
                    many.len(),
                    shown(&many[0].container)
                ),
            )
            .help(self.candidates("the file is probably invalid for Kubernetes; fix the names"))),
        }
    }

    /// A listing of every image field, for error messages.
    fn candidates(&self, lead: &str) -> String {
        let mut out = format!("{lead}:");
        for f in &self.fields {
            let role = if f.role == ContainerRole::Main {
                String::new()
            } else {
                format!(" ({})", f.role.as_str())
            };
            out.push_str(&format!(
                "\n  --workload {} --container {}{role}   image {} at line {}",
                f.workload_id(),
                f.container,
                f.value,
                f.location.line
            ));
        }
        out
    }

    /// Sets the image `target` names to `spec`, and verifies the result.
    ///
    /// The returned [`Edit::text`] differs from the input only inside the selected field's
    /// span. `changed` is false (and `text` the input) when the field already reads exactly as
    /// the new value would be written.
    pub fn set_image(&self, target: &Target<'_>, spec: &ImageSpec) -> Result<Edit, EditError> {
        let field = self.select(target)?;
        let new_ref: Reference = spec.apply_to(&field.value).map_err(|e| {
            EditError::new(EditErrorKind::BadReference, e.to_string()).at(field.location)
        })?;
        self.set_field(field, &new_ref)
    }

    /// Sets one listed field to `new_ref`, and verifies the result.
    ///
    /// ```
    /// use imgbump::manifest::{EditErrorKind, Manifest};
    /// let text = "base: &img nginx:1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - {name: a, image: \"nginx:1\"}\n  - {name: b, image: *img}\n";
    /// let m = Manifest::parse(text).unwrap();
    /// let new = "nginx:2".parse().unwrap();
    /// // The quoted one is edited in its own style...
    /// let edit = m.set_field(&m.images()[0], &new).unwrap();
    /// assert_eq!(edit.text, text.replace("\"nginx:1\"", "\"nginx:2\""));
    /// // ...the alias is refused, with its place.
    /// let err = m.set_field(&m.images()[1], &new).unwrap_err();
    /// assert_eq!((err.kind, err.location.unwrap().line), (EditErrorKind::Unsafe, 7));
    /// ```
    pub fn set_field(&self, field: &ImageField, new_ref: &Reference) -> Result<Edit, EditError> {
        if let Some(why) = &field.refusal {
            return Err(EditError::new(
                EditErrorKind::Unsafe,
                format!(
                    "refusing to edit the image of {} container {}: {why}",
                    field.workload_id(),
                    shown(&field.container)
                ),
            )
            .at(field.location)
            .help("write the image as a plain or quoted scalar on the container itself."));
        }
        let new = new_ref.to_string();
        let token = render::scalar(&new, field.style);
        let old_token = &self.text[field.span.clone()];
        let mut edit = Edit {
            field: field.clone(),
            old: field.value.clone(),
            new: new.clone(),
            text: String::new(),
            changed: false,
        };
        if token == old_token {
            edit.text = self.text.to_string();
            return Ok(edit);
        }
        let mut text = String::with_capacity(self.text.len() + token.len());
        text.push_str(&self.text[..field.span.start]);
        text.push_str(&token);
        text.push_str(&self.text[field.span.end..]);
        // The bytes outside the token are the old ones, and a valid reference holds no line
        // break, so no document boundary can move: reading the edited document alone (old and
        // new) checks the edit. Directives (`%TAG`) apply across documents: read it all then.
        let (old_part, new_part, document) = {
            let r = &field.doc_range;
            let whole = self.text.starts_with('%')
                || self.text.contains("\n%")
                || !(r.start <= field.span.start && field.span.end <= r.end);
            if whole {
                (self.text, text.as_str(), field.document)
            } else {
                let end = r.end + token.len() - old_token.len();
                (&self.text[r.clone()], &text[r.start..end], 0)
            }
        };
        // Fast path: libyaml reads the new document and it must match, node for node, the span
        // parser's tree of the old one (the two parsers must agree on every other value, and
        // the edited one must read as the new string). If that cannot be confirmed (aliases,
        // tags, a number libyaml spells differently), the slow path decides: libyaml reads
        // the old document and the new one, and they must be equal but for the image.
        let fast = match self.docs.get(field.document) {
            Some(doc) if doc.simple && document == 0 => match &doc.root {
                Some(root) => verify::against_tree(new_part, root, &field.path, &new).is_ok(),
                None => false,
            },
            _ => false,
        };
        if fast {
            edit.text = text;
            edit.changed = true;
            return Ok(edit);
        }
        verify::edit(
            old_part,
            new_part,
            document,
            &field.path,
            &field.value,
            &new,
        )
        .map_err(|why| {
            EditError::new(EditErrorKind::Unsafe, format!("refusing the edit: {why}"))
                .at(field.location)
                .help(
                    "the file was not changed; please report this file to the imgbump maintainers.",
                )
        })?;
        edit.text = text;
        edit.changed = true;
        Ok(edit)
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

/// Walks documents for workloads and their containers.
struct Finder<'t> {
    text: &'t str,
    fields: Vec<ImageField>,
    workloads: usize,
    /// Spans of values under keys that stand twice in one mapping (see `tree::parse`).
    repeated: Vec<Range<usize>>,
    /// Byte offsets where lines start, for locating many fields in one pass over the text.
    line_starts: Vec<usize>,
    /// The byte range of the document being walked.
    doc_range: Range<usize>,
}

impl Finder<'_> {
    fn locate(&self, offset: usize) -> Location {
        let line = self.line_starts.partition_point(|&s| s <= offset).max(1);
        let start = self.line_starts[line - 1];
        let offset = floor_char_boundary(self.text, offset.min(self.text.len()));
        let mut column = self.text[start..offset].chars().count() + 1;
        if start == 0 && self.text.starts_with('\u{feff}') {
            column -= 1;
        }
        Location { line, column }
    }

    fn document(&mut self, index: usize, root: &Node<'_>) {
        let kind = root.get("kind").and_then(Node::scalar).unwrap_or("");
        if kind == "List" {
            if let Some(Node {
                value: Value::Seq(items),
                ..
            }) = root.get("items")
            {
                for (i, item) in items.iter().enumerate() {
                    let path = vec![Seg::Key("items"), Seg::Index(i)];
                    self.workload(index, item, path);
                }
            }
            return;
        }
        self.workload(index, root, Vec::new());
    }

    fn workload(&mut self, document: usize, root: &Node<'_>, base: Vec<Seg>) {
        let kind = root.get("kind").and_then(Node::scalar).unwrap_or("");
        let name = root
            .get_path(&["metadata", "name"])
            .and_then(Node::scalar)
            .unwrap_or("");
        let pod_path: &[&str] = match kind {
            "Pod" => &["spec"],
            "PodTemplate" => &["template", "spec"],
            "CronJob" => &["spec", "jobTemplate", "spec", "template", "spec"],
            _ => &["spec", "template", "spec"],
        };
        let Some(pod) = root.get_path(pod_path) else {
            return;
        };
        if !matches!(pod.value, Value::Map(_))
            || !ContainerRole::LISTS
                .iter()
                .any(|(key, _)| pod.get(key).is_some())
        {
            return;
        }
        self.workloads += 1;
        for (list_key, role) in ContainerRole::LISTS {
            let Some(Node {
                value: Value::Seq(containers),
                ..
            }) = pod.get(list_key)
            else {
                continue;
            };
            for (i, container) in containers.iter().enumerate() {
                let Some((key, image)) = container.entry("image") else {
                    continue;
                };
                let mut path = base.clone();
                path.extend(pod_path.iter().map(|k| Seg::Key(k)));
                path.extend([Seg::Key(list_key), Seg::Index(i), Seg::Key("image")]);
                let mut field = self.field(document, kind, name, container, role, image, path);
                if matches!(field.style, Style::Literal | Style::Folded)
                    || matches!(image.value, Value::Seq(_) | Value::Map(_))
                {
                    // A block scalar's span starts at its content; point at the key instead.
                    field.location = self.locate(key.span.start);
                }
                self.fields.push(field);
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn field(
        &self,
        document: usize,
        kind: &str,
        workload: &str,
        container: &Node<'_>,
        role: ContainerRole,
        image: &Node<'_>,
        path: Vec<Seg>,
    ) -> ImageField {
        let raw = &self.text[image.span.clone()];
        let (value, style, mut refusal) = match &image.value {
            Value::Scalar { text, style } => (text.to_string(), *style, None),
            Value::Alias => (raw.to_string(), Style::Plain, Some(format!("the image is the YAML alias {}; editing it would change the anchored value it points to", shown(raw)))),
            Value::Seq(_) | Value::Map(_) => (String::new(), Style::Plain, Some("the image is not a scalar".to_string())),
        };
        if refusal.is_none() {
            refusal = if image.anchored {
                Some("the image carries a YAML anchor (`&name`), so aliases elsewhere would change too".to_string())
            } else if matches!(style, Style::Literal | Style::Folded) {
                Some(format!("the image is a {} block scalar", style.as_str()))
            } else if let Some(r) = self
                .repeated
                .iter()
                .find(|r| r.start <= image.span.start && image.span.end <= r.end)
            {
                Some(format!("the image stands under a key that is repeated in its mapping (at line {}); remove the repeat", self.locate(r.start).line))
            } else if image.tagged {
                Some("the image carries an explicit YAML tag".to_string())
            } else {
                render::check_token(raw, &value, style).err()
            };
        }
        ImageField {
            document,
            kind: kind.to_string(),
            workload: workload.to_string(),
            container: container
                .get("name")
                .and_then(Node::scalar)
                .unwrap_or("")
                .to_string(),
            role,
            value,
            span: image.span.clone(),
            location: self.locate(image.span.start),
            style,
            refusal,
            path,
            doc_range: self.doc_range.clone(),
        }
    }
}
