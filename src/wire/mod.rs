//! Binary formats, smoltcp style: a checked view over bytes with named field offsets, plus
//! a `Repr` whose `parse` and `emit` mirror each other. Nothing here panics on input.

pub mod netlink;
