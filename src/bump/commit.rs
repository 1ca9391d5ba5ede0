//! The commit stage: who the author is, whether and how the commit is signed, the message with
//! its trailers, and the commit object made on the tip (no checkout needed).

use git2::{Oid, Signature};

use crate::failure::{FailKind, Failure};
use crate::git::{FileChange, Workspace};
use crate::sign::Signer;

use super::message::commit_message;
use super::order;
use super::plan::Plan;
use super::{HoldEffect, Options};

/// Who commits and how: known once per run, before anything is made.
pub(super) struct Committer {
    pub(super) author: Signature<'static>,
    pub(super) signer: Option<Signer>,
    /// The author is imgbump's own (no identity anywhere) and the user has not been told.
    untold: std::cell::Cell<bool>,
}

impl Committer {
    /// The author (`--author`, else the repository's `user.*`, else the fallback (in GitHub
    /// Actions the bot account), else imgbump's own) and the signer (`--sign`, else the
    /// checkout's git config).
    pub(super) fn of(ws: &Workspace, opts: &Options) -> Result<Committer, Failure> {
        let (name, email) = opts
            .commit
            .author
            .clone()
            .or_else(|| ws.configured_author())
            .or_else(|| opts.commit.fallback_author.clone())
            .unwrap_or_else(|| ws.default_author());
        // Without an identity of any kind the commit is imgbump's own: said once, when the
        // first commit is made (-q silences it).
        let unnamed = opts.commit.author.is_none()
            && opts.commit.fallback_author.is_none()
            && ws.configured_author().is_none();
        let untold = std::cell::Cell::new(unnamed);
        let author = Signature::now(&name, &email).map_err(|e| {
            Failure::new(
                FailKind::Usage,
                format!("invalid --author: {}", e.message()),
            )
        })?;
        let signer = match &opts.commit.sign {
            Some(s) => Some(s.clone()),
            None if ws.is_open() => Signer::from_git_config(&|k| ws.config_value(k))
                .map_err(|m| Failure::new(FailKind::Usage, m))?,
            None => None,
        };
        Ok(Committer {
            author,
            signer,
            untold,
        })
    }

    /// The commit of `files` on `tip`, with `message`. When the checkout's own commit `ahead` is exactly this
    /// change on `tip` (an earlier `--no-push`), that one, so that the checkout and the remote
    /// agree.
    pub(super) fn commit(
        &self,
        ws: &Workspace,
        tip: Oid,
        files: &[FileChange],
        message: &str,
        ahead: Option<Oid>,
    ) -> Result<Oid, Failure> {
        if self.untold.replace(false) {
            ws.notice(&format!(
                "no git identity (user.name, user.email): the commit is made as {} <{}>; set them, or pass --author \"NAME <EMAIL>\"",
                String::from_utf8_lossy(self.author.name_bytes()),
                String::from_utf8_lossy(self.author.email_bytes())
            ));
        }
        let sign = self.signer.as_ref().map(|s| move |buf: &[u8]| s.sign(buf));
        let commit = match &sign {
            Some(f) => ws.commit_signed_by(tip, files, message, &self.author, Some(f))?,
            None => ws.commit(tip, files, message, &self.author)?,
        };
        if let Some(local) = ahead {
            if ws.tree_and_parent(local)? == (ws.tree_and_parent(commit)?.0, Some(tip)) {
                return Ok(local);
            }
        }
        Ok(commit)
    }
}

/// The commit message of `plan`: the template, the trailers and the order key.
pub(super) fn message_of(plan: &Plan, opts: &Options) -> String {
    let mut trailers = opts.commit.trailers.clone();
    if let Some(o) = opts.commit.order {
        trailers.extend(order::trailers(&plan.changes, o.key));
    }
    for c in &plan.changes {
        let key = match c.hold_effect {
            HoldEffect::Added => crate::trailers::HOLD,
            HoldEffect::Released => crate::trailers::RELEASE,
            HoldEffect::Ignored => crate::trailers::HOLD_IGNORED,
            _ => continue,
        };
        let t = (key.to_string(), c.service.clone());
        if !trailers.contains(&t) {
            trailers.push(t);
        }
    }
    commit_message(&opts.commit.message, &plan.changes, &trailers)
}
