//! GitHub Actions output: `GITHUB_OUTPUT` for later steps, the step summary, and `::error`
//! annotations on the manifest line. Only when the variables GitHub sets are present.

use std::io::Write;

use crate::bump::{Change, Failure, Outcome};

use super::text::Say;

/// Whether this runs in a GitHub Actions step.
pub(super) fn active() -> bool {
    std::env::var_os("GITHUB_ACTIONS").is_some_and(|v| v == "true")
}

/// An `::error file=…,line=…::` annotation with the message's first line.
pub(super) fn annotate(f: &Failure, message: &str) {
    let place = match (&f.file, f.line) {
        (Some(file), Some(line)) => format!(" file={file},line={line}"),
        (Some(file), None) => format!(" file={file}"),
        _ => String::new(),
    };
    let first = message.lines().next().unwrap_or("");
    println!(
        "::error{place}::{}",
        first
            .replace('%', "%25")
            .replace('\r', "%0D")
            .replace('\n', "%0A")
    );
}

/// `set`'s summary table and diff, appended to `GITHUB_STEP_SUMMARY` in a GitHub step.
pub(super) fn summary(o: &Outcome, say: &Say, url: &str) {
    if !active() {
        return;
    }
    let Some(path) = std::env::var_os("GITHUB_STEP_SUMMARY") else {
        return;
    };
    let mut md = String::from("### imgbump\n\n| service | old image | new image | file | commit |\n|---|---|---|---|---|\n");
    for c in &o.changes {
        let commit = if c.superseded_by.is_some() {
            "superseded"
        } else if c.changed {
            o.commit
                .as_deref()
                .map(|x| x.get(..7).unwrap_or(x))
                .unwrap_or("(dry run)")
        } else {
            "unchanged"
        };
        md.push_str(&format!(
            "| {} | `{}` | `{}` | `{}:{}` | {} |\n",
            c.service, c.old, c.new, c.file, c.line, commit
        ));
    }
    let state = if o.pushed {
        format!("Pushed to `{}` on `{url}`.", o.branch)
    } else if o.changed {
        "Not pushed.".into()
    } else if o.superseded() {
        "Superseded: a newer order key is recorded, so nothing was changed.".into()
    } else {
        "Already up to date.".into()
    };
    md.push_str(&format!("\n{state}\n"));
    if !o.diff.is_empty() {
        md.push_str(&format!("\n```diff\n{}```\n", o.diff));
    }
    append(&path, &md, "GITHUB_STEP_SUMMARY", say);
}

/// `set`'s outputs (`changed`, `commit`, `pushed`, `old-image`, `new-image`), appended to
/// `GITHUB_OUTPUT` when it is set.
pub(super) fn outputs(o: &Outcome, say: &Say) {
    let Some(path) = std::env::var_os("GITHUB_OUTPUT") else {
        return;
    };
    let join = |f: &dyn Fn(&Change) -> &str| o.changes.iter().map(f).collect::<Vec<_>>().join(" ");
    let text = format!(
        "status={}\nchanged={}\ncommit={}\npushed={}\nold-image={}\nnew-image={}\n",
        o.status(),
        o.changed,
        o.commit.as_deref().unwrap_or(""),
        o.pushed,
        join(&|c| c.old.as_str()),
        join(&|c| c.new.as_str())
    );
    append(&path, &text, "GITHUB_OUTPUT", say);
}

fn append(path: &std::ffi::OsStr, text: &str, name: &str, say: &Say) {
    if let Err(e) = std::fs::OpenOptions::new()
        .append(true)
        .create(true)
        .open(path)
        .and_then(|mut f| f.write_all(text.as_bytes()))
    {
        say.info(&format!("warning: cannot write {name}: {e}"));
    }
}
