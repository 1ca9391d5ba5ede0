//! Human output: messages on stderr (honouring `--quiet` and `-v`), a progress line on a
//! terminal, and each command's plain-text result on stdout.

use std::io::{IsTerminal, Write};

use crate::bump::Outcome;
use crate::git::{self, Credentials};

use super::{short, utc, ListRow, Version};

/// Messages for humans, on stderr, honouring `--quiet`.
pub(super) struct Say {
    pub(super) quiet: bool,
    pub(super) verbose: u8,
    pub(super) creds: Credentials,
}

impl Say {
    /// For commands whose only output is their result.
    pub(super) fn silent() -> Self {
        Say {
            quiet: true,
            verbose: 0,
            creds: Credentials::from_env(),
        }
    }

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

/// `set`: a line per service on stderr saying what happened to it and where it went.
pub(super) fn set(o: &Outcome, dry_run: bool, say: &Say, url: &str) {
    for c in &o.changes {
        let what = match c.superseded_by {
            Some(had) => format!(
                "superseded: {} stays (order key {had} is recorded, and this one is not newer)",
                printable(&c.old)
            ),
            None if c.changed => format!("{} → {}", printable(&c.old), c.new),
            None => format!("already {}", c.new),
        };
        let place = if o.pushed {
            format!(
                ", commit {}, pushed to {} {}",
                o.commit.as_deref().unwrap_or("").get(..7).unwrap_or(""),
                url,
                o.pushed_branch.as_deref().unwrap_or(&o.branch)
            )
        } else if let (Some(commit), false) = (&o.commit, dry_run) {
            format!(", commit {} (not pushed)", commit.get(..7).unwrap_or(""))
        } else if dry_run && c.changed {
            " (dry run)".to_string()
        } else {
            String::new()
        };
        say.info(&format!("{}: {what}{place}", c.service));
    }
    if o.attempts > 1 {
        say.info(&format!(
            "landed after {} push attempts (the branch moved meanwhile)",
            o.attempts
        ));
    }
    if let Some(n) = &o.note {
        say.info(&format!("note: {n}"));
    }
    if let Some(pr) = &o.pr {
        say.info(&format!(
            "pull request #{} {}{}{}",
            pr.number,
            printable(&pr.url),
            if pr.existed { " (already open)" } else { "" },
            if pr.closed.is_empty() {
                String::new()
            } else {
                format!(
                    "; closed the older {}",
                    pr.closed
                        .iter()
                        .map(|n| format!("#{n}"))
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            }
        ));
    }
}

/// A dry run's diff on stdout, coloured on a terminal; control characters from the manifest
/// are escaped.
pub(super) fn diff(diff: &str) {
    let color = std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    let mut out = std::io::stdout().lock();
    for line in diff.lines() {
        let line = printable(line);
        let line = line.as_str();
        let painted = match line.chars().next() {
            Some('+') if color && !line.starts_with("+++") => format!("\x1b[32m{line}\x1b[0m"),
            Some('-') if color && !line.starts_with("---") => format!("\x1b[31m{line}\x1b[0m"),
            Some('@') if color => format!("\x1b[36m{line}\x1b[0m"),
            _ => line.to_string(),
        };
        let _ = writeln!(out, "{painted}");
    }
}

/// `get`: one image a line.
pub(super) fn get(found: &[super::get::GetRow]) {
    let mut out = std::io::stdout().lock();
    for r in found {
        let _ = writeln!(out, "{}", printable(&r.held.image));
    }
}

/// `list`: `service  workload  container  image` (tab-separated), or the file's error.
pub(super) fn list(rows: &[ListRow]) {
    let mut out = std::io::stdout().lock();
    for r in rows {
        let line = match r {
            ListRow::Error {
                service,
                file,
                error,
            } => format!(
                "{service}\t{}\terror: {}",
                printable(file),
                printable(error)
            ),
            ListRow::Held {
                service,
                env,
                file,
                held,
            } => format!(
                "{service}\t{}\t{}:{}\t{}\t{}",
                env.as_deref().unwrap_or("-"),
                printable(file),
                held.location.line,
                printable(&held.target),
                printable(&held.image)
            ),
            ListRow::Image { service, field, .. } => format!(
                "{service}\t{}\t{}\t{}",
                printable(&field.workload_id()),
                printable(&field.container),
                printable(&field.value)
            ),
        };
        if writeln!(out, "{line}").is_err() {
            break;
        }
    }
}

/// `history`: `image  commit  date  author` and what the commit recorded (`requested-by=`,
/// `order=`, `rolled-back-from=`), tab-separated, newest first. Text from the repository is
/// printed with control characters escaped.
pub(super) fn history(versions: &[Version]) {
    let mut out = std::io::stdout().lock();
    for v in versions {
        let mut line = format!(
            "{}\t{}\t{}\t{}",
            printable(&v.image),
            short(v.commit),
            utc(v.time),
            printable(&v.author)
        );
        if let Some(r) = &v.requested_by {
            line.push_str(&format!("\trequested-by={}", printable(r)));
        }
        if let Some(k) = v.order_key {
            line.push_str(&format!("\torder={k}"));
        }
        if let Some(f) = &v.rolled_back_from {
            line.push_str(&format!("\trolled-back-from={}", printable(f)));
        }
        if writeln!(out, "{line}").is_err() {
            break;
        }
    }
}

/// `s` with control characters (line breaks, escape sequences) escaped, so that text read
/// from a repository can neither start a line of its own nor drive the terminal.
pub(super) fn printable(s: &str) -> String {
    let unsafe_char = |c: char| c.is_control() && c != '\t';
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

/// `history --nth N`: the image alone.
pub(super) fn image(image: &str) {
    println!("{image}");
}
