//! Runs in one checkout take turns: imgbump's own lock (`.git/imgbump.lock`, holding the pid
//! and the identity of the `index.lock` the run takes), waited for while its holder lives,
//! and recovered, with exactly that `index.lock`, when its holder is gone (a killed run).

use std::path::{Path, PathBuf};

use super::{err, ErrorKind, Result, Workspace};

/// The edit a dead run recorded: its branch from the first commit to the second; whether
/// libgit2's checkout was writing it ([`Workspace::note_checkout_edit`]).
type DeadEdit = (git2::Oid, git2::Oid, bool);

impl Workspace {
    /// Records in `.git/imgbump.lock` that this run holds `index.lock` (its identity), so that
    /// if this run is killed, the next one removes that file and no other.
    pub(super) fn note_index_lock(&self) {
        self.note_lock("index.lock");
    }

    /// Records that this run holds the lock file `name` (relative to `.git`, such as
    /// `refs/heads/main.lock`), by its identity, as [`Workspace::note_index_lock`] does.
    pub(super) fn note_lock(&self, name: &str) {
        if let Some(id) = file_id(&self.repo.path().join(name)) {
            self.note(&format!("{name} {id}"));
        }
    }

    /// Appends `line` to this run's `.git/imgbump.lock` (best effort: a run whose note is
    /// lost only leaves the next run less to recover).
    fn note(&self, line: &str) {
        use std::io::Write;
        let lock = self.repo.path().join("imgbump.lock");
        if let Ok(mut f) = std::fs::OpenOptions::new().append(true).open(&lock) {
            let _ = writeln!(f, "{line}");
        }
    }

    /// Records that this run is about to take the lock file `name` (relative to `.git`), and
    /// when: a run killed after the lock file was made but before its identity was recorded
    /// ([`Workspace::note_lock`]) leaves one the next run still recognises, by its time.
    pub(super) fn note_intent(&self, name: &str) {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        self.note(&format!("intent {name} {now}"));
    }

    /// Moves `refname` from `old` to `new` holding git's lock on it (`<ref>.lock`), recorded
    /// as this run's (so that a run killed while holding it leaves nothing the next one does
    /// not remove). An error when the ref is not at `old`.
    pub(super) fn move_ref(
        &self,
        refname: &str,
        old: git2::Oid,
        new: git2::Oid,
        msg: &str,
    ) -> std::result::Result<(), git2::Error> {
        let mut tx = self.repo.transaction()?;
        self.note_intent(&format!("{refname}.lock"));
        tx.lock_ref(refname)?;
        self.note_lock(&format!("{refname}.lock"));
        let now = self.repo.refname_to_id(refname)?;
        if now != old {
            return Err(git2::Error::from_str(&format!(
                "{refname} is at {now}, not {old}"
            )));
        }
        tx.set_target(refname, new, None, msg)?;
        tx.commit()
    }

    /// Records, before any file is written, the edit this run is about to make to the
    /// checkout (its branch from `parent` to `commit`), so that if it is killed the next run
    /// can put the work tree and index back ([`Workspace::roll_back`]).
    pub(super) fn note_edit(&self, parent: git2::Oid, commit: git2::Oid) {
        self.note(&format!("edit {parent} {commit}"));
    }

    /// [`Workspace::note_edit`] for an edit made by libgit2's checkout, which writes a file in
    /// place (truncated, then written): a file of that edit found empty, missing or cut short
    /// of its new content is the dead run's, put back too.
    pub(super) fn note_checkout_edit(&self, parent: git2::Oid, commit: git2::Oid) {
        self.note(&format!("edit {parent} {commit} checkout"));
    }

    /// The lock `path` of a run (pid `pid`) that is gone: the locks it recorded taking (the
    /// index's, a branch's) removed, if each is the very file it took (same inode: a live
    /// git's is never touched), and the lock itself; returns the edit it recorded, if any.
    fn recover(&self, pid: u32, path: &Path) -> Option<DeadEdit> {
        let text = std::fs::read_to_string(path).unwrap_or_default();
        let mut removed = Vec::new();
        let mut edit = None;
        let recorded: Vec<&str> = text
            .lines()
            .filter_map(|l| l.rsplit_once(' ').map(|(n, _)| n))
            .collect();
        for line in text.lines().skip(1) {
            if let Some(rest) = line.strip_prefix("intent ") {
                // A lock it was taking when it died, before its identity was written: the
                // file is the dead run's if it was made within moments of the intent.
                let Some((name, at)) = rest.rsplit_once(' ') else {
                    continue;
                };
                let file = self.repo.path().join(name);
                if !recorded.contains(&name) && safe_lock_name(name) && made_near(&file, at) {
                    let _ = std::fs::remove_file(&file);
                    removed.push(name.to_string());
                }
                continue;
            }
            if let Some(rest) = line.strip_prefix("edit ") {
                let ids: Vec<git2::Oid> = rest
                    .split(' ')
                    .filter_map(|x| git2::Oid::from_str(x).ok())
                    .collect();
                if let [parent, commit] = ids[..] {
                    let in_place = rest.ends_with(" checkout");
                    edit = Some((parent, commit, in_place));
                }
                continue;
            }
            let Some((name, id)) = line.rsplit_once(' ') else {
                continue;
            };
            let file = self.repo.path().join(name);
            if safe_lock_name(name) && file_id(&file).as_deref() == Some(id) {
                let _ = std::fs::remove_file(&file);
                removed.push(name.to_string());
            }
        }
        let _ = std::fs::remove_file(path);
        removed.dedup();
        self.notice(&format!(
            "removed a lock left by imgbump (pid {pid}), which is no longer running{}",
            if removed.is_empty() {
                String::new()
            } else {
                format!(", and the locks it held ({})", removed.join(", "))
            }
        ));
        edit
    }

    /// Open mode: takes imgbump's own lock on the checkout (`.git/imgbump.lock`, holding our
    /// pid), so that runs in one checkout go one at a time. A lock held by a live process is
    /// waited for (saying so once) until `deadline`; one left by a process that is gone (a
    /// killed imgbump) is removed, with the index lock it held, and said so.
    pub(crate) fn lock_checkout(&self, deadline: std::time::Instant) -> Result<CheckoutLock> {
        let path = self.repo.path().join("imgbump.lock");
        let mut said = false;
        // The edit a dead run recorded, put back once this run holds the lock.
        let mut dead_edit = None;
        loop {
            match std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&path)
            {
                Ok(mut f) => {
                    use std::io::Write;
                    let _ = writeln!(f, "{}", std::process::id());
                    let lock = CheckoutLock { path };
                    if let Some((parent, commit, in_place)) = dead_edit {
                        self.roll_back(parent, commit, in_place);
                    }
                    return Ok(lock);
                }
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
                Err(e) => {
                    return Err(err(
                        ErrorKind::Other,
                        format!("cannot create {}: {e}", path.display()),
                    ))
                }
            }
            let holder = std::fs::read_to_string(&path)
                .ok()
                .and_then(|t| t.lines().next()?.trim().parse::<u32>().ok());
            // A lock with no pid in it (its run was killed between making it and writing it)
            // is stale once it is a few seconds old.
            let unreadable_and_old = holder.is_none()
                && std::fs::metadata(&path)
                    .and_then(|m| m.modified())
                    .ok()
                    .and_then(|t| t.elapsed().ok())
                    .is_some_and(|age| age > std::time::Duration::from_secs(5));
            if unreadable_and_old {
                let _ = std::fs::remove_file(&path);
                self.notice("removed an old imgbump lock that names no process");
                continue;
            }
            match holder {
                Some(pid) if !process_alive(pid) => {
                    dead_edit = self.recover(pid, &path).or(dead_edit);
                    continue;
                }
                _ => {}
            }
            let who = holder.map(|p| format!(" (pid {p})")).unwrap_or_default();
            if std::time::Instant::now() >= deadline {
                return Err(err(
                    ErrorKind::Other,
                    format!(
                        "another imgbump{who} is working in this checkout; gave up waiting at --timeout"
                    ),
                )
                .with_hint(format!("if none is running, remove {}", path.display())));
            }
            if !said {
                self.notice(&format!(
                    "waiting for another imgbump{who} working in this checkout"
                ));
                said = true;
            }
            if crate::interrupt::requested().is_some() {
                return Err(err(
                    ErrorKind::Other,
                    "interrupted while waiting for another imgbump; nothing was changed",
                ));
            }
            crate::retry::sleep(std::time::Duration::from_millis(50));
        }
    }
}

/// Whether `name` (from a lock record) is a lock file inside `.git`.
fn safe_lock_name(name: &str) -> bool {
    name.ends_with(".lock")
        && !name.starts_with('/')
        && !name.split('/').any(|c| c == ".." || c.is_empty())
}

/// Whether `file` was last modified within two seconds after `at` (nanoseconds since the
/// epoch, as text), or up to 10 ms before it.
fn made_near(file: &Path, at: &str) -> bool {
    let Ok(at) = at.parse::<u128>() else {
        return false;
    };
    let Some(modified) = std::fs::symlink_metadata(file)
        .and_then(|m| m.modified())
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
    else {
        return false;
    };
    let m = modified.as_nanos();
    m + 10_000_000 >= at && m <= at + 2_000_000_000
}

/// A file's identity (device and inode) as text, to tell one `index.lock` from a later one.
#[cfg(unix)]
fn file_id(path: &Path) -> Option<String> {
    use std::os::unix::fs::MetadataExt;
    std::fs::symlink_metadata(path)
        .ok()
        .map(|m| format!("{}:{}", m.dev(), m.ino()))
}

#[cfg(not(unix))]
fn file_id(_: &Path) -> Option<String> {
    None
}

/// imgbump's lock on a checkout, removed when dropped.
pub(crate) struct CheckoutLock {
    path: PathBuf,
}

impl Drop for CheckoutLock {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// Whether process `pid` exists (ours to signal or not).
#[cfg(unix)]
pub(super) fn process_alive(pid: u32) -> bool {
    let Ok(pid) = libc::pid_t::try_from(pid) else {
        return false;
    };
    // SAFETY: signal 0 only checks that the process exists.
    let r = unsafe { libc::kill(pid, 0) };
    r == 0 || std::io::Error::last_os_error().raw_os_error() == Some(libc::EPERM)
}

#[cfg(not(unix))]
pub(super) fn process_alive(_: u32) -> bool {
    true
}

#[cfg(test)]
mod tests {
    use super::super::fixture;
    use super::*;

    #[test]
    fn the_lock_is_taken_released_and_recovered_from_a_dead_holder() {
        let (dir, _repo, _) = fixture::checkout(&[("m.yaml", "a\n")]);
        let ws = Workspace::open(dir.path(), None).unwrap();
        let path = dir.path().join(".git/imgbump.lock");
        let soon = std::time::Instant::now() + std::time::Duration::from_millis(300);
        let lock = ws.lock_checkout(soon).unwrap();
        let held = std::fs::read_to_string(&path).unwrap();
        assert_eq!(held.trim(), std::process::id().to_string());
        // Held by a live process (this one): the next waits, then gives up.
        let e = ws.lock_checkout(soon).err().unwrap();
        assert!(e.message.contains("another imgbump"), "{e}");
        drop(lock);
        assert!(!path.exists());
        // Left by a process that is gone, with the index.lock it recorded: both removed.
        let mut gone = std::process::Command::new("true").spawn().unwrap();
        let pid = gone.id();
        gone.wait().unwrap();
        let index_lock = dir.path().join(".git/index.lock");
        std::fs::write(&index_lock, "").unwrap();
        let id = file_id(&index_lock).unwrap();
        std::fs::write(&path, format!("{pid}\nindex.lock {id}\n")).unwrap();
        let lock = ws.lock_checkout(soon).unwrap();
        assert!(!index_lock.exists());
        drop(lock);
        // A later index.lock (another inode: a live git's) is left alone.
        std::fs::write(&index_lock, "").unwrap();
        std::fs::write(&path, format!("{pid}\nindex.lock 0:0\n")).unwrap();
        let _lock = ws.lock_checkout(soon).unwrap();
        assert!(index_lock.exists());
        assert!(process_alive(std::process::id()));
        assert!(!process_alive(pid));
    }
}
