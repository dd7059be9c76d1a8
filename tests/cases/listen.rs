//! `hookctl listen` integration tests.
