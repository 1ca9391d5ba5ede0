//! One bump from start to end: plan the edits on a commit's files with the engine, commit them,
//! push, and on a moved branch fetch and plan again on the new tip (never a textual rebase,
//! never a force push).
//!
//! ```text
//! loop attempt in 1..=retries+1:
//!     tip   = workspace.tip()
//!     edits = plan(pairs, |path| workspace.read(tip, path))      pure engine work
//!     no change? -> Unchanged
//!     commit = workspace.commit(tip, edits)                       objects only
//!     push: Landed -> done | Moved -> backoff, fetch, again | Rejected -> error
//! ```

use std::fmt;
use std::time::Duration;

use git2::Signature;

use crate::git::{self, FileChange, Push, Workspace};
use crate::manifest::{EditError, EditErrorKind, Manifest, Target};
use crate::reference::ImageSpec;
use crate::service;

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
    /// Exit 1: anything else.
    Other,
}

impl FailKind {
    /// The process exit code for this kind.
    pub fn exit_code(self) -> i32 {
        match self {
            FailKind::Other => 1,
            FailKind::Usage => 2,
            FailKind::NotFound => 3,
            FailKind::Refused => 4,
            FailKind::Push => 5,
        }
    }

    /// A short name for JSON output.
    pub fn as_str(self) -> &'static str {
        match self {
            FailKind::Other => "error",
            FailKind::Usage => "usage",
            FailKind::NotFound => "not-found",
            FailKind::Refused => "refused",
            FailKind::Push => "push",
        }
    }
}

/// A failure of a bump: what failed, where, and what to do.
#[derive(Debug, Clone)]
pub struct Failure {
    /// The kind, for the exit code.
    pub kind: FailKind,
    /// The message (several lines allowed; secrets redacted).
    pub message: String,
    /// The file it is about, relative to the repository root.
    pub file: Option<String>,
    /// The 1-based line in `file`.
    pub line: Option<usize>,
}

impl Failure {
    /// A failure without a place.
    pub fn new(kind: FailKind, message: impl Into<String>) -> Self {
        Failure {
            kind,
            message: message.into(),
            file: None,
            line: None,
        }
    }

    /// An engine error about `file`, as `file:line:col: what` plus the engine's help.
    pub fn from_edit(file: &str, e: EditError) -> Self {
        let kind = match e.kind {
            EditErrorKind::NotFound | EditErrorKind::Ambiguous => FailKind::NotFound,
            EditErrorKind::Invalid | EditErrorKind::BadReference | EditErrorKind::Unsafe => {
                FailKind::Refused
            }
        };
        let at = e.location.map(|l| format!(":{l}")).unwrap_or_default();
        let mut message = format!("{file}{at}: {}", e.message);
        if let Some(help) = &e.help {
            message.push('\n');
            message.push_str(help);
        }
        Failure {
            kind,
            message,
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
            git::ErrorKind::Auth | git::ErrorKind::Network | git::ErrorKind::Other => {
                FailKind::Other
            }
        };
        Failure::new(kind, e.message)
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Failure {}

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
    /// The manifest path template (`{service}` is replaced).
    pub manifest: String,
    /// `--workload`.
    pub workload: Option<String>,
    /// `--container`.
    pub container: Option<String>,
    /// The commit message template.
    pub message: String,
    /// `Key: value` trailers added to the message.
    pub trailers: Vec<(String, String)>,
    /// The author; `None` takes the repository's `user.*` config.
    pub author: Option<(String, String)>,
    /// Print, write nothing.
    pub dry_run: bool,
    /// Commit but do not push.
    pub no_push: bool,
    /// Further push attempts after a moved branch.
    pub retries: u32,
}

/// One service's change.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Change {
    /// The service.
    pub service: String,
    /// The manifest, relative to the repository root.
    pub file: String,
    /// `Kind/name` of the workload.
    pub workload: String,
    /// The container.
    pub container: String,
    /// The 1-based line of the image.
    pub line: usize,
    /// The image before.
    pub old: String,
    /// The image after.
    pub new: String,
    /// Whether this pair changed anything.
    pub changed: bool,
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
}

fn timed<T>(slot: &mut Duration, f: impl FnOnce() -> T) -> T {
    let start = std::time::Instant::now();
    let out = f();
    *slot += start.elapsed();
    out
}

/// The edits of one attempt.
struct Plan {
    files: Vec<FileChange>,
    changes: Vec<Change>,
    diff: String,
}

fn plan(
    ws: &Workspace,
    tip: git2::Oid,
    check_dirty: bool,
    pairs: &[Pair],
    opts: &Options,
) -> Result<Plan, Failure> {
    // Files in the order first named, each read once, edits applied in turn.
    let mut by_file: Vec<(String, Vec<&Pair>)> = Vec::new();
    for p in pairs {
        let path = service::manifest_path(&opts.manifest, &p.service)
            .map_err(|m| Failure::new(FailKind::Refused, m))?;
        match by_file.iter_mut().find(|(f, _)| *f == path) {
            Some((_, same_file)) => same_file.push(p),
            None => by_file.push((path, vec![p])),
        }
    }
    let mut out = Plan {
        files: Vec::new(),
        changes: Vec::new(),
        diff: String::new(),
    };
    for (path, pairs) in by_file {
        let original = read_manifest(ws, tip, &path, &opts.manifest)?;
        if check_dirty && ws.is_open() && ws.is_dirty(tip, &path)? {
            return Err(Failure {
                kind: FailKind::Refused,
                message: format!(
                    "{path} has uncommitted changes; imgbump leaves them alone\ncommit or stash them (`git stash`), then run imgbump again"
                ),
                file: Some(path),
                line: None,
            });
        }
        let mut text = original.clone();
        for p in pairs {
            let m = Manifest::parse(&text).map_err(|e| Failure::from_edit(&path, e))?;
            let target = Target {
                service: &p.service,
                workload: opts.workload.as_deref(),
                container: opts.container.as_deref(),
            };
            let edit = m
                .set_image(&target, &p.spec)
                .map_err(|e| Failure::from_edit(&path, e))?;
            out.changes.push(Change {
                service: p.service.clone(),
                file: path.clone(),
                workload: edit.field.workload_id(),
                container: edit.field.container.clone(),
                line: edit.field.location.line,
                old: edit.old.clone(),
                new: edit.new.clone(),
                changed: edit.changed,
            });
            text = edit.text;
        }
        if text != original {
            out.diff.push_str(&unified_diff(&path, &original, &text));
            out.files.push(FileChange {
                path,
                content: text.into_bytes(),
            });
        }
    }
    Ok(out)
}

/// The text of the manifest at `path` on `tip`: missing, unsafe (a link, too large) and
/// non-UTF-8 files are errors that say which file and what to do.
pub fn read_manifest(
    ws: &Workspace,
    tip: git2::Oid,
    path: &str,
    template: &str,
) -> Result<String, Failure> {
    let bytes = ws.read(tip, path)?.ok_or_else(|| Failure {
        kind: FailKind::NotFound,
        message: format!(
            "{path} does not exist on branch {} (from the manifest template {template:?})\npass --manifest TEMPLATE; `imgbump list` shows the services the template finds",
            ws.branch()
        ),
        file: Some(path.to_string()),
        line: None,
    })?;
    crate::manifest::decode(&bytes)
        .map(str::to_string)
        .map_err(|e| Failure::from_edit(path, e))
}

/// Fills a message template for one change.
fn render_message(template: &str, c: &Change) -> String {
    let (tag, digest) = match c.new.parse::<crate::reference::Reference>() {
        Ok(r) => (r.tag().map(str::to_string), r.digest().map(str::to_string)),
        Err(_) => (None, None),
    };
    let short_digest = digest.as_deref().map(|d| {
        d.split(':')
            .nth(1)
            .unwrap_or(d)
            .chars()
            .take(12)
            .collect::<String>()
    });
    let tag = tag.or(short_digest).unwrap_or_else(|| "latest".into());
    template
        .replace("{service}", &c.service)
        .replace("{old_image}", &c.old)
        .replace("{image}", &c.new)
        .replace("{tag}", &tag)
        .replace("{digest}", digest.as_deref().unwrap_or(""))
        .replace("{file}", &c.file)
        .replace("{container}", &c.container)
}

/// The commit message for the changed pairs.
pub fn commit_message(template: &str, changes: &[Change], trailers: &[(String, String)]) -> String {
    let changed: Vec<&Change> = changes.iter().filter(|c| c.changed).collect();
    let mut msg = match changed.as_slice() {
        [one] => render_message(template, one),
        many => {
            let names: Vec<&str> = many.iter().map(|c| c.service.as_str()).collect();
            let mut m = format!("chore: update images of {}\n", names.join(", "));
            for c in many {
                m.push_str(&format!("\n- {}", render_message(template, c)));
            }
            m
        }
    };
    if !trailers.is_empty() {
        msg.push_str("\n\n");
        let lines: Vec<String> = trailers.iter().map(|(k, v)| format!("{k}: {v}")).collect();
        msg.push_str(&lines.join("\n"));
    }
    msg.push('\n');
    msg
}

/// A unified diff of two texts that differ in one region (what the engine produces).
pub fn unified_diff(path: &str, old: &str, new: &str) -> String {
    let a: Vec<&str> = old.split_inclusive('\n').collect();
    let b: Vec<&str> = new.split_inclusive('\n').collect();
    let prefix = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let suffix = a[prefix..]
        .iter()
        .rev()
        .zip(b[prefix..].iter().rev())
        .take_while(|(x, y)| x == y)
        .count();
    let start = prefix.saturating_sub(3);
    let a_end = (a.len() - suffix + 3).min(a.len());
    let b_end = (b.len() - suffix + 3).min(b.len());
    let mut out = format!(
        "--- a/{path}\n+++ b/{path}\n@@ -{},{} +{},{} @@\n",
        start + 1,
        a_end - start,
        start + 1,
        b_end - start
    );
    let line = |out: &mut String, mark: char, l: &str| {
        out.push(mark);
        out.push_str(l.strip_suffix('\n').unwrap_or(l));
        out.push('\n');
    };
    for l in &a[start..prefix] {
        line(&mut out, ' ', l);
    }
    for l in &a[prefix..a.len() - suffix] {
        line(&mut out, '-', l);
    }
    for l in &b[prefix..b.len() - suffix] {
        line(&mut out, '+', l);
    }
    for l in &a[a.len() - suffix..a_end] {
        line(&mut out, ' ', l);
    }
    out
}

/// A pause before attempt `n` (1-based retry count): exponential from 100 ms, capped at 2 s,
/// jittered over its upper half so that losers of one race do not collide again in the next.
/// (46 bumps at once through git daemon on 2 cores: from 50 ms, ~265 attempts; from 100 ms,
/// ~225 and a little sooner done; a 1 s cap made more attempts and took longer.)
fn backoff(n: u32) -> Duration {
    use std::hash::{BuildHasher, Hasher};
    let cap = 100u64.saturating_mul(1 << n.min(5)).min(2000);
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0),
    );
    h.write_u32(std::process::id());
    Duration::from_millis(cap / 2 + h.finish() % (cap / 2 + 1))
}

/// Runs a bump in `ws`.
pub fn set(ws: &mut Workspace, pairs: &[Pair], opts: &Options) -> Result<Outcome, Failure> {
    let mut t = Timings::default();
    let mut outcome = set_timed(ws, pairs, opts, &mut t)?;
    outcome.timings = t;
    Ok(outcome)
}

fn set_timed(
    ws: &mut Workspace,
    pairs: &[Pair],
    opts: &Options,
    t: &mut Timings,
) -> Result<Outcome, Failure> {
    let (name, email) = opts.author.clone().unwrap_or_else(|| ws.default_author());
    let author = Signature::now(&name, &email).map_err(|e| {
        Failure::new(
            FailKind::Usage,
            format!("invalid --author: {}", e.message()),
        )
    })?;
    if ws.is_open() && !opts.dry_run {
        // Checking the index's checksum takes a while for a large index: start now, while
        // the edit is made.
        ws.prepare_index();
    }
    let mut attempts = 0;
    let mut tip = ws.tip()?;
    let local_start = tip;
    let mut local_commit: Option<git2::Oid> = None;
    loop {
        let check_dirty = tip == local_start && local_commit.is_none();
        let plan = timed(&mut t.edit, || plan(ws, tip, check_dirty, pairs, opts))?;
        let mut outcome = Outcome {
            changed: !plan.files.is_empty(),
            commit: None,
            branch: ws.branch().to_string(),
            pushed: false,
            attempts,
            changes: plan.changes.clone(),
            diff: plan.diff.clone(),
            note: None,
            timings: Timings::default(),
        };
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
        let message = commit_message(&opts.message, &plan.changes, &opts.trailers);
        let commit = timed(&mut t.commit, || {
            ws.commit(tip, &plan.files, &message, &author)
        })?;
        outcome.commit = Some(commit.to_string());
        if ws.is_open() && local_commit.is_none() {
            timed(&mut t.local, || {
                ws.apply_local(local_start, commit, &plan.files)
            })?;
            local_commit = Some(commit);
        }
        if opts.no_push {
            return Ok(outcome);
        }
        attempts += 1;
        outcome.attempts = attempts;
        let mut result = timed(&mut t.push, || ws.push(commit))?;
        if let Push::Interrupted(_) = result {
            if attempts <= opts.retries {
                std::thread::sleep(backoff(attempts));
                tip = timed(&mut t.refetch, || refetch(ws, attempts, opts.retries))?;
                if tip == commit {
                    // The server took the push; only its answer was lost.
                    result = Push::Landed;
                } else {
                    continue;
                }
            }
        }
        match result {
            Push::Landed => {
                outcome.pushed = true;
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
            Push::Moved if attempts > opts.retries => {
                return Err(Failure::new(
                    FailKind::Push,
                    format!(
                        "the push to {} was rejected {} times because the branch {} kept moving; nothing was lost on the remote\nrun imgbump again, or raise --retries",
                        ws.url(),
                        attempts,
                        ws.branch()
                    ),
                ));
            }
            Push::Moved => {
                std::thread::sleep(backoff(attempts));
                tip = timed(&mut t.refetch, || refetch(ws, attempts, opts.retries))?;
            }
            Push::Interrupted(why) => {
                return Err(Failure::new(
                    FailKind::Push,
                    format!(
                        "the push to {} failed {} ({}), the last with: {why}\na push lands whole or not at all: the remote holds nothing partial; run imgbump again, or raise --retries",
                        ws.url(),
                        if attempts == 1 { "once".to_string() } else { format!("{attempts} times") },
                        "the connection was cut"
                    ),
                ));
            }
        }
    }
}

/// Fetches the branch again after a failed push, riding out a few dropped connections.
fn refetch(ws: &mut Workspace, attempts: u32, retries: u32) -> Result<git2::Oid, Failure> {
    let mut tries = attempts;
    loop {
        match ws.fetch() {
            Err(e) if e.kind == git::ErrorKind::Network && tries <= retries => {
                tries += 1;
                std::thread::sleep(backoff(tries));
            }
            other => return other.map_err(Failure::from),
        }
    }
}

fn short(oid: git2::Oid) -> String {
    oid.to_string().chars().take(7).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn diffs_show_the_one_changed_line_with_context() {
        let old = "a\nb\nc\nd\nimage: x\ne\nf\ng\nh\n";
        let new = old.replace("image: x", "image: y");
        assert_eq!(
            unified_diff("f.yaml", old, &new),
            "--- a/f.yaml\n+++ b/f.yaml\n@@ -2,7 +2,7 @@\n b\n c\n d\n-image: x\n+image: y\n e\n f\n g\n"
        );
    }

    #[test]
    fn messages_fill_placeholders_and_trailers() {
        let c = Change {
            service: "agent".into(),
            file: "a.yaml".into(),
            workload: "Deployment/agent".into(),
            container: "agent".into(),
            line: 3,
            old: "r/isa-agent:old".into(),
            new: "r/isa-agent:sha-abc1234".into(),
            changed: true,
        };
        assert_eq!(
            commit_message(
                "chore: update {service} image to {tag}",
                std::slice::from_ref(&c),
                &[]
            ),
            "chore: update agent image to sha-abc1234\n"
        );
        let mut d = c.clone();
        d.service = "mcp".into();
        let m = commit_message(
            "{service}: {old_image} -> {image}",
            &[c, d],
            &[("Source-Commit".into(), "abc".into())],
        );
        assert_eq!(m, "chore: update images of agent, mcp\n\n- agent: r/isa-agent:old -> r/isa-agent:sha-abc1234\n- mcp: r/isa-agent:old -> r/isa-agent:sha-abc1234\n\nSource-Commit: abc\n");
    }

    #[test]
    fn backoff_grows_and_stays_capped() {
        let expected = [(1, 100, 200), (2, 200, 400), (3, 400, 800), (4, 800, 1600)];
        for (n, lo, hi) in expected {
            let d = backoff(n).as_millis() as u64;
            assert!((lo..=hi).contains(&d), "{n}: {d}");
        }
        for n in 5..40 {
            let d = backoff(n).as_millis() as u64;
            assert!((1000..=2000).contains(&d), "{n}: {d}");
        }
    }
}
