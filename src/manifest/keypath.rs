//! Key paths: `image`, `spec.source.helm.parameters[name=image.tag].value`, `a.b[0].c`.
//!
//! Dots separate keys, `[N]` indexes a sequence, `[KEY=VALUE]` picks the one item of a
//! sequence whose `KEY` reads `VALUE` (the value runs to the `]`, dots and all), and `[NAME]`
//! picks the one string item of a list of images that names the image `NAME`: Argo CD's
//! `kustomize.images`, where an item reads `NAME=REFERENCE` or a reference (whose name is the
//! reference without its tag and digest). A leading `.`
//! (as yq writes paths) is allowed. Keys are compared with the scalar keys of the file as
//! YAML reads them.

use std::borrow::Cow;
use std::fmt;

use crate::reference::shown;

use super::tree::{Node, Value};
use super::Seg;

/// One step of a [`KeyPath`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// A mapping's key.
    Key(String),
    /// A sequence's item by 0-based index.
    Index(usize),
    /// The one item of a sequence whose `key` reads `value`.
    Match {
        /// The key inside each item.
        key: String,
        /// The value it must read.
        value: String,
    },
    /// The one string item of a sequence of images that names the image `NAME`.
    Named(String),
}

/// A string in kustomize's and Argo CD's override form, `NAME=REFERENCE` (an Argo CD
/// Application's `spec.source.kustomize.images` items, `kustomize edit set image`'s argument):
/// `NAME=` (which image of the manifests is overridden) and the reference. `=` is in no image
/// reference, so a value with one is in this form; the prefix is empty for a plain reference.
pub(crate) fn override_split(value: &str) -> (&str, &str) {
    match value.find('=') {
        Some(i) if i > 0 => value.split_at(i + 1),
        _ => ("", value),
    }
}

/// The image a string item of a list of images names: `NAME` in the override form
/// `NAME=REFERENCE`, else the reference without its digest and tag (a `:` after the last `/`
/// starts the tag, as Docker reads it).
pub(crate) fn image_name(item: &str) -> &str {
    if let Some(name) = override_split(item).0.strip_suffix('=') {
        return name;
    }
    let item = item.split_once('@').map_or(item, |(n, _)| n);
    match item.rfind(':') {
        Some(i) if !item[i..].contains('/') => &item[..i],
        _ => item,
    }
}

/// A parsed key path; see the module documentation for the syntax.
///
/// ```
/// use imgbump::manifest::{KeyPath, Step};
/// let p: KeyPath = "spec.source.helm.parameters[name=image.tag].value".parse().unwrap();
/// assert_eq!(p.steps()[4], Step::Match { key: "name".into(), value: "image.tag".into() });
/// assert_eq!(p.to_string(), "spec.source.helm.parameters[name=image.tag].value");
/// assert!("a..b".parse::<KeyPath>().is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyPath {
    steps: Vec<Step>,
}

impl KeyPath {
    /// The steps, from the document's root.
    pub fn steps(&self) -> &[Step] {
        &self.steps
    }

    /// A path of `steps`, if it is not empty and prints as a path that reads back the same.
    pub fn from_steps(steps: Vec<Step>) -> Option<KeyPath> {
        let path = KeyPath { steps };
        (!path.steps.is_empty() && path.to_string().parse::<KeyPath>().ok() == Some(path.clone()))
            .then_some(path)
    }
}

impl std::str::FromStr for KeyPath {
    type Err = String;
    fn from_str(input: &str) -> Result<Self, String> {
        let bad = |why: &str| {
            Err(format!(
                "invalid key path {}: {why} (write keys with dots between them, `[N]` for an index, `[KEY=VALUE]` for the item whose KEY is VALUE: `spec.source.helm.parameters[name=image.tag].value`, `[NAME]` for the item of a list of image strings naming the image NAME)",
                shown(input)
            ))
        };
        if input.len() > 1024 {
            return bad("it is longer than 1024 bytes");
        }
        if input.chars().any(char::is_control) {
            return bad("it holds a control character");
        }
        let mut steps = Vec::new();
        let mut rest = input.strip_prefix('.').unwrap_or(input);
        if rest.is_empty() {
            return bad("it is empty");
        }
        let mut after_bracket = false;
        while !rest.is_empty() {
            if let Some(inner) = rest.strip_prefix('[') {
                let Some(close) = inner.find(']') else {
                    return bad("a `[` is not closed");
                };
                let body = &inner[..close];
                rest = &inner[close + 1..];
                let step = match body.split_once('=') {
                    Some((k, v)) if !k.is_empty() && !v.is_empty() => Step::Match {
                        key: k.to_string(),
                        value: v.to_string(),
                    },
                    Some(_) => return bad("`[KEY=VALUE]` needs both a key and a value"),
                    None if body.is_empty() => return bad("`[]` is empty"),
                    None => match body.parse::<usize>() {
                        Ok(i) => Step::Index(i),
                        Err(_) => Step::Named(body.to_string()),
                    },
                };
                steps.push(step);
                after_bracket = true;
                continue;
            }
            if after_bracket {
                rest = match rest.strip_prefix('.') {
                    Some(r) if !r.is_empty() && !r.starts_with('[') => r,
                    _ => return bad("a `]` must be followed by `.KEY`, `[` or the end"),
                };
            }
            let end = rest.find(['.', '[']).unwrap_or(rest.len());
            let key = &rest[..end];
            if key.is_empty() || key.contains(']') {
                return bad("a key is empty");
            }
            steps.push(Step::Key(key.to_string()));
            rest = &rest[end..];
            if let Some(r) = rest.strip_prefix('.') {
                if r.is_empty() || r.starts_with('.') || r.starts_with('[') {
                    return bad("a key is empty");
                }
                rest = r;
            }
            after_bracket = false;
        }
        Ok(KeyPath { steps })
    }
}

impl fmt::Display for KeyPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, step) in self.steps.iter().enumerate() {
            match step {
                Step::Key(k) if i == 0 => f.write_str(k)?,
                Step::Key(k) => write!(f, ".{k}")?,
                Step::Index(n) => write!(f, "[{n}]")?,
                Step::Match { key, value } => write!(f, "[{key}={value}]")?,
                Step::Named(name) => write!(f, "[{name}]")?,
            }
        }
        Ok(())
    }
}

/// How far a path got in one document.
pub(crate) enum Resolved<'n, 't> {
    /// The whole path: the node, the key node it is the value of (if any), and its concrete path.
    Found {
        node: &'n Node<'t>,
        key: Option<&'n Node<'t>>,
        path: Vec<Seg>,
    },
    /// All but the last step, which is a key the mapping `parent` lacks.
    LastKeyMissing {
        parent: &'n Node<'t>,
        path: Vec<Seg>,
    },
    /// It stops earlier: why, and the offset of the last node reached.
    Missing { why: String, at: usize },
    /// A `[KEY=VALUE]` step matches more than one item.
    Ambiguous { why: String, at: usize },
}

impl KeyPath {
    /// Follows the path from `root`.
    pub(crate) fn resolve<'n, 't>(&self, root: &'n Node<'t>) -> Resolved<'n, 't> {
        let mut node = root;
        let mut key_node = None;
        let mut path = Vec::with_capacity(self.steps.len());
        for (i, step) in self.steps.iter().enumerate() {
            let last = i + 1 == self.steps.len();
            let so_far = || KeyPath {
                steps: self.steps[..i].to_vec(),
            };
            match (step, &node.value) {
                (Step::Key(k), Value::Map(_)) => match node.entry(k) {
                    Some((kn, v)) => {
                        key_node = Some(kn);
                        node = v;
                        path.push(Seg::Key(Cow::Owned(k.clone())));
                    }
                    None if last => return Resolved::LastKeyMissing { parent: node, path },
                    None => {
                        return Resolved::Missing {
                            why: format!("no key {} at {}", shown(k), place(&so_far())),
                            at: node.span.start,
                        }
                    }
                },
                (Step::Index(n), Value::Seq(items)) => match items.get(*n) {
                    Some(item) => {
                        key_node = None;
                        node = item;
                        path.push(Seg::Index(*n));
                    }
                    None => {
                        return Resolved::Missing {
                            why: format!(
                                "{} has {} items, no [{n}]",
                                place(&so_far()),
                                items.len()
                            ),
                            at: node.span.start,
                        }
                    }
                },
                (Step::Match { key, value }, Value::Seq(items)) => {
                    let hits = items
                        .iter()
                        .enumerate()
                        .filter(|(_, i)| i.get(key).and_then(Node::scalar) == Some(value.as_str()))
                        .collect();
                    let asks = format!("{} = {}", shown(key), shown(value));
                    match one(hits, &asks, ["has", "have"], &so_far(), node.span.start) {
                        Ok((n, item)) => {
                            (key_node, node) = (None, item);
                            path.push(Seg::Index(n));
                        }
                        Err(why) => return why,
                    }
                }
                (Step::Named(name), Value::Seq(items)) => {
                    let hits = items
                        .iter()
                        .enumerate()
                        .filter(|(_, i)| i.scalar().is_some_and(|t| image_name(t) == name))
                        .collect();
                    let asks = format!("the image {}", shown(name));
                    match one(hits, &asks, ["names", "name"], &so_far(), node.span.start) {
                        Ok((n, item)) => {
                            (key_node, node) = (None, item);
                            path.push(Seg::Index(n));
                        }
                        Err(why) => return why,
                    }
                }
                (step, _) => {
                    let want = match step {
                        Step::Key(_) => "a mapping",
                        _ => "a sequence",
                    };
                    return Resolved::Missing {
                        why: format!("{} is not {want}", place(&so_far())),
                        at: node.span.start,
                    };
                }
            }
        }
        Resolved::Found {
            node,
            key: key_node,
            path,
        }
    }
}

/// The one item of `hits` (the items of the sequence at `of` that a `[…]` step picks), or why
/// there is none or several: `asks` is what the step asked for, `verbs` its verb for one item
/// and for several.
fn one<'n, 't>(
    hits: Vec<(usize, &'n Node<'t>)>,
    asks: &str,
    verbs: [&str; 2],
    of: &KeyPath,
    at: usize,
) -> Result<(usize, &'n Node<'t>), Resolved<'n, 't>> {
    match hits.as_slice() {
        [(n, item)] => Ok((*n, *item)),
        [] => Err(Resolved::Missing {
            why: format!("no item of {} {} {asks}", place(of), verbs[0]),
            at,
        }),
        many => Err(Resolved::Ambiguous {
            why: format!("{} items of {} {} {asks}", many.len(), place(of), verbs[1]),
            at,
        }),
    }
}

fn place(p: &KeyPath) -> String {
    if p.steps.is_empty() {
        "the document's root".to_string()
    } else {
        format!("`{p}`")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_parse_and_print_back() {
        for p in [
            "image",
            "image.tag",
            "a[0].b",
            "spec.source.helm.parameters[name=image.tag].value",
            "a[k=v][2]",
            "x.y[0][1].z",
            "spec.source.kustomize.images[isa-web]",
            "images[ghcr.io/acme/web]",
        ] {
            assert_eq!(p.parse::<KeyPath>().unwrap().to_string(), p);
        }
        assert_eq!(
            ".image.tag".parse::<KeyPath>().unwrap().to_string(),
            "image.tag"
        );
        for bad in [
            "", ".", "a.", "a..b", "[", "a[", "a[]", "a[=v]", "a[k=]", "a]b", "a[0]b", "a\nb",
            "a.[0]",
        ] {
            assert!(bad.parse::<KeyPath>().is_err(), "{bad:?}");
        }
    }

    #[test]
    fn images_are_named_as_argo_cd_and_docker_name_them() {
        assert_eq!(image_name("isa-web=ghcr.io/acme/web:1.0"), "isa-web");
        assert_eq!(image_name("ghcr.io/acme/web:1.0"), "ghcr.io/acme/web");
        assert_eq!(image_name("localhost:5000/web:1"), "localhost:5000/web");
        assert_eq!(image_name("localhost:5000/web"), "localhost:5000/web");
        assert_eq!(image_name("web@sha256:abc"), "web");
        assert_eq!(image_name("web:1@sha256:abc"), "web");
        let text = "images:\n  - isa-web=ghcr.io/acme/web:1.0\n  - ghcr.io/acme/api:2\n  - api:3\n  - ghcr.io/acme/api@sha256:0\n";
        let Ok(docs) = crate::manifest::tree::parse(text) else {
            panic!("parse")
        };
        let root = docs[0].root.as_ref().unwrap();
        let at = |p: &str| match p.parse::<KeyPath>().unwrap().resolve(root) {
            Resolved::Found { path, .. } => format!("{:?}", path.last()),
            Resolved::Missing { why, .. } => format!("missing: {why}"),
            Resolved::Ambiguous { why, .. } => format!("ambiguous: {why}"),
            Resolved::LastKeyMissing { .. } => "last key missing".into(),
        };
        assert_eq!(at("images[isa-web]"), "Some(Index(0))");
        assert_eq!(at("images[api]"), "Some(Index(2))");
        assert!(at("images[ghcr.io/acme/api]").starts_with("ambiguous: 2 items"));
        assert!(at("images[web]").starts_with("missing: no item of `images` names"));
    }
}
