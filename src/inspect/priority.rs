//! The inspector yields to capture: its threads run at a lower scheduling priority, and its heaviest jobs
//! at the lowest.
use std::cell::Cell;

/// How much the inspector's work yields to the capture port (niceness 0).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Priority {
    /// The page, its API and live streams, lists and searches: capture gets about ten times their share of a
    /// CPU they both want, and the page still answers on a machine busy with other work (at the lowest
    /// priority a list took over a minute beside `stress --cpu 2`).
    Page = 10,
    /// Fixtures, diffs, HAR files and exports of whole captures: pure CPU, mostly when a CPU is spare (at 19 an
    /// export beside `stress --cpu 2` crawled for a quarter of an hour; at 15 capture still keeps ≥ 0.8× its
    /// pace under three fixture jobs).
    HeavyJob = 15,
}

thread_local! {
    static CURRENT: Cell<i32> = const { Cell::new(0) };
}

/// Sets the calling thread's priority (Linux schedules threads one by one, so this leaves the rest of the
/// process as it was); a thread already there is left alone.
pub fn set(priority: Priority) {
    let niceness = priority as i32;
    if CURRENT.with(|current| current.replace(niceness)) == niceness {
        return;
    }
    #[cfg(target_os = "linux")]
    // SAFETY: gettid and setpriority take no pointers; a failure leaves the priority as it was.
    unsafe {
        let thread = libc::syscall(libc::SYS_gettid) as libc::id_t;
        libc::setpriority(libc::PRIO_PROCESS, thread, niceness);
    }
}

/// For the inspector runtime's threads as they start.
pub fn page() {
    set(Priority::Page);
}
