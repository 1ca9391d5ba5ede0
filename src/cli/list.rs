//! `imgbump list`: every service the manifest template finds, with its images.

use std::time::Instant;

use crate::bump::{FailKind, Failure};
use crate::git::Workspace;
use crate::manifest::Manifest;
use crate::service;

use super::{json, text, workspace, ListRow, Output, RepoArgs, Say};

pub(super) fn run(args: &RepoArgs) -> Result<(), Failure> {
    let say = Say::silent();
    let ws = workspace(args, &say, Instant::now() + args.timeout, None)?;
    let tip = ws.tip()?;
    let mut rows = Vec::new();
    let found = manifests(&ws, tip, &args.manifest)?;
    if found.is_empty() {
        return Err(Failure::new(
            FailKind::NotFound,
            format!(
                "no file on branch {} matches the manifest template {:?}\npass --manifest TEMPLATE with `{{service}}` where the service name stands, e.g. deployments/{{service}}/deployment.yaml",
                ws.branch(),
                args.manifest
            ),
        ));
    }
    for (service, file) in found {
        // A file that cannot be read (a link, too large) is reported on its row; the rest
        // are listed.
        let bytes = match ws.read(tip, &file) {
            Ok(Some(bytes)) => bytes,
            Ok(None) => continue,
            Err(e) => {
                rows.push(ListRow::Error {
                    service: service.clone(),
                    file: file.clone(),
                    error: e.message,
                });
                continue;
            }
        };
        match Manifest::parse_bytes(&bytes) {
            Ok(m) => {
                for field in m.images() {
                    rows.push(ListRow::Image {
                        service: service.clone(),
                        file: file.clone(),
                        field: field.clone(),
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
    match args.output {
        Output::Json => json::list(&rows),
        Output::Text => text::list(&rows),
    }
    Ok(())
}

/// The (service, path) pairs the template matches at `tip`, sorted: each `/` component with
/// `{service}` is matched against the directory's entries, the others are taken as written.
fn manifests(
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
                Some(s) => part.replace("{service}", s),
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
