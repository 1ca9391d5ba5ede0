//! The index file (`.git/index`), read and patched in place for the few entries a bump
//! changes.
//!
//! libgit2 reads the whole index into a hash map and writes it back out (for 100,000 files,
//! 12 MB: ~90 ms of a 150 ms bump, most of it hashing and map upkeep). A bump changes one
//! entry's stat data and object id, and the object ids of the directories above it in the
//! cache-tree extension; every one of those fields has a fixed size, so the file keeps its
//! length and layout and only those bytes and the trailing checksum change. The checksum of
//! the old file is verified while the new one is computed, on two threads.
//!
//! Anything this module does not fully understand (split or sparse indexes, an unknown
//! required extension, SHA-256 repositories, entries with extended flags, a cache-tree that
//! does not match the parent commit) is reported as [`Patch::Unsupported`], and the caller
//! uses libgit2's index instead. The format is Git's `Documentation/gitformat-index.txt`.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use git2::Oid;
use sha1::{Digest, Sha1};

mod mapped;

pub(super) use mapped::Verifier;
use mapped::{FileId, Mapped};

const HASH: usize = 20;
/// Bytes of an entry before its flags: ten 32-bit stat fields and the object id.
const STAT: usize = 40;
const FLAGS_AT: usize = STAT + HASH;
const EXTENDED: u16 = 0x4000;
const STAGE: u16 = 0x3000;

/// What the index says about one path.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Lookup {
    /// One entry at stage 0, with this object id.
    Staged(Oid),
    /// No entry.
    Missing,
    /// Entries in conflict stages (a merge in progress).
    Conflicted,
    /// The index is in a form this module does not read.
    Unsupported,
}

/// What [`patch`] did.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Patch {
    /// The index was rewritten.
    Done,
    /// Nothing was written; use libgit2.
    Unsupported(&'static str),
}

/// One entry to change: its path, new object id, and the file it now describes.
pub(super) struct Change<'a> {
    pub path: &'a str,
    /// The object id the entry must have now (the parent commit's blob): anything else means
    /// the path was staged meanwhile, and nothing is written.
    pub expect: Oid,
    pub oid: Oid,
    pub meta: &'a fs::Metadata,
}

/// A directory's tree in the parent commit and in the new one.
pub(super) struct TreeChange<'a> {
    /// `""` for the root, else `a/b` without a trailing slash.
    pub dir: &'a str,
    pub old: Oid,
    pub new: Oid,
}

struct Entry {
    /// Offset of the entry in the file.
    at: usize,
    flags: u16,
}

/// The parsed outline of an index file.
struct Layout {
    /// The offset and flags of each wanted entry, with its path.
    entries: Vec<(Vec<u8>, Entry)>,
    /// Where the extensions start and end (the end is where the checksum starts).
    ext: (usize, usize),
}

fn u32_at(data: &[u8], at: usize) -> Option<u32> {
    let b = data.get(at..at + 4)?;
    Some(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
}

fn u16_at(data: &[u8], at: usize) -> Option<u16> {
    let b = data.get(at..at + 2)?;
    Some(u16::from_be_bytes([b[0], b[1]]))
}

/// Walks the entries, keeping those whose path is in `wanted`. With `lookup`, stops at the
/// first entry that sorts after every wanted path (the extensions are then not located).
fn outline(data: &[u8], wanted: &[&[u8]], lookup: bool) -> Option<Layout> {
    if data.len() < 12 + HASH || &data[..4] != b"DIRC" {
        return None;
    }
    let version = u32_at(data, 4)?;
    if !(2..=4).contains(&version) {
        return None;
    }
    let count = u32_at(data, 8)? as usize;
    let end = data.len() - HASH;
    let mut at = 12;
    let mut entries = Vec::new();
    let last = wanted.iter().max().copied().unwrap_or_default();
    // Version 4 compresses each path against the previous one; its paths are rebuilt here.
    let mut v4_path: Vec<u8> = Vec::new();
    for _ in 0..count {
        let flags = u16_at(data, at + FLAGS_AT)?;
        let extended = flags & EXTENDED != 0;
        if extended && version < 3 {
            return None;
        }
        let name_at = at + FLAGS_AT + 2 + if extended { 2 } else { 0 };
        let len = (flags & 0xfff) as usize;
        let (path, next): (&[u8], usize) = if version == 4 {
            // A varint of bytes to drop from the previous path, then the rest, NUL-ended.
            let (strip, used) = varint(data.get(name_at..end)?)?;
            let rest_at = name_at + used;
            let nul = rest_at + data.get(rest_at..end)?.iter().position(|&b| b == 0)?;
            let keep = v4_path.len().checked_sub(strip)?;
            v4_path.truncate(keep);
            v4_path.extend_from_slice(&data[rest_at..nul]);
            (&v4_path, nul + 1)
        } else {
            // The length is in the flags unless it is 0xfff or more.
            let nul = if len < 0xfff {
                name_at + len
            } else {
                name_at + data.get(name_at..end)?.iter().position(|&b| b == 0)?
            };
            // Padded with 1 to 8 NULs to a multiple of 8 bytes.
            let next = at + ((nul - at + 8) & !7);
            if next > end || data[nul..next].iter().any(|&b| b != 0) {
                return None;
            }
            (&data[name_at..nul], next)
        };
        if len < 0xfff && len != path.len() {
            return None;
        }
        if wanted.contains(&path) {
            entries.push((path.to_vec(), Entry { at, flags }));
        } else if lookup && path > last {
            return Some(Layout {
                entries,
                ext: (0, 0),
            });
        }
        at = next;
    }
    if lookup {
        return Some(Layout {
            entries,
            ext: (0, 0),
        });
    }
    Some(Layout {
        entries,
        ext: (at, end),
    })
}

/// Git's offset varint (`varint.c`): 7 bits a byte, each continuation adding one.
fn varint(data: &[u8]) -> Option<(usize, usize)> {
    let mut value: usize = 0;
    for (i, &b) in data.iter().enumerate().take(9) {
        if i > 0 {
            value = value.checked_add(1)?.checked_mul(128)?;
        }
        value |= (b & 0x7f) as usize;
        if b & 0x80 == 0 {
            return Some((value, i + 1));
        }
    }
    None
}

/// Looks `path` up in the index at `file` (no checksum check: nothing is written from it).
pub(super) fn lookup(file: &Path, path: &str) -> Lookup {
    match Mapped::open(file, false) {
        Ok(data) => lookup_in(&data, path),
        Err(_) => Lookup::Unsupported,
    }
}

fn lookup_in(data: &[u8], path: &str) -> Lookup {
    let Some(layout) = outline(data, &[path.as_bytes()], true) else {
        return Lookup::Unsupported;
    };
    let mut staged = None;
    for (_, e) in &layout.entries {
        if e.flags & EXTENDED != 0 {
            return Lookup::Unsupported;
        }
        if e.flags & STAGE != 0 {
            return Lookup::Conflicted;
        }
        staged = Oid::from_bytes(&data[e.at + STAT..e.at + STAT + HASH]).ok();
    }
    match staged {
        Some(id) => Lookup::Staged(id),
        // A split index keeps most entries in another file: not found here is not missing.
        None if has_required_extension(data) => Lookup::Unsupported,
        None => Lookup::Missing,
    }
}

/// Whether the index has an extension a reader must understand (a split or sparse index).
fn has_required_extension(data: &[u8]) -> bool {
    let Some(layout) = outline(data, &[], false) else {
        return true;
    };
    let (mut at, end) = layout.ext;
    while at + 8 <= end {
        if !data[at].is_ascii_uppercase() {
            return true;
        }
        let Some(size) = u32_at(data, at + 4) else {
            return true;
        };
        at += 8 + size as usize;
    }
    false
}

/// `index.lock`, taken before the work tree is touched and held until the new index is
/// renamed over the old one; removed if that does not happen.
pub(super) struct Lock {
    index: PathBuf,
    path: PathBuf,
    file: Option<File>,
    done: bool,
}

impl Lock {
    /// Takes the lock of the index file `index` as Git does (`O_CREAT|O_EXCL` on
    /// `index.lock`); fails if another process holds it.
    pub(super) fn take(index: &Path) -> io::Result<Lock> {
        let path = index.with_extension("lock");
        match OpenOptions::new().write(true).create_new(true).open(&path) {
            Ok(f) => Ok(Lock {
                index: index.to_path_buf(),
                path,
                file: Some(f),
                done: false,
            }),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => Err(io::Error::new(
                e.kind(),
                format!(
                    "{} exists: another Git process seems to be running in this repository; if none is, remove the file",
                    path.display()
                ),
            )),
            Err(e) => Err(e),
        }
    }
}

impl Drop for Lock {
    fn drop(&mut self) {
        if !self.done {
            let _ = fs::remove_file(&self.path);
        }
    }
}

/// Rewrites the index held by `lock` so the `changes` entries describe their new blobs and
/// files, and the cache-tree directories in `trees` name their new trees: the new index is
/// written into `index.lock` and renamed into place, but only once the old file's checksum
/// has been verified. With [`Patch::Unsupported`] or an error, nothing changed and the lock
/// is gone.
///
/// The old checksum is verified by `verifier` if it read this same file (see [`Verifier`]),
/// else on a thread here; the new content is hashed and written at the same time (12 MB each
/// for 100,000 files).
pub(super) fn patch(
    mut lock: Lock,
    changes: &[Change<'_>],
    trees: &[TreeChange<'_>],
    verifier: Option<Verifier>,
) -> io::Result<Patch> {
    let Some(handle) = lock.file.take() else {
        return Err(bad());
    };
    let file = lock.index.clone();
    let file = file.as_path();
    // The verifier's mapping, if it is of the file that is the index now.
    let current = FileId::of(&fs::metadata(file)?);
    let (mapped, verifier) = match verifier {
        Some(v) if v.data.id == current => (v.data.clone(), Some(v.done)),
        _ => (std::sync::Arc::new(Mapped::open(file, true)?), None),
    };
    let data: &[u8] = &mapped;
    if data.len() < 12 + HASH {
        return Ok(Patch::Unsupported("the index is too short"));
    }
    let end = data.len() - HASH;
    let old_sum: [u8; HASH] = data[end..].try_into().map_err(|_| bad())?;
    // `index.skipHash`: a file without a checksum stays without one.
    let hashed = old_sum != [0; HASH];
    let result = std::thread::scope(|s| -> io::Result<Patch> {
        let verify = s.spawn(move || match verifier {
            Some(done) => done.join().unwrap_or(false),
            None => !hashed || sha1(&[&data[..end]]) == old_sum,
        });
        let edits = match edits(data, changes, trees)? {
            Ok(edits) => edits,
            Err(why) => return Ok(Patch::Unsupported(why)),
        };
        // The new content: the old bytes with the edits laid over them.
        let mut parts: Vec<&[u8]> = Vec::with_capacity(2 * edits.len() + 1);
        let mut at = 0;
        for (off, bytes) in &edits {
            parts.push(&data[at..*off]);
            parts.push(bytes);
            at = off + bytes.len();
        }
        parts.push(&data[at..end]);
        let (new_sum, written) = std::thread::scope(|s2| {
            let write = s2.spawn(|| {
                let mut handle = &handle;
                parts.iter().try_for_each(|p| handle.write_all(p))
            });
            let new_sum = if hashed { sha1(&parts) } else { old_sum };
            (new_sum, write.join())
        });
        written.map_err(|_| io::Error::other("the index writer failed"))??;
        let mut handle = &handle;
        if !verify.join().unwrap_or(false) {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                "the index's checksum does not match its content; run `git status` to see what Git makes of it",
            ));
        }
        handle.write_all(&new_sum)?;
        handle.flush()?;
        Ok(Patch::Done)
    })?;
    if result == Patch::Done {
        fs::rename(&lock.path, file)?;
        lock.done = true;
    }
    Ok(result)
}

fn sha1(parts: &[&[u8]]) -> [u8; HASH] {
    let mut h = Sha1::new();
    for p in parts {
        h.update(p);
    }
    h.finalize().into()
}

/// The byte ranges to replace: `Ok(Err(why))` when the index is in a form left to libgit2.
type Edits = Vec<(usize, Vec<u8>)>;

fn edits(
    data: &[u8],
    changes: &[Change<'_>],
    trees: &[TreeChange<'_>],
) -> io::Result<Result<Edits, &'static str>> {
    let wanted: Vec<&[u8]> = changes.iter().map(|c| c.path.as_bytes()).collect();
    let Some(layout) = outline(data, &wanted, false) else {
        return Ok(Err("the index is in a format imgbump does not patch"));
    };
    let mut edits: Edits = Vec::new();
    for c in changes {
        let found: Vec<&Entry> = layout
            .entries
            .iter()
            .filter(|(p, _)| p.as_slice() == c.path.as_bytes())
            .map(|(_, e)| e)
            .collect();
        let [e] = found.as_slice() else {
            return Ok(Err("the path has no single index entry"));
        };
        if e.flags & (EXTENDED | STAGE) != 0 {
            return Ok(Err("the entry has extended flags or a stage"));
        }
        if data[e.at + STAT..e.at + STAT + HASH] != *c.expect.as_bytes() {
            return Ok(Err("the entry changed since it was checked"));
        }
        let mut bytes = data[e.at..e.at + STAT + HASH].to_vec();
        write_stat(&mut bytes[..STAT], c.meta);
        bytes[STAT..].copy_from_slice(c.oid.as_bytes());
        edits.push((e.at, bytes));
    }
    // Extensions: a signature and a size each. Required ones (lower-case first letter: a split
    // or sparse index) are not patched; the cache-tree gets its new directory ids.
    let (mut at, ext_end) = layout.ext;
    while at < ext_end {
        let sig = data.get(at..at + 4).ok_or_else(bad)?;
        let size = u32_at(data, at + 4).ok_or_else(bad)? as usize;
        let body = at + 8;
        let body_end = body
            .checked_add(size)
            .filter(|&e| e <= ext_end)
            .ok_or_else(bad)?;
        if !sig[0].is_ascii_uppercase() {
            return Ok(Err("the index has a required extension"));
        }
        if sig == b"TREE" {
            let Some(ids) = cache_tree_edits(&data[body..body_end], trees) else {
                return Ok(Err("the cache-tree does not match the parent commit"));
            };
            edits.extend(
                ids.into_iter()
                    .map(|(off, id)| (body + off, id.as_bytes().to_vec())),
            );
        }
        at = body_end;
    }
    if at != ext_end {
        return Err(bad());
    }
    edits.sort_by_key(|e| e.0);
    if edits.windows(2).any(|w| w[0].0 + w[0].1.len() > w[1].0) {
        return Err(bad());
    }
    Ok(Ok(edits))
}

fn bad() -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, "the index is damaged")
}

#[cfg(unix)]
fn write_stat(out: &mut [u8], m: &fs::Metadata) {
    use std::os::unix::fs::MetadataExt;
    // Git keeps the low 32 bits of each field.
    let fields = [
        m.ctime() as u32,
        m.ctime_nsec() as u32,
        m.mtime() as u32,
        m.mtime_nsec() as u32,
        m.dev() as u32,
        m.ino() as u32,
        u32::from_be_bytes([out[24], out[25], out[26], out[27]]), // mode: unchanged
        m.uid(),
        m.gid(),
        m.size() as u32,
    ];
    for (i, v) in fields.iter().enumerate() {
        out[i * 4..i * 4 + 4].copy_from_slice(&v.to_be_bytes());
    }
}

#[cfg(not(unix))]
fn write_stat(_: &mut [u8], _: &fs::Metadata) {}

/// Whether this platform's stat data can be written (elsewhere libgit2 does it).
pub(super) const SUPPORTED: bool = cfg!(unix);

/// The ids to replace in the cache-tree extension `body`: for each directory in `trees` that
/// is valid there, (offset of its id, new id). A valid directory whose id is not the parent
/// commit's means the index holds other staged changes below it: `None` (the caller falls
/// back to libgit2, which invalidates such directories).
fn cache_tree_edits(body: &[u8], trees: &[TreeChange<'_>]) -> Option<Vec<(usize, Oid)>> {
    let mut pos = 0;
    // (path of the node, children still to read)
    let mut stack: Vec<(String, usize)> = Vec::new();
    let mut edits = Vec::new();
    while pos < body.len() {
        let nul = pos + body[pos..].iter().position(|&b| b == 0)?;
        let name = std::str::from_utf8(&body[pos..nul]).ok()?;
        let nl = nul + 1 + body[nul + 1..].iter().position(|&b| b == b'\n')?;
        let counts = std::str::from_utf8(&body[nul + 1..nl]).ok()?;
        let (entries, subtrees) = counts.split_once(' ')?;
        let entries: i64 = entries.parse().ok()?;
        let subtrees: usize = subtrees.parse().ok()?;
        pos = nl + 1;
        let path = match stack.last() {
            None => String::new(),
            Some((parent, _)) if parent.is_empty() => name.to_string(),
            Some((parent, _)) => format!("{parent}/{name}"),
        };
        if entries >= 0 {
            let id = body.get(pos..pos + HASH)?;
            if let Some(t) = trees.iter().find(|t| t.dir == path) {
                if id != t.old.as_bytes() {
                    return None;
                }
                edits.push((pos, t.new));
            }
            pos += HASH;
        }
        if let Some(top) = stack.last_mut() {
            top.1 = top.1.checked_sub(1)?;
        }
        stack.push((path, subtrees));
        while stack.last().is_some_and(|t| t.1 == 0) {
            stack.pop();
        }
        if stack.len() > 4096 {
            return None;
        }
    }
    stack.is_empty().then_some(edits)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An index written by the git CLI, in `version`, for a few files in a few directories.
    fn real_index(version: &str) -> Vec<u8> {
        let dir = tempfile::tempdir().unwrap();
        let git = |args: &[&str]| {
            let out = std::process::Command::new("git")
                .args(args)
                .current_dir(dir.path())
                .env("GIT_CONFIG_NOSYSTEM", "1")
                .env("GIT_CONFIG_GLOBAL", "/dev/null")
                .output()
                .unwrap();
            assert!(out.status.success(), "git {args:?}");
        };
        git(&["init", "-q"]);
        for f in ["a/b/c.yaml", "a/b/d.yaml", "a/e.txt", "z.txt"] {
            let p = dir.path().join(f);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, f).unwrap();
        }
        git(&["add", "-A"]);
        git(&[
            "-c",
            "user.name=t",
            "-c",
            "user.email=t@l",
            "commit",
            "-qm",
            "i",
        ]);
        git(&["read-tree", "HEAD"]);
        if version == "3" {
            git(&["update-index", "--skip-worktree", "z.txt"]);
        }
        git(&["update-index", "--index-version", version]);
        std::fs::read(dir.path().join(".git/index")).unwrap()
    }

    fn poke(data: &[u8]) {
        let _ = lookup_in(data, "a/b/c.yaml");
        let _ = has_required_extension(data);
        if let Some(layout) = outline(data, &[b"a/b/c.yaml"], false) {
            let (at, end) = layout.ext;
            if at + 8 <= end {
                let _ = cache_tree_edits(&data[at + 8..end], &[]);
            }
        }
    }

    #[test]
    fn reads_what_git_writes() {
        for version in ["2", "3", "4"] {
            let data = real_index(version);
            match lookup_in(&data, "a/b/c.yaml") {
                Lookup::Staged(id) => assert_eq!(
                    id,
                    Oid::hash_object(git2::ObjectType::Blob, b"a/b/c.yaml").unwrap()
                ),
                other => panic!("version {version}: {other:?}"),
            }
            assert_eq!(lookup_in(&data, "a/b/nope"), Lookup::Missing);
            assert!(!has_required_extension(&data));
        }
    }

    #[test]
    fn damaged_indexes_never_panic() {
        for version in ["2", "3", "4"] {
            let data = real_index(version);
            for len in 0..data.len() {
                poke(&data[..len]);
            }
            for i in 0..data.len() {
                for bit in [0x01, 0x10, 0x80] {
                    let mut d = data.clone();
                    d[i] ^= bit;
                    poke(&d);
                }
            }
        }
    }

    #[test]
    fn varints_as_git_writes_them() {
        assert_eq!(varint(&[0x05]), Some((5, 1)));
        assert_eq!(varint(&[0x80, 0x00]), Some((128, 2)));
        assert_eq!(varint(&[0x81, 0x7f]), Some((383, 2)));
        assert_eq!(varint(&[0x80]), None);
        assert_eq!(varint(&[0xff; 12]), None);
    }
}
