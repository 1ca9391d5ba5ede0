//! Workloads and their containers: every container image of every workload with a pod
//! template (Deployment, StatefulSet, DaemonSet, ReplicaSet, ReplicationController, Job,
//! CronJob, Pod, PodTemplate, Argo Rollout, any kind with `spec.template.spec.containers`,
//! and the items of a `kind: List`), each with its place and whether it can be edited safely.

use std::ops::Range;

use crate::reference::shown;

use super::slot::Slot;
use super::tree::{self, Node, Value};
use super::{floor_char_boundary, ImageField, Location, Seg};

/// Which list of the pod spec a container stands in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContainerRole {
    /// `containers`
    Main,
    /// `initContainers`
    Init,
    /// `ephemeralContainers`
    Ephemeral,
}

impl ContainerRole {
    const LISTS: [(&'static str, ContainerRole); 3] = [
        ("containers", ContainerRole::Main),
        ("initContainers", ContainerRole::Init),
        ("ephemeralContainers", ContainerRole::Ephemeral),
    ];

    /// `container`, `init` or `ephemeral`.
    pub fn as_str(self) -> &'static str {
        match self {
            ContainerRole::Main => "container",
            ContainerRole::Init => "init",
            ContainerRole::Ephemeral => "ephemeral",
        }
    }
}

/// The kinds known to run pods; another kind with a pod template is listed too, but loses a
/// tie on the name against one of these.
pub(super) const WORKLOAD_KINDS: [&str; 10] = [
    "Deployment",
    "StatefulSet",
    "DaemonSet",
    "ReplicaSet",
    "ReplicationController",
    "Job",
    "CronJob",
    "Pod",
    "PodTemplate",
    "Rollout",
];

/// Every container image field of `docs` (parsed from `text`) in file order, and how many
/// workloads were seen (a workload may have no image).
pub(super) fn find(text: &str, docs: &[tree::Document<'_>]) -> (Vec<ImageField>, usize) {
    let mut finder = Finder {
        text,
        fields: Vec::new(),
        workloads: 0,
        repeated: Vec::new(),
        doc_range: 0..0,
        namespace: String::new(),
        line_starts: std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect(),
    };
    for (i, doc) in docs.iter().enumerate() {
        if let Some(root) = &doc.root {
            finder.repeated.clone_from(&doc.repeated);
            finder.doc_range = doc.range.clone();
            finder.document(i, root);
        }
    }
    // File order, whatever order the container lists stand in.
    finder.fields.sort_by_key(|f| f.span.start);
    (finder.fields, finder.workloads)
}

/// Walks documents for workloads and their containers.
struct Finder<'t> {
    text: &'t str,
    fields: Vec<ImageField>,
    workloads: usize,
    /// Spans of values under keys that stand twice in one mapping (see `tree::parse`).
    repeated: Vec<Range<usize>>,
    /// Byte offsets where lines start, for locating many fields in one pass over the text.
    line_starts: Vec<usize>,
    /// The byte range of the document being walked.
    doc_range: Range<usize>,
    /// The namespace of the workload being walked.
    namespace: String,
}

impl Finder<'_> {
    fn locate(&self, offset: usize) -> Location {
        let line = self.line_starts.partition_point(|&s| s <= offset).max(1);
        let start = self.line_starts[line - 1];
        let offset = floor_char_boundary(self.text, offset.min(self.text.len()));
        let mut column = self.text[start..offset].chars().count() + 1;
        if start == 0 && self.text.starts_with('\u{feff}') {
            column -= 1;
        }
        Location { line, column }
    }

    fn document(&mut self, index: usize, root: &Node<'_>) {
        let kind = root.get("kind").and_then(Node::scalar).unwrap_or("");
        if kind == "List" {
            if let Some(Node {
                value: Value::Seq(items),
                ..
            }) = root.get("items")
            {
                for (i, item) in items.iter().enumerate() {
                    let path = vec![Seg::key("items"), Seg::Index(i)];
                    self.workload(index, item, path);
                }
            }
            return;
        }
        self.workload(index, root, Vec::new());
    }

    fn workload(&mut self, document: usize, root: &Node<'_>, base: Vec<Seg>) {
        let kind = root.get("kind").and_then(Node::scalar).unwrap_or("");
        let name = root
            .get_path(&["metadata", "name"])
            .and_then(Node::scalar)
            .unwrap_or("");
        root.get_path(&["metadata", "namespace"])
            .and_then(Node::scalar)
            .unwrap_or("")
            .clone_into(&mut self.namespace);
        let pod_path: &[&str] = match kind {
            "Pod" => &["spec"],
            "PodTemplate" => &["template", "spec"],
            "CronJob" => &["spec", "jobTemplate", "spec", "template", "spec"],
            _ => &["spec", "template", "spec"],
        };
        let Some(pod) = root.get_path(pod_path) else {
            return;
        };
        if !matches!(pod.value, Value::Map(_))
            || !ContainerRole::LISTS
                .iter()
                .any(|(key, _)| pod.get(key).is_some())
        {
            return;
        }
        self.workloads += 1;
        for (list_key, role) in ContainerRole::LISTS {
            let Some(Node {
                value: Value::Seq(containers),
                ..
            }) = pod.get(list_key)
            else {
                continue;
            };
            for (i, container) in containers.iter().enumerate() {
                let mut path = base.clone();
                path.extend(pod_path.iter().map(|k| Seg::key(k)));
                path.extend([Seg::key(list_key), Seg::Index(i), Seg::key("image")]);
                let Some((key, image)) = container.entry("image") else {
                    // The container's fields come from a YAML merge key: its image may be
                    // there, but it is the anchor's to change. Listed, and refused by name.
                    if let Some((merge, from)) = container.entry("<<") {
                        let mut field =
                            self.field(document, kind, name, container, role, (merge, from), path);
                        field.location = self.locate(merge.span.start);
                        field.value = String::new();
                        field.refusal = Some(format!(
                            "its fields come from a YAML merge key (`<<` at line {}, merging {}); imgbump does not edit merged values",
                            field.location.line,
                            shown(&self.text[from.span.clone()])
                        ));
                        self.fields.push(field);
                    }
                    continue;
                };
                let field = self.field(document, kind, name, container, role, (key, image), path);
                self.fields.push(field);
            }
        }
    }

    /// The field of `container`'s image `image` (the value of `key`), at `path`: what may be
    /// edited is decided by [`Slot::of`], as for every target kind.
    #[allow(clippy::too_many_arguments)]
    fn field(
        &self,
        document: usize,
        kind: &str,
        workload: &str,
        container: &Node<'_>,
        role: ContainerRole,
        (key, image): (&Node<'_>, &Node<'_>),
        path: Vec<Seg>,
    ) -> ImageField {
        let slot = Slot::of(
            self.text,
            &|offset| self.locate(offset),
            document,
            path,
            Some(key),
            image,
            &self.repeated,
        );
        ImageField {
            document,
            kind: kind.to_string(),
            workload: workload.to_string(),
            namespace: self.namespace.clone(),
            container: container
                .get("name")
                .and_then(Node::scalar)
                .unwrap_or("")
                .to_string(),
            role,
            value: slot.value,
            span: slot.span,
            location: slot.location,
            style: slot.style,
            refusal: slot.refusal,
            path: slot.path,
            doc_range: self.doc_range.clone(),
            key_at: key.span.start,
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::manifest::{ContainerRole, Manifest};

    #[test]
    fn every_kind_of_workload_and_container_list_is_found() {
        let text = "\
kind: List
items:
- kind: Rollout
  metadata: {name: web}
  spec: {template: {spec: {containers: [{name: web, image: 'r/web:1'}]}}}
- kind: Service
  metadata: {name: web}
  spec: {ports: [{port: 80}]}
---
kind: CronJob
metadata: {name: backup}
spec:
  jobTemplate:
    spec:
      template:
        spec:
          initContainers: [{name: wait, image: busybox}]
          containers: [{name: backup, image: r/backup:2}]
          ephemeralContainers: [{name: debug, image: r/debug:3}]
---
kind: Widget
metadata: {name: custom}
spec: {template: {spec: {containers: [{name: c, image: &x r/c:1}, {name: d, image: *x}]}}}
";
        let m = Manifest::parse(text).unwrap();
        let found: Vec<_> = m
            .images()
            .iter()
            .map(|f| {
                (
                    f.document,
                    f.workload_id(),
                    f.container.as_str(),
                    f.role,
                    f.refusal.is_some(),
                )
            })
            .collect();
        use ContainerRole::*;
        assert_eq!(
            found,
            [
                (0, "Rollout/web".into(), "web", Main, false),
                (1, "CronJob/backup".into(), "wait", Init, false),
                (1, "CronJob/backup".into(), "backup", Main, false),
                (1, "CronJob/backup".into(), "debug", Ephemeral, false),
                // An anchored image would change its aliases too; an alias, its anchor.
                (2, "Widget/custom".into(), "c", Main, true),
                (2, "Widget/custom".into(), "d", Main, true),
            ]
        );
        assert_eq!(m.images()[2].location.line, 18);
    }

    #[test]
    fn a_container_from_a_merge_key_is_named_as_such() {
        let text = "base: &c {name: web, image: r/web:1}\nkind: Pod\nmetadata: {name: web}\nspec:\n  containers:\n  - <<: *c\n";
        let m = Manifest::parse(text).unwrap();
        let err = m
            .set_image(
                &crate::manifest::Target::service("web"),
                &":2".parse().unwrap(),
            )
            .unwrap_err();
        assert_eq!(err.kind, crate::manifest::EditErrorKind::Unsafe);
        assert!(
            err.message
                .contains("merge key (`<<` at line 6, merging `*c`)"),
            "{err}"
        );
        assert_eq!(err.location.map(|l| l.line), Some(6));
    }
}
