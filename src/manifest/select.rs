//! Choosing the one field a [`Target`] names among a manifest's image fields, or explaining,
//! with ready-to-paste flags, why there is not exactly one.
//!
//! # The rule
//!
//! The one statement of how imgbump chooses when the flags leave a choice (README and `--help`
//! repeat it). Without `--workload`: the workload named like the service, else the only one.
//! Without `--container`, among that workload's `containers` (an init or ephemeral container
//! only when `--container` names it):
//!
//! 1. the container named like the service;
//! 2. else the one whose current image has the new image's repository, when exactly one has it
//!    (a `:TAG` or `@DIGEST` keeps whatever repository it meets, so this rule needs a full
//!    reference; read-only commands have no new image and skip it);
//! 3. else the only container;
//! 4. else a refusal ([`EditErrorKind::Ambiguous`]) that lists each container with the exact
//!    `--container` flag that picks it.
//!
//! A kustomization's `images:` entries are chosen the same way (named like the service, then the
//! new image's repository, then the only entry for a `:TAG`/`@DIGEST` or a read; see
//! `kustomize.rs`), and a key path that two documents hold is decided by the new image's
//! repository or refused (`values.rs`).

use crate::reference::{shown, ImageSpec, Reference};

use super::workload::{ContainerRole, WORKLOAD_KINDS};
use super::{EditError, EditErrorKind, ImageField, Manifest, Target};

/// A workload as (document, namespace, kind, name).
type WorkloadId<'a> = (usize, &'a str, &'a str, &'a str);

/// Whether `image` (as a manifest holds it) has `new`'s repository.
pub(super) fn same_repository(image: &str, new: &Reference) -> bool {
    image
        .parse::<Reference>()
        .is_ok_and(|old| old.same_repository(new))
}

impl Manifest<'_> {
    /// Picks the one field `target` names without a new image (for reading: `get`, `list`,
    /// `history`), by [the rule](self): named like the service, else the only container.
    ///
    /// ```
    /// use imgbump::manifest::{EditErrorKind, Manifest, Target};
    /// let text = "kind: Pod\nmetadata: {name: web}\nspec:\n  containers:\n  - {name: proxy, image: envoy}\n  - {name: app, image: 'r.io/app:1'}\n";
    /// let m = Manifest::parse(text).unwrap();
    /// // No container is named `web` and there are two: imgbump does not guess.
    /// let err = m.select(&Target::service("web")).unwrap_err();
    /// assert_eq!(err.kind, EditErrorKind::Ambiguous);
    /// assert!(err.help.unwrap().contains("--container app "));
    /// let app = Target { service: "web", workload: Some("Pod/web"), container: Some("app") };
    /// assert_eq!(m.select(&app).unwrap().value, "r.io/app:1");
    /// let none = Target { service: "web", workload: None, container: Some("db") };
    /// let err = m.select(&none).unwrap_err();
    /// assert_eq!(err.kind, EditErrorKind::NotFound);
    /// // The shortest selector that picks the workload alone is offered.
    /// assert!(err.help.unwrap().contains("--workload web --container app"));
    /// ```
    pub fn select(&self, target: &Target<'_>) -> Result<&ImageField, EditError> {
        self.choose(target, None)
    }

    /// Picks the one field `target` names for setting it to `new`, by [the rule](self): named
    /// like the service, else the one container with `new`'s repository (a full reference
    /// only), else the only container, else refused.
    ///
    /// ```
    /// use imgbump::manifest::{Manifest, Target};
    /// let text = "kind: Pod\nmetadata: {name: web}\nspec:\n  containers:\n  - {name: proxy, image: 'nginx:1.25'}\n  - {name: app, image: 'ghcr.io/isa/web:1.0'}\n";
    /// let m = Manifest::parse(text).unwrap();
    /// let new = "ghcr.io/isa/web:1.1".parse().unwrap();
    /// assert_eq!(m.choose(&Target::service("web"), Some(&new)).unwrap().container, "app");
    /// // `:TAG` keeps the repository it meets: it cannot choose between the two.
    /// assert!(m.choose(&Target::service("web"), Some(&":1.1".parse().unwrap())).is_err());
    /// ```
    pub fn choose(
        &self,
        target: &Target<'_>,
        new: Option<&ImageSpec>,
    ) -> Result<&ImageField, EditError> {
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
        self.pick_container(target, new, doc, kind, name)
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
    /// (`--container`, else [the rule](self)).
    fn pick_container(
        &self,
        target: &Target<'_>,
        new: Option<&ImageSpec>,
        doc: usize,
        kind: &str,
        name: &str,
    ) -> Result<&ImageField, EditError> {
        let in_workload: Vec<&ImageField> = self
            .fields
            .iter()
            .filter(|f| f.document == doc && f.kind == kind && f.workload == name)
            .collect();
        let Some(want) = target.container else {
            return self.default_container(target, new, &in_workload);
        };
        let hits: Vec<&ImageField> = in_workload
            .iter()
            .copied()
            .filter(|f| f.container == want)
            .collect();
        match hits.as_slice() {
            [one] => Ok(one),
            [] => Err(EditError::new(
                EditErrorKind::NotFound,
                format!("no container named {} in {kind}/{name}", shown(want)),
            )
            .help(self.candidates("pick one with --container NAME"))),
            many => Err(self.named_twice(many)),
        }
    }

    /// [The rule](self) among the `containers` of one workload (`in_workload`, every list).
    fn default_container<'f>(
        &self,
        target: &Target<'_>,
        new: Option<&ImageSpec>,
        in_workload: &[&'f ImageField],
    ) -> Result<&'f ImageField, EditError> {
        let main: Vec<&ImageField> = in_workload
            .iter()
            .copied()
            .filter(|f| f.role == ContainerRole::Main)
            .collect();
        let named: Vec<&ImageField> = main
            .iter()
            .copied()
            .filter(|f| f.container == target.service)
            .collect();
        match named.as_slice() {
            [one] => return Ok(one),
            [] => {}
            many => return Err(self.named_twice(many)),
        }
        let repo = match new {
            Some(ImageSpec::Full(r)) => Some(r),
            _ => None,
        };
        let same: Vec<&ImageField> = repo.map_or_else(Vec::new, |r| {
            main.iter()
                .copied()
                .filter(|f| same_repository(&f.value, r))
                .collect()
        });
        if let [one] = same.as_slice() {
            return Ok(one);
        }
        if let [one] = main.as_slice() {
            return Ok(one);
        }
        let Some(first) = in_workload.first() else {
            return Err(EditError::new(
                EditErrorKind::NotFound,
                "the workload has no image",
            ));
        };
        let id = first.workload_id();
        if main.is_empty() {
            return Err(EditError::new(
                EditErrorKind::NotFound,
                format!("{id} has no entry in `containers`"),
            )
            .help(self.candidates("pick one with --container NAME")));
        }
        let by_repo = match (new, repo) {
            (_, Some(r)) if same.is_empty() => {
                format!(
                    ", and none has the new image's repository {}",
                    shown(r.repository())
                )
            }
            (_, Some(r)) => format!(
                ", and {} have the new image's repository {}",
                same.len(),
                shown(r.repository())
            ),
            (Some(spec), None) => format!(
                ", and {} keeps the repository of the container it edits, so it cannot choose one",
                shown(&spec.to_string())
            ),
            (None, None) => String::new(),
        };
        Err(EditError::new(
            EditErrorKind::Ambiguous,
            format!(
                "{id} has {} containers and none is named {}{by_repo}; imgbump does not guess which one is meant",
                main.len(),
                shown(target.service)
            ),
        )
        .at(main[0].location)
        .help(self.containers_of(target, in_workload)))
    }

    /// Each container of one workload with the exact flags that pick it.
    fn containers_of(&self, target: &Target<'_>, in_workload: &[&ImageField]) -> String {
        let mut out = String::from("pick one with --container:");
        let workload = target
            .workload
            .map(|w| format!("--workload {w} "))
            .unwrap_or_default();
        for f in in_workload {
            let role = if f.role == ContainerRole::Main {
                String::new()
            } else {
                format!(" ({})", f.role.as_str())
            };
            out.push_str(&format!(
                "\n  {workload}--container {}{role}   image {} at line {}",
                f.container, f.value, f.location.line
            ));
        }
        out
    }

    /// Two containers of one workload with one name.
    fn named_twice(&self, many: &[&ImageField]) -> EditError {
        let f = many[0];
        EditError::new(
            EditErrorKind::Ambiguous,
            format!(
                "{} containers of {} are named {}",
                many.len(),
                f.workload_id(),
                shown(&f.container)
            ),
        )
        .help(self.candidates("the file is probably invalid for Kubernetes; fix the names"))
    }

    /// The namespace of the workload (`doc`, `kind`, `name`).
    fn namespace_of(&self, doc: usize, kind: &str, name: &str) -> &str {
        self.fields
            .iter()
            .find(|f| f.document == doc && f.kind == kind && f.workload == name)
            .map_or("", |f| f.namespace.as_str())
    }

    /// The shortest `--workload` that picks `f`'s workload alone: `NAME`, `KIND/NAME`, or
    /// `NAMESPACE/KIND/NAME` (`/KIND/NAME` for the one without a namespace); `None` when even
    /// that matches two (then no flag can pick it).
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
        // An empty namespace is written as one: `/Pod/my-hook` is the Pod without a namespace.
        let same_ns = |i: &&WorkloadId<'_>| same_kind(i) && i.1 == f.namespace;
        if ids.iter().filter(same_ns).count() == 1 {
            return Some(format!("{}/{}", f.namespace, f.workload_id()));
        }
        None
    }

    /// The flags that pick `f` alone (`--workload W --container C`, ` (init)` after a
    /// container that is not a main one), or `None` when no flag can: the file has two of it.
    pub fn flags_for(&self, f: &ImageField) -> Option<String> {
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
        let w = self.selector(f).filter(|_| unique_container)?;
        Some(format!("--workload {w} --container {}{role}", f.container))
    }

    /// A listing of every image field, for error messages: each with flags that pick it alone
    /// (or why none can).
    fn candidates(&self, lead: &str) -> String {
        let mut out = format!("{lead}:");
        for f in &self.fields {
            let flags = self.flags_for(f).unwrap_or_else(|| {
                format!(
                    "(no flag picks {}{} container {}: the file has two of it; rename one)",
                    if f.namespace.is_empty() {
                        String::new()
                    } else {
                        format!("{}/", f.namespace)
                    },
                    f.workload_id(),
                    f.container
                )
            });
            out.push_str(&format!(
                "\n  {flags}   image {} at line {}",
                f.value, f.location.line
            ));
        }
        out
    }
}
