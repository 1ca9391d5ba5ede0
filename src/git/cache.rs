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
pub(super) fn cached_repo(
    cache: &Path,
    url: &str,
    rebuild: bool,
) -> Result<(PathBuf, std::fs::File)> {
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
        let (dir, lock) = cached_repo(cache.path(), url, false).unwrap();
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
        let (again, lock) = cached_repo(cache.path(), url, false).unwrap();
        drop(lock);
        assert_eq!(again, dir);
        assert!(marker(&dir).exists());
        // Another URL: another repository.
        let (other, lock) = cached_repo(cache.path(), "git://127.0.0.1/other.git", false).unwrap();
        drop(lock);
        assert_ne!(other, dir);
        // Asked to rebuild: made anew.
        let (_, lock) = cached_repo(cache.path(), url, true).unwrap();
        drop(lock);
        assert!(!marker(&dir).exists());
    }

    #[test]
    fn a_foreign_or_overgrown_cache_is_made_anew() {
        let cache = tempfile::tempdir().unwrap();
        let url = "https://git.example/isa.git";
        let (dir, lock) = cached_repo(cache.path(), url, false).unwrap();
        drop(lock);
        // Another URL recorded in the slot (a hash collision, or a hand-made repository).
        Repository::open_bare(&dir)
            .unwrap()
            .config()
            .unwrap()
            .set_str("imgbump.url", "https://elsewhere.example/x.git")
            .unwrap();
        std::fs::write(marker(&dir), "").unwrap();
        let (_, lock) = cached_repo(cache.path(), url, false).unwrap();
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
        let (_, lock) = cached_repo(cache.path(), url, false).unwrap();
        drop(lock);
        assert!(marker(&dir).exists(), "a cache at the limit was rebuilt");
        std::fs::write(packs.join("pack-last.pack"), "").unwrap();
        let (_, lock) = cached_repo(cache.path(), url, false).unwrap();
        drop(lock);
        assert!(!marker(&dir).exists(), "a cache past the limit was kept");
        assert_eq!(pack_count(&dir), 0);
    }
}
