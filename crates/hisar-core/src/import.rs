//! Importers: text from other systems in, a registry draft out.
//!
//! Importers parse text and never read files: the caller reads them and passes their content.

pub mod aurora;
pub mod draft;
pub mod tracker;
