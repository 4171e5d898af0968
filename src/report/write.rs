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
    write_output_with(path, out, &mut |w| w.write_all(bytes))
}

/// Like [`write_output`], with the content written by `body` as it is made (buffered), so
/// a report of gigabytes is never held in memory as one string.
///
/// # Errors
/// An I/O error naming the path (the temporary file is removed; `path` is untouched).
pub fn write_output_with(
    path: &str,
    out: &mut dyn Write,
    body: &mut dyn FnMut(&mut dyn Write) -> std::io::Result<()>,
) -> Result<(), WriteError> {
    if path == "-" {
        let mut w = std::io::BufWriter::with_capacity(1 << 16, out);
        return body(&mut w)
            .and_then(|()| w.flush())
            .map_err(WriteError::Stdout);
    }
    let (p, tmp) = temp_path(path)?;
    if is_special(&p) {
        return std::fs::OpenOptions::new()
            .write(true)
            .open(&p)
            .and_then(|f| {
                let mut w = std::io::BufWriter::with_capacity(1 << 16, f);
                body(&mut w)?;
                w.flush()
            })
            .map_err(|source| WriteError::Io {
                path: path.to_string(),
                source,
            });
    }
    let res = (|| -> std::io::Result<()> {
        let mut w = std::io::BufWriter::with_capacity(1 << 16, std::fs::File::create(&tmp)?);
        body(&mut w)?;
        let f = w
            .into_inner()
            .map_err(std::io::IntoInnerError::into_error)?;
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

#[cfg(test)]
mod tests {
    use super::*;

    // A body that fails half-way leaves the old file as it was and no temporary file behind;
    // one that succeeds replaces it with exactly what it wrote, through the buffer.
    #[test]
    fn a_streamed_output_is_all_or_nothing() {
        let dir = std::env::temp_dir().join(format!("fluxsim-write-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("out.json");
        std::fs::write(&path, "old\n").unwrap();
        let p = path.to_str().unwrap();
        let mut stdout = Vec::new();
        let err = write_output_with(p, &mut stdout, &mut |w| {
            w.write_all(&[b'x'; 100_000])?;
            Err(std::io::Error::other("the serializer failed"))
        });
        assert!(matches!(err, Err(WriteError::Io { .. })), "{err:?}");
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "old\n");
        assert_eq!(
            std::fs::read_dir(&dir).unwrap().count(),
            1,
            "no temporary file left"
        );
        write_output_with(p, &mut stdout, &mut |w| {
            for _ in 0..3 {
                w.write_all(&[b'y'; 50_000])?;
            }
            Ok(())
        })
        .unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), vec![b'y'; 150_000]);
        assert!(stdout.is_empty());
        write_output_with("-", &mut stdout, &mut |w| w.write_all(b"to stdout")).unwrap();
        assert_eq!(stdout, b"to stdout");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
