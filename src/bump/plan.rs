//! One attempt's edits: each named file read once from the tip, every pair's image set in it
//! by the engine, and the diff of what changed. Pure but for reading blobs.

use std::collections::HashMap;

use crate::config::Placed;
use crate::git::{FileChange, Workspace};
use crate::hold::Hold;
use crate::manifest::Manifest;
use crate::reference::{shown_up_to, ImageSpec, Reference};

use crate::failure::{FailKind, Failure};
use crate::locate::{config_for, locator, read_manifest, resolve};

use super::diff::unified_diff;
use super::registry_check::{Checks, SignatureCheck};
use super::{Change, HoldChange, HoldEffect, Options, Pair};

/// The edits of one attempt.
pub(super) struct Plan {
    pub(super) files: Vec<FileChange>,
    pub(super) changes: Vec<Change>,
    pub(super) diff: String,
}

/// What a plan needs besides the tip: the bump's options, the order keys recorded, and the
/// registry client of the run.
pub(super) struct Inputs<'a> {
    pub(super) pairs: &'a [Pair],
    pub(super) opts: &'a Options,
    pub(super) recorded: &'a HashMap<String, u64>,
    /// Whether a file with uncommitted changes is refused (a checkout's first attempt).
    pub(super) check_dirty: bool,
    /// Now, in Unix seconds: a hold whose `until` has passed no longer holds.
    pub(super) now: i64,
    /// What to do when `--expect-current` does not hold on this tip (it depends on where the
    /// tip is: the one the user sees, or the remote's, ahead of the checkout).
    pub(super) reread: &'a str,
}

pub(super) fn plan(
    ws: &Workspace,
    tip: git2::Oid,
    inputs: &Inputs<'_>,
    checks: &mut Checks,
) -> Result<Plan, Failure> {
    let mut out = Plan {
        files: Vec::new(),
        changes: Vec::new(),
        diff: String::new(),
    };
    for (path, items) in by_file(ws, tip, inputs)? {
        let first = (items[0].0.service.as_str(), path.as_str());
        let original = read_manifest(ws, tip, first, &items[0].1.spec.manifest)?;
        if inputs.check_dirty && ws.is_open() && ws.is_dirty(tip, &path)? {
            return Err(Failure {
                kind: FailKind::Refused,
                message: format!("{path} has uncommitted changes; imgbump leaves them alone"),
                hint: Some(
                    "commit or stash them (`git stash`), then run imgbump again".to_string(),
                ),
                file: Some(path),
                line: None,
            });
        }
        let mut text = original.clone();
        for (p, placed) in items {
            let policy = repo_signature(ws, tip, &placed)?;
            checks.say_to(ws.notice_fn());
            let signed = Signed {
                policy: policy.as_ref(),
                checks,
            };
            let (change, edited) = edit_one(&text, &path, p, &placed, inputs, signed)?;
            if let Some(edited) = edited {
                text = edited;
            }
            out.changes.push(change);
        }
        if text != original {
            out.diff.push_str(&unified_diff(&path, &original, &text));
            out.files.push(FileChange {
                path,
                content: text.into_bytes(),
            });
        }
    }
    Ok(out)
}

/// Each pair's targets on `tip`, grouped by file in the order first named: each file is read
/// once and its edits applied in turn. The config is read from the tip, on every attempt.
#[allow(clippy::type_complexity)]
fn by_file<'p>(
    ws: &Workspace,
    tip: git2::Oid,
    inputs: &Inputs<'p>,
) -> Result<Vec<(String, Vec<(&'p Pair, Placed)>)>, Failure> {
    let sel = &inputs.opts.selection;
    let config = config_for(ws, tip, sel)?;
    let mut by_file: Vec<(String, Vec<(&Pair, Placed)>)> = Vec::new();
    for p in inputs.pairs {
        let placed = resolve(ws, tip, &p.service, sel, config.as_ref())?;
        let only = |t: &Placed| {
            p.only
                .as_ref()
                .is_none_or(|(f, e)| *f == t.path && *e == t.env)
        };
        for placed in placed.into_iter().filter(only) {
            match by_file.iter_mut().find(|(f, _)| *f == placed.path) {
                Some((_, same_file)) => same_file.push((p, placed)),
                None => by_file.push((placed.path.clone(), vec![(p, placed)])),
            }
        }
    }
    Ok(by_file)
}

/// The registry client of the run, with the repository's signature requirement for a target.
pub(super) struct Signed<'a> {
    /// `.imgbump.yaml`'s `signature:` for the target's environment, made usable.
    policy: Option<&'a SignatureCheck>,
    /// The run's registry checks.
    checks: &'a mut Checks,
}

/// The repository's signature requirement for a placed target: `.imgbump.yaml`'s `signature:`
/// for its environment, its key file and trusted root read from the commit being edited.
fn repo_signature(
    ws: &Workspace,
    tip: git2::Oid,
    placed: &Placed,
) -> Result<Option<SignatureCheck>, Failure> {
    let Some(spec) = placed.spec.signature_in(placed.env.as_deref()) else {
        return Ok(None);
    };
    let read = |path: &str| match ws.read(tip, path) {
        Ok(Some(bytes)) => Ok(bytes),
        Ok(None) => Err(format!("{path} is not in the commit being edited")),
        Err(e) => Err(e.to_string()),
    };
    let file = crate::config::FILE;
    crate::bump::signature_check(spec, &read, "").map(Some).map_err(|m| Failure {
        kind: FailKind::Refused,
        message: format!("{file}:{}: signature: {m}", spec.line),
        hint: Some(format!(
            "fix {file} on branch {} (imgbump reads it, and the files it names, from the commit it edits)",
            ws.branch()
        )),
        file: Some(file.into()),
        line: Some(spec.line),
    })
}

/// One pair's edit of `text` (the file at `path`): its change, and the new text when it
/// changes something (not when it was superseded by a newer order key, or its target is held).
fn edit_one(
    text: &str,
    path: &str,
    p: &Pair,
    placed: &Placed,
    inputs: &Inputs<'_>,
    signed: Signed<'_>,
) -> Result<(Change, Option<String>), Failure> {
    let opts = inputs.opts;
    let m = Manifest::parse(text).map_err(|e| Failure::from_edit(path, e))?;
    let locator = locator(&placed.spec, &p.service, &m, path);
    let Some(spec) = &p.spec else {
        return hold_one(&m, &locator, path, p, placed, inputs);
    };
    let mut edit = m
        .set(&locator, spec, &opts.selection.edit)
        .map_err(|e| Failure::from_edit(path, e))?;
    let mut change = change_of(p, placed, path, &edit);
    if let (true, Some(h)) = (edit.changed, &edit.held.hold) {
        let expired = h.expired(inputs.now);
        if !expired && !opts.guards.ignore_hold {
            // A person's word: the image stays, and nothing is asked of the registry.
            change.hold_effect = HoldEffect::Held;
            change.changed = false;
            return Ok((change, None));
        }
        change.hold_effect = match expired {
            true => HoldEffect::Expired,
            false => HoldEffect::Ignored,
        };
    }
    let env = placed.env.as_deref();
    // A signature required: verified at the digest, and that digest is what is written.
    let must_sign = opts.registry.signature.is_some() || signed.policy.is_some();
    let verify = opts.registry.verify || placed.spec.verify.on_in(env) || must_sign;
    let pin = opts.registry.pin || placed.spec.pin_digest.on_in(env) || must_sign;
    if edit.changed && (verify || pin) && opts.registry.offline {
        return Err(Failure::new(
            FailKind::Refused,
            format!("{path}: the target's image is checked with its registry, which only the run that asks for it does"),
        ));
    }
    if edit.changed && (verify || pin) {
        // Asked before anything is written; pinned, the edit is made again with the digest
        // the registry reports.
        if let Some(pinned) = registry_check(spec, &edit, path, pin, opts, signed, inputs.now)? {
            edit = m
                .set(&locator, &ImageSpec::Full(pinned), &opts.selection.edit)
                .map_err(|e| Failure::from_edit(path, e))?;
            change.new.clone_from(&edit.new);
        }
    }
    if edit.changed {
        // An older build's key loses to the one recorded: leave the newer image.
        let key = opts.commit.order.filter(|o| o.check).map(|o| o.key);
        if let (Some(key), Some(&had)) = (key, inputs.recorded.get(&p.service)) {
            if key <= had {
                change.changed = false;
                change.superseded_by = Some(had);
                return Ok((change, None));
            }
        }
        expect_current(&edit.held, p, path, inputs)?;
    }
    let mut text = edit.changed.then_some(edit.text);
    if let Some(HoldChange::Add(hold)) = &opts.guards.hold_change {
        // `rollback --hold`: the image set and the hold added, in one commit.
        let base = text.as_deref().unwrap_or(m.text());
        let m = Manifest::parse(base).map_err(|e| Failure::from_edit(path, e))?;
        let held = m
            .hold(&locator, hold)
            .map_err(|e| Failure::from_edit(path, e))?;
        (change.hold_effect, change.hold) = added(&held, hold);
        if held.changed {
            change.changed = true;
            text = Some(held.text);
        }
    }
    Ok((change, text))
}

/// `hold` and `release`: the hold line added above the target, or removed; the image stays.
fn hold_one(
    m: &Manifest<'_>,
    locator: &crate::manifest::Locator<'_>,
    path: &str,
    p: &Pair,
    placed: &Placed,
    inputs: &Inputs<'_>,
) -> Result<(Change, Option<String>), Failure> {
    let adding = match &inputs.opts.guards.hold_change {
        Some(HoldChange::Add(hold)) => Some(hold),
        Some(HoldChange::Release) | None => None,
    };
    let edit = match adding {
        Some(hold) => m.hold(locator, hold),
        None => m.release(locator),
    }
    .map_err(|e| Failure::from_edit(path, e))?;
    let mut change = change_of(p, placed, path, &edit);
    change.hold_effect = match (adding, edit.changed) {
        (Some(hold), _) => {
            let (effect, standing) = added(&edit, hold);
            change.hold = standing;
            effect
        }
        (None, true) => HoldEffect::Released,
        (None, false) => HoldEffect::NotHeld,
    };
    Ok((change, edit.changed.then_some(edit.text)))
}

/// What adding `hold` came to (`edit` is [`Manifest::hold`]'s): `Added` and that hold, or
/// `AlreadyHeld` and the hold that stood there.
fn added(edit: &crate::manifest::Edit, hold: &Hold) -> (HoldEffect, Option<Hold>) {
    match &edit.held.hold {
        Some(standing) => (HoldEffect::AlreadyHeld, Some(standing.clone())),
        None => (HoldEffect::Added, Some(hold.clone())),
    }
}

/// A pair's change as `edit` found and made it.
fn change_of(p: &Pair, placed: &Placed, path: &str, edit: &crate::manifest::Edit) -> Change {
    let held = &edit.held;
    Change {
        service: p.service.clone(),
        env: placed.env.clone(),
        file: path.to_string(),
        target: held.target.clone(),
        workload: held.workload.clone(),
        container: held.container.clone(),
        line: held.location.line,
        old: held.image.clone(),
        new: edit.new.clone(),
        changed: edit.changed,
        superseded_by: None,
        hold: held.hold.clone(),
        hold_effect: HoldEffect::None,
    }
}

/// `--expect-current` (given, or a rollback's): the image the target must hold now.
fn expect_current(
    held: &crate::manifest::Held,
    p: &Pair,
    path: &str,
    inputs: &Inputs<'_>,
) -> Result<(), Failure> {
    let Some(expected) = &inputs.opts.guards.expect_current else {
        return Ok(());
    };
    if crate::reference::expected_is(expected, &held.image) {
        return Ok(());
    }
    Err(Failure {
        kind: FailKind::Refused,
        message: format!(
            "{path}:{}: the image of {} is {}, not the expected {}; nothing was committed",
            held.location,
            p.service,
            shown_up_to(&held.image, 512),
            shown_up_to(expected, 512),
        ),
        hint: Some(inputs.reread.to_string()),
        file: Some(path.to_string()),
        line: Some(held.location.line),
    })
}

/// Asks the registry about `edit`'s new image; with `pin`, the reference to write instead
/// when the registry reports another digest.
fn registry_check(
    spec: &ImageSpec,
    edit: &crate::manifest::Edit,
    path: &str,
    pin: bool,
    opts: &Options,
    signed: Signed<'_>,
    now: i64,
) -> Result<Option<Reference>, Failure> {
    let line = edit.held.location.line;
    let full = full_reference(spec, &edit.new, path, line)?;
    let checks = signed.checks;
    let found = checks.check(&full, &opts.registry.settings, path, line)?;
    // The command line's requirement and the repository's both apply.
    for sig in opts.registry.signature.iter().chain(signed.policy) {
        let settings = &opts.registry.settings;
        checks.verify_signature(&full, &found.digest, sig, settings, now, path, line)?;
    }
    if !pin || full.digest() == Some(found.digest.as_str()) {
        return Ok(None);
    }
    Reference::from_parts(full.repository(), full.tag(), Some(&found.digest))
        .map(Some)
        .map_err(|e| {
            Failure::new(
                FailKind::Other,
                format!("{path}:{line}: cannot pin {full} to {}: {e}", found.digest),
            )
        })
}

/// The whole reference a registry is asked about: the target's new image, or for a target
/// holding only a tag or a digest, the reference the pair gave.
fn full_reference(
    spec: &ImageSpec,
    new: &str,
    path: &str,
    line: usize,
) -> Result<Reference, Failure> {
    let refused = |m: String| Failure {
        kind: FailKind::Refused,
        message: m,
        hint: None,
        file: Some(path.to_string()),
        line: Some(line),
    };
    if new.starts_with(':') || new.starts_with('@') {
        return match spec {
            ImageSpec::Full(r) => Ok(r.clone()),
            _ => Err(refused(format!(
                "{path}:{line}: the target holds only {}, so imgbump cannot tell which repository to ask the registry about",
                if new.starts_with(':') { "a tag" } else { "a digest" }
            ))
            .with_hint("give the whole reference (SERVICE=registry/repository:tag)")),
        };
    }
    new.parse()
        .map_err(|e: crate::reference::ReferenceError| refused(format!("{path}:{line}: {e}")))
}
