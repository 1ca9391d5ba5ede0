//! The rows the commands print, shared by the text and JSON forms.

use crate::manifest::ImageField;

/// One row of `list`: an image field of a file, or why the file could not be read.
pub(super) enum ListRow {
    Image {
        service: String,
        file: String,
        field: ImageField,
        hold: Option<crate::hold::Hold>,
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
