//! One scalar a target kind may rewrite: its value, its bytes, its style, and why it cannot be
//! edited safely if it cannot. Every target kind (workload images, kustomize `images:` fields,
//! Helm values keys) builds its slots here, so they all refuse the same things the same way.

use std::ops::Range;

use crate::reference::shown;

use super::render;
use super::tree::{Node, Style, Value};
use super::{Location, Seg};

/// A scalar field that an edit may rewrite.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Slot {
    /// 0-based index of the document in the stream.
    pub document: usize,
    /// From the document's root to the scalar.
    pub path: Vec<Seg>,
    /// The value as YAML reads it (quotes removed); empty for a null (`tag:`, `tag: null`).
    pub value: String,
    /// The token's bytes (quotes included); empty for an empty value (`tag:`), placed right
    /// after its key.
    pub span: Range<usize>,
    /// How the token is written.
    pub style: Style,
    /// Where the token (or, for a block scalar or an empty value, its key) starts.
    pub location: Location,
    /// Why the scalar cannot be edited, if it cannot.
    pub refusal: Option<String>,
}

impl Slot {
    /// The slot for `node`, the value of `key` (when it is a mapping's value) at `path`.
    /// `repeated` holds the spans of values under keys repeated in their mapping.
    pub(crate) fn of(
        text: &str,
        locate: &dyn Fn(usize) -> Location,
        document: usize,
        path: Vec<Seg>,
        key: Option<&Node<'_>>,
        node: &Node<'_>,
        repeated: &[Range<usize>],
    ) -> Slot {
        let raw = text.get(node.span.clone()).unwrap_or("");
        let (value, style, mut refusal) = match &node.value {
            // An empty value (`tag:`) reads as null; the parser spells it `~`.
            Value::Scalar { .. } if node.span.is_empty() => (String::new(), Style::Plain, None),
            Value::Scalar { text, style } => (text.to_string(), *style, None),
            Value::Alias => (
                raw.to_string(),
                Style::Plain,
                Some(format!(
                    "the value is the YAML alias {}; editing it would change the anchored value it points to",
                    shown(raw)
                )),
            ),
            Value::Seq(_) | Value::Map(_) => (
                String::new(),
                Style::Plain,
                Some("the value is not a scalar".to_string()),
            ),
        };
        if refusal.is_none() {
            refusal = if node.anchored {
                Some("the value carries a YAML anchor (`&name`), so aliases elsewhere would change too".to_string())
            } else if matches!(style, Style::Literal | Style::Folded) {
                Some(format!("the value is a {} block scalar", style.as_str()))
            } else if let Some(r) = repeated
                .iter()
                .find(|r| r.start <= node.span.start && node.span.end <= r.end)
            {
                Some(format!(
                    "the value stands under a key that is repeated in its mapping (at line {}); remove the repeat",
                    locate(r.start).line
                ))
            } else if node.tagged {
                Some("the value carries an explicit YAML tag".to_string())
            } else {
                render::check_token(raw, &value, style).err()
            };
        }
        // A null (`tag: null`, `tag: ~`) holds no value.
        let value =
            if style == Style::Plain && matches!(value.as_str(), "~" | "null" | "Null" | "NULL") {
                String::new()
            } else {
                value
            };
        let at = match (key, style) {
            (Some(k), Style::Literal | Style::Folded) => k.span.start,
            (Some(k), _) if node.span.is_empty() || !matches!(node.value, Value::Scalar { .. }) => {
                k.span.start
            }
            _ => node.span.start,
        };
        Slot {
            document,
            path,
            value,
            span: node.span.clone(),
            style,
            location: locate(at),
            refusal,
        }
    }

    /// Whether the value is empty and unwritten (`tag:`), so a new token goes after the key's
    /// colon rather than in place of a token.
    pub(crate) fn is_empty_token(&self) -> bool {
        self.span.is_empty()
    }
}

/// Where the text of `node` ends: the end of its last scalar for a block collection (whose own
/// span runs on over the blank lines and comments that follow it), the closing bracket for a
/// flow one.
pub(crate) fn content_end(text: &str, node: &Node<'_>) -> usize {
    let flow = matches!(text.as_bytes().get(node.span.start), Some(b'{' | b'['));
    match &node.value {
        Value::Map(entries) if !flow => entries
            .last()
            .map_or(node.span.end, |(_, v)| content_end(text, v)),
        Value::Seq(items) if !flow => items.last().map_or(node.span.end, |v| content_end(text, v)),
        _ => node.span.end,
    }
}

/// Whether `node` is a flow collection (`{…}` / `[…]`).
pub(crate) fn is_flow(text: &str, node: &Node<'_>) -> bool {
    matches!(text.as_bytes().get(node.span.start), Some(b'{' | b'['))
}

/// The column (in bytes, 0-based) of `offset` on its line, if only spaces (and `- ` sequence
/// indicators) stand before it there.
pub(crate) fn indent_of(text: &str, offset: usize) -> Option<usize> {
    let line_start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    let before = &text[line_start..offset];
    before
        .bytes()
        .all(|b| b == b' ' || b == b'-')
        .then_some(before.len())
}

/// The line break the file uses (`\r\n` if its first line ends so).
pub(crate) fn line_break(text: &str) -> &'static str {
    match text.find('\n') {
        Some(i) if i > 0 && text.as_bytes()[i - 1] == b'\r' => "\r\n",
        _ => "\n",
    }
}

/// The offset just after the line break that ends the line holding `offset` (the text's end
/// when that line is the last), and whether a line break must be written first (the last
/// line has none).
pub(crate) fn after_line(text: &str, offset: usize) -> (usize, bool) {
    match text[offset..].find('\n') {
        Some(i) => (offset + i + 1, false),
        None => (text.len(), true),
    }
}
