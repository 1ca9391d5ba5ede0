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

use super::change::{Entry, Op};
use super::keypath::{image_name, override_split, KeyPath, Resolved};
use super::kustomize::would_add;
use super::slot::Slot;
use super::target::{Held, Holds, SetOptions, TargetEdit};
use super::tree::{Node, Value};
use super::{location, EditError, EditErrorKind, Location, Manifest, Seg};

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
    /// The one document the path leads through.
    fn resolve<'m>(&'m self, path: &KeyPath) -> Result<Found<'m, 't>, EditError> {
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
            // Where: the second document that has it.
            let at = match &found[1] {
                Found::Node { node, .. } => node.span.start,
                Found::Missing { parent, .. } => parent.span.start,
            };
            return Err(EditError::new(
                EditErrorKind::Ambiguous,
                format!("{} documents of the file have `{path}`", found.len()),
            )
            .at(self.locate(at))
            .help("split the file, or give each document its own path."));
        }
        if let Some(f) = found.pop() {
            return Ok(f);
        }
        if missing.len() == 1 {
            if let Some(m) = missing.pop() {
                return Ok(m);
            }
        }
        let (why, at) = deepest.unwrap_or_else(|| ("the file has no documents".into(), 0));
        Err(EditError::new(
            EditErrorKind::NotFound,
            format!("the file has no `{path}`: {why}"),
        )
        .at(self.locate(at))
        .help("check --key (keys with dots between them, [N] for an index, [KEY=VALUE] for a list item, [NAME] for an image in a list of image strings)."))
    }

    pub(super) fn key_get(&self, path: &KeyPath, holds: Holds) -> Result<Held, EditError> {
        match self.resolve(path)? {
            Found::Node {
                document,
                node,
                key,
                path: segs,
            } => match (&node.value, holds) {
                (Value::Map(_), Holds::Auto) => {
                    let parts = self.parts(document, node, &segs);
                    Ok(self.parts_held(path, node, &parts))
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
                    Ok(scalar_held(path, holds, &slot))
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

    fn parts_held(&self, path: &KeyPath, node: &Node<'_>, parts: &[Option<Slot>; 4]) -> Held {
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
        }
    }

    pub(super) fn key_set(
        &self,
        path: &KeyPath,
        holds: Holds,
        spec: &ImageSpec,
        opts: &SetOptions,
    ) -> Result<TargetEdit, EditError> {
        match self.resolve(path)? {
            Found::Node {
                document,
                node,
                key,
                path: segs,
            } => match (&node.value, holds) {
                (Value::Map(_), Holds::Auto) => {
                    self.parts_set(path, document, node, &segs, spec, opts)
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
                    self.scalar_set(path, holds, &slot, spec)
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
        spec: &ImageSpec,
    ) -> Result<TargetEdit, EditError> {
        let held = scalar_held(path, holds, slot);
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
        node: &Node<'_>,
        segs: &[Seg],
        spec: &ImageSpec,
        opts: &SetOptions,
    ) -> Result<TargetEdit, EditError> {
        let parts = self.parts(document, node, segs);
        let held = self.parts_held(path, node, &parts);
        let [registry, repository, tag, digest] = &parts;
        let here = held.location;
        let Some(repository) = repository else {
            return Err(EditError::new(
                EditErrorKind::NotFound,
                format!("`{path}` is a mapping without `repository`"),
            )
            .at(here)
            .help("point --key at a mapping with `repository` (and `tag`, `registry`, `digest`), or at a scalar."));
        };
        let mut ops = Vec::new();
        let mut missing: Vec<Entry> = Vec::new();
        let mut want = |slot: &Option<Slot>,
                        key: &str,
                        value: &str,
                        ops: &mut Vec<Op>|
         -> Result<(), EditError> {
            match slot {
                Some(s) => ops.extend(Op::set(self.text, s, value)?),
                None => missing.push((key.into(), value.into())),
            }
            Ok(())
        };
        let (new_tag, new_digest) = match spec {
            ImageSpec::Full(r) => {
                match registry {
                    Some(reg) => {
                        let (host, rest) = r.registry_and_path();
                        // No host in the new reference: Docker Hub, which the old value may
                        // spell as it likes (or leave empty).
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
                        want(registry, "registry", host, &mut ops)?;
                        want(&Some(repository.clone()), "repository", rest, &mut ops)?;
                    }
                    None => want(
                        &Some(repository.clone()),
                        "repository",
                        r.repository(),
                        &mut ops,
                    )?,
                }
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
            want(tag, "tag", t, &mut ops)?;
        }
        match (new_digest, digest.as_ref().filter(|d| !d.value.is_empty())) {
            (Some(d), _) => want(digest, "digest", d, &mut ops)?,
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
                ops.extend(Op::set(self.text, old, "")?);
            }
            _ => {}
        }
        if !missing.is_empty() {
            let inserted = Op::insert(self.text, document, node, segs, &missing, here)?;
            if !opts.create {
                return Err(would_add(here, &inserted));
            }
            ops.extend(inserted);
        }
        // The image after: the parts as they will read.
        let mut after = parts.clone();
        for op in &ops {
            if let super::verify::Expected::Set { path: p, new, .. } = &op.expected {
                for s in after.iter_mut().flatten() {
                    if &s.path == p {
                        s.value.clone_from(new);
                    }
                }
            }
        }
        for (k, v) in &missing {
            if let Some(i) = PARTS.iter().position(|p| p == k) {
                after[i] = Some(Slot {
                    value: v.clone(),
                    ..repository.clone()
                });
            }
        }
        let new = self.parts_held(path, node, &after).image;
        self.finish(held, new, &ops)
    }
}

fn scalar_held(path: &KeyPath, holds: Holds, slot: &Slot) -> Held {
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

/// An image found by [`Manifest::image_keys`]: where, and what the value holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageKey {
    /// The path to give `--key`.
    pub path: KeyPath,
    /// What to give `--holds`.
    pub holds: Holds,
    /// The image as held.
    pub image: String,
    /// Where.
    pub location: Location,
}

impl Manifest<'_> {
    /// Every image held at a key path that imgbump can name: mappings with `repository` (Helm's
    /// convention), `image:` scalars holding a reference with a tag or digest, Argo CD's
    /// `helm.parameters` items named `image.tag` / `*.image.tag`, and Argo CD's
    /// `kustomize.images` items (`[NAME=]REFERENCE`). In file order. Keys holding
    /// `.`, `[` or `]` cannot be written in a key path and are skipped.
    pub fn image_keys(&self) -> Vec<ImageKey> {
        let mut out = Vec::new();
        for doc in &self.docs {
            if let Some(root) = &doc.root {
                let mut steps = Vec::new();
                self.walk_keys(root, &mut steps, &mut out);
            }
        }
        out.sort_by_key(|k| (k.location.line, k.location.column));
        out
    }

    fn walk_keys(
        &self,
        node: &Node<'_>,
        steps: &mut Vec<super::keypath::Step>,
        out: &mut Vec<ImageKey>,
    ) {
        use super::keypath::Step;
        if steps.len() > 64 {
            return;
        }
        // The image at `steps`, added to `out` if it reads as one; false if no key path can
        // name the place.
        let add = |steps: &[Step], holds: Holds, out: &mut Vec<ImageKey>| {
            let Some(path) = KeyPath::from_steps(steps.to_vec()) else {
                return false;
            };
            if let Ok(held) = self.key_get(&path, holds) {
                out.push(ImageKey {
                    path,
                    holds,
                    image: held.image,
                    location: held.location,
                });
            }
            true
        };
        match &node.value {
            Value::Map(entries) => {
                for (k, v) in entries {
                    let Some(key) = k.scalar() else { continue };
                    if key.is_empty() || key.contains(['.', '[', ']']) {
                        continue;
                    }
                    steps.push(Step::Key(key.to_string()));
                    let hit = match &v.value {
                        Value::Map(_) => looks_like_image(key, v),
                        Value::Scalar { text, .. } => {
                            key == "image"
                                && text
                                    .parse::<Reference>()
                                    .is_ok_and(|r| r.tag().is_some() || r.digest().is_some())
                        }
                        _ => false,
                    };
                    if !(hit && add(steps, Holds::Auto, out)) {
                        self.walk_keys(v, steps, out);
                    }
                    steps.pop();
                }
            }
            Value::Seq(items) => {
                let in_parameters = matches!(steps.last(), Some(Step::Key(k)) if k == "parameters");
                // Argo CD's `kustomize.images`: `[NAME=]REFERENCE` strings.
                let kustomize_images = steps.len() >= 2
                    && matches!(&steps[steps.len() - 2..], [Step::Key(a), Step::Key(b)] if a == "kustomize" && b == "images");
                for (i, item) in items.iter().enumerate() {
                    if let (true, Some(text)) = (kustomize_images, item.scalar()) {
                        let pinned = override_split(text)
                            .1
                            .parse::<Reference>()
                            .is_ok_and(|r| r.tag().is_some() || r.digest().is_some());
                        // By the image it names when that is unique and a key path can say it
                        // (`images[isa-web]`, which survives reordering), else by index.
                        let name = image_name(text);
                        let unique = items
                            .iter()
                            .filter(|o| o.scalar().is_some_and(|t| image_name(t) == name))
                            .count()
                            == 1;
                        let mut by = |step: Step, out: &mut Vec<ImageKey>| {
                            steps.push(step);
                            let named = add(steps, Holds::Auto, out);
                            steps.pop();
                            named
                        };
                        if pinned && !(unique && by(Step::Named(name.to_string()), out)) {
                            by(Step::Index(i), out);
                        }
                        continue;
                    }
                    let name = item.get("name").and_then(Node::scalar);
                    if let (true, Some(name)) = (in_parameters, name) {
                        if (name == "image.tag" || name.ends_with(".image.tag"))
                            && !name.contains([']'])
                        {
                            steps.push(Step::Match {
                                key: "name".into(),
                                value: name.to_string(),
                            });
                            steps.push(Step::Key("value".into()));
                            add(steps, Holds::Tag, out);
                            steps.pop();
                            steps.pop();
                            continue;
                        }
                    }
                    steps.push(Step::Index(i));
                    self.walk_keys(item, steps, out);
                    steps.pop();
                }
            }
            _ => {}
        }
    }
}

/// Whether a mapping under `key` holds an image in parts: a `repository` that reads as an
/// image repository, beside a `tag`, `registry` or `digest` or under a key named like an image
/// (not a Git or a snapshot repository).
fn looks_like_image(key: &str, map: &Node<'_>) -> bool {
    let Some(repo) = map.get("repository").and_then(Node::scalar) else {
        return false;
    };
    let imageish = key.to_ascii_lowercase().ends_with("image")
        || ["tag", "registry", "digest"]
            .iter()
            .any(|k| map.get(k).is_some());
    // An empty repository is a chart default (the global image), still set per tag.
    imageish && (repo.is_empty() || format!("{repo}:x").parse::<Reference>().is_ok())
}
