//! What a bump did: each service's change, the commit, whether and where it was pushed, and
//! where the time went. The one vocabulary every output renders (JSON, text, `GITHUB_OUTPUT`,
//! the step summary, notifications): a [`Status`] word for a change and for the run, the
//! commit as an [`Oid`] (short in text: [`crate::git::short_id`]), and the notifications of
//! what happened made in one place ([`Outcome::events`], [`deployed_event`]).

use std::time::Duration;

use git2::Oid;

use crate::deploy::notify::Event;
use crate::deploy::watch::Watched;

use super::plan::Plan;

/// What a run came to, for one change or for the whole run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Status {
    /// A commit was made (or, with `--dry-run`, would be).
    Changed,
    /// Nothing changed: the target is held.
    Held,
    /// Nothing changed: a newer order key is recorded for the service.
    Superseded,
    /// Nothing changed: the image was already there.
    Unchanged,
}

impl Status {
    /// The word every output shows: `changed`, `held`, `superseded`, `unchanged`.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Status::Changed => "changed",
            Status::Held => "held",
            Status::Superseded => "superseded",
            Status::Unchanged => "unchanged",
        }
    }
}

/// One service's change.
#[derive(Debug, Clone)]
pub(crate) struct Change {
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
    /// The hold on the target: the one found (held, ignored, expired, already there, released)
    /// or the one added.
    pub hold: Option<crate::hold::Hold>,
    /// What the run did about it.
    pub hold_effect: HoldEffect,
}

impl Change {
    /// What this change came to: superseded, held, changed or unchanged, in that order.
    pub(crate) fn status(&self) -> Status {
        match (self.superseded_by, self.hold_effect) {
            (Some(_), _) => Status::Superseded,
            (None, HoldEffect::Held) => Status::Held,
            (None, _) if self.changed => Status::Changed,
            (None, _) => Status::Unchanged,
        }
    }
}

/// What a run did about a target's hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum HoldEffect {
    /// No hold stands on the target, and none was asked for.
    #[default]
    None,
    /// The target is held: its image was left alone.
    Held,
    /// The target is held, and `--ignore-hold` set its image anyway.
    Ignored,
    /// A hold stood on the target, but its `until` has passed: the image was set.
    Expired,
    /// A hold was added.
    Added,
    /// A hold stood already; it was left as it is.
    AlreadyHeld,
    /// The hold lines were removed.
    Released,
    /// Release was asked for, and no hold stood there.
    NotHeld,
}

impl HoldEffect {
    /// A word for it, as JSON and `GITHUB_OUTPUT` show it (`none`, `held`, …).
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            HoldEffect::None => "none",
            HoldEffect::Held => "held",
            HoldEffect::Ignored => "ignored",
            HoldEffect::Expired => "expired",
            HoldEffect::Added => "added",
            HoldEffect::AlreadyHeld => "already-held",
            HoldEffect::Released => "released",
            HoldEffect::NotHeld => "not-held",
        }
    }
}

/// What a bump did.
#[derive(Debug, Clone)]
pub(crate) struct Outcome {
    /// Whether a commit was made (or, with `--dry-run`, would be).
    pub changed: bool,
    /// The commit, if one was made.
    pub commit: Option<Oid>,
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
    /// Landed through a batch (`bump/batch.rs`): how many other runs' changes its commit
    /// carried; `None`: the run's own commit.
    pub batched: Option<usize>,
    /// Where the time went.
    pub timings: Timings,
}

/// Where a bump's time went, summed over attempts (shown with `-v`).
#[derive(Debug, Clone, Default)]
pub(crate) struct Timings {
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

/// The notification of a wait for `image` at `commit` (`imgbump wait`): deployed, or failed.
pub(crate) fn deployed_event(
    w: &Watched,
    image: &str,
    commit: Oid,
    repository: &str,
    branch: &str,
) -> Event {
    let happened = Happened {
        service: &w.watch.service,
        env: w.watch.env.as_deref(),
        old: "",
        new: image,
        commit: Some(commit),
    };
    event(happened, deploy_word(w), Some(w), repository, branch)
}

/// What a wait came to, as a notification says it.
fn deploy_word(w: &Watched) -> &'static str {
    if w.deployed {
        "deployed"
    } else {
        "failed"
    }
}

/// One service and environment's change, as a notification tells it.
struct Happened<'a> {
    service: &'a str,
    env: Option<&'a str>,
    old: &'a str,
    new: &'a str,
    commit: Option<Oid>,
}

/// The one way a notification is made.
fn event(
    h: Happened<'_>,
    status: &str,
    w: Option<&Watched>,
    repository: &str,
    branch: &str,
) -> Event {
    Event {
        service: h.service.to_string(),
        environment: h.env.map(str::to_string),
        old_image: h.old.to_string(),
        new_image: h.new.to_string(),
        commit: h.commit.map(|c| c.to_string()),
        repository: repository.to_string(),
        branch: branch.to_string(),
        status: status.to_string(),
        argocd_app: w.map(|w| w.watch.app.clone()),
        health: w.map(|w| w.health.clone()),
        error: w.and_then(|w| w.error.clone()),
    }
}

pub(super) fn timed<T>(slot: &mut Duration, f: impl FnOnce() -> T) -> T {
    let start = std::time::Instant::now();
    let out = f();
    *slot += start.elapsed();
    out
}

impl Outcome {
    /// The run's change landed in `commit`, a batch that carried `others` other changes; what
    /// it changed there, when known (`(changes, diff)`).
    pub(super) fn landed_in_batch(
        &mut self,
        commit: Oid,
        others: usize,
        what: Option<(Vec<Change>, String)>,
    ) {
        if let Some((changes, diff)) = what {
            self.changes = changes;
            self.diff = diff;
        }
        self.changed = true;
        self.commit = Some(commit);
        self.pushed = true;
        self.batched = Some(others);
    }

    /// Whether a pair was left alone because a newer order key is recorded for its service.
    pub(crate) fn superseded(&self) -> bool {
        self.changes.iter().any(|c| c.superseded_by.is_some())
    }

    /// Whether a pair was left alone because its target is held.
    pub(crate) fn held(&self) -> bool {
        self.changes
            .iter()
            .any(|c| c.hold_effect == HoldEffect::Held)
    }

    /// Changed (a commit was made, or with a dry run would be), held (nothing changed, and a
    /// pair's target is held), superseded (nothing changed, and a pair lost to a newer order
    /// key) or unchanged.
    pub(crate) fn status(&self) -> Status {
        if self.changed {
            Status::Changed
        } else if self.held() {
            Status::Held
        } else if self.superseded() {
            Status::Superseded
        } else {
            Status::Unchanged
        }
    }

    /// The notifications of this run: one per change that was pushed, held or superseded, or
    /// waited for (`waited`: deployed, or failed); `failed`, the wait's own failure after the
    /// push, makes every pushed change's event a failure that says so.
    pub(crate) fn events(
        &self,
        waited: &[Watched],
        failed: Option<&str>,
        repository: &str,
        branch: &str,
    ) -> Vec<Event> {
        self.changes
            .iter()
            .filter_map(|c| {
                let w = waited
                    .iter()
                    .find(|w| w.watch.service == c.service && w.watch.env == c.env);
                let status = match (w, c.status()) {
                    (Some(w), _) => deploy_word(w),
                    (None, Status::Held) => "held",
                    (None, Status::Superseded) => "superseded",
                    (None, Status::Changed) if self.pushed && failed.is_some() => "failed",
                    (None, Status::Changed) if self.pushed => "pushed",
                    _ => return None,
                };
                let happened = Happened {
                    service: &c.service,
                    env: c.env.as_deref(),
                    old: &c.old,
                    new: &c.new,
                    commit: self.commit,
                };
                let mut e = event(happened, status, w, repository, branch);
                if e.error.is_none() {
                    e.error = failed.map(|f| format!("pushed; the wait failed: {f}"));
                }
                Some(e)
            })
            .collect()
    }

    /// What an attempt would do before it commits: its plan's changes, nothing pushed yet.
    pub(super) fn planned(plan: &Plan, branch: &str, attempts: u32) -> Outcome {
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
            batched: None,
            timings: Timings::default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::deploy::watch::Watch;

    fn change(service: &str, changed: bool, superseded: bool, held: bool) -> Change {
        Change {
            service: service.into(),
            env: None,
            file: format!("{service}.yaml"),
            target: String::new(),
            workload: String::new(),
            container: String::new(),
            line: 1,
            old: format!("{service}:1"),
            new: format!("{service}:2"),
            changed,
            superseded_by: superseded.then_some(7),
            hold: None,
            hold_effect: if held {
                HoldEffect::Held
            } else {
                HoldEffect::None
            },
        }
    }

    fn outcome(changes: Vec<Change>, pushed: bool) -> Outcome {
        Outcome {
            changed: changes.iter().any(|c| c.changed),
            commit: pushed
                .then(|| Oid::from_str("0123456789abcdef0123456789abcdef01234567").unwrap()),
            branch: "main".into(),
            pushed,
            attempts: 1,
            changes,
            diff: String::new(),
            note: None,
            pushed_branch: None,
            pr: None,
            batched: None,
            timings: Timings::default(),
        }
    }

    #[test]
    fn one_status_word_for_a_change_and_for_the_run() {
        let c = change("a", false, true, false);
        assert_eq!(c.status(), Status::Superseded);
        assert_eq!(change("a", false, false, true).status(), Status::Held);
        assert_eq!(change("a", true, false, false).status(), Status::Changed);
        assert_eq!(change("a", false, false, false).status(), Status::Unchanged);
        // A change both superseded and held is superseded, in every output.
        assert_eq!(change("a", false, true, true).status(), Status::Superseded);
        let words: Vec<_> = [
            Status::Changed,
            Status::Held,
            Status::Superseded,
            Status::Unchanged,
        ]
        .map(Status::as_str)
        .into();
        assert_eq!(words, ["changed", "held", "superseded", "unchanged"]);
        let o = outcome(vec![change("a", false, false, true)], false);
        assert_eq!(o.status(), Status::Held);
        let o = outcome(vec![change("a", true, false, false)], true);
        assert_eq!(o.status(), Status::Changed);
    }

    #[test]
    fn the_notifications_say_what_the_changes_and_waits_came_to() {
        let o = outcome(
            vec![
                change("pushed", true, false, false),
                change("held", false, false, true),
                change("late", false, true, false),
                change("same", false, false, false),
                change("waited", true, false, false),
            ],
            true,
        );
        let w = Watched {
            watch: Watch {
                service: "waited".into(),
                env: None,
                app: "waited-prod".into(),
            },
            deployed: false,
            health: "Degraded".into(),
            revision: String::new(),
            error: Some("ImagePullBackOff".into()),
        };
        let events = o.events(std::slice::from_ref(&w), None, "isA_Cloud", "main");
        let said: Vec<_> = events
            .iter()
            .map(|e| (e.service.as_str(), e.status.as_str()))
            .collect();
        assert_eq!(
            said,
            [
                ("pushed", "pushed"),
                ("held", "held"),
                ("late", "superseded"),
                ("waited", "failed")
            ]
        );
        let commit = o.commit.map(|c| c.to_string());
        assert!(events
            .iter()
            .all(|e| e.commit == commit && e.branch == "main"));
        assert_eq!(events[3].argocd_app.as_deref(), Some("waited-prod"));
        assert_eq!(events[3].error.as_deref(), Some("ImagePullBackOff"));
        // `imgbump wait`'s, made the same way.
        let e = deployed_event(&w, "waited:2", o.commit.unwrap(), "isA_Cloud", "main");
        assert_eq!((e.status.as_str(), e.old_image.as_str()), ("failed", ""));
        assert_eq!(e.health.as_deref(), Some("Degraded"));
    }
}
