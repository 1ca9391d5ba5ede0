//! The clap definition of how a commit is made and delivered, what an edit may add, what to
//! ask a registry, and what a hold says: flag groups the subcommands share. Part of the one clap
//! definition (`args.rs`); imports nothing from it.

use clap::{Args, ValueEnum};

/// What to ask the new image's registry before writing it.
#[derive(Debug, Args, Clone, Default)]
pub struct RegistryArgs {
    /// Check that the new image exists in its registry first.
    ///
    /// Check that the new image exists in its registry before anything is written (a missing
    /// tag or digest is refused, exit 4). Credentials as Docker finds them (~/.docker/config.json,
    /// $DOCKER_CONFIG, credential helpers) or IMGBUMP_REGISTRY_TOKEN.
    #[arg(help_heading = "Checks", long, env = "IMGBUMP_VERIFY_IMAGE", value_parser = clap::builder::FalseyValueParser::new())]
    pub verify_image: bool,
    /// Write the image with the digest its registry reports (implies --verify-image).
    ///
    /// Write the new image with the digest its registry reports for the tag (`repo:tag@sha256:…`;
    /// for a multi-platform image, the index's). Implies --verify-image.
    #[arg(hide_short_help = true, help_heading = "Checks", long, env = "IMGBUMP_PIN_DIGEST", value_parser = clap::builder::FalseyValueParser::new())]
    pub pin_digest: bool,
    /// A registry host (`host` or `host:port`) that may be asked over plain HTTP (repeatable);
    /// registries on this machine always may.
    #[arg(
        help_heading = "Checks",
        hide_short_help = true,
        long,
        value_name = "HOST"
    )]
    pub insecure_registry: Vec<String>,
    #[command(flatten)]
    pub signature: SignatureArgs,
}

/// Who must have signed the new image (cosign's flag names for the identity).
#[derive(Debug, Args, Clone, Default)]
pub struct SignatureArgs {
    /// Only a cosign-signed image: key:FILE or keyless (--help: the identity flags).
    ///
    /// Require a cosign signature of the new image before anything is written: `key:FILE` (a PEM
    /// public key: ECDSA P-256/P-384, Ed25519, RSA) or `keyless` (a Sigstore certificate, with
    /// --certificate-identity[-regexp] and --certificate-oidc-issuer[-regexp]). Signatures are
    /// read as cosign v2 (`sha256-<hex>.sig`) and v3 (sigstore bundles, OCI referrers) store
    /// them; any one valid suffices. The verified digest is what is written (implies
    /// --pin-digest). No valid signature: exit 4, nothing committed.
    #[arg(
        help_heading = "Checks",
        long,
        env = "IMGBUMP_VERIFY_SIGNATURE",
        value_name = "MODE"
    )]
    pub verify_signature: Option<String>,
    /// Keyless: the signer's identity, exactly (the certificate's SAN: a workflow URI such as
    /// `https://github.com/OWNER/REPO/.github/workflows/ci.yaml@refs/heads/main`, or an email).
    #[arg(
        hide_short_help = true,
        help_heading = "Checks",
        long,
        value_name = "IDENTITY",
        conflicts_with = "certificate_identity_regexp"
    )]
    pub certificate_identity: Option<String>,
    /// Keyless: a regular expression the signer's identity must match (found anywhere, as
    /// cosign matches it: anchor it with ^...$).
    #[arg(
        hide_short_help = true,
        help_heading = "Checks",
        long,
        value_name = "REGEXP"
    )]
    pub certificate_identity_regexp: Option<String>,
    /// Keyless: the OIDC issuer that vouched for the signer, exactly
    /// (`https://token.actions.githubusercontent.com` for GitHub Actions).
    #[arg(
        hide_short_help = true,
        help_heading = "Checks",
        long,
        value_name = "URL",
        conflicts_with = "certificate_oidc_issuer_regexp"
    )]
    pub certificate_oidc_issuer: Option<String>,
    /// Keyless: a regular expression the OIDC issuer must match.
    #[arg(
        hide_short_help = true,
        help_heading = "Checks",
        long,
        value_name = "REGEXP"
    )]
    pub certificate_oidc_issuer_regexp: Option<String>,
    /// Keyless: the GitHub workflow's repository the certificate must name (`OWNER/REPO`).
    #[arg(
        hide_short_help = true,
        help_heading = "Checks",
        long,
        value_name = "OWNER/REPO"
    )]
    pub certificate_github_workflow_repository: Option<String>,
    /// Keyless: the GitHub workflow's ref the certificate must name (`refs/heads/main`).
    #[arg(
        hide_short_help = true,
        help_heading = "Checks",
        long,
        value_name = "REF"
    )]
    pub certificate_github_workflow_ref: Option<String>,
    /// A sigstore `trusted_root.json` to verify against instead of the public-good instance's
    /// (shipped with imgbump).
    #[arg(
        hide_short_help = true,
        help_heading = "Checks",
        long,
        value_name = "FILE"
    )]
    pub trusted_root: Option<std::path::PathBuf>,
}

impl SignatureArgs {
    /// The signature required, checked as far as the command line can be: the key read, the
    /// identity complete, the expressions and the trusted root readable.
    pub(crate) fn check(
        &self,
    ) -> Result<Option<crate::bump::SignatureCheck>, crate::failure::Failure> {
        let usage = |m: String| crate::failure::Failure::new(crate::failure::FailKind::Usage, m);
        let spec = crate::config::SignatureSpec {
            verify_signature: self.verify_signature.clone().unwrap_or_default(),
            certificate_identity: self.certificate_identity.clone(),
            certificate_identity_regexp: self.certificate_identity_regexp.clone(),
            certificate_oidc_issuer: self.certificate_oidc_issuer.clone(),
            certificate_oidc_issuer_regexp: self.certificate_oidc_issuer_regexp.clone(),
            certificate_github_workflow_repository: self
                .certificate_github_workflow_repository
                .clone(),
            certificate_github_workflow_ref: self.certificate_github_workflow_ref.clone(),
            trusted_root: self.trusted_root.as_ref().map(|p| p.display().to_string()),
            line: 0,
        };
        if self.verify_signature.is_none() {
            let given = [
                (
                    "--certificate-identity",
                    spec.certificate_identity.is_some(),
                ),
                (
                    "--certificate-identity-regexp",
                    spec.certificate_identity_regexp.is_some(),
                ),
                (
                    "--certificate-oidc-issuer",
                    spec.certificate_oidc_issuer.is_some(),
                ),
                (
                    "--certificate-oidc-issuer-regexp",
                    spec.certificate_oidc_issuer_regexp.is_some(),
                ),
                (
                    "--certificate-github-workflow-repository",
                    spec.certificate_github_workflow_repository.is_some(),
                ),
                (
                    "--certificate-github-workflow-ref",
                    spec.certificate_github_workflow_ref.is_some(),
                ),
                ("--trusted-root", spec.trusted_root.is_some()),
            ];
            return match given.iter().find(|(_, on)| *on) {
                Some((flag, _)) => Err(usage(format!(
                    "{flag} needs --verify-signature keyless (or key:FILE)"
                ))),
                None => Ok(None),
            };
        }
        let read = |p: &str| std::fs::read(p).map_err(|e| format!("cannot read it: {e}"));
        crate::bump::signature_check(&spec, &read, "--")
            .map(Some)
            .map_err(usage)
    }
}

impl RegistryArgs {
    pub(crate) fn options(
        &self,
        timeout: std::time::Duration,
    ) -> Result<crate::bump::RegistryOptions, crate::failure::Failure> {
        Ok(crate::bump::RegistryOptions {
            verify: self.verify_image || self.pin_digest,
            pin: self.pin_digest,
            offline: false,
            settings: crate::registry::Settings {
                insecure: self.insecure_registry.clone(),
                token: std::env::var("IMGBUMP_REGISTRY_TOKEN")
                    .ok()
                    .filter(|t| !t.trim().is_empty())
                    .map(|t| t.trim().to_string()),
                timeout: timeout.min(std::time::Duration::from_secs(60)),
            },
            signature: self.signature.check()?,
        })
    }
}

/// What an edit may add or remove beyond rewriting values in place.
#[derive(Debug, Args, Clone, Default)]
pub struct AddArgs {
    /// Add a missing kustomize `images:` entry or Helm values key.
    ///
    /// Add a missing kustomize `images:` entry or Helm values key (copying the siblings'
    /// indentation and style); without it the edit is refused, showing the lines it would add.
    #[arg(help_heading = "What to change", hide_short_help = true, long)]
    pub create: bool,
    /// Remove a kustomize `digest` (empty a Helm one) that would win over the new tag.
    ///
    /// Remove a kustomize entry's `digest` (or empty a Helm `digest`) that would win over the
    /// new tag; without it such an edit is refused.
    #[arg(help_heading = "What to change", hide_short_help = true, long)]
    pub drop_digest: bool,
}

impl AddArgs {
    pub(crate) fn options(&self) -> crate::manifest::SetOptions {
        crate::manifest::SetOptions {
            create: self.create,
            drop_digest: self.drop_digest,
        }
    }
}

/// What `set`, `promote` and `rollback` do about a held target.
#[derive(Debug, Args, Clone, Default)]
pub struct HoldFlags {
    /// Set the image of a held target anyway (the hold line stays).
    ///
    /// Set the image of a held target anyway (a person overriding their own freeze): the
    /// hold line stays, and an `Imgbump-Hold-Ignored` trailer records it.
    #[arg(help_heading = "Checks", long)]
    pub ignore_hold: bool,
    /// Make a held target exit 4 instead of a success that leaves it alone.
    ///
    /// Make a held target an error (exit 4, after the other services landed) instead of a
    /// success that leaves it alone.
    #[arg(hide_short_help = true, help_heading = "Checks", long)]
    pub fail_on_held: bool,
}

/// Who holds, and until when.
#[derive(Debug, Args, Clone, Default)]
pub struct HoldWho {
    /// When the hold ends by itself: 2026-12-05T18:00:00Z, a date (its 00:00 UTC), or a
    /// duration from now (90m, 4h, 2d, 1w). Default: until released.
    #[arg(help_heading = "Hold", long, value_name = "TIME")]
    pub until: Option<String>,
    /// Who holds it (default: $GITHUB_ACTOR in GitHub Actions, else the commit author's email).
    #[arg(help_heading = "Hold", long, value_name = "WHO")]
    pub by: Option<String>,
}

/// How the commit is made and pushed (`set` and `rollback`).
#[derive(Debug, Args, Clone)]
pub struct CommitArgs {
    /// A `KEY=VALUE` trailer to add to the commit message (repeatable).
    #[arg(
        help_heading = "How to commit",
        hide_short_help = true,
        long,
        value_name = "KEY=VALUE"
    )]
    pub trailer: Vec<String>,
    /// The commit author, "NAME <EMAIL>" (default: git config user, else imgbump <imgbump@localhost>).
    #[arg(
        help_heading = "How to commit",
        hide_short_help = true,
        long,
        env = "IMGBUMP_AUTHOR",
        value_name = "NAME <EMAIL>"
    )]
    pub author: Option<String>,
    /// Print the diff; write, commit and push nothing.
    #[arg(help_heading = "How to commit", long)]
    pub dry_run: bool,
    /// Commit, but do not push.
    #[arg(help_heading = "How to commit", long)]
    pub no_push: bool,
    /// At most this many further push attempts after the branch moved (default: as many as
    /// --timeout allows).
    #[arg(
        help_heading = "How to deliver",
        hide_short_help = true,
        long,
        value_name = "N"
    )]
    pub retries: Option<u32>,
    /// A number the producer makes grow (CI run number); an older one is superseded.
    ///
    /// A number the producer makes grow (a CI run number, the source commit's time), recorded
    /// in an `Imgbump-Order: SERVICE=N` trailer. A key not greater than the one recorded for
    /// the service means an older build: nothing is changed, and the outcome is "superseded".
    #[arg(
        hide_short_help = true,
        help_heading = "How to commit",
        long,
        env = "IMGBUMP_ORDER_KEY",
        value_name = "N"
    )]
    pub order_key: Option<u64>,
    /// Push to a new branch named by this template instead ({service} {tag} {env}).
    ///
    /// Push to a new branch named by this template instead of the branch ({service} {tag}
    /// {env}; e.g. imgbump/{service}/{tag}), cut from the branch's tip, never forced: one that
    /// already has the same change is success, one with other content is refused.
    #[arg(
        hide_short_help = true,
        help_heading = "How to deliver",
        long,
        env = "IMGBUMP_PUSH_BRANCH",
        value_name = "TEMPLATE"
    )]
    pub push_branch: Option<String>,
    /// A push option (`git push -o`), repeatable.
    #[arg(
        help_heading = "How to deliver",
        hide_short_help = true,
        long,
        value_name = "OPTION"
    )]
    pub push_option: Vec<String>,
    /// Open a pull request (github) or merge request (gitlab) for the pushed branch.
    ///
    /// Open a pull request (github: REST API, with the push's token) or a merge request
    /// (gitlab: push options) for the pushed branch (default --push-branch
    /// imgbump/{service}/{tag}); older imgbump pull requests of the service are closed.
    #[arg(
        help_heading = "How to deliver",
        long,
        value_enum,
        value_name = "FORGE"
    )]
    pub open_pr: Option<ForgeArg>,
    /// A label for the pull request (repeatable).
    #[arg(
        help_heading = "How to deliver",
        hide_short_help = true,
        long,
        value_name = "LABEL",
        requires = "open_pr"
    )]
    pub pr_label: Vec<String>,
    /// A reviewer for the pull request, USER or ORG/TEAM (repeatable; GitHub).
    #[arg(
        help_heading = "How to deliver",
        hide_short_help = true,
        long,
        value_name = "WHO",
        requires = "open_pr"
    )]
    pub pr_reviewer: Vec<String>,
    /// Open the pull request as a draft.
    #[arg(
        help_heading = "How to deliver",
        hide_short_help = true,
        long,
        requires = "open_pr"
    )]
    pub draft: bool,
    /// Merge the pull request when its checks pass.
    ///
    /// Merge the pull request when its checks pass (GitHub's auto-merge; GitLab's merge when
    /// the pipeline succeeds).
    #[arg(
        help_heading = "How to deliver",
        hide_short_help = true,
        long,
        requires = "open_pr"
    )]
    pub auto_merge: bool,
    /// Who makes the commit: push (imgbump) or github (GitHub's API, signed).
    ///
    /// Who makes the commit on the remote: push (imgbump commits and pushes; --sign signs it) or
    /// github (GitHub's API makes the commit from the same files, with expectedHeadOid as a
    /// compare-and-swap, and signs it itself: "Verified" without a key). With github the author
    /// is whoever the token is (a GitHub App, or the user whose token it is); the token needs
    /// contents: write.
    #[arg(help_heading = "How to commit", hide_short_help = true, long, env = "IMGBUMP_COMMIT_VIA", value_enum, default_value_t = CommitViaArg::Push, value_name = "HOW")]
    pub commit_via: CommitViaArg,
    /// Sign the commit: ssh:KEYFILE, ssh-agent or gpg:KEYID.
    ///
    /// Sign the commit: ssh:KEYFILE, ssh-agent, or gpg:KEYID (default in a checkout: as git
    /// config's commit.gpgsign, gpg.format and user.signingkey say).
    #[arg(long, env = "IMGBUMP_SIGN", value_name = "SIGNER")]
    #[arg(help_heading = "How to commit")]
    pub sign: Option<String>,
    /// Race for the branch alone: do not publish a request for a batch.
    ///
    /// Race for the branch alone, as imgbump did before batches: do not publish a request for a
    /// batch. By default a run that meets other runs at the branch (its push lost a race, or
    /// requests are waiting) publishes its change as a request
    /// (refs/imgbump/requests/BRANCH/ID), and whichever run takes the tip lands every pending
    /// change in one commit, with an Imgbump-Request trailer for each.
    #[arg(
        help_heading = "How to commit",
        hide_short_help = true,
        long,
        env = "IMGBUMP_NO_BATCH",
        value_parser = clap::builder::FalseyValueParser::new()
    )]
    pub no_batch: bool,
}

/// `--commit-via`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CommitViaArg {
    /// imgbump commits and pushes.
    Push,
    /// GitHub's API makes the commit (and signs it).
    Github,
}

/// `--open-pr`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ForgeArg {
    /// GitHub (or GitHub Enterprise): the REST API.
    Github,
    /// GitLab: push options.
    Gitlab,
}
