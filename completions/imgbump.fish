# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_imgbump_global_optspecs
    string join \n q/quiet v/verbose h/help V/version
end

function __fish_imgbump_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_imgbump_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_imgbump_using_subcommand
    set -l cmd (__fish_imgbump_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c imgbump -n "__fish_imgbump_needs_command" -s q -l quiet -d 'Print less: errors only'
complete -c imgbump -n "__fish_imgbump_needs_command" -s v -l verbose -d 'Print more (repeat for more detail)'
complete -c imgbump -n "__fish_imgbump_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c imgbump -n "__fish_imgbump_needs_command" -s V -l version -d 'Print version'
complete -c imgbump -n "__fish_imgbump_needs_command" -f -a "set" -d 'Bump one or more services\' images in one commit, and push it'
complete -c imgbump -n "__fish_imgbump_needs_command" -f -a "get" -d 'Print each service\'s current image'
complete -c imgbump -n "__fish_imgbump_needs_command" -f -a "list" -d 'List every service\'s targets (per environment, from .imgbump.yaml) or every service the manifest template finds, with its images'
complete -c imgbump -n "__fish_imgbump_needs_command" -f -a "history" -d 'List the images a service\'s manifest held across the history, newest first'
complete -c imgbump -n "__fish_imgbump_needs_command" -f -a "rollback" -d 'Put back the image before the current one (skipping images already rolled back from), and record the rollback'
complete -c imgbump -n "__fish_imgbump_needs_command" -f -a "promote" -d 'Copy a service\'s exact image (digest included) from one environment\'s targets to another\'s, in one commit'
complete -c imgbump -n "__fish_imgbump_needs_command" -f -a "hold" -d 'Hold services where they are: a `# imgbump:hold` line above each image, one commit; `set` leaves a held image alone until it is released'
complete -c imgbump -n "__fish_imgbump_needs_command" -f -a "release" -d 'Release services\' holds: the hold lines removed, one commit'
complete -c imgbump -n "__fish_imgbump_needs_command" -f -a "update" -d 'Choose each service\'s next image from its registry by a policy (`semver:^1.4`, `newest-build:^sha-`, …) and bump those Git holds an older one of, in one commit'
complete -c imgbump -n "__fish_imgbump_needs_command" -f -a "wait" -d 'Wait until Argo CD has deployed a service\'s commit (or a later one containing it), synced and healthy; exit 6 if it fails or the wait runs out'
complete -c imgbump -n "__fish_imgbump_needs_command" -f -a "completions" -d 'Print a shell completion script'
complete -c imgbump -n "__fish_imgbump_needs_command" -f -a "man" -d 'Print the man page (roff): imgbump(1), or a subcommand\'s, imgbump-set(1) and so on; or write them all into a directory'
complete -c imgbump -n "__fish_imgbump_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c imgbump -n "__fish_imgbump_using_subcommand set" -s C -l repo -d 'The repository: a path in a checkout, or a URL to clone' -r
complete -c imgbump -n "__fish_imgbump_using_subcommand set" -s b -l branch -d 'The branch (default: the checkout\'s, or the remote\'s default)' -r
complete -c imgbump -n "__fish_imgbump_using_subcommand set" -s f -l manifest -d 'The manifest path, relative to the root (repeatable: the first that exists)' -r
complete -c imgbump -n "__fish_imgbump_using_subcommand set" -l depth -d 'How many commits to fetch when cloning (0: all)' -r
complete -c imgbump -n "__fish_imgbump_using_subcommand set" -l workdir -d 'Where to clone (default: a temporary directory removed at exit)' -r -F
complete -c imgbump -n "__fish_imgbump_using_subcommand set" -l cache-dir -d 'Keep clones here between runs, so that a run fetches only what is new' -r -F
complete -c imgbump -n "__fish_imgbump_using_subcommand set" -s o -l output -d 'Output format: text (on stderr) or json (on stdout)' -r -f -a "text\t'Human-readable text on stderr'
json\t'One JSON object on stdout'"
complete -c imgbump -n "__fish_imgbump_using_subcommand set" -l timeout -d 'How long to go on retrying a moved branch (90s, 10m, 1h)' -r
complete -c imgbump -n "__fish_imgbump_using_subcommand set" -l connect-timeout -d 'How long to go on retrying a refused, reset or cut connection' -r
complete -c imgbump -n "__fish_imgbump_using_subcommand set" -l github-app-id -d 'Authenticate as this GitHub App (needs --github-app-key)' -r
complete -c imgbump -n "__fish_imgbump_using_subcommand set" -l github-app-key -d 'The App\'s private key, a PEM file (or IMGBUMP_GITHUB_APP_KEY holding the PEM itself). Never printed' -r -F
complete -c imgbump -n "__fish_imgbump_using_subcommand set" -l workload -d 'The workload: NAME, KIND/NAME, NAMESPACE/KIND/NAME, or /KIND/NAME (no namespace)' -r
complete -c imgbump -n "__fish_imgbump_using_subcommand set" -s c -l container -d 'The container (default: named like the service, else by the image\'s repository, else the only one)' -r
complete -c imgbump -n "__fish_imgbump_using_subcommand set" -l image-name -d 'A kustomization\'s `images:` entry, by its `name`' -r
complete -c imgbump -n "__fish_imgbump_using_subcommand set" -l key -d 'The key path of the value holding the image (Helm, Argo CD, any YAML)' -r
complete -c imgbump -n "__fish_imgbump_using_subcommand set" -l holds -d 'What the scalar at --key holds: a whole reference, only the tag, or only the digest' -r -f -a "reference\t'A whole image reference'
tag\t'Only the tag (`:TAG` sets it)'
digest\t'Only the digest (`@sha256:…` sets it)'"
complete -c imgbump -n "__fish_imgbump_using_subcommand set" -s e -l env -d 'The environment(s) of .imgbump.yaml (fills {env}); repeatable, one commit' -r
complete -c imgbump -n "__fish_imgbump_using_subcommand set" -s m -l message -d 'The commit message template ({service} {tag} {image} ...)' -r
complete -c imgbump -n "__fish_imgbump_using_subcommand set" -l trailer -d 'A `KEY=VALUE` trailer to add to the commit message (repeatable)' -r
complete -c imgbump -n "__fish_imgbump_using_subcommand set" -l author -d 'The commit author, "NAME <EMAIL>" (default: git config user, else imgbump <imgbump@localhost>)' -r
complete -c imgbump -n "__fish_imgbump_using_subcommand set" -l retries -d 'At most this many further push attempts after the branch moved (default: as many as --timeout allows)' -r
complete -c imgbump -n "__fish_imgbump_using_subcommand set" -l order-key -d 'A number the producer makes grow (CI run number); an older one is superseded' -r
complete -c imgbump -n "__fish_imgbump_using_subcommand set" -l push-branch -d 'Push to a new branch named by this template instead ({service} {tag} {env})' -r
complete -c imgbump -n "__fish_imgbump_using_subcommand set" -l push-option -d 'A push option (`git push -o`), repeatable' -r
complete -c imgbump -n "__fish_imgbump_using_subcommand set" -l open-pr -d 'Open a pull request (github) or merge request (gitlab) for the pushed branch' -r -f -a "github\t'GitHub (or GitHub Enterprise): the REST API'
gitlab\t'GitLab: push options'"
complete -c imgbump -n "__fish_imgbump_using_subcommand set" -l pr-label -d 'A label for the pull request (repeatable)' -r
complete -c imgbump -n "__fish_imgbump_using_subcommand set" -l pr-reviewer -d 'A reviewer for the pull request, USER or ORG/TEAM (repeatable; GitHub)' -r
complete -c imgbump -n "__fish_imgbump_using_subcommand set" -l commit-via -d 'Who makes the commit: push (imgbump) or github (GitHub\'s API, signed)' -r -f -a "push\t'imgbump commits and pushes'
github\t'GitHub\'s API makes the commit (and signs it)'"
complete -c imgbump -n "__fish_imgbump_using_subcommand set" -l sign -d 'Sign the commit: ssh:KEYFILE, ssh-agent or gpg:KEYID' -r
complete -c imgbump -n "__fish_imgbump_using_subcommand set" -l expect-current -d 'Change the image only if it is this one now (a compare-and-swap)' -r
complete -c imgbump -n "__fish_imgbump_using_subcommand set" -l insecure-registry -d 'A registry host (`host` or `host:port`) that may be asked over plain HTTP (repeatable); registries on this machine always may' -r
complete -c imgbump -n "__fish_imgbump_using_subcommand set" -l verify-signature -d 'Only a cosign-signed image: key:FILE or keyless (--help: the identity flags)' -r
complete -c imgbump -n "__fish_imgbump_using_subcommand set" -l certificate-identity -d 'Keyless: the signer\'s identity, exactly (the certificate\'s SAN: a workflow URI such as `https://github.com/OWNER/REPO/.github/workflows/ci.yaml@refs/heads/main`, or an email)' -r
complete -c imgbump -n "__fish_imgbump_using_subcommand set" -l certificate-identity-regexp -d 'Keyless: a regular expression the signer\'s identity must match (found anywhere, as cosign matches it: anchor it with ^...$)' -r
complete -c imgbump -n "__fish_imgbump_using_subcommand set" -l certificate-oidc-issuer -d 'Keyless: the OIDC issuer that vouched for the signer, exactly (`https://token.actions.githubusercontent.com` for GitHub Actions)' -r
complete -c imgbump -n "__fish_imgbump_using_subcommand set" -l certificate-oidc-issuer-regexp -d 'Keyless: a regular expression the OIDC issuer must match' -r
complete -c imgbump -n "__fish_imgbump_using_subcommand set" -l certificate-github-workflow-repository -d 'Keyless: the GitHub workflow\'s repository the certificate must name (`OWNER/REPO`)' -r
complete -c imgbump -n "__fish_imgbump_using_subcommand set" -l certificate-github-workflow-ref -d 'Keyless: the GitHub workflow\'s ref the certificate must name (`refs/heads/main`)' -r
complete -c imgbump -n "__fish_imgbump_using_subcommand set" -l trusted-root -d 'A sigstore `trusted_root.json` to verify against instead of the public-good instance\'s (shipped with imgbump)' -r -F
complete -c imgbump -n "__fish_imgbump_using_subcommand set" -l argocd-server -d 'The Argo CD API server (token: ARGOCD_AUTH_TOKEN)' -r
complete -c imgbump -n "__fish_imgbump_using_subcommand set" -l argocd-app -d 'The Argo CD application (default: .imgbump.yaml\'s `argocd: {app: …}`)' -r
complete -c imgbump -n "__fish_imgbump_using_subcommand set" -l wait-timeout -d 'How long to wait for the deployment before giving up (exit 6)' -r
complete -c imgbump -n "__fish_imgbump_using_subcommand set" -l poll-interval -d 'How often to read the application' -r
complete -c imgbump -n "__fish_imgbump_using_subcommand set" -l notify -d 'Say what happened: slack:WEBHOOK_URL or webhook:URL (repeatable)' -r
complete -c imgbump -n "__fish_imgbump_using_subcommand set" -l notify-on -d 'When to notify' -r -f -a "success\t'When it went well'
failure\t'When it did not'
always\t'Both'"
complete -c imgbump -n "__fish_imgbump_using_subcommand set" -l dry-run -d 'Print the diff; write, commit and push nothing'
complete -c imgbump -n "__fish_imgbump_using_subcommand set" -l no-push -d 'Commit, but do not push'
complete -c imgbump -n "__fish_imgbump_using_subcommand set" -l draft -d 'Open the pull request as a draft'
complete -c imgbump -n "__fish_imgbump_using_subcommand set" -l auto-merge -d 'Merge the pull request when its checks pass'
complete -c imgbump -n "__fish_imgbump_using_subcommand set" -l no-batch -d 'Race for the branch alone: do not publish a request for a batch'
complete -c imgbump -n "__fish_imgbump_using_subcommand set" -l allow-latest -d 'Accept a reference with neither tag nor digest (`nginx`: `nginx:latest`)'
complete -c imgbump -n "__fish_imgbump_using_subcommand set" -l fail-on-superseded -d 'Make a superseded bump (an older --order-key) exit 4'
complete -c imgbump -n "__fish_imgbump_using_subcommand set" -l ignore-hold -d 'Set the image of a held target anyway (the hold line stays)'
complete -c imgbump -n "__fish_imgbump_using_subcommand set" -l fail-on-held -d 'Make a held target exit 4 instead of a success that leaves it alone'
complete -c imgbump -n "__fish_imgbump_using_subcommand set" -l create -d 'Add a missing kustomize `images:` entry or Helm values key'
complete -c imgbump -n "__fish_imgbump_using_subcommand set" -l drop-digest -d 'Remove a kustomize `digest` (empty a Helm one) that would win over the new tag'
complete -c imgbump -n "__fish_imgbump_using_subcommand set" -l verify-image -d 'Check that the new image exists in its registry first'
complete -c imgbump -n "__fish_imgbump_using_subcommand set" -l pin-digest -d 'Write the image with the digest its registry reports (implies --verify-image)'
complete -c imgbump -n "__fish_imgbump_using_subcommand set" -l wait -d 'After the push, wait until Argo CD has deployed it healthy'
complete -c imgbump -n "__fish_imgbump_using_subcommand set" -l insecure-argocd -d 'Allow a plain-HTTP Argo CD server that is not on this machine'
complete -c imgbump -n "__fish_imgbump_using_subcommand set" -s q -l quiet -d 'Print less: errors only'
complete -c imgbump -n "__fish_imgbump_using_subcommand set" -s v -l verbose -d 'Print more (repeat for more detail)'
complete -c imgbump -n "__fish_imgbump_using_subcommand set" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c imgbump -n "__fish_imgbump_using_subcommand set" -s V -l version -d 'Print version'
complete -c imgbump -n "__fish_imgbump_using_subcommand get" -s C -l repo -d 'The repository: a path in a checkout, or a URL to clone' -r
complete -c imgbump -n "__fish_imgbump_using_subcommand get" -s b -l branch -d 'The branch (default: the checkout\'s, or the remote\'s default)' -r
complete -c imgbump -n "__fish_imgbump_using_subcommand get" -s f -l manifest -d 'The manifest path, relative to the root (repeatable: the first that exists)' -r
complete -c imgbump -n "__fish_imgbump_using_subcommand get" -l depth -d 'How many commits to fetch when cloning (0: all)' -r
complete -c imgbump -n "__fish_imgbump_using_subcommand get" -l workdir -d 'Where to clone (default: a temporary directory removed at exit)' -r -F
complete -c imgbump -n "__fish_imgbump_using_subcommand get" -l cache-dir -d 'Keep clones here between runs, so that a run fetches only what is new' -r -F
complete -c imgbump -n "__fish_imgbump_using_subcommand get" -s o -l output -d 'Output format: text (on stderr) or json (on stdout)' -r -f -a "text\t'Human-readable text on stderr'
json\t'One JSON object on stdout'"
complete -c imgbump -n "__fish_imgbump_using_subcommand get" -l connect-timeout -d 'How long to go on retrying a refused, reset or cut connection' -r
complete -c imgbump -n "__fish_imgbump_using_subcommand get" -l github-app-id -d 'Authenticate as this GitHub App (needs --github-app-key)' -r
complete -c imgbump -n "__fish_imgbump_using_subcommand get" -l github-app-key -d 'The App\'s private key, a PEM file (or IMGBUMP_GITHUB_APP_KEY holding the PEM itself). Never printed' -r -F
complete -c imgbump -n "__fish_imgbump_using_subcommand get" -l timeout -d 'How long to go on retrying a moved branch (90s, 10m, 1h)' -r
complete -c imgbump -n "__fish_imgbump_using_subcommand get" -l workload -d 'The workload: NAME, KIND/NAME, NAMESPACE/KIND/NAME, or /KIND/NAME (no namespace)' -r
complete -c imgbump -n "__fish_imgbump_using_subcommand get" -s c -l container -d 'The container (default: named like the service, else by the image\'s repository, else the only one)' -r
complete -c imgbump -n "__fish_imgbump_using_subcommand get" -l image-name -d 'A kustomization\'s `images:` entry, by its `name`' -r
complete -c imgbump -n "__fish_imgbump_using_subcommand get" -l key -d 'The key path of the value holding the image (Helm, Argo CD, any YAML)' -r
complete -c imgbump -n "__fish_imgbump_using_subcommand get" -l holds -d 'What the scalar at --key holds: a whole reference, only the tag, or only the digest' -r -f -a "reference\t'A whole image reference'
tag\t'Only the tag (`:TAG` sets it)'
digest\t'Only the digest (`@sha256:…` sets it)'"
complete -c imgbump -n "__fish_imgbump_using_subcommand get" -s e -l env -d 'The environment(s) of .imgbump.yaml (fills {env}); repeatable' -r
complete -c imgbump -n "__fish_imgbump_using_subcommand get" -s q -l quiet -d 'Print less: errors only'
complete -c imgbump -n "__fish_imgbump_using_subcommand get" -s v -l verbose -d 'Print more (repeat for more detail)'
complete -c imgbump -n "__fish_imgbump_using_subcommand get" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c imgbump -n "__fish_imgbump_using_subcommand get" -s V -l version -d 'Print version'
complete -c imgbump -n "__fish_imgbump_using_subcommand list" -s C -l repo -d 'The repository: a path in a checkout, or a URL to clone' -r
complete -c imgbump -n "__fish_imgbump_using_subcommand list" -s b -l branch -d 'The branch (default: the checkout\'s, or the remote\'s default)' -r
complete -c imgbump -n "__fish_imgbump_using_subcommand list" -s f -l manifest -d 'The manifest path, relative to the root (repeatable: the first that exists)' -r
complete -c imgbump -n "__fish_imgbump_using_subcommand list" -l depth -d 'How many commits to fetch when cloning (0: all)' -r
complete -c imgbump -n "__fish_imgbump_using_subcommand list" -l workdir -d 'Where to clone (default: a temporary directory removed at exit)' -r -F
complete -c imgbump -n "__fish_imgbump_using_subcommand list" -l cache-dir -d 'Keep clones here between runs, so that a run fetches only what is new' -r -F
complete -c imgbump -n "__fish_imgbump_using_subcommand list" -s o -l output -d 'Output format: text (on stderr) or json (on stdout)' -r -f -a "text\t'Human-readable text on stderr'
json\t'One JSON object on stdout'"
complete -c imgbump -n "__fish_imgbump_using_subcommand list" -l connect-timeout -d 'How long to go on retrying a refused, reset or cut connection' -r
complete -c imgbump -n "__fish_imgbump_using_subcommand list" -l github-app-id -d 'Authenticate as this GitHub App (needs --github-app-key)' -r
complete -c imgbump -n "__fish_imgbump_using_subcommand list" -l github-app-key -d 'The App\'s private key, a PEM file (or IMGBUMP_GITHUB_APP_KEY holding the PEM itself). Never printed' -r -F
complete -c imgbump -n "__fish_imgbump_using_subcommand list" -s e -l env -d 'Only these environments (default: all declared in .imgbump.yaml)' -r
complete -c imgbump -n "__fish_imgbump_using_subcommand list" -l timeout -d 'How long to go on retrying a moved branch (90s, 10m, 1h)' -r
complete -c imgbump -n "__fish_imgbump_using_subcommand list" -l held -d 'Only held targets'
complete -c imgbump -n "__fish_imgbump_using_subcommand list" -s q -l quiet -d 'Print less: errors only'
complete -c imgbump -n "__fish_imgbump_using_subcommand list" -s v -l verbose -d 'Print more (repeat for more detail)'
complete -c imgbump -n "__fish_imgbump_using_subcommand list" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c imgbump -n "__fish_imgbump_using_subcommand list" -s V -l version -d 'Print version'
complete -c imgbump -n "__fish_imgbump_using_subcommand history" -s C -l repo -d 'The repository: a path in a checkout, or a URL to clone' -r
complete -c imgbump -n "__fish_imgbump_using_subcommand history" -s b -l branch -d 'The branch (default: the checkout\'s, or the remote\'s default)' -r
complete -c imgbump -n "__fish_imgbump_using_subcommand history" -s f -l manifest -d 'The manifest path, relative to the root (repeatable: the first that exists)' -r
complete -c imgbump -n "__fish_imgbump_using_subcommand history" -l depth -d 'How many commits to fetch when cloning (0: all)' -r
complete -c imgbump -n "__fish_imgbump_using_subcommand history" -l workdir -d 'Where to clone (default: a temporary directory removed at exit)' -r -F
complete -c imgbump -n "__fish_imgbump_using_subcommand history" -l cache-dir -d 'Keep clones here between runs, so that a run fetches only what is new' -r -F
complete -c imgbump -n "__fish_imgbump_using_subcommand history" -s o -l output -d 'Output format: text (on stderr) or json (on stdout)' -r -f -a "text\t'Human-readable text on stderr'
json\t'One JSON object on stdout'"
complete -c imgbump -n "__fish_imgbump_using_subcommand history" -l connect-timeout -d 'How long to go on retrying a refused, reset or cut connection' -r
complete -c imgbump -n "__fish_imgbump_using_subcommand history" -l github-app-id -d 'Authenticate as this GitHub App (needs --github-app-key)' -r
complete -c imgbump -n "__fish_imgbump_using_subcommand history" -l github-app-key -d 'The App\'s private key, a PEM file (or IMGBUMP_GITHUB_APP_KEY holding the PEM itself). Never printed' -r -F
complete -c imgbump -n "__fish_imgbump_using_subcommand history" -l nth -d 'Print only the N-th image: 0 is the current one, 1 the one before (for a rollback)' -r
complete -c imgbump -n "__fish_imgbump_using_subcommand history" -l max -d 'How many images to list at most' -r
complete -c imgbump -n "__fish_imgbump_using_subcommand history" -l timeout -d 'How long to go on retrying a moved branch (90s, 10m, 1h)' -r
complete -c imgbump -n "__fish_imgbump_using_subcommand history" -l workload -d 'The workload: NAME, KIND/NAME, NAMESPACE/KIND/NAME, or /KIND/NAME (no namespace)' -r
complete -c imgbump -n "__fish_imgbump_using_subcommand history" -s c -l container -d 'The container (default: named like the service, else by the image\'s repository, else the only one)' -r
complete -c imgbump -n "__fish_imgbump_using_subcommand history" -l image-name -d 'A kustomization\'s `images:` entry, by its `name`' -r
complete -c imgbump -n "__fish_imgbump_using_subcommand history" -l key -d 'The key path of the value holding the image (Helm, Argo CD, any YAML)' -r
complete -c imgbump -n "__fish_imgbump_using_subcommand history" -l holds -d 'What the scalar at --key holds: a whole reference, only the tag, or only the digest' -r -f -a "reference\t'A whole image reference'
tag\t'Only the tag (`:TAG` sets it)'
digest\t'Only the digest (`@sha256:…` sets it)'"
complete -c imgbump -n "__fish_imgbump_using_subcommand history" -s e -l env -d 'The environment(s) of .imgbump.yaml (fills {env}); repeatable' -r
complete -c imgbump -n "__fish_imgbump_using_subcommand history" -s q -l quiet -d 'Print less: errors only'
complete -c imgbump -n "__fish_imgbump_using_subcommand history" -s v -l verbose -d 'Print more (repeat for more detail)'
complete -c imgbump -n "__fish_imgbump_using_subcommand history" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c imgbump -n "__fish_imgbump_using_subcommand history" -s V -l version -d 'Print version'
complete -c imgbump -n "__fish_imgbump_using_subcommand rollback" -s C -l repo -d 'The repository: a path in a checkout, or a URL to clone' -r
complete -c imgbump -n "__fish_imgbump_using_subcommand rollback" -s b -l branch -d 'The branch (default: the checkout\'s, or the remote\'s default)' -r
complete -c imgbump -n "__fish_imgbump_using_subcommand rollback" -s f -l manifest -d 'The manifest path, relative to the root (repeatable: the first that exists)' -r
complete -c imgbump -n "__fish_imgbump_using_subcommand rollback" -l depth -d 'How many commits to fetch when cloning (0: all)' -r
complete -c imgbump -n "__fish_imgbump_using_subcommand rollback" -l workdir -d 'Where to clone (default: a temporary directory removed at exit)' -r -F
complete -c imgbump -n "__fish_imgbump_using_subcommand rollback" -l cache-dir -d 'Keep clones here between runs, so that a run fetches only what is new' -r -F
complete -c imgbump -n "__fish_imgbump_using_subcommand rollback" -s o -l output -d 'Output format: text (on stderr) or json (on stdout)' -r -f -a "text\t'Human-readable text on stderr'
json\t'One JSON object on stdout'"
complete -c imgbump -n "__fish_imgbump_using_subcommand rollback" -l timeout -d 'How long to go on retrying a moved branch (90s, 10m, 1h)' -r
complete -c imgbump -n "__fish_imgbump_using_subcommand rollback" -l connect-timeout -d 'How long to go on retrying a refused, reset or cut connection' -r
complete -c imgbump -n "__fish_imgbump_using_subcommand rollback" -l github-app-id -d 'Authenticate as this GitHub App (needs --github-app-key)' -r
complete -c imgbump -n "__fish_imgbump_using_subcommand rollback" -l github-app-key -d 'The App\'s private key, a PEM file (or IMGBUMP_GITHUB_APP_KEY holding the PEM itself). Never printed' -r -F
complete -c imgbump -n "__fish_imgbump_using_subcommand rollback" -l workload -d 'The workload: NAME, KIND/NAME, NAMESPACE/KIND/NAME, or /KIND/NAME (no namespace)' -r
complete -c imgbump -n "__fish_imgbump_using_subcommand rollback" -s c -l container -d 'The container (default: named like the service, else by the image\'s repository, else the only one)' -r
complete -c imgbump -n "__fish_imgbump_using_subcommand rollback" -l image-name -d 'A kustomization\'s `images:` entry, by its `name`' -r
complete -c imgbump -n "__fish_imgbump_using_subcommand rollback" -l key -d 'The key path of the value holding the image (Helm, Argo CD, any YAML)' -r
complete -c imgbump -n "__fish_imgbump_using_subcommand rollback" -l holds -d 'What the scalar at --key holds: a whole reference, only the tag, or only the digest' -r -f -a "reference\t'A whole image reference'
tag\t'Only the tag (`:TAG` sets it)'
digest\t'Only the digest (`@sha256:…` sets it)'"
complete -c imgbump -n "__fish_imgbump_using_subcommand rollback" -s e -l env -d 'The environment(s) of .imgbump.yaml (fills {env}); repeatable, one commit' -r
complete -c imgbump -n "__fish_imgbump_using_subcommand rollback" -s m -l message -d 'The commit message; placeholders as for `set`' -r
complete -c imgbump -n "__fish_imgbump_using_subcommand rollback" -l trailer -d 'A `KEY=VALUE` trailer to add to the commit message (repeatable)' -r
complete -c imgbump -n "__fish_imgbump_using_subcommand rollback" -l author -d 'The commit author, "NAME <EMAIL>" (default: git config user, else imgbump <imgbump@localhost>)' -r
complete -c imgbump -n "__fish_imgbump_using_subcommand rollback" -l retries -d 'At most this many further push attempts after the branch moved (default: as many as --timeout allows)' -r
complete -c imgbump -n "__fish_imgbump_using_subcommand rollback" -l order-key -d 'A number the producer makes grow (CI run number); an older one is superseded' -r
complete -c imgbump -n "__fish_imgbump_using_subcommand rollback" -l push-branch -d 'Push to a new branch named by this template instead ({service} {tag} {env})' -r
complete -c imgbump -n "__fish_imgbump_using_subcommand rollback" -l push-option -d 'A push option (`git push -o`), repeatable' -r
complete -c imgbump -n "__fish_imgbump_using_subcommand rollback" -l open-pr -d 'Open a pull request (github) or merge request (gitlab) for the pushed branch' -r -f -a "github\t'GitHub (or GitHub Enterprise): the REST API'
gitlab\t'GitLab: push options'"
complete -c imgbump -n "__fish_imgbump_using_subcommand rollback" -l pr-label -d 'A label for the pull request (repeatable)' -r
complete -c imgbump -n "__fish_imgbump_using_subcommand rollback" -l pr-reviewer -d 'A reviewer for the pull request, USER or ORG/TEAM (repeatable; GitHub)' -r
complete -c imgbump -n "__fish_imgbump_using_subcommand rollback" -l commit-via -d 'Who makes the commit: push (imgbump) or github (GitHub\'s API, signed)' -r -f -a "push\t'imgbump commits and pushes'
github\t'GitHub\'s API makes the commit (and signs it)'"
complete -c imgbump -n "__fish_imgbump_using_subcommand rollback" -l sign -d 'Sign the commit: ssh:KEYFILE, ssh-agent or gpg:KEYID' -r
complete -c imgbump -n "__fish_imgbump_using_subcommand rollback" -l reason -d 'Why it is held (with --hold)' -r
complete -c imgbump -n "__fish_imgbump_using_subcommand rollback" -l until -d 'When the hold ends by itself: 2026-12-05T18:00:00Z, a date (its 00:00 UTC), or a duration from now (90m, 4h, 2d, 1w). Default: until released' -r
complete -c imgbump -n "__fish_imgbump_using_subcommand rollback" -l by -d 'Who holds it (default: $GITHUB_ACTOR in GitHub Actions, else the commit author\'s email)' -r
complete -c imgbump -n "__fish_imgbump_using_subcommand rollback" -l insecure-registry -d 'A registry host (`host` or `host:port`) that may be asked over plain HTTP (repeatable); registries on this machine always may' -r
complete -c imgbump -n "__fish_imgbump_using_subcommand rollback" -l verify-signature -d 'Only a cosign-signed image: key:FILE or keyless (--help: the identity flags)' -r
complete -c imgbump -n "__fish_imgbump_using_subcommand rollback" -l certificate-identity -d 'Keyless: the signer\'s identity, exactly (the certificate\'s SAN: a workflow URI such as `https://github.com/OWNER/REPO/.github/workflows/ci.yaml@refs/heads/main`, or an email)' -r
complete -c imgbump -n "__fish_imgbump_using_subcommand rollback" -l certificate-identity-regexp -d 'Keyless: a regular expression the signer\'s identity must match (found anywhere, as cosign matches it: anchor it with ^...$)' -r
complete -c imgbump -n "__fish_imgbump_using_subcommand rollback" -l certificate-oidc-issuer -d 'Keyless: the OIDC issuer that vouched for the signer, exactly (`https://token.actions.githubusercontent.com` for GitHub Actions)' -r
complete -c imgbump -n "__fish_imgbump_using_subcommand rollback" -l certificate-oidc-issuer-regexp -d 'Keyless: a regular expression the OIDC issuer must match' -r
complete -c imgbump -n "__fish_imgbump_using_subcommand rollback" -l certificate-github-workflow-repository -d 'Keyless: the GitHub workflow\'s repository the certificate must name (`OWNER/REPO`)' -r
complete -c imgbump -n "__fish_imgbump_using_subcommand rollback" -l certificate-github-workflow-ref -d 'Keyless: the GitHub workflow\'s ref the certificate must name (`refs/heads/main`)' -r
complete -c imgbump -n "__fish_imgbump_using_subcommand rollback" -l trusted-root -d 'A sigstore `trusted_root.json` to verify against instead of the public-good instance\'s (shipped with imgbump)' -r -F
complete -c imgbump -n "__fish_imgbump_using_subcommand rollback" -l dry-run -d 'Print the diff; write, commit and push nothing'
complete -c imgbump -n "__fish_imgbump_using_subcommand rollback" -l no-push -d 'Commit, but do not push'
complete -c imgbump -n "__fish_imgbump_using_subcommand rollback" -l draft -d 'Open the pull request as a draft'
complete -c imgbump -n "__fish_imgbump_using_subcommand rollback" -l auto-merge -d 'Merge the pull request when its checks pass'
complete -c imgbump -n "__fish_imgbump_using_subcommand rollback" -l no-batch -d 'Race for the branch alone: do not publish a request for a batch'
complete -c imgbump -n "__fish_imgbump_using_subcommand rollback" -l ignore-hold -d 'Set the image of a held target anyway (the hold line stays)'
complete -c imgbump -n "__fish_imgbump_using_subcommand rollback" -l fail-on-held -d 'Make a held target exit 4 instead of a success that leaves it alone'
complete -c imgbump -n "__fish_imgbump_using_subcommand rollback" -l hold -d 'Hold the service at the image rolled back to, in the same commit (needs --reason)'
complete -c imgbump -n "__fish_imgbump_using_subcommand rollback" -l verify-image -d 'Check that the new image exists in its registry first'
complete -c imgbump -n "__fish_imgbump_using_subcommand rollback" -l pin-digest -d 'Write the image with the digest its registry reports (implies --verify-image)'
complete -c imgbump -n "__fish_imgbump_using_subcommand rollback" -s q -l quiet -d 'Print less: errors only'
complete -c imgbump -n "__fish_imgbump_using_subcommand rollback" -s v -l verbose -d 'Print more (repeat for more detail)'
complete -c imgbump -n "__fish_imgbump_using_subcommand rollback" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c imgbump -n "__fish_imgbump_using_subcommand rollback" -s V -l version -d 'Print version'
complete -c imgbump -n "__fish_imgbump_using_subcommand promote" -l from -d 'The environment to copy the image from' -r
complete -c imgbump -n "__fish_imgbump_using_subcommand promote" -l to -d 'The environment(s) to copy it to (repeatable; one commit)' -r
complete -c imgbump -n "__fish_imgbump_using_subcommand promote" -s C -l repo -d 'The repository: a path in a checkout, or a URL to clone' -r
complete -c imgbump -n "__fish_imgbump_using_subcommand promote" -s b -l branch -d 'The branch (default: the checkout\'s, or the remote\'s default)' -r
complete -c imgbump -n "__fish_imgbump_using_subcommand promote" -s f -l manifest -d 'The manifest path, relative to the root (repeatable: the first that exists)' -r
complete -c imgbump -n "__fish_imgbump_using_subcommand promote" -l depth -d 'How many commits to fetch when cloning (0: all)' -r
complete -c imgbump -n "__fish_imgbump_using_subcommand promote" -l workdir -d 'Where to clone (default: a temporary directory removed at exit)' -r -F
complete -c imgbump -n "__fish_imgbump_using_subcommand promote" -l cache-dir -d 'Keep clones here between runs, so that a run fetches only what is new' -r -F
complete -c imgbump -n "__fish_imgbump_using_subcommand promote" -s o -l output -d 'Output format: text (on stderr) or json (on stdout)' -r -f -a "text\t'Human-readable text on stderr'
json\t'One JSON object on stdout'"
complete -c imgbump -n "__fish_imgbump_using_subcommand promote" -l timeout -d 'How long to go on retrying a moved branch (90s, 10m, 1h)' -r
complete -c imgbump -n "__fish_imgbump_using_subcommand promote" -l connect-timeout -d 'How long to go on retrying a refused, reset or cut connection' -r
complete -c imgbump -n "__fish_imgbump_using_subcommand promote" -l github-app-id -d 'Authenticate as this GitHub App (needs --github-app-key)' -r
complete -c imgbump -n "__fish_imgbump_using_subcommand promote" -l github-app-key -d 'The App\'s private key, a PEM file (or IMGBUMP_GITHUB_APP_KEY holding the PEM itself). Never printed' -r -F
complete -c imgbump -n "__fish_imgbump_using_subcommand promote" -s m -l message -d 'The commit message; placeholders as for `set`, and {env}' -r
complete -c imgbump -n "__fish_imgbump_using_subcommand promote" -l trailer -d 'A `KEY=VALUE` trailer to add to the commit message (repeatable)' -r
complete -c imgbump -n "__fish_imgbump_using_subcommand promote" -l author -d 'The commit author, "NAME <EMAIL>" (default: git config user, else imgbump <imgbump@localhost>)' -r
complete -c imgbump -n "__fish_imgbump_using_subcommand promote" -l retries -d 'At most this many further push attempts after the branch moved (default: as many as --timeout allows)' -r
complete -c imgbump -n "__fish_imgbump_using_subcommand promote" -l order-key -d 'A number the producer makes grow (CI run number); an older one is superseded' -r
complete -c imgbump -n "__fish_imgbump_using_subcommand promote" -l push-branch -d 'Push to a new branch named by this template instead ({service} {tag} {env})' -r
complete -c imgbump -n "__fish_imgbump_using_subcommand promote" -l push-option -d 'A push option (`git push -o`), repeatable' -r
complete -c imgbump -n "__fish_imgbump_using_subcommand promote" -l open-pr -d 'Open a pull request (github) or merge request (gitlab) for the pushed branch' -r -f -a "github\t'GitHub (or GitHub Enterprise): the REST API'
gitlab\t'GitLab: push options'"
complete -c imgbump -n "__fish_imgbump_using_subcommand promote" -l pr-label -d 'A label for the pull request (repeatable)' -r
complete -c imgbump -n "__fish_imgbump_using_subcommand promote" -l pr-reviewer -d 'A reviewer for the pull request, USER or ORG/TEAM (repeatable; GitHub)' -r
complete -c imgbump -n "__fish_imgbump_using_subcommand promote" -l commit-via -d 'Who makes the commit: push (imgbump) or github (GitHub\'s API, signed)' -r -f -a "push\t'imgbump commits and pushes'
github\t'GitHub\'s API makes the commit (and signs it)'"
complete -c imgbump -n "__fish_imgbump_using_subcommand promote" -l sign -d 'Sign the commit: ssh:KEYFILE, ssh-agent or gpg:KEYID' -r
complete -c imgbump -n "__fish_imgbump_using_subcommand promote" -l insecure-registry -d 'A registry host (`host` or `host:port`) that may be asked over plain HTTP (repeatable); registries on this machine always may' -r
complete -c imgbump -n "__fish_imgbump_using_subcommand promote" -l verify-signature -d 'Only a cosign-signed image: key:FILE or keyless (--help: the identity flags)' -r
complete -c imgbump -n "__fish_imgbump_using_subcommand promote" -l certificate-identity -d 'Keyless: the signer\'s identity, exactly (the certificate\'s SAN: a workflow URI such as `https://github.com/OWNER/REPO/.github/workflows/ci.yaml@refs/heads/main`, or an email)' -r
complete -c imgbump -n "__fish_imgbump_using_subcommand promote" -l certificate-identity-regexp -d 'Keyless: a regular expression the signer\'s identity must match (found anywhere, as cosign matches it: anchor it with ^...$)' -r
complete -c imgbump -n "__fish_imgbump_using_subcommand promote" -l certificate-oidc-issuer -d 'Keyless: the OIDC issuer that vouched for the signer, exactly (`https://token.actions.githubusercontent.com` for GitHub Actions)' -r
complete -c imgbump -n "__fish_imgbump_using_subcommand promote" -l certificate-oidc-issuer-regexp -d 'Keyless: a regular expression the OIDC issuer must match' -r
complete -c imgbump -n "__fish_imgbump_using_subcommand promote" -l certificate-github-workflow-repository -d 'Keyless: the GitHub workflow\'s repository the certificate must name (`OWNER/REPO`)' -r
complete -c imgbump -n "__fish_imgbump_using_subcommand promote" -l certificate-github-workflow-ref -d 'Keyless: the GitHub workflow\'s ref the certificate must name (`refs/heads/main`)' -r
complete -c imgbump -n "__fish_imgbump_using_subcommand promote" -l trusted-root -d 'A sigstore `trusted_root.json` to verify against instead of the public-good instance\'s (shipped with imgbump)' -r -F
complete -c imgbump -n "__fish_imgbump_using_subcommand promote" -l dry-run -d 'Print the diff; write, commit and push nothing'
complete -c imgbump -n "__fish_imgbump_using_subcommand promote" -l no-push -d 'Commit, but do not push'
complete -c imgbump -n "__fish_imgbump_using_subcommand promote" -l draft -d 'Open the pull request as a draft'
complete -c imgbump -n "__fish_imgbump_using_subcommand promote" -l auto-merge -d 'Merge the pull request when its checks pass'
complete -c imgbump -n "__fish_imgbump_using_subcommand promote" -l no-batch -d 'Race for the branch alone: do not publish a request for a batch'
complete -c imgbump -n "__fish_imgbump_using_subcommand promote" -l ignore-hold -d 'Set the image of a held target anyway (the hold line stays)'
complete -c imgbump -n "__fish_imgbump_using_subcommand promote" -l fail-on-held -d 'Make a held target exit 4 instead of a success that leaves it alone'
complete -c imgbump -n "__fish_imgbump_using_subcommand promote" -l create -d 'Add a missing kustomize `images:` entry or Helm values key'
complete -c imgbump -n "__fish_imgbump_using_subcommand promote" -l drop-digest -d 'Remove a kustomize `digest` (empty a Helm one) that would win over the new tag'
complete -c imgbump -n "__fish_imgbump_using_subcommand promote" -l verify-image -d 'Check that the new image exists in its registry first'
complete -c imgbump -n "__fish_imgbump_using_subcommand promote" -l pin-digest -d 'Write the image with the digest its registry reports (implies --verify-image)'
complete -c imgbump -n "__fish_imgbump_using_subcommand promote" -s q -l quiet -d 'Print less: errors only'
complete -c imgbump -n "__fish_imgbump_using_subcommand promote" -s v -l verbose -d 'Print more (repeat for more detail)'
complete -c imgbump -n "__fish_imgbump_using_subcommand promote" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c imgbump -n "__fish_imgbump_using_subcommand promote" -s V -l version -d 'Print version'
complete -c imgbump -n "__fish_imgbump_using_subcommand hold" -l reason -d 'Why: an incident or ticket id, a sentence (one line, written into the manifest)' -r
complete -c imgbump -n "__fish_imgbump_using_subcommand hold" -l until -d 'When the hold ends by itself: 2026-12-05T18:00:00Z, a date (its 00:00 UTC), or a duration from now (90m, 4h, 2d, 1w). Default: until released' -r
complete -c imgbump -n "__fish_imgbump_using_subcommand hold" -l by -d 'Who holds it (default: $GITHUB_ACTOR in GitHub Actions, else the commit author\'s email)' -r
complete -c imgbump -n "__fish_imgbump_using_subcommand hold" -s C -l repo -d 'The repository: a path in a checkout, or a URL to clone' -r
complete -c imgbump -n "__fish_imgbump_using_subcommand hold" -s b -l branch -d 'The branch (default: the checkout\'s, or the remote\'s default)' -r
complete -c imgbump -n "__fish_imgbump_using_subcommand hold" -s f -l manifest -d 'The manifest path, relative to the root (repeatable: the first that exists)' -r
complete -c imgbump -n "__fish_imgbump_using_subcommand hold" -l depth -d 'How many commits to fetch when cloning (0: all)' -r
complete -c imgbump -n "__fish_imgbump_using_subcommand hold" -l workdir -d 'Where to clone (default: a temporary directory removed at exit)' -r -F
complete -c imgbump -n "__fish_imgbump_using_subcommand hold" -l cache-dir -d 'Keep clones here between runs, so that a run fetches only what is new' -r -F
complete -c imgbump -n "__fish_imgbump_using_subcommand hold" -s o -l output -d 'Output format: text (on stderr) or json (on stdout)' -r -f -a "text\t'Human-readable text on stderr'
json\t'One JSON object on stdout'"
complete -c imgbump -n "__fish_imgbump_using_subcommand hold" -l timeout -d 'How long to go on retrying a moved branch (90s, 10m, 1h)' -r
complete -c imgbump -n "__fish_imgbump_using_subcommand hold" -l connect-timeout -d 'How long to go on retrying a refused, reset or cut connection' -r
complete -c imgbump -n "__fish_imgbump_using_subcommand hold" -l github-app-id -d 'Authenticate as this GitHub App (needs --github-app-key)' -r
complete -c imgbump -n "__fish_imgbump_using_subcommand hold" -l github-app-key -d 'The App\'s private key, a PEM file (or IMGBUMP_GITHUB_APP_KEY holding the PEM itself). Never printed' -r -F
complete -c imgbump -n "__fish_imgbump_using_subcommand hold" -l workload -d 'The workload: NAME, KIND/NAME, NAMESPACE/KIND/NAME, or /KIND/NAME (no namespace)' -r
complete -c imgbump -n "__fish_imgbump_using_subcommand hold" -s c -l container -d 'The container (default: named like the service, else by the image\'s repository, else the only one)' -r
complete -c imgbump -n "__fish_imgbump_using_subcommand hold" -l image-name -d 'A kustomization\'s `images:` entry, by its `name`' -r
complete -c imgbump -n "__fish_imgbump_using_subcommand hold" -l key -d 'The key path of the value holding the image (Helm, Argo CD, any YAML)' -r
complete -c imgbump -n "__fish_imgbump_using_subcommand hold" -l holds -d 'What the scalar at --key holds: a whole reference, only the tag, or only the digest' -r -f -a "reference\t'A whole image reference'
tag\t'Only the tag (`:TAG` sets it)'
digest\t'Only the digest (`@sha256:…` sets it)'"
complete -c imgbump -n "__fish_imgbump_using_subcommand hold" -s e -l env -d 'The environment(s) of .imgbump.yaml (fills {env}); repeatable, one commit' -r
complete -c imgbump -n "__fish_imgbump_using_subcommand hold" -s m -l message -d 'The commit message; placeholders as for `set`, and {reason}' -r
complete -c imgbump -n "__fish_imgbump_using_subcommand hold" -l trailer -d 'A `KEY=VALUE` trailer to add to the commit message (repeatable)' -r
complete -c imgbump -n "__fish_imgbump_using_subcommand hold" -l author -d 'The commit author, "NAME <EMAIL>" (default: git config user, else imgbump <imgbump@localhost>)' -r
complete -c imgbump -n "__fish_imgbump_using_subcommand hold" -l retries -d 'At most this many further push attempts after the branch moved (default: as many as --timeout allows)' -r
complete -c imgbump -n "__fish_imgbump_using_subcommand hold" -l order-key -d 'A number the producer makes grow (CI run number); an older one is superseded' -r
complete -c imgbump -n "__fish_imgbump_using_subcommand hold" -l push-branch -d 'Push to a new branch named by this template instead ({service} {tag} {env})' -r
complete -c imgbump -n "__fish_imgbump_using_subcommand hold" -l push-option -d 'A push option (`git push -o`), repeatable' -r
complete -c imgbump -n "__fish_imgbump_using_subcommand hold" -l open-pr -d 'Open a pull request (github) or merge request (gitlab) for the pushed branch' -r -f -a "github\t'GitHub (or GitHub Enterprise): the REST API'
gitlab\t'GitLab: push options'"
complete -c imgbump -n "__fish_imgbump_using_subcommand hold" -l pr-label -d 'A label for the pull request (repeatable)' -r
complete -c imgbump -n "__fish_imgbump_using_subcommand hold" -l pr-reviewer -d 'A reviewer for the pull request, USER or ORG/TEAM (repeatable; GitHub)' -r
complete -c imgbump -n "__fish_imgbump_using_subcommand hold" -l commit-via -d 'Who makes the commit: push (imgbump) or github (GitHub\'s API, signed)' -r -f -a "push\t'imgbump commits and pushes'
github\t'GitHub\'s API makes the commit (and signs it)'"
complete -c imgbump -n "__fish_imgbump_using_subcommand hold" -l sign -d 'Sign the commit: ssh:KEYFILE, ssh-agent or gpg:KEYID' -r
complete -c imgbump -n "__fish_imgbump_using_subcommand hold" -l dry-run -d 'Print the diff; write, commit and push nothing'
complete -c imgbump -n "__fish_imgbump_using_subcommand hold" -l no-push -d 'Commit, but do not push'
complete -c imgbump -n "__fish_imgbump_using_subcommand hold" -l draft -d 'Open the pull request as a draft'
complete -c imgbump -n "__fish_imgbump_using_subcommand hold" -l auto-merge -d 'Merge the pull request when its checks pass'
complete -c imgbump -n "__fish_imgbump_using_subcommand hold" -l no-batch -d 'Race for the branch alone: do not publish a request for a batch'
complete -c imgbump -n "__fish_imgbump_using_subcommand hold" -s q -l quiet -d 'Print less: errors only'
complete -c imgbump -n "__fish_imgbump_using_subcommand hold" -s v -l verbose -d 'Print more (repeat for more detail)'
complete -c imgbump -n "__fish_imgbump_using_subcommand hold" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c imgbump -n "__fish_imgbump_using_subcommand hold" -s V -l version -d 'Print version'
complete -c imgbump -n "__fish_imgbump_using_subcommand release" -s C -l repo -d 'The repository: a path in a checkout, or a URL to clone' -r
complete -c imgbump -n "__fish_imgbump_using_subcommand release" -s b -l branch -d 'The branch (default: the checkout\'s, or the remote\'s default)' -r
complete -c imgbump -n "__fish_imgbump_using_subcommand release" -s f -l manifest -d 'The manifest path, relative to the root (repeatable: the first that exists)' -r
complete -c imgbump -n "__fish_imgbump_using_subcommand release" -l depth -d 'How many commits to fetch when cloning (0: all)' -r
complete -c imgbump -n "__fish_imgbump_using_subcommand release" -l workdir -d 'Where to clone (default: a temporary directory removed at exit)' -r -F
complete -c imgbump -n "__fish_imgbump_using_subcommand release" -l cache-dir -d 'Keep clones here between runs, so that a run fetches only what is new' -r -F
complete -c imgbump -n "__fish_imgbump_using_subcommand release" -s o -l output -d 'Output format: text (on stderr) or json (on stdout)' -r -f -a "text\t'Human-readable text on stderr'
json\t'One JSON object on stdout'"
complete -c imgbump -n "__fish_imgbump_using_subcommand release" -l timeout -d 'How long to go on retrying a moved branch (90s, 10m, 1h)' -r
complete -c imgbump -n "__fish_imgbump_using_subcommand release" -l connect-timeout -d 'How long to go on retrying a refused, reset or cut connection' -r
complete -c imgbump -n "__fish_imgbump_using_subcommand release" -l github-app-id -d 'Authenticate as this GitHub App (needs --github-app-key)' -r
complete -c imgbump -n "__fish_imgbump_using_subcommand release" -l github-app-key -d 'The App\'s private key, a PEM file (or IMGBUMP_GITHUB_APP_KEY holding the PEM itself). Never printed' -r -F
complete -c imgbump -n "__fish_imgbump_using_subcommand release" -l workload -d 'The workload: NAME, KIND/NAME, NAMESPACE/KIND/NAME, or /KIND/NAME (no namespace)' -r
complete -c imgbump -n "__fish_imgbump_using_subcommand release" -s c -l container -d 'The container (default: named like the service, else by the image\'s repository, else the only one)' -r
complete -c imgbump -n "__fish_imgbump_using_subcommand release" -l image-name -d 'A kustomization\'s `images:` entry, by its `name`' -r
complete -c imgbump -n "__fish_imgbump_using_subcommand release" -l key -d 'The key path of the value holding the image (Helm, Argo CD, any YAML)' -r
complete -c imgbump -n "__fish_imgbump_using_subcommand release" -l holds -d 'What the scalar at --key holds: a whole reference, only the tag, or only the digest' -r -f -a "reference\t'A whole image reference'
tag\t'Only the tag (`:TAG` sets it)'
digest\t'Only the digest (`@sha256:…` sets it)'"
complete -c imgbump -n "__fish_imgbump_using_subcommand release" -s e -l env -d 'The environment(s) of .imgbump.yaml (fills {env}); repeatable, one commit' -r
complete -c imgbump -n "__fish_imgbump_using_subcommand release" -s m -l message -d 'The commit message; placeholders as for `set`' -r
complete -c imgbump -n "__fish_imgbump_using_subcommand release" -l trailer -d 'A `KEY=VALUE` trailer to add to the commit message (repeatable)' -r
complete -c imgbump -n "__fish_imgbump_using_subcommand release" -l author -d 'The commit author, "NAME <EMAIL>" (default: git config user, else imgbump <imgbump@localhost>)' -r
complete -c imgbump -n "__fish_imgbump_using_subcommand release" -l retries -d 'At most this many further push attempts after the branch moved (default: as many as --timeout allows)' -r
complete -c imgbump -n "__fish_imgbump_using_subcommand release" -l order-key -d 'A number the producer makes grow (CI run number); an older one is superseded' -r
complete -c imgbump -n "__fish_imgbump_using_subcommand release" -l push-branch -d 'Push to a new branch named by this template instead ({service} {tag} {env})' -r
complete -c imgbump -n "__fish_imgbump_using_subcommand release" -l push-option -d 'A push option (`git push -o`), repeatable' -r
complete -c imgbump -n "__fish_imgbump_using_subcommand release" -l open-pr -d 'Open a pull request (github) or merge request (gitlab) for the pushed branch' -r -f -a "github\t'GitHub (or GitHub Enterprise): the REST API'
gitlab\t'GitLab: push options'"
complete -c imgbump -n "__fish_imgbump_using_subcommand release" -l pr-label -d 'A label for the pull request (repeatable)' -r
complete -c imgbump -n "__fish_imgbump_using_subcommand release" -l pr-reviewer -d 'A reviewer for the pull request, USER or ORG/TEAM (repeatable; GitHub)' -r
complete -c imgbump -n "__fish_imgbump_using_subcommand release" -l commit-via -d 'Who makes the commit: push (imgbump) or github (GitHub\'s API, signed)' -r -f -a "push\t'imgbump commits and pushes'
github\t'GitHub\'s API makes the commit (and signs it)'"
complete -c imgbump -n "__fish_imgbump_using_subcommand release" -l sign -d 'Sign the commit: ssh:KEYFILE, ssh-agent or gpg:KEYID' -r
complete -c imgbump -n "__fish_imgbump_using_subcommand release" -l dry-run -d 'Print the diff; write, commit and push nothing'
complete -c imgbump -n "__fish_imgbump_using_subcommand release" -l no-push -d 'Commit, but do not push'
complete -c imgbump -n "__fish_imgbump_using_subcommand release" -l draft -d 'Open the pull request as a draft'
complete -c imgbump -n "__fish_imgbump_using_subcommand release" -l auto-merge -d 'Merge the pull request when its checks pass'
complete -c imgbump -n "__fish_imgbump_using_subcommand release" -l no-batch -d 'Race for the branch alone: do not publish a request for a batch'
complete -c imgbump -n "__fish_imgbump_using_subcommand release" -s q -l quiet -d 'Print less: errors only'
complete -c imgbump -n "__fish_imgbump_using_subcommand release" -s v -l verbose -d 'Print more (repeat for more detail)'
complete -c imgbump -n "__fish_imgbump_using_subcommand release" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c imgbump -n "__fish_imgbump_using_subcommand release" -s V -l version -d 'Print version'
complete -c imgbump -n "__fish_imgbump_using_subcommand update" -l policy -d 'The policy for the one SERVICE named, over its targets\' `policy:`' -r
complete -c imgbump -n "__fish_imgbump_using_subcommand update" -s C -l repo -d 'The repository: a path in a checkout, or a URL to clone' -r
complete -c imgbump -n "__fish_imgbump_using_subcommand update" -s b -l branch -d 'The branch (default: the checkout\'s, or the remote\'s default)' -r
complete -c imgbump -n "__fish_imgbump_using_subcommand update" -s f -l manifest -d 'The manifest path, relative to the root (repeatable: the first that exists)' -r
complete -c imgbump -n "__fish_imgbump_using_subcommand update" -l depth -d 'How many commits to fetch when cloning (0: all)' -r
complete -c imgbump -n "__fish_imgbump_using_subcommand update" -l workdir -d 'Where to clone (default: a temporary directory removed at exit)' -r -F
complete -c imgbump -n "__fish_imgbump_using_subcommand update" -l cache-dir -d 'Keep clones here between runs, so that a run fetches only what is new' -r -F
complete -c imgbump -n "__fish_imgbump_using_subcommand update" -s o -l output -d 'Output format: text (on stderr) or json (on stdout)' -r -f -a "text\t'Human-readable text on stderr'
json\t'One JSON object on stdout'"
complete -c imgbump -n "__fish_imgbump_using_subcommand update" -l timeout -d 'How long to go on retrying a moved branch (90s, 10m, 1h)' -r
complete -c imgbump -n "__fish_imgbump_using_subcommand update" -l connect-timeout -d 'How long to go on retrying a refused, reset or cut connection' -r
complete -c imgbump -n "__fish_imgbump_using_subcommand update" -l github-app-id -d 'Authenticate as this GitHub App (needs --github-app-key)' -r
complete -c imgbump -n "__fish_imgbump_using_subcommand update" -l github-app-key -d 'The App\'s private key, a PEM file (or IMGBUMP_GITHUB_APP_KEY holding the PEM itself). Never printed' -r -F
complete -c imgbump -n "__fish_imgbump_using_subcommand update" -l workload -d 'The workload: NAME, KIND/NAME, NAMESPACE/KIND/NAME, or /KIND/NAME (no namespace)' -r
complete -c imgbump -n "__fish_imgbump_using_subcommand update" -s c -l container -d 'The container (default: named like the service, else by the image\'s repository, else the only one)' -r
complete -c imgbump -n "__fish_imgbump_using_subcommand update" -l image-name -d 'A kustomization\'s `images:` entry, by its `name`' -r
complete -c imgbump -n "__fish_imgbump_using_subcommand update" -l key -d 'The key path of the value holding the image (Helm, Argo CD, any YAML)' -r
complete -c imgbump -n "__fish_imgbump_using_subcommand update" -l holds -d 'What the scalar at --key holds: a whole reference, only the tag, or only the digest' -r -f -a "reference\t'A whole image reference'
tag\t'Only the tag (`:TAG` sets it)'
digest\t'Only the digest (`@sha256:…` sets it)'"
complete -c imgbump -n "__fish_imgbump_using_subcommand update" -s e -l env -d 'The environment(s) of .imgbump.yaml (fills {env}); repeatable, one commit' -r
complete -c imgbump -n "__fish_imgbump_using_subcommand update" -s m -l message -d 'The commit message; placeholders as for `set`' -r
complete -c imgbump -n "__fish_imgbump_using_subcommand update" -l trailer -d 'A `KEY=VALUE` trailer to add to the commit message (repeatable)' -r
complete -c imgbump -n "__fish_imgbump_using_subcommand update" -l author -d 'The commit author, "NAME <EMAIL>" (default: git config user, else imgbump <imgbump@localhost>)' -r
complete -c imgbump -n "__fish_imgbump_using_subcommand update" -l retries -d 'At most this many further push attempts after the branch moved (default: as many as --timeout allows)' -r
complete -c imgbump -n "__fish_imgbump_using_subcommand update" -l order-key -d 'A number the producer makes grow (CI run number); an older one is superseded' -r
complete -c imgbump -n "__fish_imgbump_using_subcommand update" -l push-branch -d 'Push to a new branch named by this template instead ({service} {tag} {env})' -r
complete -c imgbump -n "__fish_imgbump_using_subcommand update" -l push-option -d 'A push option (`git push -o`), repeatable' -r
complete -c imgbump -n "__fish_imgbump_using_subcommand update" -l open-pr -d 'Open a pull request (github) or merge request (gitlab) for the pushed branch' -r -f -a "github\t'GitHub (or GitHub Enterprise): the REST API'
gitlab\t'GitLab: push options'"
complete -c imgbump -n "__fish_imgbump_using_subcommand update" -l pr-label -d 'A label for the pull request (repeatable)' -r
complete -c imgbump -n "__fish_imgbump_using_subcommand update" -l pr-reviewer -d 'A reviewer for the pull request, USER or ORG/TEAM (repeatable; GitHub)' -r
complete -c imgbump -n "__fish_imgbump_using_subcommand update" -l commit-via -d 'Who makes the commit: push (imgbump) or github (GitHub\'s API, signed)' -r -f -a "push\t'imgbump commits and pushes'
github\t'GitHub\'s API makes the commit (and signs it)'"
complete -c imgbump -n "__fish_imgbump_using_subcommand update" -l sign -d 'Sign the commit: ssh:KEYFILE, ssh-agent or gpg:KEYID' -r
complete -c imgbump -n "__fish_imgbump_using_subcommand update" -l insecure-registry -d 'A registry host (`host` or `host:port`) that may be asked over plain HTTP (repeatable); registries on this machine always may' -r
complete -c imgbump -n "__fish_imgbump_using_subcommand update" -l verify-signature -d 'Only a cosign-signed image: key:FILE or keyless (--help: the identity flags)' -r
complete -c imgbump -n "__fish_imgbump_using_subcommand update" -l certificate-identity -d 'Keyless: the signer\'s identity, exactly (the certificate\'s SAN: a workflow URI such as `https://github.com/OWNER/REPO/.github/workflows/ci.yaml@refs/heads/main`, or an email)' -r
complete -c imgbump -n "__fish_imgbump_using_subcommand update" -l certificate-identity-regexp -d 'Keyless: a regular expression the signer\'s identity must match (found anywhere, as cosign matches it: anchor it with ^...$)' -r
complete -c imgbump -n "__fish_imgbump_using_subcommand update" -l certificate-oidc-issuer -d 'Keyless: the OIDC issuer that vouched for the signer, exactly (`https://token.actions.githubusercontent.com` for GitHub Actions)' -r
complete -c imgbump -n "__fish_imgbump_using_subcommand update" -l certificate-oidc-issuer-regexp -d 'Keyless: a regular expression the OIDC issuer must match' -r
complete -c imgbump -n "__fish_imgbump_using_subcommand update" -l certificate-github-workflow-repository -d 'Keyless: the GitHub workflow\'s repository the certificate must name (`OWNER/REPO`)' -r
complete -c imgbump -n "__fish_imgbump_using_subcommand update" -l certificate-github-workflow-ref -d 'Keyless: the GitHub workflow\'s ref the certificate must name (`refs/heads/main`)' -r
complete -c imgbump -n "__fish_imgbump_using_subcommand update" -l trusted-root -d 'A sigstore `trusted_root.json` to verify against instead of the public-good instance\'s (shipped with imgbump)' -r -F
complete -c imgbump -n "__fish_imgbump_using_subcommand update" -l dry-run -d 'Print the diff; write, commit and push nothing'
complete -c imgbump -n "__fish_imgbump_using_subcommand update" -l no-push -d 'Commit, but do not push'
complete -c imgbump -n "__fish_imgbump_using_subcommand update" -l draft -d 'Open the pull request as a draft'
complete -c imgbump -n "__fish_imgbump_using_subcommand update" -l auto-merge -d 'Merge the pull request when its checks pass'
complete -c imgbump -n "__fish_imgbump_using_subcommand update" -l no-batch -d 'Race for the branch alone: do not publish a request for a batch'
complete -c imgbump -n "__fish_imgbump_using_subcommand update" -l ignore-hold -d 'Set the image of a held target anyway (the hold line stays)'
complete -c imgbump -n "__fish_imgbump_using_subcommand update" -l fail-on-held -d 'Make a held target exit 4 instead of a success that leaves it alone'
complete -c imgbump -n "__fish_imgbump_using_subcommand update" -l create -d 'Add a missing kustomize `images:` entry or Helm values key'
complete -c imgbump -n "__fish_imgbump_using_subcommand update" -l drop-digest -d 'Remove a kustomize `digest` (empty a Helm one) that would win over the new tag'
complete -c imgbump -n "__fish_imgbump_using_subcommand update" -l verify-image -d 'Check that the new image exists in its registry first'
complete -c imgbump -n "__fish_imgbump_using_subcommand update" -l pin-digest -d 'Write the image with the digest its registry reports (implies --verify-image)'
complete -c imgbump -n "__fish_imgbump_using_subcommand update" -s q -l quiet -d 'Print less: errors only'
complete -c imgbump -n "__fish_imgbump_using_subcommand update" -s v -l verbose -d 'Print more (repeat for more detail)'
complete -c imgbump -n "__fish_imgbump_using_subcommand update" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c imgbump -n "__fish_imgbump_using_subcommand update" -s V -l version -d 'Print version'
complete -c imgbump -n "__fish_imgbump_using_subcommand wait" -l commit -d 'The commit to wait for (default: the one that brought the service\'s current image)' -r
complete -c imgbump -n "__fish_imgbump_using_subcommand wait" -s C -l repo -d 'The repository: a path in a checkout, or a URL to clone' -r
complete -c imgbump -n "__fish_imgbump_using_subcommand wait" -s b -l branch -d 'The branch (default: the checkout\'s, or the remote\'s default)' -r
complete -c imgbump -n "__fish_imgbump_using_subcommand wait" -s f -l manifest -d 'The manifest path, relative to the root (repeatable: the first that exists)' -r
complete -c imgbump -n "__fish_imgbump_using_subcommand wait" -l depth -d 'How many commits to fetch when cloning (0: all)' -r
complete -c imgbump -n "__fish_imgbump_using_subcommand wait" -l workdir -d 'Where to clone (default: a temporary directory removed at exit)' -r -F
complete -c imgbump -n "__fish_imgbump_using_subcommand wait" -l cache-dir -d 'Keep clones here between runs, so that a run fetches only what is new' -r -F
complete -c imgbump -n "__fish_imgbump_using_subcommand wait" -s o -l output -d 'Output format: text (on stderr) or json (on stdout)' -r -f -a "text\t'Human-readable text on stderr'
json\t'One JSON object on stdout'"
complete -c imgbump -n "__fish_imgbump_using_subcommand wait" -l connect-timeout -d 'How long to go on retrying a refused, reset or cut connection' -r
complete -c imgbump -n "__fish_imgbump_using_subcommand wait" -l github-app-id -d 'Authenticate as this GitHub App (needs --github-app-key)' -r
complete -c imgbump -n "__fish_imgbump_using_subcommand wait" -l github-app-key -d 'The App\'s private key, a PEM file (or IMGBUMP_GITHUB_APP_KEY holding the PEM itself). Never printed' -r -F
complete -c imgbump -n "__fish_imgbump_using_subcommand wait" -l clone-timeout -d 'How long to go on retrying a moved branch (90s, 10m, 1h)' -r
complete -c imgbump -n "__fish_imgbump_using_subcommand wait" -l wait-timeout -d 'How long to wait for the deployment before giving up (exit 6)' -r
complete -c imgbump -n "__fish_imgbump_using_subcommand wait" -l argocd-app -d 'The Argo CD application (default: .imgbump.yaml\'s `argocd: {app: …}`)' -r
complete -c imgbump -n "__fish_imgbump_using_subcommand wait" -l argocd-server -d 'The Argo CD API server (token: ARGOCD_AUTH_TOKEN)' -r
complete -c imgbump -n "__fish_imgbump_using_subcommand wait" -l poll-interval -d 'How often to read the application' -r
complete -c imgbump -n "__fish_imgbump_using_subcommand wait" -l notify -d 'Say what happened: slack:WEBHOOK_URL or webhook:URL (repeatable)' -r
complete -c imgbump -n "__fish_imgbump_using_subcommand wait" -l notify-on -d 'When to notify' -r -f -a "success\t'When it went well'
failure\t'When it did not'
always\t'Both'"
complete -c imgbump -n "__fish_imgbump_using_subcommand wait" -l workload -d 'The workload: NAME, KIND/NAME, NAMESPACE/KIND/NAME, or /KIND/NAME (no namespace)' -r
complete -c imgbump -n "__fish_imgbump_using_subcommand wait" -s c -l container -d 'The container (default: named like the service, else by the image\'s repository, else the only one)' -r
complete -c imgbump -n "__fish_imgbump_using_subcommand wait" -l image-name -d 'A kustomization\'s `images:` entry, by its `name`' -r
complete -c imgbump -n "__fish_imgbump_using_subcommand wait" -l key -d 'The key path of the value holding the image (Helm, Argo CD, any YAML)' -r
complete -c imgbump -n "__fish_imgbump_using_subcommand wait" -l holds -d 'What the scalar at --key holds: a whole reference, only the tag, or only the digest' -r -f -a "reference\t'A whole image reference'
tag\t'Only the tag (`:TAG` sets it)'
digest\t'Only the digest (`@sha256:…` sets it)'"
complete -c imgbump -n "__fish_imgbump_using_subcommand wait" -s e -l env -d 'The environment(s) of .imgbump.yaml (fills {env}); repeatable' -r
complete -c imgbump -n "__fish_imgbump_using_subcommand wait" -l insecure-argocd -d 'Allow a plain-HTTP Argo CD server that is not on this machine'
complete -c imgbump -n "__fish_imgbump_using_subcommand wait" -s q -l quiet -d 'Print less: errors only'
complete -c imgbump -n "__fish_imgbump_using_subcommand wait" -s v -l verbose -d 'Print more (repeat for more detail)'
complete -c imgbump -n "__fish_imgbump_using_subcommand wait" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c imgbump -n "__fish_imgbump_using_subcommand wait" -s V -l version -d 'Print version'
complete -c imgbump -n "__fish_imgbump_using_subcommand completions" -s q -l quiet -d 'Print less: errors only'
complete -c imgbump -n "__fish_imgbump_using_subcommand completions" -s v -l verbose -d 'Print more (repeat for more detail)'
complete -c imgbump -n "__fish_imgbump_using_subcommand completions" -s h -l help -d 'Print help'
complete -c imgbump -n "__fish_imgbump_using_subcommand completions" -s V -l version -d 'Print version'
complete -c imgbump -n "__fish_imgbump_using_subcommand man" -l dir -d 'Write every page (imgbump.1 and imgbump-SUBCOMMAND.1) into DIR/man1, for MANPATH' -r -F
complete -c imgbump -n "__fish_imgbump_using_subcommand man" -s q -l quiet -d 'Print less: errors only'
complete -c imgbump -n "__fish_imgbump_using_subcommand man" -s v -l verbose -d 'Print more (repeat for more detail)'
complete -c imgbump -n "__fish_imgbump_using_subcommand man" -s h -l help -d 'Print help'
complete -c imgbump -n "__fish_imgbump_using_subcommand man" -s V -l version -d 'Print version'
complete -c imgbump -n "__fish_imgbump_using_subcommand help; and not __fish_seen_subcommand_from set get list history rollback promote hold release update wait completions man help" -f -a "set" -d 'Bump one or more services\' images in one commit, and push it'
complete -c imgbump -n "__fish_imgbump_using_subcommand help; and not __fish_seen_subcommand_from set get list history rollback promote hold release update wait completions man help" -f -a "get" -d 'Print each service\'s current image'
complete -c imgbump -n "__fish_imgbump_using_subcommand help; and not __fish_seen_subcommand_from set get list history rollback promote hold release update wait completions man help" -f -a "list" -d 'List every service\'s targets (per environment, from .imgbump.yaml) or every service the manifest template finds, with its images'
complete -c imgbump -n "__fish_imgbump_using_subcommand help; and not __fish_seen_subcommand_from set get list history rollback promote hold release update wait completions man help" -f -a "history" -d 'List the images a service\'s manifest held across the history, newest first'
complete -c imgbump -n "__fish_imgbump_using_subcommand help; and not __fish_seen_subcommand_from set get list history rollback promote hold release update wait completions man help" -f -a "rollback" -d 'Put back the image before the current one (skipping images already rolled back from), and record the rollback'
complete -c imgbump -n "__fish_imgbump_using_subcommand help; and not __fish_seen_subcommand_from set get list history rollback promote hold release update wait completions man help" -f -a "promote" -d 'Copy a service\'s exact image (digest included) from one environment\'s targets to another\'s, in one commit'
complete -c imgbump -n "__fish_imgbump_using_subcommand help; and not __fish_seen_subcommand_from set get list history rollback promote hold release update wait completions man help" -f -a "hold" -d 'Hold services where they are: a `# imgbump:hold` line above each image, one commit; `set` leaves a held image alone until it is released'
complete -c imgbump -n "__fish_imgbump_using_subcommand help; and not __fish_seen_subcommand_from set get list history rollback promote hold release update wait completions man help" -f -a "release" -d 'Release services\' holds: the hold lines removed, one commit'
complete -c imgbump -n "__fish_imgbump_using_subcommand help; and not __fish_seen_subcommand_from set get list history rollback promote hold release update wait completions man help" -f -a "update" -d 'Choose each service\'s next image from its registry by a policy (`semver:^1.4`, `newest-build:^sha-`, …) and bump those Git holds an older one of, in one commit'
complete -c imgbump -n "__fish_imgbump_using_subcommand help; and not __fish_seen_subcommand_from set get list history rollback promote hold release update wait completions man help" -f -a "wait" -d 'Wait until Argo CD has deployed a service\'s commit (or a later one containing it), synced and healthy; exit 6 if it fails or the wait runs out'
complete -c imgbump -n "__fish_imgbump_using_subcommand help; and not __fish_seen_subcommand_from set get list history rollback promote hold release update wait completions man help" -f -a "completions" -d 'Print a shell completion script'
complete -c imgbump -n "__fish_imgbump_using_subcommand help; and not __fish_seen_subcommand_from set get list history rollback promote hold release update wait completions man help" -f -a "man" -d 'Print the man page (roff): imgbump(1), or a subcommand\'s, imgbump-set(1) and so on; or write them all into a directory'
complete -c imgbump -n "__fish_imgbump_using_subcommand help; and not __fish_seen_subcommand_from set get list history rollback promote hold release update wait completions man help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
