//! Flags turned into one validated value, in one step: the pairs, and a bump's options, each
//! checked here so that the subcommands and the bump receive only what is valid.

use crate::bump::{self, HoldChange, Options, Order, Pair};
use crate::failure::{FailKind, Failure};
use crate::locate::Selection;
use crate::reference::ImageSpec;

use crate::hold::Hold;

use super::args::{
    AddArgs, CommitArgs, CommitViaArg, ForgeArg, HoldWho, PickArgs, RegistryArgs, RepoArgs,
};

/// Parses SERVICE=IMAGE pairs: each valid, no target named twice, and no bare repository name
/// (which means `:latest`) unless `allow_latest`.
pub(super) fn pairs(raw: &[String], allow_latest: bool) -> Result<Vec<Pair>, Failure> {
    let pairs: Vec<Pair> = raw.iter().map(|p| p.parse()).collect::<Result<_, _>>()?;
    for (i, p) in pairs.iter().enumerate() {
        if pairs[..i].iter().any(|q| q.service == p.service) {
            return Err(Failure::new(
                FailKind::Usage,
                format!("{} is named twice; give each service one image", p.service),
            ));
        }
        if let Some(ImageSpec::Full(r)) = &p.spec {
            if r.tag().is_none() && r.digest().is_none() && !allow_latest {
                let name = r.repository();
                return Err(Failure::new(
                    FailKind::Refused,
                    format!(
                        "{}={} has neither a tag nor a digest, so it means {name}:latest",
                        p.service, name
                    ),
                )
                .with_hint(format!(
                    "did you mean `{}=:{name}` (a tag for the current repository)? pass --allow-latest if you mean latest",
                    p.service
                )));
            }
        }
    }
    Ok(pairs)
}

/// A bump's options from the command line, checked, before the command has read what it
/// needs from the repository: the repository, where the images are, the commit and its
/// delivery, and (for `set` and `promote`) what an edit may add and what to ask the
/// registries. Made into the bump's [`Options`] once, with the command's [`Intent`]
/// ([`Checked::options`]; ripgrep's low and high arguments). `--no-push` against a URL would
/// make a commit in a clone that is deleted at exit (a `--cache-dir` keeps no objects of its
/// own commits either): refused here, instead of reporting a commit nobody can reach.
pub(super) fn bump_options(
    repo: &RepoArgs,
    pick: Pick<'_>,
    message: &str,
    commit: &CommitArgs,
    add: Option<&AddArgs>,
    registry: Option<&RegistryArgs>,
) -> Result<Checked, Failure> {
    if commit.no_push && crate::git::is_url(&repo.repo) {
        return Err(Failure::new(
            FailKind::Usage,
            "--no-push with a URL would commit into a clone that is deleted when imgbump ends",
        )
        .with_hint(
            "use --dry-run to see the change, or run in a checkout (-C PATH) to keep the commit there",
        ));
    }
    let mut opts = options(repo, pick, message, commit)?;
    if let Some(add) = add {
        opts.selection.edit = add.options();
    }
    if let Some(registry) = registry {
        opts.registry = registry.options(repo.timeout)?;
    }
    Ok(Checked {
        opts,
        push_branch_given: commit.push_branch.is_some(),
    })
}

/// Where a command's images are, as its command line says.
#[derive(Clone, Copy)]
pub(super) enum Pick<'a> {
    /// The pick flags (`--workload`, `--container`, `--key`, `--env`, …) of `set`, `rollback`,
    /// `hold`, `release` and `update`.
    Flags(&'a PickArgs),
    /// No pick flags but the environments the bump writes, with the flag that names them
    /// (promote's `--to`).
    Envs(&'static str, &'a [String]),
}

impl Pick<'_> {
    /// The selection these flags and `repo`'s `--manifest` make.
    fn selection(self, repo: &RepoArgs) -> Result<Selection, Failure> {
        match self {
            Pick::Flags(pick) => pick.selection(repo),
            Pick::Envs(flag, envs) => {
                super::args::check_envs(flag, envs)?;
                Ok(Selection {
                    manifests: repo.manifest.clone(),
                    envs: envs.to_vec(),
                    ..Selection::default()
                })
            }
        }
    }
}

/// The flags of a bump, checked: [`bump_options`]' value, waiting for the command's intent.
pub(super) struct Checked {
    opts: Options,
    /// Whether `--push-branch` was given (else an `--open-pr` branch is named by default).
    push_branch_given: bool,
}

/// What a command asks of its bump beyond the flags every bump shares, decided (from the
/// flags, and what the command read from the repository) before the options are made.
#[derive(Default)]
pub(super) struct Intent {
    /// The environments, where the command decides them (rollback: the target's; promote:
    /// `--to`); `None`: `--env` as given.
    pub(super) envs: Option<Vec<String>>,
    /// Compare-and-swap: `--expect-current`, or the image a rollback rolls back from.
    pub(super) expect_current: Option<String>,
    /// `--ignore-hold`.
    pub(super) ignore_hold: bool,
    /// The order key, where the command decides it (rollback: kept, or moved to the one given,
    /// and not checked).
    pub(super) order: Option<Order>,
    /// Trailers the command adds (rollback's record).
    pub(super) trailers: Vec<(String, String)>,
    /// A hold added or released with the change.
    pub(super) hold_change: Option<HoldChange>,
    /// `hold` and `release`: the word of their own `--open-pr` branch
    /// (`imgbump/hold/{service}`), not a bump's `…/{tag}`, so that it neither meets a bump's
    /// branch nor closes a bump's request as superseded.
    pub(super) own_branch: Option<&'static str>,
}

impl Checked {
    /// Where the images are, as the flags say: for what a command reads before its intent.
    pub(super) fn selection(&self) -> &Selection {
        &self.opts.selection
    }

    /// Where the images are in other environments than the bump's (promote reads `--from`'s
    /// image before it writes `--to`'s): the flags' selection with `envs`, which `flag` names.
    pub(super) fn selection_in(&self, flag: &str, envs: &[String]) -> Result<Selection, Failure> {
        super::args::check_envs(flag, envs)?;
        Ok(Selection {
            envs: envs.to_vec(),
            ..self.opts.selection.clone()
        })
    }

    /// `--author`, checked.
    pub(super) fn author(&self) -> Option<&(String, String)> {
        self.opts.commit.author.as_ref()
    }

    /// The bump's options, made once: the flags' with the command's `intent`.
    pub(super) fn options(self, intent: Intent) -> Options {
        let Checked {
            mut opts,
            push_branch_given,
        } = self;
        if let Some(envs) = intent.envs {
            opts.selection.envs = envs;
        }
        if let (Some(what), false, Some(_)) = (
            intent.own_branch,
            push_branch_given,
            &opts.delivery.push_branch,
        ) {
            opts.delivery.push_branch = Some(match opts.selection.envs.is_empty() {
                true => format!("imgbump/{what}/{{service}}"),
                false => format!("imgbump/{what}/{{service}}/{{env}}"),
            });
        }
        if intent.order.is_some() {
            opts.commit.order = intent.order;
        }
        opts.commit.trailers.extend(intent.trailers);
        Options {
            guards: bump::Guards {
                expect_current: intent.expect_current,
                ignore_hold: intent.ignore_hold,
                hold_change: intent.hold_change,
            },
            ..opts
        }
    }
}

/// The bump's options from the command line, but for what only some subcommands take.
fn options(
    repo: &RepoArgs,
    pick: Pick<'_>,
    message: &str,
    commit: &CommitArgs,
) -> Result<Options, Failure> {
    check_templates(repo, message)?;
    let selection = pick.selection(repo)?;
    let (open_pr, push_branch) = delivery(commit, &selection.envs)?;
    let commit_via = commit_via(commit)?;
    let sign = commit
        .sign
        .as_deref()
        .map(crate::sign::Signer::parse)
        .transpose()
        .map_err(|m| Failure::new(FailKind::Usage, m))?;
    Ok(Options {
        selection,
        commit: bump::Authoring {
            message: message.to_string(),
            trailers: commit
                .trailer
                .iter()
                .map(|t| parse_trailer(t))
                .collect::<Result<_, _>>()?,
            author: commit.author.as_deref().map(parse_author).transpose()?,
            fallback_author: super::github::active().then(|| {
                (
                    "github-actions[bot]".to_string(),
                    "41898282+github-actions[bot]@users.noreply.github.com".to_string(),
                )
            }),
            sign,
            order: commit.order_key.map(|key| Order { key, check: true }),
        },
        delivery: bump::Delivery {
            dry_run: commit.dry_run,
            no_push: commit.no_push,
            push_branch,
            push_options: commit.push_option.clone(),
            open_pr,
            commit_via,
            batch: !commit.no_batch,
        },
        limits: bump::Limits {
            retries: commit.retries,
            timeout: repo.timeout,
            connect_timeout: repo.connect_timeout,
        },
        guards: bump::Guards::default(),
        registry: Default::default(),
    })
}

/// `--message` and `--manifest`: templates with known placeholders, and manifest paths that
/// stay in the repository.
fn check_templates(repo: &RepoArgs, message: &str) -> Result<(), Failure> {
    if message.trim().is_empty() {
        return Err(Failure::new(FailKind::Usage, "--message is empty"));
    }
    let usage = |m: String| Failure::new(FailKind::Usage, m);
    crate::template::check(message, &bump::MESSAGE_PLACEHOLDERS)
        .map_err(|m| usage(format!("--message {m}")))?;
    for template in &repo.manifest {
        crate::template::check(template, &crate::service::PLACEHOLDERS)
            .map_err(|m| usage(format!("--manifest {m}")))?;
        crate::service::check_template_path(template)
            .map_err(|m| Failure::new(FailKind::Refused, m))?;
    }
    Ok(())
}

/// `--open-pr` and the branch it pushes (`--push-branch`, else one named for it), and the
/// `--push-option`s, checked.
fn delivery(
    commit: &CommitArgs,
    envs: &[String],
) -> Result<(Option<bump::OpenPr>, Option<String>), Failure> {
    let open_pr = commit.open_pr.map(|f| bump::OpenPr {
        forge: match f {
            ForgeArg::Github => bump::Forge::GitHub,
            ForgeArg::Gitlab => bump::Forge::GitLab,
        },
        labels: commit.pr_label.clone(),
        reviewers: commit.pr_reviewer.clone(),
        draft: commit.draft,
        auto_merge: commit.auto_merge,
    });
    let push_branch = match (&commit.push_branch, &open_pr) {
        (Some(t), _) => Some(t.clone()),
        (None, Some(_)) if envs.is_empty() => Some("imgbump/{service}/{tag}".to_string()),
        (None, Some(_)) => Some("imgbump/{service}/{env}/{tag}".to_string()),
        (None, None) => None,
    };
    if let Some(t) = &push_branch {
        crate::template::check(t, &bump::BRANCH_PLACEHOLDERS)
            .map_err(|m| Failure::new(FailKind::Usage, format!("--push-branch {m}")))?;
    }
    if push_branch.is_some() && commit.no_push {
        return Err(Failure::new(
            FailKind::Usage,
            "--push-branch and --open-pr push; they do not go with --no-push",
        ));
    }
    for o in &commit.push_option {
        if o.is_empty() || o.chars().any(char::is_control) {
            return Err(Failure::new(
                FailKind::Usage,
                "--push-option takes one line of text",
            ));
        }
    }
    Ok((open_pr, push_branch))
}

/// `--commit-via`, and what it does not go with.
fn commit_via(commit: &CommitArgs) -> Result<bump::CommitVia, Failure> {
    let via = match commit.commit_via {
        CommitViaArg::Push => bump::CommitVia::Push,
        CommitViaArg::Github => bump::CommitVia::GitHub,
    };
    if via == bump::CommitVia::GitHub {
        let clash = if commit.sign.is_some() {
            Some("--sign: GitHub signs the commits it makes")
        } else if commit.no_push {
            Some("--no-push: GitHub makes the commit on the remote or not at all")
        } else if commit.open_pr == Some(ForgeArg::Gitlab) {
            Some("--open-pr gitlab")
        } else {
            None
        };
        if let Some(why) = clash {
            return Err(Failure::new(
                FailKind::Usage,
                format!("--commit-via github does not go with {why}"),
            ));
        }
    }
    Ok(via)
}

/// A hold from `hold`'s or `rollback --hold`'s flags: the reason checked, `--until` read, and
/// who holds it (`--by`, else `$GITHUB_ACTOR` in GitHub Actions, else the commit's author as
/// `--author` or the repository's git config names it).
pub(super) fn hold_of(
    reason: &str,
    who: &HoldWho,
    author: Option<&(String, String)>,
    ws: &crate::git::Workspace,
) -> Result<Hold, Failure> {
    let now = crate::utc::now();
    let until = who
        .until
        .as_deref()
        .map(|u| crate::hold::parse_until(u, now))
        .transpose()
        .map_err(|m| Failure::new(FailKind::Usage, m))?;
    let actor = super::github::active()
        .then(|| std::env::var("GITHUB_ACTOR").ok())
        .flatten()
        .filter(|a| !a.trim().is_empty());
    let by = who
        .by
        .clone()
        .or(actor)
        .or_else(|| author.map(|(_, email)| email.clone()))
        // The commit's author as the commit is made: git config's, else imgbump's own.
        .unwrap_or_else(|| ws.default_author().1);
    Hold::new(reason, &by, now, until).map_err(|m| Failure::new(FailKind::Usage, m))
}

fn parse_author(s: &str) -> Result<(String, String), Failure> {
    let bad = || {
        Failure::new(
            FailKind::Usage,
            format!("--author must be \"NAME <EMAIL>\", got {:?}", s),
        )
    };
    let (name, rest) = s.split_once('<').ok_or_else(bad)?;
    let email = rest.strip_suffix('>').ok_or_else(bad)?;
    let name = name.trim();
    if name.is_empty()
        || email.is_empty()
        || email.contains(['<', '>', '\n'])
        || name.contains('\n')
    {
        return Err(bad());
    }
    Ok((name.to_string(), email.to_string()))
}

fn parse_trailer(s: &str) -> Result<(String, String), Failure> {
    let bad = || {
        Failure::new(
            FailKind::Usage,
            format!(
                "--trailer must be KEY=VALUE with KEY of letters, digits and `-`, got {}",
                crate::reference::shown(s)
            ),
        )
    };
    let (k, v) = s.split_once('=').ok_or_else(bad)?;
    if k.is_empty()
        || !k.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        || v.chars().any(char::is_control)
        || v.trim().is_empty()
    {
        return Err(bad());
    }
    Ok((k.to_string(), v.trim().to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn authors_and_trailers_are_checked() {
        assert_eq!(
            parse_author("Release Bot <bot@example.com>").unwrap(),
            ("Release Bot".to_string(), "bot@example.com".to_string())
        );
        for bad in [
            "bot",
            "<bot@x>",
            "Bot <>",
            "Bot <a<b>",
            "Bot\nX <b@x>",
            "Bot <b@x",
        ] {
            assert_eq!(
                parse_author(bad).unwrap_err().kind,
                FailKind::Usage,
                "{bad:?}"
            );
        }
        assert_eq!(
            parse_trailer("Source-Commit= abc ").unwrap(),
            ("Source-Commit".to_string(), "abc".to_string())
        );
        for bad in ["nokey", "=v", "Bad Key=v", "K=", "K=a\nb", "K=a\rb"] {
            assert_eq!(
                parse_trailer(bad).unwrap_err().kind,
                FailKind::Usage,
                "{bad:?}"
            );
        }
    }
}
