//! Process start and end without libc.
//!
//! The kernel enters `_start` with the stack pointer at `argc`, followed by the argv pointers,
//! a NULL, the envp pointers, a NULL and the auxiliary vector. We read argv, give rustix the
//! environment (so it finds the vDSO through the real auxv, even when /proc is not mounted),
//! run the program and leave with `exit_group`.

use core::ffi::{CStr, c_char};

/// Most arguments the command line may carry; more is a usage error, reported by `cli`.
const MAX_ARGS: usize = 64;

#[unsafe(naked)]
#[unsafe(no_mangle)]
unsafe extern "C" fn _start() -> ! {
    core::arch::naked_asm!(
        "xor ebp, ebp", // mark the outermost frame
        "mov rdi, rsp", // first argument: the initial stack pointer
        "and rsp, -16", // the ABI wants a 16-byte aligned stack at the call
        "call {entry}",
        "ud2",
        entry = sym entry,
    )
}

/// # Safety
/// Called once, by `_start`, with the stack pointer the kernel gave the process.
unsafe extern "C" fn entry(sp: *const usize) -> ! {
    // SAFETY: the kernel's initial stack layout (System V ABI, "Process Initialization").
    let (argc, argv, envp) = unsafe {
        let argc = *sp;
        let argv = sp.add(1) as *const *const c_char;
        (argc, argv, argv.add(argc + 1))
    };
    // SAFETY: envp is the process environment, followed by the auxiliary vector.
    unsafe { rustix::param::init(envp as *mut *mut u8) };

    let mut args: heapless::Vec<&CStr, MAX_ARGS> = heapless::Vec::new();
    let mut overflow = false;
    for i in 0..argc {
        // SAFETY: argv[0..argc] are NUL-terminated strings that live for the whole process.
        let arg = unsafe { CStr::from_ptr(*argv.add(i)) };
        if args.push(arg).is_err() {
            overflow = true;
        }
    }
    let code = configdrive_net::cli::main(&args, overflow);
    exit_group(code)
}

/// Ends the process (`exit_group(2)`); rustix keeps its own wrapper private.
fn exit_group(code: i32) -> ! {
    // SAFETY: exit_group takes one integer argument and does not return.
    unsafe {
        core::arch::asm!("syscall", in("rax") 231usize, in("rdi") code as isize as usize,
            options(noreturn, nostack));
    }
}

/// A panic is a bug: say so on stderr and /dev/kmsg, and exit with a distinct code.
#[panic_handler]
fn panic(info: &core::panic::PanicInfo<'_>) -> ! {
    configdrive_net::log::error(format_args!(
        "internal error (a bug, please report): {info}"
    ));
    exit_group(configdrive_net::cli::EXIT_PANIC)
}

/// Debug builds reference this symbol from the prebuilt libcore even with `panic = "abort"`.
#[unsafe(no_mangle)]
extern "C" fn rust_eh_personality() {}
