//! Group commit for `listen`'s two output streams (the `--save` file and stdout).
//!
//! Each request appends its bytes to a shared buffer. If no write is under way, that request becomes the
//! writer: it writes everything pending in one system call, and keeps draining until the buffer is empty.
//! Under load many requests share one write; with a single client the writer is that client itself, so
//! nothing waits on another thread. `write_durable` returns only when the caller's bytes are written and
//! flushed, which is what lets `listen` promise a capture is saved before its answer is sent.
use std::fs::File;
use std::io::{self, Write};
use std::sync::{Arc, Mutex, OnceLock};

use tokio::sync::Notify;

/// Where batches go. `append` writes all the bytes or, failing, leaves no partial record behind.
pub trait Sink: Send {
    fn append(&mut self, bytes: &[u8]) -> io::Result<()>;
}

/// The `--save` file. A write that fails part-way (a full disk) is cut back off, so the file never holds
/// half a record for the next one to be glued onto; if even that fails, the next write starts with a
/// newline. With `fsync`, every batch is flushed to the disk before its requests are answered.
pub struct SaveFile {
    file: File,
    fsync: bool,
    torn: bool,
}

impl SaveFile {
    pub fn new(file: File, fsync: bool) -> SaveFile {
        SaveFile { file, fsync, torn: false }
    }

    fn write_counting(&mut self, bytes: &[u8], written: &mut u64) -> io::Result<()> {
        let mut rest = bytes;
        while !rest.is_empty() {
            match self.file.write(rest) {
                Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
                Ok(n) => {
                    *written += n as u64;
                    rest = &rest[n..];
                }
                Err(err) if err.kind() == io::ErrorKind::Interrupted => {}
                Err(err) => return Err(err),
            }
        }
        Ok(())
    }
}

impl Sink for SaveFile {
    fn append(&mut self, bytes: &[u8]) -> io::Result<()> {
        let mut written = 0;
        let mut outcome = Ok(());
        if self.torn {
            outcome = self.write_counting(b"\n", &mut written);
        }
        outcome = outcome.and_then(|()| self.write_counting(bytes, &mut written));
        if self.fsync {
            outcome = outcome.and_then(|()| self.file.sync_data());
        }
        match outcome {
            Ok(()) => {
                self.torn = false;
                Ok(())
            }
            Err(err) => {
                if written > 0 {
                    let cut = self.file.metadata().and_then(|m| self.file.set_len(m.len().saturating_sub(written)));
                    self.torn = self.torn || cut.is_err();
                }
                Err(err)
            }
        }
    }
}

impl Sink for Vec<u8> {
    fn append(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.extend_from_slice(bytes);
        Ok(())
    }
}

/// One group of appends written together, and how that went.
#[derive(Default)]
struct Batch {
    outcome: OnceLock<Result<(), String>>,
    done: Notify,
}

impl Batch {
    fn finish(&self, outcome: Result<(), String>) {
        let _ = self.outcome.set(outcome);
        self.done.notify_waiters();
    }

    async fn wait(&self) -> io::Result<()> {
        loop {
            let notified = self.done.notified();
            let mut notified = std::pin::pin!(notified);
            notified.as_mut().enable();
            if let Some(outcome) = self.outcome.get() {
                return outcome.clone().map_err(io::Error::other);
            }
            notified.await;
        }
    }
}

struct Pending {
    bytes: Vec<u8>,
    /// The batch that bytes appended now will be written in.
    batch: Arc<Batch>,
    writing: bool,
}

pub struct BatchWriter<S: Sink> {
    pending: Mutex<Pending>,
    sink: Mutex<S>,
}

impl<S: Sink> BatchWriter<S> {
    pub fn new(sink: S) -> Self {
        BatchWriter {
            pending: Mutex::new(Pending {
                bytes: Vec::with_capacity(64 * 1024),
                batch: Arc::new(Batch::default()),
                writing: false,
            }),
            sink: Mutex::new(sink),
        }
    }

    /// Appends; returns the caller's batch and whether the caller must now write.
    fn append(&self, parts: &[&[u8]]) -> (Arc<Batch>, bool) {
        let mut pending = self.pending.lock().unwrap_or_else(|e| e.into_inner());
        for part in parts {
            pending.bytes.extend_from_slice(part);
        }
        let lead = !pending.writing;
        pending.writing = true;
        (pending.batch.clone(), lead)
    }

    /// Writes batches until nothing is pending. Each batch's outcome goes to its own callers only: a
    /// failed batch does not fail the next one (the disk may have room again).
    fn drain(&self) {
        loop {
            let (bytes, batch) = {
                let mut pending = self.pending.lock().unwrap_or_else(|e| e.into_inner());
                if pending.bytes.is_empty() {
                    pending.writing = false;
                    break;
                }
                let batch = std::mem::replace(&mut pending.batch, Arc::new(Batch::default()));
                (std::mem::take(&mut pending.bytes), batch)
            };
            let outcome = self.sink.lock().unwrap_or_else(|e| e.into_inner()).append(&bytes);
            batch.finish(outcome.map_err(|e| e.to_string()));
            // Give the (now empty) buffer's capacity back for the next batch.
            let mut pending = self.pending.lock().unwrap_or_else(|e| e.into_inner());
            if pending.bytes.capacity() == 0 {
                pending.bytes = bytes;
                pending.bytes.clear();
            }
        }
    }

    /// Returns once `parts` (one record: its line and its newline) are written, one after the other, by
    /// this caller or by the one writing for it, or why they are not.
    pub async fn write_durable(&self, parts: &[&[u8]]) -> io::Result<()> {
        let (batch, lead) = self.append(parts);
        if lead {
            self.drain();
        }
        batch.wait().await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn every_line_is_written_exactly_once_before_its_caller_returns() {
        let writer = Arc::new(BatchWriter::new(Vec::<u8>::new()));
        let mut tasks = Vec::new();
        for task in 0..16 {
            let writer = writer.clone();
            tasks.push(tokio::spawn(async move {
                for i in 0..200 {
                    let line = format!("{task}-{i}\n");
                    writer.write_durable(&[line.as_bytes()]).await.unwrap();
                    let written = writer.sink.lock().unwrap();
                    assert!(String::from_utf8_lossy(&written).contains(&line), "returned before written");
                }
            }));
        }
        for task in tasks {
            task.await.unwrap();
        }
        let written = String::from_utf8(writer.sink.lock().unwrap().clone()).unwrap();
        let mut lines: Vec<&str> = written.lines().collect();
        assert_eq!(lines.len(), 16 * 200);
        lines.sort_unstable();
        lines.dedup();
        assert_eq!(lines.len(), 16 * 200, "no line twice");
    }

    /// Fails while `full` is set, as a full disk does.
    struct Disk {
        written: Vec<u8>,
        full: Arc<std::sync::atomic::AtomicBool>,
    }
    impl Sink for Disk {
        fn append(&mut self, bytes: &[u8]) -> io::Result<()> {
            if self.full.load(std::sync::atomic::Ordering::SeqCst) {
                return Err(io::Error::other("No space left on device"));
            }
            self.written.extend_from_slice(bytes);
            Ok(())
        }
    }

    #[tokio::test]
    async fn a_failed_write_fails_its_callers_only_and_writing_resumes_when_space_returns() {
        let full = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let writer = BatchWriter::new(Disk { written: Vec::new(), full: full.clone() });
        writer.write_durable(&[b"a\n"]).await.unwrap();
        full.store(true, std::sync::atomic::Ordering::SeqCst);
        assert!(writer.write_durable(&[b"x\n"]).await.unwrap_err().to_string().contains("No space"));
        assert!(writer.write_durable(&[b"y\n"]).await.is_err());
        full.store(false, std::sync::atomic::Ordering::SeqCst);
        writer.write_durable(&[b"b\n"]).await.expect("space is back: saving again");
        assert_eq!(writer.sink.lock().unwrap().written, b"a\nb\n");
    }
}
