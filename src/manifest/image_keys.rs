//! Finding the images a file holds at key paths, for `list` and for choosing a `--key`:
//! Helm-style mappings, `image:` scalars, Argo CD's `helm.parameters` and `kustomize.images`.

use crate::reference::Reference;

use super::keypath::{image_name, override_split, KeyPath, Step};
use super::target::Holds;
use super::tree::{Node, Value};
use super::{Location, Manifest};

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

    fn walk_keys(&self, node: &Node<'_>, steps: &mut Vec<Step>, out: &mut Vec<ImageKey>) {
        if steps.len() > 64 {
            return;
        }
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
                        Value::Scalar { text, .. } => key == "image" && pinned(text),
                        _ => false,
                    };
                    if !(hit && self.add_key(steps, Holds::Auto, out)) {
                        self.walk_keys(v, steps, out);
                    }
                    steps.pop();
                }
            }
            Value::Seq(items) => self.walk_items(items, steps, out),
            _ => {}
        }
    }

    /// The items of a sequence at `steps`: Argo CD's `kustomize.images` strings and
    /// `helm.parameters` items are images themselves; other items are walked.
    fn walk_items(&self, items: &[Node<'_>], steps: &mut Vec<Step>, out: &mut Vec<ImageKey>) {
        let in_parameters = matches!(steps.last(), Some(Step::Key(k)) if k == "parameters");
        // Argo CD's `kustomize.images`: `[NAME=]REFERENCE` strings.
        let kustomize_images = steps.len() >= 2
            && matches!(&steps[steps.len() - 2..], [Step::Key(a), Step::Key(b)] if a == "kustomize" && b == "images");
        for (i, item) in items.iter().enumerate() {
            if let (true, Some(text)) = (kustomize_images, item.scalar()) {
                self.kustomize_image(items, i, text, steps, out);
                continue;
            }
            let name = item.get("name").and_then(Node::scalar);
            if let (true, Some(name)) = (in_parameters, name) {
                if (name == "image.tag" || name.ends_with(".image.tag")) && !name.contains([']']) {
                    steps.push(Step::Match {
                        key: "name".into(),
                        value: name.to_string(),
                    });
                    steps.push(Step::Key("value".into()));
                    self.add_key(steps, Holds::Tag, out);
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

    /// Item `i` (`text`) of Argo CD's `kustomize.images`, when it pins its image: named by the
    /// image when that is unique and a key path can say it (`images[isa-web]`, which survives
    /// reordering), else by index.
    fn kustomize_image(
        &self,
        items: &[Node<'_>],
        i: usize,
        text: &str,
        steps: &mut Vec<Step>,
        out: &mut Vec<ImageKey>,
    ) {
        if !pinned(override_split(text).1) {
            return;
        }
        let name = image_name(text);
        let unique = items
            .iter()
            .filter(|o| o.scalar().is_some_and(|t| image_name(t) == name))
            .count()
            == 1;
        let mut by = |step: Step, out: &mut Vec<ImageKey>| {
            steps.push(step);
            let named = self.add_key(steps, Holds::Auto, out);
            steps.pop();
            named
        };
        if !(unique && by(Step::Named(name.to_string()), out)) {
            by(Step::Index(i), out);
        }
    }

    /// The image at `steps`, added to `out` if it reads as one; false if no key path can name
    /// the place.
    fn add_key(&self, steps: &[Step], holds: Holds, out: &mut Vec<ImageKey>) -> bool {
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
    }
}

/// Whether `text` is a reference with a tag or a digest.
fn pinned(text: &str) -> bool {
    text.parse::<Reference>()
        .is_ok_and(|r| r.tag().is_some() || r.digest().is_some())
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
