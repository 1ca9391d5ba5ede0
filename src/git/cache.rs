//! `--cache-dir`: one bare repository per remote URL, kept between runs, locked while in use,
//! and rebuilt when it belongs elsewhere, is corrupt, or has gathered too many packs.

use std::path::{Path, PathBuf};

use git2::Repository;

use super::{err, ErrorKind, Result};

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
/// Returns the repository's directory, the held lock, and what was mended or why the cache was
/// made anew (for the user).
pub(super) fn cached_repo(
    cache: &Path,
    url: &str,
    rebuild: bool,
) -> Result<(PathBuf, std::fs::File, Option<String>)> {
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
    let mut note = None;
    let sound = belongs
        && match mend(&dir) {
            Ok(repairs) if repairs.is_empty() => true,
            Ok(repairs) => {
                note = Some(format!(
                    "the cache for {url} was left by a run that did not finish; removed {}",
                    repairs.join(", ")
                ));
                true
            }
            Err(why) => {
                note = Some(format!(
                    "the cache for {url} was left unsound by a run that did not finish ({why}); rebuilt it"
                ));
                false
            }
        };
    if !sound {
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
    Ok((dir, lock, note))
}

/// What a killed run may leave in a cache, found before the cache is used (its lock is held,
/// so no other process is using it). Lock files and half-written packs are removed: the
/// repairs, said in a few words. A ref or the shallow file naming an object the cache does not
/// have makes it unsound: the error says which, and the cache is made anew.
fn mend(dir: &Path) -> std::result::Result<Vec<String>, String> {
    let mut repairs = Vec::new();
    let mut locks = 0;
    remove_locks(dir, 0, &mut locks);
    if locks > 0 {
        repairs.push(format!(
            "{locks} lock file{}",
            if locks == 1 { "" } else { "s" }
        ));
    }
    let torn = remove_torn_packs(&dir.join("objects").join("pack"));
    if torn > 0 {
        repairs.push(format!(
            "{torn} half-written pack file{}",
            if torn == 1 { "" } else { "s" }
        ));
    }
    let repo =
        Repository::open_bare(dir).map_err(|e| format!("it cannot be opened: {}", e.message()))?;
    let odb = repo
        .odb()
        .map_err(|e| format!("its objects cannot be read: {}", e.message()))?;
    let refs = repo
        .references()
        .map_err(|e| format!("its refs cannot be read: {}", e.message()))?;
    for r in refs {
        let r = r.map_err(|e| format!("a ref cannot be read: {}", e.message()))?;
        let name = r.name().unwrap_or("a ref").to_string();
        match r.resolve().ok().and_then(|r| r.target()) {
            Some(oid) if odb.exists(oid) => {}
            _ => return Err(format!("{name} names an object it does not have")),
        }
    }
    if let Ok(text) = std::fs::read_to_string(dir.join("shallow")) {
        for line in text.lines().filter(|l| !l.is_empty()) {
            match git2::Oid::from_str(line.trim()) {
                Ok(oid) if odb.exists(oid) => {}
                _ => return Err("its shallow file names a commit it does not have".into()),
            }
        }
    }
    Ok(repairs)
}

/// Removes the `*.lock` files under `dir` (a bare repository: its refs, `packed-refs`,
/// `config`, `shallow`, `HEAD`), counting them in `removed`.
fn remove_locks(dir: &Path, depth: usize, removed: &mut usize) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.filter_map(|e| e.ok()) {
        let path = e.path();
        let Ok(kind) = e.file_type() else { continue };
        if kind.is_dir() {
            // Objects hold no locks; refs nest as deep as their names.
            if depth < 32 && e.file_name() != "objects" {
                remove_locks(&path, depth + 1, removed);
            }
        } else if path.extension().is_some_and(|x| x == "lock")
            && std::fs::remove_file(&path).is_ok()
        {
            *removed += 1;
        }
    }
}

/// Removes from `pack_dir` what a killed fetch leaves: temporary files, and a pack without its
/// index or an index without its pack. Returns how many files were removed.
fn remove_torn_packs(pack_dir: &Path) -> usize {
    let Ok(entries) = std::fs::read_dir(pack_dir) else {
        return 0;
    };
    let names: Vec<String> = entries
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .collect();
    let has = |n: &str| names.iter().any(|x| x == n);
    let mut removed = 0;
    for name in &names {
        let torn = if name.starts_with("tmp_") || name.starts_with("pack_git2_") {
            true
        } else if let Some(stem) = name.strip_suffix(".pack") {
            !has(&format!("{stem}.idx"))
        } else if let Some(stem) = name.strip_suffix(".idx") {
            !has(&format!("{stem}.pack"))
        } else {
            false
        };
        if torn && std::fs::remove_file(pack_dir.join(name)).is_ok() {
            removed += 1;
        }
    }
    removed
}

#[cfg(test)]
mod tests {
    use super::*;

    fn marker(dir: &Path) -> PathBuf {
        dir.join("imgbump-test-marker")
    }

    #[test]
    fn one_repository_per_url_kept_until_it_is_stale() {
        let cache = tempfile::tempdir().unwrap();
        let url = "git://127.0.0.1/isa.git";
        let (dir, lock, _) = cached_repo(cache.path(), url, false).unwrap();
        drop(lock);
        let recorded = Repository::open_bare(&dir)
            .unwrap()
            .config()
            .unwrap()
            .get_string("imgbump.url")
            .unwrap();
        assert_eq!(recorded, url);
        std::fs::write(marker(&dir), "").unwrap();
        // The same URL again: the same repository, kept.
        let (again, lock, _) = cached_repo(cache.path(), url, false).unwrap();
        drop(lock);
        assert_eq!(again, dir);
        assert!(marker(&dir).exists());
        // Another URL: another repository.
        let (other, lock, _) =
            cached_repo(cache.path(), "git://127.0.0.1/other.git", false).unwrap();
        drop(lock);
        assert_ne!(other, dir);
        // Asked to rebuild: made anew.
        let (_, lock, _) = cached_repo(cache.path(), url, true).unwrap();
        drop(lock);
        assert!(!marker(&dir).exists());
    }

    #[test]
    fn what_a_killed_run_left_is_mended_or_the_cache_rebuilt() {
        let cache = tempfile::tempdir().unwrap();
        let url = "git://127.0.0.1/isa.git";
        let (dir, lock, note) = cached_repo(cache.path(), url, false).unwrap();
        assert_eq!(note, None);
        drop(lock);
        // Locks and a torn pack: removed, and said.
        std::fs::create_dir_all(dir.join("refs/heads")).unwrap();
        for f in ["refs/heads/main.lock", "shallow.lock", "packed-refs.lock"] {
            std::fs::write(dir.join(f), "").unwrap();
        }
        std::fs::write(dir.join("objects/pack/pack-1234.pack"), "torn").unwrap();
        std::fs::write(dir.join("objects/pack/tmp_pack_x"), "").unwrap();
        std::fs::write(marker(&dir), "kept").unwrap();
        let (dir, lock, note) = cached_repo(cache.path(), url, false).unwrap();
        let note = note.unwrap();
        assert!(
            note.contains("3 lock files") && note.contains("2 half-written pack files"),
            "{note}"
        );
        assert!(marker(&dir).exists(), "mended, not rebuilt");
        assert!(!dir.join("shallow.lock").exists());
        assert!(!dir.join("objects/pack/pack-1234.pack").exists());
        drop(lock);
        // A ref naming an object the cache does not have: rebuilt, and said.
        std::fs::write(dir.join("refs/heads/x"), format!("{}\n", "1".repeat(40))).unwrap();
        let (dir, _lock, note) = cached_repo(cache.path(), url, false).unwrap();
        let note = note.unwrap();
        assert!(
            note.contains("refs/heads/x names an object") && note.contains("rebuilt"),
            "{note}"
        );
        assert!(!marker(&dir).exists(), "rebuilt");
        assert!(!dir.join("refs/heads/x").exists());
    }

    #[test]
    fn a_foreign_or_overgrown_cache_is_made_anew() {
        let cache = tempfile::tempdir().unwrap();
        let url = "https://git.example/isa.git";
        let (dir, lock, _) = cached_repo(cache.path(), url, false).unwrap();
        drop(lock);
        // Another URL recorded in the slot (a hash collision, or a hand-made repository).
        Repository::open_bare(&dir)
            .unwrap()
            .config()
            .unwrap()
            .set_str("imgbump.url", "https://elsewhere.example/x.git")
            .unwrap();
        std::fs::write(marker(&dir), "").unwrap();
        let (_, lock, _) = cached_repo(cache.path(), url, false).unwrap();
        drop(lock);
        assert!(!marker(&dir).exists(), "a foreign cache was reused");
        // Past the pack limit: made anew; only `.pack` files count.
        let packs = dir.join("objects").join("pack");
        for i in 0..MAX_CACHE_PACKS {
            std::fs::write(packs.join(format!("pack-{i}.pack")), "").unwrap();
            std::fs::write(packs.join(format!("pack-{i}.idx")), "").unwrap();
        }
        assert_eq!(pack_count(&dir), MAX_CACHE_PACKS);
        std::fs::write(marker(&dir), "").unwrap();
        let (_, lock, _) = cached_repo(cache.path(), url, false).unwrap();
        drop(lock);
        assert!(marker(&dir).exists(), "a cache at the limit was rebuilt");
        std::fs::write(packs.join("pack-last.pack"), "").unwrap();
        let (_, lock, _) = cached_repo(cache.path(), url, false).unwrap();
        drop(lock);
        assert!(!marker(&dir).exists(), "a cache past the limit was kept");
        assert_eq!(pack_count(&dir), 0);
    }
}
