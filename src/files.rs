//! Files hookctl reads from and writes into folders the user names, safely: reads take regular files only
//! (a FIFO never blocks, a device like /dev/zero is refused) and are capped; writes go into the folder and
//! nowhere else, never through a symbolic link (a temporary file created new, then renamed into place), and
//! folders inside it are created, never followed when they are links.
use std::io::{Read, Write};
use std::path::{Component, Path, PathBuf};

use crate::error::UserError;
use crate::output::sanitize;

/// Reads a regular file of at most `limit` bytes; `what` names it in messages (`--tls-cert key.pem`).
/// A link is followed only when `follow` says so.
pub fn read_regular(path: &Path, limit: u64, what: &str, follow: bool) -> Result<Vec<u8>, UserError> {
    let file = open_regular(path, what, follow)?;
    let mut bytes = Vec::new();
    file.take(limit.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|e| UserError::new(format!("cannot read {what}: {e}")))?;
    if bytes.len() as u64 > limit {
        return Err(UserError::new(format!("{what} is over {limit} bytes: not read further")));
    }
    Ok(bytes)
}

/// Opens a file for reading when it is a regular file (opened without blocking: a FIFO is refused, not
/// waited on).
fn open_regular(path: &Path, what: &str, follow: bool) -> Result<std::fs::File, UserError> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        let nofollow = if follow { 0 } else { libc::O_NOFOLLOW };
        options.custom_flags(libc::O_NONBLOCK | nofollow);
    }
    let file = options.open(path).map_err(|e| match e.raw_os_error() {
        #[cfg(unix)]
        Some(libc::ELOOP) => UserError::new(format!("{what}: is a symbolic link, which hookctl does not follow here")),
        _ if e.kind() == std::io::ErrorKind::NotFound => UserError::new(format!("{what}: no such file")),
        _ => UserError::new(format!("cannot read {what}: {e}")),
    })?;
    let kind = file.metadata().map_err(|e| UserError::new(format!("cannot read {what}: {e}")))?.file_type();
    if !kind.is_file() {
        let is = if kind.is_dir() { "a directory" } else { "not a regular file (a device, FIFO or socket)" };
        return Err(UserError::new(format!("{what}: {is}")));
    }
    Ok(file)
}

/// What is at `path` without following a link: `None` when nothing is.
fn existing(path: &Path) -> Option<std::fs::FileType> {
    std::fs::symlink_metadata(path).ok().map(|m| m.file_type())
}

/// A file name that stays inside its folder: one plain component (no `/`, `..`, or leading `.`).
pub fn plain_file_name(name: &str) -> bool {
    let mut parts = Path::new(name).components();
    matches!((parts.next(), parts.next()), (Some(Component::Normal(_)), None))
        && !name.starts_with('.')
        && !name.contains(['/', '\\', '\0'])
}

/// `dir/sub/…`: folders created inside `dir` one at a time; one that exists as a link (or as anything but a
/// folder) is refused, so nothing is written through it.
pub fn folder_inside(dir: &Path, parts: &[&str]) -> Result<PathBuf, UserError> {
    let mut path = dir.to_path_buf();
    for part in parts {
        if !plain_file_name(part) {
            return Err(UserError::new(format!("{}: not a plain folder name", sanitize(part))));
        }
        path.push(part);
        match existing(&path) {
            Some(kind) if kind.is_dir() => {}
            Some(_) => {
                return Err(UserError::with_hint(
                    format!(
                        "{} is a symbolic link or a file, not a folder: nothing is written through it",
                        path.display()
                    ),
                    "remove it (or choose another --out folder)",
                ))
            }
            None => std::fs::create_dir(&path)
                .map_err(|e| UserError::new(format!("cannot create {}: {e}", path.display())))?,
        }
    }
    Ok(path)
}

/// What a write did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wrote {
    Created,
    Replaced,
    Unchanged,
}

/// Writes `dir/name` (a plain file name): a temporary file created new beside it, then renamed into place,
/// so a link at `dir/name` is replaced, never followed, and a reader never sees half a file. A regular file
/// already holding exactly `bytes` is left alone (compared after a capped read that follows no link).
pub fn write_inside(dir: &Path, name: &str, bytes: &[u8]) -> Result<Wrote, UserError> {
    let path = target_inside(dir, name)?;
    let wrote = what_writing_does(&path, bytes)?;
    if wrote != Wrote::Unchanged {
        write_new_then_rename(&path, bytes)
            .map_err(|e| UserError::new(format!("cannot write {}: {e}", path.display())))?;
    }
    Ok(wrote)
}

/// `dir/name`, when `name` is a plain file name.
fn target_inside(dir: &Path, name: &str) -> Result<PathBuf, UserError> {
    if !plain_file_name(name) {
        return Err(UserError::new(format!("{}: not a plain file name, nothing written", sanitize(name))));
    }
    Ok(dir.join(name))
}

/// What writing `bytes` at `path` would do: create it, replace what is there (a link is replaced, not
/// followed), or nothing (a regular file already holding them). A folder there is an error.
fn what_writing_does(path: &Path, bytes: &[u8]) -> Result<Wrote, UserError> {
    Ok(match existing(path) {
        None => Wrote::Created,
        Some(kind) if kind.is_file() => {
            let same = read_regular(path, bytes.len() as u64, &path.display().to_string(), false)
                .is_ok_and(|old| old == bytes);
            if same {
                Wrote::Unchanged
            } else {
                Wrote::Replaced
            }
        }
        Some(kind) if kind.is_dir() => {
            return Err(UserError::new(format!("cannot write {}: a folder is there", path.display())))
        }
        Some(_) => Wrote::Replaced,
    })
}

/// Moves the file at `from` (a regular file of this process's own) to `dir/name` by renaming it: a link at
/// `dir/name` is replaced, never followed; a regular file already holding the same bytes is left alone.
pub fn move_inside(from: &Path, dir: &Path, name: &str) -> Result<Wrote, UserError> {
    let path = target_inside(dir, name)?;
    let cannot = |e: std::io::Error| UserError::new(format!("cannot write {}: {e}", path.display()));
    // The staged bytes are read back only when a regular file is there to compare them with.
    let wrote = match existing(&path) {
        Some(kind) if kind.is_file() => what_writing_does(&path, &std::fs::read(from).map_err(cannot)?)?,
        _ => what_writing_does(&path, &[])?,
    };
    if wrote != Wrote::Unchanged {
        std::fs::rename(from, &path).map_err(cannot)?;
    }
    Ok(wrote)
}

fn write_new_then_rename(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let file_name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let temporary = path.with_file_name(format!(".{file_name}.{}.{}.tmp", std::process::id(), fastrand::u32(..)));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o644);
    }
    let mut file = options.open(&temporary)?;
    let written = file.write_all(bytes).and_then(|()| file.sync_all()).and_then(|()| std::fs::rename(&temporary, path));
    if written.is_err() {
        let _ = std::fs::remove_file(&temporary);
    }
    written
}

/// A folder of this process's own (0700, created new, never an existing one), removed with what is in it
/// when dropped: for files others must not choose or change (the certificate `listen --tls` writes).
pub struct PrivateFolder {
    pub path: PathBuf,
}

impl PrivateFolder {
    pub fn create(under: &Path, prefix: &str) -> std::io::Result<PrivateFolder> {
        for _ in 0..16 {
            let path = under.join(format!("{prefix}{}-{:08x}", std::process::id(), fastrand::u32(..)));
            let mut builder = std::fs::DirBuilder::new();
            #[cfg(unix)]
            {
                use std::os::unix::fs::DirBuilderExt;
                builder.mode(0o700);
            }
            match builder.create(&path) {
                Ok(()) => return Ok(PrivateFolder { path }),
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
                Err(e) => return Err(e),
            }
        }
        Err(std::io::Error::new(std::io::ErrorKind::AlreadyExists, "no free private folder name"))
    }

    /// Creates `name` in the folder, new (`O_EXCL`, no link followed), readable by others, and writes it.
    pub fn write_new(&self, name: &str, bytes: &[u8]) -> std::io::Result<PathBuf> {
        self.write_new_in(&self.path, name, bytes)
    }

    /// [`PrivateFolder::write_new`] into a folder made inside this one.
    pub fn write_new_in(&self, folder: &Path, name: &str, bytes: &[u8]) -> std::io::Result<PathBuf> {
        if !folder.starts_with(&self.path) || !plain_file_name(name) {
            return Err(std::io::Error::new(std::io::ErrorKind::InvalidInput, "outside the private folder"));
        }
        let path = folder.join(name);
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o644).custom_flags(libc::O_NOFOLLOW);
        }
        let mut file = options.open(&path)?;
        file.write_all(bytes)?;
        Ok(path)
    }
}

impl Drop for PrivateFolder {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_that_leave_the_folder_are_refused() {
        for bad in ["../x", "/abs/x", "a/b", "..", ".", "", ".hidden", "a\\b", "a\0b"] {
            assert!(!plain_file_name(bad), "{bad:?}");
        }
        for good in ["acme.order.json", "x", "provider.json"] {
            assert!(plain_file_name(good), "{good}");
        }
    }

    #[cfg(unix)]
    #[test]
    fn a_link_is_replaced_never_followed_and_a_linked_folder_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let outside = dir.path().join("outside.txt");
        std::fs::write(&outside, "keep me").unwrap();
        let out = dir.path().join("out");
        std::fs::create_dir(&out).unwrap();
        std::os::unix::fs::symlink(&outside, out.join("a.json")).unwrap();
        assert_eq!(write_inside(&out, "a.json", b"new").unwrap(), Wrote::Replaced);
        assert_eq!(std::fs::read_to_string(&outside).unwrap(), "keep me");
        assert!(!std::fs::symlink_metadata(out.join("a.json")).unwrap().file_type().is_symlink());
        assert_eq!(write_inside(&out, "a.json", b"new").unwrap(), Wrote::Unchanged);
        std::os::unix::fs::symlink(dir.path(), out.join("linked")).unwrap();
        assert!(folder_inside(&out, &["linked"]).is_err());
        assert!(folder_inside(&out, &["made", "deeper"]).unwrap().is_dir());
        assert!(write_inside(&out, "../escape.json", b"x").is_err());
    }

    #[cfg(unix)]
    #[test]
    fn reads_take_regular_files_only_and_stop_at_the_cap() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("fifo");
        assert!(std::process::Command::new("mkfifo").arg(&fifo).status().unwrap().success());
        let err = read_regular(&fifo, 100, "--tls-cert fifo", true).unwrap_err();
        assert!(err.to_string().contains("--tls-cert fifo: not a regular file"), "{err}");
        let err = read_regular(Path::new("/dev/zero"), 100, "--tls-key /dev/zero", true).unwrap_err();
        assert!(err.to_string().contains("not a regular file"), "{err}");
        let big = dir.path().join("big");
        std::fs::write(&big, vec![b'a'; 101]).unwrap();
        let err = read_regular(&big, 100, "--tls-key big", true).unwrap_err();
        assert_eq!(err.to_string(), "--tls-key big is over 100 bytes: not read further");
        let link = dir.path().join("link");
        std::os::unix::fs::symlink(&big, &link).unwrap();
        assert!(read_regular(&link, 1000, "link", false).unwrap_err().to_string().contains("symbolic link"));
        assert_eq!(read_regular(&link, 1000, "link", true).unwrap().len(), 101);
    }

    #[test]
    fn a_private_folder_is_made_new_and_removed_when_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let folder = PrivateFolder::create(dir.path(), "hookctl-test-").unwrap();
        let path = folder.write_new("cert.pem", b"pem").unwrap();
        assert!(folder.write_new("cert.pem", b"again").is_err(), "created new only");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(std::fs::metadata(&folder.path).unwrap().permissions().mode() & 0o777, 0o700);
        }
        let kept = folder.path.clone();
        drop(folder);
        assert!(!path.exists() && !kept.exists());
    }
}
