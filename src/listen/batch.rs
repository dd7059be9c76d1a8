//! Group commit for `listen`'s two output streams (the `--save` file and stdout).
//!
//! Each request appends its bytes to a shared buffer. If no write is under way, that request becomes the
//! writer: it writes everything pending in one system call, and keeps draining until the buffer is empty.
//! Under load many requests share one write; with a single client the writer is that client itself, so
//! nothing waits on another thread. `write_durable` returns only when the caller's bytes are written and
//! flushed, which is what lets `listen` promise a capture is saved before its answer is sent.
use std::io::{self, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

use tokio::sync::watch;

struct Pending {
    bytes: Vec<u8>,
    /// The number of the batch that bytes appended now will be written in.
    batch: u64,
    writing: bool,
}

pub struct BatchWriter<W: Write + Send> {
    pending: Mutex<Pending>,
    sink: Mutex<W>,
    /// The last batch number written (and flushed).
    written: watch::Sender<u64>,
    failed: AtomicBool,
}

impl<W: Write + Send> BatchWriter<W> {
    pub fn new(sink: W) -> Self {
        BatchWriter {
            pending: Mutex::new(Pending { bytes: Vec::with_capacity(64 * 1024), batch: 1, writing: false }),
            sink: Mutex::new(sink),
            written: watch::Sender::new(0),
            failed: AtomicBool::new(false),
        }
    }

    /// Appends; returns the caller's batch and whether the caller must now write.
    fn append(&self, bytes: &[u8]) -> (u64, bool) {
        let mut pending = self.pending.lock().unwrap_or_else(|e| e.into_inner());
        pending.bytes.extend_from_slice(bytes);
        let lead = !pending.writing;
        pending.writing = true;
        (pending.batch, lead)
    }

    /// Writes batches until nothing is pending; the first error is returned (and remembered).
    fn drain(&self) -> io::Result<()> {
        let mut result = Ok(());
        loop {
            let (bytes, batch) = {
                let mut pending = self.pending.lock().unwrap_or_else(|e| e.into_inner());
                if pending.bytes.is_empty() {
                    pending.writing = false;
                    break;
                }
                let batch = pending.batch;
                pending.batch += 1;
                (std::mem::take(&mut pending.bytes), batch)
            };
            let outcome = {
                let mut sink = self.sink.lock().unwrap_or_else(|e| e.into_inner());
                sink.write_all(&bytes).and_then(|()| sink.flush())
            };
            if let Err(err) = outcome {
                self.failed.store(true, Ordering::SeqCst);
                if result.is_ok() {
                    result = Err(err);
                }
            }
            self.written.send_replace(batch);
            // Give the (now empty) buffer's capacity back for the next batch.
            let mut pending = self.pending.lock().unwrap_or_else(|e| e.into_inner());
            if pending.bytes.capacity() == 0 {
                pending.bytes = bytes;
                pending.bytes.clear();
            }
        }
        result
    }

    /// Returns once `bytes` are written and flushed (by this caller or by the one writing for it).
    pub async fn write_durable(&self, bytes: &[u8]) -> io::Result<()> {
        let (batch, lead) = self.append(bytes);
        if lead {
            self.drain()?;
        } else {
            let mut written = self.written.subscribe();
            let _ = written.wait_for(|done| *done >= batch).await;
        }
        if self.failed.load(Ordering::SeqCst) {
            return Err(io::Error::other("an earlier write to this file failed"));
        }
        Ok(())
    }

    /// Writes without waiting for bytes queued by others (display output).
    pub fn write(&self, bytes: &[u8]) -> io::Result<()> {
        let (_, lead) = self.append(bytes);
        if lead {
            self.drain()
        } else {
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn every_line_is_written_exactly_once_before_its_caller_returns() {
        let writer = Arc::new(BatchWriter::new(Vec::new()));
        let mut tasks = Vec::new();
        for task in 0..16 {
            let writer = writer.clone();
            tasks.push(tokio::spawn(async move {
                for i in 0..200 {
                    let line = format!("{task}-{i}\n");
                    writer.write_durable(line.as_bytes()).await.unwrap();
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

    struct Broken;
    impl Write for Broken {
        fn write(&mut self, _: &[u8]) -> io::Result<usize> {
            Err(io::Error::other("disk full"))
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[tokio::test]
    async fn a_failed_write_is_reported_to_its_caller() {
        let writer = BatchWriter::new(Broken);
        assert!(writer.write_durable(b"x\n").await.is_err());
        assert!(writer.write_durable(b"y\n").await.is_err());
    }
}
