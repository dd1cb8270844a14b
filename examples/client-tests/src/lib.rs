//! Nothing here: the tests in `tests/` drive the generated client against a mock server.
