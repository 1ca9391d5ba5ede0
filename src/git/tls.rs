//! TLS trust roots: where OpenSSL finds CA certificates, loaded only when a TLS remote is used.

use std::path::{Path, PathBuf};

/// The certificate file and directory [`init`] chose, once for the process, from the user's
/// `SSL_CERT_FILE`/`SSL_CERT_DIR` (see [`tls_roots`]).
static ROOTS: std::sync::OnceLock<(Option<PathBuf>, Option<PathBuf>)> = std::sync::OnceLock::new();

/// The names of OpenSSL's variables for its default certificate locations.
const FILE_VAR: &str = "SSL_CERT_FILE";
const DIR_VAR: &str = "SSL_CERT_DIR";

/// Sets the process's TLS trust up, once, first thing in `main` (through `git::init`), while the
/// process has one thread: this is the only place imgbump changes its environment.
///
/// libgit2 initialises OpenSSL eagerly, and OpenSSL then parses a bundle file named by
/// `SSL_CERT_FILE` whole (~140 certificates: ~15 ms, a third of a local bump), which a bump of
/// a checkout, a `file://`, `git://` or SSH remote never needs. So `SSL_CERT_FILE` is set to an
/// empty file for the life of the process and `SSL_CERT_DIR` to the chosen directory (a
/// directory of `c_rehash` links is searched lazily, only for the issuers a server's chain
/// names). The bundle, when one is chosen, is handed to each TLS client directly: libgit2
/// through its options ([`load_tls_roots`]) and the HTTP client as root certificates
/// ([`ca_roots`]). Child processes get the user's own values back (`child::command`).
pub(super) fn init() {
    #[cfg(all(unix, not(target_os = "macos"), not(target_os = "ios")))]
    {
        let user = (std::env::var_os(FILE_VAR), std::env::var_os(DIR_VAR));
        let (sys_file, sys_dir) = system_roots();
        let chosen = tls_roots(
            user.0.clone().map(PathBuf::from),
            user.1.clone().map(PathBuf::from),
            sys_file,
            sys_dir,
        );
        // A directory that is not there is named as one that is, and holds nothing: else
        // git2's own probe, when libgit2 starts, would set the variable to the system's.
        let dir = chosen.1.clone().filter(|d| d.exists());
        if ROOTS.set(chosen).is_ok() {
            crate::child::keep_original(vec![(FILE_VAR, user.0), (DIR_VAR, user.1)]);
            std::env::set_var(FILE_VAR, "/dev/null");
            match dir {
                Some(d) => std::env::set_var(DIR_VAR, d),
                None => std::env::set_var(DIR_VAR, "/dev/null"),
            }
        }
    }
}

/// Before a TLS connection of libgit2's: give it the chosen certificates (the user's
/// `SSL_CERT_FILE`/`SSL_CERT_DIR`, else what the system has, found as git2 finds it; see
/// [`tls_roots`]) through its options.
pub(super) fn load_tls_roots() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    let Some(roots) = ROOTS.get() else {
        return;
    };
    ONCE.call_once(|| {
        let (file, dir) = roots;
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

/// The CA certificate locations a TLS client of this process should use (the user's
/// `SSL_CERT_FILE`/`SSL_CERT_DIR`, else the system's), for clients other than libgit2.
/// Without [`init`] (the library used by another program), read from the environment now.
pub(crate) fn ca_roots() -> (Option<PathBuf>, Option<PathBuf>) {
    if let Some(r) = ROOTS.get() {
        return r.clone();
    }
    let (sys_file, sys_dir) = system_roots();
    tls_roots(
        std::env::var_os(FILE_VAR).map(PathBuf::from),
        std::env::var_os(DIR_VAR).map(PathBuf::from),
        sys_file,
        sys_dir,
    )
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

#[cfg(test)]
mod tests {
    use super::*;

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
