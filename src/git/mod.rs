//! The Git layer: open a checkout or clone a remote, read files from a commit, write a commit
//! that changes some files straight into the object database, push it without ever forcing,
//! and fetch again when the branch moved. It knows nothing of YAML.
//!
//! Credentials come from `IMGBUMP_TOKEN`, `GITHUB_TOKEN` or `GH_TOKEN` (user `x-access-token`),
//! from a URL's own `user:password@`, from ssh-agent or `~/.ssh` keys, or from Git's credential
//! helpers. A secret is never written to the repository's config (clones use an anonymous
//! remote with the credentials stripped from its URL) and every message that leaves this module
//! has it replaced by `***`.

use std::cell::{Cell, RefCell};
use std::fmt;
use std::path::{Component, Path, PathBuf};

mod index;
mod tcp;
mod trim;

use git2::{
    AutotagOption, Cred, CredentialType, Direction, ErrorClass, ErrorCode, FetchOptions, FileMode,
    ObjectType, Oid, PushOptions, RemoteCallbacks, Repository, Signature,
};

/// The largest file imgbump reads, in bytes.
pub const MAX_FILE: usize = 64 * 1024 * 1024;

/// How many times one transfer may ask for credentials before it gives up.
const MAX_CREDENTIAL_TRIES: u32 = 3;

/// What kind of Git failure; the command line maps these to exit codes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ErrorKind {
    /// The repository, branch or file does not exist.
    NotFound,
    /// The path or file is unsafe (escapes the repository, a symlink, too large, dirty).
    Refused,
    /// The server refused the credentials.
    Auth,
    /// The server rejected the push for a reason other than a moved branch (hook, protection).
    Rejected,
    /// The connection failed or was cut (refused, reset, closed early): worth another try.
    Network,
    /// Anything else: network, I/O, corrupt repository.
    Other,
}

/// A Git failure with what failed and what to do; secrets already redacted.
#[derive(Debug, Clone)]
pub struct Error {
    /// The kind of failure.
    pub kind: ErrorKind,
    /// The message.
    pub message: String,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}

type Result<T> = std::result::Result<T, Error>;

fn err(kind: ErrorKind, message: impl Into<String>) -> Error {
    Error {
        kind,
        message: message.into(),
    }
}

/// What a push came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Push {
    /// The remote branch now points at the commit.
    Landed,
    /// The remote branch moved since we fetched it: fetch, redo, push again.
    Moved,
    /// The connection failed or was cut mid-push (the message says how): the push may or may
    /// not have landed; fetch to find out, and try again if it did not.
    Interrupted(String),
}

/// A secret-free remote URL and the secrets that go with it.
#[derive(Clone, Default)]
pub struct Credentials {
    token: Option<String>,
    user: Option<String>,
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Credentials {{ token: {} }}",
            if self.token.is_some() { "***" } else { "none" }
        )
    }
}

impl Credentials {
    /// Reads `IMGBUMP_TOKEN`, `GITHUB_TOKEN`, `GH_TOKEN` (first set, non-empty wins).
    pub fn from_env() -> Self {
        let token = ["IMGBUMP_TOKEN", "GITHUB_TOKEN", "GH_TOKEN"]
            .iter()
            .find_map(|k| std::env::var(k).ok().filter(|v| !v.trim().is_empty()))
            .map(|v| v.trim().to_string());
        Credentials { token, user: None }
    }

    /// Replaces every secret in `text` by `***`.
    pub fn redact(&self, text: &str) -> String {
        let mut out = text.to_string();
        if let Some(t) = &self.token {
            if t.len() >= 4 {
                out = out.replace(t.as_str(), "***");
            }
        }
        redact_urls(&out)
    }
}

/// Removes `user:password@` from every URL in `text`.
pub fn redact_urls(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find("://") {
        let (head, tail) = rest.split_at(i + 3);
        out.push_str(head);
        let end = tail
            .find(|c: char| c == '/' || c.is_whitespace() || c == '\'' || c == '"')
            .unwrap_or(tail.len());
        match tail[..end].rfind('@') {
            Some(at) => {
                out.push_str("***@");
                rest = &tail[at + 1..];
            }
            None => rest = tail,
        }
    }
    out.push_str(rest);
    out
}

/// Splits `https://user:secret@host/x` into `https://host/x` and the credentials it carried.
fn split_url(url: &str, mut creds: Credentials) -> (String, Credentials) {
    if let Some(i) = url.find("://") {
        let (scheme, rest) = url.split_at(i + 3);
        let end = rest.find('/').unwrap_or(rest.len());
        if let Some(at) = rest[..end].rfind('@') {
            let userinfo = &rest[..at];
            let (user, pass) = userinfo.split_once(':').unwrap_or((userinfo, ""));
            if scheme.starts_with("http") {
                if !pass.is_empty() {
                    creds.token = Some(pass.to_string());
                }
                if !user.is_empty() {
                    creds.user = Some(user.to_string());
                }
                return (format!("{scheme}{}", &rest[at + 1..]), creds);
            }
            if !user.is_empty() {
                creds.user = Some(user.to_string());
            }
        }
    }
    (url.to_string(), creds)
}

/// The certificate locations OpenSSL would have used, kept while its setup is deferred.
static TLS_ROOTS: std::sync::OnceLock<(Option<std::ffi::OsString>, Option<std::ffi::OsString>)> =
    std::sync::OnceLock::new();

/// Before libgit2 is first used: defer loading the system's CA certificates until a TLS
/// remote is used. libgit2 initialises OpenSSL eagerly, and loading the bundle costs ~15 ms,
/// a third of a local bump, which a bump of a checkout, a `file://`, `git://` or SSH remote
/// never needs. Must be called while the process has one thread (it sets two environment
/// variables, which [`load_tls_roots`] puts back).
pub fn defer_tls_setup() {
    #[cfg(all(unix, not(target_os = "macos"), not(target_os = "ios")))]
    {
        let saved = (
            std::env::var_os("SSL_CERT_FILE"),
            std::env::var_os("SSL_CERT_DIR"),
        );
        if TLS_ROOTS.set(saved).is_ok() {
            std::env::set_var("SSL_CERT_FILE", "/dev/null");
            std::env::set_var("SSL_CERT_DIR", "/nonexistent");
        }
    }
}

/// Before a TLS connection: give OpenSSL the certificates [`defer_tls_setup`] held back (the
/// user's `SSL_CERT_FILE`/`SSL_CERT_DIR`, else what the system has, found as git2 finds it;
/// see [`tls_roots`]) and put the environment back for child processes such as credential
/// helpers.
fn load_tls_roots() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    let Some((file, dir)) = TLS_ROOTS.get() else {
        return;
    };
    ONCE.call_once(|| {
        for (name, value) in [("SSL_CERT_FILE", file), ("SSL_CERT_DIR", dir)] {
            match value {
                Some(v) => std::env::set_var(name, v),
                None => std::env::remove_var(name),
            }
        }
        let (sys_file, sys_dir) = system_roots();
        let (file, dir) = tls_roots(
            file.clone().map(PathBuf::from),
            dir.clone().map(PathBuf::from),
            sys_file,
            sys_dir,
        );
        // SAFETY: libgit2's option setters; no TLS connection exists yet.
        unsafe {
            if let Some(f) = file.as_ref().and_then(|f| f.to_str()) {
                let _ = git2::opts::set_ssl_cert_file(f);
            }
            if let Some(d) = dir.as_ref().and_then(|d| d.to_str()) {
                let _ = git2::opts::set_ssl_cert_dir(d);
            }
        }
    });
}

/// Lays out a bare repository for a scratch clone: `HEAD`, `objects/pack/` and `refs/`, all
/// libgit2 needs to open one. `git init`'s layout (hooks, info, description, a config written
/// three times) is twenty files and directories, which cost more to create than the clone's
/// own on a disk that is slow at creating files.
fn init_scratch(dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir.join("objects").join("pack"))?;
    std::fs::create_dir_all(dir.join("refs"))?;
    std::fs::write(dir.join("HEAD"), "ref: refs/heads/main\n")
}

/// Which certificate locations to give OpenSSL: the user's `SSL_CERT_FILE` and
/// `SSL_CERT_DIR` when set, else the system's. A bundle file is parsed whole when it is loaded
/// (the ~140 certificates of Debian's `ca-certificates.crt`: ~25 ms of CPU, more than the rest
/// of a bump over HTTPS), while a directory of `c_rehash` links is searched only for the
/// issuers a server's chain names. So the system's bundle is skipped when the directory has
/// such links (Debian, Ubuntu, Alpine); where it has none (Fedora's `/etc/pki/tls/certs`
/// holds only the bundle), the bundle is loaded as before.
fn tls_roots(
    user_file: Option<PathBuf>,
    user_dir: Option<PathBuf>,
    sys_file: Option<PathBuf>,
    sys_dir: Option<PathBuf>,
) -> (Option<PathBuf>, Option<PathBuf>) {
    let dir = user_dir.or(sys_dir);
    let file = match user_file {
        Some(f) => Some(f),
        None if dir.as_deref().is_some_and(has_hash_links) => None,
        None => sys_file,
    };
    (file, dir)
}

/// Whether `dirs` (one directory, or several separated by `:` as OpenSSL allows) holds a
/// certificate link named as OpenSSL looks them up: eight hex digits, a dot, a number.
fn has_hash_links(dirs: &Path) -> bool {
    let is_hash = |name: &str| {
        name.split_once('.').is_some_and(|(h, n)| {
            h.len() == 8
                && h.bytes().all(|b| b.is_ascii_hexdigit())
                && !n.is_empty()
                && n.bytes().all(|b| b.is_ascii_digit())
        })
    };
    let Some(dirs) = dirs.to_str() else {
        return false;
    };
    dirs.split(':').filter(|d| !d.is_empty()).any(|d| {
        std::fs::read_dir(d).is_ok_and(|entries| {
            entries
                .filter_map(|e| e.ok())
                .any(|e| e.file_name().to_str().is_some_and(is_hash))
        })
    })
}

#[cfg(all(unix, not(target_os = "macos"), not(target_os = "ios")))]
fn system_roots() -> (Option<PathBuf>, Option<PathBuf>) {
    let probe = openssl_probe::probe();
    (probe.cert_file, probe.cert_dir)
}

#[cfg(not(all(unix, not(target_os = "macos"), not(target_os = "ios"))))]
fn system_roots() -> (Option<PathBuf>, Option<PathBuf>) {
    (None, None)
}

/// Whether `--repo` names a remote to clone rather than a local path.
pub fn is_url(repo: &str) -> bool {
    repo.contains("://")
        || (repo.contains('@')
            && repo.contains(':')
            && !repo.starts_with('/')
            && !repo.starts_with('.'))
}

/// A transfer progress report: (phase, objects done, objects total, bytes received).
pub type ProgressFn = std::rc::Rc<dyn Fn(&str, usize, usize, usize)>;

/// How to clone a remote.
#[derive(Clone, Default)]
pub struct CloneOptions<'a> {
    /// The branch (default: the remote's default branch).
    pub branch: Option<&'a str>,
    /// How many commits to fetch (0: all).
    pub depth: u32,
    /// Where to make the temporary clone.
    pub workdir: Option<&'a Path>,
    /// A cache directory to keep the clone in between runs.
    pub cache: Option<&'a Path>,
    /// Transfer progress reports.
    pub progress: Option<ProgressFn>,
}

/// A repository imgbump works in: a user's checkout (open mode), or a bare scratch clone.
pub struct Workspace {
    repo: Repository,
    /// The URL pushes and fetches go to, without credentials.
    url: String,
    creds: Credentials,
    /// The local branch (open mode) or the remote branch (clone mode).
    branch: String,
    /// The branch on the remote that pushes go to.
    remote_branch: String,
    /// Where the clone lives; removed on drop.
    _scratch: Option<tempfile::TempDir>,
    /// The lock on a `--cache-dir` repository, held while we use it.
    _lock: Option<std::fs::File>,
    /// The clone borrows a local remote's objects (alternates): fetching is reading its refs.
    borrowed: bool,
    open: bool,
    depth: i32,
    /// Called with (phase, objects done, objects total, bytes) during transfers.
    progress: Option<ProgressFn>,
    /// Open mode: the index's checksum being verified since the dirty check.
    verifier: RefCell<Option<index::Verifier>>,
}

/// Where a file edit goes.
pub struct FileChange {
    /// Path relative to the repository root, `/`-separated.
    pub path: String,
    /// The new content.
    pub content: Vec<u8>,
}

impl Workspace {
    /// Opens the repository that contains `path` (a checkout: open mode). A bare repository is
    /// treated as a remote and cloned.
    pub fn open(path: &Path, branch: Option<&str>) -> Result<Workspace> {
        trim::limit_pack_windows();
        let repo = Repository::discover(path).map_err(|e| {
            err(
                ErrorKind::NotFound,
                format!(
                    "{} is not inside a Git repository ({}); pass --repo PATH or a URL to clone",
                    path.display(),
                    e.message()
                ),
            )
        })?;
        if repo.is_bare() {
            let url = format!("file://{}", repo.path().display());
            let opts = CloneOptions {
                branch,
                depth: 1,
                ..CloneOptions::default()
            };
            return Workspace::clone(&url, &opts, Credentials::from_env());
        }
        let current = match repo.head() {
            Ok(h) if h.is_branch() => h.shorthand().ok().map(str::to_string),
            Err(e) if e.code() == ErrorCode::UnbornBranch => {
                return Err(err(
                    ErrorKind::NotFound,
                    format!("the repository {} is empty: it has no commit to bump; commit the manifests first", path.display()),
                ))
            }
            _ => None,
        };
        let branch = match (branch, current) {
            (Some(b), _) => b.to_string(),
            (None, Some(c)) => c,
            (None, None) => {
                return Err(err(
                    ErrorKind::NotFound,
                    "HEAD is not on a branch; pass --branch NAME",
                ))
            }
        };
        let (remote, remote_branch) = upstream(&repo, &branch);
        let url = repo
            .find_remote(&remote)
            .ok()
            .and_then(|r| r.url().ok().map(str::to_string))
            .unwrap_or_default();
        let (url, creds) = split_url(&url, Credentials::from_env());
        Ok(Workspace {
            repo,
            url,
            creds,
            branch,
            remote_branch,
            _scratch: None,
            _lock: None,
            borrowed: false,
            open: true,
            depth: 0,
            progress: None,
            verifier: RefCell::new(None),
        })
    }

    /// Clones the one branch of `url` (shallow, no work tree) into `workdir` or a temporary
    /// directory.
    pub fn clone(url: &str, opts: &CloneOptions<'_>, creds: Credentials) -> Result<Workspace> {
        match Workspace::clone_once(url, opts, creds.clone(), false) {
            // A cache that cannot be fetched into (corrupt objects, a broken shallow file) is
            // not trusted: rebuild it once from nothing.
            Err(e) if opts.cache.is_some() && e.kind == ErrorKind::Other => {
                Workspace::clone_once(url, opts, creds, true).map_err(|again| Error {
                    kind: again.kind,
                    message: format!(
                        "{} (after rebuilding the cache, which failed first with: {})",
                        again.message, e.message
                    ),
                })
            }
            other => other,
        }
    }

    fn clone_once(
        url: &str,
        opts: &CloneOptions<'_>,
        creds: Credentials,
        rebuild: bool,
    ) -> Result<Workspace> {
        let (branch, depth, workdir, cache) = (opts.branch, opts.depth, opts.workdir, opts.cache);
        trim::limit_pack_windows();
        let (url, creds) = split_url(url, creds);
        let mut lock = None;
        let (dir, scratch) = match (cache, workdir) {
            (Some(c), _) => {
                let (dir, l) = cached_repo(c, &url, rebuild)?;
                lock = Some(l);
                (dir, None)
            }
            (None, workdir) => {
                let parent = workdir.map_or_else(std::env::temp_dir, Path::to_path_buf);
                let t = std::fs::create_dir_all(&parent)
                    .and_then(|_| tempfile::Builder::new().prefix("imgbump-").tempdir_in(&parent))
                    .map_err(|e| {
                        err(
                            ErrorKind::Other,
                            format!("cannot create a directory to clone into in {}: {e}; pass --workdir DIR", parent.display()),
                        )
                    })?;
                (t.path().to_path_buf(), Some(t))
            }
        };
        if scratch.is_some() {
            init_scratch(&dir).map_err(|e| {
                err(
                    ErrorKind::Other,
                    format!(
                        "cannot create the clone in {}: {e}; pass --workdir DIR",
                        dir.display()
                    ),
                )
            })?;
        }
        let local = url.starts_with("file://") || !url.contains("://") && !url.contains('@');
        let mut borrowed = false;
        if local {
            // A remote on this machine lends us its objects (as `git clone --shared` does):
            // nothing is copied, the fetch only reads refs, and a clone costs the same for
            // 300 files as for 100,000.
            let path = url.strip_prefix("file://").unwrap_or(&url);
            if let Ok(remote) = Repository::open(path) {
                let objects = remote.path().join("objects");
                let info = dir.join("objects").join("info");
                let lend = std::fs::create_dir_all(&info).and_then(|_| {
                    std::fs::write(info.join("alternates"), format!("{}\n", objects.display()))
                });
                if let Err(e) = lend {
                    return Err(err(
                        ErrorKind::Other,
                        format!("cannot set up the clone in {}: {e}", dir.display()),
                    ));
                }
                borrowed = true;
            }
        }
        let repo = Repository::open_bare(&dir)
            .map_err(|e| git_err("cannot open the clone", &e, &creds))?;
        // The objects of the commit live in memory: the push reads them there. A scratch clone
        // is deleted afterwards, and seven loose objects are fourteen files and directories
        // created (and removed) for nothing; a cache would keep them for ever, though its next
        // fetch brings the pushed commit back in a pack anyway.
        repo.odb()
            .and_then(|odb| odb.add_new_mempack_backend(1000).map(|_| ()))
            .map_err(|e| {
                git_err(
                    &format!(
                        "cannot keep new objects in memory for the clone in {}",
                        dir.display()
                    ),
                    &e,
                    &creds,
                )
            })?;
        let mut ws = Workspace {
            repo,
            url,
            creds,
            branch: String::new(),
            remote_branch: String::new(),
            _scratch: scratch,
            _lock: lock,
            borrowed,
            open: false,
            // libgit2's local transport cannot fetch shallow.
            depth: if local {
                0
            } else {
                depth.min(i32::MAX as u32) as i32
            },
            progress: opts.progress.clone(),
            verifier: RefCell::new(None),
        };
        match branch {
            Some(b) => {
                ws.branch = b.to_string();
                ws.remote_branch = b.to_string();
                ws.fetch()?;
            }
            None => {
                ws.fetch_with(true)?;
            }
        }
        Ok(ws)
    }

    /// Reports transfer progress to `f(phase, done, total, bytes)`.
    pub fn set_progress(&mut self, f: ProgressFn) {
        self.progress = Some(f);
    }

    /// Whether this is a user's checkout (as opposed to a scratch clone).
    pub fn is_open(&self) -> bool {
        self.open
    }

    /// The branch commits go on.
    pub fn branch(&self) -> &str {
        &self.branch
    }

    /// The remote's URL, without credentials.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The credentials in use (for redacting messages).
    pub fn credentials(&self) -> &Credentials {
        &self.creds
    }

    /// The remote as an anonymous one: nothing about it (URL, credentials) is written to config.
    fn anonymous_remote(&self) -> Result<git2::Remote<'_>> {
        tcp::register();
        if self.url.starts_with("https://") || self.url.starts_with("http://") {
            load_tls_roots();
        }
        self.repo.remote_anonymous(&self.url).map_err(|e| {
            git_err(
                &format!("the remote URL {} is not usable (give https://, ssh://, git@host:path, git:// or file://)", self.url),
                &e,
                &self.creds,
            )
        })
    }

    /// The callbacks for one transfer; a fetch that receives a pack passes a `trimmer` that
    /// keeps the pack from staying resident while it is indexed (see [`trim`]).
    fn callbacks(
        &self,
        phase: &'static str,
        mut trimmer: Option<trim::PackTrimmer>,
    ) -> RemoteCallbacks<'_> {
        let mut cb = RemoteCallbacks::new();
        let creds = self.creds.clone();
        // libgit2 asks again after every refusal; a wrong token must not loop.
        let counter = Cell::new(0u32);
        let config = self.repo.config().ok();
        cb.credentials(move |url, user_from_url, allowed| {
            counter.set(counter.get() + 1);
            if counter.get() > MAX_CREDENTIAL_TRIES {
                return Err(git2::Error::new(
                    ErrorCode::Auth,
                    ErrorClass::Http,
                    "authentication failed",
                ));
            }
            let user = creds.user.as_deref().or(user_from_url);
            if allowed.contains(CredentialType::USER_PASS_PLAINTEXT) {
                if let Some(token) = &creds.token {
                    return Cred::userpass_plaintext(user.unwrap_or("x-access-token"), token);
                }
                if let Some(cfg) = &config {
                    if let Ok(c) = Cred::credential_helper(cfg, url, user) {
                        return Ok(c);
                    }
                }
            }
            if allowed.contains(CredentialType::USERNAME) {
                return Cred::username(user.unwrap_or("git"));
            }
            if allowed.contains(CredentialType::SSH_KEY) {
                let user = user.unwrap_or("git");
                if counter.get() == 1 {
                    if let Ok(c) = Cred::ssh_key_from_agent(user) {
                        return Ok(c);
                    }
                }
                let home = std::env::var_os("HOME")
                    .map(PathBuf::from)
                    .unwrap_or_default();
                for name in ["id_ed25519", "id_ecdsa", "id_rsa"] {
                    let key = home.join(".ssh").join(name);
                    if key.exists() {
                        return Cred::ssh_key(user, None, &key, None);
                    }
                }
            }
            if allowed.contains(CredentialType::DEFAULT) {
                return Cred::default();
            }
            Err(git2::Error::new(
                ErrorCode::Auth,
                ErrorClass::Http,
                "no credentials available",
            ))
        });
        let progress = self.progress.as_ref();
        if progress.is_some() || trimmer.is_some() {
            cb.transfer_progress(move |s| {
                if let Some(t) = &mut trimmer {
                    t.tick(s.indexed_deltas());
                }
                if let Some(p) = progress {
                    p(
                        phase,
                        s.received_objects(),
                        s.total_objects(),
                        s.received_bytes(),
                    );
                }
                true
            });
        }
        if let Some(p) = progress {
            cb.push_transfer_progress(move |done, total, bytes| p(phase, done, total, bytes));
        }
        cb
    }

    /// "Fetch" from a local remote whose objects we borrow: read its branch (or its HEAD's
    /// branch) and point the tracking ref at it; nothing is copied or walked.
    fn read_borrowed(&mut self, learn_default: bool) -> Result<Oid> {
        let path = self.local_remote_path().unwrap_or_default();
        let remote = Repository::open(&path).map_err(|e| {
            git_err(
                &format!("cannot open the remote {}", self.url),
                &e,
                &self.creds,
            )
        })?;
        if learn_default {
            let head = remote
                .find_reference("HEAD")
                .ok()
                .and_then(|h| h.symbolic_target().ok().flatten().map(str::to_string));
            let name = head
                .as_deref()
                .and_then(|h| h.strip_prefix("refs/heads/"))
                .unwrap_or("")
                .to_string();
            if name.is_empty() {
                return Err(err(
                    ErrorKind::NotFound,
                    format!(
                        "{} does not say which branch is its default; pass --branch",
                        self.url
                    ),
                ));
            }
            if remote.refname_to_id(&format!("refs/heads/{name}")).is_err()
                && remote
                    .references()
                    .map(|mut r| r.next().is_none())
                    .unwrap_or(false)
            {
                return Err(err(
                    ErrorKind::NotFound,
                    format!(
                        "the repository {} is empty: it has no branch to bump; push a first commit",
                        self.url
                    ),
                ));
            }
            self.branch.clone_from(&name);
            self.remote_branch = name;
        }
        let tip = remote.refname_to_id(&format!("refs/heads/{}", self.remote_branch)).map_err(|_| {
            err(
                ErrorKind::NotFound,
                format!("the remote {} has no branch {}\n(does the branch exist on the remote? check --branch)", self.url, self.remote_branch),
            )
        })?;
        let tracking = self.tracking_ref();
        self.repo
            .reference(&tracking, tip, true, "imgbump: fetch")
            .map_err(|e| git_err("cannot write the tracking ref", &e, &self.creds))?;
        Ok(tip)
    }

    fn tracking_ref(&self) -> String {
        if self.open {
            let (remote, _) = upstream(&self.repo, &self.branch);
            format!("refs/remotes/{remote}/{}", self.remote_branch)
        } else {
            format!("refs/remotes/origin/{}", self.remote_branch)
        }
    }

    /// Fetches the branch from the remote and returns its tip.
    pub fn fetch(&mut self) -> Result<Oid> {
        self.fetch_with(false)
    }

    /// Fetches the branch over one connection; with `learn_default`, the branch is the one the
    /// remote's HEAD names, read from the same connection's advertisement.
    fn fetch_with(&mut self, learn_default: bool) -> Result<Oid> {
        if self.borrowed {
            return self.read_borrowed(learn_default);
        }
        let (branch, tracking) = {
            let cb = self.callbacks("fetch", None);
            let mut remote = self.anonymous_remote()?;
            let mut conn = remote
                .connect_auth(Direction::Fetch, Some(cb), None)
                .map_err(|e| {
                    git_err(&format!("cannot connect to {}", self.url), &e, &self.creds)
                })?;
            let branch = if learn_default {
                default_name(&conn, &self.url)?
            } else {
                self.remote_branch.clone()
            };
            let tracking = if learn_default {
                format!("refs/remotes/origin/{branch}")
            } else {
                self.tracking_ref()
            };
            let refspec = format!("+refs/heads/{branch}:{tracking}");
            let cb = self.callbacks("fetch", Some(trim::PackTrimmer::new(self.repo.path())));
            let mut opts = FetchOptions::new();
            opts.remote_callbacks(cb)
                .download_tags(AutotagOption::None)
                .update_fetchhead(false);
            if self.depth > 0 {
                opts.depth(self.depth);
            }
            let fetch_err = |e: git2::Error| {
                let mut e2 = git_err(
                    &format!("cannot fetch branch {branch} from {}", self.url),
                    &e,
                    &self.creds,
                );
                if e.message().contains("couldn't find remote ref") {
                    e2.kind = ErrorKind::NotFound;
                    e2.message
                        .push_str("\n(does the branch exist on the remote? check --branch)");
                } else if e2.kind == ErrorKind::NotFound {
                    // An object missing here is a broken local repository, not a missing branch.
                    e2.kind = ErrorKind::Other;
                }
                e2
            };
            conn.remote()
                .download(&[refspec.as_str()], Some(&mut opts))
                .map_err(fetch_err)?;
            conn.remote()
                .update_tips(
                    None,
                    git2::RemoteUpdateFlags::empty(),
                    AutotagOption::None,
                    Some("imgbump: fetch"),
                )
                .map_err(fetch_err)?;
            (branch, tracking)
        };
        if learn_default {
            self.branch.clone_from(&branch);
            self.remote_branch = branch;
        }
        let tip = self.repo.refname_to_id(&tracking).map_err(|_| {
            err(
                ErrorKind::NotFound,
                format!(
                    "the remote {} has no branch {}",
                    self.url, self.remote_branch
                ),
            )
        })?;
        Ok(tip)
    }

    /// The commit to build on: the local branch (open mode) or the fetched tip (clone mode).
    pub fn tip(&self) -> Result<Oid> {
        let name = if self.open {
            format!("refs/heads/{}", self.branch)
        } else {
            self.tracking_ref()
        };
        self.repo.refname_to_id(&name).map_err(|_| {
            err(
                ErrorKind::NotFound,
                format!(
                    "branch {} has no commits; is the repository empty?",
                    self.branch
                ),
            )
        })
    }

    /// Reads `path` from `commit`; `None` if it does not exist. A symlink, a submodule, a
    /// directory or a file over [`MAX_FILE`] is refused.
    pub fn read(&self, commit: Oid, path: &str) -> Result<Option<Vec<u8>>> {
        let tree = self
            .repo
            .find_commit(commit)
            .and_then(|c| c.tree())
            .map_err(|e| git_err("cannot read the commit", &e, &self.creds))?;
        let entry = match tree.get_path(Path::new(path)) {
            Ok(e) => e,
            Err(e) if e.code() == ErrorCode::NotFound => {
                // A symlinked directory on the way is a blob where a tree should be.
                let mut prefix = PathBuf::new();
                for part in Path::new(path).iter() {
                    prefix.push(part);
                    if let Ok(e) = tree.get_path(&prefix) {
                        if e.filemode() == i32::from(FileMode::Link) {
                            return Err(err(
                                ErrorKind::Refused,
                                format!(
                                    "{} is a symbolic link; refusing to follow it",
                                    prefix.display()
                                ),
                            ));
                        }
                    }
                }
                return Ok(None);
            }
            Err(e) => return Err(git_err(&format!("cannot look up {path}"), &e, &self.creds)),
        };
        match (entry.kind(), entry.filemode()) {
            (_, m) if m == i32::from(FileMode::Link) => {
                return Err(err(
                    ErrorKind::Refused,
                    format!("{path} is a symbolic link; refusing to follow it"),
                ))
            }
            (Some(ObjectType::Blob), _) => {}
            (Some(ObjectType::Tree), _) => {
                return Err(err(
                    ErrorKind::Refused,
                    format!("{path} is a directory, not a manifest"),
                ))
            }
            _ => {
                return Err(err(
                    ErrorKind::Refused,
                    format!("{path} is not a regular file"),
                ))
            }
        }
        let odb = self
            .repo
            .odb()
            .map_err(|e| git_err("cannot open the object database", &e, &self.creds))?;
        let (size, _) = odb
            .read_header(entry.id())
            .map_err(|e| git_err(&format!("cannot read {path}"), &e, &self.creds))?;
        if size > MAX_FILE {
            return Err(err(
                ErrorKind::Refused,
                format!(
                    "{path} is {size} bytes; imgbump reads manifests of at most {MAX_FILE} bytes"
                ),
            ));
        }
        let blob = self
            .repo
            .find_blob(entry.id())
            .map_err(|e| git_err(&format!("cannot read {path}"), &e, &self.creds))?;
        Ok(Some(blob.content().to_vec()))
    }

    /// Lists the paths under `dir` at `commit` (one level), with whether each is a directory.
    pub fn list_dir(&self, commit: Oid, dir: &str) -> Result<Vec<(String, bool)>> {
        let tree = self
            .repo
            .find_commit(commit)
            .and_then(|c| c.tree())
            .map_err(|e| git_err("cannot read the commit", &e, &self.creds))?;
        let sub = if dir.is_empty() {
            tree
        } else {
            match tree.get_path(Path::new(dir)) {
                Ok(e) if e.kind() == Some(ObjectType::Tree) => self
                    .repo
                    .find_tree(e.id())
                    .map_err(|e| git_err("cannot read a tree", &e, &self.creds))?,
                _ => return Ok(Vec::new()),
            }
        };
        Ok(sub
            .iter()
            .filter_map(|e| {
                Some((
                    e.name().ok()?.to_string(),
                    e.kind() == Some(ObjectType::Tree),
                ))
            })
            .collect())
    }

    /// Writes blobs, the trees on their paths and a commit on `parent`, without touching any
    /// ref, index or work tree.
    pub fn commit(
        &self,
        parent: Oid,
        changes: &[FileChange],
        message: &str,
        author: &Signature<'_>,
    ) -> Result<Oid> {
        let e = |what: &str, x: git2::Error| git_err(what, &x, &self.creds);
        let parent = self
            .repo
            .find_commit(parent)
            .map_err(|x| e("cannot read the parent commit", x))?;
        let mut tree = parent
            .tree()
            .map_err(|x| e("cannot read the parent tree", x))?
            .id();
        for change in changes {
            let blob = self
                .repo
                .blob(&change.content)
                .map_err(|x| e("cannot write a blob", x))?;
            let parts: Vec<&str> = change.path.split('/').collect();
            tree = self.replace_in_tree(Some(tree), &parts, blob)?;
        }
        let tree = self
            .repo
            .find_tree(tree)
            .map_err(|x| e("cannot read the new tree", x))?;
        self.repo
            .commit(None, author, author, message, &tree, &[&parent])
            .map_err(|x| e("cannot write the commit", x))
    }

    fn replace_in_tree(&self, tree: Option<Oid>, parts: &[&str], blob: Oid) -> Result<Oid> {
        let e = |x: git2::Error| git_err("cannot write a tree", &x, &self.creds);
        let base = match tree {
            Some(t) => Some(self.repo.find_tree(t).map_err(e)?),
            None => None,
        };
        let mut builder = self.repo.treebuilder(base.as_ref()).map_err(e)?;
        let (name, rest) = match parts.split_first() {
            Some(x) => x,
            None => return Err(err(ErrorKind::Refused, "empty path")),
        };
        if rest.is_empty() {
            let mode = builder
                .get(name)
                .map_err(e)?
                .map(|entry| entry.filemode())
                .filter(|m| *m == i32::from(FileMode::BlobExecutable))
                .unwrap_or(i32::from(FileMode::Blob));
            builder.insert(name, blob, mode).map_err(e)?;
        } else {
            let sub = builder
                .get(name)
                .map_err(e)?
                .filter(|x| x.kind() == Some(ObjectType::Tree))
                .map(|x| x.id());
            let sub = self.replace_in_tree(sub, rest, blob)?;
            builder
                .insert(name, sub, i32::from(FileMode::Tree))
                .map_err(e)?;
        }
        builder.write().map_err(e)
    }

    /// Pushes `commit` to the remote branch. Never forces: a moved branch is [`Push::Moved`]; a
    /// refusal by the server (a hook, a protected branch) is an [`ErrorKind::Rejected`] error.
    pub fn push(&self, commit: Oid) -> Result<Push> {
        if self.url.is_empty() {
            let (remote, _) = upstream(&self.repo, &self.branch);
            return Err(err(
                ErrorKind::Other,
                format!(
                    "branch {} has no remote to push to (there is no remote `{remote}`); the commit is made locally\nadd one with `git remote add {remote} URL` and push, or pass --no-push",
                    self.branch
                ),
            ));
        }
        match self.local_remote_path() {
            Some(path) => self.push_local(&path, commit),
            None => self.push_to(commit),
        }
    }

    /// The remote's directory, when the remote is on this machine (`file://` or a path).
    fn local_remote_path(&self) -> Option<PathBuf> {
        if let Some(p) = self.url.strip_prefix("file://") {
            return Some(PathBuf::from(p));
        }
        (!self.url.contains("://") && !is_url(&self.url)).then(|| PathBuf::from(&self.url))
    }

    /// libgit2's local transport checks fast-forward and then writes the ref without a lock, so
    /// two pushes at once can both "succeed" and one commit is lost (seen in the race test).
    /// For a remote on this machine: copy the new objects into its object database (a tree
    /// the remote already has is not descended into), then move the branch with a
    /// compare-and-swap under the ref's lock file, from the parent we built on.
    fn push_local(&self, path: &Path, commit: Oid) -> Result<Push> {
        let remote = Repository::open(path).map_err(|e| {
            git_err(
                &format!("cannot open the remote {}", self.url),
                &e,
                &self.creds,
            )
        })?;
        let e = |x: git2::Error| {
            git_err(
                &format!("cannot copy objects to {}", self.url),
                &x,
                &self.creds,
            )
        };
        let (src, dst) = (self.repo.odb().map_err(e)?, remote.odb().map_err(e)?);
        // Post-order: an object is written only after everything it points to is there (its
        // tree, its parents: an unpushed local commit under ours), so that the remote never
        // holds a commit whose history it lacks, even if we die half-way.
        let mut todo = vec![(commit, false)];
        let mut seen = std::collections::HashSet::new();
        while let Some((oid, expanded)) = todo.pop() {
            if expanded {
                let obj = src.read(oid).map_err(e)?;
                dst.write(obj.kind(), obj.data()).map_err(e)?;
                continue;
            }
            if !seen.insert(oid) || dst.exists(oid) {
                continue;
            }
            todo.push((oid, true));
            match src.read_header(oid).map_err(e)?.1 {
                ObjectType::Commit => {
                    let c = self.repo.find_commit(oid).map_err(e)?;
                    todo.push((c.tree_id(), false));
                    todo.extend(c.parent_ids().map(|p| (p, false)));
                }
                ObjectType::Tree => todo.extend(
                    self.repo
                        .find_tree(oid)
                        .map_err(e)?
                        .iter()
                        .map(|t| (t.id(), false)),
                ),
                _ => {}
            }
        }
        let parent = self
            .repo
            .find_commit(commit)
            .and_then(|c| c.parent_id(0))
            .map_err(|x| git_err("cannot read the commit", &x, &self.creds))?;
        let branch = format!("refs/heads/{}", self.remote_branch);
        let moved = remote
            .reference_matching(&branch, commit, true, parent, "push: imgbump")
            .map(|_| ());
        match moved {
            Ok(()) => Ok(Push::Landed),
            Err(x) if matches!(x.code(), ErrorCode::Modified | ErrorCode::Locked) => {
                Ok(Push::Moved)
            }
            Err(x) if x.code() == ErrorCode::NotFound => Err(err(
                ErrorKind::NotFound,
                format!(
                    "the branch {} no longer exists on {}; nothing was pushed",
                    self.remote_branch, self.url
                ),
            )),
            Err(x) => Err(git_err(
                &format!("cannot update {branch} on {}", self.url),
                &x,
                &self.creds,
            )),
        }
    }

    fn push_to(&self, commit: Oid) -> Result<Push> {
        let remote_ref = format!("refs/heads/{}", self.remote_branch);
        let local_ref = "refs/imgbump/push";
        self.repo
            .reference(local_ref, commit, true, "imgbump: push")
            .map_err(|e| git_err("cannot write a ref", &e, &self.creds))?;
        let mut cb = self.callbacks("push", None);
        let status: std::rc::Rc<RefCell<Option<String>>> = Default::default();
        let s2 = status.clone();
        cb.push_update_reference(move |_, msg| {
            if let Some(m) = msg {
                *s2.borrow_mut() = Some(m.to_string());
            }
            Ok(())
        });
        // Before any pack is sent: the branch must still exist and still be at the parent we
        // built on. Otherwise abort, and say which, instead of creating a deleted branch again
        // or sending a pack the server will refuse.
        let parent = self
            .repo
            .find_commit(commit)
            .and_then(|c| c.parent_id(0))
            .map_err(|e| git_err("cannot read the commit", &e, &self.creds))?;
        let verdict: std::rc::Rc<Cell<Option<bool>>> = Default::default();
        let v2 = verdict.clone();
        cb.push_negotiation(move |updates| {
            for u in updates {
                if u.src().is_zero() {
                    v2.set(Some(false));
                    return Err(git2::Error::from_str(
                        "the branch no longer exists on the remote",
                    ));
                }
                if u.src() != parent {
                    v2.set(Some(true));
                    return Err(git2::Error::from_str("the branch moved on the remote"));
                }
            }
            Ok(())
        });
        let remote_msgs: std::rc::Rc<RefCell<String>> = Default::default();
        let m2 = remote_msgs.clone();
        cb.sideband_progress(move |data| {
            m2.borrow_mut().push_str(&String::from_utf8_lossy(data));
            true
        });
        let mut opts = PushOptions::new();
        opts.remote_callbacks(cb);
        let refspec = format!("{local_ref}:{remote_ref}");
        let mut remote = self.anonymous_remote()?;
        let result = remote.push(&[refspec.as_str()], Some(&mut opts));
        drop(remote);
        if let Ok(mut r) = self.repo.find_reference(local_ref) {
            let _ = r.delete();
        }
        let remote_text = remote_msgs.borrow().trim().to_string();
        match (verdict.get(), &result) {
            (Some(true), _) => return Ok(Push::Moved),
            (Some(false), _) => {
                return Err(err(
                    ErrorKind::NotFound,
                    format!("the branch {} no longer exists on {}; nothing was pushed (imgbump does not create branches)", self.remote_branch, self.url),
                ))
            }
            _ => {}
        }
        match result {
            Err(e) if e.code() == ErrorCode::NotFastForward => Ok(Push::Moved),
            Err(e) if is_network(&e) => Ok(Push::Interrupted(self.creds.redact(e.message()))),
            Err(e) => {
                let mut x = git_err(&format!("push to {} failed", self.url), &e, &self.creds);
                if !remote_text.is_empty() {
                    x.message
                        .push_str(&format!("\nremote: {}", self.creds.redact(&remote_text)));
                }
                Err(x)
            }
            Ok(()) => match status.borrow().clone() {
                None => Ok(Push::Landed),
                Some(m) if is_moved_message(&m) || is_moved_message(&remote_text) => {
                    Ok(Push::Moved)
                }
                Some(m) => {
                    let mut msg = format!(
                        "the remote {} rejected the push to {}: {m}",
                        self.url, self.remote_branch
                    );
                    if !remote_text.is_empty() {
                        msg.push_str(&format!(
                            "\nremote: {}",
                            remote_text.replace('\n', "\nremote: ")
                        ));
                    }
                    Err(err(ErrorKind::Rejected, self.creds.redact(&msg)))
                }
            },
        }
    }

    /// After a push from a checkout: move the local branch from `expected` (our local commit)
    /// to `commit` if that loses nothing: the branch is still at `expected`, `base` (where the
    /// branch was before imgbump) is an ancestor of `commit` (no local commit is dropped), and
    /// the files that differ are unmodified (a safe checkout). Returns whether it did.
    pub fn sync_local(&self, expected: Oid, base: Oid, commit: Oid) -> Result<bool> {
        if !self.open {
            return Ok(true);
        }
        let head_ref = format!("refs/heads/{}", self.branch);
        if self.repo.refname_to_id(&head_ref).ok() != Some(expected) {
            return Ok(false);
        }
        if base != commit && !self.repo.graph_descendant_of(commit, base).unwrap_or(false) {
            return Ok(false);
        }
        let on_branch = self.head_is(&head_ref);
        if on_branch {
            let target = self
                .repo
                .find_commit(commit)
                .map_err(|e| git_err("cannot read the commit", &e, &self.creds))?;
            let mut co = git2::build::CheckoutBuilder::new();
            co.safe();
            if self
                .repo
                .checkout_tree(target.as_object(), Some(&mut co))
                .is_err()
            {
                return Ok(false);
            }
        }
        self.repo
            .reference(
                &head_ref,
                commit,
                true,
                "imgbump: fast-forward to the pushed commit",
            )
            .map_err(|e| git_err("cannot move the branch", &e, &self.creds))?;
        Ok(true)
    }

    /// Open mode: whether `path` differs in the work tree or the index from `commit`.
    pub fn is_dirty(&self, commit: Oid, path: &str) -> Result<bool> {
        let workdir = self.workdir()?;
        let committed = self
            .repo
            .find_commit(commit)
            .and_then(|c| c.tree())
            .ok()
            .and_then(|t| t.get_path(Path::new(path)).ok())
            .map(|e| e.id());
        let staged = match self.fast_index().map(|f| index::lookup(&f, path)) {
            Some(index::Lookup::Staged(id)) => Some(id),
            Some(index::Lookup::Missing) => None,
            Some(index::Lookup::Conflicted) => return Ok(true),
            Some(index::Lookup::Unsupported) | None => {
                let index = self.repo.index().map_err(|e| self.index_err(&e))?;
                index.get_path(Path::new(path), 0).map(|e| e.id)
            }
        };
        if staged != committed {
            return Ok(true);
        }
        let on_disk = match std::fs::symlink_metadata(workdir.join(path)) {
            Ok(m) if m.file_type().is_symlink() => {
                return Err(err(
                    ErrorKind::Refused,
                    format!("{path} is a symbolic link in the work tree; refusing to follow it"),
                ))
            }
            Ok(m) if !m.is_file() => {
                return Err(err(
                    ErrorKind::Refused,
                    format!("{path} is not a regular file in the work tree"),
                ))
            }
            Ok(_) => Some(
                std::fs::read(workdir.join(path))
                    .map_err(|e| err(ErrorKind::Other, format!("cannot read {path}: {e}")))?,
            ),
            Err(_) => None,
        };
        let on_disk = on_disk
            .map(|b| Oid::hash_object(ObjectType::Blob, &b))
            .transpose()
            .map_err(|e| git_err("cannot hash", &e, &self.creds))?;
        Ok(on_disk != committed)
    }

    /// Open mode, before a bump that will stage: starts verifying the index's checksum on a
    /// thread of its own (see `index::Verifier`).
    pub fn prepare_index(&self) {
        if let Some(f) = self.fast_index() {
            *self.verifier.borrow_mut() = index::Verifier::start(&f);
        }
    }

    /// The index file, when imgbump may read and patch it itself (see `index.rs`): not with
    /// `GIT_INDEX_FILE`, not in a SHA-256 repository, not off Unix.
    fn fast_index(&self) -> Option<PathBuf> {
        let sha256 = self
            .repo
            .config()
            .and_then(|c| c.get_string("extensions.objectformat"))
            .is_ok_and(|f| !f.eq_ignore_ascii_case("sha1"));
        (index::SUPPORTED && !sha256 && std::env::var_os("GIT_INDEX_FILE").is_none())
            .then(|| self.repo.path().join("index"))
    }

    /// Stages `changes` (already written to the work tree) by patching their index entries
    /// and the cache-tree in place, under `lock`. `Ok(false)`: the index is in a form left to
    /// libgit2 (the lock is released).
    fn patch_index(
        &self,
        lock: index::Lock,
        parent: Oid,
        commit: Oid,
        changes: &[FileChange],
    ) -> Result<bool> {
        let workdir = self.workdir()?;
        let tree_of = |c: Oid| {
            self.repo
                .find_commit(c)
                .and_then(|c| c.tree())
                .map_err(|e| git_err("cannot read the commit", &e, &self.creds))
        };
        let (old_root, new_root) = (tree_of(parent)?, tree_of(commit)?);
        let id_at = |root: &git2::Tree<'_>, dir: &str| -> Option<Oid> {
            if dir.is_empty() {
                Some(root.id())
            } else {
                root.get_path(Path::new(dir)).ok().map(|e| e.id())
            }
        };
        let mut metas = Vec::with_capacity(changes.len());
        let mut ids = Vec::with_capacity(changes.len());
        for c in changes {
            let meta = std::fs::symlink_metadata(workdir.join(&c.path))
                .map_err(|e| err(ErrorKind::Other, format!("cannot stat {}: {e}", c.path)))?;
            let (Some(expect), Some(oid)) = (id_at(&old_root, &c.path), id_at(&new_root, &c.path))
            else {
                return Ok(false);
            };
            metas.push(meta);
            ids.push((expect, oid));
        }
        let entries: Vec<index::Change<'_>> = changes
            .iter()
            .zip(&metas)
            .zip(&ids)
            .map(|((c, meta), &(expect, oid))| index::Change {
                path: &c.path,
                expect,
                oid,
                meta,
            })
            .collect();
        let mut dirs: Vec<&str> = vec![""];
        for c in changes {
            let mut p = c.path.as_str();
            while let Some((dir, _)) = p.rsplit_once('/') {
                dirs.push(dir);
                p = dir;
            }
        }
        dirs.sort_unstable();
        dirs.dedup();
        let mut trees = Vec::with_capacity(dirs.len());
        for dir in dirs {
            let (Some(old), Some(new)) = (id_at(&old_root, dir), id_at(&new_root, dir)) else {
                return Ok(false);
            };
            trees.push(index::TreeChange { dir, old, new });
        }
        match index::patch(lock, &entries, &trees, self.verifier.take()) {
            Ok(index::Patch::Done) => Ok(true),
            Ok(index::Patch::Unsupported(_)) => Ok(false),
            Err(e) => Err(err(
                ErrorKind::Other,
                format!("cannot update the index: {e}"),
            )),
        }
    }

    /// libgit2 could not read the index. It does not read split or sparse indexes: say how to
    /// turn them off.
    fn index_err(&self, e: &git2::Error) -> Error {
        if e.message().contains("mandatory extension") {
            return err(
                ErrorKind::Refused,
                format!(
                    "cannot read the index ({}): imgbump does not update split or sparse indexes; run `git update-index --no-split-index` or `git sparse-checkout disable`, or bump from a clone (--repo URL)",
                    e.message()
                ),
            );
        }
        git_err("cannot read the index", e, &self.creds)
    }

    /// After a failure to stage: puts the files of `changes` back as they are in `parent`
    /// (they were unmodified before imgbump wrote them; see `is_dirty`).
    fn restore(&self, parent: Oid, changes: &[FileChange], workdir: &Path) {
        for c in changes {
            if let Ok(Some(old)) = self.read(parent, &c.path) {
                let _ = write_atomic(&workdir.join(&c.path), &old, Some(self.repo.path()));
            }
        }
    }

    /// Stages `changes` through libgit2's index (read whole, written whole).
    fn stage_with_libgit2(&self, changes: &[FileChange]) -> Result<()> {
        let mut index = self.repo.index().map_err(|e| self.index_err(&e))?;
        for c in changes {
            index
                .add_path(Path::new(&c.path))
                .map_err(|e| git_err(&format!("cannot stage {}", c.path), &e, &self.creds))?;
        }
        index
            .write()
            .map_err(|e| git_err("cannot write the index", &e, &self.creds))
    }
    fn workdir(&self) -> Result<PathBuf> {
        self.repo
            .workdir()
            .map(Path::to_path_buf)
            .ok_or_else(|| err(ErrorKind::Other, "the repository has no work tree"))
    }

    /// Whether HEAD is the ref `name` (the branch is checked out).
    fn head_is(&self, name: &str) -> bool {
        self.repo
            .head()
            .ok()
            .is_some_and(|h| h.name().ok() == Some(name))
    }

    /// Open mode: writes the files atomically, stages exactly those entries, and moves the
    /// local branch from `parent` to `commit`.
    pub fn apply_local(&self, parent: Oid, commit: Oid, changes: &[FileChange]) -> Result<()> {
        let head_ref = format!("refs/heads/{}", self.branch);
        let on_branch = self.head_is(&head_ref);
        if on_branch {
            let workdir = self.workdir()?;
            // The index is locked before any file is written: a Git command running in the
            // checkout makes imgbump stop here, with nothing changed.
            let lock =
                match self.fast_index() {
                    Some(f) => Some(index::Lock::take(&f).map_err(|e| {
                        err(ErrorKind::Other, format!("cannot lock the index: {e}"))
                    })?),
                    None => None,
                };
            let staged = changes
                .iter()
                .try_for_each(|c| {
                    write_atomic(&workdir.join(&c.path), &c.content, Some(self.repo.path()))
                })
                .and_then(|_| match lock {
                    Some(lock) => self.patch_index(lock, parent, commit, changes),
                    None => Ok(false),
                })
                .and_then(|patched| {
                    if patched {
                        Ok(())
                    } else {
                        self.stage_with_libgit2(changes)
                    }
                });
            if let Err(e) = staged {
                self.restore(parent, changes, &workdir);
                return Err(e);
            }
        }
        let msg = self
            .repo
            .find_commit(commit)
            .ok()
            .and_then(|c| c.summary().ok().flatten().map(str::to_string))
            .unwrap_or_default();
        self.repo
            .reference_matching(&head_ref, commit, true, parent, &format!("imgbump: {msg}"))
            .map_err(|e| {
                git_err(
                    &format!(
                        "cannot move branch {} (did it move meanwhile?)",
                        self.branch
                    ),
                    &e,
                    &self.creds,
                )
            })?;
        Ok(())
    }

    /// The author to use: the repository's `user.name`/`user.email`, else imgbump's own.
    pub fn default_author(&self) -> (String, String) {
        match self.repo.signature() {
            Ok(s) => match (s.name(), s.email()) {
                (Ok(n), Ok(e)) if !n.is_empty() && !e.is_empty() => (n.into(), e.into()),
                _ => ("imgbump".into(), "imgbump@localhost".into()),
            },
            _ => ("imgbump".into(), "imgbump@localhost".into()),
        }
    }

    /// Walks the first-parent history of the branch, newest first, and calls `visit` with each
    /// version of `path`: the commit that introduced it, its time, its content. `visit` returns
    /// whether to go on, so a caller that needs two versions reads two, not the whole history.
    pub fn history(
        &self,
        path: &str,
        mut visit: impl FnMut(Oid, i64, &[u8]) -> bool,
    ) -> Result<()> {
        let e = |x: git2::Error| git_err("cannot walk the history", &x, &self.creds);
        let mut walk = self.repo.revwalk().map_err(e)?;
        walk.push(self.tip()?).map_err(e)?;
        walk.simplify_first_parent().map_err(e)?;
        // The previous (newer) commit, as (commit, time, blob): where the version changes, it is
        // the oldest commit of its run, the one that introduced its version.
        let mut newer: Option<(Oid, i64, Option<Oid>)> = None;
        let mut emit = |(commit, time, blob): (Oid, i64, Option<Oid>)| -> bool {
            match blob.and_then(|b| self.repo.find_blob(b).ok()) {
                Some(content) => visit(commit, time, content.content()),
                None => true,
            }
        };
        for oid in walk {
            let c = self.repo.find_commit(oid.map_err(e)?).map_err(e)?;
            let blob = c
                .tree()
                .ok()
                .and_then(|t| t.get_path(Path::new(path)).ok())
                .map(|x| x.id());
            if let Some(n) = newer {
                if n.2 != blob && !emit(n) {
                    return Ok(());
                }
            }
            newer = Some((c.id(), c.time().seconds(), blob));
        }
        if let Some(oldest) = newer {
            emit(oldest);
        }
        Ok(())
    }
}

/// The branch the remote's HEAD names, from a connection's advertisement.
fn default_name(conn: &git2::RemoteConnection<'_, '_, '_>, url: &str) -> Result<String> {
    let name = conn.default_branch().map_err(|_| {
        if conn.list().map(|l| l.is_empty()).unwrap_or(false) {
            err(
                ErrorKind::NotFound,
                format!(
                    "the repository {url} is empty: it has no branch to bump; push a first commit"
                ),
            )
        } else {
            err(
                ErrorKind::NotFound,
                format!("{url} does not say which branch is its default; pass --branch"),
            )
        }
    })?;
    let name = name
        .as_str()
        .unwrap_or("")
        .strip_prefix("refs/heads/")
        .unwrap_or("")
        .to_string();
    if name.is_empty() {
        return Err(err(
            ErrorKind::NotFound,
            format!("{url} advertises no default branch; pass --branch"),
        ));
    }
    Ok(name)
}

/// Every warm run's fetch adds a pack to the cache, and finding an object means looking in
/// each (libgit2 cannot repack). Past this many, the cache is started again from one shallow
/// fetch, as `git gc --auto` would repack past `gc.autoPackLimit` (50).
const MAX_CACHE_PACKS: usize = 50;

/// How many packs `dir` (a bare repository) holds.
fn pack_count(dir: &Path) -> usize {
    std::fs::read_dir(dir.join("objects").join("pack")).map_or(0, |entries| {
        entries
            .filter_map(|e| e.ok())
            .filter(|e| e.path().extension().is_some_and(|x| x == "pack"))
            .count()
    })
}

/// The cache repository for `url` under `cache`: one bare repository per remote URL, locked
/// for this process (a second imgbump waits), checked to belong to that URL and to hold at
/// most [`MAX_CACHE_PACKS`] packs, and made anew when it does not or when `rebuild` says so.
fn cached_repo(cache: &Path, url: &str, rebuild: bool) -> Result<(PathBuf, std::fs::File)> {
    let fail = |what: &str, e: std::io::Error| {
        err(
            ErrorKind::Other,
            format!("cannot {what} in --cache-dir {}: {e}", cache.display()),
        )
    };
    std::fs::create_dir_all(cache).map_err(|e| fail("create the cache", e))?;
    // FNV-1a: a stable name for the URL, whatever the platform or Rust version.
    let hash = url.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
    });
    let name = format!("{hash:016x}");
    let lock = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(cache.join(format!("{name}.lock")))
        .map_err(|e| fail("open the lock", e))?;
    lock.lock().map_err(|e| fail("lock the cache", e))?;
    let dir = cache.join(format!("{name}.git"));
    let belongs = !rebuild
        && Repository::open_bare(&dir)
            .ok()
            .and_then(|r| r.config().ok()?.get_string("imgbump.url").ok())
            .is_some_and(|u| u == url)
        && pack_count(&dir) <= MAX_CACHE_PACKS;
    if !belongs {
        if dir.exists() {
            std::fs::remove_dir_all(&dir).map_err(|e| fail("clear a stale cache", e))?;
        }
        let repo = Repository::init_bare(&dir).map_err(|e| {
            err(
                ErrorKind::Other,
                format!("cannot create the cache: {}", e.message()),
            )
        })?;
        repo.config()
            .and_then(|mut c| c.set_str("imgbump.url", url))
            .map_err(|e| {
                err(
                    ErrorKind::Other,
                    format!("cannot write the cache's config: {}", e.message()),
                )
            })?;
    }
    Ok((dir, lock))
}

fn is_moved_message(m: &str) -> bool {
    let m = m.to_ascii_lowercase();
    m.contains("non-fast-forward")
        || m.contains("fetch first")
        || m.contains("cannot lock ref")
        || m.contains("is at") && m.contains("but expected")
}

/// The remote and remote branch `branch` tracks (default `origin` and the same name).
fn upstream(repo: &Repository, branch: &str) -> (String, String) {
    let cfg = repo.config().ok();
    let get = |k: &str| cfg.as_ref().and_then(|c| c.get_string(k).ok());
    let remote = get(&format!("branch.{branch}.remote")).unwrap_or_else(|| "origin".into());
    let merge = get(&format!("branch.{branch}.merge"))
        .and_then(|m| m.strip_prefix("refs/heads/").map(str::to_string))
        .unwrap_or_else(|| branch.to_string());
    (remote, merge)
}

/// A failure of the connection rather than of the request: refused, reset, closed early.
fn is_network(e: &git2::Error) -> bool {
    let m = e.message().to_ascii_lowercase();
    if m.contains("certificate")
        || m.contains("hostkey")
        || m.contains("host key")
        || e.code() == ErrorCode::Auth
    {
        return false;
    }
    matches!(e.class(), ErrorClass::Net | ErrorClass::Os)
        || [
            "connection reset",
            "connection refused",
            "hung up",
            "early eof",
            "unexpected eof",
            "error receiving data",
            "error sending data",
            "broken pipe",
            "timed out",
        ]
        .iter()
        .any(|w| m.contains(w))
}

fn git_err(what: &str, e: &git2::Error, creds: &Credentials) -> Error {
    let kind = match (e.code(), e.class()) {
        (ErrorCode::Auth, _) => ErrorKind::Auth,
        (_, _) if e.message().contains("401") || e.message().contains("authentication") => {
            ErrorKind::Auth
        }
        (ErrorCode::NotFound, _) => ErrorKind::NotFound,
        _ if is_network(e) => ErrorKind::Network,
        _ => ErrorKind::Other,
    };
    let mut message = format!("{what}: {}", e.message());
    match kind {
        ErrorKind::Auth => message.push_str(
            "\nauthentication failed: set IMGBUMP_TOKEN (or GITHUB_TOKEN) to a token that may push, or configure a credential helper or SSH key",
        ),
        _ if e.class() == ErrorClass::Ssh && (e.message().contains("host") || e.message().contains("known")) => message.push_str(
            "\nthe SSH host key is not trusted: check the host's fingerprint, then add it with `ssh-keyscan HOST >> ~/.ssh/known_hosts`",
        ),
        _ => {}
    }
    Error {
        kind,
        message: creds.redact(&message),
    }
}

/// Checks a repository-relative path: `/`-separated, no `..`, not absolute, not into `.git`.
pub fn check_relative_path(path: &str) -> std::result::Result<(), String> {
    if path.is_empty() {
        return Err("the manifest path is empty".into());
    }
    if path.contains('\\') || path.contains('\0') {
        return Err(format!(
            "the manifest path {path:?} holds a backslash or NUL"
        ));
    }
    let p = Path::new(path);
    for c in p.components() {
        match c {
            Component::Normal(s) if s == ".git" => {
                return Err(format!("the manifest path {path:?} points into .git"))
            }
            Component::Normal(_) => {}
            Component::CurDir => {
                return Err(format!(
                    "the manifest path {path:?} has a `.` component; write it without"
                ))
            }
            Component::ParentDir => {
                return Err(format!(
                    "the manifest path {path:?} leaves the repository (`..`)"
                ))
            }
            Component::RootDir | Component::Prefix(_) => {
                return Err(format!(
                "the manifest path {path:?} is absolute; give it relative to the repository root"
            ))
            }
        }
    }
    if path.ends_with('/') || path.contains("//") {
        return Err(format!("the manifest path {path:?} has an empty component"));
    }
    Ok(())
}

/// Writes `path` atomically: a temporary file, the old file's mode, fsync, rename over `path`.
/// The temporary file goes in `scratch` (the `.git` directory, where a process killed half-way
/// leaves nothing in the user's work tree) when that is on the same file system, else beside
/// `path`.
pub fn write_atomic(path: &Path, content: &[u8], scratch: Option<&Path>) -> Result<()> {
    use std::io::Write;
    let beside = path.parent().unwrap_or(Path::new("."));
    let dir = match scratch {
        Some(s) if same_device(s, beside) => s,
        _ => beside,
    };
    let fail = |what: &str, e: std::io::Error| {
        err(
            ErrorKind::Other,
            format!("cannot {what} {}: {e}", path.display()),
        )
    };
    let meta = std::fs::symlink_metadata(path).ok();
    if meta.as_ref().is_some_and(|m| m.file_type().is_symlink()) {
        return Err(err(
            ErrorKind::Refused,
            format!(
                "{} is a symbolic link; refusing to write through it",
                path.display()
            ),
        ));
    }
    let mut tmp = tempfile::Builder::new()
        .prefix(".imgbump-")
        .tempfile_in(dir)
        .map_err(|e| fail("create a temporary file beside", e))?;
    tmp.write_all(content).map_err(|e| fail("write", e))?;
    if let Some(m) = meta {
        std::fs::set_permissions(tmp.path(), m.permissions())
            .map_err(|e| fail("set the mode of", e))?;
    }
    tmp.as_file().sync_all().map_err(|e| fail("sync", e))?;
    tmp.persist(path).map_err(|e| fail("replace", e.error))?;
    Ok(())
}

#[cfg(unix)]
fn same_device(a: &Path, b: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    matches!((std::fs::metadata(a), std::fs::metadata(b)), (Ok(x), Ok(y)) if x.dev() == y.dev())
}

#[cfg(not(unix))]
fn same_device(_: &Path, _: &Path) -> bool {
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_lose_their_secrets() {
        let (url, c) = split_url(
            "https://bot:s3cr3t-token@git.example/org/repo.git",
            Credentials::default(),
        );
        assert_eq!(url, "https://git.example/org/repo.git");
        assert_eq!(
            (c.user.as_deref(), c.token.as_deref()),
            (Some("bot"), Some("s3cr3t-token"))
        );
        assert_eq!(
            c.redact("fatal: s3cr3t-token at https://u:p@h/x"),
            "fatal: *** at https://***@h/x"
        );
        assert_eq!(
            redact_urls("git@github.com:o/r.git"),
            "git@github.com:o/r.git"
        );
    }

    #[test]
    fn relative_paths_stay_inside() {
        assert!(check_relative_path("deployments/a.yaml").is_ok());
        for bad in [
            "",
            "../x",
            "a/../../x",
            "/etc/passwd",
            "a//b",
            ".git/config",
            "./a",
            "a\\b",
            "a/",
        ] {
            assert!(check_relative_path(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn urls_and_paths() {
        for u in [
            "https://h/x",
            "ssh://git@h/x",
            "git@github.com:o/r.git",
            "file:///tmp/x",
        ] {
            assert!(is_url(u), "{u}");
        }
        for p in [".", "/tmp/repo", "./a@b:c", "repo"] {
            assert!(!is_url(p), "{p}");
        }
    }

    #[test]
    fn a_hashed_certificate_directory_spares_loading_the_bundle() {
        let tmp = tempfile::tempdir().unwrap();
        let hashed = tmp.path().join("hashed");
        let plain = tmp.path().join("plain");
        std::fs::create_dir_all(&hashed).unwrap();
        std::fs::create_dir_all(&plain).unwrap();
        std::fs::write(hashed.join("9d6523ce.0"), "").unwrap();
        for name in [
            "ca-bundle.crt",
            "9d6523ce",
            "9d6523c.0",
            "9d6523ce.x",
            "zzzzzzzz.0",
        ] {
            std::fs::write(plain.join(name), "").unwrap();
        }
        let p = |s: &Path| Some(s.to_path_buf());
        let bundle = PathBuf::from("/etc/ssl/certs/ca-certificates.crt");
        let mine = PathBuf::from("/home/me/ca.pem");
        // The system's directory is hashed: its bundle is not loaded.
        assert_eq!(
            tls_roots(None, None, p(&bundle), p(&hashed)),
            (None, p(&hashed))
        );
        // Not hashed (only a bundle and names that are not hash links): the bundle is loaded.
        assert_eq!(
            tls_roots(None, None, p(&bundle), p(&plain)),
            (p(&bundle), p(&plain))
        );
        // No directory at all, or one that does not exist.
        assert_eq!(tls_roots(None, None, p(&bundle), None), (p(&bundle), None));
        let gone = tmp.path().join("gone");
        assert_eq!(
            tls_roots(None, None, p(&bundle), p(&gone)),
            (p(&bundle), p(&gone))
        );
        // The user's choices win, whatever the system has.
        assert_eq!(
            tls_roots(p(&mine), None, p(&bundle), p(&hashed)),
            (p(&mine), p(&hashed))
        );
        assert_eq!(
            tls_roots(None, p(&plain), p(&bundle), p(&hashed)),
            (p(&bundle), p(&plain))
        );
        // A list of directories, as OpenSSL takes it.
        let list = PathBuf::from(format!("{}:{}", plain.display(), hashed.display()));
        assert_eq!(
            tls_roots(None, p(&list), p(&bundle), None),
            (None, p(&list))
        );
    }
}
