//! A workload's container image, edited as one operation of the one splice-and-verify path
//! (`splice.rs`) that every target kind uses: the field's slot set to the new reference, in the
//! old scalar's style, spliced in place of the old token (every other byte copied), and the
//! result verified by a second parser before it is returned.

use crate::reference::{shown, ImageSpec, Reference};

use super::slot::Slot;
use super::splice::Op;
use super::target::held_of;
use super::{Edit, EditError, EditErrorKind, ImageField, Manifest, Target};

impl Manifest<'_> {
    /// Sets the image `target` names to `spec`, and verifies the result.
    ///
    /// The returned [`Edit::text`] differs from the input only inside the selected field's
    /// span. `changed` is false (and `text` the input) when the field already reads exactly as
    /// the new value would be written.
    pub fn set_image(&self, target: &Target<'_>, spec: &ImageSpec) -> Result<Edit, EditError> {
        let field = self.choose(target, Some(spec))?;
        // A field that cannot be edited says why before the new value is looked at.
        Self::editable(field)?;
        let new_ref: Reference = spec.apply_to(&field.value).map_err(|e| {
            EditError::new(EditErrorKind::BadReference, e.to_string()).at(field.location)
        })?;
        self.set_field(field, &new_ref)
    }

    /// Sets one listed field to `new_ref`, and verifies the result.
    ///
    /// ```
    /// use imgbump::manifest::{EditErrorKind, Manifest};
    /// let text = "base: &img nginx:1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - {name: a, image: \"nginx:1\"}\n  - {name: b, image: *img}\n";
    /// let m = Manifest::parse(text).unwrap();
    /// let new = "nginx:2".parse().unwrap();
    /// // The quoted one is edited in its own style...
    /// let edit = m.set_field(&m.images()[0], &new).unwrap();
    /// assert_eq!(edit.text, text.replace("\"nginx:1\"", "\"nginx:2\""));
    /// // ...the alias is refused, with its place.
    /// let err = m.set_field(&m.images()[1], &new).unwrap_err();
    /// assert_eq!((err.kind, err.location.unwrap().line), (EditErrorKind::Unsafe, 7));
    /// ```
    pub fn set_field(&self, field: &ImageField, new_ref: &Reference) -> Result<Edit, EditError> {
        Self::editable(field)?;
        let new = new_ref.to_string();
        let ops: Vec<Op> = Op::set(self.text, &slot_of(field), &new)?
            .into_iter()
            .collect();
        self.finish(held_of(field), new, &ops)
    }

    /// Refuses a field that cannot be edited safely (an alias, an anchor, a block scalar, a
    /// merged container), with its place and why.
    fn editable(field: &ImageField) -> Result<(), EditError> {
        match &field.refusal {
            Some(why) => Err(EditError::new(
                EditErrorKind::Unsafe,
                format!(
                    "refusing to edit the image of {} container {}: {why}",
                    field.workload_id(),
                    shown(&field.container)
                ),
            )
            .at(field.location)
            .help("write the image as a plain or quoted scalar on the container itself.")),
            None => Ok(()),
        }
    }
}

/// The slot a container's image field is.
fn slot_of(field: &ImageField) -> Slot {
    Slot {
        document: field.document,
        path: field.path.clone(),
        value: field.value.clone(),
        span: field.span.clone(),
        style: field.style,
        location: field.location,
        refusal: field.refusal.clone(),
    }
}
