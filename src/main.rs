//! The `configdrive-net` executable: a no_std, no-libc static binary.
//!
//! Everything it does lives in the library; this file only provides what a program without
//! a C runtime needs (`rt`: entry point, exit, panic handler; `mem`: the memory functions the
//! compiler calls) and hands argv to [`configdrive_net::cli::main`].
#![no_std]
#![no_main]

mod mem;
mod rt;
