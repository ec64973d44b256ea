//! Integration tests: real git repositories in temp folders, the real binary.

mod check;
mod common;
mod config;
mod commands;
