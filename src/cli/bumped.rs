//! A bump run for `set`, `rollback` and `promote`: the bump timed (`-v` says where the time
//! went), and its outcome reported in every form asked for.

use std::time::Instant;

use crate::bump::{self, Options, Outcome, Pair};
use crate::failure::{FailKind, Failure};
use crate::git::Workspace;

use super::args::{HoldFlags, Output, RepoArgs};
use super::say::Say;
use super::{github, json, text};

/// Runs the bump in `ws` (opened at `opened` after `start`), says where the time went (`-v`),
/// and reports the outcome.
pub(super) fn bump(
    ws: &mut Workspace,
    pairs: &[Pair],
    opts: &Options,
    repo: &RepoArgs,
    say: &Say,
    start: Instant,
) -> Result<Outcome, Failure> {
    bump_then(ws, pairs, opts, repo, say, start, false)
}

/// [`bump`]; with `json_later`, the JSON is left for the caller to print with what follows
/// (a wait's outcome).
pub(super) fn bump_then(
    ws: &mut Workspace,
    pairs: &[Pair],
    opts: &Options,
    repo: &RepoArgs,
    say: &Say,
    start: Instant,
    json_later: bool,
) -> Result<Outcome, Failure> {
    let opened = start.elapsed();
    let outcome = bump::set_until(ws, pairs, opts, start + repo.timeout)?;
    let t = &outcome.timings;
    let ms = |d: std::time::Duration| format!("{:.1} ms", d.as_secs_f64() * 1000.0);
    say.debug(&format!(
        "time: {} {}, edit {}{}, commit {}, local write {}, push {}, refetch {}; total {}",
        if ws.is_open() { "open" } else { "clone" },
        ms(opened),
        ms(t.edit),
        if opts.registry.verify || !t.registry.is_zero() {
            format!(", registry {}", ms(t.registry))
        } else {
            String::new()
        },
        ms(t.commit),
        ms(t.local),
        ms(t.push),
        ms(t.refetch),
        ms(start.elapsed())
    ));
    report(
        &outcome,
        repo,
        (opts.delivery.dry_run, json_later),
        say,
        ws.url(),
    );
    Ok(outcome)
}

/// The outcome, in every form asked for.
fn report(
    outcome: &Outcome,
    repo: &RepoArgs,
    (dry_run, json_later): (bool, bool),
    say: &Say,
    url: &str,
) {
    match repo.output {
        Output::Json if json_later => {}
        Output::Json => json::set(outcome, dry_run, None),
        Output::Text if dry_run => text::diff(&outcome.diff),
        Output::Text => {}
    }
    text::set(outcome, dry_run, say, url);
    github::summary(outcome, say, url);
    github::outputs(outcome, say);
}

/// `--fail-on-held`: a held target is an error once the others have landed.
pub(super) fn fail_on_held(outcome: &Outcome, flags: &HoldFlags) -> Result<(), Failure> {
    if !(flags.fail_on_held && outcome.held()) {
        return Ok(());
    }
    let held: Vec<&bump::Change> = outcome
        .changes
        .iter()
        .filter(|c| c.hold_effect == bump::HoldEffect::Held)
        .collect();
    let names: Vec<String> = held
        .iter()
        .map(|c| match &c.env {
            Some(e) => format!("{} in {e}", c.service),
            None => c.service.clone(),
        })
        .collect();
    let commands: Vec<String> = held
        .iter()
        .map(|c| format!("`{}`", super::text::release_command(c)))
        .collect();
    Err(Failure::new(
        FailKind::Refused,
        format!(
            "held: {} is held, so its image was left alone (--fail-on-held); {} lifts the hold",
            names.join(", "),
            commands.join(", ")
        ),
    ))
}
