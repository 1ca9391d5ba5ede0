
use builtin;
use str;

set edit:completion:arg-completer[imgbump] = {|@words|
    fn spaces {|n|
        builtin:repeat $n ' ' | str:join ''
    }
    fn cand {|text desc|
        edit:complex-candidate $text &display=$text' '(spaces (- 14 (wcswidth $text)))$desc
    }
    var command = 'imgbump'
    for word $words[1..-1] {
        if (str:has-prefix $word '-') {
            break
        }
        set command = $command';'$word
    }
    var completions = [
        &'imgbump'= {
            cand -q 'Print less: errors only'
            cand --quiet 'Print less: errors only'
            cand -v 'Print more (repeat for more detail)'
            cand --verbose 'Print more (repeat for more detail)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
            cand set 'Bump one or more services'' images in one commit, and push it'
            cand get 'Print each service''s current image'
            cand list 'List every service the manifest template finds, with its images'
            cand history 'List the images a service''s manifest held across the history, newest first'
            cand completions 'Print a shell completion script'
            cand man 'Print the man page (roff)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'imgbump;set'= {
            cand -C 'A path inside a checkout (open mode), or a URL to clone (https://, ssh://, git@host:path, file://)'
            cand --repo 'A path inside a checkout (open mode), or a URL to clone (https://, ssh://, git@host:path, file://)'
            cand -b 'The branch: default the current branch (checkout) or the remote''s default branch (clone)'
            cand --branch 'The branch: default the current branch (checkout) or the remote''s default branch (clone)'
            cand -f 'The manifest path relative to the repository root; `{service}` is replaced by the service name'
            cand --manifest 'The manifest path relative to the repository root; `{service}` is replaced by the service name'
            cand --depth 'How many commits to fetch when cloning (0: all)'
            cand --workdir 'Where to clone (default: a temporary directory removed at exit)'
            cand --cache-dir 'Keep clones here between runs (one bare repository per remote URL, locked while in use), so that a run fetches only what is new'
            cand --output 'Output format: text (human messages on stderr) or json (one object on stdout)'
            cand --workload 'The workload to edit: NAME or KIND/NAME (default: the one named like the service, or the only one)'
            cand -c 'The container to edit (default: the one named like the service, or the first of `containers`)'
            cand --container 'The container to edit (default: the one named like the service, or the first of `containers`)'
            cand -m 'The commit message; placeholders: {service} {image} {old_image} {tag} {digest} {file} {container}'
            cand --message 'The commit message; placeholders: {service} {image} {old_image} {tag} {digest} {file} {container}'
            cand --trailer 'A `KEY=VALUE` trailer to add to the commit message (repeatable)'
            cand --author 'The commit author, "NAME <EMAIL>" (default: git config user, else imgbump <imgbump@localhost>)'
            cand --retries 'Further push attempts after the branch moved on the remote'
            cand --dry-run 'Print the diff; write, commit and push nothing'
            cand --no-push 'Commit, but do not push'
            cand -q 'Print less: errors only'
            cand --quiet 'Print less: errors only'
            cand -v 'Print more (repeat for more detail)'
            cand --verbose 'Print more (repeat for more detail)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'imgbump;get'= {
            cand -C 'A path inside a checkout (open mode), or a URL to clone (https://, ssh://, git@host:path, file://)'
            cand --repo 'A path inside a checkout (open mode), or a URL to clone (https://, ssh://, git@host:path, file://)'
            cand -b 'The branch: default the current branch (checkout) or the remote''s default branch (clone)'
            cand --branch 'The branch: default the current branch (checkout) or the remote''s default branch (clone)'
            cand -f 'The manifest path relative to the repository root; `{service}` is replaced by the service name'
            cand --manifest 'The manifest path relative to the repository root; `{service}` is replaced by the service name'
            cand --depth 'How many commits to fetch when cloning (0: all)'
            cand --workdir 'Where to clone (default: a temporary directory removed at exit)'
            cand --cache-dir 'Keep clones here between runs (one bare repository per remote URL, locked while in use), so that a run fetches only what is new'
            cand --output 'Output format: text (human messages on stderr) or json (one object on stdout)'
            cand --workload 'The workload to edit: NAME or KIND/NAME (default: the one named like the service, or the only one)'
            cand -c 'The container to edit (default: the one named like the service, or the first of `containers`)'
            cand --container 'The container to edit (default: the one named like the service, or the first of `containers`)'
            cand -q 'Print less: errors only'
            cand --quiet 'Print less: errors only'
            cand -v 'Print more (repeat for more detail)'
            cand --verbose 'Print more (repeat for more detail)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'imgbump;list'= {
            cand -C 'A path inside a checkout (open mode), or a URL to clone (https://, ssh://, git@host:path, file://)'
            cand --repo 'A path inside a checkout (open mode), or a URL to clone (https://, ssh://, git@host:path, file://)'
            cand -b 'The branch: default the current branch (checkout) or the remote''s default branch (clone)'
            cand --branch 'The branch: default the current branch (checkout) or the remote''s default branch (clone)'
            cand -f 'The manifest path relative to the repository root; `{service}` is replaced by the service name'
            cand --manifest 'The manifest path relative to the repository root; `{service}` is replaced by the service name'
            cand --depth 'How many commits to fetch when cloning (0: all)'
            cand --workdir 'Where to clone (default: a temporary directory removed at exit)'
            cand --cache-dir 'Keep clones here between runs (one bare repository per remote URL, locked while in use), so that a run fetches only what is new'
            cand --output 'Output format: text (human messages on stderr) or json (one object on stdout)'
            cand -q 'Print less: errors only'
            cand --quiet 'Print less: errors only'
            cand -v 'Print more (repeat for more detail)'
            cand --verbose 'Print more (repeat for more detail)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'imgbump;history'= {
            cand -C 'A path inside a checkout (open mode), or a URL to clone (https://, ssh://, git@host:path, file://)'
            cand --repo 'A path inside a checkout (open mode), or a URL to clone (https://, ssh://, git@host:path, file://)'
            cand -b 'The branch: default the current branch (checkout) or the remote''s default branch (clone)'
            cand --branch 'The branch: default the current branch (checkout) or the remote''s default branch (clone)'
            cand -f 'The manifest path relative to the repository root; `{service}` is replaced by the service name'
            cand --manifest 'The manifest path relative to the repository root; `{service}` is replaced by the service name'
            cand --depth 'How many commits to fetch when cloning (0: all)'
            cand --workdir 'Where to clone (default: a temporary directory removed at exit)'
            cand --cache-dir 'Keep clones here between runs (one bare repository per remote URL, locked while in use), so that a run fetches only what is new'
            cand --output 'Output format: text (human messages on stderr) or json (one object on stdout)'
            cand --workload 'The workload to edit: NAME or KIND/NAME (default: the one named like the service, or the only one)'
            cand -c 'The container to edit (default: the one named like the service, or the first of `containers`)'
            cand --container 'The container to edit (default: the one named like the service, or the first of `containers`)'
            cand --nth 'Print only the N-th image: 0 is the current one, 1 the one before (for a rollback)'
            cand --max 'How many images to list at most'
            cand -q 'Print less: errors only'
            cand --quiet 'Print less: errors only'
            cand -v 'Print more (repeat for more detail)'
            cand --verbose 'Print more (repeat for more detail)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'imgbump;completions'= {
            cand -q 'Print less: errors only'
            cand --quiet 'Print less: errors only'
            cand -v 'Print more (repeat for more detail)'
            cand --verbose 'Print more (repeat for more detail)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'imgbump;man'= {
            cand -q 'Print less: errors only'
            cand --quiet 'Print less: errors only'
            cand -v 'Print more (repeat for more detail)'
            cand --verbose 'Print more (repeat for more detail)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'imgbump;help'= {
            cand set 'Bump one or more services'' images in one commit, and push it'
            cand get 'Print each service''s current image'
            cand list 'List every service the manifest template finds, with its images'
            cand history 'List the images a service''s manifest held across the history, newest first'
            cand completions 'Print a shell completion script'
            cand man 'Print the man page (roff)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'imgbump;help;set'= {
        }
        &'imgbump;help;get'= {
        }
        &'imgbump;help;list'= {
        }
        &'imgbump;help;history'= {
        }
        &'imgbump;help;completions'= {
        }
        &'imgbump;help;man'= {
        }
        &'imgbump;help;help'= {
        }
    ]
    $completions[$command]
}
