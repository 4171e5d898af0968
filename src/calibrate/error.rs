//! Why a dump file could not be read: typed, so a caller can tell an empty file from a
//! malformed timestamp, and each prints as the one line `fluxsim calibrate` shows (naming the
//! file, the item or log line, the field, and what to do).

use crate::time::DurationError;
use std::fmt::{self, Write as _};

/// Characters kept from each end of a value an error quotes; the middle is elided.
const BRIEF_HALF: usize = 60;

/// Text from a dump as an error quotes it: control characters escaped (a newline would break
/// the one-line error) and at most 2 × [`BRIEF_HALF`] characters, the middle elided.
pub(crate) struct Brief<'a>(pub(crate) &'a str);

impl fmt::Display for Brief<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.0.chars().count();
        let long = n > 2 * BRIEF_HALF;
        for (i, c) in self.0.chars().enumerate() {
            if long && i == BRIEF_HALF {
                f.write_str(" … ")?;
            }
            if long && (BRIEF_HALF..n - BRIEF_HALF).contains(&i) {
                continue;
            }
            if c.is_control() {
                write!(f, "{}", c.escape_default())?;
            } else {
                f.write_char(c)?;
            }
        }
        Ok(())
    }
}

/// Why a timestamp is not RFC 3339.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("`{}` is not an RFC 3339 time ({why})", Brief(.value))]
pub struct StampError {
    /// The text as found.
    pub value: String,
    /// What part is wrong.
    pub why: StampWhy,
}

/// The part of a timestamp that is wrong.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum StampWhy {
    /// Not `YYYY-MM-DDTHH:MM:SS…`.
    #[error("expected YYYY-MM-DDTHH:MM:SSZ")]
    Layout,
    /// The time of day is not `HH:MM:SS`.
    #[error("expected HH:MM:SS")]
    TimeLayout,
    /// A part is not a number.
    #[error("bad {part} `{text}`")]
    Part {
        /// year, month, day, hour, minute, second, fraction, offset.
        part: &'static str,
        /// The text of that part.
        text: String,
    },
    /// A month, day, hour, minute or second out of range.
    #[error("a field is out of range")]
    OutOfRange,
    /// A `.` with no digits after it.
    #[error("empty fraction")]
    EmptyFraction,
    /// Neither `Z` nor `±HH:MM` at the end.
    #[error("expected `Z` or an offset like `+02:00` at the end")]
    Offset,
}

/// A field of a Kubernetes object (or log line) that is missing or malformed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FieldError {
    /// A required field is absent.
    #[error("missing field `{0}`")]
    Missing(String),
    /// A list that must have an element is empty.
    #[error("field `{0}` is empty")]
    Empty(String),
    /// A timestamp field is malformed.
    #[error("field `{field}`: {source}")]
    Time {
        /// The field's path.
        field: String,
        /// What is wrong with it.
        source: StampError,
    },
    /// A Go duration field is malformed.
    #[error("field `{field}`: {}", Brief(&.source.to_string()))]
    Duration {
        /// The field's path.
        field: String,
        /// What is wrong with it.
        source: DurationError,
    },
    /// A field does not have the shape Kubernetes or Flux gives it.
    #[error("field `{}`: {}", Brief(.field), Brief(.reason))]
    Shape {
        /// The field's path.
        field: String,
        /// The JSON decoder's message.
        reason: String,
    },
    /// The object as a whole does not have the expected shape (the JSON decoder's message,
    /// which names the field).
    #[error("{}", Brief(.0))]
    Object(String),
    /// An item or log line over [`super::load::MAX_ITEM_BYTES`].
    #[error("{} MiB of JSON in one object, over the 8 MiB limit (Kubernetes stores at most 1.5 MiB per object): not a kubectl dump or controller log", .bytes >> 20)]
    TooLarge {
        /// Its size.
        bytes: usize,
    },
    /// An Event with neither `firstTimestamp` nor `eventTime`.
    #[error("missing field `firstTimestamp` (and no `eventTime`)")]
    NoEventTime,
}

/// Why one dump file could not be read. Each names the file as it was given.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DumpError {
    /// Nothing in the file.
    #[error("{file}: the file is empty (was the dump command's output redirected here?)")]
    Empty {
        /// The file.
        file: String,
    },
    /// JSON, but neither a Kubernetes object or list nor a log line.
    #[error("{file}: JSON without `items`, `kind` or `msg`: not a kubectl dump nor a controller log (make it with `kubectl get … -o json` or `kubectl logs`)")]
    NotADump {
        /// The file.
        file: String,
    },
    /// Not JSON, and not a JSON log either.
    #[error("{file}: not JSON ({}); make dumps with `kubectl get … -o json` and keep controller logs in their JSON encoding", Brief(.reason))]
    NotJson {
        /// The file.
        file: String,
        /// The JSON decoder's message.
        reason: String,
    },
    /// A list whose `items` is not a list.
    #[error("{file}: field `items` is not a list")]
    ItemsNotList {
        /// The file.
        file: String,
    },
    /// An item of a list, or the one object of the file, is malformed.
    #[error("{file}: {item}: {problem}")]
    Item {
        /// The file.
        file: String,
        /// `items[3] (Pod apps/web-5d9c7-abcde)`.
        item: String,
        /// What is wrong with it.
        problem: Box<FieldError>,
    },
    /// A line of a controller log is malformed.
    #[error("{file}: line {line}: {problem}")]
    LogLine {
        /// The file.
        file: String,
        /// 1-based line number.
        line: usize,
        /// What is wrong with it.
        problem: Box<FieldError>,
    },
    /// A log line without `ts`.
    #[error("{file}: line {line}: missing field `ts` (expected the controller's JSON log)")]
    LogWithoutTs {
        /// The file.
        file: String,
        /// 1-based line number.
        line: usize,
    },
    /// A kubectl dump whose items are all of kinds calibration does not read.
    #[error("{file}: holds only {} (none of Pod, Job, Deployment, StatefulSet, DaemonSet, Kustomization, HelmRelease, Event): see `fluxsim calibrate --help` for the dumps to make", Brief(.kinds))]
    NothingToRead {
        /// The file.
        file: String,
        /// The kinds it holds, comma-separated.
        kinds: String,
    },
    /// A log with no JSON line at all.
    #[error("{file}: no JSON log lines (keep the controllers' default `--log-encoding=json`)")]
    NoLogLines {
        /// The file.
        file: String,
    },
}
