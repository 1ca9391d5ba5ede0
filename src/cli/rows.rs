//! The rows the commands print, shared by the text and JSON forms.

use crate::manifest::ImageField;

/// One row of `list`: an image field of a file, or why the file could not be read.
pub(super) enum ListRow {
    Image {
        service: String,
        file: String,
        field: ImageField,
        hold: Option<crate::hold::Hold>,
        /// What `set SERVICE=:TAG` without flags does with this image.
        set: SetPick,
    },
    /// A target of `.imgbump.yaml`, in an environment.
    Held {
        service: String,
        env: Option<String>,
        file: String,
        held: crate::manifest::Held,
    },
    Error {
        service: String,
        file: String,
        error: String,
    },
}

/// What `set` does with an image row of `list`, by the container rule
/// (`manifest::Manifest::select`).
pub(super) struct SetPick {
    /// `set SERVICE=:TAG` without flags edits this image.
    pub default: bool,
    /// Whether the file has other images (only then is the choice shown in text).
    pub among_others: bool,
    /// The flags that pick this image alone, if any can.
    pub flags: Option<String>,
}

impl ListRow {
    /// Whether a hold that has not expired stands on the row's target.
    pub(super) fn is_held(&self, now: i64) -> bool {
        let hold = match self {
            ListRow::Image { hold, .. } => hold.as_ref(),
            ListRow::Held { held, .. } => held.hold.as_ref(),
            ListRow::Error { .. } => None,
        };
        hold.is_some_and(|h| !h.expired(now))
    }
}
