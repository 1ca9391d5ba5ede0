//! Editing one field: the new reference rendered in the old scalar's style, spliced in place of
//! the old token (every other byte copied), and the result verified by a second parser before
//! it is returned.

use crate::reference::{shown, ImageSpec, Reference};

use super::{render, verify, Edit, EditError, EditErrorKind, ImageField, Manifest, Target};

impl Manifest<'_> {
    /// Sets the image `target` names to `spec`, and verifies the result.
    ///
    /// The returned [`Edit::text`] differs from the input only inside the selected field's
    /// span. `changed` is false (and `text` the input) when the field already reads exactly as
    /// the new value would be written.
    pub fn set_image(&self, target: &Target<'_>, spec: &ImageSpec) -> Result<Edit, EditError> {
        let field = self.select(target)?;
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
        let token = render::scalar(&new, field.style);
        let old_token = &self.text[field.span.clone()];
        let mut edit = Edit {
            field: field.clone(),
            old: field.value.clone(),
            new: new.clone(),
            text: String::new(),
            changed: false,
        };
        if token == old_token {
            edit.text = self.text.to_string();
            return Ok(edit);
        }
        let mut text = String::with_capacity(self.text.len() + token.len());
        text.push_str(&self.text[..field.span.start]);
        text.push_str(&token);
        text.push_str(&self.text[field.span.end..]);
        self.verify(field, &text, token.len(), &new)?;
        edit.text = text;
        edit.changed = true;
        Ok(edit)
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

    /// Checks `text`, this manifest's text with `field`'s token replaced by one of `token_len`
    /// bytes reading `new`, with the second parser before the edit is returned.
    fn verify(
        &self,
        field: &ImageField,
        text: &str,
        token_len: usize,
        new: &str,
    ) -> Result<(), EditError> {
        // The bytes outside the token are the old ones, and a valid reference holds no line
        // break, so no document boundary can move: reading the edited document alone (old and
        // new) checks the edit. Directives (`%TAG`) apply across documents: read it all then.
        let (old_part, new_part, document) = {
            let r = &field.doc_range;
            let whole = self.text.starts_with('%')
                || self.text.contains("\n%")
                || !(r.start <= field.span.start && field.span.end <= r.end);
            if whole {
                (self.text, text, field.document)
            } else {
                let end = r.end + token_len - field.span.len();
                (&self.text[r.clone()], &text[r.start..end], 0)
            }
        };
        // Fast path: libyaml reads the new document and it must match, node for node, the span
        // parser's tree of the old one (the two parsers must agree on every other value, and
        // the edited one must read as the new string). If that cannot be confirmed (aliases,
        // tags, a number libyaml spells differently), the slow path decides: libyaml reads
        // the old document and the new one, and they must be equal but for the image.
        let fast = match self.docs.get(field.document) {
            Some(doc) if doc.simple && document == 0 => match &doc.root {
                Some(root) => verify::against_tree(new_part, root, &[(&field.path, new)]).is_ok(),
                None => false,
            },
            _ => false,
        };
        if fast {
            return Ok(());
        }
        verify::edit(old_part, new_part, document, &field.path, &field.value, new)
            .map_err(|doubt| doubt.refusal(field.location))
    }
}
