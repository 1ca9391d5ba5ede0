//! Commits made by GitHub: GraphQL's `createCommitOnBranch`, which GitHub signs itself
//! ("Verified"), and a branch created from a commit through REST (`POST …/git/refs`).
//!
//! `expectedHeadOid` is a compare-and-swap on the branch: when the branch no longer points
//! there, GitHub answers with an error of type `STALE_DATA`, worded `Expected branch to point to
//! "<oid>" but it did not. Pull and try again.` (as peers and their trackers quote it). That is
//! [`Made::Moved`]; every other error is a failure with GitHub's words.

use serde_json::json;

use super::github::GitHub;
use super::ForgeError;
use crate::http::{said, Obj, Text};

/// The one GraphQL document a commit sends.
pub(crate) const CREATE_COMMIT: &str = "mutation ($input: CreateCommitOnBranchInput!) { createCommitOnBranch(input: $input) { commit { oid url } } }";

/// One commit for GitHub to make.
#[derive(Debug, Clone)]
pub(crate) struct NewCommit<'a> {
    /// The branch to commit onto.
    pub branch: &'a str,
    /// The commit the branch must point to now (the compare-and-swap).
    pub expected_head: &'a str,
    /// The message's first line.
    pub headline: &'a str,
    /// The rest of the message (trailers included).
    pub body: &'a str,
    /// Each file's path and new bytes.
    pub files: &'a [(&'a str, &'a [u8])],
}

/// What GitHub did with a commit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Made {
    /// GitHub made it: its id.
    Commit(String),
    /// The branch no longer points to the expected commit.
    Moved,
    /// GitHub refused it (a rule, a protected branch, a missing branch): its words.
    Refused(String),
}

/// What GitHub did with a new branch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Branched {
    /// Created.
    Created,
    /// A branch of that name exists already.
    Exists,
}

/// The `data` of a `createCommitOnBranch` answer: the commit's id; every other field ignored.
#[derive(serde::Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct Created {
    create_commit_on_branch: Obj<CommitOf>,
}

#[derive(serde::Deserialize, Default, Clone)]
#[serde(default)]
struct CommitOf {
    commit: Obj<Oid>,
}

#[derive(serde::Deserialize, Default, Clone)]
#[serde(default)]
struct Oid {
    oid: Text,
}

impl Created {
    /// The commit's id as sent; empty when the answer has none.
    fn oid(&self) -> String {
        let made = self.create_commit_on_branch.or_default();
        made.commit.or_default().oid.as_str().to_string()
    }
}

impl GitHub {
    /// Asks GitHub to make `c`.
    pub(crate) fn create_commit(&self, c: &NewCommit<'_>) -> Result<Made, ForgeError> {
        use base64::Engine;
        let additions: Vec<serde_json::Value> = c
            .files
            .iter()
            .map(|(path, bytes)| {
                json!({"path": path, "contents": base64::engine::general_purpose::STANDARD.encode(bytes)})
            })
            .collect();
        let input = json!({
            "branch": {"repositoryNameWithOwner": self.repo(), "branchName": c.branch},
            "message": {"headline": c.headline, "body": c.body},
            "expectedHeadOid": c.expected_head,
            "fileChanges": {"additions": additions},
        });
        match self.graphql(CREATE_COMMIT, json!({ "input": input }))? {
            Ok(data) => Some(crate::http::read::<Created>(&data).oid())
                .filter(|o| o.len() == 40 && o.bytes().all(|b| b.is_ascii_hexdigit()))
                .map(Made::Commit)
                .ok_or_else(|| {
                    ForgeError::new("GitHub's answer to createCommitOnBranch has no commit id")
                }),
            Err(errors) if errors.iter().any(|(t, m)| is_stale(t, m)) => Ok(Made::Moved),
            Err(errors) => Ok(Made::Refused(
                errors
                    .iter()
                    .map(|(t, m)| {
                        if t.is_empty() {
                            m.clone()
                        } else {
                            format!("{m} ({t})")
                        }
                    })
                    .collect::<Vec<_>>()
                    .join("; "),
            )),
        }
    }

    /// Creates the branch `name` at `sha`; never moves one that exists.
    pub(crate) fn create_branch(&self, name: &str, sha: &str) -> Result<Branched, ForgeError> {
        let (status, answer) = self.call(
            "POST",
            &format!("/repos/{}/git/refs", self.repo()),
            Some(&json!({"ref": format!("refs/heads/{name}"), "sha": sha})),
        )?;
        match status {
            201 => Ok(Branched::Created),
            422 if answer.to_string().contains("already exists") => Ok(Branched::Exists),
            s => Err(ForgeError::new(format!(
                "GitHub did not create the branch {name} (HTTP {s}: {})",
                said(&answer)
            ))),
        }
    }
}

/// Whether an error says the branch moved: its type, or GitHub's wording.
fn is_stale(kind: &str, message: &str) -> bool {
    kind == "STALE_DATA"
        || (message.starts_with("Expected branch to point to")
            && message.contains("but it did not"))
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_moved_branch_is_told_from_other_errors() {
        assert!(super::is_stale("STALE_DATA", ""));
        assert!(super::is_stale(
            "",
            "Expected branch to point to \"0123\" but it did not. Pull and try again."
        ));
        assert!(!super::is_stale(
            "NOT_FOUND",
            "Could not resolve to a Branch"
        ));
        assert!(!super::is_stale(
            "FORBIDDEN",
            "Expected branch to be writable"
        ));
    }
}
