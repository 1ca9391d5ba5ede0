//! A YAML document tree that remembers where every node stands in the source.
//!
//! This is the one place that knows the span-reporting parser (granit-parser); the rest of the
//! engine sees only [`Node`]. Swapping the parser means rewriting [`parse`] and nothing else.
//!
//! The tree is built with an explicit stack, never by recursion on the input, so nesting depth
//! costs heap, not call stack; the parser itself caps nesting (255 flow, 255 block levels).
//! Aliases are kept as [`Value::Alias`] and never expanded, so an alias bomb costs one node per
//! alias in the text.

use std::borrow::Cow;
use std::ops::Range;

use granit_parser::{Event, Parser, ScalarStyle};

/// How a scalar is written in the source.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    /// `image: nginx`
    Plain,
    /// `image: 'nginx'`
    SingleQuoted,
    /// `image: "nginx"`
    DoubleQuoted,
    /// `image: |` (literal block)
    Literal,
    /// `image: >` (folded block)
    Folded,
}

impl Style {
    /// A lowercase word for the style, as shown in listings.
    pub fn as_str(self) -> &'static str {
        match self {
            Style::Plain => "plain",
            Style::SingleQuoted => "single-quoted",
            Style::DoubleQuoted => "double-quoted",
            Style::Literal => "literal",
            Style::Folded => "folded",
        }
    }
}

#[derive(Debug)]
pub(crate) enum Value<'t> {
    /// Borrowed from the source unless escapes or folding made new text.
    Scalar {
        text: Cow<'t, str>,
        style: Style,
    },
    Seq(Vec<Node<'t>>),
    Map(Vec<(Node<'t>, Node<'t>)>),
    /// `*name`: kept as written, never resolved.
    Alias,
}

#[derive(Debug)]
pub(crate) struct Node<'t> {
    pub value: Value<'t>,
    /// Byte range of the node's own text (for a scalar: the token, quotes included).
    pub span: Range<usize>,
    /// The node carries an `&anchor`.
    pub anchored: bool,
    /// The node carries an explicit `!tag`.
    pub tagged: bool,
}

impl<'t> Node<'t> {
    pub(crate) fn scalar(&self) -> Option<&str> {
        match &self.value {
            Value::Scalar { text, .. } => Some(text),
            _ => None,
        }
    }

    /// The value of `key` in a mapping node (keys compared as plain scalars).
    pub(crate) fn get(&self, key: &str) -> Option<&Node<'t>> {
        self.entry(key).map(|(_, v)| v)
    }

    /// The key and value nodes of `key` in a mapping node.
    pub(crate) fn entry(&self, key: &str) -> Option<(&Node<'t>, &Node<'t>)> {
        match &self.value {
            Value::Map(entries) => entries
                .iter()
                .find(|(k, _)| k.scalar() == Some(key))
                .map(|(k, v)| (k, v)),
            _ => None,
        }
    }

    pub(crate) fn get_path(&self, keys: &[&str]) -> Option<&Node<'t>> {
        keys.iter().try_fold(self, |node, key| node.get(key))
    }
}

/// One `---` document of a stream; `root` is `None` for an empty document.
#[derive(Debug)]
pub(crate) struct Document<'t> {
    pub root: Option<Node<'t>>,
    /// The document's bytes, from its start (`---` or first content) to its end.
    pub range: Range<usize>,
    /// The document has no anchor, alias or tag: its tree reads the same as its text.
    pub simple: bool,
    /// Byte ranges of the values of keys that stand more than once (with the same text) in one
    /// mapping; see [`check_unique_keys`].
    pub repeated: Vec<Range<usize>>,
}

/// A failure of the span parser, at a byte offset of the source.
#[derive(Debug)]
pub(crate) struct SyntaxError {
    pub offset: usize,
    pub message: String,
}

/// A key that stands twice in one mapping.
#[derive(Debug)]
pub(crate) struct DuplicateKey {
    pub key: String,
    pub offset: usize,
}

pub(crate) enum ParseError {
    Syntax(SyntaxError),
    Duplicate(DuplicateKey),
}

enum Frame<'t> {
    Seq {
        start: usize,
        anchored: bool,
        tagged: bool,
        items: Vec<Node<'t>>,
    },
    Map {
        start: usize,
        anchored: bool,
        tagged: bool,
        entries: Vec<(Node<'t>, Node<'t>)>,
        key: Option<Node<'t>>,
    },
}

/// Parses a whole stream into documents of spanned nodes.
pub(crate) fn parse(text: &str) -> Result<Vec<Document<'_>>, ParseError> {
    let options = granit_parser::options! {
        emit_comments: false,
    };
    let mut docs = Vec::new();
    let mut stack: Vec<Frame> = Vec::new();
    let mut root: Option<Node> = None;
    let mut repeated = Vec::new();
    let mut last_end = 0;
    let mut doc_start = 0;
    let mut simple = true;
    for item in Parser::new_from_str_with_options(text, options) {
        let (event, span) = item.map_err(|e| {
            ParseError::Syntax(SyntaxError {
                offset: e.marker().byte_offset().unwrap_or(last_end),
                message: e.info(),
            })
        })?;
        let range = span.byte_range().unwrap_or(last_end..last_end);
        last_end = range.end;
        let node = match event {
            Event::StreamStart | Event::StreamEnd => continue,
            Event::DocumentStart(..) => {
                stack.clear();
                root = None;
                doc_start = range.start;
                simple = true;
                continue;
            }
            Event::DocumentEnd => {
                docs.push(Document {
                    root: root.take(),
                    range: doc_start..range.end.max(doc_start),
                    simple,
                    repeated: std::mem::take(&mut repeated),
                });
                continue;
            }
            Event::SequenceStart(_, anchor, tag) => {
                stack.push(Frame::Seq {
                    start: range.start,
                    anchored: anchor != 0,
                    tagged: tag.is_some(),
                    items: Vec::new(),
                });
                continue;
            }
            Event::MappingStart(_, anchor, tag) => {
                stack.push(Frame::Map {
                    start: range.start,
                    anchored: anchor != 0,
                    tagged: tag.is_some(),
                    entries: Vec::new(),
                    key: None,
                });
                continue;
            }
            Event::SequenceEnd => close(stack.pop(), true, range, text, &mut repeated)?,
            Event::MappingEnd => close(stack.pop(), false, range, text, &mut repeated)?,
            Event::Scalar(text, style, anchor, tag) => Node {
                value: Value::Scalar {
                    text,
                    style: style_of(style),
                },
                span: range,
                anchored: anchor != 0,
                tagged: tag.is_some(),
            },
            Event::Alias(_) | Event::UnresolvedAlias(_) => Node {
                value: Value::Alias,
                span: range,
                anchored: false,
                tagged: false,
            },
            // Comments are switched off; anchor events are switched off (the node carries its id).
            #[allow(unreachable_patterns)]
            _ => continue,
        };
        simple &= !node.anchored && !node.tagged && !matches!(node.value, Value::Alias);
        match stack.last_mut() {
            None => root = Some(node),
            Some(frame) => frame.add(node),
        }
    }
    Ok(docs)
}

impl<'t> Frame<'t> {
    /// Adds a finished node: an item of a sequence, or a mapping's key, then its value.
    fn add(&mut self, node: Node<'t>) {
        match self {
            Frame::Seq { items, .. } => items.push(node),
            Frame::Map { entries, key, .. } => match key.take() {
                None => *key = Some(node),
                Some(k) => entries.push((k, node)),
            },
        }
    }
}

/// The node a sequence's (`seq`) or mapping's end event at `range` closes: `frame`, the top of
/// the stack, which must be a collection of that kind (a mapping with no key left waiting).
fn close<'t>(
    frame: Option<Frame<'t>>,
    seq: bool,
    range: Range<usize>,
    text: &str,
    repeated: &mut Vec<Range<usize>>,
) -> Result<Node<'t>, ParseError> {
    match frame {
        Some(Frame::Seq {
            start,
            anchored,
            tagged,
            items,
        }) if seq => Ok(Node {
            value: Value::Seq(items),
            span: start..range.end.max(start),
            anchored,
            tagged,
        }),
        Some(Frame::Map {
            start,
            anchored,
            tagged,
            entries,
            key: None,
        }) if !seq => {
            check_unique_keys(text, &entries, repeated)?;
            Ok(Node {
                value: Value::Map(entries),
                span: start..range.end.max(start),
                anchored,
                tagged,
            })
        }
        _ => Err(unbalanced(range.start)),
    }
}

/// A mapping's scalar keys must be unique: YAML says so, and readers differ on which of two
/// values wins. A key repeated with the very same value text reads the same either way (real
/// manifests have such slips), so it is tolerated and its values' spans are recorded: an image
/// inside one is refused later. A key repeated with different values is an error.
fn check_unique_keys(
    text: &str,
    entries: &[(Node<'_>, Node<'_>)],
    repeated: &mut Vec<Range<usize>>,
) -> Result<(), ParseError> {
    let mut keys: Vec<(&str, usize)> = entries
        .iter()
        .enumerate()
        .filter_map(|(i, (k, _))| Some((k.scalar()?, i)))
        .collect();
    if keys.len() < 2 {
        return Ok(());
    }
    keys.sort_unstable();
    for w in keys.windows(2) {
        let ((key, a), (_, b)) = (w[0], w[1]);
        if key != w[1].0 {
            continue;
        }
        let (first, second) = (&entries[a.min(b)].1, &entries[a.max(b)].1);
        if text.get(first.span.clone()) != text.get(second.span.clone()) {
            return Err(ParseError::Duplicate(DuplicateKey {
                key: key.to_string(),
                offset: entries[a.max(b)].0.span.start,
            }));
        }
        repeated.push(first.span.clone());
        repeated.push(second.span.clone());
    }
    Ok(())
}

fn unbalanced(offset: usize) -> ParseError {
    ParseError::Syntax(SyntaxError {
        offset,
        message: "unbalanced collection events from the parser".into(),
    })
}

fn style_of(style: ScalarStyle) -> Style {
    match style {
        ScalarStyle::Plain => Style::Plain,
        ScalarStyle::SingleQuoted => Style::SingleQuoted,
        ScalarStyle::DoubleQuoted => Style::DoubleQuoted,
        ScalarStyle::Literal => Style::Literal,
        ScalarStyle::Folded => Style::Folded,
    }
}
