//! Writing a commit without a checkout: blobs, the trees on their paths and the commit go
//! straight into the object database; no ref, index or work tree is touched.

use git2::{FileMode, ObjectType, Oid, Signature};

use super::{err, git_err, ErrorKind, FileChange, Result, Workspace};

/// Signs a commit's bytes: the armored signature, or why not.
pub(super) type SignFn<'a> = dyn Fn(&[u8]) -> std::result::Result<String, String> + 'a;

impl Workspace {
    /// Writes blobs, the trees on their paths and a commit on `parent`, without touching any
    /// ref, index or work tree.
    pub(crate) fn commit(
        &self,
        parent: Oid,
        changes: &[FileChange],
        message: &str,
        author: &Signature<'_>,
    ) -> Result<Oid> {
        self.commit_signed_by(parent, changes, message, author, None)
    }

    /// [`Workspace::commit`], signed by `sign` (which returns the armored signature of the
    /// commit's bytes, or why it cannot) when given: the commit is built as a buffer, signed,
    /// and written with the signature in its `gpgsig` header, as `git commit -S` writes it.
    pub(crate) fn commit_signed_by(
        &self,
        parent: Oid,
        changes: &[FileChange],
        message: &str,
        author: &Signature<'_>,
        sign: Option<&SignFn<'_>>,
    ) -> Result<Oid> {
        let e = |what: &str, x: git2::Error| git_err(what, &x, &self.creds);
        let parent = self
            .repo
            .find_commit(parent)
            .map_err(|x| e("cannot read the parent commit", x))?;
        let mut tree = parent
            .tree()
            .map_err(|x| e("cannot read the parent tree", x))?
            .id();
        for change in changes {
            let blob = self
                .repo
                .blob(&change.content)
                .map_err(|x| e("cannot write a blob", x))?;
            let parts: Vec<&str> = change.path.split('/').collect();
            tree = self.replace_in_tree(Some(tree), &parts, blob)?;
        }
        let tree = self
            .repo
            .find_tree(tree)
            .map_err(|x| e("cannot read the new tree", x))?;
        let Some(sign) = sign else {
            return self
                .repo
                .commit(None, author, author, message, &tree, &[&parent])
                .map_err(|x| e("cannot write the commit", x));
        };
        let buffer = self
            .repo
            .commit_create_buffer(author, author, message, &tree, &[&parent])
            .map_err(|x| e("cannot build the commit", x))?;
        let signature = sign(&buffer).map_err(|m| {
            err(
                ErrorKind::Refused,
                format!("{m}\nnothing was committed or pushed"),
            )
        })?;
        let content = std::str::from_utf8(&buffer)
            .map_err(|_| err(ErrorKind::Other, "the commit is not UTF-8"))?;
        self.repo
            .commit_signed(content, &signature, Some("gpgsig"))
            .map_err(|x| e("cannot write the signed commit", x))
    }

    /// A value of the repository's git config (its own, the user's, the system's).
    pub(crate) fn config_value(&self, key: &str) -> Option<String> {
        super::config::value(self.repo.config().ok().as_ref(), key)
    }

    fn replace_in_tree(&self, tree: Option<Oid>, parts: &[&str], blob: Oid) -> Result<Oid> {
        let e = |x: git2::Error| git_err("cannot write a tree", &x, &self.creds);
        let base = match tree {
            Some(t) => Some(self.repo.find_tree(t).map_err(e)?),
            None => None,
        };
        let mut builder = self.repo.treebuilder(base.as_ref()).map_err(e)?;
        let (name, rest) = match parts.split_first() {
            Some(x) => x,
            None => return Err(err(ErrorKind::Refused, "empty path")),
        };
        if rest.is_empty() {
            let mode = builder
                .get(name)
                .map_err(e)?
                .map(|entry| entry.filemode())
                .filter(|m| *m == i32::from(FileMode::BlobExecutable))
                .unwrap_or(i32::from(FileMode::Blob));
            builder.insert(name, blob, mode).map_err(e)?;
        } else {
            let sub = builder
                .get(name)
                .map_err(e)?
                .filter(|x| x.kind() == Some(ObjectType::Tree))
                .map(|x| x.id());
            let sub = self.replace_in_tree(sub, rest, blob)?;
            builder
                .insert(name, sub, i32::from(FileMode::Tree))
                .map_err(e)?;
        }
        builder.write().map_err(e)
    }

    /// The author to use: the repository's `user.name`/`user.email`, else imgbump's own.
    pub(crate) fn default_author(&self) -> (String, String) {
        self.configured_author()
            .unwrap_or_else(|| ("imgbump".into(), "imgbump@localhost".into()))
    }

    /// The author git config names (`user.name`, `user.email`), if it names one.
    pub(crate) fn configured_author(&self) -> Option<(String, String)> {
        let name = self.config_value("user.name")?;
        let email = self.config_value("user.email")?;
        (!name.is_empty() && !email.is_empty()).then_some((name, email))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use std::path::Path;

    use super::super::fixture;

    #[test]
    fn a_commit_changes_only_the_named_file_and_moves_nothing() {
        let (dir, repo, base) = fixture::checkout(&[
            ("a/b/one.yaml", "one\n"),
            ("a/two.yaml", "two\n"),
            ("top.txt", "top\n"),
        ]);
        let ws = Workspace::open(dir.path(), None).unwrap();
        let sig = Signature::now("T", "t@localhost").unwrap();
        let change = FileChange {
            path: "a/b/one.yaml".into(),
            content: b"ONE\n".to_vec(),
        };
        let c = ws.commit(base, &[change], "bump\n", &sig).unwrap();
        let commit = repo.find_commit(c).unwrap();
        assert_eq!(commit.parent_ids().collect::<Vec<_>>(), [base]);
        assert_eq!(commit.message().ok(), Some("bump\n"));
        let (old, new) = (
            repo.find_commit(base).unwrap().tree().unwrap(),
            commit.tree().unwrap(),
        );
        let id = |t: &git2::Tree<'_>, p: &str| t.get_path(Path::new(p)).unwrap().id();
        let text = repo.find_blob(id(&new, "a/b/one.yaml")).unwrap();
        assert_eq!(text.content(), b"ONE\n");
        for same in ["a/two.yaml", "top.txt"] {
            assert_eq!(id(&old, same), id(&new, same), "{same}");
        }
        // Objects only: the branch, the index and the work tree are as they were.
        assert_eq!(repo.head().unwrap().target(), Some(base));
        assert_eq!(
            std::fs::read_to_string(dir.path().join("a/b/one.yaml")).unwrap(),
            "one\n"
        );
        assert!(repo.statuses(None).unwrap().is_empty());
    }

    #[cfg(unix)]
    #[test]
    fn an_executable_file_stays_executable() {
        use std::os::unix::fs::PermissionsExt;
        let (dir, repo, _) = fixture::checkout(&[("x.yaml", "a\n")]);
        let path = dir.path().join("x.yaml");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
        let head = repo.head().unwrap().target().unwrap();
        let base = fixture::commit_files(&repo, &[("x.yaml", "a2\n")], &[head]);
        let sig = Signature::now("T", "t@localhost").unwrap();
        let ws = Workspace::open(dir.path(), None).unwrap();
        let change = FileChange {
            path: "x.yaml".into(),
            content: b"b\n".to_vec(),
        };
        let c = ws.commit(base, &[change], "m\n", &sig).unwrap();
        let entry = repo
            .find_commit(c)
            .unwrap()
            .tree()
            .unwrap()
            .get_path(Path::new("x.yaml"))
            .unwrap();
        assert_eq!(entry.filemode(), i32::from(FileMode::BlobExecutable));
    }

    #[test]
    fn the_author_comes_from_the_repository_config() {
        let (dir, repo, _) = fixture::checkout(&[("x.yaml", "a\n")]);
        let mut cfg = repo.config().unwrap();
        cfg.set_str("user.name", "Release Bot").unwrap();
        cfg.set_str("user.email", "bot@example.com").unwrap();
        let ws = Workspace::open(dir.path(), None).unwrap();
        assert_eq!(
            ws.default_author(),
            ("Release Bot".to_string(), "bot@example.com".to_string())
        );
    }
}
