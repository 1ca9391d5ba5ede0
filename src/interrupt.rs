//! SIGINT, SIGTERM and SIGHUP end a run at a safe point, as git does: the handler only notes
//! the signal; a transfer in progress is cut (its blocked read returns early), the retry loop
//! stops before its next step (its waits, in the retry room, end at the signal), and the run unwinds normally, so that a scratch clone is
//! removed, locks are released, and a write into a checkout already begun (files, index,
//! branch) is finished first. The exit code is 128 + the signal's number.

use std::sync::atomic::{AtomicI32, Ordering};

static SIGNAL: AtomicI32 = AtomicI32::new(0);

#[cfg(unix)]
extern "C" fn note(signal: libc::c_int) {
    // Async-signal-safe: one atomic store.
    SIGNAL.store(signal, Ordering::SeqCst);
}

/// Installs the handlers (without `SA_RESTART`, so that a blocked read returns). Call once,
/// early in `main`.
#[cfg(unix)]
pub fn install() {
    for signal in [libc::SIGINT, libc::SIGTERM, libc::SIGHUP] {
        // SAFETY: a zeroed sigaction with our handler and an empty mask is valid; `note` is
        // async-signal-safe.
        unsafe {
            let mut action: libc::sigaction = std::mem::zeroed();
            action.sa_sigaction = note as extern "C" fn(libc::c_int) as usize;
            libc::sigemptyset(&mut action.sa_mask);
            action.sa_flags = 0;
            libc::sigaction(signal, &action, std::ptr::null_mut());
        }
    }
}

#[cfg(not(unix))]
pub fn install() {}

/// The signal that asked the run to end, if one did.
pub fn requested() -> Option<i32> {
    match SIGNAL.load(Ordering::SeqCst) {
        0 => None,
        s => Some(s),
    }
}

/// The name of a signal for messages.
pub fn name(signal: i32) -> &'static str {
    #[cfg(unix)]
    {
        match signal {
            libc::SIGINT => "SIGINT",
            libc::SIGTERM => "SIGTERM",
            libc::SIGHUP => "SIGHUP",
            _ => "a signal",
        }
    }
    #[cfg(not(unix))]
    {
        let _ = signal;
        "a signal"
    }
}
