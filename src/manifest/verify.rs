//! The second opinion: every edit is re-read by an independent YAML parser (libyaml, through
//! serde_yaml_ng) and must equal the original, document by document, except for the one value
//! that was meant to change.
//!
//! serde_yaml (named in the design card) is archived upstream; serde_yaml_ng is its maintained
//! fork with the same API. It shares no code with the span parser, so a span that is off by a
//! byte, a quote that opens a new scalar, or a value that re-types (`1.10` as a float) shows up
//! here as a tree that differs, and the edit is refused.
//!
//! The documents are read into [`Tree`], not `serde_yaml_ng::Value`: mappings keep their order
//! and any repeated key (which `Value` rejects), floats compare by bits (so `.nan` equals
//! itself), and tags are kept. libyaml expands aliases under serde_yaml_ng's repetition limit,
//! so an alias bomb is refused, not expanded.

use std::fmt;

use serde::de::{
    self, Deserialize, DeserializeSeed, Deserializer, EnumAccess, IgnoredAny, MapAccess, SeqAccess,
    VariantAccess, Visitor,
};

use super::tree::{Node, Style, Value};
use super::Seg;

/// A YAML node as the second parser reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Tree {
    Null,
    Bool(bool),
    Int(i128),
    Float(u64),
    Str(String),
    Seq(Vec<Tree>),
    Map(Vec<(Tree, Tree)>),
    Tagged(String, Box<Tree>),
}

struct TreeVisitor;

impl<'de> Visitor<'de> for TreeVisitor {
    type Value = Tree;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any YAML node")
    }
    fn visit_unit<E>(self) -> Result<Tree, E> {
        Ok(Tree::Null)
    }
    fn visit_none<E>(self) -> Result<Tree, E> {
        Ok(Tree::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Tree, D::Error> {
        Tree::deserialize(d)
    }
    fn visit_bool<E>(self, v: bool) -> Result<Tree, E> {
        Ok(Tree::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Tree, E> {
        Ok(Tree::Int(v.into()))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Tree, E> {
        Ok(Tree::Int(v.into()))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Tree, E> {
        Ok(Tree::Float(v.to_bits()))
    }
    fn visit_str<E>(self, v: &str) -> Result<Tree, E> {
        Ok(Tree::Str(v.to_string()))
    }
    fn visit_string<E>(self, v: String) -> Result<Tree, E> {
        Ok(Tree::Str(v))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Tree, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(Tree::Seq(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Tree, A::Error> {
        let mut entries = Vec::new();
        while let Some(entry) = map.next_entry()? {
            entries.push(entry);
        }
        Ok(Tree::Map(entries))
    }
    fn visit_enum<A: EnumAccess<'de>>(self, data: A) -> Result<Tree, A::Error> {
        // serde_yaml_ng presents a node with a non-core tag as an enum named by the tag.
        let (tag, variant): (String, _) = data.variant()?;
        Ok(Tree::Tagged(tag, Box::new(variant.newtype_variant()?)))
    }
}

impl<'de> Deserialize<'de> for Tree {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Tree, D::Error> {
        d.deserialize_any(TreeVisitor)
    }
}

/// Reads every document of a stream.
pub(crate) fn documents(text: &str) -> Result<Vec<Tree>, String> {
    // libyaml reads a BOM only from a byte stream; both texts carry the same one, so drop it.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    serde_yaml_ng::Deserializer::from_str(text)
        .map(|doc| Tree::deserialize(doc).map_err(|e: serde_yaml_ng::Error| e.to_string()))
        .collect()
}

fn untag(mut tree: &mut Tree) -> &mut Tree {
    while let Tree::Tagged(_, inner) = tree {
        tree = inner;
    }
    tree
}

fn at_path<'v>(mut tree: &'v mut Tree, path: &[Seg]) -> Option<&'v mut Tree> {
    for seg in path {
        tree = match (seg, untag(tree)) {
            (Seg::Key(k), Tree::Map(entries)) => entries
                .iter_mut()
                .find(|(key, _)| matches!(key, Tree::Str(s) if s == k))
                .map(|(_, v)| v)?,
            (Seg::Index(i), Tree::Seq(items)) => items.get_mut(*i)?,
            _ => return None,
        };
    }
    Some(tree)
}

/// One change an edit is meant to make to a document, as the second parser should see it.
#[derive(Debug, Clone)]
pub(crate) enum Expected {
    /// The scalar at `path` reads `old` (or is a number, boolean or null) and becomes the
    /// string `new`.
    Set {
        path: Vec<Seg>,
        old: String,
        new: String,
    },
    /// The mapping at `path` gains `key` (last) with `value`.
    Insert {
        path: Vec<Seg>,
        key: String,
        value: Tree,
    },
    /// The mapping at `path` loses `key`.
    Remove { path: Vec<Seg>, key: String },
    /// The sequence at `path` gains `value` at its end.
    Push { path: Vec<Seg>, value: Tree },
    /// Nothing reads differently: a comment line added or removed.
    Same,
}

/// Why the second parser did not confirm an edit, and whose doing that is.
#[derive(Debug)]
pub(crate) struct Doubt {
    pub why: String,
    /// The file goes past what the second parser will expand (an alias bomb, or nesting too
    /// deep): the file's doing, not a fault of imgbump's to report.
    pub past_limits: bool,
}

impl From<String> for Doubt {
    fn from(why: String) -> Doubt {
        Doubt {
            why,
            past_limits: false,
        }
    }
}

impl From<&str> for Doubt {
    fn from(why: &str) -> Doubt {
        Doubt::from(why.to_string())
    }
}

impl Doubt {
    /// The refusal of the edit, at `at`.
    pub(crate) fn refusal(self, at: super::Location) -> super::EditError {
        let help = if self.past_limits {
            "the file was not changed; imgbump edits only what it can check: change it by hand."
        } else {
            "the file was not changed; please report this file to the imgbump maintainers."
        };
        super::EditError::new(
            super::EditErrorKind::Unsafe,
            format!("refusing the edit: {}", self.why),
        )
        .at(at)
        .help(help)
    }
}

/// Checks that `new_text` reads as `old_text` with exactly `changes` made to document
/// `document`, and nothing else.
pub(crate) fn edits(
    old_text: &str,
    new_text: &str,
    document: usize,
    changes: &[Expected],
) -> Result<(), Doubt> {
    // serde_yaml_ng stops at its repetition and recursion limits with "… limit exceeded".
    let mut expected = documents(old_text).map_err(|e| match e.contains("limit exceeded") {
        true => Doubt {
            why: format!("the document's aliases or nesting go past what the second YAML parser will expand ({e}): an alias bomb, or a file too deep to check"),
            past_limits: true,
        },
        false => format!("the second YAML parser cannot read the original file ({e})").into(),
    })?;
    let found = documents(new_text)
        .map_err(|e| format!("the second YAML parser cannot read the edited file ({e})"))?;
    if expected.len() != found.len() {
        return Err(format!(
            "the edit changes the number of documents from {} to {}",
            expected.len(),
            found.len()
        )
        .into());
    }
    let doc = expected
        .get_mut(document)
        .ok_or("the two parsers disagree about the documents of the file")?;
    for change in changes {
        apply(doc, change)?;
    }
    if expected != found {
        return Err(
            "the edited file does not read as the original with only the intended values changed"
                .into(),
        );
    }
    Ok(())
}

fn at<'v>(doc: &'v mut Tree, path: &[Seg]) -> Result<&'v mut Tree, String> {
    Ok(untag(at_path(doc, path).ok_or_else(|| {
        format!("the second parser finds no value at {}", shown_path(path))
    })?))
}

fn apply(doc: &mut Tree, change: &Expected) -> Result<(), String> {
    match change {
        Expected::Set { path, old, new } => {
            let slot = at(doc, path)?;
            match slot {
                Tree::Str(s) if s != old => {
                    return Err(format!(
                        "the second parser reads {} as {s:?}, not {old:?}",
                        shown_path(path)
                    ))
                }
                Tree::Seq(_) | Tree::Map(_) => {
                    return Err(format!(
                        "the second parser reads {} as a collection",
                        shown_path(path)
                    ))
                }
                _ => {}
            }
            *slot = Tree::Str(new.clone());
        }
        Expected::Insert { path, key, value } => match at(doc, path)? {
            Tree::Map(entries)
                if !entries
                    .iter()
                    .any(|(k, _)| matches!(k, Tree::Str(s) if s == key)) =>
            {
                entries.push((Tree::Str(key.clone()), value.clone()));
            }
            _ => {
                return Err(format!(
                    "the second parser finds no mapping without {key:?} at {}",
                    shown_path(path)
                ))
            }
        },
        Expected::Remove { path, key } => match at(doc, path)? {
            Tree::Map(entries) => {
                let before = entries.len();
                entries.retain(|(k, _)| !matches!(k, Tree::Str(s) if s == key));
                if entries.len() + 1 != before {
                    return Err(format!(
                        "the second parser finds no single {key:?} at {}",
                        shown_path(path)
                    ));
                }
            }
            _ => {
                return Err(format!(
                    "the second parser finds no mapping at {}",
                    shown_path(path)
                ))
            }
        },
        Expected::Same => {}
        Expected::Push { path, value } => match at(doc, path)? {
            Tree::Seq(items) => items.push(value.clone()),
            _ => {
                return Err(format!(
                    "the second parser finds no sequence at {}",
                    shown_path(path)
                ))
            }
        },
    }
    Ok(())
}

/// A path as `a.b[0].c`, for messages.
pub(crate) fn shown_path(path: &[Seg]) -> String {
    let mut out = String::new();
    for seg in path {
        if matches!(seg, Seg::Key(_)) && !out.is_empty() {
            out.push('.');
        }
        out.push_str(&seg.to_string());
    }
    if out.is_empty() {
        out.push_str("the document's root");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_keys_tags_and_nan_are_read() {
        let docs = documents("a: 1\na: 1\nb: !x {c: .nan}\n---\n").unwrap();
        assert_eq!(docs.len(), 2);
        assert_eq!(
            docs[0],
            documents("a: 1\na: 1\nb: !x {c: .nan}\n").unwrap()[0]
        );
        let Tree::Map(entries) = &docs[0] else {
            panic!("{docs:?}")
        };
        assert_eq!(entries.len(), 3);
        assert!(
            matches!(&entries[2].1, Tree::Tagged(t, _) if t == "x"),
            "{entries:?}"
        );
    }
}

/// Reads `new_doc` (one document) with libyaml and checks it against `old`, the span parser's
/// tree of the document before the edit: the same structure, the same scalars, and at `path`
/// the string `new`. Only for documents without anchors, aliases or tags.
pub(crate) fn against_tree(
    new_doc: &str,
    old: &Node<'_>,
    sets: &[(&[Seg], &str)],
) -> Result<(), String> {
    let text = new_doc.strip_prefix('\u{feff}').unwrap_or(new_doc);
    let mut docs = serde_yaml_ng::Deserializer::from_str(text);
    let first = docs.next().ok_or("the edited document is empty")?;
    Expect {
        node: old,
        targets: sets.to_vec(),
    }
    .deserialize(first)
    .map_err(|e| e.to_string())?;
    if docs.next().is_some() {
        return Err("the edited text holds more than one document".into());
    }
    Ok(())
}

/// A node we expect to read, and the rest of the path of each edit at or below it.
struct Expect<'a, 't> {
    node: &'a Node<'t>,
    targets: Vec<(&'a [Seg], &'a str)>,
}

impl<'a, 't> Expect<'a, 't> {
    /// The expectation for a child reached by `step` (a key or an index).
    fn child(&self, node: &'a Node<'t>, step: Result<&str, usize>) -> Expect<'a, 't> {
        let targets = self
            .targets
            .iter()
            .filter_map(|&(path, new)| match (path.first(), step) {
                (Some(Seg::Key(k)), Ok(key)) if *k == key => Some((&path[1..], new)),
                (Some(Seg::Index(i)), Err(index)) if *i == index => Some((&path[1..], new)),
                _ => None,
            })
            .collect();
        Expect { node, targets }
    }

    /// The new value, if this node is the end of an edit's path.
    fn new_value(&self) -> Option<&'a str> {
        self.targets
            .iter()
            .find(|(path, _)| path.is_empty())
            .map(|&(_, new)| new)
    }

    /// The old node's text when it is a plain scalar that is not the edited one.
    fn plain(&self) -> Option<&str> {
        match &self.node.value {
            Value::Scalar {
                text,
                style: Style::Plain,
            } if self.targets.is_empty() => Some(text),
            _ => None,
        }
    }

    fn mismatch<E: de::Error>(&self, what: impl fmt::Display) -> E {
        E::custom(format_args!(
            "the edited document reads {what} where the original has another value (byte {})",
            self.node.span.start
        ))
    }
}

impl<'de> DeserializeSeed<'de> for Expect<'_, '_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

fn parse_int(text: &str) -> Option<i128> {
    let (neg, digits) = match text.as_bytes().first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    };
    let v = if let Some(h) = digits.strip_prefix("0x") {
        i128::from_str_radix(h, 16).ok()?
    } else if let Some(o) = digits.strip_prefix("0o") {
        i128::from_str_radix(o, 8).ok()?
    } else if let Some(b) = digits.strip_prefix("0b") {
        i128::from_str_radix(b, 2).ok()?
    } else {
        digits.parse::<i128>().ok()?
    };
    Some(if neg { -v } else { v })
}

fn parse_float(text: &str) -> Option<f64> {
    match text.trim_start_matches('+') {
        ".inf" | ".Inf" | ".INF" => Some(f64::INFINITY),
        "-.inf" | "-.Inf" | "-.INF" => Some(f64::NEG_INFINITY),
        ".nan" | ".NaN" | ".NAN" => Some(f64::NAN),
        t => t.parse().ok(),
    }
}

impl<'de> Visitor<'de> for Expect<'_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the original document")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<(), E> {
        let ok = match (self.new_value(), &self.node.value) {
            (Some(new), _) => v == new,
            (None, Value::Scalar { text, .. }) => self.targets.is_empty() && v == text,
            _ => false,
        };
        if ok {
            Ok(())
        } else {
            Err(self.mismatch(format_args!("the string {v:?}")))
        }
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<(), E> {
        self.visit_str(&v)
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<(), E> {
        match self.plain() {
            Some(t) if t.eq_ignore_ascii_case(if v { "true" } else { "false" }) => Ok(()),
            _ => Err(self.mismatch(v)),
        }
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<(), E> {
        match self.plain().and_then(parse_int) {
            Some(n) if n == i128::from(v) => Ok(()),
            _ => Err(self.mismatch(v)),
        }
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<(), E> {
        match self.plain().and_then(parse_int) {
            Some(n) if n == i128::from(v) => Ok(()),
            _ => Err(self.mismatch(v)),
        }
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<(), E> {
        match self.plain().and_then(parse_float) {
            Some(x) if x == v || (x.is_nan() && v.is_nan()) => Ok(()),
            _ => Err(self.mismatch(v)),
        }
    }
    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        match self.plain() {
            Some("" | "~" | "null" | "Null" | "NULL") => Ok(()),
            _ => Err(self.mismatch("null")),
        }
    }
    fn visit_none<E: de::Error>(self) -> Result<(), E> {
        self.visit_unit()
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let Value::Seq(items) = &self.node.value else {
            return Err(self.mismatch("a sequence"));
        };
        for (i, item) in items.iter().enumerate() {
            if seq.next_element_seed(self.child(item, Err(i)))?.is_none() {
                return Err(self.mismatch("a shorter sequence"));
            }
        }
        match seq.next_element::<IgnoredAny>()? {
            None => Ok(()),
            Some(_) => Err(self.mismatch("a longer sequence")),
        }
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let Value::Map(entries) = &self.node.value else {
            return Err(self.mismatch("a mapping"));
        };
        // A path follows the first entry with its key, as the walkers did.
        let mut matched: Vec<&str> = Vec::new();
        for (k, v) in entries {
            if map
                .next_key_seed(Expect {
                    node: k,
                    targets: Vec::new(),
                })?
                .is_none()
            {
                return Err(self.mismatch("a shorter mapping"));
            }
            let child = match k.scalar() {
                Some(name) if !matched.contains(&name) => {
                    let child = self.child(v, Ok(name));
                    if !child.targets.is_empty() {
                        matched.push(name);
                    }
                    child
                }
                _ => Expect {
                    node: v,
                    targets: Vec::new(),
                },
            };
            map.next_value_seed(child)?;
        }
        match map.next_key::<IgnoredAny>()? {
            None => Ok(()),
            Some(_) => Err(self.mismatch("a longer mapping")),
        }
    }
    fn visit_enum<A: EnumAccess<'de>>(self, _: A) -> Result<(), A::Error> {
        Err(self.mismatch("a tagged node"))
    }
}

#[cfg(test)]
mod fast_tests {
    use super::*;
    use crate::manifest::tree;

    fn check(old: &str, new: &str, path: &[Seg], value: &str) -> Result<(), String> {
        let docs = tree::parse(old).map_err(|_| "old does not parse".to_string())?;
        against_tree(new, docs[0].root.as_ref().unwrap(), &[(path, value)])
    }

    #[test]
    fn the_fast_path_confirms_only_the_one_change() {
        let path = [Seg::key("spec"), Seg::Index(1), Seg::key("image")];
        let old = "n: 1\nf: 1.5\nb: true\nz: ~\nx: 0x1f\nspec:\n- {image: a}\n- {image: 'b:1', port: 80}\n";
        let good = old.replace("'b:1'", "'c:2'");
        assert_eq!(check(old, &good, &path, "c:2"), Ok(()));
        // The image reads otherwise, or something else changed: not confirmed.
        assert!(check(old, &good, &path, "c:3").is_err());
        assert!(check(old, &old.replace("'b:1'", "1.10"), &path, "1.10").is_err());
        assert!(check(old, &good.replace("port: 80", "port: 81"), &path, "c:2").is_err());
        assert!(check(old, &good.replace("n: 1\n", "n: 1\nm: 2\n"), &path, "c:2").is_err());
        assert!(check(old, &good.replace("- {image: a}\n", ""), &path, "c:2").is_err());
        assert!(check(old, &format!("{good}---\nx: 1\n"), &path, "c:2").is_err());
    }
}
