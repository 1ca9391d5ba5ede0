//! Choosing the one field a [`Target`] names among a manifest's image fields, or explaining,
//! with ready-to-paste flags, why there is not exactly one.

use crate::reference::shown;

use super::workload::{ContainerRole, WORKLOAD_KINDS};
use super::{EditError, EditErrorKind, ImageField, Manifest, Target};

/// A workload as (document, namespace, kind, name).
type WorkloadId<'a> = (usize, &'a str, &'a str, &'a str);

impl Manifest<'_> {
    /// Picks the one field `target` names, or explains why there is not exactly one.
    ///
    /// ```
    /// use imgbump::manifest::{EditErrorKind, Manifest, Target};
    /// let text = "kind: Pod\nmetadata: {name: web}\nspec:\n  containers:\n  - {name: proxy, image: envoy}\n  - {name: app, image: 'r.io/app:1'}\n";
    /// let m = Manifest::parse(text).unwrap();
    /// // No container is named `web`: the first of `containers`, as `containers[0]` would.
    /// assert_eq!(m.select(&Target::service("web")).unwrap().container, "proxy");
    /// let app = Target { service: "web", workload: Some("Pod/web"), container: Some("app") };
    /// assert_eq!(m.select(&app).unwrap().value, "r.io/app:1");
    /// let none = Target { service: "web", workload: None, container: Some("db") };
    /// let err = m.select(&none).unwrap_err();
    /// assert_eq!(err.kind, EditErrorKind::NotFound);
    /// // The shortest selector that picks the workload alone is offered.
    /// assert!(err.help.unwrap().contains("--workload web --container app"));
    /// ```
    pub fn select(&self, target: &Target<'_>) -> Result<&ImageField, EditError> {
        if self.fields.is_empty() {
            let what = if self.workloads == 0 {
                "no workload with a pod template"
            } else {
                "no container with an `image`"
            };
            return Err(EditError::new(EditErrorKind::NotFound, format!("the manifest has {what}"))
                .help("check --manifest: it should name a file with a Deployment, StatefulSet, Job, Pod or similar."));
        }
        let (doc, kind, name) = self.pick_workload(target)?;
        self.pick_container(target, doc, kind, name)
    }

    /// The one workload `target` names (`--workload`, else the one named like the service,
    /// else the only one), as (document, kind, name).
    fn pick_workload(&self, target: &Target<'_>) -> Result<(usize, &str, &str), EditError> {
        // Workloads in file order, each once.
        let mut ids: Vec<(usize, &str, &str)> = Vec::new();
        for f in &self.fields {
            let id = (f.document, f.kind.as_str(), f.workload.as_str());
            if !ids.contains(&id) {
                ids.push(id);
            }
        }
        let chosen: Vec<&(usize, &str, &str)> = match target.workload {
            Some(want) => {
                let mut parts = want.rsplitn(3, '/');
                let name = parts.next().unwrap_or(want);
                let kind = parts.next();
                let namespace = parts.next();
                let hits: Vec<_> = ids
                    .iter()
                    .filter(|(doc, k, n)| {
                        *n == name
                            && kind.is_none_or(|want| want.eq_ignore_ascii_case(k))
                            && namespace.is_none_or(|want| self.namespace_of(*doc, k, n) == want)
                    })
                    .collect();
                if hits.is_empty() {
                    return Err(EditError::new(
                        EditErrorKind::NotFound,
                        format!("no workload matches --workload {}", shown(want)),
                    )
                    .help(self.candidates("workloads in this file")));
                }
                hits
            }
            None => {
                let mut named: Vec<_> = ids
                    .iter()
                    .filter(|(_, _, n)| *n == target.service)
                    .collect();
                // A Service or ConfigMap that only looks like a workload (yq's per-document
                // assignment adds `spec.template.spec.containers` to every document of a file)
                // gives way to a real workload of the same name.
                if named.len() > 1 {
                    let known: Vec<_> = named
                        .iter()
                        .copied()
                        .filter(|(_, k, _)| WORKLOAD_KINDS.contains(k))
                        .collect();
                    if known.len() == 1 {
                        named = known;
                    }
                }
                if !named.is_empty() {
                    named
                } else if ids.len() == 1 {
                    ids.iter().collect()
                } else {
                    return Err(EditError::new(
                        EditErrorKind::Ambiguous,
                        format!(
                            "no workload is named {} and the file has {} workloads",
                            shown(target.service),
                            ids.len()
                        ),
                    )
                    .help(self.candidates("pick one with --workload")));
                }
            }
        };
        if chosen.len() > 1 {
            return Err(EditError::new(
                EditErrorKind::Ambiguous,
                format!("{} workloads match", chosen.len()),
            )
            .help(self.candidates("pick one with --workload")));
        }
        let (doc, kind, name) = chosen[0];
        Ok((*doc, kind, name))
    }

    /// The one container of workload (`doc`, `kind`, `name`) that `target` names
    /// (`--container`, else the one named like the service, else the first of `containers`).
    fn pick_container(
        &self,
        target: &Target<'_>,
        doc: usize,
        kind: &str,
        name: &str,
    ) -> Result<&ImageField, EditError> {
        let in_workload: Vec<&ImageField> = self
            .fields
            .iter()
            .filter(|f| f.document == doc && f.kind == kind && f.workload == name)
            .collect();
        let hits: Vec<&ImageField> = match target.container {
            Some(want) => in_workload
                .iter()
                .copied()
                .filter(|f| f.container == want)
                .collect(),
            None => {
                let main = || {
                    in_workload
                        .iter()
                        .copied()
                        .filter(|f| f.role == ContainerRole::Main)
                };
                let named: Vec<_> = main().filter(|f| f.container == target.service).collect();
                if named.is_empty() {
                    main().take(1).collect()
                } else {
                    named
                }
            }
        };
        match hits.as_slice() {
            [one] => Ok(one),
            [] => {
                let what = match target.container {
                    Some(want) => format!("no container named {} in {kind}/{name}", shown(want)),
                    None => format!("{kind}/{name} has no entry in `containers`"),
                };
                Err(EditError::new(EditErrorKind::NotFound, what)
                    .help(self.candidates("pick one with --container NAME")))
            }
            many => Err(EditError::new(
                EditErrorKind::Ambiguous,
                format!(
                    "{} containers of {kind}/{name} are named {}",
                    many.len(),
                    shown(&many[0].container)
                ),
            )
            .help(self.candidates("the file is probably invalid for Kubernetes; fix the names"))),
        }
    }

    /// The namespace of the workload (`doc`, `kind`, `name`).
    fn namespace_of(&self, doc: usize, kind: &str, name: &str) -> &str {
        self.fields
            .iter()
            .find(|f| f.document == doc && f.kind == kind && f.workload == name)
            .map_or("", |f| f.namespace.as_str())
    }

    /// The shortest `--workload` that picks `f`'s workload alone: `NAME`, `KIND/NAME`, or
    /// `NAMESPACE/KIND/NAME`; `None` when even that matches two (then no flag can pick it).
    pub(crate) fn selector(&self, f: &ImageField) -> Option<String> {
        // Each workload once: (document, namespace, kind, name).
        let mut ids: Vec<WorkloadId<'_>> = self
            .fields
            .iter()
            .map(|g| {
                (
                    g.document,
                    g.namespace.as_str(),
                    g.kind.as_str(),
                    g.workload.as_str(),
                )
            })
            .collect();
        ids.sort_unstable();
        ids.dedup();
        let same_name = |i: &&WorkloadId<'_>| i.3 == f.workload;
        let same_kind = |i: &&WorkloadId<'_>| same_name(i) && i.2.eq_ignore_ascii_case(&f.kind);
        if ids.iter().filter(same_name).count() == 1 && !f.workload.contains('/') {
            return Some(f.workload.clone());
        }
        if ids.iter().filter(same_kind).count() == 1 {
            return Some(f.workload_id());
        }
        let same_ns = |i: &&WorkloadId<'_>| same_kind(i) && i.1 == f.namespace;
        if !f.namespace.is_empty() && ids.iter().filter(same_ns).count() == 1 {
            return Some(format!("{}/{}", f.namespace, f.workload_id()));
        }
        None
    }

    /// A listing of every image field, for error messages: each with flags that pick it alone
    /// (or why none can).
    fn candidates(&self, lead: &str) -> String {
        let mut out = format!("{lead}:");
        for f in &self.fields {
            let role = if f.role == ContainerRole::Main {
                String::new()
            } else {
                format!(" ({})", f.role.as_str())
            };
            let unique_container = self
                .fields
                .iter()
                .filter(|g| {
                    g.document == f.document
                        && g.kind == f.kind
                        && g.workload == f.workload
                        && g.container == f.container
                })
                .count()
                == 1;
            let flags = match (self.selector(f), unique_container) {
                (Some(w), true) => format!("--workload {w} --container {}{role}", f.container),
                _ => format!(
                    "(no flag picks {}{} container {}: the file has two of it; rename one)",
                    if f.namespace.is_empty() {
                        String::new()
                    } else {
                        format!("{}/", f.namespace)
                    },
                    f.workload_id(),
                    f.container
                ),
            };
            out.push_str(&format!(
                "\n  {flags}   image {} at line {}",
                f.value, f.location.line
            ));
        }
        out
    }
}
