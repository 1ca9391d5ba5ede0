//! The Git layer: open a checkout or clone a remote, read files from a commit, write a commit
//! that changes some files straight into the object database, push it without ever forcing,
//! and fetch again when the branch moved. It knows nothing of YAML.
//!
//! | room | what it holds |
//! |---|---|
//! | `open.rs` | open mode: a checkout, its branch and upstream, the dirty check |
//! | `clone.rs` | clone mode: shallow one-branch clones, scratch directories, borrowed local objects |
//! | `cache.rs` | `--cache-dir`: one locked bare repository per URL, rebuilt when stale |
//! | `remote.rs` | the anonymous remote and the callbacks of a transfer |
//! | `classify.rs` | what a failure is: worth another try (a cut connection, a 5xx) or not ([`Error::worth_retrying`]) |
//! | `credentials.rs` | where tokens and keys come from; which secrets they carry (redacted by `crate::secret`) |
//! | `tls.rs` | CA certificates, loaded only for TLS remotes |
//! | `tcp.rs` | our own `git://` transport (no Nagle, quick ACKs) |
//! | `local.rs` | remotes on this machine: moved directly, or through their `git receive-pack` |
//! | `fetch.rs` | fetching the branch (and learning the default one) |
//! | `read.rs` | reading a file, a directory or a file's history from a commit |
//! | `commit.rs` | blobs, trees and a commit without a checkout |
//! | `push.rs` | the push, and what a rejection means (moved, cut, refused) |
//! | `requests.rs` | batched bumps' request refs on the remote: published, listed, read, deleted |
//! | `checkout.rs` | open mode's local write: work tree, index, branch; catching up after a push |
//! | `standing.rs` | where a checkout stands against its upstream: ahead, behind, diverged, what its unpushed commits change; a commit taken back when nothing was pushed |
//! | `lock.rs` | runs in one checkout take turns; a killed run's locks recovered |
//! | `index/mod.rs`, `index/mapped.rs` | `.git/index` read and patched in place |
//! | `trim.rs` | keeping a fetched pack's pages from staying resident |
//! | `paths.rs` | which repository-relative paths are allowed |
//! | `worktree.rs` | work tree files reached without following a link on the way |
//! | `config.rs` | git's configuration as git reads it (`GIT_CONFIG_GLOBAL`, `GIT_CONFIG_COUNT`, …) |
//! | `fixture.rs` | small repositories for this layer's unit tests |
//!
//! Errors are [`Error`] with an [`ErrorKind`]; messages say what failed and what to do, with
//! every secret already redacted.

use std::cell::RefCell;
use std::fmt;

mod cache;
mod checkout;
mod classify;
mod clone;
mod commit;
mod config;
mod credentials;
mod fetch;
#[cfg(test)]
mod fixture;
mod index;
mod local;
mod lock;
mod open;
mod paths;
mod push;
mod read;
mod remote;
mod requests;
mod standing;
mod tcp;
mod tls;
mod trim;
#[cfg(unix)]
mod worktree;

use classify::{git_err, is_network};
pub(crate) use clone::{is_url, CloneOptions, ProgressFn};
pub(crate) use credentials::{redact_urls, Credentials};
pub(crate) use fetch::Want;
pub(crate) use paths::check_relative_path;
pub(crate) use requests::RefPush;
pub(crate) use standing::Standing;
pub(crate) use tls::ca_roots;

use git2::{Oid, Repository};

use crate::url::RemoteUrl;

/// Sets up what libgit2 takes from the process, once, first thing in `main`, while the process
/// has one thread: the TLS trust (see `tls.rs`) and where git's configuration files are
/// (`config.rs`).
pub fn init() {
    // The certificate variables first: libgit2 reads them when it initialises, which setting
    // a config search path makes it do.
    tls::init();
    config::init();
}

/// A commit id as every output shows it in short: its first seven hex digits. The one place
/// that length is decided (a short id in text, the step summary, a notification, an Argo CD
/// revision).
pub(crate) fn short_id(id: &impl std::fmt::Display) -> String {
    id.to_string().chars().take(7).collect()
}

/// The largest file imgbump reads, in bytes.
pub(crate) const MAX_FILE: usize = 64 * 1024 * 1024;

/// What kind of Git failure; the command line maps these to exit codes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ErrorKind {
    /// The repository, branch or file does not exist.
    NotFound,
    /// The path or file is unsafe (escapes the repository, a symlink, too large, dirty).
    Refused,
    /// The server refused the credentials.
    Auth,
    /// The server rejected the push for a reason other than a moved branch (hook, protection).
    Rejected,
    /// The connection failed or was cut (refused, reset, closed early), or the server answered
    /// 5xx: worth another try.
    Network,
    /// The remote cannot be reached as written, and trying again will not change that: an
    /// unknown host, a TLS failure, an HTTP answer such as 404, a path with no repository
    /// (`file://`, git daemon's "not exported", ssh's "repository not found"), a web page
    /// where Git was expected.
    Unreachable,
    /// Anything else: network, I/O, corrupt repository.
    Other,
}

/// A Git failure with what failed and what to do; secrets already redacted.
#[derive(Debug, Clone)]
pub(crate) struct Error {
    /// The kind of failure.
    pub kind: ErrorKind,
    /// What failed, and where.
    pub message: String,
    /// What to do about it, when the message does not say; shown on a line of its own.
    pub hint: Option<String>,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)?;
        match &self.hint {
            Some(hint) => write!(f, "\n{hint}"),
            None => Ok(()),
        }
    }
}

impl std::error::Error for Error {}

impl Error {
    /// Whether another try may succeed: only a refused, reset or cut connection and a server's
    /// 5xx answer are (see `classify.rs`). Every retry loop asks this.
    pub(crate) fn worth_retrying(&self) -> bool {
        self.kind == ErrorKind::Network
    }

    /// This error with `hint` (what to do), after any it already has.
    pub(crate) fn with_hint(mut self, hint: impl Into<String>) -> Self {
        add_hint(&mut self.hint, hint.into());
        self
    }
}

/// Adds `hint` (what to do) to the one an error has, if any, on a line of its own: the one way
/// a hint grows, for [`Error::with_hint`] and the commands' `Failure::with_hint` above.
pub(crate) fn add_hint(had: &mut Option<String>, hint: String) {
    *had = Some(match had.take() {
        Some(had) => format!("{had}\n{hint}"),
        None => hint,
    });
}

type Result<T> = std::result::Result<T, Error>;

fn err(kind: ErrorKind, message: impl Into<String>) -> Error {
    Error {
        kind,
        message: message.into(),
        hint: None,
    }
}

/// What a push came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Push {
    /// The remote branch now points at the commit.
    Landed,
    /// The remote branch moved since we fetched it: fetch, redo, push again.
    Moved,
    /// The connection failed or was cut mid-push (the message says how): the push may or may
    /// not have landed; fetch to find out, and try again if it did not.
    Interrupted(String),
    /// No connection could be opened (the message says why): nothing was sent, the remote
    /// is as it was; push again.
    Unconnected(String),
    /// A push to a new branch ([`PushTo::branch`]) found that branch already there, at this
    /// commit; nothing was pushed.
    Exists(git2::Oid),
    /// The remote could not update the branch because its lock file (this path, on the
    /// server) exists: another push holds it, briefly, or one was killed holding it.
    Locked(String),
}

/// Where a push goes, when not to the workspace's own branch, and what it tells the server.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct PushTo {
    /// Push to this new branch instead (created, never moved or forced: an existing one is
    /// [`Push::Exists`]).
    pub branch: Option<String>,
    /// Push options (`git push -o`), such as GitLab's `merge_request.create`.
    pub options: Vec<String>,
    /// Request refs of the branch (by id) deleted by the same push. The server updates each
    /// ref on its own: what the push came to is the branch's update alone (a deletion refused,
    /// or of a ref already gone, changes nothing). A push aborted before any update (the branch
    /// moved) or refused whole (a `pre-receive` hook) deletes nothing; one whose branch update
    /// alone is refused (an `update` hook) may still delete them.
    pub drop_requests: Vec<String>,
    /// When the branch moved: publish this request (`(id, message)`) instead, over the same
    /// connection (a lost race and the request that follows it cost the server one
    /// connection, not two); what the remote said is [`Workspace::take_published`].
    pub or_publish: Option<(String, String)>,
}

/// A repository imgbump works in: a user's checkout opened in place, or a bare clone made from
/// a URL ([`Mode`]).
pub(crate) struct Workspace {
    repo: Repository,
    /// The remote pushes and fetches go to, without credentials; `None` for a checkout whose
    /// branch's remote is not configured.
    remote: Option<Remote>,
    creds: Credentials,
    /// The local branch (a checkout) or the remote branch (a clone).
    branch: String,
    /// The branch on the remote that pushes go to.
    remote_branch: String,
    mode: Mode,
    /// Called with (phase, objects done, objects total, bytes) during transfers.
    progress: Option<ProgressFn>,
    /// Called with a message for the user while imgbump waits or recovers (the CLI prints it).
    notice: Option<NoticeFn>,
    /// The branch's batched-bump requests on the remote, as last seen.
    requests: requests::Requests,
}

/// A workspace's remote: its address parsed once, and the text every transfer and message
/// uses (without user info; see [`crate::url::RemoteUrl`]).
struct Remote {
    url: RemoteUrl,
    shown: String,
}

impl Remote {
    fn new(shown: String) -> Remote {
        Remote {
            url: RemoteUrl::parse(&shown),
            shown,
        }
    }
}

/// How a workspace came to be, and what only that mode has.
enum Mode {
    /// A user's checkout, opened where it is (`open.rs`): commits go on its local branch, and
    /// its work tree, index and remote-tracking ref follow (`checkout.rs`, `standing.rs`).
    Checkout {
        /// The remote the branch tracks (`branch.NAME.remote`, default `origin`), as named in
        /// its remote-tracking ref.
        upstream: String,
        /// The index's checksum being verified since the dirty check.
        verifier: RefCell<Option<index::Verifier>>,
        /// The upstream's tip, once [`Workspace::fetch_once`] fetched it.
        fetched: Option<Oid>,
    },
    /// A bare clone made from a URL (`clone.rs`, `cache.rs`): no work tree.
    Clone {
        /// Where the clone lives, and what keeps it there.
        _home: Home,
        /// The clone borrows a local remote's objects (alternates): fetching is reading its refs.
        borrowed: bool,
        /// How many commits a fetch asks for (0: all; `i32::MAX`: the rest of the history).
        depth: i32,
    },
}

/// Where a clone lives.
enum Home {
    /// A scratch directory, removed on drop.
    Scratch { _dir: tempfile::TempDir },
    /// A `--cache-dir` repository, whose lock is held while we use it.
    Cache { _lock: std::fs::File },
}

/// A message for the user, from the Git layer, which prints nothing itself.
pub(crate) type NoticeFn = std::rc::Rc<dyn Fn(&str)>;

/// Who made a commit, when, and what it says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CommitInfo {
    /// `Name <email>` of the author.
    pub author: String,
    /// Unix seconds.
    pub time: i64,
    /// The whole message, trailers included.
    pub message: String,
}

/// Where a file edit goes.
pub(crate) struct FileChange {
    /// Path relative to the repository root, `/`-separated.
    pub path: String,
    /// The new content.
    pub content: Vec<u8>,
}

impl Workspace {
    /// Reports transfer progress to `f(phase, done, total, bytes)`.
    pub(crate) fn set_progress(&mut self, f: ProgressFn) {
        self.progress = Some(f);
    }

    /// Sends messages for the user (waiting for another imgbump, a stale lock removed) to `f`.
    pub(crate) fn set_notice(&mut self, f: NoticeFn) {
        self.notice = Some(f);
    }

    /// The function messages for the user go to, for a room that says its own (a forge's
    /// rate-limit wait).
    pub(crate) fn notice_fn(&self) -> Option<NoticeFn> {
        self.notice.clone()
    }

    /// Says `message` to the user (through [`Workspace::set_notice`]'s function, if any).
    pub(crate) fn notice(&self, message: &str) {
        if let Some(f) = &self.notice {
            f(message);
        }
    }

    /// The work tree of a user's checkout (none for a scratch clone).
    pub(crate) fn work_tree(&self) -> Option<&std::path::Path> {
        self.repo.workdir().filter(|_| self.is_open())
    }

    /// Whether this is a user's checkout (as opposed to a scratch clone).
    pub(crate) fn is_open(&self) -> bool {
        matches!(self.mode, Mode::Checkout { .. })
    }

    /// The branch commits go on.
    pub(crate) fn branch(&self) -> &str {
        &self.branch
    }

    /// The remote's URL, without credentials; empty for a checkout whose branch has no remote.
    pub(crate) fn url(&self) -> &str {
        self.remote.as_ref().map_or("", |r| r.shown.as_str())
    }

    /// The remote's address, parsed.
    fn remote_url(&self) -> Option<&RemoteUrl> {
        self.remote.as_ref().map(|r| &r.url)
    }

    /// A checkout's upstream remote (`origin`); `None` for a clone.
    fn upstream(&self) -> Option<&str> {
        match &self.mode {
            Mode::Checkout { upstream, .. } => Some(upstream),
            Mode::Clone { .. } => None,
        }
    }

    /// The token pushes use, for an API on the same host (a forge's); never printed.
    pub(crate) fn token(&self) -> Option<&str> {
        self.creds.token()
    }

    /// Uses `token` for transfers from now on (a token minted once the checkout was opened).
    pub(crate) fn use_token(&mut self, token: &str) {
        self.creds.set_token(token);
    }

    /// The credentials in use (their secrets are learnt for redaction when a checkout is opened).
    pub(crate) fn credentials(&self) -> &Credentials {
        &self.creds
    }

    /// The commit to build on: the local branch (open mode) or the fetched tip (clone mode).
    pub(crate) fn tip(&self) -> Result<Oid> {
        let name = if self.is_open() {
            format!("refs/heads/{}", self.branch)
        } else {
            self.tracking_ref()
        };
        self.repo.refname_to_id(&name).map_err(|_| {
            if !self.is_open() {
                return self.no_branch(Vec::new());
            }
            let names = branch_names(&self.repo);
            let why = if names.is_empty() {
                "the repository has no commits yet; commit once first".to_string()
            } else {
                format!(
                    "its branches: {}; pass --branch with one of them",
                    names.join(", ")
                )
            };
            err(
                ErrorKind::NotFound,
                format!(
                    "the checkout has no branch {}; {why}",
                    crate::reference::shown(&self.branch)
                ),
            )
        })
    }
}

/// The local branches of `repo`, sorted.
fn branch_names(repo: &Repository) -> Vec<String> {
    let mut names: Vec<String> = repo
        .branches(Some(git2::BranchType::Local))
        .into_iter()
        .flatten()
        .filter_map(|b| Some(b.ok()?.0.name().ok()??.to_string()))
        .collect();
    names.sort();
    names
}
