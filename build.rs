//! Link flags for the no_std binary only: it brings its own `_start` and links no libc.
//! Passed per binary (not through `.cargo/config.toml`) so build scripts and the test
//! harness keep their normal C runtime.
fn main() {
    for arg in ["-nostartfiles", "-nostdlib", "-static", "-no-pie"] {
        println!("cargo:rustc-link-arg-bins={arg}");
    }
    println!("cargo:rerun-if-changed=build.rs");
}
