//! `imgbump list`: every service the manifest template finds, with its images.

use std::time::Instant;

use crate::config::Config;
use crate::failure::{FailKind, Failure};
use crate::git::Workspace;
use crate::locate::{held_at, read_config, services_at as manifests};
use crate::manifest::{Manifest, Target};
use crate::service;
use crate::template::fill;

use super::open::reading;
use super::rows::{ListRow, SetPick};
use super::say::Say;
use super::{json, text, ListArgs, Output};

pub(super) fn run(args: &ListArgs, say: &Say) -> Result<(), Failure> {
    let repo = &args.repo;
    let ws = reading(repo, say, Instant::now() + repo.timeout)?;
    let tip = ws.tip()?;
    let config = if repo.manifest.is_empty() {
        read_config(&ws, tip)?
    } else {
        None
    };
    let rows = match &config {
        Some(c) => configured(&ws, tip, c, &args.env)?,
        None => {
            if !args.env.is_empty() {
                return Err(Failure::new(
                    FailKind::Usage,
                    format!(
                        "--env lists the environments of {}, and the repository has none",
                        crate::config::FILE
                    ),
                ));
            }
            let templates = if repo.manifest.is_empty() {
                vec![service::DEFAULT_TEMPLATE.to_string()]
            } else {
                // As set reads them: `./` and absolute paths inside the checkout taken.
                repo.manifest
                    .iter()
                    .map(|t| service::relative_template(t, ws.work_tree()))
                    .collect::<Result<_, _>>()
                    .map_err(|m| Failure::new(FailKind::Refused, m))?
            };
            templated(&ws, tip, &templates)?
        }
    };
    let mut rows = rows;
    if args.held {
        let now = crate::utc::now();
        rows.retain(|r| r.is_held(now));
        if rows.is_empty() {
            say.info("no target is held");
            if repo.output == Output::Json {
                json::list(&rows);
            }
            return Ok(());
        }
    }
    if rows.is_empty() {
        return Err(match &config {
            Some(_) => Failure::new(
                FailKind::NotFound,
                format!("{} on branch {} lists no service", crate::config::FILE, ws.branch()),
            ),
            None => Failure::new(
                FailKind::NotFound,
                format!(
                    "no file on branch {} matches the manifest template {:?}",
                    ws.branch(),
                    repo.manifest.first().map_or(service::DEFAULT_TEMPLATE, String::as_str),
                ),
            )
            .with_hint(format!(
                "pass --manifest TEMPLATE with `{{service}}` where the service name stands, e.g. deployments/{{service}}/deployment.yaml, or describe the targets in {}",
                crate::config::FILE
            )),
        });
    }
    match repo.output {
        Output::Json => json::list(&rows),
        Output::Text => text::list(&rows),
    }
    Ok(())
}

/// Every image field of every file the templates find (a service found by an earlier template
/// is not looked for again).
fn templated(
    ws: &Workspace,
    tip: git2::Oid,
    templates: &[String],
) -> Result<Vec<ListRow>, Failure> {
    let mut rows = Vec::new();
    let mut seen: Vec<String> = Vec::new();
    for template in templates {
        for (service, file) in manifests(ws, tip, template)? {
            if seen.contains(&service) {
                continue;
            }
            seen.push(service.clone());
            // A file that cannot be read (a link, too large) is reported on its row; the rest
            // are listed.
            let bytes = match ws.read(tip, &file) {
                Ok(Some(bytes)) => bytes,
                Ok(None) => continue,
                Err(e) => {
                    rows.push(ListRow::Error {
                        service: service.clone(),
                        file: file.clone(),
                        error: e.to_string(),
                    });
                    continue;
                }
            };
            match Manifest::parse_bytes(&bytes) {
                Ok(m) => {
                    // The row `set` edits without flags, by the rule `get` and `set` follow.
                    let chosen = m
                        .select(&Target::service(&service))
                        .ok()
                        .map(|f| f.span.start);
                    for field in m.images() {
                        rows.push(ListRow::Image {
                            service: service.clone(),
                            file: file.clone(),
                            field: field.clone(),
                            hold: m.field_hold(field),
                            set: SetPick {
                                default: chosen == Some(field.span.start),
                                among_others: m.images().len() > 1,
                                flags: m.flags_for(field),
                            },
                        });
                    }
                }
                Err(e) => rows.push(ListRow::Error {
                    service: service.clone(),
                    file: file.clone(),
                    error: e.to_string(),
                }),
            }
        }
    }
    Ok(rows)
}

/// Each service of the config, in each environment (`envs`, default all declared), with the
/// image each target holds; then the services the `default` targets find.
fn configured(
    ws: &Workspace,
    tip: git2::Oid,
    config: &Config,
    envs: &[String],
) -> Result<Vec<ListRow>, Failure> {
    config
        .check_envs(envs)
        .map_err(|m| Failure::new(FailKind::Usage, m))?;
    let envs = if envs.is_empty() {
        config.environments.clone()
    } else {
        envs.to_vec()
    };
    let mut services: Vec<String> = config.services.iter().map(|(s, _)| s.clone()).collect();
    for spec in &config.default {
        for env in envs.iter().map(Some).chain(envs.is_empty().then_some(None)) {
            let template = match env {
                Some(e) => fill(&spec.manifest, &[("env", e), ("service", "{service}")])
                    .map_err(|m| Failure::new(FailKind::Usage, m))?,
                None => spec.manifest.clone(),
            };
            for (s, _) in manifests(ws, tip, &template)? {
                if !services.contains(&s) {
                    services.push(s);
                }
            }
        }
    }
    let mut rows = Vec::new();
    for service in &services {
        let Ok(specs) = config.targets_for(service) else {
            continue;
        };
        let placed = match crate::config::place(specs, service, &envs, &config.environments) {
            Ok(p) => p,
            Err(e) => {
                rows.push(ListRow::Error {
                    service: service.clone(),
                    file: String::new(),
                    error: e,
                });
                continue;
            }
        };
        for p in placed {
            match held_at(ws, tip, service, &p) {
                Ok(held) => rows.push(ListRow::Held {
                    service: service.clone(),
                    env: p.env,
                    file: p.path,
                    held,
                }),
                Err(e) => rows.push(ListRow::Error {
                    service: service.clone(),
                    file: p.path,
                    error: e.text(),
                }),
            }
        }
    }
    Ok(rows)
}
