//! GitHub Actions output: `GITHUB_OUTPUT` for later steps, the step summary, and `::error`
//! annotations on the manifest line. Only when the variables GitHub sets are present.

use std::io::Write;

use crate::bump::{Change, HoldEffect, Outcome, Status};
use crate::failure::Failure;
use crate::git::short_id;

use super::say::{printable, printable_lines, Say};

/// Whether this runs in a GitHub Actions step.
pub(super) fn active() -> bool {
    std::env::var_os("GITHUB_ACTIONS").is_some_and(|v| v == "true")
}

/// An `::error file=…,line=…::` annotation with the whole message and, after it, the hint
/// (what to do) on lines of their own (`%0A` is a line break in an annotation).
pub(super) fn annotate(f: &Failure, message: &str, hint: Option<&str>) {
    let place = match (&f.file, f.line) {
        (Some(file), Some(line)) => format!(" file={},line={line}", property(file)),
        (Some(file), None) => format!(" file={}", property(file)),
        _ => String::new(),
    };
    let data = |s: &str| {
        printable_lines(s.trim_end())
            .replace('%', "%25")
            .replace('\r', "%0D")
            .replace('\n', "%0A")
    };
    match hint {
        Some(hint) => println!("::error{place}::{}%0A{}", data(message), data(hint)),
        None => println!("::error{place}::{}", data(message)),
    }
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
        let commit = match (c.status(), o.commit) {
            (Status::Changed, Some(commit)) => short_id(&commit),
            (Status::Changed, None) => "(dry run)".to_string(),
            (status, _) => status.as_str().to_string(),
        };
        let service = match &c.env {
            Some(env) => format!("{} ({env})", c.service),
            None => c.service.clone(),
        };
        md.push_str(&format!(
            "| {} | `{}` | `{}` | `{}:{}` | {} |\n",
            service,
            cell(&c.old),
            cell(&c.new),
            cell(&c.file),
            c.line,
            commit
        ));
    }
    let state = if let Some(pr) = &o.pr {
        format!(
            "Pushed to `{}`; pull request [#{}]({}).",
            cell(o.pushed_branch.as_deref().unwrap_or("")),
            pr.number,
            cell(&pr.url)
        )
    } else if o.pushed {
        format!(
            "Pushed to `{}` on `{url}`.",
            cell(o.pushed_branch.as_deref().unwrap_or(&o.branch))
        )
    } else if o.changed {
        "Not pushed.".into()
    } else if o.held() {
        "Held: a person's hold stands on the target, so nothing was changed (`imgbump release` lifts it).".into()
    } else if o.superseded() {
        "Superseded: a newer order key is recorded, so nothing was changed.".into()
    } else {
        "Already up to date.".into()
    };
    md.push_str(&format!("\n{state}\n"));
    for c in o.changes.iter().filter(|c| c.hold.is_some()) {
        if let Some(h) = &c.hold {
            md.push_str(&format!(
                "\n{} hold on {}: {}\n",
                match c.hold_effect {
                    HoldEffect::Expired => "Expired",
                    HoldEffect::Released => "Released",
                    HoldEffect::Ignored => "Ignored",
                    _ => "A",
                },
                c.service,
                md_text(&h.to_string())
            ));
        }
    }
    if !o.diff.is_empty() {
        let diff = printable_lines(&o.diff).replace("```", "`\u{200b}``");
        md.push_str(&format!("\n```diff\n{diff}```\n"));
    }
    append(&path, &md, "GITHUB_STEP_SUMMARY", say);
}

/// `update`'s table of choices in the step summary, and its `chosen` output (`SERVICE=IMAGE`
/// per target that moves, space-separated).
pub(super) fn policies(rows: &[crate::bump::PolicyRow], say: &Say) {
    if let Some(path) = std::env::var_os("GITHUB_OUTPUT") {
        let chosen: Vec<String> = rows
            .iter()
            .filter_map(|r| r.chosen.as_ref().map(|c| format!("{}={c}", r.service)))
            .collect();
        append(
            &path,
            &output_line("chosen", &chosen.join(" ")),
            "GITHUB_OUTPUT",
            say,
        );
    }
    let Some(path) = std::env::var_os("GITHUB_STEP_SUMMARY").filter(|_| active()) else {
        return;
    };
    let mut md = String::from("\n| service | policy | tags seen | admitted | newest | chosen | status | why the others not |\n|---|---|---|---|---|---|---|---|\n");
    for r in rows {
        let c = &r.choice;
        let service = match &r.env {
            Some(env) => format!("{} ({env})", r.service),
            None => r.service.clone(),
        };
        md.push_str(&format!(
            "| {} | `{}` | {} | {} | `{}` | `{}` | {} | {} |\n",
            cell(&service),
            cell(&r.policy),
            c.seen,
            c.admitted,
            cell(c.newest.as_deref().unwrap_or("")),
            cell(r.chosen.as_deref().unwrap_or("")),
            r.status,
            cell(&format!("{}; {}", r.why, c.why_not()))
        ));
    }
    append(&path, &md, "GITHUB_STEP_SUMMARY", say);
}

/// A failed run's step summary: what failed (redacted, escaped) and the exit code, so that a
/// red step says why without opening its log; and the `status=failed` output.
pub(super) fn failure(message: &str, code: i32, say: &Say) {
    if !active() {
        return;
    }
    if let Some(path) = std::env::var_os("GITHUB_STEP_SUMMARY") {
        let text = printable_lines(message).replace("```", "`\u{200b}``");
        let md = format!(
            "### imgbump\n\nFailed (exit {code}):\n\n```\n{}\n```\n",
            text.trim_end()
        );
        append(&path, &md, "GITHUB_STEP_SUMMARY", say);
    }
    if let Some(path) = std::env::var_os("GITHUB_OUTPUT") {
        append(
            &path,
            &output_line("status", "failed"),
            "GITHUB_OUTPUT",
            say,
        );
    }
}

/// `set`'s outputs (`status`, `changed`, `commit`, `pushed`, `batched`, `old-image`, `new-image`),
/// appended to `GITHUB_OUTPUT` when it is set. Each is written in GitHub's multi-line form,
/// `name<<DELIMITER`, with a delimiter the value does not hold, so that a value read from a
/// manifest (an old image with line breaks) cannot add outputs of its own.
pub(super) fn outputs(o: &Outcome, say: &Say) {
    let Some(path) = std::env::var_os("GITHUB_OUTPUT") else {
        return;
    };
    let join = |f: &dyn Fn(&Change) -> &str| o.changes.iter().map(f).collect::<Vec<_>>().join(" ");
    let mut pairs = vec![
        ("status", o.status().as_str().to_string()),
        ("changed", o.changed.to_string()),
        (
            "commit",
            o.commit.map(|c| c.to_string()).unwrap_or_default(),
        ),
        ("pushed", o.pushed.to_string()),
        ("batched", o.batched.unwrap_or(0).to_string()),
        ("old-image", join(&|c| c.old.as_str())),
        ("new-image", join(&|c| c.new.as_str())),
    ];
    let held: Vec<&str> = o
        .changes
        .iter()
        .filter(|c| c.hold_effect == HoldEffect::Held)
        .map(|c| c.service.as_str())
        .collect();
    if !held.is_empty() {
        pairs.push(("held", held.join(" ")));
    }
    // A branch and a pull request only when there are some.
    if let Some(b) = &o.pushed_branch {
        pairs.push(("pr-branch", b.clone()));
    }
    if let Some(pr) = &o.pr {
        pairs.push(("pr-url", pr.url.clone()));
        pairs.push(("pr-number", pr.number.to_string()));
    }
    let text: String = pairs
        .iter()
        .map(|(name, value)| output_line(name, value))
        .collect();
    append(&path, &text, "GITHUB_OUTPUT", say);
}

/// A wait's outputs (`deployed`, `health`, `argocd-revision`) when `GITHUB_OUTPUT` is set,
/// and its summary lines in a GitHub step.
pub(super) fn deployment(watched: &[super::deployed::Watched], say: &Say) {
    let all = |f: &dyn Fn(&super::deployed::Watched) -> String| {
        watched.iter().map(f).collect::<Vec<_>>().join(" ")
    };
    if let Some(path) = std::env::var_os("GITHUB_OUTPUT") {
        let deployed = !watched.is_empty() && watched.iter().all(|w| w.deployed);
        let text: String = [
            ("deployed", deployed.to_string()),
            ("health", all(&|w| w.health.clone())),
            ("argocd-revision", all(&|w| w.revision.clone())),
        ]
        .iter()
        .map(|(n, v)| output_line(n, v))
        .collect();
        append(&path, &text, "GITHUB_OUTPUT", say);
    }
    let summary = std::env::var_os("GITHUB_STEP_SUMMARY").filter(|_| active());
    if let Some(path) = summary {
        let mut md = String::from("\n| service | Argo CD application | deployed | health | revision |\n|---|---|---|---|---|\n");
        for w in watched {
            let service = match &w.watch.env {
                Some(e) => format!("{} ({e})", w.watch.service),
                None => w.watch.service.clone(),
            };
            md.push_str(&format!(
                "| {} | `{}` | {} | {} | `{}` |\n",
                cell(&service),
                cell(&w.watch.app),
                if w.deployed { "✅" } else { "❌" },
                cell(&w.health),
                cell(&w.revision.chars().take(12).collect::<String>())
            ));
            if let Some(e) = &w.error {
                let e: String = e.chars().take(4_000).collect();
                md.push_str(&format!("\n{}: {}\n", md_text(&w.watch.app), md_text(&e)));
            }
        }
        append(&path, &md, "GITHUB_STEP_SUMMARY", say);
    }
}

/// One output in GitHub's `name<<DELIMITER` form.
pub(super) fn output_line(name: &str, value: &str) -> String {
    let delimiter = delimiter_for(value);
    format!("{name}<<{delimiter}\n{value}\n{delimiter}\n")
}

/// A delimiter that stands in no line of `value`: `ghadelimiter_` and random hex.
fn delimiter_for(value: &str) -> String {
    loop {
        let d = format!("ghadelimiter_{:016x}", crate::random::u64());
        if !value.contains(&d) {
            return d;
        }
    }
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

/// A value in a summary table cell: control characters escaped, and no `|` or backtick to
/// end the cell or the code span.
fn cell(value: &str) -> String {
    printable(value).replace('|', "\\|").replace('`', "'")
}

/// Text outside a code span in the summary's Markdown: control characters (line breaks
/// among them) escaped, and every character Markdown or HTML could act on backslash-escaped
/// (`<` as `&lt;`), so that a hold's reason or Argo CD's words make no link, image, heading,
/// emphasis or tag.
fn md_text(value: &str) -> String {
    let mut out = String::new();
    for c in printable(value).chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '\\' | '`' | '*' | '_' | '[' | ']' | '(' | ')' | '#' | '!' | '|' | '~' | '{' | '}'
            | '+' | '-' | '.' | ':' | '=' => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out
}

/// A workflow command's property value, escaped as GitHub's toolkit escapes it.
fn property(value: &str) -> String {
    value
        .replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
        .replace(':', "%3A")
        .replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outputs_cannot_be_forged_by_their_values() {
        let value = "evil:1\npushed=false\ninjected<<EOF\nyes\nEOF";
        let line = output_line("old-image", value);
        let (head, rest) = line.split_once('\n').unwrap();
        let delimiter = head.strip_prefix("old-image<<").unwrap();
        assert!(delimiter.starts_with("ghadelimiter_"));
        assert_eq!(rest, format!("{value}\n{delimiter}\n"));
        assert!(!value.contains(delimiter));
        assert_eq!(cell("a|b`c\u{1b}]0;x\u{7}"), "a\\|b'c\\u{1b}]0;x\\u{7}");
        assert_eq!(property("a,b:c\nd"), "a%2Cb%3Cc%0Ad".replace("%3C", "%3A"));
        assert_eq!(
            md_text("[x](https://e.v) ![i](u) <img src=x> **b** `c`\n# h"),
            "\\[x\\]\\(https\\://e\\.v\\) \\!\\[i\\]\\(u\\) &lt;img src\\=x&gt; \\*\\*b\\*\\* \\`c\\`\\\\n\\# h"
        );
    }
}
