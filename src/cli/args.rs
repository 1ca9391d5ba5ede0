//! The clap definition: the one source of `--help`, the shell completions and the man page.
// Items here keep `pub` while issues 30, 31, 32 and 35 reshape this room (their branches are
// in flight); `cargo fix` narrows them to pub(crate) once they land. The flattened groups'
// fields carry no doc comment: clap would take it for help text.
#![allow(unreachable_pub, missing_docs)]

use clap::{Args, CommandFactory, Parser, Subcommand, ValueEnum};

pub use super::commit_args::{
    AddArgs, CommitArgs, CommitViaArg, ForgeArg, HoldFlags, HoldWho, RegistryArgs,
};
pub use super::deploy_args::{ArgoArgs, NotifyArgs, NotifyOn};
pub use super::duration::parse_duration;
use std::path::PathBuf;

/// The exit codes, the one table `--help` and the man pages show: (code, meaning).
pub const EXIT_CODES: &[(&str, &str)] = &[
    ("0", "changed, already up to date, held (`imgbump hold`), or superseded by a newer --order-key"),
    ("1", "anything else: an unknown host, TLS, authentication, I/O"),
    ("2", "usage error"),
    ("3", "nothing matched: no manifest, workload or container, or more than one"),
    ("4", "refused: invalid service name or image, unsafe edit, uncommitted changes in the manifest, --expect-current not met, superseded with --fail-on-superseded, held with --fail-on-held"),
    ("5", "push failed after all retries (--timeout), or rejected by the remote"),
    ("6", "not deployed healthy: Argo CD reported a failure, or --wait-timeout ran out (after set --wait, the push stands)"),
    ("129, 130, 143", "SIGHUP, SIGINT or SIGTERM ended the run at a safe point (128 + the signal)"),
];

/// What `-h` says after the options: the exit codes in one line, and where the rest is.
const SHORT_AFTER: &str = "\
Exit: 0 done (or up to date, held, superseded), 1 other, 2 usage, 3 not found, 4 refused,
5 push failed, 6 not deployed. `--help` shows every option, the exit codes and examples.";

/// The examples of `set --help` (and imgbump's own).
macro_rules! examples {
    () => {
        "\
Examples:
  A manual rollout from a checkout:
    imgbump set agent=:sha-abc1234 --dry-run
    imgbump set agent=123456789.dkr.ecr.us-east-1.amazonaws.com/isa-agent:sha-abc12
  A kustomize overlay's `images:` entry, Helm values, an Argo CD Application:
    imgbump set web=:sha-abc1234 -f overlays/prod/kustomization.yaml --image-name isa-web
    imgbump set billing=:1.5 -f charts/billing/values-prod.yaml --key image
    imgbump set portal=:1.6 -f argocd/apps/portal.yaml --holds tag \\
      --key 'spec.source.helm.parameters[name=image.tag].value'
  With .imgbump.yaml (services, targets, environments):
    imgbump set web=:sha-abc1234 --env staging
    imgbump promote web --from staging --to production
  A GitHub Actions step (inputs through the environment, never pasted into the shell):
    - run: imgbump set -- \"$SERVICE=$IMAGE\"
      env:
        SERVICE: ${{ github.event.client_payload.service }}
        IMAGE: ${{ github.event.client_payload.image }}
  A Makefile target:
    deploy: ; imgbump set --repo $(REPO) -- \"$(SERVICE)=$(IMAGE)\""
    };
}

/// The exit-code table as `--help` prints it.
pub fn exit_codes_text() -> String {
    let mut out = String::from("Exit codes:\n");
    for (code, meaning) in EXIT_CODES {
        let mut line = format!("  {code:<4}");
        for word in meaning.split(' ') {
            if line.len() + 1 + word.len() > 96 {
                out.push_str(&line);
                out.push('\n');
                line = " ".repeat(6);
            }
            line.push(' ');
            line.push_str(word);
        }
        out.push_str(&line);
        out.push('\n');
    }
    out
}

/// `--help`'s text after the options: the exit codes, then `more` (examples).
fn long_after(more: &[&str]) -> String {
    let mut out = exit_codes_text();
    for m in more {
        out.push('\n');
        out.push_str(m);
        out.push('\n');
    }
    out.trim_end().to_string()
}

/// The incident example of `hold`, `release` and `rollback --hold`: the commands, the line a
/// hold writes, and a workflow a person runs.
macro_rules! hold_help {
    () => {
        "\
Example: an incident in production. Freeze agent where it is, roll it back and keep it there,
then let CI through again:
    imgbump hold agent --env production --reason incident-4711 --until 4h
    imgbump rollback agent --env production --ignore-hold
    imgbump release agent --env production
  or roll back and hold in one commit:
    imgbump rollback agent --env production --hold --reason incident-4711

The hold is a comment line above the key that holds the image (add or delete it by hand too):
    spec:
      template:
        spec:
          containers:
            - name: agent
              # imgbump:hold incident-4711 (oncall@example.com, 2026-12-04T10:31:07Z)
              image: 123456789.dkr.ecr.us-east-1.amazonaws.com/isa-agent:sha-abc123

While it stands, `imgbump set` leaves that image alone and reports `held` (exit 0, or 4 with
--fail-on-held); other services in the same run still land. --ignore-hold sets it anyway.

A workflow the on-call person runs from GitHub's Actions tab:
    on:
      workflow_dispatch:
        inputs:
          service: {required: true}
          reason: {required: true}
          until: {default: 4h}
    jobs:
      hold:
        runs-on: ubuntu-latest
        permissions: {contents: write}
        steps:
          - uses: actions/checkout@v4
          - run: >-
              imgbump hold --env production --by \"$ACTOR\"
              --reason \"$REASON\" --until \"$UNTIL\" -- \"$SERVICE\"
            env:
              SERVICE: ${{ inputs.service }}
              REASON: ${{ inputs.reason }}
              UNTIL: ${{ inputs.until }}
              ACTOR: ${{ github.actor }}"
    };
}
const HOLD_HELP: &str = hold_help!();

/// Bump a container image in a GitOps repository: change only the image's bytes, commit, push,
/// and retry on a moved branch.
#[derive(Debug, Parser)]
#[command(
    name = "imgbump",
    version,
    about,
    after_help = SHORT_AFTER,
    after_long_help = long_after(&[examples!()]),
    propagate_version = true
)]
pub struct Cli {
    /// Print less: errors only.
    #[arg(short, long, global = true)]
    pub quiet: bool,
    /// Print more (repeat for more detail).
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Bump one or more services' images in one commit, and push it.
    #[command(
        after_help = SHORT_AFTER,
        after_long_help = long_after(&[examples!(), HOLD_HELP, super::deploy_args::flow_help!()])
    )]
    Set(SetArgs),
    /// Print each service's current image.
    #[command(after_help = SHORT_AFTER, after_long_help = long_after(&[]))]
    Get(GetArgs),
    /// List every service's targets (per environment, from .imgbump.yaml) or every service the
    /// manifest template finds, with its images.
    #[command(after_help = SHORT_AFTER, after_long_help = long_after(&[]))]
    List(ListArgs),
    /// List the images a service's manifest held across the history, newest first.
    ///
    /// Of several targets, the first in .imgbump.yaml's order.
    #[command(after_help = SHORT_AFTER, after_long_help = long_after(&[]))]
    History(HistoryArgs),
    /// Put back the image before the current one (skipping images already rolled back from),
    /// and record the rollback.
    ///
    /// The history read is the first target's, in .imgbump.yaml's order.
    #[command(after_help = SHORT_AFTER, after_long_help = long_after(&[HOLD_HELP]))]
    Rollback(RollbackArgs),
    /// Copy a service's exact image (digest included) from one environment's targets to
    /// another's, in one commit.
    #[command(after_help = SHORT_AFTER, after_long_help = long_after(&[]))]
    Promote(PromoteArgs),
    /// Hold services where they are: a `# imgbump:hold` line above each image, one commit;
    /// `set` leaves a held image alone until it is released.
    #[command(after_help = SHORT_AFTER, after_long_help = long_after(&[HOLD_HELP]))]
    Hold(HoldArgs),
    /// Release services' holds: the hold lines removed, one commit.
    #[command(after_help = SHORT_AFTER, after_long_help = long_after(&[HOLD_HELP]))]
    Release(ReleaseArgs),
    /// Choose each service's next image from its registry by a policy (`semver:^1.4`,
    /// `newest-build:^sha-`, …) and bump those Git holds an older one of, in one commit.
    #[command(after_help = SHORT_AFTER, after_long_help = long_after(&[UPDATE_HELP]))]
    Update(UpdateArgs),
    /// Wait until Argo CD has deployed a service's commit (or a later one containing it),
    /// synced and healthy; exit 6 if it fails or the wait runs out.
    #[command(
        after_help = SHORT_AFTER,
        after_long_help = long_after(&[super::deploy_args::flow_help!()])
    )]
    Wait(WaitArgs),
    /// Print a shell completion script.
    #[command(after_help = COMPLETIONS_HELP)]
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff): imgbump(1), or a subcommand's, imgbump-set(1) and so on; or
    /// write them all into a directory.
    #[command(after_help = MAN_HELP)]
    Man {
        /// The subcommand whose page to print.
        #[arg(conflicts_with = "dir")]
        subcommand: Option<String>,
        /// Write every page (imgbump.1 and imgbump-SUBCOMMAND.1) into DIR/man1, for MANPATH.
        #[arg(long, value_name = "DIR")]
        dir: Option<PathBuf>,
    },
}

/// Where each shell looks for a completion script (`completions --help`, and the docs).
const COMPLETIONS_HELP: &str = "\
Where each shell looks (then start a new shell):
  bash        ~/.local/share/bash-completion/completions/imgbump   (bash-completion's user dir)
                imgbump completions bash > ~/.local/share/bash-completion/completions/imgbump
  zsh         a file named _imgbump in a directory of $fpath
                mkdir -p ~/.zfunc && imgbump completions zsh > ~/.zfunc/_imgbump
                and in ~/.zshrc, before compinit: fpath=(~/.zfunc $fpath)
  fish        ~/.config/fish/completions/imgbump.fish
                imgbump completions fish > ~/.config/fish/completions/imgbump.fish
  powershell  the profile: imgbump completions powershell >> $PROFILE
  elvish      ~/.config/elvish/lib/imgbump.elv, then `use imgbump` in rc.elv
The release archive and the repository's completions/ hold the same scripts.";

/// How to install the man pages (`man --help`).
const MAN_HELP: &str = "\
Install the pages where man finds them:
  imgbump man --dir ~/.local/share/man      # writes ~/.local/share/man/man1/imgbump*.1
  man imgbump-set                           # ~/.local/share/man is on man's default path;
                                            # elsewhere: export MANPATH=\"DIR:$MANPATH\"
The release archive and the repository's completions/ hold the same pages.";

impl Command {
    /// The `--repo` a subcommand works on.
    pub fn repo(&self) -> Option<&str> {
        match self {
            Command::Set(a) => Some(&a.repo.repo),
            Command::Get(a) => Some(&a.repo.repo),
            Command::List(a) => Some(&a.repo.repo),
            Command::History(a) => Some(&a.repo.repo),
            Command::Rollback(a) => Some(&a.repo.repo),
            Command::Promote(a) => Some(&a.repo.repo),
            Command::Hold(a) => Some(&a.repo.repo),
            Command::Release(a) => Some(&a.repo.repo),
            Command::Wait(a) => Some(&a.repo.repo),
            Command::Update(a) => Some(&a.repo.repo),
            Command::Completions { .. } | Command::Man { .. } => None,
        }
    }
}

/// Where the repository is and how to reach it.
#[derive(Debug, Args, Clone)]
pub struct RepoArgs {
    /// The repository: a path in a checkout, or a URL to clone.
    ///
    /// A path inside a checkout (open mode), or a URL to clone (https://, ssh://, git@host:path,
    /// file://, git://).
    ///
    /// A checkout is not the remote: its upstream is fetched first. Behind it, or with unpushed
    /// commits, the change is made on the remote's tip and the checkout is changed only once it
    /// landed (fast-forwarded when it was behind; unpushed commits are never pushed); a refusal
    /// leaves branch, index and work tree as they were. get, list, history and --dry-run read
    /// the local branch, say which commit, and warn when the remote holds more.
    #[arg(
        short = 'C',
        long,
        env = "IMGBUMP_REPO",
        default_value = ".",
        value_name = "PATH|URL"
    )]
    #[arg(help_heading = "Where")]
    pub repo: String,
    /// The branch (default: the checkout's, or the remote's default).
    ///
    /// The branch: default the current branch (checkout) or the remote's default branch (clone).
    #[arg(help_heading = "Where", short, long, env = "IMGBUMP_BRANCH")]
    pub branch: Option<String>,
    /// The manifest path, relative to the root (repeatable: the first that exists).
    ///
    /// The manifest path relative to the repository root, from any directory (`./` and an
    /// absolute path inside the checkout are taken too); `{service}` is replaced by the
    /// service name, `{env}` by each --env. Repeat it to try several in order (the first file
    /// that exists is edited). Default: the targets in .imgbump.yaml if the repository has one,
    /// else deployments/kubernetes/base/applications/{service}-deployment.yaml.
    #[arg(
        help_heading = "Where",
        short = 'f',
        long,
        env = "IMGBUMP_MANIFEST",
        value_name = "TEMPLATE"
    )]
    pub manifest: Vec<String>,
    /// How many commits to fetch when cloning (0: all).
    #[arg(
        help_heading = "Where",
        hide_short_help = true,
        long,
        default_value_t = 1,
        value_name = "N"
    )]
    pub depth: u32,
    /// Where to clone (default: a temporary directory removed at exit).
    #[arg(
        help_heading = "Where",
        hide_short_help = true,
        long,
        value_name = "DIR"
    )]
    pub workdir: Option<PathBuf>,
    /// Keep clones here between runs, so that a run fetches only what is new.
    ///
    /// Keep clones here between runs (one bare repository per remote URL, locked while in
    /// use), so that a run fetches only what is new.
    #[arg(
        help_heading = "Where",
        hide_short_help = true,
        long,
        env = "IMGBUMP_CACHE_DIR",
        value_name = "DIR"
    )]
    pub cache_dir: Option<PathBuf>,
    /// Output format: text (on stderr) or json (on stdout).
    ///
    /// Output format: text (human messages on stderr) or json (one object on stdout).
    #[arg(short, long, env = "IMGBUMP_OUTPUT", value_enum, default_value_t = Output::Text)]
    pub output: Output,
    /// How long to go on retrying a moved branch (90s, 10m, 1h).
    ///
    /// How long to go on retrying a moved branch: `90s`, `10m`, `1h`, or seconds. The whole
    /// run ends by then. A server's rate limit (GitHub's, a registry's or a webhook's
    /// `Retry-After`) is waited out within it, one line each wait; one that asks for longer
    /// fails at once.
    #[arg(help_heading = "How to deliver", long, env = "IMGBUMP_TIMEOUT", default_value = "10m", value_name = "DURATION", value_parser = parse_duration)]
    pub timeout: std::time::Duration,
    /// How long to go on retrying a refused, reset or cut connection.
    ///
    /// How long to go on retrying a connection that is refused, reset or cut (a server at its
    /// connection limit, a network blip), counted from the first failure of a streak. An
    /// unknown host, a TLS failure and HTTP 401, 403 and 404 fail at once.
    #[arg(help_heading = "How to deliver", hide_short_help = true, long, env = "IMGBUMP_CONNECT_TIMEOUT", default_value = "60s", value_name = "DURATION", value_parser = parse_duration)]
    pub connect_timeout: std::time::Duration,
    /// Authenticate as this GitHub App (needs --github-app-key).
    ///
    /// Authenticate as this GitHub App (its id or client id): a token for the one repository
    /// is minted from the App's installation and used for the clone, the push, the API commit
    /// and the pull request. Needs --github-app-key.
    #[arg(
        help_heading = "Where",
        hide_short_help = true,
        long,
        env = "IMGBUMP_GITHUB_APP_ID",
        value_name = "ID"
    )]
    pub github_app_id: Option<String>,
    /// The App's private key, a PEM file (or IMGBUMP_GITHUB_APP_KEY holding the PEM itself).
    /// Never printed.
    #[arg(
        help_heading = "Where",
        hide_short_help = true,
        long,
        value_name = "FILE"
    )]
    pub github_app_key: Option<PathBuf>,
}

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Output {
    /// Human-readable text on stderr.
    Text,
    /// One JSON object on stdout.
    Json,
}

/// Where in a file the image is, and in which environments (defaults: see `imgbump set --help`).
#[derive(Debug, Args, Clone)]
pub struct PickArgs {
    /// The workload: NAME, KIND/NAME, NAMESPACE/KIND/NAME, or /KIND/NAME (no namespace).
    ///
    /// The workload to edit: NAME, KIND/NAME or NAMESPACE/KIND/NAME; /KIND/NAME is the one
    /// without a namespace (default: the one named like the service, else the only one).
    #[arg(
        help_heading = "What to change",
        hide_short_help = true,
        long,
        value_name = "NAME|KIND/NAME|NS/KIND/NAME"
    )]
    pub workload: Option<String>,
    /// The container (default: named like the service, else by the image's repository, else the only one).
    ///
    /// The container to edit. Default, among `containers` (an init container only by name): the
    /// one named like the service; else the one whose image has the new image's repository
    /// (one only; not for :TAG/@DIGEST, which keep theirs); else the only one; else refused,
    /// listing each container's --container.
    #[arg(help_heading = "What to change", short, long, value_name = "NAME")]
    pub container: Option<String>,
    /// A kustomization's `images:` entry, by its `name`.
    ///
    /// The kustomization `images:` entry to edit, by its `name` (default, as for containers:
    /// the entry whose name is SERVICE or ends in /SERVICE; else the one with the new image's
    /// repository; else the only one, for :TAG/@DIGEST; else refused).
    #[arg(help_heading = "What to change", long, value_name = "NAME")]
    pub image_name: Option<String>,
    /// The key path of the value holding the image (Helm, Argo CD, any YAML).
    ///
    /// The value holding the image, as a key path: `image` (a Helm values mapping of
    /// registry/repository/tag/digest), `app.image` (a scalar reference), or
    /// `spec.source.helm.parameters[name=image.tag].value` with --holds tag, or
    /// `spec.source.kustomize.images[isa-web]` (an Argo CD `NAME=REFERENCE` item, `NAME=` kept).
    /// Dots separate keys, `[N]` indexes a list, `[KEY=VALUE]` picks the list item whose KEY is
    /// VALUE, `[NAME]` the item of a list of image strings that names the image NAME.
    #[arg(help_heading = "What to change", long, value_name = "PATH")]
    pub key: Option<String>,
    /// What the scalar at --key holds: a whole reference, only the tag, or only the digest.
    #[arg(
        help_heading = "What to change",
        hide_short_help = true,
        long,
        value_enum,
        value_name = "WHAT",
        requires = "key"
    )]
    pub holds: Option<HoldsArg>,
    /// The environment(s) of .imgbump.yaml (fills {env}); repeatable, one commit.
    ///
    /// The environment(s) of .imgbump.yaml to edit (fills {env}); repeat for several, in one commit.
    #[arg(
        help_heading = "What to change",
        short,
        long = "env",
        value_name = "NAME"
    )]
    pub env: Vec<String>,
}

/// `--holds`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum HoldsArg {
    /// A whole image reference.
    Reference,
    /// Only the tag (`:TAG` sets it).
    Tag,
    /// Only the digest (`@sha256:…` sets it).
    Digest,
}

impl PickArgs {
    /// The selection these flags and `repo`'s --manifest make.
    pub(crate) fn selection(
        &self,
        repo: &RepoArgs,
    ) -> Result<crate::bump::Selection, crate::failure::Failure> {
        use crate::failure::{FailKind, Failure};
        use crate::manifest::Holds;
        let key = match &self.key {
            Some(k) => Some(
                k.parse()
                    .map_err(|m: String| Failure::new(FailKind::Usage, format!("--key: {m}")))?,
            ),
            None => None,
        };
        if key.is_some()
            && (self.image_name.is_some() || self.workload.is_some() || self.container.is_some())
        {
            return Err(Failure::new(
                FailKind::Usage,
                "--key names the value itself: drop --image-name, --workload and --container",
            ));
        }
        if self.image_name.is_some() && (self.workload.is_some() || self.container.is_some()) {
            return Err(Failure::new(
                FailKind::Usage,
                "--image-name picks a kustomize `images:` entry: drop --workload and --container",
            ));
        }
        check_envs("--env", &self.env)?;
        Ok(crate::bump::Selection {
            manifests: repo.manifest.clone(),
            workload: self.workload.clone(),
            container: self.container.clone(),
            image_name: self.image_name.clone(),
            key,
            holds: self.holds.map(|h| match h {
                HoldsArg::Reference => Holds::Reference,
                HoldsArg::Tag => Holds::Tag,
                HoldsArg::Digest => Holds::Digest,
            }),
            envs: self.env.clone(),
            edit: Default::default(),
        })
    }
}

/// The environments `flag` (`--env`, `--from`, `--to`) names: each a name that may stand in a
/// path, none given twice.
pub(crate) fn check_envs(flag: &str, envs: &[String]) -> Result<(), crate::failure::Failure> {
    use crate::failure::{FailKind, Failure};
    for (i, e) in envs.iter().enumerate() {
        crate::service::check(e).map_err(|m| {
            Failure::new(
                FailKind::Usage,
                format!("{flag}: {}", m.replace("service name", "name")),
            )
        })?;
        if envs[..i].contains(e) {
            return Err(Failure::new(
                FailKind::Usage,
                format!("{flag} {e} is given twice"),
            ));
        }
    }
    Ok(())
}

/// `imgbump set`.
#[derive(Debug, Args)]
pub struct SetArgs {
    /// SERVICE=IMAGE pairs (IMAGE: a reference, :TAG or @sha256:…).
    ///
    /// SERVICE=IMAGE pairs; IMAGE is a full reference, `:TAG` or `@sha256:…` (keeping the
    /// repository). Put `--` before pairs that come from untrusted input.
    #[arg(
        required = true,
        value_name = "SERVICE=IMAGE",
        help_heading = "What to change"
    )]
    pub pairs: Vec<String>,
    #[command(flatten)]
    pub repo: RepoArgs,
    #[command(flatten)]
    pub pick: PickArgs,
    /// The commit message template ({service} {tag} {image} ...).
    ///
    /// The commit message; placeholders: {service} {image} {old_image} {tag} {digest} {file}
    /// {container} {env} {reason} (a hold's reason, on a held target).
    #[arg(
        short,
        long,
        env = "IMGBUMP_MESSAGE",
        default_value = "chore: update {service} image to {tag}",
        value_name = "TEMPLATE"
    )]
    #[arg(help_heading = "How to commit")]
    pub message: String,
    #[command(flatten)]
    pub commit: CommitArgs,
    /// Change the image only if it is this one now (a compare-and-swap).
    ///
    /// Change the image only if it is this one now (a compare-and-swap, checked against the
    /// branch's tip on every attempt); otherwise refuse and print the image it is. With one
    /// SERVICE=IMAGE.
    #[arg(
        help_heading = "Checks",
        hide_short_help = true,
        long,
        value_name = "IMAGE"
    )]
    pub expect_current: Option<String>,
    /// Accept a reference with neither tag nor digest (`nginx`: `nginx:latest`).
    ///
    /// Refuse a reference with neither tag nor digest (`nginx`, which means `nginx:latest`),
    /// unless this is given.
    #[arg(help_heading = "Checks", hide_short_help = true, long)]
    pub allow_latest: bool,
    /// Make a superseded bump (an older --order-key) exit 4.
    ///
    /// Make a superseded bump (an order key not greater than the recorded one) an error (exit
    /// 4) instead of a success that changes nothing.
    #[arg(help_heading = "Checks", hide_short_help = true, long)]
    pub fail_on_superseded: bool,
    #[command(flatten)]
    pub holds: HoldFlags,
    #[command(flatten)]
    pub add: AddArgs,
    #[command(flatten)]
    pub registry: RegistryArgs,
    /// After the push, wait until Argo CD has deployed it healthy.
    ///
    /// After the push, wait until Argo CD has deployed the commit, synced and healthy (see
    /// `imgbump wait`); exit 6 if it fails or --wait-timeout runs out.
    #[arg(help_heading = "After the push", long, env = "IMGBUMP_WAIT", value_parser = clap::builder::FalseyValueParser::new())]
    pub wait: bool,
    #[command(flatten)]
    pub argo: ArgoArgs,
    #[command(flatten)]
    pub notify: NotifyArgs,
}

/// The policies and an example, after `update`'s help.
const UPDATE_HELP: &str = "\
Policies (`policy:` on a target in .imgbump.yaml, or --policy for one service):
  semver:RANGE          ^1.2, ~1.4.0, >=1.2.0 <2; a `v` prefix is read; pre-releases only when
                        the range names one; build metadata is ignored in the order
  numeric:REGEX         tags the pattern matches, newest by the named group `key` (else the
                        whole match) read as a number: numeric:^main-(?P<key>[0-9]+)$
  alphabetical:REGEX    the same, compared as text: alphabetical:^sha-[0-9a-f]+-(?P<key>[0-9T]+)$
  newest-build[:REGEX]  the newest image config `created` time among the tags matched
  digest:TAG            follow a mutable tag: TAG@sha256:… written when its digest moves
Never backwards: an image in Git newer than every admitted tag is kept, and reported. Tags that
do not parse under the policy are skipped and counted.

Example: a scheduled workflow keeping staging at each service's newest build:
    on: {schedule: [{cron: '*/15 * * * *'}]}
    ...
    - run: imgbump update --env staging";

/// `imgbump update`.
#[derive(Debug, Args)]
pub struct UpdateArgs {
    /// The services to update (default: every service of .imgbump.yaml with a `policy:` on a
    /// target in the environments asked for).
    #[arg(value_name = "SERVICE")]
    pub services: Vec<String>,
    /// The policy for the one SERVICE named, over its targets' `policy:`.
    #[arg(long, value_name = "POLICY")]
    pub policy: Option<String>,
    #[command(flatten)]
    pub repo: RepoArgs,
    #[command(flatten)]
    pub pick: PickArgs,
    /// The commit message; placeholders as for `set`.
    #[arg(
        short,
        long,
        env = "IMGBUMP_UPDATE_MESSAGE",
        default_value = "chore: update {service} image to {tag}",
        value_name = "TEMPLATE"
    )]
    pub message: String,
    #[command(flatten)]
    pub commit: CommitArgs,
    #[command(flatten)]
    pub holds: HoldFlags,
    #[command(flatten)]
    pub add: AddArgs,
    #[command(flatten)]
    pub registry: RegistryArgs,
}

/// `imgbump hold`.
#[derive(Debug, Args)]
pub struct HoldArgs {
    /// The services to hold (each at the image it has now).
    #[arg(
        help_heading = "What to change",
        required = true,
        value_name = "SERVICE"
    )]
    pub services: Vec<String>,
    /// Why: an incident or ticket id, a sentence (one line, written into the manifest).
    #[arg(help_heading = "Hold", long, value_name = "TEXT")]
    pub reason: String,
    #[command(flatten)]
    pub who: HoldWho,
    #[command(flatten)]
    pub repo: RepoArgs,
    #[command(flatten)]
    pub pick: PickArgs,
    /// The commit message; placeholders as for `set`, and {reason}.
    #[arg(
        short,
        long,
        env = "IMGBUMP_HOLD_MESSAGE",
        default_value = "chore: hold {service} at {tag}: {reason}",
        value_name = "TEMPLATE"
    )]
    #[arg(help_heading = "How to commit", hide_short_help = true)]
    pub message: String,
    #[command(flatten)]
    pub commit: CommitArgs,
}

/// `imgbump release`.
#[derive(Debug, Args)]
pub struct ReleaseArgs {
    /// The services to release.
    #[arg(
        help_heading = "What to change",
        required = true,
        value_name = "SERVICE"
    )]
    pub services: Vec<String>,
    #[command(flatten)]
    pub repo: RepoArgs,
    #[command(flatten)]
    pub pick: PickArgs,
    /// The commit message; placeholders as for `set`.
    #[arg(
        short,
        long,
        env = "IMGBUMP_RELEASE_MESSAGE",
        default_value = "chore: release the hold on {service}",
        value_name = "TEMPLATE"
    )]
    #[arg(help_heading = "How to commit", hide_short_help = true)]
    pub message: String,
    #[command(flatten)]
    pub commit: CommitArgs,
}

/// `imgbump promote`.
#[derive(Debug, Args)]
pub struct PromoteArgs {
    /// The service to promote.
    #[arg(help_heading = "What to change")]
    pub service: String,
    /// The environment to copy the image from.
    #[arg(long, value_name = "ENV")]
    pub from: String,
    /// The environment(s) to copy it to (repeatable; one commit).
    #[arg(long, value_name = "ENV", required = true)]
    pub to: Vec<String>,
    #[command(flatten)]
    pub repo: RepoArgs,
    /// The commit message; placeholders as for `set`, and {env}.
    #[arg(
        short,
        long,
        env = "IMGBUMP_PROMOTE_MESSAGE",
        default_value = "chore: promote {service} to {env}: {tag}",
        value_name = "TEMPLATE"
    )]
    #[arg(help_heading = "How to commit", hide_short_help = true)]
    pub message: String,
    #[command(flatten)]
    pub commit: CommitArgs,
    #[command(flatten)]
    pub holds: HoldFlags,
    #[command(flatten)]
    pub add: AddArgs,
    #[command(flatten)]
    pub registry: RegistryArgs,
}

/// `imgbump rollback`.
#[derive(Debug, Args)]
pub struct RollbackArgs {
    /// The service to roll back.
    #[arg(help_heading = "What to change")]
    pub service: String,
    #[command(flatten)]
    pub repo: RepoArgs,
    #[command(flatten)]
    pub pick: PickArgs,
    /// The commit message; placeholders as for `set`.
    #[arg(
        short,
        long,
        env = "IMGBUMP_ROLLBACK_MESSAGE",
        default_value = "chore: roll back {service} to {tag}",
        value_name = "TEMPLATE"
    )]
    #[arg(help_heading = "How to commit", hide_short_help = true)]
    pub message: String,
    #[command(flatten)]
    pub commit: CommitArgs,
    #[command(flatten)]
    pub holds: HoldFlags,
    /// Hold the service at the image rolled back to, in the same commit (needs --reason).
    #[arg(help_heading = "Hold", long, requires = "reason")]
    pub hold: bool,
    /// Why it is held (with --hold).
    #[arg(help_heading = "Hold", long, value_name = "TEXT", requires = "hold")]
    pub reason: Option<String>,
    #[command(flatten)]
    pub who: HoldWho,
    #[command(flatten)]
    pub registry: RegistryArgs,
}

/// `imgbump get`.
#[derive(Debug, Args)]
// A read-only command never retries a moved branch: --timeout stays accepted (scripts pass
// it, and IMGBUMP_TIMEOUT) but is not offered.
#[command(
    mut_arg("timeout", |a| a.hide(true)),
    mut_arg("workload", |a| a.help_heading("Which target")),
    mut_arg("container", |a| a.help_heading("Which target")),
    mut_arg("image_name", |a| a.help_heading("Which target")),
    mut_arg("key", |a| a.help_heading("Which target")),
    mut_arg("holds", |a| a.help_heading("Which target")),
    mut_arg("env", |a| a
        .help_heading("Which target")
        .help("The environment(s) of .imgbump.yaml (fills {env}); repeatable"))
)]
pub struct GetArgs {
    /// Service names.
    #[arg(required = true)]
    pub services: Vec<String>,
    #[command(flatten)]
    pub repo: RepoArgs,
    #[command(flatten)]
    pub pick: PickArgs,
}

/// `imgbump list`.
#[derive(Debug, Args)]
// A read-only command never retries a moved branch: --timeout stays accepted (scripts pass
// it, and IMGBUMP_TIMEOUT) but is not offered.
#[command(mut_arg("timeout", |a| a.hide(true)))]
pub struct ListArgs {
    #[command(flatten)]
    pub repo: RepoArgs,
    /// Only these environments (default: all declared in .imgbump.yaml).
    #[arg(short, long = "env", value_name = "NAME")]
    pub env: Vec<String>,
    /// Only held targets.
    #[arg(long)]
    pub held: bool,
}

/// `imgbump history`.
#[derive(Debug, Args)]
// A read-only command never retries a moved branch: --timeout stays accepted (scripts pass
// it, and IMGBUMP_TIMEOUT) but is not offered.
#[command(
    mut_arg("timeout", |a| a.hide(true)),
    mut_arg("workload", |a| a.help_heading("Which target")),
    mut_arg("container", |a| a.help_heading("Which target")),
    mut_arg("image_name", |a| a.help_heading("Which target")),
    mut_arg("key", |a| a.help_heading("Which target")),
    mut_arg("holds", |a| a.help_heading("Which target")),
    mut_arg("env", |a| a
        .help_heading("Which target")
        .help("The environment(s) of .imgbump.yaml (fills {env}); repeatable"))
)]
pub struct HistoryArgs {
    /// The service.
    pub service: String,
    #[command(flatten)]
    pub repo: RepoArgs,
    #[command(flatten)]
    pub pick: PickArgs,
    /// Print only the N-th image: 0 is the current one, 1 the one before (for a rollback).
    #[arg(long, value_name = "N")]
    pub nth: Option<usize>,
    /// How many images to list at most.
    #[arg(long, default_value_t = 20, value_name = "N")]
    pub max: usize,
}

/// The man page, generated from the clap definition: imgbump(1), or with a subcommand's name,
/// its own page (imgbump-set(1), which imgbump(1) points to); `None` for no such subcommand.
pub fn man_page(subcommand: Option<&str>) -> Option<Vec<u8>> {
    let mut cmd = Cli::command();
    cmd.build();
    let page = match subcommand {
        None => cmd,
        Some(name) => {
            let sub = cmd.find_subcommand(name)?.clone();
            // Printed once before the process ends: a leaked name costs nothing.
            let title: &'static str =
                Box::leak(format!("imgbump-{}", sub.get_name()).into_boxed_str());
            sub.name(title).version(env!("CARGO_PKG_VERSION"))
        }
    };
    Some(render_man(page))
}

/// A page as clap_mangen renders it, but for the text after the options: the exit codes as a
/// table (`.TP`) and the examples unfilled (`.nf`), where clap_mangen would refill them as
/// running text and break their indentation.
fn render_man(page: clap::Command) -> Vec<u8> {
    let after = page
        .get_after_long_help()
        .or_else(|| page.get_after_help())
        .map(|a| a.to_string())
        .unwrap_or_default();
    let examples = after
        .strip_prefix(exit_codes_text().trim_end())
        .unwrap_or(&after)
        .trim();
    let examples = examples.strip_prefix("Examples:\n").unwrap_or(examples);
    let plain = page
        .clone()
        .after_help(None::<&str>)
        .after_long_help(None::<&str>);
    let man = clap_mangen::Man::new(plain);
    let mut out = Vec::new();
    let _ = man.render(&mut out);
    // The VERSION section goes last; ours before it.
    let version_at = find(&out, b"\n.SH VERSION").map_or(out.len(), |i| i + 1);
    let tail = out.split_off(version_at);
    out.extend_from_slice(b".SH \"EXIT STATUS\"\n");
    for (code, meaning) in EXIT_CODES {
        out.extend_from_slice(format!(".TP\n{}\n{}\n", roff(code), roff(meaning)).as_bytes());
    }
    if !examples.is_empty() && !page.has_subcommands() {
        out.extend_from_slice(b".SH EXAMPLES\n.nf\n");
        for line in examples.lines() {
            out.extend_from_slice(format!("{}\n", roff(line)).as_bytes());
        }
        out.extend_from_slice(b".fi\n");
    }
    out.extend_from_slice(&tail);
    out
}

/// Where `needle` first occurs in `hay`.
fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// A line of text as roff prints it verbatim: backslashes and hyphens escaped, a leading `.`
/// or `'` made inert.
fn roff(line: &str) -> String {
    let text = line.replace('\\', "\\e").replace('-', "\\-");
    if text.starts_with('.') || text.starts_with('\'') {
        format!("\\&{text}")
    } else {
        text
    }
}

/// Writes imgbump(1) and every subcommand's page into `dir/man1`, for MANPATH; returns the
/// files written.
pub fn write_man_pages(dir: &std::path::Path) -> std::io::Result<Vec<PathBuf>> {
    let man1 = dir.join("man1");
    std::fs::create_dir_all(&man1)?;
    let mut names: Vec<Option<String>> = vec![None];
    names.extend(subcommands().into_iter().map(Some));
    let mut written = Vec::new();
    for name in names {
        let Some(page) = man_page(name.as_deref()) else {
            continue;
        };
        let file = man1.join(match &name {
            None => "imgbump.1".to_string(),
            Some(n) => format!("imgbump-{n}.1"),
        });
        std::fs::write(&file, page)?;
        written.push(file);
    }
    Ok(written)
}

/// The subcommands' names, for their man pages.
pub fn subcommands() -> Vec<String> {
    Cli::command()
        .get_subcommands()
        .map(|c| c.get_name().to_string())
        .collect()
}

/// `imgbump wait`.
#[derive(Debug, Args)]
// One name per idea: the wait's deadline is --wait-timeout, and `wait --timeout` means it too
// (hidden); the clone's own deadline keeps IMGBUMP_TIMEOUT, under a hidden name.
#[command(
    mut_arg("timeout", |a| a.long("clone-timeout").hide(true)),
    mut_arg("wait_timeout", |a| a
        .alias("timeout")
        .hide_short_help(false)
        .help_heading("Argo CD")),
    mut_arg("argocd_app", |a| a.hide_short_help(false).help_heading("Argo CD")),
    mut_arg("argocd_server", |a| a.help_heading("Argo CD")),
    mut_arg("insecure_argocd", |a| a.help_heading("Argo CD")),
    mut_arg("poll_interval", |a| a.help_heading("Argo CD")),
    mut_arg("notify", |a| a.help_heading("Argo CD")),
    mut_arg("notify_on", |a| a.help_heading("Argo CD")),
    mut_arg("workload", |a| a.help_heading("Which target")),
    mut_arg("container", |a| a.help_heading("Which target")),
    mut_arg("image_name", |a| a.help_heading("Which target")),
    mut_arg("key", |a| a.help_heading("Which target")),
    mut_arg("holds", |a| a.help_heading("Which target")),
    mut_arg("env", |a| a
        .help_heading("Which target")
        .help("The environment(s) of .imgbump.yaml (fills {env}); repeatable"))
)]
pub struct WaitArgs {
    /// The service.
    pub service: String,
    /// The commit to wait for (default: the one that brought the service's current image).
    #[arg(long, value_name = "SHA")]
    pub commit: Option<String>,
    #[command(flatten)]
    pub repo: RepoArgs,
    #[command(flatten)]
    pub pick: PickArgs,
    #[command(flatten)]
    pub argo: ArgoArgs,
    #[command(flatten)]
    pub notify: NotifyArgs,
}
