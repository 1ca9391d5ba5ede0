//! Where a file holds a service's image, and one entry point for every kind: a workload's
//! container (`workload.rs`), a kustomization's `images:` entry (`kustomize.rs`), or the value
//! at a key path, such as Helm values' `image:` mapping or an Argo CD parameter (`values.rs`).
//! Each kind locates its scalars, then the same splice-and-verify path edits them
//! (`splice.rs`).

use crate::hold::Hold;
use crate::reference::ImageSpec;

use super::keypath::KeyPath;
use super::{EditError, Location, Manifest, Target};

/// What a key path's value holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Holds {
    /// A mapping holds the reference in parts (`registry`, `repository`, `tag`, `digest`); a
    /// scalar holds a whole reference.
    #[default]
    Auto,
    /// A scalar holding a whole reference.
    Reference,
    /// A scalar holding only the tag.
    Tag,
    /// A scalar holding only the digest.
    Digest,
}

/// Where in a file the image of a service is.
#[derive(Debug, Clone, Copy)]
pub enum Locator<'a> {
    /// A container's `image` in a workload.
    Workload(Target<'a>),
    /// An entry of a kustomization's `images:`, by its `name` (default: the entry whose
    /// repository is the new image's, or whose name ends in `/SERVICE`).
    Kustomize {
        /// The service, for the default choice.
        service: &'a str,
        /// `--image-name`.
        image_name: Option<&'a str>,
    },
    /// The value at a key path.
    Key {
        /// The path.
        path: &'a KeyPath,
        /// What the value holds.
        holds: Holds,
    },
}

/// How an edit may change the file beyond rewriting scalars in place.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SetOptions {
    /// Add a missing `images:` entry or key (else refused, showing the lines it would add).
    pub create: bool,
    /// Remove (kustomize) or empty (a Helm `digest`) a digest the new reference lacks, which
    /// would otherwise win over the new tag.
    pub drop_digest: bool,
}

/// The image a target holds, where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Held {
    /// What the target is: `Deployment/agent container agent`, `images[name=isa-web]`,
    /// `image (repository, tag)`, `spec…value (tag)`.
    pub target: String,
    /// The workload (`Kind/name`) for a container image, else empty.
    pub workload: String,
    /// The container for a container image, else empty.
    pub container: String,
    /// Where the image (or its first part) is.
    pub location: Location,
    /// The image as the target holds it: a reference, or `:TAG` / `@DIGEST` for a target that
    /// holds only that part.
    pub image: String,
    /// The hold on the target, if a `# imgbump:hold` line stands above one of its keys (the
    /// nearest, when several do; expired or not).
    pub hold: Option<Hold>,
    /// Where the keys of the target start whose lines a hold may stand above; a new hold goes
    /// above the first. Empty for a target an edit would add.
    pub(crate) keys: Vec<usize>,
}

/// The result of an edit, whatever the target kind ([`Manifest::set`], [`Manifest::set_image`],
/// [`Manifest::set_field`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edit {
    /// The target and its image before.
    pub held: Held,
    /// The image after, in the same form as [`Held::image`].
    pub new: String,
    /// The whole new text (the input when nothing changed).
    pub text: String,
    /// Whether `text` differs from the input.
    pub changed: bool,
}

impl Manifest<'_> {
    /// The image `locator` names, and the hold on it.
    pub fn get(&self, locator: &Locator<'_>) -> Result<Held, EditError> {
        let held = match locator {
            Locator::Workload(target) => held_of(self.select(target)?),
            Locator::Kustomize {
                service,
                image_name,
            } => self.kustomize_get(service, *image_name)?,
            Locator::Key { path, holds } => self.key_get(path, *holds)?,
        };
        Ok(self.with_hold(held))
    }

    /// Sets the image `locator` names to `spec`, and verifies the result: only the bytes of
    /// the scalars that change are rewritten (and, with [`SetOptions::create`], the lines
    /// added).
    pub fn set(
        &self,
        locator: &Locator<'_>,
        spec: &ImageSpec,
        opts: &SetOptions,
    ) -> Result<Edit, EditError> {
        let mut edit = match locator {
            Locator::Workload(target) => self.set_image(target, spec),
            Locator::Kustomize {
                service,
                image_name,
            } => self.kustomize_set(service, *image_name, spec, opts),
            Locator::Key { path, holds } => self.key_set(path, *holds, spec, opts),
        }?;
        edit.held = self.with_hold(edit.held);
        Ok(edit)
    }

    /// Whether this is a kustomization: named so (`kustomization.yaml`, `.yml`,
    /// `Kustomization`), or a document of `kind: Kustomization` or `Component`.
    pub fn is_kustomization(&self, file_name: &str) -> bool {
        matches!(
            file_name,
            "kustomization.yaml" | "kustomization.yml" | "Kustomization"
        ) || self.kustomization_doc().is_some()
    }

    /// The outcome of a set whose scalars are already right, or the new text.
    pub(super) fn finish(
        &self,
        held: Held,
        new: String,
        ops: &[super::splice::Op],
    ) -> Result<Edit, EditError> {
        match self.apply(ops)? {
            Some(text) => Ok(Edit {
                changed: text != self.text,
                held,
                new,
                text,
            }),
            None => Ok(Edit {
                held,
                new,
                text: self.text.to_string(),
                changed: false,
            }),
        }
    }
}

pub(super) fn held_of(f: &super::ImageField) -> Held {
    Held {
        target: format!("{} container {}", f.workload_id(), f.container),
        workload: f.workload_id(),
        container: f.container.clone(),
        location: f.location,
        image: f.value.clone(),
        hold: None,
        keys: vec![f.key_at],
    }
}
