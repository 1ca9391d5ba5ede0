//! The second opinion: every edit is re-read by an independent YAML parser (libyaml, through
//! serde_yaml_ng) and must equal the original, document by document, except for the one value
//! that was meant to change.
//!
//! serde_yaml (named in the design card) is archived upstream; serde_yaml_ng is its maintained
//! fork with the same API. It shares no code with the span parser, so a span that is off by a
//! byte, a quote that opens a new scalar, or a value that re-types (`1.10` as a float) shows up
//! here as a tree that differs, and the edit is refused.

use serde::Deserialize;
use serde_yaml_ng::Value;

use super::Seg;

/// Reads every document of a stream.
fn documents(text: &str) -> Result<Vec<Value>, String> {
    // libyaml reads a BOM only from a byte stream; both texts carry the same one, so drop it.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    serde_yaml_ng::Deserializer::from_str(text)
        .map(|doc| Value::deserialize(doc).map_err(|e| e.to_string()))
        .collect()
}

fn at_path<'v>(mut value: &'v mut Value, path: &[Seg]) -> Option<&'v mut Value> {
    for seg in path {
        if let Value::Tagged(tagged) = value {
            value = &mut tagged.value;
        }
        value = match (seg, value) {
            (Seg::Key(k), Value::Mapping(m)) => m.get_mut(k.as_str())?,
            (Seg::Index(i), Value::Sequence(s)) => s.get_mut(*i)?,
            _ => return None,
        };
    }
    Some(value)
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
        .ok_or("the parsers disagree about the documents of the file")?;
    let slot = at_path(doc, path).ok_or("the second parser finds no value where the image is")?;
    let slot = match slot {
        Value::Tagged(tagged) => &mut tagged.value,
        other => other,
    };
    match slot {
        Value::String(s) if s != old => {
            return Err(format!(
                "the second parser reads the image as {s:?}, not {old:?}"
            ));
        }
        Value::String(_) | Value::Number(_) | Value::Bool(_) | Value::Null => {}
        _ => return Err("the second parser reads the image as a collection".into()),
    }
    *slot = Value::String(new.to_string());
    if expected != found {
        return Err(
            "the edited file does not read as the original with only the image changed".into(),
        );
    }
    Ok(())
}
