//! SIGINT, SIGTERM and SIGHUP end a run at a safe point, as git does: the handler only notes
//! the signal; a transfer in progress is cut (its blocked read returns early), the retry loop
//! stops before its next step (its waits, in the retry room, end at the signal), and the run unwinds normally, so that a scratch clone is
//! removed, locks are released, and a write into a checkout already begun (files, index,
//! branch) is finished first. The exit code is 128 + the signal's number.
//!
//! A wait ([`wait`]) sleeps in one piece and still ends at the signal: the handler also
//! writes a byte to a pipe the wait polls. (Waits in slices of 20 ms, as before, woke each of a
//! burst's 200 waiting runs 50 times a second: 10,000 context switches a second, a twentieth
//! of a 2-core machine's time, taken from the runs that land.)

use std::sync::atomic::{AtomicI32, Ordering};
use std::time::{Duration, Instant};

static SIGNAL: AtomicI32 = AtomicI32::new(0);

/// The pipe a signal wakes waits with: its write end (the handler's), and its read end.
static WAKE_WRITE: AtomicI32 = AtomicI32::new(-1);
static WAKE_READ: AtomicI32 = AtomicI32::new(-1);

#[cfg(unix)]
extern "C" fn note(signal: libc::c_int) {
    // Async-signal-safe: an atomic store, and a write(2) to a non-blocking pipe, with errno
    // kept for the code the signal interrupted.
    SIGNAL.store(signal, Ordering::SeqCst);
    let fd = WAKE_WRITE.load(Ordering::SeqCst);
    if fd >= 0 {
        // SAFETY: errno is thread-local; write(2) on a valid fd with a 1-byte buffer.
        unsafe {
            let errno = *libc::__errno_location();
            let _ = libc::write(fd, b"!".as_ptr().cast(), 1);
            *libc::__errno_location() = errno;
        }
    }
}

/// Installs the handlers (without `SA_RESTART`, so that a blocked read returns). Call once,
/// early in `main`.
#[cfg(unix)]
pub fn install() {
    let mut fds = [-1; 2];
    // SAFETY: pipe2 fills two fds on success; both are kept for the life of the process.
    if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC | libc::O_NONBLOCK) } == 0 {
        WAKE_READ.store(fds[0], Ordering::SeqCst);
        WAKE_WRITE.store(fds[1], Ordering::SeqCst);
    }
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

/// Sleeps `d`, or until a signal asks the run to end: the signal, if one did.
pub(crate) fn wait(d: Duration) -> Option<i32> {
    let end = Instant::now() + d;
    loop {
        if let Some(signal) = requested() {
            return Some(signal);
        }
        let left = end.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return None;
        }
        sleep_awake(left);
    }
}

/// One sleep of at most `left` that a signal ends early (when [`install`] made the pipe; else
/// slices of 20 ms, the signal checked between them).
#[cfg(unix)]
fn sleep_awake(left: Duration) {
    let fd = WAKE_READ.load(Ordering::SeqCst);
    if fd < 0 {
        std::thread::sleep(left.min(Duration::from_millis(20)));
        return;
    }
    // Whole milliseconds, rounded up: a wait never ends early and spins.
    let ms = left.as_micros().div_ceil(1000).min(i32::MAX as u128) as i32;
    let mut pfd = libc::pollfd {
        fd,
        events: libc::POLLIN,
        revents: 0,
    };
    // SAFETY: one valid pollfd. The pipe is never drained: once a signal wrote to it, every
    // wait of the run, on any thread, returns at once (and the caller sees the signal).
    unsafe {
        libc::poll(&mut pfd, 1, ms);
    }
}

#[cfg(not(unix))]
fn sleep_awake(left: Duration) {
    std::thread::sleep(left.min(Duration::from_millis(20)));
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
