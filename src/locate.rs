//! Where a service's image is, and what it holds, at a commit: read-only, below every command
//! that writes. `.imgbump.yaml`'s targets (read from that commit), or the `--manifest`
//! templates (tried in order), or the default template; each placed in a file per environment,
//! with the command line's flags over the config's; the image a target holds now, and the
//! images it held in the branch's history. Used by get, list, history, rollback, promote and
//! set alike.

use crate::config::{self, Config, Placed, TargetSpec};
use crate::failure::{FailKind, Failure};
use crate::git::Workspace;
use crate::manifest::{EditErrorKind, Held, Holds, KeyPath, Locator, Manifest, SetOptions, Target};
use crate::reference::{shown, ImageSpec};
use crate::template::fill;
use crate::{service, trailers};

/// What the command line says about where images are.
#[derive(Debug, Clone, Default)]
pub(crate) struct Selection {
    /// `--manifest` templates, tried in order (empty: the config, else the default template).
    pub manifests: Vec<String>,
    /// `--workload`.
    pub workload: Option<String>,
    /// `--container`.
    pub container: Option<String>,
    /// `--image-name`.
    pub image_name: Option<String>,
    /// `--key`.
    pub key: Option<KeyPath>,
    /// `--holds`.
    pub holds: Option<Holds>,
    /// `--env`, in order.
    pub envs: Vec<String>,
    /// `--create`, `--drop-digest`.
    pub edit: SetOptions,
}

impl Selection {
    /// The spec the flags make of `base` (a config target, or an empty one).
    fn over(&self, base: &TargetSpec) -> TargetSpec {
        let mut t = base.clone();
        if self.key.is_some() || self.image_name.is_some() {
            t.workload = None;
            t.container = None;
        }
        if self.key.is_some() {
            t.image_name = None;
        }
        if self.image_name.is_some() || self.workload.is_some() || self.container.is_some() {
            t.key = None;
        }
        if self.workload.is_some() || self.container.is_some() {
            t.image_name = None;
        }
        t.workload = self.workload.clone().or(t.workload);
        t.container = self.container.clone().or(t.container);
        t.image_name = self.image_name.clone().or(t.image_name);
        t.key = self.key.clone().or(t.key);
        if let Some(h) = self.holds {
            t.holds = h;
        }
        t
    }
}

/// `.imgbump.yaml` on `tip`, if there is one.
pub(crate) fn read_config(ws: &Workspace, tip: git2::Oid) -> Result<Option<Config>, Failure> {
    let Some(bytes) = ws.read(tip, config::FILE)? else {
        return Ok(None);
    };
    let text = std::str::from_utf8(&bytes).map_err(|_| Failure {
        kind: FailKind::Refused,
        message: format!("{}: the file is not UTF-8", config::FILE),
        hint: None,
        file: Some(config::FILE.into()),
        line: None,
    })?;
    Config::parse(text).map(Some).map_err(|e| Failure {
        kind: FailKind::Refused,
        message: e.to_string(),
        hint: Some(format!(
            "fix {} on branch {} (imgbump reads it from the commit it edits)",
            config::FILE,
            ws.branch()
        )),
        file: Some(config::FILE.into()),
        line: e.location.map(|l| l.line),
    })
}

/// Where `service`'s image is on `tip`: one placed target per file and environment.
pub(crate) fn resolve(
    ws: &Workspace,
    tip: git2::Oid,
    service: &str,
    sel: &Selection,
    config: Option<&Config>,
) -> Result<Vec<Placed>, Failure> {
    let usage = |m: String| Failure::new(FailKind::Usage, m);
    let refused = |m: String| Failure::new(FailKind::Refused, m);
    service::check(service).map_err(refused)?;
    if !sel.manifests.is_empty() {
        let envs: Vec<Option<&String>> = if sel.envs.is_empty() {
            vec![None]
        } else if sel.manifests.iter().any(|m| service::has_env(m)) {
            sel.envs.iter().map(Some).collect()
        } else {
            return Err(usage(
                "--env fills {env} in --manifest or in .imgbump.yaml, and --manifest has no {env}"
                    .into(),
            ));
        };
        let templates: Vec<String> = sel
            .manifests
            .iter()
            .map(|t| service::relative_template(t, ws.work_tree()))
            .collect::<Result<_, _>>()
            .map_err(refused)?;
        let mut out = Vec::new();
        for env in envs {
            let mut tried = Vec::new();
            let mut found = None;
            for template in &templates {
                if env.is_none() && service::has_env(template) {
                    return Err(usage(format!(
                        "--manifest {template:?} has {{env}}: pass --env NAME"
                    )));
                }
                let path = service::manifest_path_in(template, service, env.map(String::as_str))
                    .map_err(refused)?;
                crate::git::check_relative_path(&path).map_err(refused)?;
                // One template: it is the file (a missing one is reported when read).
                // Only a tree lookup: the file is read once, by the plan.
                if templates.len() == 1 || ws.exists(tip, &path) {
                    found = Some((path, template));
                    break;
                }
                tried.push(path);
            }
            let (path, template) = found.ok_or_else(|| Failure {
                kind: FailKind::NotFound,
                message: format!(
                    "no manifest for {service} on branch {}: tried {}",
                    ws.branch(),
                    tried.join(", ")
                ),
                hint: None,
                file: None,
                line: None,
            })?;
            from_subdirectory(ws, tip, &path)?;
            out.push(Placed {
                path,
                env: env.cloned(),
                spec: TargetSpec {
                    manifest: template.clone(),
                    ..sel.over(&TargetSpec::default())
                },
            });
        }
        return Ok(out);
    }
    match config {
        Some(c) => {
            c.check_envs(&sel.envs).map_err(usage)?;
            let specs: Vec<TargetSpec> = c
                .targets_for(service)
                .map_err(|m| Failure::new(FailKind::NotFound, m))?
                .iter()
                .map(|t| sel.over(t))
                .collect();
            config::place(&specs, service, &sel.envs, &c.environments).map_err(usage)
        }
        None => {
            if !sel.envs.is_empty() {
                return Err(usage(format!(
                    "--env needs environments: declare them in {} (see `imgbump set --help`), or use --manifest with {{env}}",
                    config::FILE
                )));
            }
            let spec = TargetSpec {
                manifest: service::DEFAULT_TEMPLATE.to_string(),
                ..TargetSpec::default()
            };
            config::place(&[sel.over(&spec)], service, &[], &[]).map_err(refused)
        }
    }
}

/// `--manifest` is read from the repository root, whatever the current directory: run from a
/// subdirectory of the checkout, a `path` missing at the root but there relative to the
/// current directory is refused saying so, and one at both places is noted.
fn from_subdirectory(ws: &Workspace, tip: git2::Oid, path: &str) -> Result<(), Failure> {
    let Some(root) = ws.work_tree().and_then(|r| r.canonicalize().ok()) else {
        return Ok(());
    };
    let Some(here) = std::env::current_dir()
        .ok()
        .and_then(|d| d.canonicalize().ok())
    else {
        return Ok(());
    };
    let Some(sub) = here
        .strip_prefix(&root)
        .ok()
        .and_then(|s| s.to_str())
        .filter(|s| !s.is_empty())
    else {
        return Ok(());
    };
    let nearby = format!("{sub}/{path}");
    let (at_root, near) = (ws.exists(tip, path), ws.exists(tip, &nearby));
    match (at_root, near) {
        (false, true) => Err(Failure {
            kind: FailKind::NotFound,
            message: format!(
                "{path} does not exist on branch {}: --manifest is read from the repository root, not from the current directory ({sub}/)",
                ws.branch()
            ),
            hint: Some(format!("{nearby} does: pass --manifest {nearby}")),
            file: None,
            line: None,
        }),
        (true, true) => {
            ws.notice(&format!(
                "--manifest {path} is read from the repository root; {nearby}, beside the current directory, is not the file edited"
            ));
            Ok(())
        }
        (false, false) => Err(Failure {
            kind: FailKind::NotFound,
            message: format!(
                "{path} does not exist on branch {} (--manifest is read from the repository root, not from the current directory {sub}/)",
                ws.branch()
            ),
            hint: None,
            file: None,
            line: None,
        }),
        (true, false) => Ok(()),
    }
}

/// How to find `service`'s image in `manifest` (the file at `path`) for `spec`: a key path,
/// a kustomize entry (named, or any file that is a kustomization), else a workload's
/// container.
pub(crate) fn locator<'a>(
    spec: &'a TargetSpec,
    service: &'a str,
    manifest: &Manifest<'_>,
    path: &str,
) -> Locator<'a> {
    if let Some(key) = &spec.key {
        return Locator::Key {
            path: key,
            holds: spec.holds,
        };
    }
    let file_name = path.rsplit('/').next().unwrap_or(path);
    if spec.image_name.is_some()
        || (spec.workload.is_none()
            && spec.container.is_none()
            && manifest.is_kustomization(file_name))
    {
        return Locator::Kustomize {
            service,
            image_name: spec.image_name.as_deref(),
        };
    }
    Locator::Workload(Target {
        service,
        workload: spec.workload.as_deref(),
        container: spec.container.as_deref(),
    })
}

/// The config on `tip` when the selection does not name manifests itself.
pub(crate) fn config_for(
    ws: &Workspace,
    tip: git2::Oid,
    sel: &Selection,
) -> Result<Option<Config>, Failure> {
    if sel.manifests.is_empty() {
        read_config(ws, tip)
    } else {
        Ok(None)
    }
}

/// The text of the manifest at `path` on `tip`: missing, unsafe (a link, too large) and
/// non-UTF-8 files are errors that say which file and what to do.
pub(crate) fn read_manifest(
    ws: &Workspace,
    tip: git2::Oid,
    (service, path): (&str, &str),
    template: &str,
) -> Result<String, Failure> {
    let bytes = ws.read(tip, path)?.ok_or_else(|| {
        // A misspelt service: the services the template finds, nearest first.
        let found = services_at(ws, tip, template).unwrap_or_default();
        let near = service::nearest(service, found.iter().map(|(s, _)| s.as_str()));
        let from = if template.is_empty() || template == path {
            String::new()
        } else {
            format!(" (from the manifest template {template:?})")
        };
        Failure {
            kind: FailKind::NotFound,
            message: format!(
                "{path} does not exist on branch {}{from}{}",
                ws.branch(),
                service::did_you_mean(&near)
            ),
            hint: Some("pass --manifest TEMPLATE (or set the service's targets in .imgbump.yaml); `imgbump list` shows the services found".to_string()),
            // No place: the file does not exist, so nothing can point into it.
            file: None,
            line: None,
        }
    })?;
    crate::manifest::decode(&bytes)
        .map(str::to_string)
        .map_err(|e| Failure::from_edit(path, e))
}

/// The image `placed` names for `service` on `tip`.
pub(crate) fn held_at(
    ws: &Workspace,
    tip: git2::Oid,
    service: &str,
    placed: &Placed,
) -> Result<Held, Failure> {
    let text = read_manifest(ws, tip, (service, &placed.path), &placed.spec.manifest)?;
    let m = Manifest::parse(&text).map_err(|e| Failure::from_edit(&placed.path, e))?;
    let loc = locator(&placed.spec, service, &m, &placed.path);
    m.get(&loc).map_err(|e| Failure::from_edit(&placed.path, e))
}

/// An image a target holds: the service, its environment, the file and what holds it.
#[derive(Debug, Clone)]
pub(crate) struct Found {
    /// The service.
    pub service: String,
    /// The environment, for a target placed in one.
    pub env: Option<String>,
    /// The file, relative to the repository root.
    pub file: String,
    /// The target and its image.
    pub held: Held,
}

/// Every image `service`'s targets hold on `tip`.
pub(crate) fn found(
    ws: &Workspace,
    tip: git2::Oid,
    service: &str,
    sel: &Selection,
    config: Option<&Config>,
) -> Result<Vec<Found>, Failure> {
    resolve(ws, tip, service, sel, config)?
        .into_iter()
        .map(|placed| {
            Ok(Found {
                held: held_at(ws, tip, service, &placed)?,
                service: service.to_string(),
                env: placed.env,
                file: placed.path,
            })
        })
        .collect()
}

/// The one file whose history `history` and `rollback` follow: the service's first target
/// (in the one environment given, when its targets depend on it).
pub(crate) fn one_target(
    ws: &Workspace,
    service: &str,
    sel: &Selection,
) -> Result<Placed, Failure> {
    let tip = ws.tip()?;
    let config = config_for(ws, tip, sel)?;
    let placed = resolve(ws, tip, service, sel, config.as_ref())?;
    let mut envs: Vec<&Option<String>> = placed.iter().map(|p| &p.env).collect();
    envs.dedup();
    if envs.len() > 1 {
        return Err(Failure::new(
            FailKind::Usage,
            format!("{service} has targets in several environments; pass one --env"),
        ));
    }
    placed
        .into_iter()
        .next()
        .ok_or_else(|| Failure::new(FailKind::NotFound, format!("{service} has no target")))
}

/// One version of a service's image in a target's history, with the commit that introduced it.
#[derive(Debug, Clone)]
pub(crate) struct Version {
    /// The image.
    pub image: String,
    /// The oldest commit of its run: the one that introduced it.
    pub commit: git2::Oid,
    /// That commit's time (seconds since the epoch).
    pub time: i64,
    /// `Name <email>` of the commit's author.
    pub author: String,
    /// The commit's `Requested-By` trailer.
    pub requested_by: Option<String>,
    /// The order key the commit recorded for the service.
    pub order_key: Option<u64>,
    /// The image the commit rolled back from, if it was a rollback.
    pub rolled_back_from: Option<String>,
    /// The hold on the target in the newest commit that had this image.
    pub hold: Option<crate::hold::Hold>,
}

/// Up to `want` images `service`'s target `placed` held, newest first, each with the oldest
/// commit of its run (the one that introduced it) and what that commit records. Versions
/// whose image cannot be read (invalid then, or no such target) are skipped.
pub(crate) fn versions(
    ws: &Workspace,
    placed: &Placed,
    service: &str,
    want: usize,
) -> Result<Vec<Version>, Failure> {
    let mut found: Vec<(String, git2::Oid, i64, Option<crate::hold::Hold>)> = Vec::new();
    let mut ambiguous = None;
    ws.history(&placed.path, |commit, time, bytes| {
        let Ok(m) = Manifest::parse_bytes(bytes) else {
            return true;
        };
        let held = match m.get(&locator(&placed.spec, service, &m, &placed.path)) {
            Ok(held) => held,
            // Two targets the rule cannot choose between: the history ends there, and when
            // nothing was read before it, that is the answer (not "no image").
            Err(e) if e.kind == EditErrorKind::Ambiguous => {
                if found.is_empty() {
                    ambiguous = Some(e);
                }
                return false;
            }
            Err(_) => return true,
        };
        let len = found.len();
        match found.last_mut() {
            Some(last) if last.0 == held.image => {
                last.1 = commit;
                last.2 = time;
            }
            _ if len == want => return false,
            _ => found.push((held.image, commit, time, held.hold)),
        }
        true
    })?;
    if let Some(e) = ambiguous {
        return Err(Failure::from_edit(&placed.path, e));
    }
    found
        .into_iter()
        .map(|(image, commit, time, hold)| {
            let info = ws.commit_info(commit)?;
            let m = info.message.as_str();
            Ok(Version {
                requested_by: trailers::value(m, trailers::REQUESTED_BY).map(str::to_string),
                order_key: trailers::key_in(m, service),
                rolled_back_from: trailers::values(m, trailers::ROLLBACK, service)
                    .first()
                    .map(|s| s.to_string()),
                author: info.author,
                image,
                commit,
                time,
                hold,
            })
        })
        .collect()
}

/// The failure when `path` never held an image for `service` on `branch`.
pub(crate) fn no_image(path: &str, service: &str, branch: &str) -> Failure {
    Failure::new(
        FailKind::NotFound,
        format!("{path} has no image for {service} in the history of branch {branch}"),
    )
}

/// The (service, path) pairs the template matches at `tip`, sorted: each `/` component with
/// `{service}` is matched against the directory's entries, the others are taken as written.
pub(crate) fn services_at(
    ws: &Workspace,
    tip: git2::Oid,
    template: &str,
) -> Result<Vec<(String, String)>, Failure> {
    let parts = service::template_components(template);
    let mut found: Vec<(String, String)> = Vec::new();
    let mut stack: Vec<(usize, String, Option<String>)> = vec![(0, String::new(), None)];
    while let Some((i, dir, svc)) = stack.pop() {
        let Some(part) = parts.get(i) else { continue };
        let last = i + 1 == parts.len();
        let join = |name: &str| {
            if dir.is_empty() {
                name.to_string()
            } else {
                format!("{dir}/{name}")
            }
        };
        if part.contains("{service}") && svc.is_none() {
            for (name, is_dir) in ws.list_dir(tip, &dir)? {
                if let Some(s) = service::match_component(part, &name) {
                    if last && !is_dir {
                        found.push((s.to_string(), join(&name)));
                    } else if !last && is_dir {
                        stack.push((i + 1, join(&name), Some(s.to_string())));
                    }
                }
            }
        } else {
            let name = match &svc {
                Some(s) => fill(part, &[("service", s), ("env", "{env}")])
                    .map_err(|m| Failure::new(FailKind::Usage, m))?,
                None => part.to_string(),
            };
            if last {
                if let Some(s) = svc.clone() {
                    found.push((s, join(&name)));
                }
            } else {
                stack.push((i + 1, join(&name), svc.clone()));
            }
        }
    }
    found.sort();
    Ok(found)
}

/// The one image `service`'s targets in the selection's environment hold, for `promote`: the
/// whole reference when a target holds one (a target holding only the tag must agree with it);
/// targets that disagree are refused.
pub(crate) fn agreed_image(
    ws: &Workspace,
    tip: git2::Oid,
    service: &str,
    sel: &Selection,
    config: Option<&Config>,
) -> Result<ImageSpec, Failure> {
    let mut specs: Vec<(String, ImageSpec)> = Vec::new();
    for f in found(ws, tip, service, sel, config)? {
        let held = &f.held;
        let spec: ImageSpec = held.image.parse().map_err(|e| {
            Failure::new(
                FailKind::Refused,
                format!("{}:{}: {e}; nothing to promote", f.file, held.location),
            )
        })?;
        specs.push((format!("{}:{}", f.file, held.location.line), spec));
    }
    let full: Vec<&(String, ImageSpec)> = specs
        .iter()
        .filter(|(_, s)| matches!(s, ImageSpec::Full(_)))
        .collect();
    let chosen = full
        .first()
        .copied()
        .or(specs.first())
        .map(|(_, s)| s.clone());
    let Some(chosen) = chosen else {
        return Err(Failure::new(
            FailKind::NotFound,
            format!("{service} has no target"),
        ));
    };
    // Every target must hold the same image (or, holding only its tag or digest, that part).
    for (place, s) in &specs {
        let agrees = match (s, &chosen) {
            (a, b) if a == b => true,
            (ImageSpec::Tag(t), ImageSpec::Full(r)) => r.tag() == Some(t.as_str()),
            (ImageSpec::Digest(d), ImageSpec::Full(r)) => r.digest() == Some(d.as_str()),
            _ => false,
        };
        if !agrees {
            return Err(Failure::new(
                FailKind::Refused,
                format!(
                    "the targets of {service} disagree: {place} holds {}, another {}; nothing was promoted",
                    shown(&s.to_string()),
                    shown(&chosen.to_string())
                ),
            )
            .with_hint(format!(
                "bring them to one image first (`imgbump set {service}=IMAGE --env ENV`)"
            )));
        }
    }
    Ok(chosen)
}

/// The image a rollback puts back, from `history` (newest first, the current image first): the
/// newest earlier one that is not the current image and was not itself rolled back from. A
/// target holding only a tag (or a digest) lists `:TAG`, set as such. `shallow` says whether
/// the history may be cut short, for the message when there is none.
pub(crate) fn rollback_image(
    history: &[Version],
    shallow: bool,
    path: &str,
    service: &str,
) -> Result<ImageSpec, Failure> {
    let Some(current) = history.first() else {
        return Err(Failure::new(
            FailKind::NotFound,
            format!("{path}: {service} holds no image"),
        ));
    };
    // Newest first: a rollback commit is newer than the image it rolled back from, so by the
    // time that image comes up it is known to be one not to go back to.
    let mut rolled_back_from: std::collections::HashSet<&str> = Default::default();
    for v in history {
        if let Some(from) = &v.rolled_back_from {
            rolled_back_from.insert(from);
        }
        if v.image != current.image && !rolled_back_from.contains(v.image.as_str()) {
            if let Ok(r) = v.image.parse::<ImageSpec>() {
                return Ok(r);
            }
        }
    }
    let why = if shallow {
        "the history here is shallow; deepen it (`git fetch --unshallow`) or pass the remote's URL as --repo"
    } else {
        "every earlier image is the current one, or was rolled back from"
    };
    Err(Failure::new(
        FailKind::NotFound,
        format!(
            "{path}: no image to roll {service} back to from {}: {why}",
            current.image
        ),
    ))
}

/// The Argo CD applications that deploy what a bump wrote at `tip`: every application of every
/// service and environment in `written`, once each (`app`: `--argocd-app`, else
/// `.imgbump.yaml`'s).
pub(crate) fn applications_of(
    ws: &Workspace,
    tip: git2::Oid,
    written: &[(&str, Option<&str>)],
    sel: &Selection,
    config: Option<&Config>,
    app: Option<&str>,
) -> Result<Vec<crate::deploy::watch::Watch>, Failure> {
    let mut watches = Vec::new();
    for &(service, env) in written {
        let placed: Vec<Placed> = resolve(ws, tip, service, sel, config)?
            .into_iter()
            .filter(|p| p.env.as_deref() == env)
            .collect();
        for w in crate::deploy::watch::applications(service, &placed, app, config)? {
            if !watches.contains(&w) {
                watches.push(w);
            }
        }
    }
    Ok(watches)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn version(image: &str, rolled_back_from: Option<&str>) -> Version {
        Version {
            image: image.into(),
            commit: git2::Oid::ZERO_SHA1,
            time: 0,
            author: String::new(),
            requested_by: None,
            order_key: None,
            rolled_back_from: rolled_back_from.map(str::to_string),
            hold: None,
        }
    }

    #[test]
    fn a_rollback_skips_the_current_image_and_those_rolled_back_from() {
        // v3 was rolled back to v2 (the newest commit); v2 was itself rolled back from once.
        let history = [
            version("r/a:v2", Some("r/a:v3")),
            version("r/a:v3", None),
            version("r/a:v2", None),
            version(":v1", None),
        ];
        let to = rollback_image(&history, false, "a.yaml", "a").unwrap();
        assert_eq!(to.to_string(), ":v1");
        // Nothing earlier: said, with why.
        let e = rollback_image(&history[..3], false, "a.yaml", "a").unwrap_err();
        assert_eq!(e.kind, FailKind::NotFound);
        assert!(e.message.contains("every earlier image"), "{}", e.message);
        let e = rollback_image(&history[..1], true, "a.yaml", "a").unwrap_err();
        assert!(e.message.contains("shallow"), "{}", e.message);
    }
}
