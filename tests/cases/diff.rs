//! `hookctl diff` integration tests.
