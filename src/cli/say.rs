//! Messages for humans on stderr (honouring `--quiet` and `-v`, every secret redacted), the
//! progress line on a terminal, and the escaping of text read from a repository.

use std::io::{IsTerminal, Write};

use crate::git::{self, Credentials};

/// Messages for humans, on stderr, honouring `--quiet`.
pub(super) struct Say {
    pub(super) quiet: bool,
    pub(super) verbose: u8,
    pub(super) creds: Credentials,
}

impl Say {
    pub(super) fn info(&self, msg: &str) {
        if !self.quiet {
            let _ = writeln!(
                std::io::stderr(),
                "{}",
                printable_lines(&self.creds.redact(msg))
            );
        }
    }

    pub(super) fn debug(&self, msg: &str) {
        if self.verbose > 0 && !self.quiet {
            let _ = writeln!(
                std::io::stderr(),
                "imgbump: {}",
                printable_lines(&self.creds.redact(msg))
            );
        }
    }

    /// A transfer progress line, redrawn in place, when stderr is a terminal and colour (and
    /// so cursor control) is not turned off.
    pub(super) fn progress(&self) -> Option<git::ProgressFn> {
        if !std::io::stderr().is_terminal() || self.quiet || std::env::var_os("NO_COLOR").is_some()
        {
            return None;
        }
        Some(std::rc::Rc::new(
            |phase: &str, done: usize, total: usize, bytes: usize| {
                if total > 0 {
                    let end = if done == total { "\r\x1b[2K" } else { "" };
                    eprint!(
                        "\r\x1b[2K{phase}: {done}/{total} objects, {} KiB{end}",
                        bytes / 1024
                    );
                }
            },
        ))
    }
}

/// A failure, on stderr.
pub(super) fn error(message: &str) {
    let _ = writeln!(
        std::io::stderr(),
        "imgbump: error: {}",
        printable_lines(message)
    );
}

/// Text that may hold bytes from a repository (a message, a diff): its line breaks kept,
/// every other control character escaped, so that no escape sequence reaches a terminal or a
/// summary and no line can pass for one of ours.
pub(super) fn printable_lines(text: &str) -> String {
    text.split_inclusive('\n')
        .map(|l| match l.strip_suffix('\n') {
            Some(body) => format!("{}\n", printable(body)),
            None => printable(l),
        })
        .collect()
}

/// `s` with control characters (line breaks, escape sequences), Unicode line and paragraph
/// separators and bidirectional overrides escaped, so that text read from a repository can
/// neither start a line of its own, nor drive the terminal, nor show itself in another order
/// than it is.
pub(super) fn printable(s: &str) -> String {
    let unsafe_char = |c: char| {
        (c.is_control() && c != '\t')
            || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200e}' | '\u{200f}' | '\u{061c}' | '\u{2028}' | '\u{2029}')
    };
    if !s.chars().any(unsafe_char) {
        return s.to_string();
    }
    s.chars()
        .map(|c| {
            if unsafe_char(c) {
                c.escape_default().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn repository_text_reaches_a_terminal_escaped() {
        assert_eq!(super::printable("a\tb"), "a\tb");
        assert_eq!(super::printable("a\nb\u{1b}[2J"), "a\\nb\\u{1b}[2J");
        assert_eq!(
            super::printable("x\u{202e}y\u{2028}z"),
            "x\\u{202e}y\\u{2028}z"
        );
        assert_eq!(super::printable("überlastet — ok"), "überlastet — ok");
    }
}
