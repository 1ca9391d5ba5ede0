//! Registry checks for a plan: each new image asked about once per run (across attempts), and
//! the answer turned into a failure or a digest to pin.

use std::collections::HashMap;
use std::time::Duration;

use crate::reference::Reference;
use crate::registry::{Found, Registry, RegistryErrorKind, Settings};

use crate::failure::{FailKind, Failure};

/// What the command line asks of the registry.
#[derive(Debug, Clone, Default)]
pub(crate) struct RegistryOptions {
    /// `--verify-image`: every new image must exist.
    pub verify: bool,
    /// `--pin-digest`: write every new image with the digest its registry reports.
    pub pin: bool,
    /// How to reach registries.
    pub settings: Settings,
}

/// The registry client of a run, its answers, and the time they took.
#[derive(Default)]
pub(super) struct Checks {
    registry: Option<Registry>,
    found: HashMap<String, Found>,
    /// Time spent asking registries.
    pub(super) spent: Duration,
}

impl Checks {
    /// `reference` in its registry (asked once per run).
    pub(super) fn check(
        &mut self,
        reference: &Reference,
        settings: &Settings,
        file: &str,
        line: usize,
    ) -> Result<Found, Failure> {
        let key = reference.to_string();
        if let Some(f) = self.found.get(&key) {
            return Ok(f.clone());
        }
        let registry = self
            .registry
            .get_or_insert_with(|| Registry::new(settings.clone()));
        let result = registry.check(reference);
        match result {
            Ok(found) => {
                self.spent += found.elapsed;
                self.found.insert(key, found.clone());
                Ok(found)
            }
            Err(e) => Err(Failure {
                kind: match e.kind {
                    RegistryErrorKind::Missing => FailKind::Refused,
                    RegistryErrorKind::Unavailable => FailKind::Other,
                },
                message: format!("{file}:{line}: {}", e.message),
                hint: e.hint,
                file: Some(file.to_string()),
                line: Some(line),
            }),
        }
    }
}
