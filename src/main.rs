//! The imgbump binary: parse the command line, run it, exit with its code.

use clap::Parser;

// Both YAML parsers allocate a node or an event per scalar; with mimalloc a bump of a 5 KB
// manifest takes about a tenth less time than with the system allocator (benches/engine.rs).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    // Writing to a closed pipe (`imgbump list | head`) ends the process quietly, as a Unix
    // filter should, instead of panicking on EPIPE.
    #[cfg(unix)]
    reset_sigpipe();
    // Before any thread starts: the one change imgbump makes to its own environment.
    imgbump::init_git();
    imgbump::interrupt::install();
    let code = match imgbump::cli::Cli::try_parse() {
        Ok(cli) => imgbump::cli::run(cli).0,
        Err(e) => imgbump::cli::usage_error(&e),
    };
    std::process::exit(code);
}

#[cfg(unix)]
fn reset_sigpipe() {
    // Rust ignores SIGPIPE by default; restore the default action so a closed stdout ends us.
    // SAFETY: `signal` with SIG_DFL is async-signal-safe and has no preconditions.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}

/// imgbump lives for tens of milliseconds and touches a few MiB. mimalloc asks for
/// transparent huge pages, and a first touch of one costs zeroing 2 MiB or a compaction stall:
/// seen as 10 ms stalls in a 30 ms bump, before `main` as often as after it. So the process
/// opts out before anything runs: this is in `.init_array`, which the loader calls before the
/// Rust runtime's first allocation.
#[cfg(target_os = "linux")]
#[used]
#[link_section = ".init_array"]
static NO_HUGE_PAGES: extern "C" fn() = no_huge_pages;

#[cfg(target_os = "linux")]
extern "C" fn no_huge_pages() {
    // SAFETY: PR_SET_THP_DISABLE takes plain integers and only sets a flag on this process.
    unsafe {
        libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0);
    }
}
