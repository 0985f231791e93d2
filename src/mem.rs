//! The memory functions the compiler emits calls to. Without libc nothing else provides them.
//! Bodies use `rep movsb`/`rep stosb` or an empty `asm!` barrier so LLVM cannot turn a loop
//! back into a call to the function itself.

use core::arch::asm;
use core::ffi::{c_char, c_int, c_void};

#[unsafe(no_mangle)]
unsafe extern "C" fn memcpy(d: *mut c_void, s: *const c_void, n: usize) -> *mut c_void {
    // SAFETY: the caller guarantees non-overlapping valid ranges of n bytes.
    unsafe {
        asm!("rep movsb", inout("rcx") n => _, inout("rdi") d => _, inout("rsi") s => _,
            options(nostack, preserves_flags));
    }
    d
}

#[unsafe(no_mangle)]
unsafe extern "C" fn memmove(d: *mut c_void, s: *const c_void, n: usize) -> *mut c_void {
    if (d as usize).wrapping_sub(s as usize) >= n {
        // Forward copy is safe: the destination does not start inside the source.
        // SAFETY: as memcpy.
        unsafe { memcpy(d, s, n) }
    } else {
        // SAFETY: copy backwards with the direction flag, restored afterwards.
        unsafe {
            asm!("std", "rep movsb", "cld", inout("rcx") n => _,
                inout("rdi") (d as *mut u8).add(n).wrapping_sub(1) => _,
                inout("rsi") (s as *const u8).add(n).wrapping_sub(1) => _, options(nostack));
        }
        d
    }
}

#[unsafe(no_mangle)]
unsafe extern "C" fn memset(d: *mut c_void, c: c_int, n: usize) -> *mut c_void {
    // SAFETY: the caller guarantees a valid range of n bytes.
    unsafe {
        asm!("rep stosb", inout("rcx") n => _, inout("rdi") d => _, in("al") c as u8,
            options(nostack, preserves_flags));
    }
    d
}

#[unsafe(no_mangle)]
unsafe extern "C" fn memcmp(a: *const c_void, b: *const c_void, n: usize) -> c_int {
    let (a, b) = (a as *const u8, b as *const u8);
    let mut i = 0;
    while i < n {
        // SAFETY: i < n and the caller guarantees both ranges are valid.
        let (x, y) = unsafe { (*a.add(i), *b.add(i)) };
        if x != y {
            return x as c_int - y as c_int;
        }
        i += 1;
        // SAFETY: an empty barrier, so the loop is not turned into a call to memcmp.
        unsafe { asm!("", options(nomem, nostack, preserves_flags)) };
    }
    0
}

#[unsafe(no_mangle)]
unsafe extern "C" fn bcmp(a: *const c_void, b: *const c_void, n: usize) -> c_int {
    // SAFETY: same contract as memcmp.
    unsafe { memcmp(a, b, n) }
}

#[unsafe(no_mangle)]
unsafe extern "C" fn strlen(s: *const c_char) -> usize {
    let mut n = 0;
    // SAFETY: the caller passes a NUL-terminated string.
    while unsafe { *s.add(n) } != 0 {
        n += 1;
        // SAFETY: an empty barrier, as in memcmp.
        unsafe { asm!("", options(nomem, nostack, preserves_flags)) };
    }
    n
}
