//! Kustomization `images:` entries: `name` picks the image of the bases, `newName`, `newTag`
//! and `digest` say what it becomes. As kustomize reads them: `digest` wins over `newTag`, and
//! an entry without `newName` keeps `name` as the repository.

use std::borrow::Cow;

use crate::reference::{shown, ImageSpec, Reference};

use super::hold_lines::hold_keys;
use super::slot::{after_line, line_break, Slot};
use super::splice::{Entry, Op};
use super::target::{Edit, Held, SetOptions};
use super::tree::{Node, Value};
use super::verify::{Expected, Tree};
use super::{EditError, EditErrorKind, Manifest, Seg};

/// One `images:` entry.
struct ImagesEntry<'n, 't> {
    index: usize,
    node: &'n Node<'t>,
    name: String,
    new_name: Option<Slot>,
    new_tag: Option<Slot>,
    digest: Option<Slot>,
}

impl ImagesEntry<'_, '_> {
    /// The repository the entry makes: `newName`, else `name`.
    fn repository(&self) -> &str {
        match &self.new_name {
            Some(s) if !s.value.is_empty() => &s.value,
            _ => &self.name,
        }
    }

    /// The image the entry makes, as kustomize writes it.
    fn image(&self) -> String {
        let mut out = self.repository().to_string();
        let digest = self.digest.as_ref().filter(|d| !d.value.is_empty());
        match (&self.new_tag, digest) {
            (_, Some(d)) => {
                out.push('@');
                out.push_str(&d.value);
            }
            (Some(t), None) if !t.value.is_empty() => {
                out.push(':');
                out.push_str(&t.value);
            }
            _ => {}
        }
        out
    }

    fn listing(&self) -> String {
        format!("  --image-name {}   makes {}", self.name, self.image())
    }
}

impl<'t> Manifest<'t> {
    /// The document of `kind: Kustomization` or `Component`, else the first with `images:`.
    pub(super) fn kustomization_doc(&self) -> Option<usize> {
        let kind_of = |i: usize| {
            self.docs[i]
                .root
                .as_ref()
                .and_then(|r| r.get("kind"))
                .and_then(Node::scalar)
        };
        (0..self.docs.len()).find(|&i| matches!(kind_of(i), Some("Kustomization" | "Component")))
    }

    fn kustomization_root(&self) -> Result<(usize, &Node<'t>), EditError> {
        let root_of = |i: usize| self.docs[i].root.as_ref();
        let kind = |i: usize| {
            root_of(i)
                .and_then(|r| r.get("kind"))
                .and_then(Node::scalar)
        };
        let like = |i: usize| {
            root_of(i).is_some_and(|r| r.get("images").is_some() || r.get("resources").is_some())
        };
        // kustomize reads one kustomization per file: two candidates are refused, not the
        // first taken.
        let mut kinds = (0..self.docs.len())
            .filter(|&i| matches!(kind(i), Some("Kustomization" | "Component")));
        let mut likes = (0..self.docs.len()).filter(|&i| like(i));
        let (first, second) = match kinds.next() {
            Some(k) => (Some(k), kinds.next()),
            None => (likes.next(), likes.next()),
        };
        if let (Some(_), Some(two)) = (first, second) {
            return Err(EditError::new(
                EditErrorKind::Ambiguous,
                "two documents of the file are kustomizations; kustomize reads one per file",
            )
            .at(self.locate(root_of(two).map_or(self.docs[two].range.start, |r| r.span.start)))
            .help("keep one kustomization in the file (the others in files of their own)."));
        }
        let doc = first;
        let doc = doc.or_else(|| (!self.docs.is_empty()).then_some(0));
        match doc.and_then(|d| Some((d, self.docs[d].root.as_ref()?))) {
            Some((
                d,
                root @ Node {
                    value: Value::Map(_),
                    ..
                },
            )) => Ok((d, root)),
            _ => Err(EditError::new(
                EditErrorKind::NotFound,
                "the kustomization has no top-level mapping",
            )
            .at(self.locate(0))
            .help("check --manifest: it should name a kustomization.yaml.")),
        }
    }

    fn kustomize_entries(
        &self,
        doc: usize,
        root: &'t Node<'t>,
    ) -> Result<Vec<ImagesEntry<'t, 't>>, EditError> {
        let Some((key, images)) = root.entry("images") else {
            return Ok(Vec::new());
        };
        let Value::Seq(items) = &images.value else {
            return Err(
                EditError::new(EditErrorKind::Invalid, "`images:` is not a list")
                    .at(self.locate(key.span.start)),
            );
        };
        let repeated = &self.docs[doc].repeated;
        let mut out = Vec::new();
        for (i, item) in items.iter().enumerate() {
            let Some(name) = item.get("name").and_then(Node::scalar) else {
                continue;
            };
            let slot = |k: &'static str| {
                item.entry(k).map(|(kn, v)| {
                    Slot::of(
                        self.text,
                        &|o| self.locate(o),
                        doc,
                        vec![
                            Seg::key("images"),
                            Seg::Index(i),
                            Seg::Key(Cow::Borrowed(k)),
                        ],
                        Some(kn),
                        v,
                        repeated,
                    )
                })
            };
            out.push(ImagesEntry {
                index: i,
                node: item,
                name: name.to_string(),
                new_name: slot("newName"),
                new_tag: slot("newTag"),
                digest: slot("digest"),
            });
        }
        Ok(out)
    }

    /// The entry `image_name` names, or the one the rule picks (the rule of containers, see
    /// `select.rs`): the entry whose `name` is the service's or ends in `/SERVICE`; else the one
    /// whose repository is the new image's (one only); else the only entry, when the new image
    /// keeps the repository it meets (`:TAG`, `@DIGEST`, or reading); else none, or refused.
    fn kustomize_pick<'e>(
        &self,
        entries: &'e [ImagesEntry<'t, 't>],
        service: &str,
        image_name: Option<&str>,
        spec: Option<&ImageSpec>,
    ) -> Result<Option<&'e ImagesEntry<'t, 't>>, EditError> {
        let named = |e: &&ImagesEntry| e.name.rsplit('/').next() == Some(service);
        let hits: Vec<&ImagesEntry> = match (image_name, spec) {
            (Some(want), _) => entries.iter().filter(|e| e.name == want).collect(),
            (None, _) if entries.iter().any(|e| named(&e)) => {
                entries.iter().filter(named).collect()
            }
            (None, Some(ImageSpec::Full(r))) => entries
                .iter()
                .filter(|e| {
                    e.repository()
                        .parse::<Reference>()
                        .is_ok_and(|old| old.same_repository(r))
                        || e.repository() == r.repository()
                })
                .collect(),
            (None, _) if entries.len() == 1 => entries.iter().collect(),
            (None, _) => Vec::new(),
        };
        let listing = || {
            let mut s = String::from("the entries of `images:`:");
            for e in entries {
                s.push('\n');
                s.push_str(&e.listing());
            }
            s
        };
        match hits.as_slice() {
            [one] => Ok(Some(one)),
            [] => Ok(None),
            many => Err(EditError::new(
                EditErrorKind::Ambiguous,
                format!(
                    "{} entries of `images:` match {}",
                    many.len(),
                    match (image_name, spec) {
                        (Some(n), _) => format!("--image-name {}", shown(n)),
                        (None, _) if many.iter().any(named) =>
                            format!("the service {}", shown(service)),
                        (None, Some(ImageSpec::Full(r))) =>
                            format!("the new image's repository {}", shown(r.repository())),
                        (None, _) => format!("the service {}", shown(service)),
                    }
                ),
            )
            .at(self.locate(many[1].node.span.start))
            .help(format!("pick one with --image-name; {}", listing()))),
        }
    }

    /// Every entry of the kustomization's `images:` (its `name` is in [`Held::target`] as
    /// `images[name=NAME]`), in file order; empty for a file without them.
    pub fn kustomize_images(&self) -> Vec<(String, Held)> {
        let Ok((doc, root)) = self.kustomization_root() else {
            return Vec::new();
        };
        self.kustomize_entries(doc, root)
            .unwrap_or_default()
            .iter()
            .map(|e| (e.name.clone(), self.kustomize_held(e)))
            .collect()
    }

    pub(super) fn kustomize_get(
        &self,
        service: &str,
        image_name: Option<&str>,
    ) -> Result<Held, EditError> {
        let (doc, root) = self.kustomization_root()?;
        let entries = self.kustomize_entries(doc, root)?;
        match self.kustomize_pick(&entries, service, image_name, None)? {
            Some(e) => Ok(self.kustomize_held(e)),
            None => Err(self.kustomize_missing(&entries, service, image_name)),
        }
    }

    fn kustomize_held(&self, e: &ImagesEntry<'_, '_>) -> Held {
        Held {
            target: format!("images[name={}]", e.name),
            workload: String::new(),
            container: String::new(),
            location: self.locate(e.node.span.start),
            image: e.image(),
            hold: None,
            keys: hold_keys(None, e.node, &["newName", "newTag", "digest"], &["name"]),
        }
    }

    fn kustomize_missing(
        &self,
        entries: &[ImagesEntry<'_, '_>],
        service: &str,
        image_name: Option<&str>,
    ) -> EditError {
        let what = match image_name {
            Some(n) => format!("no entry of `images:` is named {}", shown(n)),
            None if entries.is_empty() => "the kustomization has no `images:` entries".to_string(),
            None => format!(
                "no entry of `images:` has the new image's repository or a name ending in {}",
                shown(&format!("/{service}"))
            ),
        };
        let mut help = String::from("pick one with --image-name NAME");
        if !entries.is_empty() {
            help.push_str("; the entries of `images:`:");
            for e in entries {
                help.push('\n');
                help.push_str(&e.listing());
            }
        }
        // Where: the `images:` key, else the kustomization's first line.
        let at = self
            .kustomization_root()
            .ok()
            .map(|(_, root)| {
                root.entry("images")
                    .map_or(root.span.start, |(k, _)| k.span.start)
            })
            .unwrap_or(0);
        EditError::new(EditErrorKind::NotFound, what)
            .at(self.locate(at))
            .help(help)
    }

    pub(super) fn kustomize_set(
        &self,
        service: &str,
        image_name: Option<&str>,
        spec: &ImageSpec,
        opts: &SetOptions,
    ) -> Result<Edit, EditError> {
        let (doc, root) = self.kustomization_root()?;
        let entries = self.kustomize_entries(doc, root)?;
        let Some(e) = self.kustomize_pick(&entries, service, image_name, Some(spec))? else {
            return self.kustomize_add(doc, root, &entries, service, image_name, spec, opts);
        };
        let held = self.kustomize_held(e);
        let mut ops = Vec::new();
        let mut missing: Vec<Entry> = Vec::new();
        let here = held.location;
        let refuse = |why: String, help: &str| {
            Err(EditError::new(EditErrorKind::Unsafe, why)
                .at(here)
                .help(help.to_string()))
        };
        let stale_digest = e.digest.as_ref().filter(|d| !d.value.is_empty());
        let (name, tag, digest): (Option<&str>, Option<&str>, Option<&str>) = match spec {
            ImageSpec::Full(r) => (Some(r.repository()), r.tag(), r.digest()),
            ImageSpec::Tag(t) => (None, Some(t.as_str()), None),
            ImageSpec::Digest(d) => (None, None, Some(d.as_str())),
        };
        if let Some(name) = name {
            match &e.new_name {
                Some(slot) => ops.extend(Op::set(self.text, slot, name)?),
                None if name != e.name => missing.push(("newName".into(), name.into())),
                None => {}
            }
            // A reference with neither tag nor digest (the command line asks for
            // --allow-latest) sets `newName` alone: right for an entry that swaps only the
            // name (a registry move), refused where the entry's own tag or digest would stay.
            let own_tag = e.new_tag.as_ref().is_some_and(|t| !t.value.is_empty());
            if tag.is_none() && digest.is_none() && (own_tag || stale_digest.is_some()) {
                return refuse(
                    format!(
                        "{} has neither tag nor digest; the entry would keep its own",
                        shown(name)
                    ),
                    "give the reference a tag or a digest.",
                );
            }
        }
        if let Some(tag) = tag {
            match &e.new_tag {
                Some(slot) => ops.extend(Op::set(self.text, slot, tag)?),
                None => missing.push(("newTag".into(), tag.into())),
            }
        }
        match (digest, stale_digest) {
            (Some(d), _) => match &e.digest {
                Some(slot) => ops.extend(Op::set(self.text, slot, d)?),
                None => missing.push(("digest".into(), d.into())),
            },
            (None, Some(old)) if tag.is_some() => {
                if !opts.drop_digest {
                    return refuse(
                        format!(
                            "the entry's digest ({}, line {}) would win over the new tag: kustomize uses `digest` when both are set",
                            shown(&old.value),
                            old.location.line
                        ),
                        "give the new reference with its digest (`repo:tag@sha256:…`), or pass --drop-digest to remove the entry's digest.",
                    );
                }
                let path = vec![Seg::key("images"), Seg::Index(e.index)];
                ops.push(Op::remove(
                    self.text,
                    doc,
                    e.node,
                    &path,
                    "digest",
                    old.location,
                )?);
            }
            _ => {}
        }
        if !missing.is_empty() {
            // An entry lists only what it changes (no `newTag`: the base's tag stays), so a
            // field the entry lacks is added to it, as `kustomize edit set image` adds it;
            // --create is for a missing entry.
            let path = vec![Seg::key("images"), Seg::Index(e.index)];
            ops.extend(Op::insert(self.text, doc, e.node, &path, &missing, here)?);
        }
        let new = self.kustomize_after(e, name, tag, digest, opts);
        self.finish(held, new, &ops)
    }

    /// The image the entry makes after the change.
    fn kustomize_after(
        &self,
        e: &ImagesEntry<'_, '_>,
        name: Option<&str>,
        tag: Option<&str>,
        digest: Option<&str>,
        opts: &SetOptions,
    ) -> String {
        let repo = name.unwrap_or(e.repository());
        let old_digest = e
            .digest
            .as_ref()
            .map(|d| d.value.as_str())
            .filter(|d| !d.is_empty());
        let digest = digest.or(if opts.drop_digest && tag.is_some() {
            None
        } else {
            old_digest
        });
        let tag = tag.or(e
            .new_tag
            .as_ref()
            .map(|t| t.value.as_str())
            .filter(|t| !t.is_empty()));
        match digest {
            Some(d) => format!("{repo}@{d}"),
            None => match tag {
                Some(t) => format!("{repo}:{t}"),
                None => repo.to_string(),
            },
        }
    }

    /// A new `images:` entry (with --create), or the refusal that shows it.
    #[allow(clippy::too_many_arguments)]
    fn kustomize_add(
        &self,
        doc: usize,
        root: &Node<'_>,
        entries: &[ImagesEntry<'_, '_>],
        service: &str,
        image_name: Option<&str>,
        spec: &ImageSpec,
        opts: &SetOptions,
    ) -> Result<Edit, EditError> {
        let full = match spec {
            ImageSpec::Full(r) => r,
            _ => return Err(self.kustomize_missing(entries, service, image_name)),
        };
        let name = image_name.unwrap_or(full.repository());
        let mut entry: Vec<Entry> = vec![("name".into(), name.into())];
        if full.repository() != name {
            entry.push(("newName".into(), full.repository().into()));
        }
        if let Some(t) = full.tag() {
            entry.push(("newTag".into(), t.into()));
        }
        if let Some(d) = full.digest() {
            entry.push(("digest".into(), d.into()));
        }
        let at = self.locate(root.span.start);
        let op = match root.entry("images") {
            Some((_, images)) => {
                Op::push(self.text, doc, images, &[Seg::key("images")], &entry, at)?
            }
            None => self.images_key(doc, root, &entry, at)?,
        };
        let ops = [op];
        if !opts.create {
            let mut err = self.kustomize_missing(entries, service, image_name);
            let added = would_add(at, &ops);
            err.help = Some(format!(
                "{}\n{}",
                err.help.unwrap_or_default(),
                added.help.unwrap_or_default()
            ));
            return Err(err);
        }
        let held = Held {
            target: format!("images[name={name}]"),
            workload: String::new(),
            container: String::new(),
            location: at,
            image: String::new(),
            hold: None,
            keys: Vec::new(),
        };
        let new = Reference::to_string(full);
        self.finish(held, new, &ops)
    }

    /// An `images:` key with one entry, added at the end of the root mapping.
    fn images_key(
        &self,
        doc: usize,
        root: &Node<'_>,
        entry: &[Entry],
        at: super::Location,
    ) -> Result<Op, EditError> {
        let Value::Map(existing) = &root.value else {
            return Err(EditError::new(
                EditErrorKind::NotFound,
                "the kustomization has no top-level mapping",
            )
            .at(at));
        };
        if super::slot::is_flow(self.text, root) || existing.is_empty() {
            return Err(EditError::new(
                EditErrorKind::Unsafe,
                "refusing to add `images:` to a flow or empty mapping",
            )
            .at(at));
        }
        let indent = super::slot::indent_of(self.text, existing[0].0.span.start).unwrap_or(0);
        let pad = " ".repeat(indent);
        let nl = line_break(self.text);
        let (pos, break_first) = after_line(self.text, super::slot::content_end(self.text, root));
        let mut out = String::new();
        if break_first {
            out.push_str(nl);
        }
        out.push_str(&format!("{pad}images:{nl}"));
        for (i, (k, v)) in entry.iter().enumerate() {
            let lead = if i == 0 { "- " } else { "  " };
            out.push_str(&format!(
                "{pad}{lead}{k}: {}",
                super::render::scalar(v, super::Style::Plain)
            ));
            if !(break_first && i + 1 == entry.len()) {
                out.push_str(nl);
            }
        }
        Ok(Op {
            document: doc,
            range: pos..pos,
            text: out,
            expected: Expected::Insert {
                path: Vec::new(),
                key: "images".into(),
                value: Tree::Seq(vec![Tree::Map(
                    entry
                        .iter()
                        .map(|(k, v)| (Tree::Str(k.clone()), Tree::Str(v.clone())))
                        .collect(),
                )]),
            },
            location: at,
        })
    }
}

/// The refusal of an addition without --create: the exact lines it would add.
pub(super) fn would_add(at: super::Location, ops: &[Op]) -> EditError {
    let lines: String = ops
        .iter()
        .map(|op| op.text.as_str())
        .collect::<String>()
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| format!("\n  + {l}"))
        .collect();
    EditError::new(
        EditErrorKind::NotFound,
        "the target lacks the keys to hold the new image; nothing was changed",
    )
    .at(at)
    .help(format!("pass --create to add these lines:{lines}"))
}
