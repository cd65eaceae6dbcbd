//! The integration tests are this package's test targets (see Cargo.toml);
//! the library itself is empty.
