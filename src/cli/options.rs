//! Flags turned into one validated value, in one step: the pairs, and a bump's options, each
//! checked here so that the subcommands and the bump receive only what is valid.

use crate::bump::{self, Options, Order, Pair};
use crate::failure::{FailKind, Failure};
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
                        "{}={} has neither a tag nor a digest, so it means {name}:latest\ndid you mean `{}=:{name}` (a tag for the current repository)? pass --allow-latest if you mean latest",
                        p.service, name, p.service
                    ),
                ));
            }
        }
    }
    Ok(pairs)
}

/// A bump's options from the command line: the repository, where the images are, the commit
/// and its delivery, and (for `set` and `promote`) what an edit may add and what to ask the
/// registries. `--no-push` against a URL would make a commit in a clone that is deleted at exit
/// (a `--cache-dir` keeps no objects of its own commits either): refused here, instead of
/// reporting a commit nobody can reach.
pub(super) fn bump_options(
    repo: &RepoArgs,
    pick: &PickArgs,
    message: &str,
    commit: &CommitArgs,
    add: Option<&AddArgs>,
    registry: Option<&RegistryArgs>,
) -> Result<Options, Failure> {
    if commit.no_push && crate::git::is_url(&repo.repo) {
        return Err(Failure::new(
            FailKind::Usage,
            "--no-push with a URL would commit into a clone that is deleted when imgbump ends\nuse --dry-run to see the change, or run in a checkout (-C PATH) to keep the commit there",
        ));
    }
    let mut opts = options(repo, pick, message, commit)?;
    if let Some(add) = add {
        opts.selection.edit = add.options();
    }
    if let Some(registry) = registry {
        opts.registry = registry.options(repo.timeout)?;
    }
    Ok(opts)
}

/// The bump's options from the command line, but for what only some subcommands take.
fn options(
    repo: &RepoArgs,
    pick: &PickArgs,
    message: &str,
    commit: &CommitArgs,
) -> Result<Options, Failure> {
    if message.trim().is_empty() {
        return Err(Failure::new(FailKind::Usage, "--message is empty"));
    }
    let usage = |m: String| Failure::new(FailKind::Usage, m);
    crate::template::check(message, &bump::MESSAGE_PLACEHOLDERS)
        .map_err(|m| usage(format!("--message {m}")))?;
    for template in &repo.manifest {
        crate::template::check(template, &crate::service::PLACEHOLDERS)
            .map_err(|m| usage(format!("--manifest {m}")))?;
        crate::service::manifest_path(template, "s")
            .and_then(|p| crate::service::in_env(&p, "e"))
            .and_then(|p| crate::git::check_relative_path(&p))
            .map_err(|m| Failure::new(FailKind::Refused, m))?;
    }
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
        (None, Some(_)) if pick.env.is_empty() => Some("imgbump/{service}/{tag}".to_string()),
        (None, Some(_)) => Some("imgbump/{service}/{env}/{tag}".to_string()),
        (None, None) => None,
    };
    if let Some(t) = &push_branch {
        crate::template::check(t, &bump::BRANCH_PLACEHOLDERS)
            .map_err(|m| usage(format!("--push-branch {m}")))?;
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
    let commit_via = match commit.commit_via {
        CommitViaArg::Push => bump::CommitVia::Push,
        CommitViaArg::Github => bump::CommitVia::GitHub,
    };
    if commit_via == bump::CommitVia::GitHub {
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
            return Err(usage(format!("--commit-via github does not go with {why}")));
        }
    }
    let sign = commit
        .sign
        .as_deref()
        .map(crate::sign::Signer::parse)
        .transpose()
        .map_err(|m| Failure::new(FailKind::Usage, m))?;
    Ok(Options {
        push_branch,
        push_options: commit.push_option.clone(),
        open_pr,
        sign,
        selection: pick.selection(repo)?,
        message: message.to_string(),
        trailers: commit
            .trailer
            .iter()
            .map(|t| parse_trailer(t))
            .collect::<Result<_, _>>()?,
        registry: Default::default(),
        author: commit.author.as_deref().map(parse_author).transpose()?,
        fallback_author: super::github::active().then(|| {
            (
                "github-actions[bot]".to_string(),
                "41898282+github-actions[bot]@users.noreply.github.com".to_string(),
            )
        }),
        dry_run: commit.dry_run,
        no_push: commit.no_push,
        retries: commit.retries,
        timeout: repo.timeout,
        connect_timeout: repo.connect_timeout,
        expect_current: None,
        order: commit.order_key.map(|key| Order { key, check: true }),
        ignore_hold: false,
        hold_change: None,
        commit_via,
    })
}

/// A hold from `hold`'s or `rollback --hold`'s flags: the reason checked, `--until` read, and
/// who holds it (`--by`, else `$GITHUB_ACTOR` in GitHub Actions, else the commit's author as
/// `--author` or the repository's git config names it).
pub(super) fn hold_of(
    reason: &str,
    who: &HoldWho,
    opts: &Options,
    ws: &crate::git::Workspace,
) -> Result<Hold, Failure> {
    let now = crate::hold::now();
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
        .or_else(|| opts.author.as_ref().map(|(_, email)| email.clone()))
        .or_else(|| ws.configured_author().map(|(_, email)| email))
        .unwrap_or_default();
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
