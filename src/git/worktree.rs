//! Files in a checkout's work tree, reached without following a symbolic link anywhere on
//! the way: every directory between the work tree's root and the file is opened relative to
//! the one before it with `O_NOFOLLOW`, so a directory swapped for a link (to a place outside
//! the repository) is refused, not written through, even if it is swapped while imgbump runs.
//! The file is replaced by `renameat` into that directory.

use std::ffi::CString;
use std::fs::{File, Metadata};
use std::io::{Read, Write};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

use super::{err, ErrorKind, Result};

/// A directory of the work tree, opened.
pub(super) struct Dir {
    fd: OwnedFd,
    /// The path relative to the work tree, for messages.
    shown: String,
}

fn c_name(name: &str) -> Result<CString> {
    CString::new(name).map_err(|_| err(ErrorKind::Refused, format!("{name:?} holds a NUL byte")))
}

fn refused_link(path: &str) -> super::Error {
    err(
        ErrorKind::Refused,
        format!(
            "{path} is a symbolic link (or not a directory) in the work tree; imgbump does not write through links, which could lead out of the repository"
        ),
    )
}

/// Opens `name` in `dir` (or `path` itself when `dir` is `None`) as a directory, refusing a
/// symbolic link.
fn open_dir(dir: Option<&OwnedFd>, name: &CString) -> std::io::Result<OwnedFd> {
    let flags = libc::O_RDONLY | libc::O_DIRECTORY | libc::O_NOFOLLOW | libc::O_CLOEXEC;
    let at = dir.map_or(libc::AT_FDCWD, |d| d.as_raw_fd());
    // SAFETY: `name` is a valid C string; the returned descriptor is owned below.
    let fd = unsafe { libc::openat(at, name.as_ptr(), flags) };
    if fd < 0 {
        return Err(std::io::Error::last_os_error());
    }
    // SAFETY: `fd` was just opened and is owned by nothing else.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

/// The directory that holds `rel` (a checked, `/`-separated path) under the work tree `root`,
/// and the file's own name. Every directory on the way must be a real directory.
pub(super) fn parent_of(root: &Path, rel: &str) -> Result<(Dir, CString)> {
    let root_c = CString::new(root.as_os_str().as_bytes())
        .map_err(|_| err(ErrorKind::Refused, "the work tree's path holds a NUL byte"))?;
    let mut dir = open_dir(None, &root_c).map_err(|e| {
        err(
            ErrorKind::Other,
            format!("cannot open the work tree {}: {e}", root.display()),
        )
    })?;
    let parts: Vec<&str> = rel.split('/').collect();
    let Some((file, dirs)) = parts.split_last() else {
        return Err(err(ErrorKind::Refused, "empty path"));
    };
    let mut shown = String::new();
    for part in dirs {
        if !shown.is_empty() {
            shown.push('/');
        }
        shown.push_str(part);
        dir = match open_dir(Some(&dir), &c_name(part)?) {
            Ok(d) => d,
            Err(e) if matches!(e.raw_os_error(), Some(libc::ELOOP) | Some(libc::ENOTDIR)) => {
                return Err(refused_link(&shown))
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(err(
                    ErrorKind::NotFound,
                    format!("{shown} does not exist in the work tree"),
                ))
            }
            Err(e) => {
                return Err(err(
                    ErrorKind::Other,
                    format!("cannot open {shown} in the work tree: {e}"),
                ))
            }
        };
    }
    Ok((Dir { fd: dir, shown }, c_name(file)?))
}

impl Dir {
    fn path_of(&self, name: &CString) -> String {
        let name = name.to_string_lossy();
        if self.shown.is_empty() {
            name.into_owned()
        } else {
            format!("{}/{name}", self.shown)
        }
    }

    /// Opens file `name` for reading, refusing a link or anything but a regular file;
    /// `None` if it does not exist.
    pub(super) fn open_file(&self, name: &CString) -> Result<Option<(File, Metadata)>> {
        let flags = libc::O_RDONLY | libc::O_NOFOLLOW | libc::O_CLOEXEC | libc::O_NONBLOCK;
        // SAFETY: a valid C string and a directory descriptor we own.
        let fd = unsafe { libc::openat(self.fd.as_raw_fd(), name.as_ptr(), flags) };
        if fd < 0 {
            let e = std::io::Error::last_os_error();
            return match e.raw_os_error() {
                Some(libc::ENOENT) => Ok(None),
                Some(libc::ELOOP) => Err(err(
                    ErrorKind::Refused,
                    format!(
                        "{} is a symbolic link in the work tree; refusing to follow it",
                        self.path_of(name)
                    ),
                )),
                _ => Err(err(
                    ErrorKind::Other,
                    format!("cannot open {}: {e}", self.path_of(name)),
                )),
            };
        }
        // SAFETY: `fd` was just opened and is owned by nothing else.
        let file = File::from(unsafe { OwnedFd::from_raw_fd(fd) });
        let meta = file.metadata().map_err(|e| {
            err(
                ErrorKind::Other,
                format!("cannot stat {}: {e}", self.path_of(name)),
            )
        })?;
        if !meta.is_file() {
            return Err(err(
                ErrorKind::Refused,
                format!(
                    "{} is not a regular file in the work tree",
                    self.path_of(name)
                ),
            ));
        }
        Ok(Some((file, meta)))
    }

    /// Reads file `name` whole; `None` if it does not exist.
    pub(super) fn read(&self, name: &CString) -> Result<Option<Vec<u8>>> {
        let Some((mut file, meta)) = self.open_file(name)? else {
            return Ok(None);
        };
        let mut out = Vec::with_capacity(meta.len() as usize);
        file.read_to_end(&mut out).map_err(|e| {
            err(
                ErrorKind::Other,
                format!("cannot read {}: {e}", self.path_of(name)),
            )
        })?;
        Ok(Some(out))
    }

    /// Replaces file `name` with `content` atomically: a new file (the old one's mode), synced,
    /// then renamed over it. The new file is made in `scratch` (the `.git` directory, so that a
    /// process killed half-way leaves nothing in the work tree) when that is on the same file
    /// system, else beside the file.
    pub(super) fn replace(
        &self,
        name: &CString,
        content: &[u8],
        scratch: Option<&Path>,
    ) -> Result<()> {
        let path = self.path_of(name);
        let fail = |what: &str, e: std::io::Error| {
            err(ErrorKind::Other, format!("cannot {what} {path}: {e}"))
        };
        let old = self.open_file(name)?;
        let mode = old.as_ref().map(|(_, m)| {
            use std::os::unix::fs::PermissionsExt;
            m.permissions().mode() & 0o7777
        });
        let dir_dev = {
            use std::os::unix::fs::MetadataExt;
            // SAFETY: duplicating our own descriptor for a `File` that we drop at once.
            let dup = unsafe { libc::dup(self.fd.as_raw_fd()) };
            if dup < 0 {
                return Err(fail(
                    "open the directory of",
                    std::io::Error::last_os_error(),
                ));
            }
            // SAFETY: `dup` is a fresh descriptor owned by this `File`.
            let f = unsafe { File::from_raw_fd(dup) };
            f.metadata().map(|m| m.dev()).ok()
        };
        let scratch_fd = scratch.and_then(|s| {
            use std::os::unix::fs::MetadataExt;
            let same = std::fs::metadata(s).ok().map(|m| m.dev()) == dir_dev;
            let c = CString::new(s.as_os_str().as_bytes()).ok()?;
            same.then(|| open_dir(None, &c).ok()).flatten()
        });
        let tmp_dir = scratch_fd.as_ref().unwrap_or(&self.fd);
        let (tmp_name, mut tmp) =
            create_temp(tmp_dir).map_err(|e| fail("create a temporary file for", e))?;
        let cleanup = |tmp_name: &CString| {
            // SAFETY: removing the temporary file we created, by name, in its directory.
            unsafe { libc::unlinkat(tmp_dir.as_raw_fd(), tmp_name.as_ptr(), 0) };
        };
        let written = tmp
            .write_all(content)
            .and_then(|_| match mode {
                Some(m) => {
                    use std::os::unix::fs::PermissionsExt;
                    tmp.set_permissions(std::fs::Permissions::from_mode(m))
                }
                None => Ok(()),
            })
            .and_then(|_| tmp.sync_all());
        if let Err(e) = written {
            cleanup(&tmp_name);
            return Err(fail("write", e));
        }
        // SAFETY: both names are valid C strings relative to directories we hold open.
        let moved = unsafe {
            libc::renameat(
                tmp_dir.as_raw_fd(),
                tmp_name.as_ptr(),
                self.fd.as_raw_fd(),
                name.as_ptr(),
            )
        };
        if moved != 0 {
            let e = std::io::Error::last_os_error();
            cleanup(&tmp_name);
            return Err(fail("replace", e));
        }
        Ok(())
    }
}

/// A new file `.imgbump-XXXXXXXX` in `dir`, created exclusively.
fn create_temp(dir: &OwnedFd) -> std::io::Result<(CString, File)> {
    for _ in 0..16 {
        let name = CString::new(format!(".imgbump-{:016x}", crate::random::u64()))
            .map_err(|_| std::io::Error::other("a temporary name"))?;
        let flags =
            libc::O_WRONLY | libc::O_CREAT | libc::O_EXCL | libc::O_NOFOLLOW | libc::O_CLOEXEC;
        // SAFETY: a valid C string and a directory descriptor we own; mode as for a new file.
        let fd = unsafe { libc::openat(dir.as_raw_fd(), name.as_ptr(), flags, 0o644) };
        if fd >= 0 {
            // SAFETY: `fd` was just opened and is owned by nothing else.
            return Ok((name, File::from(unsafe { OwnedFd::from_raw_fd(fd) })));
        }
        let e = std::io::Error::last_os_error();
        if e.kind() != std::io::ErrorKind::AlreadyExists {
            return Err(e);
        }
    }
    Err(std::io::Error::other("no free temporary name"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_anywhere_on_the_way_are_refused_and_nothing_is_written_through_them() {
        let root = tempfile::tempdir().unwrap();
        let outside = tempfile::tempdir().unwrap();
        let r = root.path();
        std::fs::create_dir_all(r.join("a/b")).unwrap();
        std::fs::write(r.join("a/b/m.yaml"), "old\n").unwrap();
        std::fs::write(outside.path().join("m.yaml"), "outside\n").unwrap();
        std::os::unix::fs::symlink(outside.path(), r.join("a/link")).unwrap();
        std::os::unix::fs::symlink(outside.path().join("m.yaml"), r.join("a/b/l.yaml")).unwrap();
        std::os::unix::fs::symlink(outside.path(), r.join("top")).unwrap();

        let (dir, name) = parent_of(r, "a/b/m.yaml").unwrap();
        assert_eq!(dir.read(&name).unwrap().unwrap(), b"old\n");
        dir.replace(&name, b"new\n", None).unwrap();
        assert_eq!(std::fs::read(r.join("a/b/m.yaml")).unwrap(), b"new\n");

        for through in ["a/link/m.yaml", "top/m.yaml"] {
            let e = parent_of(r, through).err().unwrap();
            assert_eq!(e.kind, ErrorKind::Refused, "{through}");
            assert!(e.message.contains("symbolic link"), "{e}");
        }
        let (dir, name) = parent_of(r, "a/b/l.yaml").unwrap();
        assert_eq!(dir.read(&name).unwrap_err().kind, ErrorKind::Refused);
        assert!(dir.replace(&name, b"evil\n", None).is_err());
        assert_eq!(
            std::fs::read(outside.path().join("m.yaml")).unwrap(),
            b"outside\n"
        );
        // No temporary file left anywhere.
        let names: Vec<_> = std::fs::read_dir(r.join("a/b"))
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names.len(), 2, "{names:?}");
        let (dir, name) = parent_of(r, "a/b/none.yaml").unwrap();
        assert_eq!(dir.read(&name).unwrap(), None);
    }
}
