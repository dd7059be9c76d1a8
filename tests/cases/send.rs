//! `hookctl send` integration tests.
