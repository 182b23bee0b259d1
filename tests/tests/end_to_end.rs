//! End-to-end runs through the same path as `tianping-harness run`: outputs on disk, JUnit
//! structure, secrets kept out, resume after an interruption, fail-closed targets.
