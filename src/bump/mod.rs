//! One bump from start to end: plan the edits on a commit's files with the engine, commit them,
//! push, and on a moved branch fetch and plan again on the new tip (never a textual rebase,
//! never a force push).
//!
//! ```text
//! loop attempt in 1..=retries+1:
//!     tip   = workspace.tip()
//!     edits = plan(pairs, |path| workspace.read(tip, path))      pure engine work   (plan.rs)
//!     no change? -> Unchanged
//!     commit = workspace.commit(tip, edits, message)             objects only       (message.rs)
//!     push: Landed -> done | Moved -> backoff, fetch, again | Rejected -> error  (retry.rs)
//! ```
//!
//! Failures are [`Failure`]s (`failure.rs`); the command line maps their kinds to exit codes.

use std::time::Duration;

use git2::{Oid, Signature};

use crate::git::{Push, PushTo, Workspace};
use crate::reference::ImageSpec;
use crate::service;

mod branch;
mod check;
mod diff;
mod failure;
mod message;
pub mod order;
mod plan;
mod retry;
pub mod targets;

pub use branch::branch_name;
pub use check::RegistryOptions;
pub use diff::unified_diff;
pub use failure::{FailKind, Failure};
pub use message::commit_message;
pub use plan::read_manifest;
pub use targets::Selection;

use plan::{plan, Plan};
pub use retry::backoff;
use retry::{refetch, Deadline};

/// One `SERVICE=IMAGE` pair, validated.
#[derive(Debug, Clone)]
pub struct Pair {
    /// The service name (a DNS label).
    pub service: String,
    /// What its image should become.
    pub spec: ImageSpec,
}

impl std::str::FromStr for Pair {
    type Err = Failure;
    fn from_str(s: &str) -> Result<Self, Failure> {
        let (service, image) = s.split_once('=').ok_or_else(|| {
            Failure::new(
                FailKind::Usage,
                format!("expected SERVICE=IMAGE, got {}", crate::reference::shown(s)),
            )
        })?;
        service::check(service).map_err(|m| Failure::new(FailKind::Refused, m))?;
        let spec = image
            .parse()
            .map_err(|e: crate::reference::ReferenceError| {
                Failure::new(FailKind::Refused, e.to_string())
            })?;
        Ok(Pair {
            service: service.to_string(),
            spec,
        })
    }
}

/// How to bump.
#[derive(Debug, Clone)]
pub struct Options {
    /// Where the images are: templates, selectors, environments, what an edit may add.
    pub selection: Selection,
    /// The commit message template.
    pub message: String,
    /// `Key: value` trailers added to the message.
    pub trailers: Vec<(String, String)>,
    /// The author; `None` takes the repository's `user.*` config, else `fallback_author`.
    pub author: Option<(String, String)>,
    /// The author when neither `author` nor git config names one (in GitHub Actions, the
    /// `github-actions[bot]` account); `None`: `imgbump <imgbump@localhost>`.
    pub fallback_author: Option<(String, String)>,
    /// Print, write nothing.
    pub dry_run: bool,
    /// Commit but do not push.
    pub no_push: bool,
    /// At most this many further push attempts; `None`: as many as `timeout` allows.
    pub retries: Option<u32>,
    /// How long to go on retrying (a moved branch, a dropped connection), from the start.
    pub timeout: Duration,
    /// Compare-and-swap: the image the target must hold now for the edit to be made (with one
    /// pair). Checked on every attempt, against the tip being edited.
    pub expect_current: Option<String>,
    /// `--push-branch`: push to a new branch made from this template instead of the branch.
    pub push_branch: Option<String>,
    /// `--push-option`s (GitLab's `merge_request.*` among them).
    pub push_options: Vec<String>,
    /// `--open-pr`: the forge to open a pull (merge) request on, and how.
    pub open_pr: Option<OpenPr>,
    /// `--sign`; `None`: as the checkout's git config says (`commit.gpgsign`), else unsigned.
    pub sign: Option<crate::sign::Signer>,
    /// What to ask the images' registries (`--verify-image`, `--pin-digest`).
    pub registry: RegistryOptions,
    /// The producer's order key (a number it makes grow, such as a CI run number), recorded in
    /// an `Imgbump-Order: SERVICE=N` trailer; see [`Order`].
    pub order: Option<Order>,
}

/// Where to open a request for a bump pushed to a branch of its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Forge {
    /// GitHub's REST API.
    GitHub,
    /// GitLab's push options.
    GitLab,
}

/// `--open-pr` and its details.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenPr {
    /// Which forge.
    pub forge: Forge,
    /// `--pr-label`s.
    pub labels: Vec<String>,
    /// `--pr-reviewer`s.
    pub reviewers: Vec<String>,
    /// `--draft`.
    pub draft: bool,
    /// `--auto-merge`.
    pub auto_merge: bool,
}

/// An order key, and whether to check it against the one recorded for the service.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Order {
    /// The key to record.
    pub key: u64,
    /// Whether a key not greater than the recorded one makes the change superseded (a rollback
    /// records the current key without being held back by it).
    pub check: bool,
}

/// One service's change.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Change {
    /// The service.
    pub service: String,
    /// The environment, for a target placed in one.
    pub env: Option<String>,
    /// The manifest, relative to the repository root.
    pub file: String,
    /// What holds the image: `Deployment/agent container agent`, `images[name=isa-web]`,
    /// `image (registry, repository, tag)`, `spec…value (tag)`.
    pub target: String,
    /// `Kind/name` of the workload, for a container image (else empty).
    pub workload: String,
    /// The container, for a container image (else empty).
    pub container: String,
    /// The 1-based line of the image.
    pub line: usize,
    /// The image before.
    pub old: String,
    /// The image after.
    pub new: String,
    /// Whether this pair changed anything.
    pub changed: bool,
    /// The order key recorded for the service when this pair's older key lost to it: the
    /// pair was superseded and left alone.
    pub superseded_by: Option<u64>,
}

/// What a bump did.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// Whether a commit was made (or, with `--dry-run`, would be).
    pub changed: bool,
    /// The commit id, if one was made.
    pub commit: Option<String>,
    /// The branch.
    pub branch: String,
    /// Whether the commit reached the remote.
    pub pushed: bool,
    /// Push attempts made.
    pub attempts: u32,
    /// Each pair's change.
    pub changes: Vec<Change>,
    /// Unified diffs of the changed files.
    pub diff: String,
    /// Anything the user should know (e.g. the local branch was left behind).
    pub note: Option<String>,
    /// With `--push-branch`: the branch the commit was pushed to (`branch` is then its base).
    pub pushed_branch: Option<String>,
    /// With `--open-pr github`: the pull request.
    pub pr: Option<crate::forge::Opened>,
    /// Where the time went.
    pub timings: Timings,
}

/// Where a bump's time went, summed over attempts (shown with `-v`).
#[derive(Debug, Clone, Default)]
pub struct Timings {
    /// Reading the manifests and editing them (the engine, verification included).
    pub edit: Duration,
    /// Writing blobs, trees and the commit.
    pub commit: Duration,
    /// Open mode: writing the work tree file, the index and the branch.
    pub local: Duration,
    /// Pushing.
    pub push: Duration,
    /// Fetching again after a moved branch or a cut connection.
    pub refetch: Duration,
    /// Asking registries whether the new images exist, and their digests.
    pub registry: Duration,
}

fn timed<T>(slot: &mut Duration, f: impl FnOnce() -> T) -> T {
    let start = std::time::Instant::now();
    let out = f();
    *slot += start.elapsed();
    out
}

/// Runs a bump in `ws`.
pub fn set(ws: &mut Workspace, pairs: &[Pair], opts: &Options) -> Result<Outcome, Failure> {
    set_until(ws, pairs, opts, std::time::Instant::now() + opts.timeout)
}

/// Runs a bump in `ws`, retrying until `deadline` (the caller may have spent some of
/// `opts.timeout` already, connecting).
pub fn set_until(
    ws: &mut Workspace,
    pairs: &[Pair],
    opts: &Options,
    deadline: std::time::Instant,
) -> Result<Outcome, Failure> {
    // Runs in one checkout go one at a time.
    let _lock = match ws.is_open() && !opts.dry_run {
        true => Some(ws.lock_checkout(deadline)?),
        false => None,
    };
    let deadline = Deadline {
        at: deadline,
        retries: opts.retries,
    };
    let mut t = Timings::default();
    let mut outcome = set_timed(ws, pairs, opts, &deadline, &mut t)?;
    outcome.timings = t;
    Ok(outcome)
}

/// What one push attempt came to, for the loop in [`set_timed`].
enum Next {
    /// The commit is on the remote branch.
    Landed,
    /// Plan again on this tip (the branch moved, or a cut push did not land).
    Again(Oid),
    /// The new branch is already there with this change, at this commit.
    Already(Oid),
}

fn set_timed(
    ws: &mut Workspace,
    pairs: &[Pair],
    opts: &Options,
    deadline: &Deadline,
    t: &mut Timings,
) -> Result<Outcome, Failure> {
    let author = author_of(ws, opts)?;
    // The signer, known before anything is made: --sign, else the checkout's git config.
    let signer = match &opts.sign {
        Some(s) => Some(s.clone()),
        None if ws.is_open() => crate::sign::Signer::from_git_config(&|k| ws.config_value(k))
            .map_err(|m| Failure::new(FailKind::Usage, m))?,
        None => None,
    };
    if ws.is_open() && !opts.dry_run {
        // Checking the index's checksum takes a while for a large index: start now, while
        // the edit is made.
        ws.prepare_index();
    }
    let mut attempts = 0;
    let mut checks = check::Checks::default();
    let mut tip = ws.tip()?;
    let local_start = tip;
    let mut local_commit: Option<Oid> = None;
    // Set when the checkout had the image but the remote did not: the checkout's commit.
    let mut ahead: Option<Oid> = None;
    loop {
        if let Some(signal) = crate::interrupt::requested() {
            return Err(Failure::interrupted(signal, "nothing was pushed"));
        }
        let check_dirty = tip == local_start && local_commit.is_none();
        let recorded = match opts.order {
            Some(o) if o.check => order::recorded(ws, pairs)?,
            _ => Default::default(),
        };
        let before = checks.spent;
        let plan = timed(&mut t.edit, || {
            plan(ws, tip, check_dirty, pairs, opts, &recorded, &mut checks)
        })?;
        // The registry's time is its own, not the engine's.
        t.edit = t.edit.saturating_sub(checks.spent - before);
        t.registry = checks.spent;
        let mut outcome = Outcome::planned(&plan, ws.branch(), attempts);
        if plan.files.is_empty() && ahead.is_none() && local_commit.is_none() && pushes(ws, opts) {
            // The checkout has the image, but has the remote? (An earlier `--no-push`, or a
            // commit not pushed yet.) Plan again on the remote's tip.
            let remote = timed(&mut t.refetch, || refetch(ws, attempts, deadline))?;
            if remote != tip {
                ahead = Some(tip);
                local_commit = Some(tip);
                tip = remote;
                continue;
            }
        }
        if plan.files.is_empty() {
            // After a retry in a checkout: another run landed the same image first. Catch the
            // checkout up if that loses nothing; the run has succeeded either way.
            if let Some(c) = local_commit {
                if !ws.sync_local(c, local_start, tip).unwrap_or(false) {
                    outcome.note = Some(format!("the remote already has this image; the local branch {} keeps its own commit {}", ws.branch(), short(c)));
                }
            }
            return Ok(outcome);
        }
        if opts.dry_run {
            return Ok(outcome);
        }
        let commit = timed(&mut t.commit, || {
            make_commit(ws, tip, &plan, opts, &author, ahead, signer.as_ref())
        })?;
        outcome.commit = Some(commit.to_string());
        // A push to a new branch leaves the checkout's branch alone.
        if ws.is_open() && local_commit.is_none() && opts.push_branch.is_none() {
            timed(&mut t.local, || {
                ws.apply_local(local_start, commit, &plan.files)
            })?;
            local_commit = Some(commit);
        }
        if opts.no_push {
            return Ok(outcome);
        }
        if let Some(signal) = crate::interrupt::requested() {
            let f = Failure::interrupted(signal, "nothing was pushed");
            return Err(stays_local(f, local_commit, ws.branch()));
        }
        attempts += 1;
        outcome.attempts = attempts;
        let mut to = match &opts.push_branch {
            Some(template) => {
                let name = branch::branch_name(template, &plan.changes)?;
                outcome.pushed_branch = Some(name.clone());
                PushTo {
                    branch: Some(name),
                    options: opts.push_options.clone(),
                }
            }
            None => PushTo {
                branch: None,
                options: opts.push_options.clone(),
            },
        };
        let request = match (&opts.open_pr, &to.branch) {
            (Some(pr), Some(head)) => Some((pr, request_of(&plan, opts, pr, ws.branch(), head))),
            _ => None,
        };
        if let Some((
            OpenPr {
                forge: Forge::GitLab,
                ..
            },
            req,
        )) = &request
        {
            to.options.extend(crate::forge::gitlab::push_options(req));
        }
        let next = push_once(ws, commit, attempts, deadline, t, &to, &plan.files)
            .map_err(|f| stays_local(f, local_commit, ws.branch()))?;
        match next {
            Next::Again(new_tip) => tip = new_tip,
            Next::Already(there) => {
                outcome.pushed = true;
                outcome.commit = Some(there.to_string());
                if let Some((
                    OpenPr {
                        forge: Forge::GitHub,
                        ..
                    },
                    req,
                )) = &request
                {
                    outcome.pr = Some(open_github(ws, opts, req)?);
                }
                outcome.note = Some(format!(
                    "the branch {} already has this change (commit {}); nothing was pushed",
                    to.branch.as_deref().unwrap_or(""),
                    short(there)
                ));
                return Ok(outcome);
            }
            Next::Landed => {
                outcome.pushed = true;
                if let Some((
                    OpenPr {
                        forge: Forge::GitHub,
                        ..
                    },
                    req,
                )) = &request
                {
                    outcome.pr = Some(open_github(ws, opts, req)?);
                }
                if let Some(lc) = local_commit {
                    if lc != commit && !ws.sync_local(lc, local_start, commit)? {
                        outcome.note = Some(format!(
                            "the branch moved on the remote, so the pushed commit {} was rebuilt on it; the local branch {} was left at {} (run `git pull` to catch up)",
                            short(commit),
                            ws.branch(),
                            short(lc)
                        ));
                    }
                }
                return Ok(outcome);
            }
        }
    }
}

/// The commit of `plan` on `tip`: the message from the template, the trailers and the order
/// key. When the checkout's own commit `ahead` is exactly this change on `tip` (an earlier
/// `--no-push`), that one, so that the checkout and the remote agree.
fn make_commit(
    ws: &Workspace,
    tip: Oid,
    plan: &Plan,
    opts: &Options,
    author: &Signature<'_>,
    ahead: Option<Oid>,
    signer: Option<&crate::sign::Signer>,
) -> Result<Oid, Failure> {
    let message = message_of(plan, opts);
    let sign = signer.map(|s| move |buf: &[u8]| s.sign(buf));
    let commit = match &sign {
        Some(f) => ws.commit_signed_by(tip, &plan.files, &message, author, Some(f))?,
        None => ws.commit(tip, &plan.files, &message, author)?,
    };
    if let Some(local) = ahead {
        if ws.tree_and_parent(local)? == (ws.tree_and_parent(commit)?.0, Some(tip)) {
            return Ok(local);
        }
    }
    Ok(commit)
}

/// The commit message of `plan`: the template, the trailers and the order key.
fn message_of(plan: &Plan, opts: &Options) -> String {
    let mut trailers = opts.trailers.clone();
    if let Some(o) = opts.order {
        trailers.extend(order::trailers(&plan.changes, o.key));
    }
    commit_message(&opts.message, &plan.changes, &trailers)
}

/// The request to open for `plan`, pushed to `head` on top of `base`.
fn request_of(
    plan: &Plan,
    opts: &Options,
    pr: &OpenPr,
    base: &str,
    head: &str,
) -> crate::forge::Request {
    let message = message_of(plan, opts);
    let title = message.lines().next().unwrap_or("").to_string();
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
    let trailers: Vec<&str> = message
        .lines()
        .skip_while(|l| !l.is_empty())
        .filter(|l| l.contains(": "))
        .collect();
    if !trailers.is_empty() {
        body.push('\n');
        for t in trailers {
            body.push_str(&format!("{}\n", cell(t)));
        }
    }
    // Requests of the same service and environment: their branches share the name up to {tag}.
    let prefix = opts
        .push_branch
        .as_deref()
        .and_then(|t| Some(branch::fill(&t[..t.find("{tag}")?], &plan.changes)));
    let order = match opts.order {
        Some(o) => plan
            .changes
            .iter()
            .filter(|c| c.changed)
            .map(|c| (c.service.clone(), o.key))
            .collect(),
        None => Vec::new(),
    };
    crate::forge::Request {
        base: base.to_string(),
        head: head.to_string(),
        title,
        body,
        labels: pr.labels.clone(),
        reviewers: pr.reviewers.clone(),
        draft: pr.draft,
        auto_merge: pr.auto_merge,
        supersede_prefix: prefix,
        order,
    }
}

/// Opens the GitHub pull request for a landed push branch. A failure here leaves the branch
/// pushed, and says so.
fn open_github(
    ws: &Workspace,
    opts: &Options,
    req: &crate::forge::Request,
) -> Result<crate::forge::Opened, Failure> {
    crate::forge::github::GitHub::new(
        ws.url(),
        ws.token(),
        opts.timeout.min(std::time::Duration::from_secs(60)),
    )
    .and_then(|gh| gh.open(req))
    .map_err(|e| {
        Failure::new(
            FailKind::Other,
            format!(
                "{}\nthe branch {} was pushed; open the pull request by hand, or run again",
                e.message, req.head
            ),
        )
    })
}

/// Whether this run pushes from a checkout with a remote (not a dry run, not `--no-push`).
fn pushes(ws: &Workspace, opts: &Options) -> bool {
    !opts.dry_run && !opts.no_push && ws.is_open() && !ws.url().is_empty()
}

/// The commit's author: `--author`, else the repository's `user.*`, else the fallback (in
/// GitHub Actions the bot account), else imgbump's own.
fn author_of(ws: &Workspace, opts: &Options) -> Result<Signature<'static>, Failure> {
    let (name, email) = opts
        .author
        .clone()
        .or_else(|| ws.configured_author())
        .or_else(|| opts.fallback_author.clone())
        .unwrap_or_else(|| ws.default_author());
    Signature::now(&name, &email).map_err(|e| {
        Failure::new(
            FailKind::Usage,
            format!("invalid --author: {}", e.message()),
        )
    })
}

/// A push that failed from a checkout: the commit stays on the local branch, and the failure
/// says so (a missing remote branch is then a failed push, not "nothing matched").
fn stays_local(mut f: Failure, local_commit: Option<Oid>, branch: &str) -> Failure {
    if let Some(lc) = local_commit {
        if f.kind == FailKind::NotFound {
            f.kind = FailKind::Push;
        }
        f.message.push_str(&format!(
            "\nthe commit {} stays on the local branch {branch}, not pushed; push it with `git push` once the remote takes it",
            short(lc)
        ));
    }
    f
}

/// Pushes `commit` (attempt number `attempts`); on a moved branch or a cut connection waits,
/// fetches, and says where to plan again, while `deadline` allows.
#[allow(clippy::too_many_arguments)]
fn push_once(
    ws: &mut Workspace,
    commit: Oid,
    attempts: u32,
    deadline: &Deadline,
    t: &mut Timings,
    to: &PushTo,
    files: &[crate::git::FileChange],
) -> Result<Next, Failure> {
    let result = timed(&mut t.push, || ws.push_with(commit, to));
    if let Some(name) = &to.branch {
        // A new branch: never moved or forced. Taken by the same change: success; by other
        // content: refused.
        // Its tip is fetched once, so that its files can be read.
        let there = match &result {
            Ok(Push::Exists(_) | Push::Moved) => ws.fetch_branch(name)?,
            _ => None,
        };
        if let Some(at) = there {
            if branch::holds(ws, at, files)? {
                return Ok(Next::Already(at));
            }
            return Err(Failure::new(
                FailKind::Refused,
                format!(
                    "the branch {name} exists on {} with other content (commit {}); nothing was pushed\ndelete it, merge or close its pull request, or choose another --push-branch",
                    ws.url(),
                    short(at)
                ),
            ));
        }
    }
    if let Some(signal) = crate::interrupt::requested() {
        // A push cut short may still have landed: say so plainly.
        return Err(Failure::interrupted(
            signal,
            "the push may or may not have reached the remote; run imgbump again (it finds out, and lands once)",
        ));
    }
    let mut result = result?;
    if let Push::Interrupted(_) = result {
        let wait = backoff(attempts);
        if deadline.allows(attempts, wait) {
            crate::interrupt::sleep(wait);
            let tip = timed(&mut t.refetch, || refetch(ws, attempts, deadline))?;
            if tip != commit {
                return Ok(Next::Again(tip));
            }
            // The server took the push; only its answer was lost.
            result = Push::Landed;
        }
    }
    match result {
        Push::Landed => Ok(Next::Landed),
        Push::Moved => {
            let wait = backoff(attempts);
            if !deadline.allows(attempts, wait) {
                return Err(Failure::new(
                    FailKind::Push,
                    format!(
                        "the push to {} was rejected {} because the branch {} kept moving ({}); nothing was lost on the remote\nrun imgbump again, or raise {}",
                        ws.url(),
                        times(attempts),
                        ws.branch(),
                        deadline.spent(attempts),
                        deadline.knob(attempts),
                    ),
                ));
            }
            crate::interrupt::sleep(wait);
            Ok(Next::Again(timed(&mut t.refetch, || {
                refetch(ws, attempts, deadline)
            })?))
        }
        Push::Exists(at) => Err(Failure::new(
            FailKind::Push,
            format!(
                "the push to {} {} was answered as if creating a new branch (it is at {}); nothing was pushed\nthis is a bug in imgbump: please report it with -vv",
                ws.url(),
                ws.branch(),
                short(at)
            ),
        )),
        Push::Interrupted(why) => Err(Failure::new(
            FailKind::Push,
            format!(
                "the push to {} failed {} (the connection was cut), the last with: {why}\na push lands whole or not at all: the remote holds nothing partial ({}); run imgbump again, or raise {}",
                ws.url(),
                times(attempts),
                deadline.spent(attempts),
                deadline.knob(attempts),
            ),
        )),
    }
}

/// "once", "3 times".
fn times(n: u32) -> String {
    if n == 1 {
        "once".to_string()
    } else {
        format!("{n} times")
    }
}

impl Outcome {
    /// Whether a pair was left alone because a newer order key is recorded for its service.
    pub fn superseded(&self) -> bool {
        self.changes.iter().any(|c| c.superseded_by.is_some())
    }

    /// `changed` (a commit was made, or with a dry run would be), `superseded` (nothing
    /// changed, and a pair lost to a newer order key) or `unchanged`.
    pub fn status(&self) -> &'static str {
        if self.changed {
            "changed"
        } else if self.superseded() {
            "superseded"
        } else {
            "unchanged"
        }
    }

    /// What an attempt would do before it commits: its plan's changes, nothing pushed yet.
    fn planned(plan: &Plan, branch: &str, attempts: u32) -> Outcome {
        Outcome {
            changed: !plan.files.is_empty(),
            commit: None,
            branch: branch.to_string(),
            pushed: false,
            attempts,
            changes: plan.changes.clone(),
            diff: plan.diff.clone(),
            note: None,
            pushed_branch: None,
            pr: None,
            timings: Timings::default(),
        }
    }
}

fn short(oid: git2::Oid) -> String {
    oid.to_string().chars().take(7).collect()
}
