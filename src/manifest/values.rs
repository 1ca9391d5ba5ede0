//! Images held at a key path: Helm values' `image:` mapping (`registry`, `repository`, `tag`,
//! `digest`, any subset with `repository`), a scalar holding a whole reference, or a scalar
//! holding only a tag or a digest (an Argo CD Application's
//! `spec.source.helm.parameters[name=image.tag].value`). A scalar in kustomize's override form,
//! `NAME=REFERENCE` (Argo CD's `spec.source.kustomize.images[N]`), keeps its `NAME=`.
//!
//! Only the keys present are written; a missing one is added only with
//! [`SetOptions::create`]. Helm reads values as YAML 1.1: a tag such as `1.20`, `8` or `on` is
//! written quoted, or it would reach the chart as a number or a boolean.

use crate::reference::{shown, ImageSpec, Reference};

use super::hold_lines::hold_keys;
use super::keypath::{override_split, KeyPath, Resolved};
use super::kustomize::would_add;
use super::select::same_repository;
use super::slot::Slot;
use super::splice::{Entry, Op};
use super::target::{Edit, Held, Holds, SetOptions};
use super::tree::{Node, Value};
use super::{location, EditError, EditErrorKind, Manifest, Seg};

/// The parts of a reference a mapping may hold, in the order they are added.
const PARTS: [&str; 4] = ["registry", "repository", "tag", "digest"];

/// Where a key path led.
enum Found<'n, 't> {
    Node {
        document: usize,
        node: &'n Node<'t>,
        key: Option<&'n Node<'t>>,
        path: Vec<Seg>,
    },
    /// The last key is missing from the mapping `parent`.
    Missing {
        document: usize,
        parent: &'n Node<'t>,
        path: Vec<Seg>,
    },
}

impl<'t> Manifest<'t> {
    /// The one document the path leads through: when several have it, the one whose image has
    /// the new image's repository (the rule containers follow, `select.rs`), else refused.
    fn resolve<'m>(
        &'m self,
        path: &KeyPath,
        holds: Holds,
        new: Option<&ImageSpec>,
    ) -> Result<Found<'m, 't>, EditError> {
        let mut found = Vec::new();
        let mut missing = Vec::new();
        let mut deepest: Option<(String, usize)> = None;
        for (i, doc) in self.docs.iter().enumerate() {
            let Some(root) = &doc.root else { continue };
            match path.resolve(root) {
                Resolved::Found { node, key, path } => found.push(Found::Node {
                    document: i,
                    node,
                    key,
                    path,
                }),
                Resolved::LastKeyMissing { parent, path } => missing.push(Found::Missing {
                    document: i,
                    parent,
                    path,
                }),
                Resolved::Ambiguous { why, at } => {
                    return Err(EditError::new(EditErrorKind::Ambiguous, why)
                        .at(self.locate(at))
                        .help("name the item with another [KEY=VALUE], or by index: [N]."))
                }
                Resolved::Missing { why, at } => {
                    if deepest.as_ref().is_none_or(|(_, a)| at > *a) {
                        deepest = Some((why, at));
                    }
                }
            }
        }
        if found.len() > 1 {
            return self.pick_document(found, path, holds, new);
        }
        if let Some(f) = found.pop() {
            return Ok(f);
        }
        if missing.len() == 1 {
            if let Some(m) = missing.pop() {
                return Ok(m);
            }
        }
        if let Some(Found::Missing { parent, .. }) = missing.get(1) {
            return Err(EditError::new(
                EditErrorKind::Ambiguous,
                format!("{} documents of the file could take `{path}`, and none has it", missing.len()),
            )
            .at(self.locate(parent.span.start))
            .help("add the key by hand to the document that should hold the image, or split the file."));
        }
        let (why, at) = deepest.unwrap_or_else(|| ("the file has no documents".into(), 0));
        Err(EditError::new(
            EditErrorKind::NotFound,
            format!("the file has no `{path}`: {why}"),
        )
        .at(self.locate(at))
        .help("check --key (keys with dots between them, [N] for an index, [KEY=VALUE] for a list item, [NAME] for an image in a list of image strings)."))
    }

    /// Of several documents that have `path`, the one whose image has `new`'s repository, or
    /// a refusal that lists each with its image.
    fn pick_document<'m>(
        &'m self,
        mut found: Vec<Found<'m, 't>>,
        path: &KeyPath,
        holds: Holds,
        new: Option<&ImageSpec>,
    ) -> Result<Found<'m, 't>, EditError> {
        let held: Vec<Option<Held>> = found
            .iter()
            .map(|f| self.found_held(f, path, holds).ok())
            .collect();
        let repo = match new {
            Some(ImageSpec::Full(r)) => Some(r),
            _ => None,
        };
        if let Some(r) = repo {
            let hits: Vec<usize> = (0..held.len())
                .filter(|&i| {
                    held[i]
                        .as_ref()
                        .is_some_and(|h| same_repository(&h.image, r))
                })
                .collect();
            if let [one] = hits[..] {
                return Ok(found.swap_remove(one));
            }
        }
        let why = match (new, repo) {
            (_, Some(r)) => format!(
                "and not exactly one holds the new image's repository {}",
                shown(r.repository())
            ),
            (Some(spec), None) => format!(
                "and {} keeps the repository it meets, so it cannot choose one",
                shown(&spec.to_string())
            ),
            (None, None) => "and nothing says which one is meant".to_string(),
        };
        let mut listing = String::from("no flag picks a document: give the full new reference (the repository picks the document that holds it), or split the file; the documents:");
        for (f, h) in found.iter().zip(&held) {
            if let (Found::Node { document, node, .. }, Some(h)) = (f, h) {
                listing.push_str(&format!(
                    "\n  document {} (line {}): {}",
                    document + 1,
                    self.locate(node.span.start).line,
                    h.image
                ));
            }
        }
        let at = match &found[1] {
            Found::Node { node, .. } => node.span.start,
            Found::Missing { parent, .. } => parent.span.start,
        };
        Err(EditError::new(
            EditErrorKind::Ambiguous,
            format!("{} documents of the file have `{path}`, {why}", found.len()),
        )
        .at(self.locate(at))
        .help(listing))
    }

    pub(super) fn key_get(&self, path: &KeyPath, holds: Holds) -> Result<Held, EditError> {
        let found = self.resolve(path, holds, None)?;
        self.found_held(&found, path, holds)
    }

    /// The image where a key path led.
    fn found_held(
        &self,
        found: &Found<'_, '_>,
        path: &KeyPath,
        holds: Holds,
    ) -> Result<Held, EditError> {
        match found {
            Found::Node {
                document,
                node,
                key,
                path: segs,
            } => match (&node.value, holds) {
                (Value::Map(_), Holds::Auto) => {
                    let parts = self.parts(*document, node, segs);
                    Ok(self.parts_held(path, *key, node, &parts))
                }
                (Value::Map(_) | Value::Seq(_), _) => Err(not_scalar(self.text, path, node)),
                _ => {
                    let slot = Slot::of(
                        self.text,
                        &|o| self.locate(o),
                        *document,
                        segs.clone(),
                        *key,
                        node,
                        &self.docs[*document].repeated,
                    );
                    Ok(scalar_held(path, holds, &slot, *key, node))
                }
            },
            Found::Missing { parent, .. } => Err(EditError::new(
                EditErrorKind::NotFound,
                format!("the file has no `{path}`"),
            )
            .at(self.locate(parent.span.start))),
        }
    }

    fn parts(&self, document: usize, node: &Node<'_>, segs: &[Seg]) -> [Option<Slot>; 4] {
        PARTS.map(|k| {
            node.entry(k).map(|(kn, v)| {
                let mut path = segs.to_vec();
                path.push(Seg::key(k));
                Slot::of(
                    self.text,
                    &|o| self.locate(o),
                    document,
                    path,
                    Some(kn),
                    v,
                    &self.docs[document].repeated,
                )
            })
        })
    }

    fn parts_held(
        &self,
        path: &KeyPath,
        key: Option<&Node<'_>>,
        node: &Node<'_>,
        parts: &[Option<Slot>; 4],
    ) -> Held {
        let [registry, repository, tag, digest] = parts;
        let value = |s: &Option<Slot>| {
            s.as_ref()
                .map(|s| s.value.clone())
                .filter(|v| !v.is_empty())
        };
        let mut image = String::new();
        if let Some(r) = value(registry) {
            image.push_str(&r);
            image.push('/');
        }
        image.push_str(&value(repository).unwrap_or_default());
        if let Some(t) = value(tag) {
            image.push(':');
            image.push_str(&t);
        }
        if let Some(d) = value(digest) {
            image.push('@');
            image.push_str(&d);
        }
        let present: Vec<&str> = PARTS
            .iter()
            .zip(parts)
            .filter(|(_, s)| s.is_some())
            .map(|(k, _)| *k)
            .collect();
        Held {
            target: format!("{path} ({})", present.join(", ")),
            workload: String::new(),
            container: String::new(),
            location: repository
                .as_ref()
                .map_or_else(|| self.locate(node.span.start), |s| s.location),
            image,
            hold: None,
            keys: hold_keys(key, node, &PARTS, &[]),
        }
    }

    pub(super) fn key_set(
        &self,
        path: &KeyPath,
        holds: Holds,
        spec: &ImageSpec,
        opts: &SetOptions,
    ) -> Result<Edit, EditError> {
        match self.resolve(path, holds, Some(spec))? {
            Found::Node {
                document,
                node,
                key,
                path: segs,
            } => match (&node.value, holds) {
                (Value::Map(_), Holds::Auto) => {
                    self.parts_set(path, document, (key, node), &segs, spec, opts)
                }
                (Value::Map(_) | Value::Seq(_), _) => Err(not_scalar(self.text, path, node)),
                _ => {
                    let slot = Slot::of(
                        self.text,
                        &|o| self.locate(o),
                        document,
                        segs,
                        key,
                        node,
                        &self.docs[document].repeated,
                    );
                    self.scalar_set(path, holds, &slot, (key, node), spec)
                }
            },
            Found::Missing {
                document,
                parent,
                path: segs,
            } => {
                // A missing scalar: add `key: value` to its mapping (with --create).
                let at = self.locate(parent.span.start);
                let last = match path.steps().last() {
                    Some(super::keypath::Step::Key(k)) => k.clone(),
                    _ => {
                        return Err(EditError::new(
                            EditErrorKind::NotFound,
                            format!("the file has no `{path}`"),
                        )
                        .at(at))
                    }
                };
                let value = match (holds, spec) {
                    (Holds::Tag, ImageSpec::Tag(t)) => t.clone(),
                    (Holds::Digest, ImageSpec::Digest(d)) => d.clone(),
                    (Holds::Auto | Holds::Reference, ImageSpec::Full(r)) => r.to_string(),
                    _ => {
                        return Err(EditError::new(
                            EditErrorKind::NotFound,
                            format!("the file has no `{path}`, and {spec} cannot be added without the image it changes"),
                        )
                        .at(at))
                    }
                };
                let ops = Op::insert(
                    self.text,
                    document,
                    parent,
                    &segs,
                    &[(last, value.clone())],
                    at,
                )?;
                if !opts.create {
                    return Err(would_add(at, &ops));
                }
                let held = Held {
                    target: path.to_string(),
                    workload: String::new(),
                    container: String::new(),
                    location: at,
                    image: String::new(),
                    hold: None,
                    keys: Vec::new(),
                };
                let new = match holds {
                    Holds::Tag => format!(":{value}"),
                    Holds::Digest => format!("@{value}"),
                    _ => value,
                };
                self.finish(held, new, &ops)
            }
        }
    }

    fn scalar_set(
        &self,
        path: &KeyPath,
        holds: Holds,
        slot: &Slot,
        (key, node): (Option<&Node<'_>>, &Node<'_>),
        spec: &ImageSpec,
    ) -> Result<Edit, EditError> {
        let held = scalar_held(path, holds, slot, key, node);
        let cannot = |what: &str| {
            Err(EditError::new(
                EditErrorKind::BadReference,
                format!("`{path}` holds only {what}, and {spec} does not give one"),
            )
            .at(slot.location)
            .help(match holds {
                Holds::Tag => "give `:TAG`, or a reference with a tag and no digest.",
                _ => "give `@sha256:…`, or a reference with a digest.",
            }))
        };
        let (new_value, new_shown) = match holds {
            Holds::Auto | Holds::Reference => {
                // `NAME=` of the override form is kept: it says which image is replaced.
                let (name, old) = override_split(&slot.value);
                let r: Reference = spec.apply_to(old).map_err(|e| {
                    EditError::new(EditErrorKind::BadReference, e.to_string()).at(slot.location)
                })?;
                (format!("{name}{r}"), r.to_string())
            }
            Holds::Tag => match spec {
                ImageSpec::Tag(t) => (t.clone(), format!(":{t}")),
                ImageSpec::Full(r) if r.digest().is_none() => match r.tag() {
                    Some(t) => (t.to_string(), format!(":{t}")),
                    None => return cannot("a tag"),
                },
                ImageSpec::Full(_) => {
                    return Err(EditError::new(
                        EditErrorKind::BadReference,
                        format!(
                            "`{path}` holds only a tag, and {spec} has a digest it cannot hold"
                        ),
                    )
                    .at(slot.location)
                    .help("give `:TAG`, or point --key at a value that holds the digest too."))
                }
                ImageSpec::Digest(_) => return cannot("a tag"),
            },
            Holds::Digest => match spec {
                ImageSpec::Digest(d) => (d.clone(), format!("@{d}")),
                ImageSpec::Full(r) => match r.digest() {
                    Some(d) => (d.to_string(), format!("@{d}")),
                    None => return cannot("a digest"),
                },
                ImageSpec::Tag(_) => return cannot("a digest"),
            },
        };
        let ops: Vec<Op> = Op::set(self.text, slot, &new_value)?.into_iter().collect();
        self.finish(held, new_shown, &ops)
    }

    #[allow(clippy::too_many_arguments)]
    fn parts_set(
        &self,
        path: &KeyPath,
        document: usize,
        (key, node): (Option<&Node<'_>>, &Node<'_>),
        segs: &[Seg],
        spec: &ImageSpec,
        opts: &SetOptions,
    ) -> Result<Edit, EditError> {
        let parts = self.parts(document, node, segs);
        let held = self.parts_held(path, key, node, &parts);
        let here = held.location;
        let Some(repository) = &parts[1] else {
            return Err(EditError::new(
                EditErrorKind::NotFound,
                format!("`{path}` is a mapping without `repository`"),
            )
            .at(here)
            .help("point --key at a mapping with `repository` (and `tag`, `registry`, `digest`), or at a scalar."));
        };
        let mut w = Writes::default();
        let (new_tag, new_digest) = match spec {
            ImageSpec::Full(r) => {
                self.repository_parts(&mut w, &parts, repository, r)?;
                if r.tag().is_none() && r.digest().is_none() {
                    return Err(EditError::new(
                        EditErrorKind::BadReference,
                        format!("{spec} has neither tag nor digest; the chart would keep its own"),
                    )
                    .at(here)
                    .help("give the reference a tag or a digest."));
                }
                (r.tag(), r.digest())
            }
            ImageSpec::Tag(t) => (Some(t.as_str()), None),
            ImageSpec::Digest(d) => (None, Some(d.as_str())),
        };
        if let Some(t) = new_tag {
            w.want(self.text, &parts[2], "tag", t)?;
        }
        let digest = &parts[3];
        match (new_digest, digest.as_ref().filter(|d| !d.value.is_empty())) {
            (Some(d), _) => w.want(self.text, digest, "digest", d)?,
            (None, Some(old)) if new_tag.is_some() => {
                if !opts.drop_digest {
                    return Err(EditError::new(
                        EditErrorKind::Unsafe,
                        format!(
                            "`{path}.digest` ({}, line {}) would win over the new tag in most charts",
                            shown(&old.value),
                            old.location.line
                        ),
                    )
                    .at(old.location)
                    .help("give the new reference with its digest (`repo:tag@sha256:…`), or pass --drop-digest to empty `digest`."));
                }
                w.ops.extend(Op::set(self.text, old, "")?);
            }
            _ => {}
        }
        if !w.missing.is_empty() {
            let inserted = Op::insert(self.text, document, node, segs, &w.missing, here)?;
            if !opts.create {
                return Err(would_add(here, &inserted));
            }
            w.ops.extend(inserted);
        }
        let new = self.parts_after(path, node, &parts, repository, &w);
        self.finish(held, new, &w.ops)
    }

    /// The registry and repository parts for the new reference `r`: a `registry` key takes
    /// the host (Docker Hub's spelling of the old value kept), `repository` the rest; without
    /// one, `repository` takes the whole repository.
    fn repository_parts(
        &self,
        w: &mut Writes,
        parts: &[Option<Slot>; 4],
        repository: &Slot,
        r: &Reference,
    ) -> Result<(), EditError> {
        let repository = Some(repository.clone());
        let Some(reg) = &parts[0] else {
            return w.want(self.text, &repository, "repository", r.repository());
        };
        let (host, rest) = r.registry_and_path();
        // No host in the new reference: Docker Hub, which the old value may spell as it likes
        // (or leave empty).
        let host = match host {
            Some(h) => h,
            None if matches!(
                reg.value.as_str(),
                "" | "docker.io" | "index.docker.io" | "registry-1.docker.io"
            ) =>
            {
                reg.value.as_str()
            }
            None => "docker.io",
        };
        w.want(self.text, &parts[0], "registry", host)?;
        w.want(self.text, &repository, "repository", rest)
    }

    /// The image after the edit: the parts as they will read.
    fn parts_after(
        &self,
        path: &KeyPath,
        node: &Node<'_>,
        parts: &[Option<Slot>; 4],
        repository: &Slot,
        w: &Writes,
    ) -> String {
        let mut after = parts.clone();
        for op in &w.ops {
            if let super::verify::Expected::Set { path: p, new, .. } = &op.expected {
                for s in after.iter_mut().flatten() {
                    if &s.path == p {
                        s.value.clone_from(new);
                    }
                }
            }
        }
        for (k, v) in &w.missing {
            if let Some(i) = PARTS.iter().position(|p| p == k) {
                after[i] = Some(Slot {
                    value: v.clone(),
                    ..repository.clone()
                });
            }
        }
        self.parts_held(path, None, node, &after).image
    }
}

/// What an edit of a mapping's parts writes: ops on the keys there, and the keys to add.
#[derive(Default)]
struct Writes {
    ops: Vec<Op>,
    missing: Vec<Entry>,
}

impl Writes {
    /// `key` set to `value`: in its slot, or added when the mapping has none.
    fn want(
        &mut self,
        text: &str,
        slot: &Option<Slot>,
        key: &str,
        value: &str,
    ) -> Result<(), EditError> {
        match slot {
            Some(s) => self.ops.extend(Op::set(text, s, value)?),
            None => self.missing.push((key.into(), value.into())),
        }
        Ok(())
    }
}

fn scalar_held(
    path: &KeyPath,
    holds: Holds,
    slot: &Slot,
    key: Option<&Node<'_>>,
    node: &Node<'_>,
) -> Held {
    let (what, image) = match holds {
        Holds::Tag => (" (tag)", format!(":{}", slot.value)),
        Holds::Digest => (" (digest)", format!("@{}", slot.value)),
        _ => ("", override_split(&slot.value).1.to_string()),
    };
    Held {
        target: format!("{path}{what}"),
        workload: String::new(),
        container: String::new(),
        location: slot.location,
        image,
        hold: None,
        keys: hold_keys(key, node, &[], &[]),
    }
}

fn not_scalar(text: &str, path: &KeyPath, node: &Node<'_>) -> EditError {
    EditError::new(
        EditErrorKind::NotFound,
        format!("`{path}` is a collection, not a scalar holding a tag or digest"),
    )
    .at(location(text, node.span.start))
    .help("point --key at the scalar, or drop --holds for a mapping of registry/repository/tag/digest.")
}
