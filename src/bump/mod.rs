//! One bump from start to end, as a pipeline of stages, one file each, run on the branch's
//! tip and again on the new tip while the branch moves (never a textual rebase, never a force
//! push):
//!
//! ```text
//! loop (run.rs), until landed or the deadline:
//!     plan     the edits on the tip's files, registry checks, order keys    (plan.rs)
//!     commit   author, message and trailers, signature; the checkout's write (commit.rs)
//!     deliver  push to the branch or to a new branch: Landed | Moved → fetch, again (deliver.rs)
//!     after    the pull or merge request, older ones superseded            (after.rs)
//! ```
//!
//! | room | what it holds |
//! |---|---|
//! | `run.rs` | [`set_until`]: the loop over the stages |
//! | `plan.rs`, `registry_check.rs`, `order.rs` | the plan; the registry's checks of an image; recorded order keys |
//! | `commit.rs`, `message.rs` | the commit; its message |
//! | `deliver.rs`, `branch.rs`, `retry.rs` | the push; `--push-branch` names; the run's budgets and the fetch between attempts |
//! | `batch.rs` | batched bumps: a run that meets others publishes a request; whoever takes the tip lands every pending one in one commit |
//! | `batch/glance.rs` | a waiting run's look at the remote's ref list alone: whether to fetch, or only wait |
//! | `standing.rs` | where a checkout stands against its remote at the start, and what the run says about it |
//! | `via_github.rs` | delivery through GitHub's API (`--commit-via github`): GitHub makes the commit |
//! | `after.rs` | pull and merge requests |
//! | `outcome.rs`, `diff.rs` | what a bump did; the dry run's diff |
//! | `choose.rs` | `imgbump update`'s pairs: each target's newest admitted tag, listed from its registry and chosen by its policy |
//!
//! Failures are [`Failure`]s; the command line maps their kinds to exit codes.

use crate::failure::{FailKind, Failure};
use crate::hold::Hold;
use crate::reference::ImageSpec;
use crate::service;

mod after;
mod batch;
mod branch;
mod choose;
mod commit;
mod deliver;
mod diff;
mod message;
mod order;
mod outcome;
mod plan;
mod registry_check;
mod retry;
mod run;
mod standing;
mod via_github;

pub(crate) use crate::locate::Selection;
pub(crate) use branch::PLACEHOLDERS as BRANCH_PLACEHOLDERS;
pub(crate) use choose::{services as policy_services, Chooser, PolicyRow};
pub(crate) use message::PLACEHOLDERS as MESSAGE_PLACEHOLDERS;
pub(crate) use outcome::{deployed_event, Change, HoldEffect, Outcome, Status};
pub(crate) use registry_check::RegistryOptions;
pub(crate) use registry_check::{signature_check, SignatureCheck};
pub(crate) use run::set_until;

/// One `SERVICE=IMAGE` pair, validated; or, for `hold` and `release`, a service alone.
#[derive(Debug, Clone)]
pub(crate) struct Pair {
    /// The service name (a DNS label).
    pub service: String,
    /// What its image should become; `None`: it stays (a hold added or released).
    pub spec: Option<ImageSpec>,
    /// Only the target placed in this file and environment (`update`, where each target's
    /// policy chooses its own image); `None`: every target of the service.
    pub only: Option<(String, Option<String>)>,
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
            spec: Some(spec),
            only: None,
        })
    }
}

/// How to bump: parts that mirror the command line's groups.
#[derive(Debug, Clone)]
pub(crate) struct Options {
    /// Where the images are: templates, selectors, environments, what an edit may add.
    pub selection: Selection,
    /// What the commit says and who makes it.
    pub commit: Authoring,
    /// Where the commit goes, and whether it is made at all.
    pub delivery: Delivery,
    /// How long and how often to try.
    pub limits: Limits,
    /// What must hold for an edit to be made, and the holds it changes.
    pub guards: Guards,
    /// What to ask the images' registries (`--verify-image`, `--pin-digest`).
    pub registry: RegistryOptions,
}

/// What the commit says and who makes it.
#[derive(Debug, Clone, Default)]
pub(crate) struct Authoring {
    /// The commit message template.
    pub message: String,
    /// `Key: value` trailers added to the message.
    pub trailers: Vec<(String, String)>,
    /// The author; `None` takes the repository's `user.*` config, else `fallback_author`.
    pub author: Option<(String, String)>,
    /// The author when neither `author` nor git config names one (in GitHub Actions, the
    /// `github-actions[bot]` account); `None`: `imgbump <imgbump@localhost>`.
    pub fallback_author: Option<(String, String)>,
    /// `--sign`; `None`: as the checkout's git config says (`commit.gpgsign`), else unsigned.
    pub sign: Option<crate::sign::Signer>,
    /// The producer's order key (a number it makes grow, such as a CI run number), recorded in
    /// an `Imgbump-Order: SERVICE=N` trailer; see [`Order`].
    pub order: Option<Order>,
}

/// Where the commit goes, and whether it is made at all.
#[derive(Debug, Clone, Default)]
pub(crate) struct Delivery {
    /// Print, write nothing.
    pub dry_run: bool,
    /// Commit but do not push.
    pub no_push: bool,
    /// `--push-branch`: push to a new branch made from this template instead of the branch.
    pub push_branch: Option<String>,
    /// `--push-option`s (GitLab's `merge_request.*` among them).
    pub push_options: Vec<String>,
    /// `--open-pr`: the forge to open a pull (merge) request on, and how.
    pub open_pr: Option<OpenPr>,
    /// Who makes the commit on the remote: a push of ours, or GitHub through its API.
    pub commit_via: CommitVia,
    /// A run that meets others at the branch publishes its change as a request, and whoever
    /// takes the tip lands every pending one in one commit (`bump/batch.rs`); `--no-batch`:
    /// each run races for the tip alone.
    pub batch: bool,
}

/// How long and how often to try.
#[derive(Debug, Clone, Default)]
pub(crate) struct Limits {
    /// At most this many further push attempts; `None`: as many as `timeout` allows.
    pub retries: Option<u32>,
    /// How long to go on retrying (a moved branch), from the start.
    pub timeout: std::time::Duration,
    /// How long to go on retrying a refused, reset or cut connection, from the first failure
    /// of a streak.
    pub connect_timeout: std::time::Duration,
}

/// What must hold for an edit to be made, and the holds it changes: the command's intent.
#[derive(Debug, Clone, Default)]
pub(crate) struct Guards {
    /// Compare-and-swap: the image the target must hold now for the edit to be made (with one
    /// pair). Checked on every attempt, against the tip being edited.
    pub expect_current: Option<String>,
    /// `--ignore-hold`: set the image of a held target anyway (the hold line stays, and an
    /// `Imgbump-Hold-Ignored` trailer records it).
    pub ignore_hold: bool,
    /// A hold added to or released from every target, with (`rollback --hold`) or without
    /// (`hold`, `release`) an image set.
    pub hold_change: Option<HoldChange>,
}

/// Who makes the commit on the remote.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum CommitVia {
    /// imgbump makes it and pushes it (signed with `--sign`, if asked).
    #[default]
    Push,
    /// GitHub makes it from the plan's files (`createCommitOnBranch`), and signs it.
    GitHub,
}

/// A change to the holds of the targets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum HoldChange {
    /// Add this hold above each target (left as it is where one stands already).
    Add(Hold),
    /// Remove every hold line above each target.
    Release,
}

/// Where to open a request for a bump pushed to a branch of its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Forge {
    /// GitHub's REST API.
    GitHub,
    /// GitLab's push options.
    GitLab,
}

/// `--open-pr` and its details.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct OpenPr {
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
pub(crate) struct Order {
    /// The key to record.
    pub key: u64,
    /// Whether a key not greater than the recorded one makes the change superseded (a rollback
    /// records the current key without being held back by it).
    pub check: bool,
}
