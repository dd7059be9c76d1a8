//! `listen`'s stdout, written from a thread of its own so that a reader who falls behind (a full pipe, a
//! pager, Ctrl-S in a terminal) never holds up a capture or an answer.
//!
//! Requests hand their display text to a queue bounded in bytes. When the queue is full the text is dropped,
//! counted, and said once on stderr: display lines are expendable, captures and answers are not (they are
//! saved before the answer, whatever stdout does).
use std::io::{self, Write};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

/// How much display text may wait for a slow stdout before lines are dropped.
pub const QUEUE_BYTES: usize = 1 << 20;

struct State {
    queued: AtomicUsize,
    dropped: AtomicU64,
    warned: AtomicBool,
    closed: AtomicBool,
}

pub struct DisplayQueue {
    sender: Mutex<Option<Sender<Vec<u8>>>>,
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
        let (sender, receiver) = mpsc::channel::<Vec<u8>>();
        let (done_tx, done) = mpsc::channel();
        let state = Arc::new(State {
            queued: AtomicUsize::new(0),
            dropped: AtomicU64::new(0),
            warned: AtomicBool::new(false),
            closed: AtomicBool::new(false),
        });
        let writer_state = state.clone();
        thread::Builder::new()
            .name("hookctl-display".into())
            .spawn(move || {
                write_all_queued(sink, &receiver, &writer_state, on_closed);
                let _ = done_tx.send(());
            })
            .expect("start the display thread");
        DisplayQueue { sender: Mutex::new(Some(sender)), state, done: Mutex::new(Some(done)), limit }
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
        let sender = self.sender.lock().unwrap_or_else(|e| e.into_inner());
        match sender.as_ref().map(|s| s.send(text)) {
            Some(Ok(())) => Queued::Yes,
            _ => {
                self.state.queued.fetch_sub(size, Ordering::AcqRel);
                Queued::Closed
            }
        }
    }

    /// How many pieces of display text were dropped.
    pub fn dropped(&self) -> u64 {
        self.state.dropped.load(Ordering::Relaxed)
    }

    /// Lets the writer finish what is queued, waiting at most `limit` (stdout may be blocked for good).
    /// Whatever is still queued then is counted as dropped.
    pub fn finish(&self, limit: Duration) {
        drop(self.sender.lock().unwrap_or_else(|e| e.into_inner()).take());
        if let Some(done) = self.done.lock().unwrap_or_else(|e| e.into_inner()).take() {
            if done.recv_timeout(limit).is_err() && self.state.queued.load(Ordering::Acquire) > 0 {
                self.state.dropped.fetch_add(1, Ordering::Relaxed);
            }
        }
    }
}

/// The writer thread: writes each piece as it comes, flushing whenever the queue runs dry.
fn write_all_queued<W: Write>(sink: W, receiver: &Receiver<Vec<u8>>, state: &State, on_closed: impl FnOnce()) {
    let mut sink = io::BufWriter::with_capacity(64 * 1024, sink);
    let mut on_closed = Some(on_closed);
    let mut failed = |err: io::Error, state: &State| {
        state.closed.store(true, Ordering::Release);
        if err.kind() == io::ErrorKind::BrokenPipe {
            if let Some(closed) = on_closed.take() {
                closed();
            }
        }
    };
    while let Ok(first) = receiver.recv() {
        let mut next = Some(first);
        while let Some(text) = next {
            let written = sink.write_all(&text);
            state.queued.fetch_sub(text.len(), Ordering::AcqRel);
            if let Err(err) = written {
                failed(err, state);
                return;
            }
            next = receiver.try_recv().ok();
        }
        if let Err(err) = sink.flush() {
            failed(err, state);
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
