//! Batched bumps: a burst lands in a handful of commits.
//!
//! A run pushes straight to the branch as long as it meets nobody. Once it meets other runs
//! (its push lost a race, requests are already waiting, or it commits through GitHub's API,
//! where every attempt spends the forge's content limit) it publishes its change as a
//! *request*, a ref of its own on the remote (`refs/imgbump/requests/<branch>/<id>`, see
//! `git/requests.rs`): a new ref never conflicts, so publishing is never a race. Then:
//!
//! - The run whose request is the oldest pending one (by creation time, then id) is the
//!   *lander*. It waits while requests keep arriving (at most [`GATHER`] after its own was
//!   made), fetches the tip and every pending request, applies them in order, each planned on
//!   the one before with its own run's options (order keys, `--expect-current`, holds,
//!   selection, message), and pushes one commit with an `Imgbump-Request: <id>` trailer for each
//!   change it carries. It signs that commit, if it signs, and is its author. The same push
//!   deletes the refs it applied.
//! - Every other run polls (the remote's advertisement alone, fetching only when it says so,
//!   `glance.rs`; backing off to [`POLL_MAX`]; its first wait decided by
//!   what its publishing push saw, [`Run::first_wait`]) until its id is in a trailer
//!   on the branch (its change landed: that commit, and how many others it carried), or its
//!   request is the oldest (it lands), or the oldest and the branch have stood still for
//!   [`STALE`] (its run was killed: the run next in line lands it; after twice as long, any).
//! - A change the lander cannot apply cleanly (its `--expect-current` no longer holds, it is
//!   superseded or held, it needs its registry checked, it is not valid) is left out; its own
//!   run decides it when it lands, and says why, exactly as without batches. A batch carries
//!   at most one change per service: a second one for the same service waits for the next
//!   batch, so order keys are judged against what landed.
//! - A batch the remote refuses (a hook, a protected path) is split: the lander lands its own
//!   change alone, and every run whose change was refused hears the remote's words when its own
//!   turn comes.
//!
//! Crash safety: a run killed after publishing never blocks the others (its request is landed
//! by whoever lands next, until its deadline passes); a run that gives up (its `--timeout`, an
//! interrupt) withdraws its request before it says so. A request ref lives until the push
//! that lands it; if that deletion is lost, until the next lander deletes it (its id is on the
//! branch) or its own run finds its change below the tip; never applied, until its run's
//! deadline: then the next lander deletes it.
//!
//! What a burst costs is connections: on a busy server each spawns processes, so every look
//! saved counts. A run that lost a race publishes at once, without fetching first, over the
//! connection of the push that found the branch moved ([`Run::request_ahead`]); the push
//! that publishes tells it which requests wait before its own; a waiting run's look reads the
//! list of refs alone unless that list asks for more (`glance.rs`); a lander deletes refs in the
//! push that lands them; a waiting run deletes nothing its lander is still deleting.
//!
//! A request is repository content: it is read as hostile input, every field checked as the
//! command line's flags are, and one that is not valid is never applied.

use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

use git2::Oid;
use serde::{Deserialize, Serialize};

use crate::failure::{FailKind, Failure};
use crate::git::{FileChange, PushTo, RefPush, Want};
use crate::reference::ImageSpec;

use super::deliver::Delivered;
use super::outcome::{timed, Outcome};
use super::plan::{plan, Inputs, Plan};
use super::retry::on_connection;
use super::run::{Ahead, Run};
use super::{HoldChange, Options, Order, Pair};

mod glance;
use glance::{glance, Glance};

/// The format of a request this build writes and reads.
const VERSION: u32 = 1;
/// The first line of a request's message.
const HEADER: &str = "imgbump request";
/// How long a lander waits for more requests while they keep arriving, from its own request.
const GATHER: Duration = Duration::from_millis(1000);
/// The wait between polls of a run next in line ([`next_in_line`]): it notices a handover at
/// once.
const POLL_NEXT: Duration = Duration::from_millis(250);
/// How many runs wait next in line, of each kind ([`next_in_line`]).
const NEXT: usize = 3;
/// The first wait between polls of the other runs; each next one is half as long again, up to
/// [`POLL_MAX`]. A poll reads the remote's list of refs alone (`glance.rs`), about 4 ms of a
/// git daemon's CPU: a lander takes every pending request, and a run that waited longer than
/// it had to after its batch landed is what a burst's tail was made of (200 at once: 17.3 s
/// with 2 s growing to 4 s, 15.5 s with 1 s growing to 2 s; BENCHMARKS.md).
const POLL_MIN: Duration = Duration::from_millis(1000);
const POLL_MAX: Duration = Duration::from_millis(2000);
/// ... but at most this much per pending request (at least [`POLL_NEXT`]): a batch of a few
/// lands in a moment, and their few polls cost little. 46 at once (the platform's services):
/// 4.0 s with 1 s growing to 2 s, 2.7 s so (its serial floor 2.6 s; BENCHMARKS.md).
const POLL_PER_REQUEST: Duration = Duration::from_millis(10);
/// How long the oldest request and the branch may both stand still before the run next in
/// line lands it (its run is gone: a lander at work moves the branch); after twice as long,
/// any run does. Each pending request adds [`STALE_PER_REQUEST`]: a lander builds every one
/// before it pushes, and on a loaded machine a big batch takes seconds (two landers then
/// build the same batch, and one throws its work away).
const STALE: Duration = Duration::from_secs(10);
const STALE_PER_REQUEST: Duration = Duration::from_millis(50);
/// A request past its run's deadline by this much is deleted, never applied.
const EXPIRED_GRACE: i64 = 5;
/// The first step of a shallow clone's history fetched deeper to find where a request landed:
/// a burst adds a handful of commits, so it is most likely that close to the tip.
const DEEPEN_FIRST: i32 = 8;
/// What to do when another run's change no longer applies where it was to be applied.
const WAITED: &str = "run imgbump again: the image changed while this change waited in a batch";
/// At most this many commits are read back from the tip to find which requests landed.
const HISTORY: usize = 2000;

/// A request as written in its commit's message (after [`HEADER`] and a blank line).
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Wire {
    version: u32,
    /// When the run made it, in Unix milliseconds: the order requests are applied in.
    created_ms: u64,
    /// The run's deadline, in Unix seconds: it is not applied after that.
    expires: i64,
    /// The tip the run last planned on (the branch's history is searched back to it).
    base: String,
    pairs: Vec<WirePair>,
    #[serde(default)]
    manifests: Vec<String>,
    #[serde(default)]
    workload: Option<String>,
    #[serde(default)]
    container: Option<String>,
    #[serde(default)]
    image_name: Option<String>,
    #[serde(default)]
    key: Option<String>,
    #[serde(default)]
    holds: Option<String>,
    #[serde(default)]
    envs: Vec<String>,
    #[serde(default)]
    create: bool,
    #[serde(default)]
    drop_digest: bool,
    #[serde(default)]
    expect_current: Option<String>,
    #[serde(default)]
    ignore_hold: bool,
    #[serde(default)]
    order_key: Option<u64>,
    #[serde(default)]
    order_check: bool,
    message: String,
    #[serde(default)]
    trailers: Vec<(String, String)>,
}

/// One pair of a request.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct WirePair {
    service: String,
    image: String,
    #[serde(default)]
    file: Option<String>,
    #[serde(default)]
    env: Option<String>,
}

/// A request, checked: what its run asks, as pairs and options to plan with.
struct Request {
    id: String,
    created_ms: u64,
    expires: i64,
    base: Option<Oid>,
    pairs: Vec<Pair>,
    opts: Options,
}

/// This run's own request while it waits.
pub(super) struct Mine {
    id: String,
    /// The files this run's change touches (for messages).
    files: Vec<String>,
    message: String,
    made: Instant,
    base: Oid,
    polls: u32,
    /// The oldest request, and since when this run has seen it the oldest with the branch at
    /// this tip.
    oldest: Option<(String, Instant, Oid)>,
    /// Requests whose runs are taken to be gone (never leaders again).
    gone: HashSet<String>,
    /// Requests a full look passed over (landed, past their deadline, not valid): no glance
    /// counts them before this run's.
    passed: HashSet<String>,
    /// The count of requests at the last glance (a lander waits while it grows).
    last_count: usize,
    /// The remote refused a batch: land this run's change alone.
    alone: bool,
}

impl Mine {
    /// Request `id` (`message`, planned on `base`, changing `files`), published now.
    fn new(id: String, files: Vec<String>, message: String, base: Oid) -> Self {
        Mine {
            id,
            files,
            message,
            made: Instant::now(),
            base,
            polls: 0,
            oldest: None,
            gone: HashSet::new(),
            passed: HashSet::new(),
            last_count: 0,
            alone: false,
        }
    }

    /// Whether request `oldest` (of `count` pending; this run's at `rank` after it) has stood
    /// still as the oldest, with the branch at `tip`, for too long: [`STALE`] for the run next
    /// to it, twice as long for any (its run is most likely gone; a lander at work moves the
    /// branch). Each call notes since when it has been so.
    fn stands_still(&mut self, oldest: &str, tip: Oid, count: usize, rank: Option<usize>) -> bool {
        let since = match &self.oldest {
            Some((was, since, at)) if was == oldest && *at == tip => *since,
            _ => Instant::now(),
        };
        self.oldest = Some((oldest.to_string(), since, tip));
        let waited = since.elapsed();
        let stale = STALE + STALE_PER_REQUEST * count.min(10_000) as u32;
        (rank == Some(1) && waited >= stale) || waited >= stale * 2
    }
}

/// What a look at the remote found for this run.
enum Seen {
    /// This run's change is on the branch, in this commit, with this many others.
    Landed(Oid, usize),
    /// Wait before looking again.
    Wait(Duration),
    /// This run lands, on this tip, these requests (its own among them); the refs of these
    /// landed ones are still listed.
    Lead(Vec<Request>, Vec<String>),
}

impl Run<'_> {
    /// Whether this run's change may go through a batch (now, on a first plan).
    pub(super) fn may_batch(&self) -> bool {
        let d = &self.opts.delivery;
        d.batch
            && !self.no_requests
            && d.push_branch.is_none()
            && d.open_pr.is_none()
            && !d.dry_run
            && !d.no_push
            && self.opts.guards.hold_change.is_none()
            && !self.ws.url().is_empty()
            && !self.checks.asked()
    }

    /// Whether to go through a batch now: the run met others (a lost race, waiting requests)
    /// or spends a forge's content limit with every attempt.
    pub(super) fn batch_now(&self) -> bool {
        self.may_batch()
            && (self.contended
                || !self.ws.requests().is_empty()
                || self.opts.delivery.commit_via == super::CommitVia::GitHub)
    }

    /// Delivers this run's change (planned on `tip` as `own`) through a batch. `Ok(false)`: the
    /// remote refuses request refs, so the run races as before (said once).
    pub(super) fn batched(
        &mut self,
        tip: Oid,
        own: &Plan,
        outcome: &mut Outcome,
    ) -> Result<bool, Failure> {
        self.ws.want_requests();
        let Some(mut mine) = self.publish(tip, own)? else {
            return Ok(false);
        };
        let mut first = Some(self.first_wait(&mut mine));
        loop {
            if let Some(signal) = crate::interrupt::requested() {
                self.withdraw(&mine);
                return Err(Failure::interrupted(signal, "nothing was pushed"));
            }
            if let Some(wait) = first.take().filter(|w| !w.is_zero()) {
                self.wait(&mine, wait)?;
                continue;
            }
            // The advertisement first: most looks end there, and cost the server no pack.
            let (ws, attempts) = (&mut *self.ws, self.attempts);
            let glanced = timed(&mut self.t.refetch, || {
                on_connection(ws, attempts, &self.deadline, "fetching again", |ws| {
                    ws.fetch_if(|tip, listed| {
                        let g = glance(&mut mine, tip, listed);
                        let want = match &g {
                            Glance::Look(want) => *want,
                            Glance::Wait(_) => Want::Nothing,
                        };
                        (want, g)
                    })
                })
            });
            let tip = match glanced {
                Err(f) => {
                    self.withdraw(&mine);
                    return Err(f);
                }
                Ok((_, Glance::Wait(wait))) => {
                    self.wait(&mine, wait)?;
                    continue;
                }
                Ok((tip, Glance::Look(_))) => tip,
            };
            match self.look(tip, &mut mine)? {
                Seen::Landed(commit, others) => {
                    self.landed_by_another(commit, others, outcome)?;
                    return Ok(true);
                }
                Seen::Wait(wait) => self.wait(&mine, wait)?,
                Seen::Lead(requests, finished) => {
                    if self.lead(tip, requests, &finished, &mut mine, outcome)? {
                        return Ok(true);
                    }
                }
            }
        }
    }

    /// A request made before this run's push to the branch, for the push to publish instead
    /// when it finds the branch moved ([`crate::git::PushTo::or_publish`]): `None` when this
    /// run may not batch, or commits through GitHub's API (which takes no refs).
    pub(super) fn request_ahead(&mut self, tip: Oid) -> Option<(String, String)> {
        self.ahead = None;
        if !self.may_batch() || self.opts.delivery.commit_via != super::CommitVia::Push {
            return None;
        }
        let (id, message) = self.new_request(tip)?;
        self.ahead = Some(Ahead {
            tip,
            id: id.clone(),
            message: message.clone(),
            said: None,
        });
        Some((id, message))
    }

    /// After the push: what the remote said to the request published in its place, kept for
    /// [`Run::publish`]; nothing when none was.
    pub(super) fn after_push_ahead(&mut self) {
        if let (Some(said), Some(ahead)) = (self.ws.take_published(), self.ahead.as_mut()) {
            ahead.said = Some(said);
        }
    }

    /// At the end of the run: a request its push published and no batch took (the run ended
    /// first: an interrupt, a failure), and any it may have published and raced without, are
    /// withdrawn, best effort, so that nobody lands them and none stays behind.
    pub(super) fn withdraw_ahead(&mut self) {
        let mut ids = std::mem::take(&mut self.loose);
        if let Some(Ahead {
            id,
            said: Some(RefPush::Done),
            ..
        }) = self.ahead.take()
        {
            ids.push(id);
        }
        let _ = self.ws.delete_requests(&ids);
    }

    /// A new request of this run, planned on `tip`: `(id, message)`; `None` when it is too
    /// large or unusual to be read back by the others.
    fn new_request(&self, tip: Oid) -> Option<(String, String)> {
        let created_ms = u64::try_from(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap_or_default()
                .as_millis(),
        )
        .unwrap_or(u64::MAX);
        let id = format!("{created_ms:013}-{:016x}", crate::random::u64());
        let left = self
            .deadline
            .retry
            .deadline()
            .saturating_duration_since(Instant::now());
        let expires = crate::utc::now() + i64::try_from(left.as_secs()).unwrap_or(i64::MAX / 4);
        let message = request_message(self.pairs, self.opts, created_ms, expires, tip);
        Request::read(&id, &message, self.opts).map(|_| (id, message))
    }

    /// Publishes this run's request (or takes the one its push published on `tip`); `None`
    /// when the remote refuses request refs.
    fn publish(&mut self, tip: Oid, own: &Plan) -> Result<Option<Mine>, Failure> {
        let ahead = self.ahead.take().filter(|a| a.tip == tip);
        let (id, message, said) = match ahead {
            Some(Ahead {
                id,
                message,
                said: Some(said),
                ..
            }) => (id, message, Ok(said)),
            made => {
                // Made for a push that did not publish it (its connection was cut, perhaps
                // after it did): published under the same id. Else a new one; too large or
                // unusual to be read back by the others, and this run races alone.
                let Some((id, message)) = made
                    .map(|a| (a.id, a.message))
                    .or_else(|| self.new_request(tip))
                else {
                    return Ok(None);
                };
                let (ws, attempts) = (&mut *self.ws, self.attempts);
                let what = "publishing the request";
                let said = on_connection(ws, attempts, &self.deadline, what, |ws| {
                    ws.publish_request(&id, &message)
                });
                (id, message, said)
            }
        };
        match said {
            Ok(RefPush::Done) => {}
            Ok(RefPush::Refused(why)) => {
                self.no_requests = true;
                let why = why.lines().next().unwrap_or("").to_string();
                self.ws.notice(&format!(
                    "the remote does not take imgbump's request refs ({why}); racing for the branch alone (--no-batch does so without asking)"
                ));
                return Ok(None);
            }
            Err(f) => {
                // Not known to be published (the connection kept failing, and a cut try may
                // have published it): this run races alone, and withdraws it at its end.
                self.no_requests = true;
                self.loose.push(id);
                self.ws.notice(&format!(
                    "the request for a batch could not be published ({}); racing for the branch alone",
                    f.message.lines().next().unwrap_or("")
                ));
                return Ok(None);
            }
        }
        let files = own.files.iter().map(|f| f.path.clone()).collect();
        Ok(Some(Mine::new(id, files, message, tip)))
    }

    /// The wait before this run's first look, from what its publishing push saw: with no
    /// request older than its own it may be the lander, and looks at once; behind others,
    /// whose lander most likely carries this one too, it waits as a look would have told it to
    /// (a look saved per waiting run: a burst's connections are what it costs).
    fn first_wait(&mut self, mine: &mut Mine) -> Duration {
        let mut ahead: Vec<(u64, &str)> = self
            .ws
            .requests()
            .iter()
            .filter(|(id, _)| *id != mine.id)
            .filter_map(|(id, _)| Some((created_of(id)?, id.as_str())))
            .collect();
        if ahead.is_empty() {
            return Duration::ZERO;
        }
        let Some(own) = created_of(&mine.id) else {
            return Duration::ZERO;
        };
        ahead.push((own, mine.id.as_str()));
        ahead.sort_unstable();
        if ahead.first().is_some_and(|(_, id)| *id == mine.id) {
            return Duration::ZERO;
        }
        match next_in_line(&ahead, &mine.id) {
            true => jittered(POLL_NEXT),
            false => poll_wait(&mut mine.polls, ahead.len()),
        }
    }

    /// What the remote's tip and pending requests mean for this run.
    fn look(&mut self, tip: Oid, mine: &mut Mine) -> Result<Seen, Failure> {
        let seen: Vec<(String, Oid)> = self.ws.requests().to_vec();
        let mut pending: Vec<Request> = Vec::new();
        for (id, oid) in &seen {
            if let Some(r) = self
                .ws
                .request_message(*oid)
                .and_then(|m| Request::read(id, &m, self.opts))
            {
                pending.push(r);
            }
        }
        // What landed: every request id in a trailer on the branch, back to the oldest base.
        let bases: Vec<Oid> = pending
            .iter()
            .filter_map(|r| r.base)
            .chain([mine.base])
            .collect();
        let mut landed = self.landed_ids(tip, &bases, false)?;
        let gone = !seen.iter().any(|(id, _)| *id == mine.id);
        if gone && !landed.contains_key(&mine.id) {
            // Deleted: landed behind the tip, most likely; the history back to its base says.
            landed = self.landed_ids(tip, &[mine.base], true)?;
        }
        if let Some(&(commit, others)) = landed.get(&mine.id) {
            self.clean_below(tip, &pending, landed);
            return Ok(Seen::Landed(commit, others));
        }
        if gone {
            // Gone, and not landed: deleted by a run that took it for expired. Again.
            self.republish(mine)?;
            return Ok(Seen::Wait(Duration::ZERO));
        }
        let now = crate::utc::now();
        // Landed, and their refs still listed: a lander deletes them with its batch.
        let finished: Vec<String> = pending
            .iter()
            .filter(|r| landed.contains_key(&r.id))
            .map(|r| r.id.clone())
            .collect();
        pending.retain(|r| !landed.contains_key(&r.id) && r.expires + EXPIRED_GRACE > now);
        // Every request fetched and passed over is passed over by the glances too.
        mine.passed.extend(
            seen.iter()
                .filter(|(id, _)| *id != mine.id && !pending.iter().any(|r| r.id == *id))
                .map(|(id, _)| id.clone()),
        );
        pending.sort_by(|a, b| (a.created_ms, &a.id).cmp(&(b.created_ms, &b.id)));
        let oldest = pending
            .iter()
            .find(|r| !mine.gone.contains(&r.id))
            .map(|r| r.id.clone());
        let rank = pending
            .iter()
            .filter(|r| !mine.gone.contains(&r.id))
            .position(|r| r.id == mine.id);
        let lead = match &oldest {
            // This run's own request is not among those read: look again.
            _ if rank.is_none() => false,
            None => true,
            Some(id) if *id == mine.id => true,
            Some(id) => {
                if mine.stands_still(id, tip, pending.len(), rank) {
                    // Its run is gone: land it, and look past it from now on.
                    mine.gone.insert(id.clone());
                    true
                } else {
                    false
                }
            }
        };
        if !lead {
            let live: Vec<(u64, &str)> = pending
                .iter()
                .filter(|r| !mine.gone.contains(&r.id))
                .map(|r| (r.created_ms, r.id.as_str()))
                .collect();
            return Ok(Seen::Wait(match next_in_line(&live, &mine.id) {
                true => jittered(POLL_NEXT),
                false => poll_wait(&mut mine.polls, live.len()),
            }));
        }
        // (A lander gathered while its glances saw requests arriving.)
        if mine.alone {
            pending.retain(|r| r.id == mine.id);
        }
        Ok(Seen::Lead(pending, finished))
    }

    /// Each request id named by a trailer on the branch's first-parent history from `tip`,
    /// back to the first of `bases` found (or [`HISTORY`] commits): its commit, and how many
    /// other requests that commit carried.
    fn landed_ids(
        &mut self,
        tip: Oid,
        bases: &[Oid],
        deep: bool,
    ) -> Result<HashMap<String, (Oid, usize)>, Failure> {
        loop {
            let mut landed = HashMap::new();
            let mut left: HashSet<Oid> = bases.iter().copied().collect();
            let mut read = 0usize;
            let shallow_end = self.ws.messages_from(tip, |oid, message| {
                let ids = crate::trailers::all(message, crate::trailers::REQUEST);
                for id in &ids {
                    landed
                        .entry((*id).to_string())
                        .or_insert((oid, ids.len().saturating_sub(1)));
                }
                read += 1;
                left.remove(&oid);
                !left.is_empty() && read < HISTORY
            })?;
            // A shallow clone's history may end before the bases: fetched deeper, when asked.
            // (A look's fetch brings every commit since what the clone has; a fetch of the tip
            // alone, after a cut push, can still leave this run's base below a shallow end.)
            if !deep || left.is_empty() || read >= HISTORY || !shallow_end || !self.deepen()? {
                return Ok(landed);
            }
        }
    }

    /// A shallow clone's history fetched deeper ([`DEEPEN_FIRST`] commits first), riding out
    /// cut connections as a refetch does.
    fn deepen(&mut self) -> Result<bool, Failure> {
        let what = "fetching more history";
        on_connection(self.ws, self.attempts, &self.deadline, what, |ws| {
            ws.deepen_from(DEEPEN_FIRST)
        })
    }

    /// Deletes, best effort, the refs of `applied` requests and of those past their deadline.
    fn cleanup(
        &mut self,
        pending: &[Request],
        landed: &HashMap<String, (Oid, usize)>,
        applied: &[String],
    ) {
        let ids = done_with(pending, landed, applied);
        // A refusal or a cut connection leaves them to the next lander.
        let _ = self.ws.delete_requests(&ids);
    }

    /// After this run found its change landed: a lander deletes the refs it applied in the
    /// push that lands them, so one still listed under a commit below `tip` lost its deletion:
    /// it is deleted now (this run's own among them), with expired ones. Those of the tip's
    /// own commit are left to their lander (its push may still be deleting them) or the next.
    fn clean_below(
        &mut self,
        tip: Oid,
        pending: &[Request],
        landed: HashMap<String, (Oid, usize)>,
    ) {
        let below: HashMap<String, (Oid, usize)> =
            landed.into_iter().filter(|(_, (c, _))| *c != tip).collect();
        self.cleanup(pending, &below, &[]);
    }

    /// Withdraws this run's request (it gives up), best effort.
    fn withdraw(&mut self, mine: &Mine) {
        let _ = self.ws.delete_requests(std::slice::from_ref(&mine.id));
    }

    /// Publishes this run's request again, under the same id.
    fn republish(&mut self, mine: &mut Mine) -> Result<(), Failure> {
        let (id, message) = (&mine.id, &mine.message);
        let what = "publishing the request again";
        let pushed = on_connection(self.ws, self.attempts, &self.deadline, what, |ws| {
            ws.publish_request(id, message)
        });
        match pushed? {
            RefPush::Done => Ok(()),
            RefPush::Refused(why) => Err(Failure::new(
                FailKind::Push,
                format!(
                    "the remote {} took this run's request ref once, then refused it: {why}; nothing was pushed",
                    self.ws.url()
                ),
            )
            .with_hint("run imgbump again with --no-batch to race for the branch alone")),
        }
    }

    /// Waits `wait` before the next look, while the deadline allows; past it, the request is
    /// withdrawn and the run fails as a race lost too often would.
    fn wait(&mut self, mine: &Mine, wait: Duration) -> Result<(), Failure> {
        if self.deadline.allows(self.attempts, wait) {
            crate::retry::sleep(wait);
            // A wait for others ends a streak of cut pushes or of a locked branch: the next
            // push's --connect-timeout is counted from its own first failure, not from one
            // made before the wait.
            self.deadline.cut.set(None);
            self.deadline.locked.set(None);
            return Ok(());
        }
        self.withdraw(mine);
        let files = &mine.files;
        Err(Failure::new(
            FailKind::Push,
            format!(
                "this run's change ({}) waited in a batch for the branch {} on {} until {}; it was withdrawn, nothing of it was pushed",
                files.join(", "),
                self.ws.branch(),
                self.ws.url(),
                self.deadline.spent(self.attempts),
            ),
        )
        .with_hint(format!(
            "run imgbump again, or raise {}",
            self.deadline.knob(self.attempts)
        )))
    }

    /// This run lands `requests` (its own among them, unless a batch was refused) on `tip`:
    /// `Ok(true)` once its own change is decided.
    fn lead(
        &mut self,
        tip: Oid,
        requests: Vec<Request>,
        finished: &[String],
        mine: &mut Mine,
        outcome: &mut Outcome,
    ) -> Result<bool, Failure> {
        let batch = match self.build(tip, &requests, mine)? {
            Built::Batch(batch) => batch,
            Built::Nothing(p) => {
                // Landed by another run whose deletion of the ref was lost? The history says.
                let landed = self.landed_ids(tip, &[mine.base], true)?;
                if let Some(&(commit, others)) = landed.get(&mine.id) {
                    self.withdraw(mine);
                    self.landed_by_another(commit, others, outcome)?;
                    return Ok(true);
                }
                // This run's change is decided on this tip (nothing to do): no commit, and a
                // checkout's own commit of an earlier attempt settled as without batches.
                self.withdraw(mine);
                outcome.changed = false;
                outcome.changes = p.changes;
                outcome.diff = p.diff;
                self.settle_local(tip, outcome);
                return Ok(true);
            }
            Built::Wait => {
                let wait = poll_wait(&mut mine.polls, requests.len());
                self.wait(mine, wait)?;
                return Ok(false);
            }
        };
        let ids: Vec<String> = batch.carried.iter().map(|r| r.id.clone()).collect();
        let carries_mine = ids.contains(&mine.id);
        let Some(landed) = self.push_batch(tip, &batch, &requests, finished, mine, outcome)? else {
            return Ok(false);
        };
        if !carries_mine {
            return Ok(false);
        }
        let own = batch
            .own
            .ok_or_else(|| {
                Failure::new(
                    FailKind::Other,
                    format!(
                        "the batch commit {} carries this run's change, but its plan was lost; the change is on the branch",
                        crate::git::short_id(&landed)
                    ),
                )
                .with_hint("this is a bug in imgbump: please report it with -vv")
            })?;
        outcome.landed_in_batch(landed, ids.len() - 1, Some((own.changes, own.diff)));
        self.catch_up(landed, outcome)?;
        Ok(true)
    }

    /// Commits `batch` (the applied `requests`) on `tip` and pushes it, deleting the refs done
    /// with in the same push: the commit that landed, or `None` when this run must look again
    /// (the branch moved, or the remote refused the batch and this run's change goes alone).
    fn push_batch(
        &mut self,
        tip: Oid,
        batch: &Batch,
        requests: &[Request],
        finished: &[String],
        mine: &mut Mine,
        outcome: &mut Outcome,
    ) -> Result<Option<Oid>, Failure> {
        let ids: Vec<String> = batch.carried.iter().map(|r| r.id.clone()).collect();
        self.attempts += 1;
        outcome.attempts = self.attempts;
        let commit = match self.opts.delivery.commit_via {
            super::CommitVia::Push => timed(&mut self.t.commit, || {
                self.committer
                    .commit(self.ws, tip, &batch.files, &batch.message, None)
            })?,
            super::CommitVia::GitHub => tip,
        };
        // The applied requests' refs (and expired ones) go in the same push as the batch: a
        // waiting run that sees the batch sees its ref gone, and no second push is made.
        // (GitHub's API takes no refs: they are deleted after.)
        let mut done = done_with(requests, &HashMap::new(), &ids);
        done.extend_from_slice(finished);
        done.sort();
        done.dedup();
        let via_push = self.opts.delivery.commit_via == super::CommitVia::Push;
        let to = PushTo {
            drop_requests: if via_push { done.clone() } else { Vec::new() },
            ..PushTo::default()
        };
        let landed = loop {
            let delivered = self.deliver_to(tip, commit, &batch.message, &batch.files, &to);
            match delivered {
                Ok(Delivered::Landed) => break commit,
                Ok(Delivered::Made(made)) => break made,
                Ok(Delivered::Already(at)) => break at,
                // A cut connection, and the branch still where the batch was built: the same
                // batch again (building it again would cost as much as it did, for nothing).
                Ok(Delivered::Again(now)) if now == tip => {
                    self.attempts += 1;
                    outcome.attempts = self.attempts;
                }
                // Another push moved the branch: the next look fetches it.
                Ok(Delivered::Again(_) | Delivered::Moved) => return Ok(None),
                Err(f) if f.kind == FailKind::Push && ids.len() > 1 && !mine.alone => {
                    // Refused: split; this run's change goes alone, the others in their turn.
                    self.ws.notice(&format!(
                        "the remote refused a batch of {} changes; landing this run's change alone",
                        ids.len()
                    ));
                    mine.alone = true;
                    return Ok(None);
                }
                Err(f) => {
                    self.withdraw(mine);
                    return Err(f);
                }
            }
        };
        if !via_push {
            // Best effort: a refusal or a cut connection leaves them to the next lander.
            let _ = self.ws.delete_requests(&done);
        }
        Ok(Some(landed))
    }

    /// The batch of `requests` on `tip`: each planned on the one before, at most one per
    /// service; `None` when this run's own change has nothing to do on `tip`. A failure of this
    /// run's own change is its failure; another's leaves it out.
    fn build(&mut self, tip: Oid, requests: &[Request], mine: &Mine) -> Result<Built, Failure> {
        let mut on = tip;
        let mut files: Vec<FileChange> = Vec::new();
        let mut services: HashSet<String> = HashSet::new();
        let mut carried: Vec<Carried> = Vec::new();
        let mut own = None;
        for r in requests {
            if r.pairs.iter().any(|p| services.contains(&p.service)) {
                if r.id == mine.id {
                    // Another change of this service goes first; this one waits its turn.
                    break;
                }
                continue;
            }
            let is_mine = r.id == mine.id;
            let (pairs, opts) = match is_mine {
                true => (self.pairs, self.opts),
                false => (r.pairs.as_slice(), &r.opts),
            };
            // This run's own change refused on the batch's tip is refused as its own plan
            // would be: the branch moved while it ran (the others' words are never shown).
            let reread = match is_mine {
                true => super::standing::reread(
                    self.local.standing.as_ref(),
                    true,
                    pairs.first().map_or("", |p| p.service.as_str()),
                    self.ws.is_open(),
                ),
                false => String::from(WAITED),
            };
            let planned = self.plan_on(on, pairs, opts, &reread);
            let p = match (planned, is_mine) {
                (Ok(p), _) if !p.files.is_empty() => p,
                (Ok(p), true) => return Ok(Built::Nothing(p)),
                (Err(f), true) => {
                    self.withdraw(mine);
                    return Err(f);
                }
                (_, false) => continue,
            };
            on = self
                .ws
                .commit(on, &p.files, "imgbump batch", &self.committer.author)
                .map_err(Failure::from)?;
            services.extend(r.pairs.iter().map(|x| x.service.clone()));
            for f in &p.files {
                match files.iter_mut().find(|x| x.path == f.path) {
                    Some(x) => x.content.clone_from(&f.content),
                    None => files.push(FileChange {
                        path: f.path.clone(),
                        content: f.content.clone(),
                    }),
                }
            }
            let message = super::commit::message_of(&p, opts);
            carried.push(Carried {
                id: r.id.clone(),
                message,
            });
            if is_mine {
                own = Some(p);
            }
        }
        if carried.is_empty() {
            // Nothing applies now (this run's request is not among those read): look again.
            return Ok(Built::Wait);
        }
        let message = batch_message(&carried);
        Ok(Built::Batch(Batch {
            files,
            message,
            carried,
            own,
        }))
    }

    /// A plan of `pairs` with `opts` on `on` (no dirty check: the plan is the remote's).
    fn plan_on(
        &mut self,
        on: Oid,
        pairs: &[Pair],
        opts: &Options,
        reread: &str,
    ) -> Result<Plan, Failure> {
        let recorded = match opts.commit.order {
            Some(o) if o.check => super::order::recorded(self.ws, pairs)?,
            _ => HashMap::new(),
        };
        let inputs = Inputs {
            pairs,
            opts,
            recorded: &recorded,
            check_dirty: false,
            now: crate::utc::now(),
            reread,
        };
        let ws = &*self.ws;
        let checks = &mut self.checks;
        timed(&mut self.t.edit, || plan(ws, on, &inputs, checks))
    }

    /// This run's change landed in `commit`, made by another run with `others` more: what it
    /// changed there, read from the commit's parent.
    fn landed_by_another(
        &mut self,
        commit: Oid,
        others: usize,
        outcome: &mut Outcome,
    ) -> Result<(), Failure> {
        let parent = self.ws.tree_and_parent(commit).map_err(Failure::from)?.1;
        let what = parent.and_then(|parent| {
            let mut opts = self.opts.clone();
            // Judged where it was applied: the key it recorded is there now.
            opts.commit.order = opts.commit.order.map(|o| Order { check: false, ..o });
            opts.registry.offline = true;
            let p = self.plan_on(parent, self.pairs, &opts, WAITED).ok()?;
            Some((p.changes, p.diff))
        });
        outcome.landed_in_batch(commit, others, what);
        self.catch_up(commit, outcome)
    }
}

/// What a lander makes of the pending requests.
enum Built {
    /// A batch to land.
    Batch(Batch),
    /// This run's own change has nothing to do on the tip: its plan there.
    Nothing(Plan),
    /// Nothing to land yet.
    Wait,
}

/// A batch ready to commit.
struct Batch {
    files: Vec<FileChange>,
    message: String,
    carried: Vec<Carried>,
    /// This run's own plan, when the batch carries it.
    own: Option<Plan>,
}

/// A change a batch carries: its request, and its own run's message.
struct Carried {
    id: String,
    message: String,
}

/// The requests done with: `applied`, and those of `pending` that `landed` or are past their
/// deadline.
fn done_with(
    pending: &[Request],
    landed: &HashMap<String, (Oid, usize)>,
    applied: &[String],
) -> Vec<String> {
    let now = crate::utc::now();
    let mut ids: Vec<String> = applied.to_vec();
    ids.extend(
        pending
            .iter()
            .filter(|r| landed.contains_key(&r.id) || r.expires + EXPIRED_GRACE <= now)
            .map(|r| r.id.clone()),
    );
    ids.sort();
    ids.dedup();
    ids
}

/// Whether request `id` is next in line after the lander's batch: among the [`NEXT`] oldest of
/// `pending` (sorted) after the lander's own (one made while it gathered may have been
/// published after it fetched, and be the oldest once the batch lands), or among the [`NEXT`]
/// oldest made after its gathering. The others most likely ride in the lander's batch, or in
/// the next one: they poll slowly.
fn next_in_line(pending: &[(u64, &str)], id: &str) -> bool {
    let Some((oldest, _)) = pending.first() else {
        return true;
    };
    if pending.iter().skip(1).take(NEXT).any(|(_, r)| *r == id) {
        return true;
    }
    let gathered = oldest.saturating_add(GATHER.as_millis() as u64);
    pending
        .iter()
        .skip(1)
        .filter(|(created, _)| *created > gathered)
        .take(NEXT)
        .any(|(_, r)| *r == id)
}

/// When a request was made, from its id (`<unix ms>-<16 hex>`); `None` for an id not of that
/// form.
fn created_of(id: &str) -> Option<u64> {
    valid_id(id)
        .then(|| id.split_once('-')?.0.parse().ok())
        .flatten()
}

/// The wait before the next poll, growing with each (`polls`), with jitter; at most
/// [`POLL_PER_REQUEST`] for each of the `pending` requests (at least [`POLL_NEXT`]): a batch of
/// a few lands in a moment, and their few polls cost little.
fn poll_wait(polls: &mut u32, pending: usize) -> Duration {
    let grown = POLL_MIN.mul_f64(1.5f64.powi(i32::try_from(*polls).unwrap_or(16).min(16)));
    *polls = polls.saturating_add(1);
    let few = POLL_PER_REQUEST
        .saturating_mul(u32::try_from(pending).unwrap_or(u32::MAX))
        .max(POLL_NEXT);
    jittered(grown.min(POLL_MAX).min(few))
}

/// `wait`, between half and one and a half times it: runs that began together drift apart.
fn jittered(wait: Duration) -> Duration {
    wait.mul_f64(0.5 + (crate::random::u64() % 1000) as f64 / 1000.0)
}

/// The message of a batch: one change's own message, or a line per change (each run's own
/// first line, or its lines), then every carried change's trailers and an `Imgbump-Request`
/// trailer for each request.
fn batch_message(carried: &[Carried]) -> String {
    let mut trailers: Vec<(String, String)> = Vec::new();
    let mut lines: Vec<String> = Vec::new();
    let mut subjects: Vec<String> = Vec::new();
    for c in carried {
        let (text, own_trailers) = split_trailers(&c.message);
        for t in own_trailers {
            if !trailers.contains(&t) {
                trailers.push(t);
            }
        }
        let mut text_lines = text.lines();
        let subject = text_lines.next().unwrap_or("").to_string();
        let bullets: Vec<String> = text_lines
            .filter_map(|l| l.strip_prefix("- ").map(str::to_string))
            .collect();
        match bullets.is_empty() {
            true => lines.push(subject.clone()),
            false => lines.extend(bullets),
        }
        subjects.push(subject);
    }
    trailers.extend(
        carried
            .iter()
            .map(|c| (crate::trailers::REQUEST.to_string(), c.id.clone())),
    );
    let text = match carried.len() {
        1 => split_trailers(&carried[0].message).0,
        n => {
            let mut m = format!("chore: land {n} batched image updates\n");
            for l in &lines {
                m.push_str(&format!("\n- {l}"));
            }
            m
        }
    };
    crate::trailers::append(&text, &trailers)
}

/// A message's text and its trailers (`Key: value` lines of its last paragraph).
fn split_trailers(message: &str) -> (String, Vec<(String, String)>) {
    let lines = crate::trailers::lines(message);
    if lines.is_empty() {
        return (message.trim_end().to_string(), Vec::new());
    }
    let body = message.trim_end();
    let text = body
        .rsplit_once("\n\n")
        .map_or(body, |(t, _)| t)
        .to_string();
    let trailers = lines
        .iter()
        .filter_map(|l| l.split_once(": "))
        .map(|(k, v)| (k.to_string(), v.trim().to_string()))
        .collect();
    (text, trailers)
}

/// The request of a run: its pairs and the options that decide its edit.
fn request_message(
    pairs: &[Pair],
    opts: &Options,
    created_ms: u64,
    expires: i64,
    base: Oid,
) -> String {
    let s = &opts.selection;
    let wire = Wire {
        version: VERSION,
        created_ms,
        expires,
        base: base.to_string(),
        pairs: pairs
            .iter()
            .map(|p| WirePair {
                service: p.service.clone(),
                image: p.spec.as_ref().map(ToString::to_string).unwrap_or_default(),
                file: p.only.as_ref().map(|(f, _)| f.clone()),
                env: p.only.as_ref().and_then(|(_, e)| e.clone()),
            })
            .collect(),
        manifests: s.manifests.clone(),
        workload: s.workload.clone(),
        container: s.container.clone(),
        image_name: s.image_name.clone(),
        key: s.key.as_ref().map(ToString::to_string),
        holds: s.holds.map(holds_name),
        envs: s.envs.clone(),
        create: s.edit.create,
        drop_digest: s.edit.drop_digest,
        expect_current: opts.guards.expect_current.clone(),
        ignore_hold: opts.guards.ignore_hold,
        order_key: opts.commit.order.map(|o| o.key),
        order_check: opts.commit.order.is_some_and(|o| o.check),
        message: opts.commit.message.clone(),
        trailers: opts.commit.trailers.clone(),
    };
    let json = serde_json::to_string_pretty(&wire).unwrap_or_default();
    format!("{HEADER}\n\n{json}\n")
}

/// How a request names `--holds`'s values, both ways.
const HOLDS: [(&str, crate::manifest::Holds); 4] = [
    ("auto", crate::manifest::Holds::Auto),
    ("reference", crate::manifest::Holds::Reference),
    ("tag", crate::manifest::Holds::Tag),
    ("digest", crate::manifest::Holds::Digest),
];

fn holds_name(h: crate::manifest::Holds) -> String {
    HOLDS
        .iter()
        .find(|(_, x)| *x == h)
        .map_or("auto", |(n, _)| n)
        .to_string()
}

impl Request {
    /// Request `id` from its commit's `message`, checked as the command line's flags are;
    /// `None` when anything in it is not valid (it is never applied). Its options are the
    /// lander's (`base`: who commits, how it delivers) with the request's own edit settings.
    fn read(id: &str, message: &str, base: &Options) -> Option<Request> {
        if !valid_id(id) {
            return None;
        }
        let json = message.strip_prefix(HEADER)?.trim_start_matches('\n');
        let w: Wire = serde_json::from_str(json).ok()?;
        if w.version != VERSION || w.pairs.is_empty() || w.pairs.len() > 256 {
            return None;
        }
        let pairs = w
            .pairs
            .iter()
            .map(WirePair::checked)
            .collect::<Option<Vec<Pair>>>()?;
        let mut opts = base.clone();
        opts.selection = w.selection()?;
        opts.guards = super::Guards {
            expect_current: match &w.expect_current {
                Some(e) => {
                    e.parse::<ImageSpec>().ok()?;
                    Some(e.clone())
                }
                None => None,
            },
            ignore_hold: w.ignore_hold,
            hold_change: None::<HoldChange>,
        };
        crate::template::check(&w.message, &super::MESSAGE_PLACEHOLDERS).ok()?;
        let trailer_ok = |(k, v): &(String, String)| {
            !k.is_empty()
                && k.len() <= 64
                && k.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
                && v.len() <= 1024
                && !v.chars().any(char::is_control)
        };
        if w.trailers.len() > 64 || !w.trailers.iter().all(trailer_ok) || w.message.len() > 4096 {
            return None;
        }
        opts.commit.message.clone_from(&w.message);
        opts.commit.trailers.clone_from(&w.trailers);
        opts.commit.order = w.order_key.map(|key| Order {
            key,
            check: w.order_check,
        });
        opts.registry = super::RegistryOptions {
            offline: true,
            ..Default::default()
        };
        Some(Request {
            id: id.to_string(),
            created_ms: w.created_ms,
            expires: w.expires,
            base: Oid::from_str(&w.base).ok(),
            pairs,
            opts,
        })
    }
}

impl Wire {
    /// The request's selection, checked as `--manifest`, `--env`, `--workload`, … are.
    fn selection(&self) -> Option<crate::locate::Selection> {
        if self.manifests.len() > 16 || self.envs.len() > 64 {
            return None;
        }
        for t in &self.manifests {
            crate::template::check(t, &crate::service::PLACEHOLDERS).ok()?;
            crate::service::check_template_path(t).ok()?;
        }
        for (i, e) in self.envs.iter().enumerate() {
            crate::service::check(e).ok()?;
            if self.envs[..i].contains(e) {
                return None;
            }
        }
        let name_ok = |n: &Option<String>| {
            n.as_ref().is_none_or(|n| {
                !n.is_empty() && n.len() <= 253 && !n.chars().any(|c| c.is_control())
            })
        };
        if !name_ok(&self.workload) || !name_ok(&self.container) || !name_ok(&self.image_name) {
            return None;
        }
        let holds = match self.holds.as_deref() {
            None => None,
            Some(name) => Some(HOLDS.iter().find(|(n, _)| *n == name)?.1),
        };
        let key = match &self.key {
            Some(k) => Some(k.parse::<crate::manifest::KeyPath>().ok()?),
            None => None,
        };
        Some(crate::locate::Selection {
            manifests: self.manifests.clone(),
            workload: self.workload.clone(),
            container: self.container.clone(),
            image_name: self.image_name.clone(),
            key,
            holds,
            envs: self.envs.clone(),
            edit: crate::manifest::SetOptions {
                create: self.create,
                drop_digest: self.drop_digest,
            },
        })
    }
}

impl WirePair {
    /// The pair, checked as `SERVICE=IMAGE` on the command line is.
    fn checked(&self) -> Option<Pair> {
        let mut pair: Pair = format!("{}={}", self.service, self.image).parse().ok()?;
        if pair.service != self.service {
            return None;
        }
        if let Some(file) = &self.file {
            crate::git::check_relative_path(file).ok()?;
            if let Some(env) = &self.env {
                crate::service::check(env).ok()?;
            }
            pair.only = Some((file.clone(), self.env.clone()));
        }
        Some(pair)
    }
}

/// Whether `id` is one this build makes: 13 digits, a dash, 16 hex digits.
fn valid_id(id: &str) -> bool {
    let Some((ms, rand)) = id.split_once('-') else {
        return false;
    };
    ms.len() == 13
        && ms.bytes().all(|b| b.is_ascii_digit())
        && rand.len() == 16
        && rand.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn polls_are_as_short_as_the_pending_requests_are_few() {
        // Jitter makes each wait between half and one and a half times the schedule's.
        let within = |d: Duration, of: Duration| d >= of / 2 && d <= of * 3 / 2;
        let mut polls = 0;
        let first = poll_wait(&mut polls, 1000);
        assert!(within(first, POLL_MIN), "{first:?}");
        let second = poll_wait(&mut polls, 1000);
        assert!(within(second, POLL_MIN * 3 / 2), "{second:?}");
        for _ in 0..10 {
            let later = poll_wait(&mut polls, 1000);
            assert!(within(later, POLL_MAX), "{later:?}");
        }
        // With few pending: 10 ms each, never under a quarter second.
        let mut polls = 5;
        let forty_six = poll_wait(&mut polls, 46);
        assert!(
            within(forty_six, Duration::from_millis(460)),
            "{forty_six:?}"
        );
        let two = poll_wait(&mut polls, 2);
        assert!(within(two, POLL_NEXT), "{two:?}");
        let none = poll_wait(&mut polls, 0);
        assert!(within(none, POLL_NEXT), "{none:?}");
    }

    #[test]
    fn next_in_line_are_the_first_after_the_lander_and_after_its_gathering() {
        let ids = [
            "1765000000000-0000000000000001", // the lander
            "1765000000400-0000000000000002", // made while it gathers: the three after it
            "1765000000500-0000000000000003",
            "1765000000600-0000000000000004",
            "1765000000700-0000000000000005", // made while it gathers: rides in its batch
            "1765000001000-0000000000000006", // at the end of its gathering: still in it
            "1765000001001-0000000000000007", // the three made after it
            "1765000001500-0000000000000008",
            "1765000002000-0000000000000009",
            "1765000003000-000000000000000a",
        ];
        let pending: Vec<(u64, &str)> = ids
            .iter()
            .map(|id| (created_of(id).unwrap(), *id))
            .collect();
        let next: Vec<&str> = ids
            .iter()
            .copied()
            .filter(|id| next_in_line(&pending, id))
            .collect();
        let expected: Vec<&str> = [&ids[1..4], &ids[6..9]].concat();
        assert_eq!(next, expected);
        assert_eq!(created_of(ids[1]), Some(1_765_000_000_400));
        assert_eq!(created_of("1765000000400-XYZ"), None);
        assert_eq!(created_of("17650000004000000000000000000002"), None);
    }

    #[test]
    fn ids_are_checked() {
        assert!(valid_id("1765000000000-0123456789abcdef"));
        for bad in [
            "",
            "1765000000000",
            "1765000000000-0123456789ABCDEF",
            "176500000000-0123456789abcdef",
            "1765000000000-0123456789abcdef/x",
            "../1765000000000-0123456789abcdef",
        ] {
            assert!(!valid_id(bad), "{bad}");
        }
    }

    fn options() -> Options {
        Options {
            selection: Default::default(),
            commit: Default::default(),
            delivery: Default::default(),
            limits: Default::default(),
            guards: Default::default(),
            registry: Default::default(),
        }
    }

    const ID: &str = "1765000000000-0123456789abcdef";

    #[test]
    fn a_request_reads_back_as_written_and_a_hostile_one_not_at_all() {
        let mut opts = options();
        opts.selection.container = Some("agent".into());
        opts.selection.holds = Some(crate::manifest::Holds::Tag);
        opts.selection.envs = vec!["staging".into()];
        opts.guards.expect_current = Some(":v1".into());
        opts.commit.message = "chore: {service} to {tag}".into();
        opts.commit.order = Some(Order {
            key: 7,
            check: true,
        });
        let pair: Pair = "agent=:v2".parse().unwrap();
        let message = request_message(&[pair], &opts, 1, 2, Oid::ZERO_SHA1);
        let r = Request::read(ID, &message, &options()).expect("its own request reads back");
        assert_eq!(r.pairs[0].service, "agent");
        assert_eq!(r.opts.selection.container.as_deref(), Some("agent"));
        assert_eq!(r.opts.selection.holds, Some(crate::manifest::Holds::Tag));
        assert_eq!(r.opts.selection.envs, ["staging"]);
        assert_eq!(r.opts.guards.expect_current.as_deref(), Some(":v1"));
        assert_eq!(
            r.opts.commit.order,
            Some(Order {
                key: 7,
                check: true
            })
        );
        assert!(
            r.opts.registry.offline,
            "another run's request never asks a registry"
        );
        assert_eq!(r.base, Some(Oid::ZERO_SHA1));
        assert!(Request::read("../x", &message, &options()).is_none());
        // Each field checked as its flag is: one hostile value and the request is not read.
        let json = message.strip_prefix(HEADER).unwrap();
        for (from, to) in [
            (r#""image": ":v2""#, r#""image": "x:1\n  evil: true""#),
            (r#""service": "agent""#, r#""service": "../agent""#),
            (
                r#""manifests": []"#,
                r#""manifests": ["../{service}.yaml"]"#,
            ),
            (r#""holds": "tag""#, r#""holds": "everything""#),
            (r#""staging""#, r#""a b""#),
            (
                r#""message": "chore: {service} to {tag}""#,
                r#""message": "{secret}""#,
            ),
            (r#""trailers": []"#, r#""trailers": [["Evil", "a\nb"]]"#),
            (r#""version": 1"#, r#""version": 2"#),
            (r#""version": 1"#, r#""version": 1, "extra": true"#),
        ] {
            let hostile = json.replace(from, to);
            assert_ne!(hostile, json, "{from} is in {json}");
            let hostile = format!("{HEADER}{hostile}");
            assert!(Request::read(ID, &hostile, &options()).is_none(), "{to}");
        }
    }

    #[test]
    fn a_batch_message_lists_each_change_and_names_each_request() {
        let carried = [
            Carried {
                id: "1765000000000-0000000000000001".into(),
                message: "chore: update agent image to v2\n\nImgbump-Order: agent=7\n".into(),
            },
            Carried {
                id: "1765000000001-0000000000000002".into(),
                message: "chore: update images of a, b\n\n- a: x\n- b: y\n".into(),
            },
        ];
        let m = batch_message(&carried);
        assert_eq!(
            m,
            "chore: land 2 batched image updates\n\n- chore: update agent image to v2\n- a: x\n- b: y\n\nImgbump-Order: agent=7\nImgbump-Request: 1765000000000-0000000000000001\nImgbump-Request: 1765000000001-0000000000000002\n"
        );
        assert_eq!(crate::trailers::key_in(&m, "agent"), Some(7));
        assert_eq!(crate::trailers::all(&m, crate::trailers::REQUEST).len(), 2);
        let one = batch_message(&carried[..1]);
        assert_eq!(
            one,
            "chore: update agent image to v2\n\nImgbump-Order: agent=7\nImgbump-Request: 1765000000000-0000000000000001\n"
        );
    }
}
