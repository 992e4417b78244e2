//! `hisar-import`: registries from the systems HISAR replaces.
//!
//! - [`tracker`]: a hand-kept gaps tracker in the reference format (Markdown) into a registry;
//! - [`aurora`]: an AURORA L2 repository layout (plan or intent ledger, intents, capabilities,
//!   locks, scenarios, route sources) into a registry, with a one-screen summary and a lint of
//!   every disagreement and choice between its files; and HISAR's verdicts back into the UI
//!   projection lock AURORA's shell reads;
//! - [`openapi`]: a registry to start from, generated from the backend's OpenAPI document
//!   (`hisar init --from-openapi`);
//! - [`draft`]: the registry under construction both write, as `hisar.yaml` text.
//!
//! Importers parse text and never read files: the caller reads them and passes their content.
//!
//! # Example
//!
//! ```
//! use hisar_import::tracker::parse_tracker;
//!
//! let text = "# Tracker\n\n## BOUND Panels (1)\n\n\
//!     | Domain | Panel | Endpoint | Capability |\n|---|---|---|---|\n\
//!     | LOG | LOG-REC-SYS-O2 | `/health` | logs.health_check |\n";
//! let import = parse_tracker(text).unwrap();
//! let registry = hisar_core::Registry::from_yaml(&import.draft.to_yaml(), "hisar.yaml").unwrap();
//! assert_eq!(registry.panels().len(), 1);
//! ```

pub mod aurora;
pub mod draft;
pub mod openapi;
pub mod tracker;
