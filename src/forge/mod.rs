//! What the forges do for a bump. Knows nothing of YAML; of Git, only the remote's URL.
//!
//! | room | what it holds |
//! |---|---|
//! | `github.rs` | pull requests through GitHub's REST API (and GraphQL's auto-merge) |
//! | `github_commit.rs` | commits GitHub makes and signs itself; a branch made through REST |
//! | `github_limit.rs` | GitHub's rate limits told from an answer, and the wait each asks for |
//! | `github_app.rs` | a GitHub App's installation token |
//! | `gitlab.rs` | GitLab merge requests through push options |

pub(crate) mod github;
pub(crate) mod github_app;
pub(crate) mod github_commit;
mod github_limit;
pub(crate) mod gitlab;

/// What to open.
#[derive(Debug, Clone, Default)]
pub(crate) struct Request {
    /// The branch to merge into.
    pub base: String,
    /// The branch with the bump.
    pub head: String,
    /// The title: the commit message's first line.
    pub title: String,
    /// The body: each change and the trailers.
    pub body: String,
    /// Labels to set.
    pub labels: Vec<String>,
    /// Reviewers to ask (`user`, or `org/team`).
    pub reviewers: Vec<String>,
    /// Open as a draft.
    pub draft: bool,
    /// Merge when the branch's checks pass.
    pub auto_merge: bool,
}

/// An open request, as listed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Listed {
    /// Its number.
    pub number: u64,
    /// Its head branch.
    pub head: String,
    /// Its description.
    pub body: String,
}

/// The request that stands for the bump.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Opened {
    /// Its number.
    pub number: u64,
    /// Its web address.
    pub url: String,
    /// Whether it was already open (the same head).
    pub existed: bool,
    /// Older requests closed in its favour.
    pub closed: Vec<u64>,
}

/// A forge that could not do what was asked: what, and what to do.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct ForgeError {
    /// The message; never holds a token.
    pub message: String,
    /// A rate limit that asked for a wait past the run's deadline: a temporary failure (the
    /// forge answered, and did nothing), never a refusal.
    pub limited: bool,
}

impl ForgeError {
    /// A failure with `message`.
    pub(crate) fn new(message: impl Into<String>) -> ForgeError {
        ForgeError {
            message: message.into(),
            limited: false,
        }
    }
}

impl std::fmt::Display for ForgeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

/// The host and `owner/repo` of a remote URL (see [`RemoteUrl::owner_repo`]).
pub(crate) fn host_and_repo(url: &str) -> Option<(String, String)> {
    crate::url::RemoteUrl::parse(url).owner_repo()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remotes_name_their_repository() {
        for (url, want) in [
            (
                "https://github.com/xeno/isA_Cloud.git",
                Some(("github.com", "xeno/isA_Cloud")),
            ),
            (
                "https://x-access-token:t@github.com/xeno/isA_Cloud",
                Some(("github.com", "xeno/isA_Cloud")),
            ),
            (
                "git@github.example.com:team/gitops.git",
                Some(("github.example.com", "team/gitops")),
            ),
            (
                "ssh://git@ghe.corp:2222/team/gitops.git",
                Some(("ghe.corp:2222", "team/gitops")),
            ),
            (
                "git://127.0.0.1:9418/octocat/Hello-World.git",
                Some(("127.0.0.1:9418", "octocat/Hello-World")),
            ),
            ("https://github.com/onlyone", None),
            ("https://github.com/a/../b", None),
        ] {
            let got = host_and_repo(url);
            assert_eq!(
                got.as_ref().map(|(h, r)| (h.as_str(), r.as_str())),
                want,
                "{url}"
            );
        }
    }
}
