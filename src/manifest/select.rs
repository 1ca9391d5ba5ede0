//! Choosing the one field a [`Target`] names among a manifest's image fields, or explaining,
//! with ready-to-paste flags, why there is not exactly one.

use crate::reference::shown;

use super::workload::{ContainerRole, WORKLOAD_KINDS};
use super::{EditError, EditErrorKind, ImageField, Manifest, Target};

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
    /// assert!(err.help.unwrap().contains("--workload Pod/web --container app"));
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
                let (kind, name) = match want.split_once('/') {
                    Some((k, n)) => (Some(k), n),
                    None => (None, want),
                };
                let hits: Vec<_> = ids
                    .iter()
                    .filter(|(_, k, n)| {
                        *n == name && kind.is_none_or(|want| want.eq_ignore_ascii_case(k))
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
                    .help(self.candidates("pick one with --workload KIND/NAME")));
                }
            }
        };
        if chosen.len() > 1 {
            return Err(EditError::new(
                EditErrorKind::Ambiguous,
                format!("{} workloads match", chosen.len()),
            )
            .help(self.candidates("pick one with --workload KIND/NAME")));
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

    /// A listing of every image field, for error messages.
    fn candidates(&self, lead: &str) -> String {
        let mut out = format!("{lead}:");
        for f in &self.fields {
            let role = if f.role == ContainerRole::Main {
                String::new()
            } else {
                format!(" ({})", f.role.as_str())
            };
            out.push_str(&format!(
                "\n  --workload {} --container {}{role}   image {} at line {}",
                f.workload_id(),
                f.container,
                f.value,
                f.location.line
            ));
        }
        out
    }
}
