//! The after stage, once a bump's branch has landed: the pull (merge) request that stands for
//! it, and the older requests of the same service it supersedes. GitLab's request travels with
//! the push as push options; GitHub's is opened through its API.

use crate::failure::{FailKind, Failure};
use crate::forge::{self, github::GitHub, Opened};
use crate::git::Workspace;

use super::plan::Plan;
use super::{branch, order, Forge, HoldEffect, OpenPr, Options};

/// The request to open for `plan`, pushed to `head` on top of `base`.
pub(super) fn request_of(
    plan: &Plan,
    message: &str,
    pr: &OpenPr,
    base: &str,
    head: &str,
) -> forge::Request {
    let title = message.lines().next().unwrap_or("").to_string();
    forge::Request {
        base: base.to_string(),
        head: head.to_string(),
        title,
        body: body_of(plan, message),
        labels: pr.labels.clone(),
        reviewers: pr.reviewers.clone(),
        draft: pr.draft,
        auto_merge: pr.auto_merge,
    }
}

/// The request's description: a table of the changes, then the commit's trailers.
fn body_of(plan: &Plan, message: &str) -> String {
    let mut body = String::from("Bumped by imgbump:\n\n| service | environment | file | old image | new image |\n|---|---|---|---|---|\n");
    let cell = |s: &str| {
        s.replace('|', "\\|")
            .replace('`', "'")
            .chars()
            .filter(|c| !c.is_control())
            .collect::<String>()
    };
    for c in plan.changes.iter().filter(|c| c.changed) {
        body.push_str(&format!(
            "| {} | {} | `{}:{}` | `{}` | `{}` |\n",
            cell(&c.service),
            cell(c.env.as_deref().unwrap_or("")),
            cell(&c.file),
            c.line,
            cell(&c.old),
            cell(&c.new)
        ));
    }
    for c in plan.changes.iter().filter(|c| c.changed) {
        let said = match (c.hold_effect, &c.hold) {
            (HoldEffect::Added, Some(h)) => format!("Holds {}: {h}", c.service),
            (HoldEffect::Released, Some(h)) => format!("Releases the hold on {}: {h}", c.service),
            (HoldEffect::Ignored, Some(h)) => format!("Sets {} despite its hold: {h}", c.service),
            _ => continue,
        };
        body.push_str(&format!("\n{}\n", cell(&said)));
    }
    let trailers = crate::trailers::lines(message);
    if !trailers.is_empty() {
        body.push('\n');
        for t in trailers {
            body.push_str(&format!("{}\n", cell(t)));
        }
    }
    body
}

/// GitLab's push options for the request, when one is asked of GitLab.
pub(super) fn gitlab_options(request: Option<&(&OpenPr, forge::Request)>) -> Vec<String> {
    match request {
        Some((
            OpenPr {
                forge: Forge::GitLab,
                ..
            },
            req,
        )) => forge::gitlab::push_options(req),
        _ => Vec::new(),
    }
}

/// Opens the GitHub pull request for a landed push branch, when one is asked of GitHub, and
/// closes the older ones it supersedes. A failure here leaves the branch pushed, and says so.
pub(super) fn open_github(
    ws: &Workspace,
    plan: &Plan,
    opts: &Options,
    request: Option<&(&OpenPr, forge::Request)>,
) -> Result<Option<Opened>, Failure> {
    let Some((
        OpenPr {
            forge: Forge::GitHub,
            ..
        },
        req,
    )) = request
    else {
        return Ok(None);
    };
    let left = |e: forge::ForgeError| {
        Failure::new(FailKind::Other, e.message).with_hint(format!(
            "the branch {} was pushed; open the pull request by hand, or run again",
            req.head
        ))
    };
    let gh = GitHub::new(
        ws.url(),
        ws.token(),
        opts.limits.timeout.min(std::time::Duration::from_secs(60)),
    )
    .map(|gh| {
        // A rate limit is waited out within --timeout, said on a line of its own.
        gh.until(std::time::Instant::now() + opts.limits.timeout)
            .saying(ws.notice_fn())
    })
    .map_err(left)?;
    let mut opened = gh.open(req).map_err(left)?;
    if let Some(prefix) = supersede_prefix(plan, opts) {
        let order = order_keys(plan, opts);
        for old in gh.open_requests(&req.base).map_err(left)? {
            let theirs = old.number != opened.number
                && old.head.starts_with(&prefix)
                && old.head != req.head;
            if theirs && order::is_older(&old.body, old.number, &order, opened.number) {
                gh.close_superseded(&old, &opened).map_err(left)?;
                opened.closed.push(old.number);
            }
        }
    }
    Ok(Some(opened))
}

/// Requests of the same service and environment: their branches share the name up to `{tag}`.
fn supersede_prefix(plan: &Plan, opts: &Options) -> Option<String> {
    let t = opts.delivery.push_branch.as_deref()?;
    branch::fill(&t[..t.find("{tag}")?], &plan.changes).ok()
}

/// The services this bump changes and its order key.
fn order_keys(plan: &Plan, opts: &Options) -> Vec<(String, u64)> {
    match opts.commit.order {
        Some(o) => plan
            .changes
            .iter()
            .filter(|c| c.changed)
            .map(|c| (c.service.clone(), o.key))
            .collect(),
        None => Vec::new(),
    }
}
