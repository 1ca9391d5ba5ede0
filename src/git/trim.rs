//! Keeps the pack a fetch receives from staying resident while libgit2 indexes it.
//!
//! While it resolves deltas, libgit2's indexer (1.9) reads the pack it has just written through
//! mmap windows, and its memory limit (`GIT_OPT_SET_MWINDOW_MAPPED_LIMIT`) cannot close them:
//! every `git_indexer_append` calls `git_mwindow_free_all`, which also takes the pack off the
//! list of files whose windows the limit may close, so the windows stay until the indexer
//! commits. Every page the resolution touched stays in the process's resident set: a cold
//! clone of a 100,000-file repository held its whole 70 MB pack resident on top of a 35 MB
//! heap.
//!
//! The windows are shared, read-only mappings of a file, so their pages are never dirty:
//! `madvise(MADV_DONTNEED)` drops them from the resident set and the next read faults them back
//! in from the page cache with the same bytes. [`PackTrimmer`] does that every few thousand
//! objects the indexer reports, for the mappings of files under the clone's `objects/pack/`.
//! Only Linux is trimmed; elsewhere it does nothing.
//!
//! Packs that are already indexed are read through windows the limit does close, but
//! libgit2's default window is 1 GiB, so one window maps a whole pack and a push (which reads
//! every tree of the commit it builds on) left every page it touched resident too.
//! [`limit_pack_windows`] makes the windows small and caps what they map.

use std::path::{Path, PathBuf};

/// libgit2's pack window, and the total its windows may map before it closes the least
/// recently used (a soft cap: windows in use stay).
const WINDOW: usize = 4 << 20;
const MAPPED: usize = 16 << 20;

/// Sets libgit2's pack windows to [`WINDOW`] bytes and their total to [`MAPPED`], once per
/// process, before any pack is opened.
pub(super) fn limit_pack_windows() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        // SAFETY: libgit2's global option setters, called once before any repository or pack
        // is opened by this process.
        unsafe {
            let _ = git2::opts::set_mwindow_size(WINDOW);
            let _ = git2::opts::set_mwindow_mapped_limit(MAPPED);
        }
    });
}

/// How many resolved deltas pass between two trims. The pack pages one interval
/// touches are what stays resident at most (a few megabytes); a trim costs one read of
/// `/proc/self/maps`.
const EVERY: usize = 4096;

/// Drops the pages of `objects/pack/` mappings from the resident set as indexing advances.
pub(super) struct PackTrimmer {
    /// The canonical `objects/pack/` directory, as `/proc/self/maps` names its files.
    dir: Option<PathBuf>,
    last: usize,
}

impl PackTrimmer {
    /// A trimmer for the repository whose Git directory is `git_dir`.
    pub(super) fn new(git_dir: &Path) -> PackTrimmer {
        let dir = std::fs::canonicalize(git_dir.join("objects").join("pack")).ok();
        PackTrimmer { dir, last: 0 }
    }

    /// Called with the indexer's progress in deltas resolved; trims every [`EVERY`] of them.
    /// Only delta resolution reads the pack back through windows that stay; while objects
    /// arrive, libgit2 frees its windows on every append, and a trim would find nothing.
    pub(super) fn tick(&mut self, done: usize) {
        if done >= self.last + EVERY {
            self.last = done;
            self.trim();
        }
    }

    /// Releases the resident pages of every read-only shared mapping of a file under the pack
    /// directory; returns how many bytes of mappings were advised. Called from libgit2's
    /// transfer callback (through [`PackTrimmer::tick`]), while libgit2 cannot touch its
    /// windows.
    pub(super) fn trim(&self) -> usize {
        match &self.dir {
            Some(dir) => trim_under(dir),
            None => 0,
        }
    }
}

#[cfg(target_os = "linux")]
fn trim_under(dir: &Path) -> usize {
    let Ok(maps) = std::fs::read_to_string("/proc/self/maps") else {
        return 0;
    };
    let mut advised = 0;
    for (start, end) in pack_mappings(&maps, dir) {
        // SAFETY: [start, end) is a whole mapping the kernel listed for this process, shared,
        // read-only and file-backed: MADV_DONTNEED only unmaps its clean pages, and later
        // reads (libgit2 still holds pointers into it) fault the same bytes back in from the
        // page cache. The mappings under the pack directory are libgit2's windows, which only
        // libgit2 maps or unmaps, on this thread, and it is waiting in our callback: none can
        // be gone, or replaced by another mapping, between the read of maps and this call.
        let rc =
            unsafe { libc::madvise(start as *mut libc::c_void, end - start, libc::MADV_DONTNEED) };
        if rc == 0 {
            advised += end - start;
        }
    }
    advised
}

#[cfg(not(target_os = "linux"))]
fn trim_under(_: &Path) -> usize {
    0
}

/// The `[start, end)` of each `r--s` mapping in `maps` (the text of `/proc/self/maps`) whose
/// file is directly under `dir`.
fn pack_mappings(maps: &str, dir: &Path) -> Vec<(usize, usize)> {
    let Some(prefix) = dir.to_str() else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for line in maps.lines() {
        // start-end perms offset dev inode path (the path may hold spaces).
        let mut fields = line.splitn(6, ' ');
        let (Some(range), Some(perms)) = (fields.next(), fields.next()) else {
            continue;
        };
        let path = fields.nth(3).unwrap_or("").trim_start();
        let in_dir = path
            .strip_prefix(prefix)
            .and_then(|rest| rest.strip_prefix('/'))
            .is_some_and(|name| !name.is_empty() && !name.contains('/'));
        if perms != "r--s" || !in_dir {
            continue;
        }
        let Some((a, b)) = range.split_once('-') else {
            continue;
        };
        if let (Ok(a), Ok(b)) = (usize::from_str_radix(a, 16), usize::from_str_radix(b, 16)) {
            if b > a {
                out.push((a, b));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn picks_only_shared_read_only_mappings_of_pack_files() {
        let maps = "\
55d0-55e0 r-xp 00000000 fe:00 1 /usr/bin/imgbump
7f00-7f10 r--s 00000000 00:1b 2 /tmp/c/objects/pack/pack_git2_1d3b
7f10-7f20 r--p 00000000 00:1b 2 /tmp/c/objects/pack/pack-1.idx
7f20-7f30 r--s 00000000 00:1b 3 /tmp/c/objects/pack/with space.pack
7f30-7f40 r--s 00000000 00:1b 4 /tmp/c/objects/packed/x
7f40-7f50 r--s 00000000 00:1b 5 /tmp/c/objects/pack/sub/x
7f50-7f60 rw-s 00000000 00:1b 6 /tmp/c/objects/pack/pack-2.pack
7f60-7f70 rw-p 00000000 00:00 0 
zz-7f80 r--s 00000000 00:1b 7 /tmp/c/objects/pack/bad
";
        let got = pack_mappings(maps, Path::new("/tmp/c/objects/pack"));
        assert_eq!(got, vec![(0x7f00, 0x7f10), (0x7f20, 0x7f30)]);
    }

    /// The resident size, in kB, of the mapping that starts at `addr`, from /proc/self/smaps.
    #[cfg(target_os = "linux")]
    fn resident_kb(addr: usize) -> u64 {
        let smaps = std::fs::read_to_string("/proc/self/smaps").unwrap();
        let head = format!("{addr:x}-");
        let mut lines = smaps.lines().skip_while(|l| !l.starts_with(&head));
        assert!(lines.next().is_some(), "no mapping at {addr:x}");
        let rss = lines.find(|l| l.starts_with("Rss:")).unwrap();
        rss.split_whitespace().nth(1).unwrap().parse().unwrap()
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn releases_the_pages_and_keeps_the_bytes() {
        use std::os::fd::AsRawFd;
        let tmp = tempfile::tempdir().unwrap();
        let pack = tmp.path().join("objects").join("pack");
        std::fs::create_dir_all(&pack).unwrap();
        let len = 4 << 20;
        let bytes: Vec<u8> = (0..len).map(|i| (i * 7 % 251) as u8).collect();
        std::fs::write(pack.join("pack_git2_test"), &bytes).unwrap();
        let file = std::fs::File::open(pack.join("pack_git2_test")).unwrap();
        // SAFETY: a fresh read-only shared mapping of a file this test owns, unmapped below.
        let addr = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                len,
                libc::PROT_READ,
                libc::MAP_SHARED,
                file.as_raw_fd(),
                0,
            )
        };
        assert_ne!(addr, libc::MAP_FAILED);
        // SAFETY: the mapping is `len` bytes long and readable.
        let view = unsafe { std::slice::from_raw_parts(addr as *const u8, len) };
        let sum: u64 = view.iter().step_by(4096).map(|&b| u64::from(b)).sum();
        assert!(sum > 0);
        let before = resident_kb(addr as usize);
        assert!(before >= 4000, "touched pages not resident: {before} kB");

        let trimmer = PackTrimmer::new(tmp.path());
        assert!(trimmer.trim() >= len);
        let after = resident_kb(addr as usize);
        assert!(after < 64, "still resident after the trim: {after} kB");
        assert!(view == &bytes[..], "bytes changed after the trim");

        // SAFETY: unmaps the mapping made above; `view` is not used after this.
        unsafe { libc::munmap(addr, len) };
    }

    #[test]
    fn ticks_trim_at_most_once_per_interval() {
        let tmp = tempfile::tempdir().unwrap();
        let mut t = PackTrimmer::new(tmp.path());
        assert!(t.dir.is_none(), "no objects/pack here");
        t.tick(EVERY - 1);
        assert_eq!(t.last, 0);
        t.tick(EVERY);
        assert_eq!(t.last, EVERY);
        t.tick(EVERY + 10);
        assert_eq!(t.last, EVERY);
    }
}
