//! Writing outputs safely: to a temporary file beside the target, then rename, so a failed
//! run never leaves a half-written file. `-` means standard output.
//!
//! The temporary file's name depends only on the target (`.NAME.fluxsim-tmp`), so a write
//! killed halfway leaves at most one such file, which the next write to the same target (or
//! its [`check_writable`]) replaces and removes. Devices and FIFOs (`/dev/null`, a named
//! pipe) are written in place, never replaced.

use std::io::Write;
use std::path::{Path, PathBuf};

/// Why an output could not be written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WriteError {
    /// Writing to standard output failed (see [`WriteError::is_broken_pipe`]).
    #[error("cannot write to stdout: {0}")]
    Stdout(#[source] std::io::Error),
    /// The path names a directory or has no file name.
    #[error("`{0}` is not a file path")]
    NotAFile(String),
    /// An I/O error on the path.
    #[error("cannot write `{path}`: {source}")]
    Io {
        /// The path as given.
        path: String,
        /// The system's error.
        #[source]
        source: std::io::Error,
    },
}

impl WriteError {
    /// Whether standard output was closed by its reader (`fluxsim run … | head -1`).
    #[must_use]
    pub fn is_broken_pipe(&self) -> bool {
        matches!(self, WriteError::Stdout(e) if e.kind() == std::io::ErrorKind::BrokenPipe)
    }
}

/// A target that exists and is neither a regular file nor a directory: a device such as
/// `/dev/null` or `/dev/stdout`, a FIFO, a socket. It is written in place: renaming a
/// temporary file over it would replace the device with a regular file.
fn is_special(p: &Path) -> bool {
    std::fs::metadata(p).is_ok_and(|m| !m.is_file() && !m.is_dir())
}

fn temp_path(path: &str) -> Result<(PathBuf, PathBuf), WriteError> {
    let p = Path::new(path);
    let dir = p
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = p
        .file_name()
        .ok_or_else(|| WriteError::NotAFile(path.to_string()))?;
    let tmp = dir.join(format!(".{}.fluxsim-tmp", name.to_string_lossy()));
    Ok((p.to_path_buf(), tmp))
}

/// Checks, before any work, that `path` can be written: its directory exists and accepts a
/// new file, and it is not a directory. `-` (standard output) always passes.
///
/// # Errors
/// As [`write_output`] would fail.
pub fn check_writable(path: &str) -> Result<(), WriteError> {
    if path == "-" {
        return Ok(());
    }
    let (p, tmp) = temp_path(path)?;
    if p.is_dir() {
        return Err(WriteError::NotAFile(path.to_string()));
    }
    if is_special(&p) {
        return Ok(()); // opening a FIFO here would wait for its reader
    }
    let io = |source| WriteError::Io {
        path: path.to_string(),
        source,
    };
    std::fs::File::create(&tmp).map_err(io)?;
    std::fs::remove_file(&tmp).map_err(io)
}

/// Writes `bytes` to `path` atomically (or to `out` when `path` is `-`).
///
/// # Errors
/// An I/O error naming the path.
pub fn write_output(path: &str, bytes: &[u8], out: &mut dyn Write) -> Result<(), WriteError> {
    if path == "-" {
        return out
            .write_all(bytes)
            .and_then(|()| out.flush())
            .map_err(WriteError::Stdout);
    }
    let (p, tmp) = temp_path(path)?;
    if is_special(&p) {
        return std::fs::OpenOptions::new()
            .write(true)
            .open(&p)
            .and_then(|mut f| f.write_all(bytes))
            .map_err(|source| WriteError::Io {
                path: path.to_string(),
                source,
            });
    }
    let res = (|| -> std::io::Result<()> {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, &p)
    })();
    res.map_err(|source| {
        let _ = std::fs::remove_file(&tmp);
        WriteError::Io {
            path: path.to_string(),
            source,
        }
    })
}
