//! Shared fixtures for the cases.
