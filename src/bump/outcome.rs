//! What a bump did: each service's change, the commit, whether and where it was pushed, and
//! where the time went.

use std::time::Duration;

use super::plan::Plan;

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

pub(super) fn timed<T>(slot: &mut Duration, f: impl FnOnce() -> T) -> T {
    let start = std::time::Instant::now();
    let out = f();
    *slot += start.elapsed();
    out
}

impl Outcome {
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

    /// `changed` (a commit was made, or with a dry run would be), `held` (nothing changed,
    /// and a pair's target is held), `superseded` (nothing changed, and a pair lost to a newer
    /// order key) or `unchanged`.
    pub(crate) fn status(&self) -> &'static str {
        if self.changed {
            "changed"
        } else if self.held() {
            "held"
        } else if self.superseded() {
            "superseded"
        } else {
            "unchanged"
        }
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
            timings: Timings::default(),
        }
    }
}
