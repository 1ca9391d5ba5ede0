//! JSON output (`--output json`): one object or array on stdout per run; human messages stay
//! on stderr.

use std::io::Write;

use serde_json::json;

use crate::bump::{Outcome, Status};
use crate::failure::FailKind;
use crate::hold::Hold;
use crate::locate::{Found, Version};
use crate::utc::utc;

use super::rows::ListRow;

/// Whether this run has printed its JSON value: stdout holds one, never two.
static PRINTED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

fn print(v: &serde_json::Value) {
    PRINTED.store(true, std::sync::atomic::Ordering::Relaxed);
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{v}");
}

/// The name of a failure's kind in `{"error": {"kind": …}}`.
pub(super) fn kind_name(kind: FailKind) -> &'static str {
    match kind {
        FailKind::Other => "error",
        FailKind::Interrupted => "interrupted",
        FailKind::Usage => "usage",
        FailKind::NotFound => "not-found",
        FailKind::Refused => "refused",
        FailKind::Push => "push",
        FailKind::NotDeployed => "not-deployed",
    }
}

/// `{"error": {"kind": …, "message": …, "hint": …}}`, the hint (what to do) when there is one;
/// nothing when the run printed its outcome already (a run that reports and then fails:
/// `--fail-on-held`, `--fail-on-superseded`, a wait that ends undeployed): the outcome says
/// what happened, the exit code and stderr why it is a failure.
pub(super) fn error(kind: FailKind, message: &str, hint: Option<&str>) {
    if PRINTED.load(std::sync::atomic::Ordering::Relaxed) {
        return;
    }
    let mut e = json!({"kind": kind_name(kind), "message": message});
    if let Some(hint) = hint {
        e["hint"] = json!(hint);
    }
    print(&json!({ "error": e }));
}

/// `set`: what changed, the commit, whether it was pushed; with a dry run, the diff.
pub(super) fn set(o: &Outcome, dry_run: bool, waited: Option<&[super::deployed::Watched]>) {
    print(&set_value(o, dry_run, waited));
}

/// `set`'s object.
fn set_value(
    o: &Outcome,
    dry_run: bool,
    waited: Option<&[super::deployed::Watched]>,
) -> serde_json::Value {
    let changes: Vec<_> = o
        .changes
        .iter()
        .map(|c| {
            let status = c.status().as_str();
            let mut v = json!({"service": c.service, "env": c.env, "file": c.file, "target": c.target, "workload": c.workload, "container": c.container, "line": c.line, "old": c.old, "new": c.new, "changed": c.changed, "status": status, "hold": hold(c.hold.as_ref()), "hold_effect": c.hold_effect.as_str()});
            if let Some(had) = c.superseded_by {
                v["recorded_order_key"] = json!(had);
            }
            v
        })
        .collect();
    let mut v = json!({"status": o.status().as_str(), "changed": o.changed, "commit": o.commit.map(|c| c.to_string()), "branch": o.branch, "pushed": o.pushed, "attempts": o.attempts, "batched": o.batched.unwrap_or(0), "changes": changes});
    if dry_run {
        v["dry_run"] = json!(true);
        v["diff"] = json!(o.diff);
    }
    if let Some(n) = &o.note {
        v["note"] = json!(n);
    }
    if let Some(b) = &o.pushed_branch {
        v["pr_branch"] = json!(b);
    }
    if let Some(w) = waited {
        v["deployed"] = json!(!w.is_empty() && w.iter().all(|x| x.deployed));
        v["deployments"] = json!(deployment_values(w));
    }
    if let Some(pr) = &o.pr {
        v["pr_url"] = json!(pr.url);
        v["pr_number"] = json!(pr.number);
        v["pr_existed"] = json!(pr.existed);
        v["pr_closed"] = json!(pr.closed);
    }
    v
}

/// `update`: `set`'s object for the one commit, with each target's choice under `policies`;
/// with one request per service, their objects under `updates`.
pub(super) fn update(outcomes: &[Outcome], dry_run: bool, rows: &[crate::bump::PolicyRow]) {
    let policies: Vec<_> = rows
        .iter()
        .map(|r| {
            let c = &r.choice;
            json!({"service": r.service, "env": r.env, "file": r.file, "line": r.line, "policy": r.policy, "repository": r.repository, "current": r.current,
                "tags_seen": c.seen, "tags_admitted": c.admitted, "tags_outside": c.outside.0, "tags_unmatched": c.unmatched, "tags_unparsable": c.unparsable.0, "unparsable_examples": c.unparsable.1, "tags_invalid": r.invalid, "pages": r.pages,
                "newest": c.newest, "standing": c.standing.as_str(), "chosen": r.chosen, "why": r.why, "why_not_others": c.why_not(), "status": r.status, "requests": r.requests, "ms": (r.millis * 10.0).round() / 10.0})
        })
        .collect();
    let mut v = match outcomes {
        [one] => set_value(one, dry_run, None),
        many => {
            let status = [Status::Changed, Status::Held, Status::Superseded]
                .into_iter()
                .find(|s| many.iter().any(|o| o.status() == *s))
                .unwrap_or(Status::Unchanged)
                .as_str();
            json!({"status": status, "changed": many.iter().any(|o| o.changed), "updates": many.iter().map(|o| set_value(o, dry_run, None)).collect::<Vec<_>>()})
        }
    };
    v["policies"] = json!(policies);
    print(&v);
}

/// A hold as JSON: `{reason, by, since, until, expired}`, or `null`.
fn hold(h: Option<&Hold>) -> serde_json::Value {
    match h {
        Some(h) => {
            json!({"reason": h.reason, "by": h.by, "since": h.since, "until": h.until, "expired": h.expired(crate::utc::now())})
        }
        None => serde_json::Value::Null,
    }
}

/// A wait's end per application, as JSON values.
pub(super) fn deployment_values(watched: &[super::deployed::Watched]) -> Vec<serde_json::Value> {
    watched
        .iter()
        .map(|w| json!({"service": w.watch.service, "env": w.watch.env, "argocd_app": w.watch.app, "deployed": w.deployed, "health": w.health, "argocd_revision": w.revision, "error": w.error}))
        .collect()
}

/// `wait`: each application's end.
pub(super) fn deployments(watched: &[super::deployed::Watched]) {
    let all = !watched.is_empty() && watched.iter().all(|w| w.deployed);
    print(&json!({"deployed": all, "deployments": deployment_values(watched)}));
}

/// `get`: each service's image and where it stands.
pub(super) fn get(found: &[Found]) {
    let v: Vec<_> = found
        .iter()
        .map(|r| json!({"service": r.service, "env": r.env, "file": r.file, "target": r.held.target, "workload": r.held.workload, "container": r.held.container, "line": r.held.location.line, "image": r.held.image, "hold": hold(r.held.hold.as_ref())}))
        .collect();
    print(&json!(v));
}

/// `list`: every image field of every file the template finds, or the file's error.
pub(super) fn list(rows: &[ListRow]) {
    let v: Vec<_> = rows
        .iter()
        .map(|r| match r {
            ListRow::Image { service, file, field: f, hold: h, set } => json!({"service": service, "file": file, "workload": f.workload_id(), "container": f.container, "role": f.role.as_str(), "line": f.location.line, "image": f.value, "hold": hold(h.as_ref()), "set_default": set.default, "set_flags": set.flags}),
            ListRow::Held { service, env, file, held: h } => json!({"service": service, "env": env, "file": file, "target": h.target, "workload": h.workload, "container": h.container, "line": h.location.line, "image": h.image, "hold": hold(h.hold.as_ref())}),
            ListRow::Error { service, file, error } => json!({"service": service, "file": file, "error": error}),
        })
        .collect();
    print(&json!(v));
}

/// `history`: each version's image, commit and date, newest first.
pub(super) fn history(versions: &[Version]) {
    let v: Vec<_> = versions
        .iter()
        .map(|x| json!({"image": x.image, "commit": x.commit.to_string(), "date": utc(x.time), "author": x.author, "requested_by": x.requested_by, "order_key": x.order_key, "rolled_back_from": x.rolled_back_from, "hold": hold(x.hold.as_ref())}))
        .collect();
    print(&json!(v));
}

/// `history --nth N`: `{"image": …}`.
pub(super) fn image(image: &str) {
    print(&json!({ "image": image }));
}
