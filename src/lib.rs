//! configdrive-net: configure a Linux guest's network in early boot from an OpenStack
//! config drive.
//!
//! Data flows one way (see DESIGN.md):
//! drive ([`drive`]) → documents ([`openstack`]) → model ([`model`]) → naming against the
//! running system ([`naming`]) → operations ([`plan`]) → rtnetlink, or renderers.
//!
//! The library is `no_std` and allocates nothing; tests use std.
#![cfg_attr(not(test), no_std)]
#![forbid(unsafe_op_in_unsafe_fn)]
// Errors carry their file, field path and value inline: there is no heap to box them in,
// and they are rare, so their size on the Err path does not matter.
#![allow(clippy::result_large_err)]

pub mod apply;
pub mod cli;
pub mod cmdline;
pub mod drive;
pub mod error;
pub mod handoff;
pub mod json;
pub mod limits;
pub mod log;
pub mod model;
pub mod naming;
pub mod net;
pub mod openstack;
pub mod plan;
pub mod render;
pub mod resolv;
pub mod rtnl;
pub mod sys;
pub mod text;
pub mod wire;
pub mod write;
