//! Regression tests for inputs that once crashed an importer (issue 11: importers never panic
//! on any input). Found by hand or by the fuzz targets in `fuzz/`; each stays here for good.

mod regressions;
