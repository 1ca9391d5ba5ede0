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
    Deserialize, Deserializer, EnumAccess, MapAccess, SeqAccess, VariantAccess, Visitor,
};

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

/// Checks that `new_text` reads as `old_text` with the string at `document`/`path` changed
/// from `old` to `new`, and nothing else.
pub(crate) fn edit(
    old_text: &str,
    new_text: &str,
    document: usize,
    path: &[Seg],
    old: &str,
    new: &str,
) -> Result<(), String> {
    let mut expected = documents(old_text)
        .map_err(|e| format!("the second YAML parser cannot read the original file ({e})"))?;
    let found = documents(new_text)
        .map_err(|e| format!("the second YAML parser cannot read the edited file ({e})"))?;
    if expected.len() != found.len() {
        return Err(format!(
            "the edit changes the number of documents from {} to {}",
            expected.len(),
            found.len()
        ));
    }
    let doc = expected
        .get_mut(document)
        .ok_or("the two parsers disagree about the documents of the file")?;
    let slot =
        untag(at_path(doc, path).ok_or("the second parser finds no value where the image is")?);
    match slot {
        Tree::Str(s) if s != old => {
            return Err(format!(
                "the second parser reads the image as {s:?}, not {old:?}"
            ))
        }
        Tree::Seq(_) | Tree::Map(_) => {
            return Err("the second parser reads the image as a collection".into())
        }
        _ => {}
    }
    *slot = Tree::Str(new.to_string());
    if expected != found {
        return Err(
            "the edited file does not read as the original with only the image changed".into(),
        );
    }
    Ok(())
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
