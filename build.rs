//! Link flags for the no_std binary only: it brings its own `_start` and links no libc.
//! Passed per binary (not through `.cargo/config.toml`) so build scripts and the test
//! harness keep their normal C runtime.
fn main() {
    // RELRO needs a dynamic loader to apply it, and a static binary with its own `_start` has
    // none: without it the file loses a page of padding. No build id: nothing reads it.
    for arg in [
        "-nostartfiles",
        "-nostdlib",
        "-static",
        "-no-pie",
        "-Wl,--no-eh-frame-hdr",
        "-Wl,-z,norelro",
        "-Wl,--build-id=none",
    ] {
        println!("cargo:rustc-link-arg-bins={arg}");
    }
    // The binary never unwinds (panic = "abort"): drop the unwind tables.
    let script =
        std::path::Path::new(&std::env::var("CARGO_MANIFEST_DIR").unwrap()).join("link.ld");
    println!("cargo:rustc-link-arg-bins=-Wl,-T,{}", script.display());
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-changed=link.ld");
}
