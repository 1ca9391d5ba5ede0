//! Human output: messages on stderr (honouring `--quiet` and `-v`), a progress line on a
//! terminal, and each command's plain-text result on stdout.

use std::io::{IsTerminal, Write};

use crate::bump::{Change, HoldEffect, Outcome};
use crate::locate::{Found, Version};
use crate::utc::utc;

use super::rows::ListRow;
use super::say::{printable, Say};
use crate::git::short_id;

/// `set`: a line per service on stderr saying what happened to it and where it went.
pub(super) fn set(o: &Outcome, dry_run: bool, say: &Say, url: &str) {
    for c in &o.changes {
        let what = what_happened(c);
        let place = if o.pushed {
            format!(
                ", commit {}, pushed to {} {}",
                o.commit.map(|c| short_id(&c)).unwrap_or_default(),
                url,
                o.pushed_branch.as_deref().unwrap_or(&o.branch)
            )
        } else if let (Some(commit), false) = (o.commit, dry_run) {
            format!(", commit {} (not pushed)", short_id(&commit))
        } else if dry_run && c.changed {
            " (dry run)".to_string()
        } else {
            String::new()
        };
        say.info(&format!("{}{}: {what}{place}", c.service, in_env(c)));
    }
    if let Some(n) = o.batched {
        say.info(&match o.commit {
            Some(c) => format!(
                "landed in a batch: commit {} carried {n} other change{} with this one",
                short_id(&c),
                if n == 1 { "" } else { "s" }
            ),
            None => "landed in a batch".to_string(),
        });
    } else if o.attempts > 1 {
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

/// ` in ENV` for a target placed in an environment: a run over several says which is which.
fn in_env(c: &Change) -> String {
    c.env
        .as_deref()
        .map(|e| format!(" in {e}"))
        .unwrap_or_default()
}

/// The command that lifts the hold on `c`'s target, as it can be pasted: with its `--env`.
pub(super) fn release_command(c: &Change) -> String {
    match &c.env {
        Some(e) => format!("imgbump release {} --env {e}", c.service),
        None => format!("imgbump release {}", c.service),
    }
}

/// What happened to one target: its image, and its hold. Everything read from the manifest
/// (the old image, the hold's words) is escaped.
fn what_happened(c: &Change) -> String {
    let hold = c
        .hold
        .as_ref()
        .map(|h| printable(&h.to_string()))
        .unwrap_or_default();
    let image = if c.old != c.new {
        format!("{} → {}", printable(&c.old), printable(&c.new))
    } else if c.changed {
        printable(&c.old)
    } else {
        format!("already {}", printable(&c.new))
    };
    match (c.superseded_by, c.hold_effect) {
        (Some(had), _) => format!(
            "superseded: {} stays (order key {had} is recorded, and this one is not newer)",
            printable(&c.old)
        ),
        (None, HoldEffect::Held) => format!(
            "held: {} stays, {} wanted; hold: {hold} (`{}` lifts it)",
            printable(&c.old),
            printable(&c.new),
            release_command(c)
        ),
        (None, HoldEffect::Ignored) => format!("{image} (hold ignored: {hold})"),
        (None, HoldEffect::Expired) => format!("{image} (its hold has expired: {hold})"),
        (None, HoldEffect::Added) if c.old != c.new => format!("{image}, and held: {hold}"),
        (None, HoldEffect::Added) => format!("held at {}: {hold}", printable(&c.old)),
        (None, HoldEffect::AlreadyHeld) => format!("already held: {hold}"),
        (None, HoldEffect::Released) => {
            format!("released at {} (was held: {hold})", printable(&c.old))
        }
        (None, HoldEffect::NotHeld) => "not held".to_string(),
        (None, HoldEffect::None) => image,
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
pub(super) fn get(found: &[Found], say: &Say) {
    let mut out = std::io::stdout().lock();
    for r in found {
        let _ = writeln!(out, "{}", printable(&r.held.image));
    }
    drop(out);
    // The image alone on stdout, as scripts read it; a hold is said on stderr.
    for r in found {
        if let Some(h) = &r.held.hold {
            let env = r
                .env
                .as_deref()
                .map(|e| format!(" in {e}"))
                .unwrap_or_default();
            say.info(&format!("{}{env}: {}", r.service, hold_column(h)));
        }
    }
}

/// A hold as a column: `held: REASON (by …, since …, until …)`, or `expired hold: …`; escaped.
fn hold_column(h: &crate::hold::Hold) -> String {
    let word = if h.expired(crate::utc::now()) {
        "expired hold"
    } else {
        "held"
    };
    format!("{word}: {}", printable(&h.to_string()))
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
                "{service}\t{}\t{}:{}\t{}\t{}{}",
                env.as_deref().unwrap_or("-"),
                printable(file),
                held.location.line,
                printable(&held.target),
                printable(&held.image),
                held.hold
                    .as_ref()
                    .map(|h| format!("\t{}", hold_column(h)))
                    .unwrap_or_default()
            ),
            ListRow::Image {
                service,
                field,
                hold,
                set,
                ..
            } => format!(
                "{service}\t{}\t{}\t{}{}{}",
                printable(&field.workload_id()),
                printable(&field.container),
                printable(&field.value),
                set_column(set),
                hold.as_ref()
                    .map(|h| format!("\t{}", hold_column(h)))
                    .unwrap_or_default()
            ),
        };
        if writeln!(out, "{line}").is_err() {
            break;
        }
    }
}

/// In a file with several images, which one `set` edits without flags, and the flags that
/// pick each other one.
fn set_column(set: &super::rows::SetPick) -> String {
    match (set.among_others, set.default, &set.flags) {
        (false, _, _) => String::new(),
        (true, true, _) => "\tset edits this".to_string(),
        (true, false, Some(flags)) => format!("\tset needs {}", printable(flags)),
        (true, false, None) => "\tno flag picks this: the file has two of it".to_string(),
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
            short_id(&v.commit),
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
        if let Some(h) = &v.hold {
            line.push_str(&format!("\t{}", hold_column(h)));
        }
        if writeln!(out, "{line}").is_err() {
            break;
        }
    }
}

/// `history --nth N`: the image alone.
pub(super) fn image(image: &str) {
    println!("{image}");
}

/// `update`: each target's choice, one line, and why the other tags were not chosen.
pub(super) fn policies(rows: &[crate::bump::PolicyRow], say: &Say) {
    for r in rows {
        let c = &r.choice;
        let env = r
            .env
            .as_deref()
            .map(|e| format!(" ({e})"))
            .unwrap_or_default();
        let others = c.why_not();
        say.info(&format!(
            "{}{env}: {} on {}: {} tags seen, {} admitted{}; {}{}",
            r.service,
            printable(&r.policy),
            printable(&r.repository),
            c.seen,
            c.admitted,
            if r.invalid > 0 {
                format!(", {} invalid dropped", r.invalid)
            } else {
                String::new()
            },
            printable(&r.why),
            if others.is_empty() {
                String::new()
            } else {
                format!("; others: {}", printable(&others))
            }
        ));
        say.debug(&format!(
            "{}{env}: registry {} page(s), {} request(s), {:.1} ms",
            r.service, r.pages, r.requests, r.millis
        ));
    }
}
