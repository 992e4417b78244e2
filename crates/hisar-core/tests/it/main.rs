//! Regression tests for inputs that once crashed the core's parsers or the classifier (issue
//! 11: nothing panics on input). Found by the fuzz targets in `fuzz/`; each stays here for
//! good.

mod regressions;
