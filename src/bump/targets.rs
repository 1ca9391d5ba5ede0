//! Where each service's image is on the tip being edited: `.imgbump.yaml`'s targets (read from
//! that tip), or the `--manifest` templates (tried in order), or the default template; each
//! placed in a file per environment, with the command line's flags over the config's.

use crate::config::{self, Config, Placed, TargetSpec};
use crate::git::Workspace;
use crate::manifest::{Holds, KeyPath, Locator, Manifest, SetOptions, Target};
use crate::service;

use super::{FailKind, Failure};

/// What the command line says about where images are.
#[derive(Debug, Clone, Default)]
pub struct Selection {
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
pub fn read_config(ws: &Workspace, tip: git2::Oid) -> Result<Option<Config>, Failure> {
    let Some(bytes) = ws.read(tip, config::FILE)? else {
        return Ok(None);
    };
    let text = std::str::from_utf8(&bytes).map_err(|_| Failure {
        kind: FailKind::Refused,
        message: format!("{}: the file is not UTF-8", config::FILE),
        file: Some(config::FILE.into()),
        line: None,
    })?;
    Config::parse(text).map(Some).map_err(|e| Failure {
        kind: FailKind::Refused,
        message: format!(
            "{e}\nfix {} on branch {} (imgbump reads it from the commit it edits)",
            config::FILE,
            ws.branch()
        ),
        file: Some(config::FILE.into()),
        line: e.location.map(|l| l.line),
    })
}

/// Where `service`'s image is on `tip`: one placed target per file and environment.
pub fn resolve(
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
        } else if sel.manifests.iter().any(|m| m.contains("{env}")) {
            sel.envs.iter().map(Some).collect()
        } else {
            return Err(usage(
                "--env fills {env} in --manifest or in .imgbump.yaml, and --manifest has no {env}"
                    .into(),
            ));
        };
        let mut out = Vec::new();
        for env in envs {
            let mut tried = Vec::new();
            let mut found = None;
            for template in &sel.manifests {
                let mut path = service::manifest_path(template, service).map_err(refused)?;
                match env {
                    Some(e) => path = path.replace("{env}", e),
                    None if path.contains("{env}") => {
                        return Err(usage(format!(
                            "--manifest {template:?} has {{env}}: pass --env NAME"
                        )))
                    }
                    None => {}
                }
                crate::git::check_relative_path(&path).map_err(refused)?;
                // One template: it is the file (a missing one is reported when read).
                // Only a tree lookup: the file is read once, by the plan.
                if sel.manifests.len() == 1 || ws.exists(tip, &path) {
                    found = Some(path);
                    break;
                }
                tried.push(path);
            }
            let path = found.ok_or_else(|| Failure {
                kind: FailKind::NotFound,
                message: format!(
                    "no manifest for {service} on branch {}: tried {}",
                    ws.branch(),
                    tried.join(", ")
                ),
                file: None,
                line: None,
            })?;
            out.push(Placed {
                path,
                env: env.cloned(),
                spec: sel.over(&TargetSpec::default()),
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

/// How to find `service`'s image in `manifest` (the file at `path`) for `spec`: a key path,
/// a kustomize entry (named, or any file that is a kustomization), else a workload's
/// container.
pub fn locator<'a>(
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
