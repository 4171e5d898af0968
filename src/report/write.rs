//! Writing outputs safely: to a temporary file beside the target, then rename, so a failed
//! run never leaves a half-written file. `-` means standard output.

use std::io::Write;
use std::path::Path;

/// Writes `bytes` to `path` atomically (or to `out` when `path` is `-`).
///
/// # Errors
/// An I/O error naming the path.
pub fn write_output(path: &str, bytes: &[u8], out: &mut dyn Write) -> Result<(), String> {
    if path == "-" {
        return out
            .write_all(bytes)
            .map_err(|e| format!("cannot write to stdout: {e}"));
    }
    let p = Path::new(path);
    let dir = p
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = p
        .file_name()
        .ok_or_else(|| format!("`{path}` is not a file path"))?;
    let tmp = dir.join(format!(
        ".{}.tmp{}",
        name.to_string_lossy(),
        std::process::id()
    ));
    let res = (|| -> std::io::Result<()> {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, p)
    })();
    res.map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        format!("cannot write `{path}`: {e}")
    })
}
