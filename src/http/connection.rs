//! hookctl's own HTTP/1.1 client connection for `http://` (`send --repeat`, `fuzz`): the request is written
//! (with one system call when the socket takes it whole) and its answer framed (Content-Length, chunked, or
//! until the receiver closes) as it is read, on the caller's own task. hyper's client connection runs a
//! second task per connection and hands every request and answer across a channel between the two: two task
//! wake-ups a request, which under load cost more than the request itself (as in wrk, one task does it all
//! here). Kept of the answer: its status, how long its body was, the first bytes of it when asked, and
//! whether the connection can carry the next request.
//!
//! An answer that comes while the request is still being written (a 413, then a close) is read and is the
//! result; the request is never written twice. Reading is linear in what the receiver sends: the head is
//! parsed only once its blank line has arrived, and it is capped.
use std::io;
use std::net::SocketAddr;
use std::task::{Context, Poll, Waker};

use tokio::io::AsyncReadExt;
use tokio::net::TcpStream;

/// The largest answer head (status line and headers) read.
const HEAD_LIMIT: usize = 64 << 10;
/// The most headers an answer may have.
const MAX_HEADERS: usize = 100;
/// The longest chunk-size or trailer line read.
const LINE_LIMIT: usize = 8 << 10;

/// What came back.
#[derive(Debug, PartialEq, Eq)]
pub struct Answer {
    pub status: u16,
    /// The body's length, as read (at most `limit` and then some: reading stops past it).
    pub length: usize,
    /// The body was read to its end (not cut off at the limit).
    pub whole: bool,
    /// The connection can carry the next request.
    pub keep_alive: bool,
    /// The body's first bytes, as many as asked for (none for load mode).
    pub start: Vec<u8>,
}

/// Why no answer came.
#[derive(Debug)]
pub enum Error {
    /// The request could not be written.
    Write(io::Error),
    /// The receiver closed the connection before a byte of an answer (or reset it while the request was
    /// being written).
    Closed,
    /// Reading the answer failed, or it is not HTTP/1.x.
    Read(String),
}

/// How the body of an answer ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Framing {
    Empty,
    Length(u64),
    Chunked,
    UntilClose,
}

pub struct Http1 {
    stream: TcpStream,
    /// Bytes read and not yet used: `buf[start..filled]`.
    buf: Vec<u8>,
    start: usize,
    filled: usize,
    /// How much of a body to keep in [`Answer::start`].
    keep: usize,
    kept: Vec<u8>,
}

impl Http1 {
    pub async fn connect(address: SocketAddr) -> io::Result<Http1> {
        let stream = TcpStream::connect(address).await?;
        let _ = stream.set_nodelay(true);
        Ok(Http1 { stream, buf: vec![0; 16 << 10], start: 0, filled: 0, keep: 0, kept: Vec::new() })
    }

    /// Keeps the first `bytes` of each answer's body in [`Answer::start`].
    pub fn keeping(mut self, bytes: usize) -> Http1 {
        self.keep = bytes;
        self
    }

    /// Whether the receiver has closed this (idle) connection, or sent something unasked: either way it
    /// cannot carry another request. Asks the socket only when the event loop has seen it readable.
    pub fn peer_closed(&mut self) -> bool {
        if self.start < self.filled {
            return true;
        }
        let mut cx = Context::from_waker(Waker::noop());
        match self.stream.poll_read_ready(&mut cx) {
            Poll::Pending => false,
            Poll::Ready(Err(_)) => true,
            Poll::Ready(Ok(())) => {
                let mut byte = [0u8; 1];
                !matches!(self.stream.try_read(&mut byte), Err(e) if e.kind() == io::ErrorKind::WouldBlock)
            }
        }
    }

    /// Writes `request` (head and body) and reads its answer. `head` says the request was a HEAD (its
    /// answer has no body, whatever its headers say); `limit` is how much of a body is read.
    pub async fn exchange(&mut self, request: &[u8], head: bool, limit: usize) -> Result<Answer, Error> {
        let written = match self.stream.try_write(request) {
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => 0,
            Err(e) => return self.answer_after_failed_write(e, head, limit).await,
        };
        if written == request.len() {
            return self.answer(head, limit).await;
        }
        match self.write_unless_answered(&request[written..]).await {
            Ok(true) => self.answer(head, limit).await,
            // The receiver answered before taking the whole request: that answer is the result, and the
            // connection carries nothing more.
            Ok(false) => self.answer(head, limit).await.map(|answer| Answer { keep_alive: false, ..answer }),
            Err(e) => self.answer_after_failed_write(e, head, limit).await,
        }
    }

    /// Writes `rest`, watching for an answer meanwhile: `Ok(true)` when all was written, `Ok(false)` when
    /// the receiver sent something (or closed) first.
    async fn write_unless_answered(&mut self, mut rest: &[u8]) -> io::Result<bool> {
        while !rest.is_empty() {
            tokio::select! {
                biased;
                ready = self.stream.readable() => {
                    ready?;
                    return Ok(false);
                }
                ready = self.stream.writable() => {
                    ready?;
                    match self.stream.try_write(rest) {
                        Ok(n) => rest = &rest[n..],
                        Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                        Err(e) => return Err(e),
                    }
                }
            }
        }
        Ok(true)
    }

    /// A receiver may answer (413, say) and close before the whole request is written: that answer is the
    /// result, if it came.
    async fn answer_after_failed_write(&mut self, write: io::Error, head: bool, limit: usize) -> Result<Answer, Error> {
        match self.answer(head, limit).await {
            Ok(answer) => Ok(Answer { keep_alive: false, ..answer }),
            Err(_) if closed_by_peer(&write) => Err(Error::Closed),
            Err(_) => Err(Error::Write(write)),
        }
    }

    async fn answer(&mut self, head: bool, limit: usize) -> Result<Answer, Error> {
        loop {
            let (status, framing, keep_alive) = self.head(head).await?;
            // 1xx answers (100 Continue, 103 Early Hints) come before the real one; 101 is final.
            if (100..200).contains(&status) && status != 101 {
                continue;
            }
            self.kept.clear();
            let (length, whole) = match framing {
                Framing::Empty => (0, true),
                Framing::Length(n) => self.counted(n, limit).await?,
                Framing::Chunked => self.chunked(limit).await?,
                Framing::UntilClose => self.until_close(limit).await?,
            };
            // Anything after the answer was not asked for: the connection is not reused.
            let keep_alive = keep_alive && whole && framing != Framing::UntilClose && self.start == self.filled;
            return Ok(Answer { status, length, whole, keep_alive, start: std::mem::take(&mut self.kept) });
        }
    }

    /// Reads more into the buffer; `Ok(0)` is the end of the stream.
    async fn fill(&mut self) -> io::Result<usize> {
        if self.start == self.filled {
            (self.start, self.filled) = (0, 0);
        } else if self.filled == self.buf.len() {
            if self.start > 0 {
                self.buf.copy_within(self.start..self.filled, 0);
                (self.start, self.filled) = (0, self.filled - self.start);
            } else {
                self.buf.resize(self.buf.len() * 2, 0);
            }
        }
        let n = self.stream.read(&mut self.buf[self.filled..]).await?;
        self.filled += n;
        Ok(n)
    }

    fn pending(&self) -> &[u8] {
        &self.buf[self.start..self.filled]
    }

    fn consume(&mut self, n: usize) {
        self.start += n;
        if self.start == self.filled {
            (self.start, self.filled) = (0, 0);
        }
    }

    /// Consumes `n` bytes of a body, keeping what [`Answer::start`] still has room for.
    fn consume_body(&mut self, n: usize) {
        let room = self.keep.saturating_sub(self.kept.len()).min(n);
        if room > 0 {
            let (from, to) = (self.start, self.start + room);
            self.kept.extend_from_slice(&self.buf[from..to]);
        }
        self.start += n;
        if self.start == self.filled {
            (self.start, self.filled) = (0, 0);
        }
    }

    /// Reads and parses an answer's head: its status, how its body ends, and whether the connection may
    /// be kept.
    async fn head(&mut self, head_request: bool) -> Result<(u16, Framing, bool), Error> {
        let config = httparse::ParserConfig::default();
        // How far the pending bytes were searched for the head's end: each byte is looked at once.
        let mut searched = 0usize;
        loop {
            if self.pending().is_empty() {
                match self.fill().await {
                    Ok(0) => return Err(Error::Closed),
                    Ok(_) => {}
                    Err(e) if closed_by_peer(&e) => return Err(Error::Closed),
                    Err(e) => return Err(Error::Read(e.to_string())),
                }
            }
            if !self.pending().starts_with(b"HTTP/") && !b"HTTP/".starts_with(self.pending()) {
                // A TLS record (0x15 alert, 0x16 handshake; version 3.x) where a status line should be.
                if matches!(self.pending(), [0x15 | 0x16, 0x03, ..]) {
                    return Err(Error::Read("the receiver speaks TLS: use https://".into()));
                }
                return Err(Error::Read("the answer is not HTTP/1.x".into()));
            }
            let from = searched.saturating_sub(3);
            let ended = memchr::memmem::find(&self.pending()[from..], b"\r\n\r\n").is_some()
                || memchr::memmem::find(&self.pending()[from..], b"\n\n").is_some();
            searched = self.pending().len();
            if !ended {
                if self.pending().len() >= HEAD_LIMIT {
                    return Err(Error::Read(format!("the answer's head is over {} KiB", HEAD_LIMIT >> 10)));
                }
                match self.fill().await {
                    Ok(0) => {
                        return Err(Error::Read(
                            "the receiver closed the connection in the middle of the answer's head".into(),
                        ))
                    }
                    Ok(_) => continue,
                    Err(e) => {
                        return Err(Error::Read(format!(
                            "the connection failed in the middle of the answer's head: {e}"
                        )))
                    }
                }
            }
            // Left uninitialised: zeroing a hundred headers for every answer cost more than parsing it.
            let mut headers = [const { std::mem::MaybeUninit::<httparse::Header<'_>>::uninit() }; MAX_HEADERS];
            let mut answer = httparse::Response::new(&mut []);
            match config.parse_response_with_uninit_headers(&mut answer, self.pending(), &mut headers) {
                Ok(httparse::Status::Complete(used)) => {
                    let status = answer.code.unwrap_or(0);
                    let (framing, keep_alive) = framing(&answer, head_request)?;
                    self.consume(used);
                    return Ok((status, framing, keep_alive));
                }
                Ok(httparse::Status::Partial) if self.pending().len() < HEAD_LIMIT => {}
                Ok(httparse::Status::Partial) => {
                    return Err(Error::Read(format!("the answer's head is over {} KiB", HEAD_LIMIT >> 10)))
                }
                Err(e) => return Err(Error::Read(format!("the answer is not HTTP/1.x ({e})"))),
            }
        }
    }

    /// More bytes of a body that must go on: the end of the stream here is a cut-off answer.
    async fn more(&mut self) -> Result<(), Error> {
        match self.fill().await {
            Ok(0) => Err(Error::Read("the receiver closed the connection before the answer's end".into())),
            Ok(_) => Ok(()),
            Err(e) => Err(Error::Read(e.to_string())),
        }
    }

    /// A body of `n` bytes (Content-Length), counted and dropped.
    async fn counted(&mut self, n: u64, limit: usize) -> Result<(usize, bool), Error> {
        let mut left = n;
        let mut length = 0usize;
        loop {
            let take = self.pending().len().min(usize::try_from(left).unwrap_or(usize::MAX));
            self.consume_body(take);
            left -= take as u64;
            length += take;
            if left == 0 {
                return Ok((length, true));
            }
            if length > limit {
                return Ok((length, false));
            }
            self.more().await?;
        }
    }

    /// A body with no length, that ends when the receiver closes the connection.
    async fn until_close(&mut self, limit: usize) -> Result<(usize, bool), Error> {
        let mut length = 0usize;
        loop {
            length += self.pending().len();
            self.consume_body(self.pending().len());
            if length > limit {
                return Ok((length, false));
            }
            match self.fill().await {
                Ok(0) => return Ok((length, true)),
                Ok(_) => {}
                Err(e) => return Err(Error::Read(e.to_string())),
            }
        }
    }

    /// One CRLF-ended line (a chunk size, a trailer), consumed; returned without its CRLF.
    async fn line(&mut self) -> Result<Vec<u8>, Error> {
        loop {
            if let Some(end) = memchr::memmem::find(self.pending(), b"\r\n") {
                let line = self.pending()[..end].to_vec();
                self.consume(end + 2);
                return Ok(line);
            }
            if self.pending().len() > LINE_LIMIT {
                return Err(Error::Read(format!("a chunk line of the answer is over {} KiB", LINE_LIMIT >> 10)));
            }
            self.more().await?;
        }
    }

    /// A chunked body: its data counted and dropped, its trailers read.
    async fn chunked(&mut self, limit: usize) -> Result<(usize, bool), Error> {
        let mut length = 0usize;
        loop {
            let line = self.line().await?;
            let size = chunk_size(&line).ok_or_else(|| Error::Read("the answer has an invalid chunk size".into()))?;
            if size == 0 {
                while !self.line().await?.is_empty() {}
                return Ok((length, true));
            }
            let (read, whole) = self.counted(size, limit.saturating_sub(length)).await?;
            length += read;
            if !whole {
                return Ok((length, false));
            }
            if !self.line().await?.is_empty() {
                return Err(Error::Read("a chunk of the answer is longer than its size".into()));
            }
        }
    }
}

/// A chunk-size line's size (hex digits, then any `;extension`).
fn chunk_size(line: &[u8]) -> Option<u64> {
    let digits = line.split(|&b| b == b';').next()?.trim_ascii();
    if digits.is_empty() || digits.len() > 16 || !digits.iter().all(u8::is_ascii_hexdigit) {
        return None;
    }
    u64::from_str_radix(std::str::from_utf8(digits).ok()?, 16).ok()
}

fn closed_by_peer(e: &io::Error) -> bool {
    matches!(e.kind(), io::ErrorKind::ConnectionReset | io::ErrorKind::ConnectionAborted | io::ErrorKind::BrokenPipe)
}

/// Whether a header's `value` is a comma-separated list that holds `token` (any case).
fn lists(value: &[u8], token: &[u8]) -> bool {
    value.split(|&b| b == b',').any(|item| item.trim_ascii().eq_ignore_ascii_case(token))
}

/// How an answer's body ends (RFC 9112 section 6.3) and whether its connection may carry the next request.
fn framing(answer: &httparse::Response<'_, '_>, head_request: bool) -> Result<(Framing, bool), Error> {
    let status = answer.code.unwrap_or(0);
    let http11 = answer.version == Some(1);
    let (mut close, mut keep, mut chunked, mut encoded, mut length) = (false, false, false, false, None::<u64>);
    for header in answer.headers.iter() {
        let name = header.name.as_bytes();
        if name.eq_ignore_ascii_case(b"connection") {
            close |= lists(header.value, b"close");
            keep |= lists(header.value, b"keep-alive");
        } else if name.eq_ignore_ascii_case(b"transfer-encoding") {
            encoded = true;
            chunked = header
                .value
                .rsplit(|&b| b == b',')
                .next()
                .is_some_and(|last| last.trim_ascii().eq_ignore_ascii_case(b"chunked"));
        } else if name.eq_ignore_ascii_case(b"content-length") {
            let parsed = std::str::from_utf8(header.value).ok().and_then(|v| v.trim().parse::<u64>().ok());
            match (parsed, length) {
                (Some(n), None) => length = Some(n),
                (Some(n), Some(m)) if n == m => {}
                _ => return Err(Error::Read("the answer has an invalid Content-Length".into())),
            }
        }
    }
    let keep_alive = if http11 { !close } else { keep && !close };
    let framing = if head_request || (100..200).contains(&status) || status == 204 || status == 304 {
        Framing::Empty
    } else if encoded {
        // With both, Transfer-Encoding wins and the connection is not reused (a sign of smuggling).
        return Ok((
            if chunked { Framing::Chunked } else { Framing::UntilClose },
            keep_alive && chunked && length.is_none(),
        ));
    } else {
        match length {
            Some(0) => Framing::Empty,
            Some(n) => Framing::Length(n),
            None => Framing::UntilClose,
        }
    };
    Ok((framing, keep_alive))
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::AsyncWriteExt;

    /// A receiver that reads one request (up to the blank line and `body` bytes more) and writes each of
    /// `answers`, one per request, then closes.
    async fn answering(answers: Vec<Vec<u8>>) -> SocketAddr {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        tokio::spawn(async move {
            let (mut stream, _) = listener.accept().await.unwrap();
            for answer in answers {
                let mut seen = Vec::new();
                let mut byte = [0u8; 1];
                while !seen.ends_with(b"\r\n\r\nxy") {
                    if stream.read(&mut byte).await.unwrap_or(0) == 0 {
                        return;
                    }
                    seen.push(byte[0]);
                }
                for piece in answer.chunks(7) {
                    stream.write_all(piece).await.unwrap();
                    stream.flush().await.unwrap();
                    tokio::task::yield_now().await;
                }
            }
        });
        address
    }

    const REQUEST: &[u8] = b"POST /hooks HTTP/1.1\r\nhost: x\r\ncontent-length: 2\r\n\r\nxy";

    async fn one(answer: &str, head: bool, limit: usize) -> Result<Answer, Error> {
        let mut connection = Http1::connect(answering(vec![answer.as_bytes().to_vec()]).await).await.unwrap();
        connection.exchange(REQUEST, head, limit).await
    }

    fn answer(status: u16, length: usize, whole: bool, keep_alive: bool) -> Answer {
        Answer { status, length, whole, keep_alive, start: Vec::new() }
    }

    #[tokio::test]
    async fn bodies_are_framed_by_length_chunks_or_close() {
        let ok = one("HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\n{\"ok\":true}", false, 1 << 20).await.unwrap();
        assert_eq!(ok, answer(200, 11, true, true));
        let chunked = "HTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\n\r\n4;x=y\r\nabcd\r\nA\r\n0123456789\r\n0\r\nX-T: 1\r\n\r\n";
        assert_eq!(one(chunked, false, 1 << 20).await.unwrap(), answer(201, 14, true, true));
        let closing = "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nall of it";
        assert_eq!(one(closing, false, 1 << 20).await.unwrap(), answer(200, 9, true, false));
        let said_close = "HTTP/1.1 503 Busy\r\nConnection: close\r\nContent-Length: 0\r\n\r\n";
        assert_eq!(one(said_close, false, 1 << 20).await.unwrap(), answer(503, 0, true, false));
        let kept_10 = "HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\nContent-Length: 2\r\n\r\nok";
        assert_eq!(one(kept_10, false, 1 << 20).await.unwrap(), answer(200, 2, true, true));
    }

    #[tokio::test]
    async fn no_body_after_head_204_304_and_1xx_answers_are_skipped() {
        let head = "HTTP/1.1 200 OK\r\nContent-Length: 500\r\n\r\n";
        assert_eq!(one(head, true, 1 << 20).await.unwrap(), answer(200, 0, true, true));
        assert_eq!(one("HTTP/1.1 204 No Content\r\n\r\n", false, 1 << 20).await.unwrap(), answer(204, 0, true, true));
        let early = "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\nHTTP/1.1 202 Accepted\r\nContent-Length: 2\r\n\r\nok";
        assert_eq!(one(early, false, 1 << 20).await.unwrap(), answer(202, 2, true, true));
    }

    #[tokio::test]
    async fn a_body_past_the_limit_is_cut_off_and_the_connection_not_reused() {
        let long = format!("HTTP/1.1 200 OK\r\nContent-Length: 5000\r\n\r\n{}", "a".repeat(5000));
        let cut = one(&long, false, 100).await.unwrap();
        assert!(!cut.whole && !cut.keep_alive && cut.length > 100 && cut.length < 5000, "{cut:?}");
        let chunked =
            format!("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1388\r\n{}\r\n0\r\n\r\n", "a".repeat(5000));
        let cut = one(&chunked, false, 100).await.unwrap();
        assert!(!cut.whole && !cut.keep_alive, "{cut:?}");
    }

    #[tokio::test]
    async fn broken_answers_say_what_is_wrong() {
        let cases = [
            ("", "closed"),
            ("HTTP/1.1 200 OK\r\nContent-Le", "middle of the answer's head"),
            ("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort", "before the answer's end"),
            ("HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab", "invalid Content-Length"),
            ("HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", "invalid Content-Length"),
            ("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", "invalid chunk size"),
            ("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabc\r\n0\r\n\r\n", "longer than its size"),
            ("SSH-2.0-OpenSSH\r\n\r\n", "not HTTP/1.x"),
            ("xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", "not HTTP/1.x"),
            ("HTTP/1.1 200 OK\r\nX: 1\r\nbroken header\r\n\r\n", "not HTTP/1.x"),
        ];
        for (text, expected) in cases {
            let said = match one(text, false, 1 << 20).await {
                Err(Error::Closed) => "closed".to_string(),
                Err(Error::Read(why)) => why,
                other => panic!("{text:?}: {other:?}"),
            };
            assert!(said.contains(expected), "{text:?}: {said}");
        }
    }

    #[tokio::test]
    async fn a_kept_connection_carries_the_next_request_and_sees_a_close() {
        let ok = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok".to_vec();
        let mut connection = Http1::connect(answering(vec![ok.clone(), ok]).await).await.unwrap();
        for _ in 0..2 {
            assert_eq!(connection.exchange(REQUEST, false, 1 << 20).await.unwrap(), answer(200, 2, true, true));
        }
        // The receiver closes after its two answers; the event loop sees it.
        let closed = tokio::time::timeout(std::time::Duration::from_secs(5), async {
            while !connection.peer_closed() {
                tokio::time::sleep(std::time::Duration::from_millis(5)).await;
            }
        });
        closed.await.expect("the close is noticed");
    }

    #[test]
    fn chunk_sizes() {
        assert_eq!(chunk_size(b"1a"), Some(26));
        assert_eq!(chunk_size(b"0"), Some(0));
        assert_eq!(chunk_size(b"FF ; name=value"), Some(255));
        assert_eq!(chunk_size(b""), None);
        assert_eq!(chunk_size(b"-1"), None);
        assert_eq!(chunk_size(b"+1"), None);
        assert_eq!(chunk_size(b"11111111111111111"), None);
    }
}
