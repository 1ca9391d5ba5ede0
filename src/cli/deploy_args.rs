//! The clap definition of what follows a push: waiting for Argo CD (`imgbump wait`,
//! `set --wait`) and notifications. Part of the one clap definition (`args.rs`).

use clap::{Args, ValueEnum};

use super::duration::parse_duration;

/// The whole flow, as `wait --help` and `set --help` show it.
macro_rules! flow_help {
    () => {
        "\
Example: the whole flow in GitHub Actions. Bump staging, wait until Argo CD has deployed it
healthy, say so in Slack, then promote to production:
    jobs:
      deploy:
        runs-on: ubuntu-latest
        env:
          ARGOCD_SERVER: argocd.example.com
          ARGOCD_AUTH_TOKEN: ${{ secrets.ARGOCD_AUTH_TOKEN }}
          IMGBUMP_NOTIFY: slack:${{ secrets.SLACK_WEBHOOK_URL }}
        steps:
          - run: imgbump set --env staging --wait -- \"$SERVICE=$IMAGE\"
            env:
              SERVICE: ${{ github.event.client_payload.service }}
              IMAGE: ${{ github.event.client_payload.image }}
          - run: imgbump promote \"$SERVICE\" --from staging --to production
            env:
              SERVICE: ${{ github.event.client_payload.service }}

Or wait for what is already pushed:
    imgbump wait agent --env staging --argocd-app agent-staging --wait-timeout 15m

Exit 6: not deployed healthy (Argo CD reported a failure, or --wait-timeout ran out); the last
state seen is reported, and after `set --wait` what was pushed, which stands."
    };
}
pub(super) use flow_help;

/// Where Argo CD is, and how long to wait for it.
#[derive(Debug, Args, Clone)]
pub struct ArgoArgs {
    /// The Argo CD API server (token: ARGOCD_AUTH_TOKEN).
    ///
    /// The Argo CD API server, as Argo CD's CLI takes it: HOST[:PORT] (HTTPS) or a URL. Its
    /// token comes from ARGOCD_AUTH_TOKEN, sent as a Bearer token, never printed.
    #[arg(
        help_heading = "After the push",
        long,
        env = "ARGOCD_SERVER",
        value_name = "SERVER"
    )]
    pub argocd_server: Option<String>,
    /// The Argo CD application (default: .imgbump.yaml's `argocd: {app: …}`).
    ///
    /// The Argo CD application that deploys the service (default: `argocd: {app: …}` in
    /// .imgbump.yaml, with {service} and {env}).
    #[arg(
        hide_short_help = true,
        help_heading = "After the push",
        long,
        value_name = "NAME"
    )]
    pub argocd_app: Option<String>,
    /// Allow a plain-HTTP Argo CD server that is not on this machine.
    #[arg(help_heading = "After the push", hide_short_help = true, long)]
    pub insecure_argocd: bool,
    /// How long to wait for the deployment before giving up (exit 6).
    #[arg(hide_short_help = true, help_heading = "After the push", long, env = "IMGBUMP_WAIT_TIMEOUT", default_value = "10m", value_name = "DURATION", value_parser = parse_duration)]
    pub wait_timeout: std::time::Duration,
    /// How often to read the application.
    #[arg(help_heading = "After the push", hide_short_help = true, long, default_value = "5s", value_name = "DURATION", value_parser = parse_duration)]
    pub poll_interval: std::time::Duration,
}

/// Where to say what happened.
#[derive(Debug, Args, Clone)]
pub struct NotifyArgs {
    /// Say what happened: slack:WEBHOOK_URL or webhook:URL (repeatable).
    ///
    /// Tell what happened: slack:WEBHOOK_URL (an incoming webhook) or webhook:URL (JSON);
    /// repeatable; also IMGBUMP_NOTIFY (space-separated) and `notify:` in .imgbump.yaml. A
    /// notification that fails is a warning, never the run's outcome. URLs are never printed.
    #[arg(
        long,
        env = "IMGBUMP_NOTIFY",
        value_delimiter = ' ',
        value_name = "slack:URL|webhook:URL",
        hide_env_values = true
    )]
    #[arg(help_heading = "After the push")]
    pub notify: Vec<String>,
    /// When to notify.
    #[arg(help_heading = "After the push", hide_short_help = true, long, value_enum, default_value_t = NotifyOn::Always, value_name = "WHEN")]
    pub notify_on: NotifyOn,
}

/// `--notify-on`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum NotifyOn {
    /// When it went well.
    Success,
    /// When it did not.
    Failure,
    /// Both.
    Always,
}
