//! Nothing here: the tests in `tests/` exercise the generated fixture crates under
//! `generated/fixtures/` (see `spec/targets.yaml`).
