//! Holds in a manifest: the `# imgbump:hold …` comment lines directly above the keys of a
//! target, read, added and removed. Adding one inserts a single line, indented like the key,
//! with the file's line break; removing them deletes exactly those lines, so a hold and its
//! release give back the original bytes. Both are verified like every edit: the second parser
//! must read the same data, and the span parser must find the target's image unchanged and the
//! hold present (or gone).

use std::ops::Range;

use crate::hold::Hold;

use super::slot::{indent_of, line_break};
use super::splice::Op;
use super::target::{Edit, Held, Locator};
use super::tree::{Node, Value};
use super::{verify, EditError, EditErrorKind, Location, Manifest};

/// One hold line of a manifest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct HoldLine {
    /// What it says.
    pub hold: Hold,
    /// The whole line, its line break included.
    pub range: Range<usize>,
}

/// The keys of a target a hold may stand above: the target's own key (`image:`, `tag:`), then
/// the keys in `parts` that `node` (a mapping) has, in file order, then the others in `also`.
/// A value without a key (an item of a list) stands for itself.
pub(crate) fn hold_keys(
    key: Option<&Node<'_>>,
    node: &Node<'_>,
    parts: &[&str],
    also: &[&str],
) -> Vec<usize> {
    let mut keys: Vec<usize> = key.map(|k| k.span.start).into_iter().collect();
    let starts = |names: &[&str]| {
        let mut found: Vec<usize> = names
            .iter()
            .filter_map(|n| node.entry(n).map(|(k, _)| k.span.start))
            .collect();
        found.sort_unstable();
        found
    };
    if matches!(node.value, Value::Map(_)) {
        keys.extend(starts(parts));
        keys.extend(starts(also));
    }
    if keys.is_empty() {
        keys.push(node.span.start);
    }
    keys
}

impl Manifest<'_> {
    /// Where the line holding `offset` starts (after a byte order mark on the first line).
    fn line_start(&self, offset: usize) -> usize {
        let start = self.text[..offset].rfind('\n').map_or(0, |i| i + 1);
        if start == 0 && self.text.starts_with('\u{feff}') {
            '\u{feff}'.len_utf8().min(offset)
        } else {
            start
        }
    }

    /// The hold lines directly above the lines of `keys` (each run of comment lines that ends
    /// at a key's line is read, up to the first line that is not a comment), nearest first.
    pub(crate) fn hold_lines(&self, keys: &[usize]) -> Vec<HoldLine> {
        let mut found: Vec<HoldLine> = Vec::new();
        for &key in keys {
            let mut below = self.line_start(key);
            while below > 0 && self.text.as_bytes()[below - 1] == b'\n' {
                let start = self.line_start(below - 1);
                let line = self.text[start..below - 1].trim_end_matches('\r');
                let body = line.trim_start_matches([' ', '\t']);
                let Some(comment) = body.strip_prefix('#') else {
                    break;
                };
                let hash = start + (line.len() - body.len());
                if let Some(hold) = Hold::parse(comment) {
                    // A `#` inside a block or quoted scalar is text, not a comment.
                    if self.in_scalar(hash) {
                        break;
                    }
                    if !found.iter().any(|f| f.range.start == start) {
                        found.push(HoldLine {
                            hold,
                            range: start..below,
                        });
                    }
                }
                below = start;
            }
        }
        found
    }

    /// Whether `offset` falls inside a scalar's text.
    fn in_scalar(&self, offset: usize) -> bool {
        let mut stack: Vec<&Node<'_>> = self.docs.iter().filter_map(|d| d.root.as_ref()).collect();
        while let Some(n) = stack.pop() {
            if !(n.span.start <= offset && offset < n.span.end) {
                continue;
            }
            match &n.value {
                Value::Scalar { .. } => return true,
                Value::Seq(items) => stack.extend(items),
                Value::Map(entries) => stack.extend(entries.iter().flat_map(|(k, v)| [k, v])),
                Value::Alias => {}
            }
        }
        false
    }

    /// The hold on a container image field, if one stands above its `image` key.
    pub fn field_hold(&self, field: &super::ImageField) -> Option<Hold> {
        self.hold_lines(&[field.key_at])
            .into_iter()
            .next()
            .map(|l| l.hold)
    }

    /// The target `locator` names with its hold, nearest first.
    pub(crate) fn with_hold(&self, mut held: Held) -> Held {
        held.hold = self
            .hold_lines(&held.keys)
            .into_iter()
            .next()
            .map(|l| l.hold);
        held
    }

    /// `hold` written above the first key of the target `locator` names (unchanged when a hold
    /// already stands there: [`Held::hold`] says which).
    pub fn hold(&self, locator: &Locator<'_>, hold: &Hold) -> Result<Edit, EditError> {
        let held = self.get(locator)?;
        if held.hold.is_some() {
            return Ok(self.unchanged(held));
        }
        let Some(&key) = held.keys.first() else {
            return Err(EditError::new(
                EditErrorKind::NotFound,
                "the target has no key to write a hold above",
            )
            .at(held.location));
        };
        let start = self.line_start(key);
        // The key's column when only spaces and `- ` stand before it, else the line's own
        // leading blanks (a key inside a flow collection).
        let indent = match indent_of(self.text, key) {
            Some(column) => " ".repeat(column),
            None => self.text[start..key]
                .chars()
                .take_while(|c| *c == ' ' || *c == '\t')
                .collect(),
        };
        let line = format!("{indent}{}{}", hold.line(), line_break(self.text));
        let op = self.comment_op(start..start, line, held.location);
        let text = self.apply(&[op])?.unwrap_or_else(|| self.text.to_string());
        self.checked(locator, held, text, Some(hold))
    }

    /// The target `locator` names with every hold line above its keys removed (unchanged when
    /// there is none).
    pub fn release(&self, locator: &Locator<'_>) -> Result<Edit, EditError> {
        let held = self.get(locator)?;
        let lines: Vec<Range<usize>> = self
            .hold_lines(&held.keys)
            .into_iter()
            .map(|l| l.range)
            .collect();
        if lines.is_empty() {
            return Ok(self.unchanged(held));
        }
        let ops: Vec<Op> = lines
            .into_iter()
            .map(|r| self.comment_op(r, String::new(), held.location))
            .collect();
        let text = self.apply(&ops)?.unwrap_or_else(|| self.text.to_string());
        self.checked(locator, held, text, None)
    }

    /// A splice of comment lines (`range` replaced by `text`) that must change no data, in the
    /// document where it stands; verified by [`Manifest::apply`] like every edit.
    fn comment_op(&self, range: Range<usize>, text: String, location: Location) -> Op {
        // The document it stands in, or the one it stands above.
        let document = self
            .docs
            .iter()
            .position(|d| range.start <= d.range.end)
            .unwrap_or(0);
        Op {
            document,
            range,
            text,
            expected: verify::Expected::Same,
            location,
        }
    }

    fn unchanged(&self, held: Held) -> Edit {
        Edit {
            new: held.image.clone(),
            held,
            text: self.text.to_string(),
            changed: false,
        }
    }

    /// `text` (which the second parser has read as the original), once the span parser finds
    /// the target holding the same image with `want` as its hold.
    fn checked(
        &self,
        locator: &Locator<'_>,
        held: Held,
        text: String,
        want: Option<&Hold>,
    ) -> Result<Edit, EditError> {
        let at = held.location;
        let again = Manifest::parse(&text)
            .and_then(|m| m.get(locator))
            .map_err(|e| refused(at, &format!("the edited file cannot be read back ({e})")))?;
        if again.image != held.image || again.hold.as_ref() != want {
            return Err(refused(
                at,
                "the span parser does not read the hold back where it was written",
            ));
        }
        Ok(Edit {
            new: held.image.clone(),
            held,
            text,
            changed: true,
        })
    }
}

fn refused(at: Location, why: &str) -> EditError {
    EditError::new(EditErrorKind::Unsafe, format!("refusing the hold: {why}"))
        .at(at)
        .help("the file was not changed; write the `# imgbump:hold` line by hand above the image's key.")
}
