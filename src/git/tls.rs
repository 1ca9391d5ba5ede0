//! TLS trust roots: where OpenSSL finds CA certificates, loaded only when a TLS remote is used.

use std::path::{Path, PathBuf};

/// The certificate locations OpenSSL would have used, kept while its setup is deferred.
static TLS_ROOTS: std::sync::OnceLock<(Option<std::ffi::OsString>, Option<std::ffi::OsString>)> =
    std::sync::OnceLock::new();

/// Before libgit2 is first used: defer loading the system's CA certificates until a TLS
/// remote is used. libgit2 initialises OpenSSL eagerly, and loading the bundle costs ~15 ms,
/// a third of a local bump, which a bump of a checkout, a `file://`, `git://` or SSH remote
/// never needs. Must be called while the process has one thread (it sets two environment
/// variables, which `load_tls_roots` puts back).
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
pub(super) fn load_tls_roots() {
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

/// The CA certificate locations a TLS client of this process should use (the user's
/// `SSL_CERT_FILE`/`SSL_CERT_DIR`, else the system's), for clients other than libgit2.
pub fn ca_roots() -> (Option<PathBuf>, Option<PathBuf>) {
    let (file, dir) = match TLS_ROOTS.get() {
        Some((f, d)) => (f.clone(), d.clone()),
        None => (
            std::env::var_os("SSL_CERT_FILE"),
            std::env::var_os("SSL_CERT_DIR"),
        ),
    };
    let (sys_file, sys_dir) = system_roots();
    tls_roots(
        file.map(PathBuf::from),
        dir.map(PathBuf::from),
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
