//! What a command's failure is: its kind (which the command line maps to an exit code), its
//! message, what to do about it (its hint, kept apart so that every output shows it on a line
//! or in a field of its own), and the file and line it is about. Below every command (get, list, history and
//! the writing ones alike); the rooms under it (git, manifest) have error types of their own,
//! turned into this one here.

use std::fmt;

use crate::git;
use crate::manifest::{EditError, EditErrorKind};

/// What kind of failure, which decides the exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailKind {
    /// Exit 2: the command line is wrong.
    Usage,
    /// Exit 3: no manifest, workload or container matched, or more than one did.
    NotFound,
    /// Exit 4: refused: invalid name or image, unsafe edit, uncommitted changes.
    Refused,
    /// Exit 5: the push failed after all retries or was rejected by the remote.
    Push,
    /// Exit 6: not deployed healthy: Argo CD reported a failure, or the wait for it ran out
    /// (after `set --wait`, the push stands).
    NotDeployed,
    /// Exit 1: anything else.
    Other,
    /// Exit 128 + the signal's number: SIGINT, SIGTERM or SIGHUP ended the run at a safe point.
    Interrupted,
}

/// A failure of a command: what failed, where, and what to do.
#[derive(Debug, Clone)]
pub(crate) struct Failure {
    /// The kind, for the exit code.
    pub kind: FailKind,
    /// What failed, and where (several lines allowed; secrets redacted).
    pub message: String,
    /// What to do about it, when the message does not say: text shows it on a line of its
    /// own, JSON as `hint`, a GitHub annotation on the line after the message.
    pub hint: Option<String>,
    /// The file it is about, relative to the repository root.
    pub file: Option<String>,
    /// The 1-based line in `file`.
    pub line: Option<usize>,
}

impl Failure {
    /// A failure without a place.
    pub(crate) fn new(kind: FailKind, message: impl Into<String>) -> Self {
        Failure {
            kind,
            message: message.into(),
            hint: None,
            file: None,
            line: None,
        }
    }

    /// This failure with `hint` (what to do), after any it already has.
    pub(crate) fn with_hint(mut self, hint: impl Into<String>) -> Self {
        git::add_hint(&mut self.hint, hint.into());
        self
    }

    /// The message and the hint, each on lines of their own, as text shows them.
    pub(crate) fn text(&self) -> String {
        match &self.hint {
            Some(hint) => format!("{}\n{hint}", self.message),
            None => self.message.clone(),
        }
    }

    /// The run was asked to end by a signal; `state` says where that left things.
    pub(crate) fn interrupted(signal: i32, state: &str) -> Self {
        Failure::new(
            FailKind::Interrupted,
            format!("interrupted by {}; {state}", crate::interrupt::name(signal)),
        )
    }

    /// An engine error about `file`, as `file:line:col: what` plus the engine's help.
    pub(crate) fn from_edit(file: &str, e: EditError) -> Self {
        let kind = match e.kind {
            EditErrorKind::NotFound | EditErrorKind::Ambiguous => FailKind::NotFound,
            EditErrorKind::Invalid | EditErrorKind::BadReference | EditErrorKind::Unsafe => {
                FailKind::Refused
            }
        };
        let at = e.location.map(|l| format!(":{l}")).unwrap_or_default();
        Failure {
            kind,
            message: format!("{file}{at}: {}", e.message),
            hint: e.help,
            file: Some(file.to_string()),
            line: e.location.map(|l| l.line),
        }
    }
}

impl From<git::Error> for Failure {
    fn from(e: git::Error) -> Self {
        let kind = match e.kind {
            git::ErrorKind::NotFound => FailKind::NotFound,
            git::ErrorKind::Refused => FailKind::Refused,
            git::ErrorKind::Rejected => FailKind::Push,
            git::ErrorKind::Auth
            | git::ErrorKind::Network
            | git::ErrorKind::Unreachable
            | git::ErrorKind::Other => FailKind::Other,
        };
        Failure {
            hint: e.hint,
            ..Failure::new(kind, e.message)
        }
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)?;
        match &self.hint {
            Some(hint) => write!(f, "\n{hint}"),
            None => Ok(()),
        }
    }
}

impl std::error::Error for Failure {}
