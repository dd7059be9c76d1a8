//! `hookctl signing` integration tests.
