//! `.imgbump.yaml`: which files hold each service's image, how, and in which environments.
//!
//! ```yaml
//! environments: [staging, production]
//! services:
//!   agent:                                   # one target, or a list of them
//!     manifest: deployments/kubernetes/base/applications/agent-deployment.yaml
//!     container: agent
//!   web:
//!     - manifest: deployments/kubernetes/overlays/{env}/kustomization.yaml
//!       image-name: isa-web
//!   billing:
//!     - manifest: charts/billing/values-{env}.yaml
//!       key: image
//!   portal:
//!     - manifest: argocd/apps/portal-{env}.yaml
//!       key: spec.source.helm.parameters[name=image.tag].value
//!       holds: tag
//!       environments: [production]           # only there
//!     - manifest: argocd/apps/portal-staging.yaml
//!       key: spec.source.helm.parameters[name=image.tag].value
//!       holds: tag
//!       environments: [staging]
//!       policy: "semver:^1.4"                # what `imgbump update` chooses from the registry
//! default:                                   # services not listed above
//!   - manifest: deployments/kubernetes/base/grpc-services/{service}/deployment.yaml
//! argocd: {app: "{service}-{env}"}           # the Argo CD application `wait` reads
//! notify: ["slack:${SLACK_WEBHOOK_URL}"]     # a variable's name, never the URL itself
//! ```
//!
//! A target may name its own application (`argocd: {app: isa-portal}`).
//!
//! The file is read from the commit being edited (reviewed like any other file, read again on
//! every retry). Unknown keys and wrong types are errors at file:line:col; paths are checked
//! to stay inside the repository when they are filled in.

use std::fmt;

use crate::manifest::tree::{self, Node, Value};
use crate::manifest::{location, Holds, KeyPath, Location};
use crate::reference::shown;
use crate::service;

/// The file's name, at the repository's root.
pub const FILE: &str = ".imgbump.yaml";

/// A parsed `.imgbump.yaml`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Config {
    /// The environments `{env}` may take, in the order declared.
    pub environments: Vec<String>,
    /// Each listed service's targets, in file order.
    pub services: Vec<(String, Vec<TargetSpec>)>,
    /// The targets of a service not listed (templates with `{service}`).
    pub default: Vec<TargetSpec>,
    /// The Argo CD application of a service's targets (`{service}`, `{env}` filled in), unless
    /// a target names its own.
    pub argocd_app: Option<String>,
    /// Where to send notifications: `slack:…` and `webhook:…`, a URL or `${VARIABLE}`.
    pub notify: Vec<String>,
}

/// One place a service's image is held: a file (template) and how to find the image in it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TargetSpec {
    /// The path template: `{service}` and `{env}` are filled in.
    pub manifest: String,
    /// `NAME`, `KIND/NAME` or `NAMESPACE/KIND/NAME` of the workload.
    pub workload: Option<String>,
    /// The container.
    pub container: Option<String>,
    /// The kustomize `images:` entry's `name`.
    pub image_name: Option<String>,
    /// A key path to the value holding the image.
    pub key: Option<KeyPath>,
    /// What the value at `key` holds.
    pub holds: Holds,
    /// Only in these environments (all when empty).
    pub environments: Vec<String>,
    /// Check the new image in its registry before writing it (`verify: true`, or a list of
    /// environments).
    pub verify: Switch,
    /// Pin the tag's digest as the registry reports it (`pin-digest: true`, or a list of
    /// environments).
    pub pin_digest: Switch,
    /// The Argo CD application that deploys this target (`{service}`, `{env}` filled in).
    pub argocd_app: Option<String>,
    /// How `imgbump update` chooses this target's image from its registry (checked to be a
    /// [`crate::policy::Policy`] when read).
    pub policy: Option<String>,
    /// Who must have signed a new image (`signature:`): for every environment (`None`), or
    /// by environment's name.
    pub signature: Vec<(Option<String>, SignatureSpec)>,
    /// Where it is declared (for messages); 0 for a target from the command line.
    pub line: usize,
}

/// A signature requirement, by the command line's long flag names (`verify-signature`,
/// `certificate-identity`...); files are paths in the repository.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SignatureSpec {
    /// `key:PATH` or `keyless`.
    pub verify_signature: String,
    /// The signer's identity, exactly.
    pub certificate_identity: Option<String>,
    /// A regular expression for the signer's identity.
    pub certificate_identity_regexp: Option<String>,
    /// The OIDC issuer, exactly.
    pub certificate_oidc_issuer: Option<String>,
    /// A regular expression for the OIDC issuer.
    pub certificate_oidc_issuer_regexp: Option<String>,
    /// The GitHub workflow's repository.
    pub certificate_github_workflow_repository: Option<String>,
    /// The GitHub workflow's ref.
    pub certificate_github_workflow_ref: Option<String>,
    /// A sigstore trusted root (a path).
    pub trusted_root: Option<String>,
    /// Where it is declared (1-based line; 0 from the command line).
    pub line: usize,
}

impl TargetSpec {
    /// The signature requirement for a target placed in `env`: the environment's own, else
    /// the one for every environment.
    pub fn signature_in(&self, env: Option<&str>) -> Option<&SignatureSpec> {
        let own = env.and_then(|e| self.signature.iter().find(|(k, _)| k.as_deref() == Some(e)));
        own.or_else(|| self.signature.iter().find(|(k, _)| k.is_none()))
            .map(|(_, s)| s)
    }
}

/// The keys of a `signature:` requirement.
const SIGNATURE_KEYS: [&str; 8] = [
    "verify-signature",
    "certificate-identity",
    "certificate-identity-regexp",
    "certificate-oidc-issuer",
    "certificate-oidc-issuer-regexp",
    "certificate-github-workflow-repository",
    "certificate-github-workflow-ref",
    "trusted-root",
];

/// A setting that is on, off, or on in some environments.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Switch {
    /// Off (the default).
    #[default]
    Off,
    /// On everywhere.
    On,
    /// On in these environments.
    In(Vec<String>),
}

impl Switch {
    /// Whether it is on for a target placed in `env`.
    pub fn on_in(&self, env: Option<&str>) -> bool {
        match self {
            Switch::Off => false,
            Switch::On => true,
            Switch::In(envs) => env.is_some_and(|e| envs.iter().any(|x| x == e)),
        }
    }
}

/// A target placed in one file: the template filled in for a service and an environment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placed {
    /// The file, relative to the repository's root.
    pub path: String,
    /// The environment, when the template has `{env}` or the target is limited to some.
    pub env: Option<String>,
    /// How to find the image in it.
    pub spec: TargetSpec,
}

/// One signature requirement's settings, checked as far as the file alone can be.
fn signature_spec(r: &Reader<'_>, v: &Node<'_>) -> Result<SignatureSpec, ConfigError> {
    let mut s = SignatureSpec {
        line: location(r.text, v.span.start).line,
        ..SignatureSpec::default()
    };
    for (k, val) in r.map(v, "a signature requirement")? {
        let key = r.string(k, "a key")?;
        let text = r.string(val, &format!("`{key}`"))?;
        let slot = match key.as_str() {
            "verify-signature" => {
                s.verify_signature = text;
                continue;
            }
            "certificate-identity" => &mut s.certificate_identity,
            "certificate-identity-regexp" => &mut s.certificate_identity_regexp,
            "certificate-oidc-issuer" => &mut s.certificate_oidc_issuer,
            "certificate-oidc-issuer-regexp" => &mut s.certificate_oidc_issuer_regexp,
            "certificate-github-workflow-repository" => {
                &mut s.certificate_github_workflow_repository
            }
            "certificate-github-workflow-ref" => &mut s.certificate_github_workflow_ref,
            "trusted-root" => &mut s.trusted_root,
            other => {
                return r.err(
                    k,
                    format!(
                        "unknown key {}; a signature requirement takes {}",
                        shown(other),
                        SIGNATURE_KEYS.join(", ")
                    ),
                )
            }
        };
        *slot = Some(text);
    }
    if s.verify_signature.is_empty() {
        return r.err(v, "a signature requirement needs `verify-signature`: `key:PATH` (a path in the repository) or `keyless`");
    }
    let paths = [
        s.verify_signature.strip_prefix("key:"),
        s.trusted_root.as_deref(),
    ];
    for path in paths.into_iter().flatten() {
        crate::git::check_relative_path(path).or_else(|m| r.err(v, m))?;
    }
    Ok(s)
}

/// A config that cannot be used: what and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    /// What is wrong, and how to fix it.
    pub message: String,
    /// Where in the file.
    pub location: Option<Location>,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(FILE)?;
        if let Some(at) = self.location {
            write!(f, ":{at}")?;
        }
        write!(f, ": {}", self.message)
    }
}

impl std::error::Error for ConfigError {}

struct Reader<'t> {
    text: &'t str,
}

impl Reader<'_> {
    fn err<T>(&self, node: &Node<'_>, message: impl Into<String>) -> Result<T, ConfigError> {
        let mut message = message.into();
        if matches!(node.value, Value::Alias) {
            message
                .push_str(" (it is an alias, and .imgbump.yaml follows none: write the value out)");
        } else if node.anchored || node.tagged {
            message.push_str(" (.imgbump.yaml reads no anchors or tags: remove it)");
        }
        Err(ConfigError {
            message,
            location: Some(location(self.text, node.span.start)),
        })
    }

    fn map<'n, 't>(
        &self,
        node: &'n Node<'t>,
        what: &str,
    ) -> Result<&'n [(Node<'t>, Node<'t>)], ConfigError> {
        match &node.value {
            Value::Map(entries) => Ok(entries),
            _ => self.err(node, format!("{what} must be a mapping")),
        }
    }

    fn string(&self, node: &Node<'_>, what: &str) -> Result<String, ConfigError> {
        match (&node.value, node.anchored || node.tagged) {
            (Value::Scalar { text, .. }, false) if !node.span.is_empty() => Ok(text.to_string()),
            _ => self.err(node, format!("{what} must be a string")),
        }
    }

    /// `argocd: {app: TEMPLATE}`: the application's name template.
    fn argocd(&self, node: &Node<'_>) -> Result<String, ConfigError> {
        let mut app = None;
        for (k, v) in self.map(node, "`argocd`")? {
            match self.string(k, "a key")?.as_str() {
                "app" => {
                    let t = self.string(v, "`argocd.app`")?;
                    crate::template::check(&t, &["service", "env"]).or_else(|m| self.err(v, m))?;
                    app = Some(t);
                }
                other => {
                    return self.err(
                        k,
                        format!("unknown key {}; `argocd` takes `app`", shown(other)),
                    )
                }
            }
        }
        app.map_or_else(
            || self.err(node, "`argocd` needs `app`: the application's name"),
            Ok,
        )
    }

    fn strings(&self, node: &Node<'_>, what: &str) -> Result<Vec<String>, ConfigError> {
        match &node.value {
            Value::Seq(items) => items.iter().map(|i| self.string(i, what)).collect(),
            Value::Scalar { .. } => Ok(vec![self.string(node, what)?]),
            _ => self.err(node, format!("{what} must be a list of names")),
        }
    }
}

impl Config {
    /// Parses and checks the text of `.imgbump.yaml`.
    ///
    /// ```
    /// use imgbump::config::Config;
    /// let c = Config::parse("environments: [staging]\nservices:\n  web:\n    manifest: o/{env}/kustomization.yaml\n").unwrap();
    /// assert_eq!(c.services[0].1[0].manifest, "o/{env}/kustomization.yaml");
    /// let err = Config::parse("services:\n  web: {manifest: a.yaml, contianer: web}\n").unwrap_err();
    /// assert_eq!(err.location.unwrap().line, 2);
    /// assert!(err.message.contains("unknown key `contianer`"));
    /// ```
    pub fn parse(text: &str) -> Result<Config, ConfigError> {
        let r = Reader { text };
        let docs = tree::parse(text).map_err(|e| ConfigError {
            message: match &e {
                tree::ParseError::Syntax(s) => format!("invalid YAML: {}", s.message),
                tree::ParseError::Duplicate(d) => format!("the key {} stands twice", shown(&d.key)),
            },
            location: Some(location(
                text,
                match &e {
                    tree::ParseError::Syntax(s) => s.offset,
                    tree::ParseError::Duplicate(d) => d.offset,
                },
            )),
        })?;
        let mut config = Config::default();
        let roots: Vec<&Node<'_>> = docs.iter().filter_map(|d| d.root.as_ref()).collect();
        let root = match roots.as_slice() {
            [] => return Ok(config),
            [one] => *one,
            [_, second, ..] => return r.err(second, "the file must hold one YAML document"),
        };
        if matches!(&root.value, Value::Scalar { .. }) && root.span.is_empty() {
            return Ok(config);
        }
        let mut services_node = None;
        let mut default_node = None;
        for (k, v) in r.map(root, "the file")? {
            match r.string(k, "a key")?.as_str() {
                "environments" => {
                    for (i, env) in r.strings(v, "`environments`")?.into_iter().enumerate() {
                        service::check(&env).map_err(|m| ConfigError {
                            message: format!(
                                "environment {}: {}",
                                shown(&env),
                                m.replace("service name", "name")
                            ),
                            location: Some(location(text, v.span.start)),
                        })?;
                        if config.environments.contains(&env) {
                            return r.err(
                                v,
                                format!(
                                    "the environment {} is listed twice (item {})",
                                    shown(&env),
                                    i + 1
                                ),
                            );
                        }
                        config.environments.push(env);
                    }
                }
                "services" => services_node = Some(v),
                "default" => default_node = Some(v),
                "argocd" => config.argocd_app = Some(r.argocd(v)?),
                "notify" => config.notify = r.strings(v, "`notify`")?,
                other => {
                    return r.err(
                        k,
                        format!(
                        "unknown key {}; the file takes `environments`, `services`, `default`, `argocd` and `notify`",
                        shown(other)
                    ),
                    )
                }
            }
        }
        if let Some(v) = services_node {
            for (k, targets) in r.map(v, "`services`")? {
                let name = r.string(k, "a service name")?;
                service::check(&name).map_err(|m| ConfigError {
                    message: m,
                    location: Some(location(text, k.span.start)),
                })?;
                let targets = config.targets(&r, targets, Some(&name))?;
                config.services.push((name, targets));
            }
        }
        if let Some(v) = default_node {
            config.default = config.targets(&r, v, None)?;
        }
        Ok(config)
    }

    /// A service's targets: one mapping, or a list of them.
    fn targets(
        &self,
        r: &Reader<'_>,
        node: &Node<'_>,
        service: Option<&str>,
    ) -> Result<Vec<TargetSpec>, ConfigError> {
        let items: Vec<&Node<'_>> = match &node.value {
            Value::Seq(items) if !items.is_empty() => items.iter().collect(),
            Value::Map(_) => vec![node],
            _ => {
                return r.err(
                    node,
                    "a service's targets must be a mapping with `manifest`, or a list of them",
                )
            }
        };
        items
            .into_iter()
            .map(|t| self.target(r, t, service))
            .collect()
    }

    fn target(
        &self,
        r: &Reader<'_>,
        node: &Node<'_>,
        service: Option<&str>,
    ) -> Result<TargetSpec, ConfigError> {
        let mut t = TargetSpec {
            line: location(r.text, node.span.start).line,
            ..TargetSpec::default()
        };
        let mut holds = None;
        for (k, v) in r.map(node, "a target")? {
            let key = r.string(k, "a key")?;
            match key.as_str() {
                "manifest" => t.manifest = r.string(v, "`manifest`")?,
                "workload" => t.workload = Some(r.string(v, "`workload`")?),
                "container" => t.container = Some(r.string(v, "`container`")?),
                "image-name" => t.image_name = Some(r.string(v, "`image-name`")?),
                "key" => {
                    let text = r.string(v, "`key`")?;
                    t.key = Some(text.parse().or_else(|m: String| r.err(v, m))?);
                }
                "holds" => {
                    holds = Some(v);
                    t.holds = match r.string(v, "`holds`")?.as_str() {
                        "tag" => Holds::Tag,
                        "digest" => Holds::Digest,
                        "reference" => Holds::Reference,
                        other => return r.err(v, format!("`holds` is `tag`, `digest` or `reference`, not {}", shown(other))),
                    }
                }
                "environments" => {
                    for env in r.strings(v, "`environments`")? {
                        if !self.environments.contains(&env) {
                            return r.err(v, format!("the environment {} is not declared in `environments` ({})", shown(&env), self.listed()));
                        }
                        t.environments.push(env);
                    }
                }
                "verify" => t.verify = self.switch(r, v, "verify")?,
                "argocd" => t.argocd_app = Some(r.argocd(v)?),
                "pin-digest" => t.pin_digest = self.switch(r, v, "pin-digest")?,
                "policy" => {
                    let text = r.string(v, "`policy`")?;
                    text.parse::<crate::policy::Policy>().or_else(|m| r.err(v, m))?;
                    t.policy = Some(text);
                }
                "signature" => t.signature = self.signatures(r, v)?,
                other => {
                    return r.err(
                        k,
                        format!("unknown key {}; a target takes `manifest`, `workload`, `container`, `image-name`, `key`, `holds`, `environments`, `verify`, `pin-digest`, `policy`, `signature` and `argocd`", shown(other)),
                    )
                }
            }
        }
        if t.manifest.is_empty() {
            return r.err(
                node,
                "a target needs `manifest`: the file's path from the repository's root",
            );
        }
        check_template(
            &t.manifest,
            service.is_none(),
            !self.environments.is_empty(),
        )
        .or_else(|m| r.err(node, m))?;
        if t.key.is_some()
            && (t.image_name.is_some() || t.workload.is_some() || t.container.is_some())
        {
            return r.err(
                node,
                "`key` names the value itself: drop `image-name`, `workload` and `container`",
            );
        }
        if t.image_name.is_some() && (t.workload.is_some() || t.container.is_some()) {
            return r.err(
                node,
                "`image-name` picks a kustomize `images:` entry: drop `workload` and `container`",
            );
        }
        if let (Some(h), None) = (holds, &t.key) {
            return r.err(h, "`holds` goes with `key`");
        }
        Ok(t)
    }

    /// `signature:`: the settings for every environment, or a mapping of environments to them.
    fn signatures(
        &self,
        r: &Reader<'_>,
        v: &Node<'_>,
    ) -> Result<Vec<(Option<String>, SignatureSpec)>, ConfigError> {
        let entries = r.map(v, "`signature`")?;
        let direct = entries.iter().any(|(k, _)| {
            r.string(k, "a key")
                .is_ok_and(|k| SIGNATURE_KEYS.contains(&k.as_str()))
        });
        if direct {
            return Ok(vec![(None, signature_spec(r, v)?)]);
        }
        let mut out = Vec::new();
        for (k, settings) in entries {
            let env = r.string(k, "an environment")?;
            if !self.environments.contains(&env) {
                return r.err(k, format!("`signature` takes the settings ({}) or environments declared in `environments` ({}), not {}", SIGNATURE_KEYS.join(", "), self.listed(), shown(&env)));
            }
            out.push((Some(env), signature_spec(r, settings)?));
        }
        Ok(out)
    }

    /// `true`, `false`, or a list of declared environments.
    fn switch(&self, r: &Reader<'_>, v: &Node<'_>, what: &str) -> Result<Switch, ConfigError> {
        if let Value::Scalar {
            text,
            style: crate::manifest::Style::Plain,
        } = &v.value
        {
            match &**text {
                "true" => return Ok(Switch::On),
                "false" => return Ok(Switch::Off),
                _ => {}
            }
        }
        if !matches!(v.value, Value::Seq(_)) {
            return r.err(
                v,
                format!("`{what}` is true, false, or a list of environments"),
            );
        }
        let envs = r.strings(v, &format!("`{what}`"))?;
        for env in &envs {
            if !self.environments.contains(env) {
                return r.err(
                    v,
                    format!(
                        "the environment {} is not declared in `environments` ({})",
                        shown(env),
                        self.listed()
                    ),
                );
            }
        }
        Ok(Switch::In(envs))
    }

    fn listed(&self) -> String {
        if self.environments.is_empty() {
            "none are".to_string()
        } else {
            self.environments.join(", ")
        }
    }

    /// The targets of `service`: its own, else the default ones.
    pub fn targets_for(&self, service: &str) -> Result<&[TargetSpec], String> {
        if let Some((_, t)) = self.services.iter().find(|(s, _)| s == service) {
            return Ok(t);
        }
        if !self.default.is_empty() {
            return Ok(&self.default);
        }
        let names: Vec<&str> = self.services.iter().map(|(s, _)| s.as_str()).collect();
        Err(format!(
            "{FILE} has no service {}{} and no `default` targets; its services: {}",
            shown(service),
            service::did_you_mean(&service::nearest(service, names.iter().copied())),
            if names.is_empty() {
                "none".to_string()
            } else {
                names.join(", ")
            }
        ))
    }

    /// Checks `envs` against the declared environments.
    pub fn check_envs(&self, envs: &[String]) -> Result<(), String> {
        for e in envs {
            if !self.environments.contains(e) {
                return Err(format!(
                    "--env {}: {FILE} declares {}",
                    shown(e),
                    if self.environments.is_empty() {
                        "no environments".to_string()
                    } else {
                        format!("the environments {}", self.environments.join(", "))
                    }
                ));
            }
        }
        Ok(())
    }
}

/// Checks a template's placeholders: only `{service}` (required in a default target) and
/// `{env}` (only with environments declared).
fn check_template(template: &str, default: bool, has_envs: bool) -> Result<(), String> {
    if template.contains("{env}") && !has_envs {
        return Err(format!(
            "`manifest` {} uses {{env}}, but no `environments` are declared",
            shown(template)
        ));
    }
    // One pass: an unknown placeholder is named, and the fixed parts are what is checked below.
    let probe = crate::template::fill(template, &[("service", "s"), ("env", "e")])
        .map_err(|m| format!("`manifest` {m}"))?;
    if default && !template.contains("{service}") {
        return Err(format!(
            "a `default` target's `manifest` needs {{service}}: {} would be every service's",
            shown(template)
        ));
    }
    // The fixed parts must stay inside the repository.
    crate::git::check_relative_path(&probe)
}

/// Places `specs` for `service` in each of `envs` (every `{env}` template needs at least one;
/// a target limited to some environments is placed only in those asked for).
pub fn place(
    specs: &[TargetSpec],
    service: &str,
    envs: &[String],
    declared: &[String],
) -> Result<Vec<Placed>, String> {
    service::check(service)?;
    let mut out = Vec::new();
    for spec in specs {
        let templated = spec.manifest.contains("{env}");
        let fill = |env: Option<&str>| -> Result<Placed, String> {
            let path = crate::template::fill(
                &spec.manifest,
                &[("service", service), ("env", env.unwrap_or("{env}"))],
            )?;
            crate::git::check_relative_path(&path)?;
            Ok(Placed {
                path,
                env: env.map(str::to_string),
                spec: spec.clone(),
            })
        };
        let wanted: Vec<&String> = envs
            .iter()
            .filter(|e| spec.environments.is_empty() || spec.environments.contains(e))
            .collect();
        if templated {
            if envs.is_empty() {
                return Err(format!(
                    "the targets of {service} depend on the environment ({}); pass --env NAME (one of {})",
                    spec.manifest,
                    if declared.is_empty() { "none declared".to_string() } else { declared.join(", ") }
                ));
            }
            for e in wanted {
                out.push(fill(Some(e))?);
            }
        } else if spec.environments.is_empty() || envs.is_empty() {
            out.push(fill(None)?);
        } else if let Some(e) = wanted.first() {
            out.push(Placed {
                env: Some((*e).clone()),
                ..fill(None)?
            });
        }
    }
    if out.is_empty() {
        return Err(format!(
            "{service} has no target in {}",
            envs.iter()
                .map(|e| format!("--env {e}"))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signature_requirement_is_for_every_environment_or_by_environment() {
        let direct = "environments: [staging, production]\nservices:\n  web:\n    - manifest: o/{env}/k.yaml\n      signature:\n        verify-signature: keyless\n        certificate-identity: a@b\n        certificate-oidc-issuer: https://i\n";
        let c = Config::parse(direct).unwrap();
        let t = &c.services[0].1[0];
        let s = t.signature_in(Some("production")).unwrap();
        assert_eq!(
            (
                s.verify_signature.as_str(),
                s.certificate_identity.as_deref(),
                s.line
            ),
            ("keyless", Some("a@b"), 6)
        );
        assert_eq!(t.signature_in(Some("staging")), Some(s));
        let by_env = "environments: [staging, production]\nservices:\n  web:\n    - manifest: o/{env}/k.yaml\n      signature:\n        staging:\n          verify-signature: key:keys/s.pub\n";
        let c = Config::parse(by_env).unwrap();
        let t = &c.services[0].1[0];
        assert_eq!(
            t.signature_in(Some("staging")).unwrap().verify_signature,
            "key:keys/s.pub"
        );
        assert_eq!(t.signature_in(Some("production")), None);
        let good = "staging:\n          verify-signature: key:keys/s.pub";
        for (bad, says) in [
            (
                "qa:\n          verify-signature: key:keys/s.pub",
                "`signature` takes the settings",
            ),
            (
                "staging:\n          certificate-identity: a",
                "needs `verify-signature`",
            ),
            ("staging:\n          verify-signature: key:../x.pub", ".."),
            (
                "staging:\n          verify-signatur: keyless",
                "unknown key `verify-signatur`",
            ),
        ] {
            let err = Config::parse(&by_env.replace(good, bad)).unwrap_err();
            assert!(err.message.contains(says), "{bad}: {}", err.message);
        }
    }

    #[test]
    fn the_issue_shape_reads_and_places() {
        let text = "\
environments: [staging, production]
services:
  agent:
    - manifest: deployments/kubernetes/base/applications/agent-deployment.yaml
      container: agent
  web:
    - manifest: deployments/kubernetes/overlays/{env}/kustomization.yaml
      image-name: isa-web
  billing:
    - manifest: charts/billing/values-{env}.yaml
      key: image
  portal:
    - manifest: argocd/apps/portal-{env}.yaml
      key: spec.source.helm.parameters[name=image.tag].value
      holds: tag
default:
  manifest: deployments/kubernetes/base/grpc-services/{service}/deployment.yaml
";
        let c = Config::parse(text).unwrap();
        assert_eq!(c.environments, ["staging", "production"]);
        assert_eq!(c.services.len(), 4);
        let envs = vec!["staging".to_string(), "production".to_string()];
        let web = place(c.targets_for("web").unwrap(), "web", &envs, &c.environments).unwrap();
        let paths: Vec<_> = web.iter().map(|p| p.path.as_str()).collect();
        assert_eq!(
            paths,
            [
                "deployments/kubernetes/overlays/staging/kustomization.yaml",
                "deployments/kubernetes/overlays/production/kustomization.yaml"
            ]
        );
        assert!(
            place(c.targets_for("web").unwrap(), "web", &[], &c.environments)
                .unwrap_err()
                .contains("--env")
        );
        let agent = place(
            c.targets_for("agent").unwrap(),
            "agent",
            &[],
            &c.environments,
        )
        .unwrap();
        assert_eq!(agent[0].spec.container.as_deref(), Some("agent"));
        let auth = place(c.targets_for("auth").unwrap(), "auth", &[], &c.environments).unwrap();
        assert_eq!(
            auth[0].path,
            "deployments/kubernetes/base/grpc-services/auth/deployment.yaml"
        );
        assert_eq!(c.services[3].1[0].holds, Holds::Tag);
    }

    #[test]
    fn mistakes_are_reported_where_they_stand() {
        for (text, line, words) in [
            (
                "services:\n  web:\n    manifest: a.yaml\n    contianer: web\n",
                4,
                "unknown key `contianer`",
            ),
            ("servces: {}\n", 1, "unknown key `servces`"),
            ("services:\n  web: [a.yaml]\n", 2, "must be a mapping"),
            (
                "services:\n  web: &t {manifest: a.yaml}\n  api: *t\n",
                3,
                "it is an alias, and .imgbump.yaml follows none",
            ),
            (
                "services:\n  web: {manifest: !!str a.yaml}\n",
                2,
                "reads no anchors or tags",
            ),
            ("services:\n  web: {container: x}\n", 2, "needs `manifest`"),
            (
                "services:\n  Web: {manifest: a.yaml}\n",
                2,
                "invalid service name",
            ),
            (
                "services:\n  web: {manifest: ../a.yaml}\n",
                2,
                "leaves the repository",
            ),
            ("services:\n  web: {manifest: /etc/a.yaml}\n", 2, ""),
            (
                "services:\n  web: {manifest: 'o/{env}/k.yaml'}\n",
                2,
                "no `environments`",
            ),
            (
                "services:\n  web: {manifest: 'o/{x}/k.yaml'}\n",
                2,
                "unknown placeholder",
            ),
            (
                "environments: [a]\nservices:\n  web: {manifest: a.yaml, environments: [b]}\n",
                3,
                "not declared",
            ),
            (
                "services:\n  web: {manifest: a.yaml, holds: tag}\n",
                2,
                "goes with `key`",
            ),
            (
                "services:\n  web: {manifest: a.yaml, key: 'a..b'}\n",
                2,
                "invalid key path",
            ),
            (
                "services:\n  web: {manifest: a.yaml, key: image, container: x}\n",
                2,
                "drop",
            ),
            ("default: {manifest: a.yaml}\n", 1, "needs {service}"),
            ("environments: [a, a]\n", 1, "twice"),
            ("services:\n  web: {manifest: [a]}\n", 2, "must be a string"),
            (
                "services: {web: {manifest: a.yaml}}\nservices: {}\n",
                2,
                "twice",
            ),
        ] {
            let err = Config::parse(text).unwrap_err();
            assert_eq!(err.location.map(|l| l.line), Some(line), "{text}: {err}");
            assert!(err.message.contains(words), "{text}: {err}");
        }
        assert_eq!(Config::parse("").unwrap(), Config::default());
        assert_eq!(Config::parse("# nothing yet\n").unwrap(), Config::default());
    }

    #[test]
    fn argo_cd_applications_and_notifications_are_read() {
        let c = Config::parse("environments: [staging]\nargocd: {app: \"{service}-{env}\"}\nnotify: [\"slack:${SLACK_URL}\"]\nservices:\n  web:\n    manifest: o/{env}/k.yaml\n    argocd:\n      app: isa-web-{env}\n").unwrap();
        assert_eq!(c.argocd_app.as_deref(), Some("{service}-{env}"));
        assert_eq!(c.notify, ["slack:${SLACK_URL}"]);
        assert_eq!(
            c.services[0].1[0].argocd_app.as_deref(),
            Some("isa-web-{env}")
        );
        for (bad, says) in [
            ("argocd: {application: x}\n", "`argocd` takes `app`"),
            ("argocd: {}\n", "`argocd` needs `app`"),
            ("argocd: {app: \"{name}\"}\n", "{name}"),
            ("notify: {slack: x}\n", "`notify` must be a list"),
        ] {
            let err = Config::parse(bad).unwrap_err();
            assert!(err.message.contains(says), "{bad}: {err}");
            assert!(err.location.is_some());
        }
    }

    #[test]
    fn policies_are_read_per_target_and_checked() {
        let c = Config::parse("environments: [s, p]\nservices:\n  web:\n    - {manifest: 's.yaml', environments: [s], policy: 'newest-build:^sha-'}\n    - {manifest: 'p.yaml', environments: [p], policy: 'semver:~1.4'}\n    - {manifest: 'x.yaml'}\n").unwrap();
        let policies: Vec<_> = c.services[0]
            .1
            .iter()
            .map(|t| t.policy.as_deref())
            .collect();
        assert_eq!(
            policies,
            [Some("newest-build:^sha-"), Some("semver:~1.4"), None]
        );
        for (text, words) in [
            (
                "services:\n  web: {manifest: a.yaml, policy: 'semver:'}\n",
                "needs a range",
            ),
            (
                "services:\n  web: {manifest: a.yaml, policy: newest}\n",
                "unknown policy",
            ),
            (
                "services:\n  web: {manifest: a.yaml, policy: [semver]}\n",
                "must be a string",
            ),
        ] {
            let err = Config::parse(text).unwrap_err();
            assert!(
                err.message.contains(words) && err.location.map(|l| l.line) == Some(2),
                "{err}"
            );
        }
    }

    #[test]
    fn registry_switches_are_on_off_or_per_environment() {
        let c = Config::parse("environments: [s, p]\nservices:\n  web: {manifest: a.yaml, verify: true, pin-digest: [p]}\n").unwrap();
        let t = &c.services[0].1[0];
        assert!(t.verify.on_in(None) && t.verify.on_in(Some("s")));
        assert!(
            t.pin_digest.on_in(Some("p"))
                && !t.pin_digest.on_in(Some("s"))
                && !t.pin_digest.on_in(None)
        );
        for (text, words) in [
            (
                "services:\n  web: {manifest: a.yaml, verify: yes}\n",
                "true, false, or a list",
            ),
            (
                "environments: [a]\nservices:\n  web: {manifest: a.yaml, pin-digest: [b]}\n",
                "not declared",
            ),
        ] {
            let err = Config::parse(text).unwrap_err();
            assert!(
                err.message.contains(words) && err.location.is_some(),
                "{err}"
            );
        }
    }
}
