//! Git's configuration as git itself reads it, where libgit2 would read it otherwise: the
//! environment variables that choose the files (`GIT_CONFIG_NOSYSTEM`, `GIT_CONFIG_GLOBAL`,
//! `GIT_CONFIG_SYSTEM`) and those that add settings over every file (`GIT_CONFIG_COUNT`,
//! `GIT_CONFIG_KEY_<n>`, `GIT_CONFIG_VALUE_<n>`, as `git -c` passes them to its children).
//! libgit2 knows none of them: it reads `~/.gitconfig` whatever `GIT_CONFIG_GLOBAL` says.

use std::path::Path;

use git2::{Config, ConfigLevel, Repository};

/// Points libgit2's search for the system, global and XDG files where git would look, once,
/// before any thread starts (`git::init`). Without those variables nothing is done, and
/// libgit2 starts when it is first used.
pub(super) fn init() {
    let set = |level: ConfigLevel, dir: &str| {
        // SAFETY: libgit2's global options, set while the process has one thread.
        let _ = unsafe { git2::opts::set_search_path(level, dir) };
    };
    if truthy(std::env::var("GIT_CONFIG_NOSYSTEM").ok().as_deref())
        || std::env::var_os("GIT_CONFIG_SYSTEM").is_some()
    {
        set(ConfigLevel::System, "");
    }
    if std::env::var_os("GIT_CONFIG_GLOBAL").is_some() {
        // Only that file, added to each repository's configuration (`add_to`): git then reads
        // neither `~/.gitconfig` nor `$XDG_CONFIG_HOME/git/config`.
        set(ConfigLevel::Global, "");
        set(ConfigLevel::XDG, "");
    }
}

/// Adds to `repo`'s configuration the files `GIT_CONFIG_SYSTEM` and `GIT_CONFIG_GLOBAL` name
/// (`/dev/null` or empty: none).
pub(super) fn add_to(repo: &Repository) {
    let Ok(mut config) = repo.config() else {
        return;
    };
    for (var, level) in [
        ("GIT_CONFIG_SYSTEM", ConfigLevel::System),
        ("GIT_CONFIG_GLOBAL", ConfigLevel::Global),
    ] {
        let Some(path) = std::env::var_os(var) else {
            continue;
        };
        let path = Path::new(&path);
        if !path.as_os_str().is_empty() && path != Path::new("/dev/null") && path.is_file() {
            let _ = config.add_file(path, level, true);
        }
    }
}

/// The settings `GIT_CONFIG_COUNT` passes, in order (a later one wins).
fn overrides() -> Vec<(String, String)> {
    let count = std::env::var("GIT_CONFIG_COUNT")
        .ok()
        .and_then(|c| c.trim().parse::<usize>().ok())
        .unwrap_or(0);
    (0..count.min(1000))
        .filter_map(|i| {
            let key = std::env::var(format!("GIT_CONFIG_KEY_{i}")).ok()?;
            let value = std::env::var(format!("GIT_CONFIG_VALUE_{i}")).unwrap_or_default();
            Some((key, value))
        })
        .collect()
}

/// `key`'s value as git would read it: the last `GIT_CONFIG_COUNT` setting for it, else
/// `config`'s. Keys compare as git compares them: section and name without case.
pub(super) fn value(config: Option<&Config>, key: &str) -> Option<String> {
    let same = |k: &str| match (k.split_once('.'), key.split_once('.')) {
        (Some((s1, r1)), Some((s2, r2))) => match (r1.rsplit_once('.'), r2.rsplit_once('.')) {
            // `section.subsection.name`: the subsection keeps its case.
            (Some((sub1, n1)), Some((sub2, n2))) => {
                s1.eq_ignore_ascii_case(s2) && sub1 == sub2 && n1.eq_ignore_ascii_case(n2)
            }
            (None, None) => s1.eq_ignore_ascii_case(s2) && r1.eq_ignore_ascii_case(r2),
            _ => false,
        },
        _ => false,
    };
    if let Some((_, v)) = overrides().into_iter().rev().find(|(k, _)| same(k)) {
        return Some(v);
    }
    config?.get_string(key).ok()
}

/// The credential helpers `GIT_CONFIG_COUNT` sets (`credential.helper`, `git -c`'s scope, after
/// every file's), and whether one of them is empty, which clears the files' list as git clears
/// it. libgit2's helper lookup reads only the files, so these are run here
/// ([`fill_credentials`]).
pub(super) fn helper_overrides() -> (bool, Vec<String>) {
    let (mut reset, mut helpers) = (false, Vec::new());
    for (k, v) in overrides() {
        if k.eq_ignore_ascii_case("credential.helper") {
            if v.is_empty() {
                reset = true;
                helpers.clear();
            } else {
                helpers.push(v);
            }
        }
    }
    (reset, helpers)
}

/// Asks `helpers` for a user name and password for `url`, as git does (`get`, the request on
/// standard input, `username=`/`password=` lines back); the first helper that gives a password
/// wins.
pub(super) fn fill_credentials(
    helpers: &[String],
    url: &str,
    user: Option<&str>,
) -> Option<(String, String)> {
    let u = crate::url::RemoteUrl::parse(url);
    let protocol = match u.scheme() {
        crate::url::Scheme::Https => "https",
        crate::url::Scheme::Http => "http",
        _ => return None,
    };
    let mut request = format!("protocol={protocol}\nhost={}\n", u.authority());
    if let Some(user) = user {
        request.push_str(&format!("username={user}\n"));
    }
    request.push('\n');
    for helper in helpers {
        // `!cmd` as written, a path as it is, a name as `git credential-NAME`: in the shell.
        let cmd = match helper.strip_prefix('!') {
            Some(cmd) => cmd.to_string(),
            None if helper.starts_with('/') => helper.clone(),
            None => format!("git credential-{helper}"),
        };
        let args = ["-c".to_string(), format!("{cmd} get")];
        let Ok(ran) = crate::child::run("sh", &args, request.as_bytes(), 64 * 1024) else {
            continue;
        };
        let out = String::from_utf8_lossy(&ran.stdout);
        let field = |name: &str| {
            out.lines()
                .find_map(|l| l.strip_prefix(name)?.strip_prefix('='))
                .map(str::to_string)
        };
        if let Some(password) = field("password") {
            let name = field("username")
                .or(user.map(str::to_string))
                .unwrap_or_default();
            return Some((name, password));
        }
    }
    None
}

/// Whether a boolean setting or variable reads as true, as git reads it.
fn truthy(v: Option<&str>) -> bool {
    v.is_some_and(|v| {
        matches!(
            v.trim().to_ascii_lowercase().as_str(),
            "1" | "true" | "yes" | "on"
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn booleans_read_as_git_reads_them() {
        for t in ["1", "true", "Yes", " on "] {
            assert!(truthy(Some(t)), "{t}");
        }
        for f in ["0", "false", "", "off", "nope"] {
            assert!(!truthy(Some(f)), "{f}");
        }
        assert!(!truthy(None));
    }
}
