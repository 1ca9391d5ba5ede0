//! `imgbump set`: the pairs and options checked, the bump run, and its outcome reported.

use crate::bump::{self, FailKind, Failure, Options, Pair};
use crate::service;

use super::{github, json, text, workspace, Output, Say, SetArgs};

pub(super) fn run(args: &SetArgs, say: &Say) -> Result<(), Failure> {
    let pairs: Vec<Pair> = args
        .pairs
        .iter()
        .map(|p| p.parse())
        .collect::<Result<_, _>>()?;
    if pairs.len() > 1 && (args.pick.workload.is_some() || args.pick.container.is_some()) {
        return Err(Failure::new(
            FailKind::Usage,
            "--workload and --container go with exactly one SERVICE=IMAGE",
        ));
    }
    for p in &pairs {
        service::manifest_path(&args.repo.manifest, &p.service)
            .map_err(|m| Failure::new(FailKind::Refused, m))?;
    }
    let opts = Options {
        manifest: args.repo.manifest.clone(),
        workload: args.pick.workload.clone(),
        container: args.pick.container.clone(),
        message: args.message.clone(),
        trailers: args
            .trailer
            .iter()
            .map(|t| parse_trailer(t))
            .collect::<Result<_, _>>()?,
        author: args.author.as_deref().map(parse_author).transpose()?,
        dry_run: args.dry_run,
        no_push: args.no_push,
        retries: args.retries,
    };
    let start = std::time::Instant::now();
    let mut ws = workspace(&args.repo, say)?;
    let opened = start.elapsed();
    let outcome = bump::set(&mut ws, &pairs, &opts)?;
    let t = &outcome.timings;
    let ms = |d: std::time::Duration| format!("{:.1} ms", d.as_secs_f64() * 1000.0);
    say.debug(&format!(
        "time: {} {}, edit {}, commit {}, local write {}, push {}, refetch {}; total {}",
        if ws.is_open() { "open" } else { "clone" },
        ms(opened),
        ms(t.edit),
        ms(t.commit),
        ms(t.local),
        ms(t.push),
        ms(t.refetch),
        ms(start.elapsed())
    ));
    match args.repo.output {
        Output::Json => json::set(&outcome, args.dry_run),
        Output::Text if args.dry_run => text::diff(&outcome.diff),
        Output::Text => {}
    }
    text::set(&outcome, args.dry_run, say, ws.url());
    github::summary(&outcome, say, ws.url());
    github::outputs(&outcome, say);
    Ok(())
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
        || v.contains(['\n', '\r'])
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
