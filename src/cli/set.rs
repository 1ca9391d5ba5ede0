//! `imgbump set`: the pairs and options checked, the bump run, and its outcome reported.

use std::time::Instant;

use crate::bump::{self, FailKind, Failure, Options, Order, Outcome, Pair};
use crate::git::Workspace;
use crate::reference::ImageSpec;

use super::{github, json, text, workspace, CommitArgs, Output, PickArgs, RepoArgs, Say, SetArgs};

pub(super) fn run(args: &SetArgs, say: &Say) -> Result<(), Failure> {
    let start = Instant::now();
    let pairs = pairs(&args.pairs, args.allow_latest)?;
    if pairs.len() > 1
        && (args.pick.workload.is_some()
            || args.pick.container.is_some()
            || args.pick.image_name.is_some()
            || args.pick.key.is_some()
            || args.expect_current.is_some())
    {
        return Err(Failure::new(
            FailKind::Usage,
            "--workload, --container, --image-name, --key and --expect-current go with exactly one SERVICE=IMAGE",
        ));
    }
    if let Some(e) = &args.expect_current {
        // The value compared with the manifest's: a reference, on one line.
        e.parse::<crate::reference::Reference>()
            .map_err(|x| Failure::new(FailKind::Usage, format!("--expect-current: {x}")))?;
    }
    no_push_needs_a_checkout(&args.repo, &args.commit)?;
    let mut opts = options(&args.repo, &args.pick, &args.message, &args.commit)?;
    opts.selection.edit = args.add.options();
    opts.registry = args.registry.options(args.repo.timeout);
    opts.expect_current.clone_from(&args.expect_current);
    let (outcome, ws) = bump_and_time(&args.repo, &pairs, &opts, say, start)?;
    report(&outcome, &args.repo, args.commit.dry_run, say, ws.url());
    if args.fail_on_superseded && outcome.superseded() {
        return Err(Failure::new(
            FailKind::Refused,
            "superseded: a newer order key is recorded for the image, so nothing was changed (--fail-on-superseded)",
        ));
    }
    Ok(())
}

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
        if let ImageSpec::Full(r) = &p.spec {
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

/// `--no-push` against a URL would make a commit in a clone that is deleted at exit (a
/// `--cache-dir` keeps no objects of its own commits either): say so instead of reporting a
/// commit nobody can reach.
pub(super) fn no_push_needs_a_checkout(
    repo: &RepoArgs,
    commit: &CommitArgs,
) -> Result<(), Failure> {
    if commit.no_push && crate::git::is_url(&repo.repo) {
        return Err(Failure::new(
            FailKind::Usage,
            "--no-push with a URL would commit into a clone that is deleted when imgbump ends\nuse --dry-run to see the change, or run in a checkout (-C PATH) to keep the commit there",
        ));
    }
    Ok(())
}

/// The bump's options from the command line.
pub(super) fn options(
    repo: &RepoArgs,
    pick: &PickArgs,
    message: &str,
    commit: &CommitArgs,
) -> Result<Options, Failure> {
    if message.trim().is_empty() {
        return Err(Failure::new(FailKind::Usage, "--message is empty"));
    }
    for template in &repo.manifest {
        crate::service::manifest_path(template, "s")
            .and_then(|p| crate::git::check_relative_path(&p.replace("{env}", "e")))
            .map_err(|m| Failure::new(FailKind::Refused, m))?;
    }
    let open_pr = commit.open_pr.map(|f| bump::OpenPr {
        forge: match f {
            super::args::ForgeArg::Github => bump::Forge::GitHub,
            super::args::ForgeArg::Gitlab => bump::Forge::GitLab,
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
        expect_current: None,
        order: commit.order_key.map(|key| Order { key, check: true }),
    })
}

/// Opens the repository, runs the bump, and says where the time went (`-v`).
pub(super) fn bump_and_time(
    repo: &RepoArgs,
    pairs: &[Pair],
    opts: &Options,
    say: &Say,
    start: Instant,
) -> Result<(Outcome, Workspace), Failure> {
    let deadline = start + repo.timeout;
    let mut ws = workspace(repo, say, deadline, opts.retries)?;
    let opened = start.elapsed();
    let outcome = bump::set_until(&mut ws, pairs, opts, deadline)?;
    let t = &outcome.timings;
    let ms = |d: std::time::Duration| format!("{:.1} ms", d.as_secs_f64() * 1000.0);
    say.debug(&format!(
        "time: {} {}, edit {}{}, commit {}, local write {}, push {}, refetch {}; total {}",
        if ws.is_open() { "open" } else { "clone" },
        ms(opened),
        ms(t.edit),
        if opts.registry.verify || !t.registry.is_zero() {
            format!(", registry {}", ms(t.registry))
        } else {
            String::new()
        },
        ms(t.commit),
        ms(t.local),
        ms(t.push),
        ms(t.refetch),
        ms(start.elapsed())
    ));
    Ok((outcome, ws))
}

/// The outcome, in every form asked for.
pub(super) fn report(outcome: &Outcome, repo: &RepoArgs, dry_run: bool, say: &Say, url: &str) {
    match repo.output {
        Output::Json => json::set(outcome, dry_run),
        Output::Text if dry_run => text::diff(&outcome.diff),
        Output::Text => {}
    }
    text::set(outcome, dry_run, say, url);
    github::summary(outcome, say, url);
    github::outputs(outcome, say);
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
