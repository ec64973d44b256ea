//! Integration tests: real git repositories in temp folders, the real binary.

mod acceptance;
mod caches;
mod check;
mod commands;
mod common;
mod config;
mod edges;
mod examples;
mod fix;
mod formats;
mod ignores;
mod init;
mod leftovers;
mod property;
mod snapshots;
mod trust;
mod walk;
