//! The command line (DESIGN.md, "The command-line contract"):
//!
//! ```text
//! configdrive-net apply  [--drive PATH] [--timeout SECS] [--root DIR] [--format LIST] [--runtime]
//! configdrive-net plan   [--drive PATH]
//! configdrive-net render --drive PATH --root DIR [--format LIST] [--runtime]
//! ```
//! Common options: `--verbose`, `--quiet`, `--cmdline FILE` (read instead of /proc/cmdline,
//! for tests), `--help`, `--version`.

use core::ffi::CStr;
use core::fmt::Write;

use crate::cmdline;
use crate::drive::{AnyDrive, Drive};
use crate::log::{self, Level};
use crate::model::Config;
use crate::naming::{self, Names, NicTable};
use crate::openstack::{self, Buffers, ReadError};
use crate::plan::{self, Show};
use crate::text::{Quoted, SliceWriter};

/// Everything was configured (or, for plan/render, done).
pub const EXIT_OK: i32 = 0;
/// Partly configured: something failed or was skipped, and the log says what.
pub const EXIT_PARTIAL: i32 = 1;
/// The command line is wrong.
pub const EXIT_USAGE: i32 = 2;
/// No config drive was found.
pub const EXIT_NO_DRIVE: i32 = 3;
/// The drive's contents are invalid; nothing was applied or written.
pub const EXIT_INVALID: i32 = 4;
/// The program hit a bug (a panic); it is reported on stderr and /dev/kmsg.
pub const EXIT_PANIC: i32 = 70;

/// The default wait for the drive and for each NIC, in seconds.
pub const DEFAULT_TIMEOUT_SECS: u32 = 30;

const USAGE: &str = "usage: configdrive-net apply  [--drive PATH] [--timeout SECS] [--root DIR] [--format LIST] [--runtime]
                              [--handoff klibc|dracut] [--handoff-root DIR] [--resolv-conf FILE]
       configdrive-net plan   [--drive PATH]
       configdrive-net render [--drive PATH] --root DIR [--format LIST] [--runtime]
options: --verbose  --quiet  --cmdline FILE  --sysfs DIR  --help  --version
";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Command {
    Apply,
    Plan,
    Render,
}

/// The parsed command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Args<'a> {
    pub command: Command,
    pub drive: Option<&'a str>,
    pub timeout_secs: Option<u32>,
    pub root: Option<&'a str>,
    pub format: Option<&'a str>,
    pub runtime: bool,
    pub verbose: bool,
    pub quiet: bool,
    /// Where to read the kernel command line (tests point it elsewhere).
    pub cmdline: &'a str,
    /// Where apply writes resolv.conf (tests point it elsewhere).
    pub resolv_conf: &'a str,
    /// `--handoff klibc|dracut`: the initramfs's hand-off files to write after apply.
    pub handoff: Option<crate::handoff::Flavor>,
    /// Where the hand-off files go (`/`; tests point it elsewhere).
    pub handoff_root: &'a str,
    /// Where sysfs is: the NICs are read from `<sysfs>/class/net` (tests point it elsewhere).
    pub sysfs: &'a str,
}

/// Why the command line was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UsageError<'a> {
    Help,
    Version,
    NoCommand,
    UnknownCommand(&'a str),
    UnknownOption(&'a str),
    MissingValue(&'a str),
    BadValue(&'a str, &'a str),
    NotForCommand(&'a str),
    Required(&'a str),
    NotUtf8,
    TooManyArgs,
}

impl core::fmt::Display for UsageError<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            UsageError::Help | UsageError::Version => Ok(()),
            UsageError::NoCommand => f.write_str("no command given"),
            UsageError::UnknownCommand(c) => write!(f, "unknown command {}", Quoted(c)),
            UsageError::UnknownOption(o) => write!(f, "unknown option {}", Quoted(o)),
            UsageError::MissingValue(o) => write!(f, "{o} needs a value"),
            UsageError::BadValue(o, v) => write!(f, "{o} {}: invalid value", Quoted(v)),
            UsageError::NotForCommand(o) => write!(f, "{o} does not apply to this command"),
            UsageError::Required(o) => write!(f, "{o} is required for this command"),
            UsageError::NotUtf8 => f.write_str("arguments must be UTF-8"),
            UsageError::TooManyArgs => f.write_str("too many arguments"),
        }
    }
}

/// Parses the arguments after the program name.
pub fn parse_args<'a>(args: &[&'a str]) -> Result<Args<'a>, UsageError<'a>> {
    let mut it = args.iter().copied();
    let mut command = None;
    let mut a = Args {
        command: Command::Plan,
        drive: None,
        timeout_secs: None,
        root: None,
        format: None,
        runtime: false,
        verbose: false,
        quiet: false,
        cmdline: "/proc/cmdline",
        resolv_conf: "/etc/resolv.conf",
        handoff: None,
        handoff_root: "/",
        sysfs: "/sys",
    };
    while let Some(arg) = it.next() {
        let (opt, inline) = match arg.split_once('=') {
            Some((o, v)) if o.starts_with("--") => (o, Some(v)),
            _ => (arg, None),
        };
        let mut value = |name: &'a str| -> Result<&'a str, UsageError<'a>> {
            match inline {
                Some(v) => Ok(v),
                None => it.next().ok_or(UsageError::MissingValue(name)),
            }
        };
        match opt {
            "--help" | "-h" => return Err(UsageError::Help),
            "--version" => return Err(UsageError::Version),
            "--drive" => a.drive = Some(value("--drive")?),
            "--root" => a.root = Some(value("--root")?),
            "--format" => a.format = Some(value("--format")?),
            "--cmdline" => a.cmdline = value("--cmdline")?,
            "--resolv-conf" => a.resolv_conf = value("--resolv-conf")?,
            "--handoff" => {
                let v = value("--handoff")?;
                a.handoff = Some(
                    crate::handoff::Flavor::parse(v).ok_or(UsageError::BadValue("--handoff", v))?,
                );
            }
            "--handoff-root" => a.handoff_root = value("--handoff-root")?,
            "--sysfs" => a.sysfs = value("--sysfs")?,
            "--timeout" => {
                let v = value("--timeout")?;
                match crate::text::parse_dec(v, cmdline::MAX_TIMEOUT_SECS.into()) {
                    Some(s) => a.timeout_secs = Some(s as u32),
                    None => return Err(UsageError::BadValue("--timeout", v)),
                }
            }
            "--runtime" => a.runtime = true,
            "--verbose" | "-v" => a.verbose = true,
            "--quiet" | "-q" => a.quiet = true,
            o if o.starts_with('-') => return Err(UsageError::UnknownOption(o)),
            c if command.is_none() => {
                command = Some(match c {
                    "apply" => Command::Apply,
                    "plan" => Command::Plan,
                    "render" => Command::Render,
                    _ => return Err(UsageError::UnknownCommand(c)),
                })
            }
            other => return Err(UsageError::UnknownCommand(other)),
        }
    }
    a.command = command.ok_or(UsageError::NoCommand)?;
    if let Some(f) = a.format
        && crate::render::parse_formats(f).is_none()
    {
        return Err(UsageError::BadValue("--format", f));
    }
    match a.command {
        Command::Plan | Command::Render if a.handoff.is_some() => {
            return Err(UsageError::NotForCommand("--handoff"));
        }
        Command::Plan => {
            for (set, name) in [
                (a.root.is_some(), "--root"),
                (a.format.is_some(), "--format"),
                (a.runtime, "--runtime"),
            ] {
                if set {
                    return Err(UsageError::NotForCommand(name));
                }
            }
        }
        Command::Render => {
            if a.root.is_none() {
                return Err(UsageError::Required("--root"));
            }
        }
        Command::Apply => {}
    }
    Ok(a)
}

/// What one run keeps in static storage: far too big for the stack of an early-boot process.
pub struct State {
    pub cfg: Config,
    pub buf: Buffers,
    pub nics: NicTable,
    pub names: Names,
    /// One rendered file at a time (render, and apply with --root).
    pub out: [u8; crate::limits::MAX_RENDERED_FILE_BYTES],
}

impl State {
    pub const fn new() -> State {
        State {
            cfg: Config::new(),
            buf: Buffers::new(),
            nics: NicTable::new(),
            names: Names {
                links: heapless::Vec::new(),
            },
            out: [0; crate::limits::MAX_RENDERED_FILE_BYTES],
        }
    }
}

impl Default for State {
    fn default() -> Self {
        Self::new()
    }
}

/// Writes `s` to stdout in one write.
pub fn out(s: &[u8]) {
    // SAFETY: fd 1 is only borrowed for this write.
    let fd = unsafe { rustix::stdio::stdout() };
    log::write_all(fd, s);
}

/// The program: `argv` as the kernel gave it; `overflow` if there were more than fit.
pub fn main(argv: &[&CStr], overflow: bool) -> i32 {
    let mut words: heapless::Vec<&str, 64> = heapless::Vec::new();
    let mut bad_utf8 = false;
    for a in argv.iter().skip(1) {
        match a.to_str() {
            Ok(s) => {
                let _ = words.push(s);
            }
            Err(_) => bad_utf8 = true,
        }
    }
    let parsed = if overflow {
        Err(UsageError::TooManyArgs)
    } else if bad_utf8 {
        Err(UsageError::NotUtf8)
    } else {
        parse_args(&words)
    };
    let args = match parsed {
        Ok(a) => a,
        Err(UsageError::Help) => {
            out(USAGE.as_bytes());
            return EXIT_OK;
        }
        Err(UsageError::Version) => {
            out(concat!("configdrive-net ", env!("CARGO_PKG_VERSION"), "\n").as_bytes());
            return EXIT_OK;
        }
        Err(e) => {
            log::error(format_args!("{e}"));
            // SAFETY: fd 2 is only borrowed for this write.
            log::write_all(unsafe { rustix::stdio::stderr() }, USAGE.as_bytes());
            return EXIT_USAGE;
        }
    };
    if args.verbose {
        log::set_stderr_level(Level::Debug);
    } else if args.quiet {
        log::set_stderr_level(Level::Warning);
    }
    // SAFETY: `main` runs once per process (the binary calls it once from its entry point);
    // nothing else touches STATE.
    #[allow(clippy::deref_addrof)]
    let state = unsafe { &mut *(&raw mut STATE) };
    match args.command {
        Command::Plan => run_plan(&args, state),
        Command::Apply => crate::apply::run(&args, state),
        Command::Render => run_render(&args, state),
    }
}

static mut STATE: State = State::new();

/// Opens the drive named on the command line: a directory, a block device or an image.
pub fn open_drive(path: &str) -> Result<AnyDrive, i32> {
    match crate::drive::open(path) {
        Ok(d) => {
            log::info(format_args!("reading {path} ({})", d.describe()));
            Ok(d)
        }
        Err(e) => {
            log::error(format_args!("{e}"));
            Err(EXIT_NO_DRIVE)
        }
    }
}

/// The drive to read: `--drive PATH`, else discovery by label (`rd.configdrive.label=`,
/// default `config-2`) for up to `--timeout` (else `rd.configdrive.timeout=`, else
/// DEFAULT_TIMEOUT_SECS). Err is the exit code (EXIT_NO_DRIVE), already logged.
pub fn find_drive(args: &Args<'_>, opts: &cmdline::Options) -> Result<AnyDrive, i32> {
    if let Some(path) = args.drive {
        return open_drive(path);
    }
    let label = opts
        .label
        .as_deref()
        .unwrap_or(crate::drive::discover::DEFAULT_LABEL);
    let timeout = args
        .timeout_secs
        .or(opts.timeout_secs)
        .unwrap_or(DEFAULT_TIMEOUT_SECS);
    crate::drive::discover(label, timeout).ok_or(EXIT_NO_DRIVE)
}

/// Our options from the kernel command line (`--cmdline FILE`, default /proc/cmdline).
/// An unreadable command line counts as empty, with a warning.
pub fn kernel_options(args: &Args<'_>) -> cmdline::Options {
    let mut buf = [0u8; crate::limits::MAX_CMDLINE_BYTES];
    match crate::sys::read_file(args.cmdline, &mut buf) {
        Ok(n) => cmdline::parse(core::str::from_utf8(&buf[..n]).unwrap_or("")),
        Err(_) => {
            log::warn(format_args!(
                "{}: cannot read; using defaults",
                args.cmdline
            ));
            cmdline::Options::default()
        }
    }
}

/// Reads a drive into `state.cfg`; on failure logs why and returns the exit code.
pub fn read_drive(drive: &mut dyn Drive, state: &mut State) -> Result<(), i32> {
    openstack::read(drive, &mut state.buf, &mut state.cfg).map_err(|e| {
        log::error(format_args!("{e}"));
        match e {
            ReadError::NotConfigDrive => EXIT_NO_DRIVE,
            ReadError::Drive(_) | ReadError::Data(_) => EXIT_INVALID,
        }
    })
}

/// What `plan` and `render` share: find (or open) the drive and read it, list the NICs
/// (rtnetlink, else sysfs; `--sysfs DIR` reads that tree instead) and name the links.
fn prepare(args: &Args<'_>, state: &mut State) -> Result<(), i32> {
    let opts = kernel_options(args);
    let mut drive = find_drive(args, &opts)?;
    read_drive(&mut drive, state)?;
    let nl = if args.sysfs == "/sys" {
        crate::rtnl::Rtnl::open().and_then(|mut nl| nl.read_links(&mut state.nics))
    } else {
        Err(rustix::io::Errno::NOENT)
    };
    if let Err(e) = nl.or_else(|_| naming::from_sysfs(args.sysfs, &mut state.nics)) {
        log::warn(format_args!(
            "cannot list network interfaces: {}",
            crate::sys::ErrnoName(e)
        ));
    }
    state.names = naming::resolve(&state.cfg, &state.nics).map_err(|e| {
        log::error(format_args!("{e}"));
        EXIT_INVALID
    })?;
    report(&state.cfg, &state.names);
    Ok(())
}

fn run_plan(args: &Args<'_>, state: &mut State) -> i32 {
    if let Err(code) = prepare(args, state) {
        return code;
    }
    print_plan(&state.cfg, &state.names);
    EXIT_OK
}

fn run_render(args: &Args<'_>, state: &mut State) -> i32 {
    match prepare(args, state) {
        Ok(()) => render_root(args, state),
        Err(code) => code,
    }
}

/// The render step of `render`, and of `apply` given `--root`: writes the configuration of
/// `state.cfg` under `args.root` in `args.format` (default `auto`). EXIT_OK when every file
/// was written, else EXIT_PARTIAL (each problem is logged).
pub fn render_root(args: &Args<'_>, state: &mut State) -> i32 {
    use crate::render;
    let opts = render::Options {
        root: args.root.unwrap_or("/"),
        formats: render::parse_formats(args.format.unwrap_or("auto")).unwrap_or(render::AUTO),
        runtime: args.runtime,
    };
    let s = render::render(&state.cfg, &state.names, &opts, &mut state.out);
    log::notice(format_args!(
        "render {}: {} files written, {} left alone (not ours), {} stale removed, {} failed",
        opts.root, s.written, s.kept, s.removed, s.failed
    ));
    if s.complete() { EXIT_OK } else { EXIT_PARTIAL }
}

/// Logs what the configuration holds beyond the operations: absent NICs, DHCP networks.
pub fn report(cfg: &Config, names: &Names) {
    for (i, l) in cfg.links.iter().enumerate() {
        if l.is_physical() && !names.present(i as u16) {
            log::warn(format_args!(
                "link {}: no NIC {} on this system; shown as {}",
                l.id,
                match l.configured_mac() {
                    Some(_) => "with its MAC",
                    None => "for it",
                },
                names.name(i as u16)
            ));
        }
    }
    for n in cfg.networks.iter() {
        if n.kind != crate::model::NetKind::Static {
            log::info(format_args!(
                "{} on {}: not run in early boot; left to the real root's configuration",
                n.kind.name(),
                names.name(n.link)
            ));
        }
    }
}

/// Prints every operation, one per line.
pub fn print_plan(cfg: &Config, names: &Names) {
    // As `dyn`, like apply's, so `plan::ops` is compiled once.
    let each: &mut dyn FnMut(plan::Op) = &mut |op| {
        let mut buf = [0u8; 1024];
        let mut w = SliceWriter::new(&mut buf);
        let _ = writeln!(
            w,
            "{}",
            Show {
                op: &op,
                cfg,
                names
            }
        );
        out(w.as_bytes());
    };
    plan::ops(cfg, each);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_contract() {
        let a = parse_args(&[
            "apply",
            "--drive",
            "/mnt",
            "--timeout=5",
            "--root",
            "/sysroot",
            "--format",
            "networkd,nm",
            "--runtime",
        ])
        .unwrap();
        assert_eq!(a.command, Command::Apply);
        assert_eq!(
            (a.drive, a.timeout_secs, a.root, a.format, a.runtime),
            (
                Some("/mnt"),
                Some(5),
                Some("/sysroot"),
                Some("networkd,nm"),
                true
            )
        );
        assert_eq!(
            parse_args(&["plan", "--drive", "d"]).unwrap().command,
            Command::Plan
        );
        assert_eq!(
            parse_args(&["render", "--drive", "d"]),
            Err(UsageError::Required("--root"))
        );
        // Without --drive, render finds the drive as apply does.
        assert_eq!(parse_args(&["render", "--root", "r"]).unwrap().drive, None);
        assert_eq!(
            parse_args(&["plan", "--root", "r"]),
            Err(UsageError::NotForCommand("--root"))
        );
        assert_eq!(
            parse_args(&["apply", "--timeout", "x"]),
            Err(UsageError::BadValue("--timeout", "x"))
        );
        assert_eq!(
            parse_args(&["apply", "--drive"]),
            Err(UsageError::MissingValue("--drive"))
        );
        assert_eq!(
            parse_args(&["frob"]),
            Err(UsageError::UnknownCommand("frob"))
        );
        assert_eq!(
            parse_args(&["apply", "--frob"]),
            Err(UsageError::UnknownOption("--frob"))
        );
        assert_eq!(parse_args(&[]), Err(UsageError::NoCommand));
    }
}
