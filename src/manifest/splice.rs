//! The one splice-and-verify path of every edit, whatever its target kind (a workload's
//! container image, a kustomize `images:` entry, a value at a key path) and a hold line added
//! or removed: several scalars set, keys added or removed, at once. Each [`Op`] replaces one byte range and says what the second parser
//! should then read; the ops are spliced into the old text in one pass (every other byte
//! copied) and the result is verified before it is returned, as a single image edit is.

use std::ops::Range;

use super::render;
use super::slot::{after_line, content_end, indent_of, is_flow, line_break, Slot};
use super::tree::{Node, Value};
use super::verify::{self, Expected, Tree};
use super::{EditError, EditErrorKind, Location, Manifest, Seg};

/// One splice and what it means.
#[derive(Debug, Clone)]
pub(crate) struct Op {
    pub document: usize,
    /// The bytes replaced (empty for an insertion).
    pub range: Range<usize>,
    /// What goes in their place.
    pub text: String,
    /// What the second parser must read differently.
    pub expected: Expected,
    /// Where the op stands, for messages.
    pub location: Location,
}

/// A scalar to write: its key and value, both plain strings.
pub(crate) type Entry = (String, String);

impl Op {
    /// Sets `slot` to the string `new`, written in the slot's style (quoted when a plain
    /// scalar would not read as a string). `None` when the slot already reads so.
    pub(crate) fn set(text: &str, slot: &Slot, new: &str) -> Result<Option<Op>, EditError> {
        if let Some(why) = &slot.refusal {
            return Err(EditError::new(
                EditErrorKind::Unsafe,
                format!(
                    "refusing to edit `{}`: {why}",
                    verify::shown_path(&slot.path)
                ),
            )
            .at(slot.location)
            .help("write the value as a plain or quoted scalar in place."));
        }
        let token = render::scalar(new, slot.style);
        let (range, written) = if slot.is_empty_token() {
            // `tag:` reads as null: write ` TOKEN` right after the key's colon.
            let from = slot.span.start;
            let colon = text[from..]
                .find(|c: char| c != ' ' && c != '\t')
                .filter(|&i| text[from + i..].starts_with(':'))
                .map(|i| from + i + 1)
                .ok_or_else(|| {
                    EditError::new(
                        EditErrorKind::Unsafe,
                        format!(
                            "refusing to edit `{}`: its empty value has no `:` to write after",
                            verify::shown_path(&slot.path)
                        ),
                    )
                    .at(slot.location)
                })?;
            (colon..colon, format!(" {token}"))
        } else {
            if text[slot.span.clone()] == token {
                return Ok(None);
            }
            (slot.span.clone(), token)
        };
        Ok(Some(Op {
            document: slot.document,
            range,
            text: written,
            expected: Expected::Set {
                path: slot.path.clone(),
                old: slot.value.clone(),
                new: new.to_string(),
            },
            location: slot.location,
        }))
    }

    /// Adds `entries` (in order) at the end of `map`, a mapping at `path`: one line each, at
    /// the siblings' indentation, for a block mapping; `, k: v` for a flow one.
    pub(crate) fn insert(
        text: &str,
        document: usize,
        map: &Node<'_>,
        path: &[Seg],
        entries: &[Entry],
        location: Location,
    ) -> Result<Vec<Op>, EditError> {
        let Value::Map(existing) = &map.value else {
            return Err(not_here(location, "it is not a mapping"));
        };
        let end = content_end(text, map);
        let (range, written) = if is_flow(text, map) {
            let close = end.saturating_sub(1);
            if text.as_bytes().get(close) != Some(&b'}') {
                return Err(not_here(
                    location,
                    "its flow mapping's end is not where expected",
                ));
            }
            let sep = if existing.is_empty() { "" } else { ", " };
            let body: Vec<String> = entries
                .iter()
                .map(|(k, v)| format!("{k}: {}", render::scalar(v, super::Style::Plain)))
                .collect();
            // After the last value, before any space or line break ahead of the `}`.
            let at = match existing.last() {
                Some((_, v)) => content_end(text, v),
                None => close,
            };
            (at..at, format!("{sep}{}", body.join(", ")))
        } else {
            let Some((first_key, _)) = existing.first() else {
                return Err(not_here(location, "it is an empty block mapping"));
            };
            let indent = indent_of(text, first_key.span.start)
                .ok_or_else(|| not_here(location, "its keys' indentation cannot be read"))?;
            let nl = line_break(text);
            let (at, break_first) = after_line(text, end);
            let mut out = String::new();
            if break_first {
                out.push_str(nl);
            }
            // Each line ends with a break, but the last at a text that had no final one.
            for (i, (k, v)) in entries.iter().enumerate() {
                out.push_str(&" ".repeat(indent));
                out.push_str(k);
                out.push_str(": ");
                out.push_str(&render::scalar(v, super::Style::Plain));
                if !(break_first && i + 1 == entries.len()) {
                    out.push_str(nl);
                }
            }
            (at..at, out)
        };
        Ok(entries
            .iter()
            .enumerate()
            .map(|(i, (k, v))| Op {
                document,
                // Only the first op carries the bytes; the others say what else to expect.
                range: range.clone(),
                text: if i == 0 {
                    written.clone()
                } else {
                    String::new()
                },
                expected: Expected::Insert {
                    path: path.to_vec(),
                    key: k.clone(),
                    value: Tree::Str(v.clone()),
                },
                location,
            })
            .collect())
    }

    /// Removes the entry `key` (its whole line, or `, key: v` in a flow mapping) from `map`.
    pub(crate) fn remove(
        text: &str,
        document: usize,
        map: &Node<'_>,
        path: &[Seg],
        key: &str,
        location: Location,
    ) -> Result<Op, EditError> {
        let Value::Map(entries) = &map.value else {
            return Err(not_here(location, "it is not a mapping"));
        };
        let Some(i) = entries.iter().position(|(k, _)| k.scalar() == Some(key)) else {
            return Err(not_here(location, "the key is not there"));
        };
        let (k, v) = &entries[i];
        let range = if is_flow(text, map) {
            // `, key: v` (or `key: v, ` when it is first).
            match (i.checked_sub(1).map(|p| &entries[p]), entries.get(i + 1)) {
                (Some((_, prev)), _) => content_end(text, prev)..content_end(text, v),
                (None, Some((next, _))) => k.span.start..next.span.start,
                (None, None) => k.span.start..content_end(text, v),
            }
        } else {
            // The whole line: the key must start its line (after indentation) and the value end
            // it (but for a comment).
            let line_start = text[..k.span.start].rfind('\n').map_or(0, |p| p + 1);
            if !text[line_start..k.span.start].bytes().all(|b| b == b' ') {
                return Err(not_here(location, "the key does not start its line"));
            }
            let (end, _) = after_line(text, content_end(text, v));
            line_start..end
        };
        Ok(Op {
            document,
            range,
            text: String::new(),
            expected: Expected::Remove {
                path: path.to_vec(),
                key: key.to_string(),
            },
            location,
        })
    }

    /// Appends a mapping of `entries` to `seq`, a sequence at `path`, in its style: a `- k: v`
    /// item at the other items' indentation (block), or `, {k: v}` (flow).
    pub(crate) fn push(
        text: &str,
        document: usize,
        seq: &Node<'_>,
        path: &[Seg],
        entries: &[Entry],
        location: Location,
    ) -> Result<Op, EditError> {
        let Value::Seq(items) = &seq.value else {
            return Err(not_here(location, "it is not a sequence"));
        };
        let value = Tree::Map(
            entries
                .iter()
                .map(|(k, v)| (Tree::Str(k.clone()), Tree::Str(v.clone())))
                .collect(),
        );
        let flow_item = format!(
            "{{{}}}",
            entries
                .iter()
                .map(|(k, v)| format!("{k}: {}", render::scalar(v, super::Style::Plain)))
                .collect::<Vec<_>>()
                .join(", ")
        );
        let (range, written) = if is_flow(text, seq) {
            match items.last() {
                Some(last) => {
                    let at = content_end(text, last);
                    (at..at, format!(", {flow_item}"))
                }
                None => {
                    let at = seq.span.start + 1;
                    (at..at, flow_item)
                }
            }
        } else {
            let Some(first) = items.first() else {
                return Err(not_here(location, "it is an empty block sequence"));
            };
            // The item's content column, and the `-` before it.
            let item_col = indent_of(text, first.span.start)
                .ok_or_else(|| not_here(location, "its items' indentation cannot be read"))?;
            let line_start = text[..first.span.start].rfind('\n').map_or(0, |p| p + 1);
            let dash_col = text[line_start..first.span.start]
                .find('-')
                .ok_or_else(|| not_here(location, "its items' `-` cannot be found"))?;
            let nl = line_break(text);
            let (at, break_first) = after_line(text, content_end(text, seq));
            let mut out = String::new();
            if break_first {
                out.push_str(nl);
            }
            for (i, (k, v)) in entries.iter().enumerate() {
                if i == 0 {
                    out.push_str(&" ".repeat(dash_col));
                    out.push('-');
                    out.push_str(&" ".repeat(item_col - dash_col - 1));
                } else {
                    out.push_str(&" ".repeat(item_col));
                }
                out.push_str(&format!("{k}: {}", render::scalar(v, super::Style::Plain)));
                if !(break_first && i + 1 == entries.len()) {
                    out.push_str(nl);
                }
            }
            (at..at, out)
        };
        Ok(Op {
            document,
            range,
            text: written,
            expected: Expected::Push {
                path: path.to_vec(),
                value,
            },
            location,
        })
    }
}

fn not_here(location: Location, why: &str) -> EditError {
    EditError::new(
        EditErrorKind::Unsafe,
        format!("refusing to add to this collection: {why}"),
    )
    .at(location)
    .help("add the lines by hand once; imgbump edits them from then on.")
}

impl Manifest<'_> {
    /// The text with `ops` spliced in, verified by the second parser; `None` when there is
    /// nothing to change.
    pub(crate) fn apply(&self, ops: &[Op]) -> Result<Option<String>, EditError> {
        if ops.is_empty() {
            return Ok(None);
        }
        let mut order: Vec<&Op> = ops.iter().collect();
        order.sort_by_key(|op| (op.range.start, op.range.end));
        let mut text = String::with_capacity(self.text.len() + 256);
        let mut at = 0;
        for op in &order {
            if op.range.start < at {
                return Err(EditError::new(
                    EditErrorKind::Unsafe,
                    "refusing the edit: two of its changes overlap",
                )
                .at(op.location));
            }
            text.push_str(&self.text[at..op.range.start]);
            text.push_str(&op.text);
            at = op.range.end;
        }
        text.push_str(&self.text[at..]);
        self.verify_ops(ops, &text)
            .map_err(|doubt| doubt.refusal(ops[0].location))?;
        Ok(Some(text))
    }

    fn verify_ops(&self, ops: &[Op], new_text: &str) -> Result<(), verify::Doubt> {
        let document = ops[0].document;
        if ops.iter().any(|op| op.document != document) {
            return Err("the changes span several documents".into());
        }
        let doc = self
            .docs
            .get(document)
            .ok_or("the two parsers disagree about the documents of the file")?;
        let mut r = doc.range.clone();
        // Comment lines directly above the document's first token (a hold above its first
        // key) are read with it.
        let first = ops.iter().map(|op| op.range.start).min().unwrap_or(r.start);
        if first < r.start
            && ops.iter().all(|op| matches!(op.expected, Expected::Same))
            && self.text[first..r.start].lines().all(|l| {
                let t = l.trim_start_matches([' ', '\t']);
                t.is_empty() || t.starts_with('#')
            })
        {
            r.start = first;
        }
        let inside = ops
            .iter()
            .all(|op| r.start <= op.range.start && op.range.end <= r.end);
        let directives = self.text.starts_with('%') || self.text.contains("\n%");
        let grown: isize = ops
            .iter()
            .map(|op| op.text.len() as isize - op.range.len() as isize)
            .sum();
        let new_end = (r.end as isize + grown) as usize;
        let sliced = inside
            && !directives
            && new_end <= new_text.len()
            && new_text.is_char_boundary(new_end);
        // Fast path: only tokens replaced (not written after an empty value's colon, where
        // the second parser must also read the old text), in a document without anchors,
        // aliases or tags.
        let sets: Option<Vec<(&[Seg], &str)>> = ops
            .iter()
            .map(|op| match &op.expected {
                Expected::Set { path, new, .. } if !op.range.is_empty() => {
                    Some((path.as_slice(), new.as_str()))
                }
                _ => None,
            })
            .collect();
        if let (Some(sets), true, true, Some(root)) = (&sets, sliced, doc.simple, &doc.root) {
            let fast = verify::against_tree(&new_text[r.start..new_end], root, sets);
            if fast.is_ok() {
                return Ok(());
            }
        }
        let expected: Vec<Expected> = ops.iter().map(|op| op.expected.clone()).collect();
        if sliced {
            verify::edits(
                &self.text[r.clone()],
                &new_text[r.start..new_end],
                0,
                &expected,
            )
        } else {
            verify::edits(self.text, new_text, document, &expected)
        }
    }
}
