//! The old index, mapped read-only, and its checksum verified on a thread of its own while
//! the bump goes on.

use std::fs::{self, File};
use std::io;
use std::path::Path;

use super::{bad, sha1, HASH};

/// A file mapped read-only: the index is read where the page cache holds it, not copied
/// into fresh (zeroed) memory. Git replaces an index by renaming a new file over it, never
/// by rewriting it in place, so the mapped bytes do not change under us.
#[cfg(unix)]
pub(super) struct Mapped {
    ptr: *mut libc::c_void,
    len: usize,
    pub(super) id: FileId,
}

#[cfg(unix)]
impl Mapped {
    pub(super) fn open(path: &Path, whole: bool) -> io::Result<Mapped> {
        Mapped::from_file(&File::open(path)?, whole)
    }

    fn from_file(file: &File, whole: bool) -> io::Result<Mapped> {
        use std::os::fd::AsRawFd;
        let meta = file.metadata()?;
        let id = FileId::of(&meta);
        let len = usize::try_from(meta.len()).map_err(|_| bad())?;
        if len == 0 {
            return Err(bad());
        }
        // SAFETY: a private read-only mapping of a file we opened, of its current length;
        // checked for failure; unmapped once in `drop`.
        let ptr = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                len,
                libc::PROT_READ,
                libc::MAP_PRIVATE | if whole { populate() } else { 0 },
                file.as_raw_fd(),
                0,
            )
        };
        if ptr == libc::MAP_FAILED {
            return Err(io::Error::last_os_error());
        }
        Ok(Mapped { ptr, len, id })
    }
}

// SAFETY: the mapping is read-only and owned by the `Mapped`; it may move to and be read
// from any thread.
#[cfg(unix)]
unsafe impl Send for Mapped {}
#[cfg(unix)]
unsafe impl Sync for Mapped {}

/// Linux maps every page at once (one call instead of a page fault per 4 KiB), for reading
/// the whole file.
#[cfg(target_os = "linux")]
fn populate() -> libc::c_int {
    libc::MAP_POPULATE
}

#[cfg(all(unix, not(target_os = "linux")))]
fn populate() -> libc::c_int {
    0
}

#[cfg(unix)]
impl std::ops::Deref for Mapped {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        // SAFETY: `ptr` maps `len` readable bytes for as long as `self` lives.
        unsafe { std::slice::from_raw_parts(self.ptr.cast::<u8>(), self.len) }
    }
}

#[cfg(unix)]
impl Drop for Mapped {
    fn drop(&mut self) {
        // SAFETY: the mapping made in `open`, unmapped once.
        unsafe {
            libc::munmap(self.ptr, self.len);
        }
    }
}

/// Elsewhere: read into memory.
#[cfg(not(unix))]
pub(super) struct Mapped {
    data: Vec<u8>,
    pub(super) id: FileId,
}

#[cfg(not(unix))]
impl Mapped {
    pub(super) fn open(path: &Path, whole: bool) -> io::Result<Mapped> {
        Mapped::from_file(&File::open(path)?, whole)
    }

    fn from_file(mut file: &File, _whole: bool) -> io::Result<Mapped> {
        use std::io::Read;
        let id = FileId::of(&file.metadata()?);
        let mut data = Vec::new();
        file.read_to_end(&mut data)?;
        Ok(Mapped { data, id })
    }
}

#[cfg(not(unix))]
impl std::ops::Deref for Mapped {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        &self.data
    }
}

/// Which file, and which version of it: Git replaces an index by renaming a new file over
/// it, so the same device, inode, size and modification time mean the same bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct FileId {
    dev: u64,
    ino: u64,
    len: u64,
    mtime_ns: i128,
}

impl FileId {
    #[cfg(unix)]
    pub(super) fn of(m: &fs::Metadata) -> FileId {
        use std::os::unix::fs::MetadataExt;
        FileId {
            dev: m.dev(),
            ino: m.ino(),
            len: m.len(),
            mtime_ns: i128::from(m.mtime()) * 1_000_000_000 + i128::from(m.mtime_nsec()),
        }
    }

    #[cfg(not(unix))]
    pub(super) fn of(m: &fs::Metadata) -> FileId {
        FileId {
            dev: 0,
            ino: 0,
            len: m.len(),
            mtime_ns: m
                .modified()
                .ok()
                .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                .map_or(0, |d| d.as_nanos() as i128),
        }
    }
}

/// The old index's checksum, verified on a thread of its own as soon as a bump knows it will
/// need the index (while the manifest is edited and the commit is built), so that [`patch`](super::patch)
/// only has to hash and write the new one.
pub(crate) struct Verifier {
    /// The file as mapped, for [`patch`](super::patch) to use rather than map it again.
    pub(super) data: std::sync::Arc<Mapped>,
    pub(super) done: std::thread::JoinHandle<bool>,
}

impl Verifier {
    /// Starts verifying the index at `file`; `None` if it cannot be read.
    pub(crate) fn start(file: &Path) -> Option<Verifier> {
        let data = std::sync::Arc::new(Mapped::open(file, false).ok()?);
        let mine = data.clone();
        let done = std::thread::Builder::new()
            .name("index-verify".into())
            .spawn(move || checksum_ok(&mine))
            .ok()?;
        Some(Verifier { data, done })
    }
}

/// Whether `data` (a whole index) ends with the SHA-1 of what comes before, or with zeros
/// (`index.skipHash`).
fn checksum_ok(data: &[u8]) -> bool {
    let Some(end) = data.len().checked_sub(HASH) else {
        return false;
    };
    let sum = &data[end..];
    sum == [0; HASH] || sha1(&[&data[..end]]) == sum
}
