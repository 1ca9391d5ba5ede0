//! Talking to the remote: the anonymous remote (nothing about it is written to config) and the
//! callbacks of one transfer (credentials, progress, keeping the pack's pages from piling up).

use git2::RemoteCallbacks;

use super::{credentials, git_err, tcp, tls, trim, Result, Workspace};

impl Workspace {
    /// The remote as an anonymous one: nothing about it (URL, credentials) is written to config.
    pub(super) fn anonymous_remote(&self) -> Result<git2::Remote<'_>> {
        self.anonymous_remote_at(self.url())
    }

    /// [`Workspace::anonymous_remote`] for `url` (the remote's own, or the local transport's
    /// `imgbump-local://` form of it, which is never TLS as the remote is not).
    pub(super) fn anonymous_remote_at(&self, url: &str) -> Result<git2::Remote<'_>> {
        tcp::register();
        if self.remote_url().is_some_and(|u| u.is_tls()) {
            tls::load_tls_roots();
        }
        self.repo.remote_anonymous(url).map_err(|e| {
            git_err(
                &format!("the remote URL {} is not usable (give https://, ssh://, git@host:path, git:// or file://)", self.url()),
                &e,
                &self.creds,
            )
        })
    }

    /// The callbacks for one transfer; a fetch that receives a pack passes a `trimmer` that
    /// keeps the pack from staying resident while it is indexed (see [`trim`]).
    pub(super) fn callbacks(
        &self,
        phase: &'static str,
        mut trimmer: Option<trim::PackTrimmer>,
    ) -> RemoteCallbacks<'_> {
        let mut cb = RemoteCallbacks::new();
        cb.credentials(credentials::callback(
            self.creds.clone(),
            self.repo.config().ok(),
        ));
        let progress = self.progress.as_ref();
        if progress.is_some() || trimmer.is_some() {
            cb.transfer_progress(move |s| {
                if let Some(t) = &mut trimmer {
                    t.tick(s.indexed_deltas());
                }
                if let Some(p) = progress {
                    p(
                        phase,
                        s.received_objects(),
                        s.total_objects(),
                        s.received_bytes(),
                    );
                }
                true
            });
        }
        if let Some(p) = progress {
            cb.push_transfer_progress(move |done, total, bytes| p(phase, done, total, bytes));
        }
        cb
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixture;

    #[test]
    fn the_remote_is_anonymous_and_nothing_of_it_is_written() {
        let ws = fixture::cloned(&[("m.yaml", "a\n")]).ws;
        let r = ws.anonymous_remote().unwrap();
        assert_eq!(r.name().ok().flatten(), None);
        drop(r);
        assert!(ws.repo.remotes().unwrap().is_empty());
        let cfg = std::fs::read_to_string(ws.repo.path().join("config")).unwrap_or_default();
        assert!(!cfg.contains("[remote"), "{cfg}");
    }
}
