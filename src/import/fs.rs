//! Confined, bounded reading of the repository: the importer reads only inside DIR, never
//! blocks, and stops after fixed budgets.
//!
//! - A symlink is followed only when its target is inside DIR (after resolving every link);
//!   one that leaves DIR, a symlink loop, or anything that is neither a regular file nor a
//!   folder (a FIFO named `x.yaml`, a socket, a device) is skipped with a warning naming it.
//! - Folders that cannot be listed and files that cannot be read are warnings.
//! - Budgets (each documented here; the README's limits section cites them): at most
//!   [`MAX_FILES`] files read, [`MAX_TOTAL_BYTES`] bytes read in all, [`MAX_FILE_BYTES`] per
//!   file, [`MAX_DIR_ENTRIES`] entries per folder. Past a budget the import goes on with what
//!   it has read and says so once.

use super::Warning;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// Most files read in one import (the largest corpus repository has 605).
pub const MAX_FILES: usize = 20_000;
/// Most bytes read in one import, all files together (the corpus totals 1.95 MB).
pub const MAX_TOTAL_BYTES: u64 = 64 * 1024 * 1024;
/// Largest single file read (manifests are kilobytes).
pub const MAX_FILE_BYTES: u64 = 4 * 1024 * 1024;
/// Most entries listed in one folder.
pub const MAX_DIR_ENTRIES: usize = 10_000;

/// What a repository path is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// A folder.
    Dir,
    /// A regular file.
    File,
}

/// The confined reader.
pub struct Fs {
    root: PathBuf,
    canon_root: PathBuf,
    files_read: usize,
    bytes_read: u64,
    warned: BTreeSet<String>,
    /// Problems, one per path.
    pub warnings: Vec<Warning>,
}

impl Fs {
    /// A reader confined to `root`.
    #[must_use]
    pub fn new(root: &Path) -> Fs {
        Fs {
            root: root.to_path_buf(),
            canon_root: root.canonicalize().unwrap_or_else(|_| root.to_path_buf()),
            files_read: 0,
            bytes_read: 0,
            warned: BTreeSet::new(),
            warnings: vec![],
        }
    }

    fn warn(&mut self, rel: &str, msg: String) {
        if self.warned.insert(format!("{rel}\0{msg}")) {
            self.warnings.push(Warning {
                file: rel.to_string(),
                line: 0,
                message: msg,
            });
        }
    }

    /// Whether a budget was exhausted.
    #[must_use]
    pub fn exhausted(&self) -> bool {
        self.files_read >= MAX_FILES || self.bytes_read >= MAX_TOTAL_BYTES
    }

    /// What `rel` is, if it exists inside DIR and may be read (see the module docs).
    pub fn kind(&mut self, rel: &str) -> Option<Kind> {
        let p = self.root.join(rel);
        std::fs::symlink_metadata(&p).ok()?;
        let canon = match p.canonicalize() {
            Ok(c) => c,
            Err(e) => {
                self.warn(
                    rel,
                    format!("not followed: {e} (a symlink loop or a dangling link?)"),
                );
                return None;
            }
        };
        if !canon.starts_with(&self.canon_root) {
            self.warn(
                rel,
                "symlink leads outside the repository: not followed".into(),
            );
            return None;
        }
        let md = std::fs::metadata(&canon).ok()?;
        if md.is_dir() {
            Some(Kind::Dir)
        } else if md.is_file() {
            Some(Kind::File)
        } else {
            self.warn(
                rel,
                "neither a file nor a folder (a FIFO, socket or device): skipped".into(),
            );
            None
        }
    }

    /// Whether `rel` is a readable folder inside DIR.
    pub fn is_dir(&mut self, rel: &str) -> bool {
        self.kind(rel) == Some(Kind::Dir)
    }

    /// Whether `rel` is a regular file inside DIR.
    pub fn is_file(&mut self, rel: &str) -> bool {
        self.kind(rel) == Some(Kind::File)
    }

    /// The text of file `rel`, within the budgets; None (with a warning) otherwise.
    pub fn read(&mut self, rel: &str) -> Option<String> {
        if self.kind(rel) != Some(Kind::File) {
            return None;
        }
        if self.exhausted() {
            self.warn(
                "",
                format!(
                    "read budget exhausted ({MAX_FILES} files or {} MiB): the rest of the repository was not read",
                    MAX_TOTAL_BYTES >> 20
                ),
            );
            return None;
        }
        let p = self.root.join(rel);
        let size = std::fs::metadata(&p).map(|m| m.len()).unwrap_or(0);
        if size > MAX_FILE_BYTES {
            self.warn(
                rel,
                format!("larger than {} MiB: skipped", MAX_FILE_BYTES >> 20),
            );
            return None;
        }
        self.files_read += 1;
        self.bytes_read += size;
        match std::fs::read(&p) {
            Ok(b) => Some(String::from_utf8_lossy(&b).into_owned()),
            Err(e) => {
                self.warn(rel, format!("cannot read: {e}"));
                None
            }
        }
    }

    /// The entries of folder `rel` (name, kind), sorted by name; entries that may not be read
    /// are left out (with a warning).
    pub fn list(&mut self, rel: &str) -> Vec<(String, Kind)> {
        if self.kind(rel) != Some(Kind::Dir) {
            return vec![];
        }
        let rd = match std::fs::read_dir(self.root.join(rel)) {
            Ok(rd) => rd,
            Err(e) => {
                self.warn(rel, format!("cannot list folder: {e}"));
                return vec![];
            }
        };
        let mut names: Vec<String> = rd
            .filter_map(Result::ok)
            .take(MAX_DIR_ENTRIES + 1)
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        if names.len() > MAX_DIR_ENTRIES {
            self.warn(
                rel,
                format!("more than {MAX_DIR_ENTRIES} entries: the rest were not read"),
            );
            names.truncate(MAX_DIR_ENTRIES);
        }
        names.sort();
        names
            .into_iter()
            .filter_map(|n| {
                let child = if rel.is_empty() {
                    n.clone()
                } else {
                    format!("{rel}/{n}")
                };
                self.kind(&child).map(|k| (n, k))
            })
            .collect()
    }
}
