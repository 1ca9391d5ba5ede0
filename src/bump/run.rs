//! One run: the stages (plan → commit → deliver → after) tried on the branch's tip, and again
//! on the new tip while the branch moves, until the change lands or the deadline passes.

use std::time::Instant;

use git2::Oid;

use crate::failure::Failure;
use crate::git::{PushTo, Workspace};

use super::after;
use super::commit::{message_of, Committer};
use super::deliver::{self, Delivered};
use super::outcome::{timed, Outcome, Timings};
use super::plan::{plan, Inputs, Plan};
use super::registry_check::Checks;
use super::retry::{refetch, Deadline};
use super::{branch, order, standing, via_github, CommitVia, Options, Pair};
use crate::git::short_id;

/// Runs a bump in `ws`, retrying until `deadline` (the caller may have spent some of
/// `opts.limits.timeout` already, connecting).
pub(crate) fn set_until(
    ws: &mut Workspace,
    pairs: &[Pair],
    opts: &Options,
    deadline: Instant,
) -> Result<Outcome, Failure> {
    // Runs in one checkout go one at a time.
    let _lock = match ws.is_open() && !opts.delivery.dry_run {
        true => Some(ws.lock_checkout(deadline)?),
        false => None,
    };
    let committer = Committer::of(ws, opts)?;
    if ws.is_open() && !opts.delivery.dry_run {
        // Checking the index's checksum takes a while for a large index: start now, while
        // the edit is made.
        ws.prepare_index();
    }
    let start = ws.tip()?;
    // A checkout is not the remote: a push must build on the remote's tip, so a checkout
    // behind or ahead of it is planned there, and nothing is written locally until it lands.
    let standing = standing::at_start(ws, opts);
    let stale = standing.as_ref().filter(|s| !s.up_to_date());
    // A dry run reads what the user sees (its diff applies to the work tree), and says how
    // that stands against the remote.
    let tip = match opts.delivery.dry_run {
        true => start,
        false => stale.map_or(start, |s| s.remote),
    };
    let mut run = Run {
        ws,
        pairs,
        opts,
        deadline: Deadline::new(
            crate::retry::Retry::new(deadline, opts.limits.retries)
                .connect(opts.limits.connect_timeout),
        ),
        committer,
        t: Timings::default(),
        checks: Checks::default(),
        attempts: 0,
        local: Local {
            start,
            commit: None,
            ahead: stale.filter(|s| s.ahead > 0).map(|s| s.local),
            write_first: stale.is_none(),
            standing,
        },
        github: None,
        moved: false,
        contended: false,
        no_requests: false,
        ahead: None,
        loose: Vec::new(),
    };
    let staged = run.stages(tip);
    run.withdraw_ahead();
    let mut outcome = staged?;
    outcome.timings = run.t;
    Ok(outcome)
}

/// One attempt's plan, made on `tip`, and its commit message.
struct Attempt<'p> {
    tip: Oid,
    plan: &'p Plan,
    message: String,
}

/// What a checkout run has done to its own branch.
pub(super) struct Local {
    /// The branch's commit when the run began.
    pub(super) start: Oid,
    /// The commit the run put on the local branch, if any.
    pub(super) commit: Option<Oid>,
    /// Set when the checkout had the image but the remote did not: the checkout's commit.
    pub(super) ahead: Option<Oid>,
    /// Whether the change is written to the checkout before the push (its branch is where
    /// the remote's is), or only brought there once it landed (the checkout was behind or
    /// ahead: the plan was made on the remote's tip).
    pub(super) write_first: bool,
    /// Where the branch stood against its upstream at the start (fetched), when known.
    pub(super) standing: Option<crate::git::Standing>,
}

/// A run in progress.
pub(super) struct Run<'r> {
    pub(super) ws: &'r mut Workspace,
    pub(super) pairs: &'r [Pair],
    pub(super) opts: &'r Options,
    pub(super) deadline: Deadline,
    pub(super) committer: Committer,
    pub(super) t: Timings,
    pub(super) checks: Checks,
    pub(super) attempts: u32,
    pub(super) local: Local,
    /// GitHub's API, for `--commit-via github`: made at the first delivery, kept for the rest.
    pub(super) github: Option<crate::forge::github::GitHub>,
    /// Whether the remote's branch moved while the run went on (a push was refused as moved,
    /// and a fetch found a new tip).
    pub(super) moved: bool,
    /// Whether this run met others at the branch (a push lost a race): it goes through a batch.
    pub(super) contended: bool,
    /// The remote refused a request ref: no batches in this run.
    pub(super) no_requests: bool,
    /// The request a push published when it found the branch moved, for the batch to use.
    pub(super) ahead: Option<Ahead>,
    /// Requests this run may have published and no longer waits on (every try to publish one
    /// failed, and a cut try may have done it): deleted at its end, best effort, so that none
    /// stays behind with no run waiting for it.
    pub(super) loose: Vec<String>,
}

/// A request made before a push to the branch, published by that push if it found the branch
/// moved (`batch.rs` makes and takes it; the run keeps it between the push and the batch).
pub(super) struct Ahead {
    /// The tip it was planned on (the commit's parent).
    pub(super) tip: Oid,
    pub(super) id: String,
    pub(super) message: String,
    /// What the remote said to it; `None` until a push published it.
    pub(super) said: Option<crate::git::RefPush>,
}

/// What to do after a plan that changes nothing.
enum Nothing {
    /// Plan again on the remote's tip.
    Again(Oid),
    /// Done.
    Done,
}

impl Run<'_> {
    /// The loop over the stages, from `tip`.
    fn stages(&mut self, mut tip: Oid) -> Result<Outcome, Failure> {
        loop {
            if let Some(signal) = crate::interrupt::requested() {
                return Err(Failure::interrupted(signal, "nothing was pushed"));
            }
            let plan = match self.plan(tip) {
                Ok(plan) => plan,
                Err(f) => return Err(self.nothing_pushed(f, tip)),
            };
            let mut outcome = Outcome::planned(&plan, self.ws.branch(), self.attempts);
            if plan.files.is_empty() {
                match self.nothing_to_do(tip, &mut outcome)? {
                    Nothing::Again(remote) => {
                        tip = remote;
                        continue;
                    }
                    Nothing::Done => return Ok(outcome),
                }
            }
            if self.opts.delivery.dry_run {
                if let Some(s) = self.local.standing.as_ref().filter(|s| !s.up_to_date()) {
                    outcome.note = Some(standing::dry_run(s));
                }
                return Ok(outcome);
            }
            // The message of this attempt, made once: for the commit, GitHub's commit API and
            // the pull request alike.
            let attempt = Attempt {
                tip,
                message: message_of(&plan, self.opts),
                plan: &plan,
            };
            if self.batch_now() {
                // A batch makes its own commit: only a checkout's first write comes before it.
                if self.writes_first() {
                    match self.commit(&attempt) {
                        Ok(commit) => outcome.commit = Some(commit),
                        Err(f) => return Err(self.nothing_pushed(f, tip)),
                    }
                }
                match self.batched(tip, &plan, &mut outcome) {
                    Ok(true) => return Ok(outcome),
                    // The remote takes no request refs: this plan is pushed as it is.
                    Ok(false) => {}
                    Err(f) => return Err(self.nothing_pushed(f, tip)),
                }
            }
            let commit = match outcome.commit {
                Some(commit) => commit,
                None => match self.commit(&attempt) {
                    Ok(commit) => commit,
                    Err(f) => return Err(self.nothing_pushed(f, tip)),
                },
            };
            outcome.commit = Some(commit);
            if self.opts.delivery.no_push {
                return Ok(outcome);
            }
            let delivered = match self.deliver(&attempt, commit, &mut outcome) {
                Ok(delivered) => delivered,
                // After the branch moved, the local commit (built where it was) cannot be
                // pushed as it is: taken back rather than left to diverge.
                Err(f) if self.moved => return Err(self.nothing_pushed(f, tip)),
                Err(f) => return Err(f),
            };
            match delivered {
                Some(new_tip) => {
                    self.moved |= new_tip != tip;
                    self.contended = true;
                    tip = new_tip;
                }
                None => return Ok(outcome),
            }
        }
    }

    /// The plan stage: the order keys recorded, and the edits on `tip`.
    fn plan(&mut self, tip: Oid) -> Result<Plan, Failure> {
        // The work tree is the branch's only when it is checked out; and only a run that
        // writes to it first needs its file unmodified.
        let check_dirty = tip == self.local.start
            && self.local.commit.is_none()
            && self.local.write_first
            && self.ws.on_branch();
        let service = self.pairs.first().map_or("", |p| p.service.as_str());
        let reread = standing::reread(
            self.local.standing.as_ref(),
            self.moved,
            service,
            self.ws.is_open(),
        );
        let recorded = match self.opts.commit.order {
            Some(o) if o.check => order::recorded(self.ws, self.pairs)?,
            _ => Default::default(),
        };
        let before = self.checks.spent;
        let inputs = Inputs {
            pairs: self.pairs,
            opts: self.opts,
            recorded: &recorded,
            check_dirty,
            now: crate::utc::now(),
            reread: &reread,
        };
        let (ws, checks) = (&*self.ws, &mut self.checks);
        let plan = timed(&mut self.t.edit, || plan(ws, tip, &inputs, checks))?;
        // The registry's time is its own, not the engine's.
        self.t.edit = self.t.edit.saturating_sub(self.checks.spent - before);
        self.t.registry = self.checks.spent;
        Ok(plan)
    }

    /// A plan that changes nothing: the checkout may still be ahead of the remote (an earlier
    /// `--no-push`), or another run landed the same image first.
    fn nothing_to_do(&mut self, tip: Oid, outcome: &mut Outcome) -> Result<Nothing, Failure> {
        let pushes = !self.opts.delivery.dry_run
            && !self.opts.delivery.no_push
            && self.ws.is_open()
            && !self.ws.url().is_empty();
        if self.local.standing.is_none()
            && self.local.ahead.is_none()
            && self.local.commit.is_none()
            && pushes
        {
            // The checkout has the image, but has the remote? Plan again on the remote's tip.
            let remote = timed(&mut self.t.refetch, || {
                refetch(self.ws, self.attempts, &self.deadline)
            })?;
            if remote != tip {
                self.local.ahead = Some(tip);
                self.local.commit = Some(tip);
                return Ok(Nothing::Again(remote));
            }
        }
        self.settle_local(tip, outcome);
        Ok(Nothing::Done)
    }

    /// A run that changes nothing on the remote's `tip`: what the checkout's standing means,
    /// and after an earlier attempt's local commit, the checkout caught up to `tip` if that
    /// loses nothing (the run has succeeded either way).
    pub(super) fn settle_local(&mut self, tip: Oid, outcome: &mut Outcome) {
        if let (None, Some(s)) = (self.local.commit, &self.local.standing) {
            if !s.up_to_date() {
                outcome.note = Some(match self.opts.delivery.dry_run {
                    true => standing::dry_run(s),
                    false => standing::already(s),
                });
            }
        }
        if let Some(c) = self.local.commit {
            if !self
                .ws
                .sync_local(c, self.local.start, tip)
                .unwrap_or(false)
            {
                outcome.note = Some(format!("the remote already has this image; the local branch {} keeps its own commit {}", self.ws.branch(), short_id(&c)));
            }
        }
    }

    /// Whether the commit stage writes the checkout first (its first commit, on its branch).
    fn writes_first(&self) -> bool {
        self.ws.is_open()
            && self.local.write_first
            && self.local.commit.is_none()
            && self.opts.delivery.push_branch.is_none()
    }

    /// The commit stage: the commit made on `tip` and, in a checkout pushing to its own branch,
    /// written to the work tree, the index and the branch.
    fn commit(&mut self, a: &Attempt<'_>) -> Result<Oid, Failure> {
        let (ws, ahead, plan) = (&*self.ws, self.local.ahead, a.plan);
        let committer = &self.committer;
        let commit = timed(&mut self.t.commit, || {
            committer.commit(ws, a.tip, &plan.files, &a.message, ahead)
        })?;
        // A push to a new branch leaves the checkout's branch alone.
        if self.writes_first() {
            let start = self.local.start;
            timed(&mut self.t.local, || {
                ws.apply_local(start, commit, &plan.files)
            })?;
            self.local.commit = Some(commit);
        }
        Ok(commit)
    }

    /// The deliver and after stages: `None` once the change has landed (and its request is
    /// open), else the new tip to plan on.
    fn deliver(
        &mut self,
        a: &Attempt<'_>,
        commit: Oid,
        outcome: &mut Outcome,
    ) -> Result<Option<Oid>, Failure> {
        let plan = a.plan;
        let branch_name = self.ws.branch().to_string();
        if let Some(signal) = crate::interrupt::requested() {
            let f = Failure::interrupted(signal, "nothing was pushed");
            return Err(deliver::stays_local(f, self.kept(), &branch_name));
        }
        self.attempts += 1;
        outcome.attempts = self.attempts;
        let mut to = PushTo {
            branch: None,
            options: self.opts.delivery.push_options.clone(),
            drop_requests: Vec::new(),
            or_publish: None,
        };
        if let Some(template) = &self.opts.delivery.push_branch {
            let name = branch::branch_name(template, &plan.changes)?;
            outcome.pushed_branch = Some(name.clone());
            to.branch = Some(name);
        }
        let request = match (&self.opts.delivery.open_pr, &to.branch) {
            (Some(pr), Some(head)) => Some((
                pr,
                after::request_of(plan, &a.message, pr, &branch_name, head),
            )),
            _ => None,
        };
        to.options.extend(after::gitlab_options(request.as_ref()));
        to.or_publish = self.request_ahead(a.tip);
        let delivered = self.deliver_to(a.tip, commit, &a.message, &plan.files, &to);
        self.after_push_ahead();
        let delivered = match delivered {
            // A run that may batch goes through one now: its request is published at once (a
            // wait and a fetch here would only delay it); the others wait, fetch and race.
            Ok(Delivered::Moved) if !self.may_batch() => {
                deliver::after_race(self.ws, self.attempts, &self.deadline, &mut self.t)
            }
            d => d,
        };
        let delivered =
            delivered.map_err(|f| deliver::stays_local(f, self.kept(), &branch_name))?;
        match delivered {
            Delivered::Again(new_tip) => return Ok(Some(new_tip)),
            // Lost a race with batches possible: published next, from the tip it had (the
            // request's first look fetches).
            Delivered::Moved => {
                self.moved = true;
                return Ok(Some(a.tip));
            }
            Delivered::Made(made) => {
                outcome.commit = Some(made);
                if to.branch.is_none() {
                    self.catch_up(made, outcome)?;
                }
            }
            Delivered::Already(there) => {
                outcome.commit = Some(there);
                outcome.note = Some(format!(
                    "the branch {} already has this change (commit {}); nothing was pushed",
                    to.branch.as_deref().unwrap_or(""),
                    short_id(&there)
                ));
            }
            Delivered::Landed => self.catch_up(commit, outcome)?,
        }
        outcome.pushed = true;
        outcome.pr = after::open_github(self.ws, plan, self.opts, request.as_ref())?;
        Ok(None)
    }

    /// The commit stage's `commit` (made on `tip` with `message`, changing `files`) delivered
    /// as `to` says: pushed, or made by GitHub from the files. A lost race is
    /// [`Delivered::Moved`], not fetched yet.
    pub(super) fn deliver_to(
        &mut self,
        tip: Oid,
        commit: Oid,
        message: &str,
        files: &[crate::git::FileChange],
        to: &PushTo,
    ) -> Result<Delivered, Failure> {
        match self.opts.delivery.commit_via {
            CommitVia::Push => deliver::push(
                self.ws,
                commit,
                self.attempts,
                &self.deadline,
                &mut self.t,
                to,
                files,
            ),
            CommitVia::GitHub => {
                let gh = match &self.github {
                    Some(gh) => gh,
                    None => self
                        .github
                        .insert(via_github::client(self.ws, &self.deadline)?),
                };
                let send = via_github::Send {
                    tip,
                    message,
                    files,
                    to,
                    attempts: self.attempts,
                };
                via_github::deliver(self.ws, gh, &send, &self.deadline, &mut self.t)
            }
        }
    }

    /// After `commit` landed: the checkout's branch brought to it, when that loses nothing.
    pub(super) fn catch_up(&mut self, commit: Oid, outcome: &mut Outcome) -> Result<(), Failure> {
        if let (None, Some(s)) = (self.local.commit, &self.local.standing) {
            if !s.up_to_date() {
                let start = self.local.start;
                outcome.note = Some(if commit == start {
                    // The checkout's own unpushed commit was exactly this change: pushed.
                    standing::own_commit_pushed(s)
                } else {
                    let caught_up =
                        s.ahead == 0 && self.ws.sync_local(start, start, commit).unwrap_or(false);
                    standing::landed(s, caught_up)
                });
            }
        }
        if let Some(lc) = self.local.commit {
            if lc != commit && !self.ws.sync_local(lc, self.local.start, commit)? {
                outcome.note = Some(format!(
                    "the branch moved on the remote while imgbump ran, so the pushed commit {} was rebuilt on it; the local branch {} was left at {} (run `git pull` to catch up)",
                    short_id(&commit),
                    self.ws.branch(),
                    short_id(&lc)
                ));
            }
        }
        Ok(())
    }

    /// The commit a failed delivery leaves on the local branch: the run's local commit, unless
    /// the branch moved meanwhile (then it is taken back, see [`Run::nothing_pushed`]).
    fn kept(&self) -> Option<Oid> {
        self.local.commit.filter(|_| !self.moved)
    }

    /// A run that ends before anything was pushed: the commit it put on the local branch (on
    /// an earlier attempt, before the branch moved) is taken back, so that "nothing was
    /// committed" is true; a refusal on the remote's tip says where the checkout stands.
    pub(super) fn nothing_pushed(&mut self, mut f: Failure, tip: Oid) -> Failure {
        let start = self.local.start;
        let branch = self.ws.branch().to_string();
        if let Some(c) = self.local.commit.filter(|&c| c != start) {
            match self.ws.take_back(start, c) {
                Ok(()) => {
                    self.local.commit = None;
                    f.message.push_str(&format!(
                        "\nthe local commit {} of an earlier attempt was taken back: the branch {branch}, the index and the work tree are as they were",
                        short_id(&c)
                    ));
                }
                Err(e) => {
                    f.message.push_str(&format!(
                        "\nthe commit {} of an earlier attempt stays on the local branch {branch} ({})",
                        short_id(&c),
                        e.message,
                    ));
                    f = f.with_hint(format!(
                        "`git reset --keep {}` takes it back",
                        short_id(&start)
                    ));
                }
            }
        }
        let stale = self.local.standing.as_ref().filter(|s| !s.up_to_date());
        if let (Some(s), true) = (stale, tip != start) {
            if !f.message.contains(&s.describe()) {
                let (what, todo) = standing::stale(s, f.file.as_deref());
                f.message.push('\n');
                f.message.push_str(&what);
                f = f.with_hint(todo);
            }
        }
        f
    }
}
