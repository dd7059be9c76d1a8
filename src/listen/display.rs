//! `listen`'s stdout, written from a thread of its own so that a reader who falls behind (a full pipe, a
//! pager, Ctrl-S in a terminal) never holds up a capture or an answer.
//!
//! Requests hand their display text to a queue bounded in bytes. When the queue is full the text is dropped,
//! counted, and said once on stderr: display lines are expendable, captures and answers are not (they are
//! saved before the answer, whatever stdout does).
use std::io::{self, Write};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::mpsc::{self, Receiver};
use std::sync::{Arc, Condvar, Mutex};
use std::thread;
use std::time::Duration;

/// How much display text may wait for a slow stdout before lines are dropped.
pub const QUEUE_BYTES: usize = 1 << 20;

/// After waking for new text, the writer waits this long for more before writing: under load one write
/// (and one wake-up) carries many lines instead of one each; a person at a terminal cannot tell.
const COALESCE: Duration = Duration::from_millis(1);

/// Text waiting for the writer, appended to one buffer (no allocation or channel message per line).
struct Pending {
    bytes: Vec<u8>,
    /// The writer is asleep waiting for text: the next push wakes it (and only that one).
    idle: bool,
    /// No more text will come (`finish`): the writer drains what is there and stops.
    ended: bool,
}

struct State {
    /// Bytes accepted and not yet written (waiting or being written).
    queued: AtomicUsize,
    dropped: AtomicU64,
    warned: AtomicBool,
    /// stdout failed (its reader went away): nothing more is accepted.
    closed: AtomicBool,
    pending: Mutex<Pending>,
    wake: Condvar,
}

pub struct DisplayQueue {
    state: Arc<State>,
    done: Mutex<Option<Receiver<()>>>,
    limit: usize,
}

/// What happened to a piece of display text.
#[derive(Debug, PartialEq, Eq)]
pub enum Queued {
    Yes,
    /// Dropped because stdout is not keeping up; `first` is true the first time, for the one warning.
    Dropped {
        first: bool,
    },
    /// stdout is closed (the reader went away).
    Closed,
}

impl DisplayQueue {
    /// Starts the writer thread; `on_closed` runs once if the sink reports a broken pipe.
    pub fn start<W: Write + Send + 'static>(
        sink: W,
        limit: usize,
        on_closed: impl FnOnce() + Send + 'static,
    ) -> DisplayQueue {
        let (done_tx, done) = mpsc::channel();
        let state = Arc::new(State {
            queued: AtomicUsize::new(0),
            dropped: AtomicU64::new(0),
            warned: AtomicBool::new(false),
            closed: AtomicBool::new(false),
            pending: Mutex::new(Pending { bytes: Vec::new(), idle: false, ended: false }),
            wake: Condvar::new(),
        });
        let writer_state = state.clone();
        thread::Builder::new()
            .name("hookctl-display".into())
            .spawn(move || {
                write_all_queued(sink, &writer_state, on_closed);
                let _ = done_tx.send(());
            })
            .expect("start the display thread");
        DisplayQueue { state, done: Mutex::new(Some(done)), limit }
    }

    /// Queues text for stdout without ever waiting for stdout.
    pub fn push(&self, text: Vec<u8>) -> Queued {
        if self.state.closed.load(Ordering::Relaxed) {
            return Queued::Closed;
        }
        let size = text.len();
        let queued = self.state.queued.fetch_add(size, Ordering::AcqRel);
        if queued > 0 && queued + size > self.limit {
            self.state.queued.fetch_sub(size, Ordering::AcqRel);
            self.state.dropped.fetch_add(1, Ordering::Relaxed);
            let first = !self.state.warned.swap(true, Ordering::AcqRel);
            return Queued::Dropped { first };
        }
        let mut pending = self.state.pending.lock().unwrap_or_else(|e| e.into_inner());
        if pending.ended {
            self.state.queued.fetch_sub(size, Ordering::AcqRel);
            return Queued::Closed;
        }
        pending.bytes.extend_from_slice(&text);
        if pending.idle {
            pending.idle = false;
            drop(pending);
            self.state.wake.notify_one();
        }
        Queued::Yes
    }

    /// How many pieces of display text were dropped.
    pub fn dropped(&self) -> u64 {
        self.state.dropped.load(Ordering::Relaxed)
    }

    /// Lets the writer finish what is queued, waiting at most `limit` (stdout may be blocked for good).
    /// Whatever is still queued then is counted as dropped.
    pub fn finish(&self, limit: Duration) {
        self.state.pending.lock().unwrap_or_else(|e| e.into_inner()).ended = true;
        self.state.wake.notify_one();
        if let Some(done) = self.done.lock().unwrap_or_else(|e| e.into_inner()).take() {
            if done.recv_timeout(limit).is_err() && self.state.queued.load(Ordering::Acquire) > 0 {
                self.state.dropped.fetch_add(1, Ordering::Relaxed);
            }
        }
    }
}

/// Waits for text (asleep while there is none), then takes all of it. `None` once the queue has ended and
/// everything was taken.
fn take_pending(state: &State, into: &mut Vec<u8>) -> Option<()> {
    let mut pending = state.pending.lock().unwrap_or_else(|e| e.into_inner());
    if pending.bytes.is_empty() {
        while pending.bytes.is_empty() {
            if pending.ended {
                return None;
            }
            pending.idle = true;
            pending = state.wake.wait(pending).unwrap_or_else(|e| e.into_inner());
        }
        pending.idle = false;
        if !pending.ended {
            drop(pending);
            thread::sleep(COALESCE);
            pending = state.pending.lock().unwrap_or_else(|e| e.into_inner());
        }
    }
    std::mem::swap(&mut pending.bytes, into);
    Some(())
}

/// The writer thread: writes whatever has gathered in one go, flushing after each.
fn write_all_queued<W: Write>(mut sink: W, state: &State, on_closed: impl FnOnce()) {
    let mut chunk = Vec::new();
    while take_pending(state, &mut chunk).is_some() {
        let written = sink.write_all(&chunk).and_then(|()| sink.flush());
        state.queued.fetch_sub(chunk.len(), Ordering::AcqRel);
        chunk.clear();
        if let Err(err) = written {
            state.closed.store(true, Ordering::Release);
            if err.kind() == io::ErrorKind::BrokenPipe {
                on_closed();
            }
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc::SyncSender;

    /// A sink that blocks every write until the test lets it go.
    struct Blocked(Arc<Mutex<Vec<u8>>>, Receiver<()>);
    impl Write for Blocked {
        fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
            let _ = self.1.recv();
            self.0.lock().unwrap().extend_from_slice(bytes);
            Ok(bytes.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    fn blocked() -> (Blocked, Arc<Mutex<Vec<u8>>>, SyncSender<()>) {
        let written = Arc::new(Mutex::new(Vec::new()));
        let (release, gate) = mpsc::sync_channel(0);
        (Blocked(written.clone(), gate), written, release)
    }

    #[test]
    fn a_blocked_sink_never_blocks_the_caller_and_drops_past_the_limit() {
        let (sink, written, release) = blocked();
        let queue = DisplayQueue::start(sink, 100, || {});
        let mut outcomes = Vec::new();
        for _ in 0..20 {
            outcomes.push(queue.push(vec![b'x'; 30]));
        }
        assert_eq!(outcomes.iter().filter(|o| **o == Queued::Dropped { first: true }).count(), 1);
        let dropped = outcomes.iter().filter(|o| matches!(o, Queued::Dropped { .. })).count();
        assert!(dropped >= 10, "{outcomes:?}");
        assert_eq!(queue.dropped(), dropped as u64);
        drop(release);
        queue.finish(Duration::from_secs(5));
        assert_eq!(written.lock().unwrap().len(), (20 - dropped) * 30, "what was queued is written");
    }

    struct Collect(Arc<Mutex<Vec<u8>>>);
    impl Write for Collect {
        fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(bytes);
            Ok(bytes.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn text_is_written_in_order_and_a_closed_pipe_is_reported_once() {
        let written = Arc::new(Mutex::new(Vec::new()));
        let queue = DisplayQueue::start(Collect(written.clone()), QUEUE_BYTES, || {});
        let mut expected = String::new();
        for i in 0..100 {
            expected.push_str(&format!("{i}\n"));
            assert_eq!(queue.push(format!("{i}\n").into_bytes()), Queued::Yes);
        }
        queue.finish(Duration::from_secs(5));
        assert_eq!(String::from_utf8(written.lock().unwrap().clone()).unwrap(), expected);

        struct Closed;
        impl Write for Closed {
            fn write(&mut self, _: &[u8]) -> io::Result<usize> {
                Err(io::ErrorKind::BrokenPipe.into())
            }
            fn flush(&mut self) -> io::Result<()> {
                Err(io::ErrorKind::BrokenPipe.into())
            }
        }
        let (tx, rx) = mpsc::channel();
        let queue = DisplayQueue::start(Closed, QUEUE_BYTES, move || tx.send(()).unwrap());
        queue.push(b"a\n".to_vec());
        rx.recv_timeout(Duration::from_secs(5)).expect("told the pipe closed");
        thread::sleep(Duration::from_millis(20));
        assert_eq!(queue.push(b"b\n".to_vec()), Queued::Closed);
    }
}
