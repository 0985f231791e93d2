//! Every fixed capacity of the program, in one place.
//!
//! There is no heap: each collection has a compile-time bound. The bounds cover real clouds
//! with a wide margin (bare-metal hosts with hundreds of VLANs, many addresses per link) and
//! the scale benchmark (512 addresses, 256 routes, 256 VLANs). Input beyond a bound is an
//! error that names the bound; nothing is ever truncated silently. README.md lists them all;
//! a test keeps that list and this file in step.

/// Links (physical NICs, bonds and VLANs) in one configuration.
pub const MAX_LINKS: usize = 320;
/// Networks (addresses or DHCP/SLAAC declarations) in one configuration.
pub const MAX_NETWORKS: usize = 1024;
/// Routes in one configuration, default routes and network-level gateways included.
pub const MAX_ROUTES: usize = 1024;
/// DNS servers (global and per link together).
pub const MAX_DNS_SERVERS: usize = 32;
/// DNS search domains (global and per link together).
pub const MAX_SEARCH_DOMAINS: usize = 32;
/// Bond options (`bond_*` keys other than `bond_links`) over all bonds.
pub const MAX_BOND_OPTIONS: usize = 256;
/// ARP monitoring targets of one bond (the kernel's own limit, BOND_MAX_ARP_TARGETS).
pub const MAX_ARP_TARGETS: usize = 16;
/// Network interfaces on the running system that naming can consider.
pub const MAX_NICS: usize = 512;

/// Bytes of a link or network `id` (UUIDs are 36; nova's tap names 14).
pub const MAX_ID_BYTES: usize = 64;
/// Bytes of a hostname (a full DNS name).
pub const MAX_HOSTNAME_BYTES: usize = 253;
/// Bytes of a DNS search domain.
pub const MAX_DOMAIN_BYTES: usize = 253;
/// Bytes of meta_data.json `uuid`.
pub const MAX_UUID_BYTES: usize = 64;
/// Bytes of the legacy `network_config.content_path`.
pub const MAX_CONTENT_PATH_BYTES: usize = 128;

/// Bytes of one document read from the drive (network_data.json, meta_data.json, content/0000).
pub const MAX_DOCUMENT_BYTES: usize = 512 * 1024;
/// Bytes of a JSON document after normalisation (bare numbers and booleans are quoted,
/// which at most triples a document made only of one-digit numbers).
pub const MAX_NORMALIZED_JSON_BYTES: usize = 2 * MAX_DOCUMENT_BYTES;
/// Nesting depth of JSON arrays and objects (real documents use 4).
pub const MAX_JSON_DEPTH: usize = 32;
/// Bytes of one JSON string or scalar value once unescaped.
pub const MAX_JSON_STRING_BYTES: usize = 4096;
/// Bytes of a JSON object key that is matched against known keys.
pub const MAX_JSON_KEY_BYTES: usize = 64;

/// Bytes of one log line (longer messages are cut at a character boundary and marked `…`).
pub const MAX_LOG_LINE_BYTES: usize = 512;
/// Bytes of the kernel command line read from /proc/cmdline.
pub const MAX_CMDLINE_BYTES: usize = 4096;
/// Bytes of a path given on the command line.
pub const MAX_PATH_BYTES: usize = 4096;

/// Bytes of one file name read from an ISO9660 or FAT image, as UTF-8 (255 UTF-16 units of a
/// VFAT long name take at most 765).
pub const MAX_DRIVE_NAME_BYTES: usize = 768;
/// Bytes of one directory of an ISO9660 or FAT image (FAT's own limit: 65536 entries).
pub const MAX_DRIVE_DIR_BYTES: usize = 2 * 1024 * 1024;
/// ISO9660 volume descriptors read before the terminator.
pub const MAX_ISO_DESCRIPTORS: usize = 32;
/// Rock Ridge continuation areas (SUSP `CE`) followed for one directory record.
pub const MAX_RR_CONTINUATIONS: usize = 16;
/// Bytes of one rendered configuration file (netplan and ifupdown put every link in one).
pub const MAX_RENDERED_FILE_BYTES: usize = 256 * 1024;
/// Files one render writes (all formats together), remembered so the stale sweep keeps them.
pub const MAX_RENDERED_FILES: usize = 2048;

/// Every bound above with its name and value, for the README check and for messages.
pub const ALL: &[(&str, usize)] = &[
    ("MAX_LINKS", MAX_LINKS),
    ("MAX_NETWORKS", MAX_NETWORKS),
    ("MAX_ROUTES", MAX_ROUTES),
    ("MAX_DNS_SERVERS", MAX_DNS_SERVERS),
    ("MAX_SEARCH_DOMAINS", MAX_SEARCH_DOMAINS),
    ("MAX_BOND_OPTIONS", MAX_BOND_OPTIONS),
    ("MAX_ARP_TARGETS", MAX_ARP_TARGETS),
    ("MAX_NICS", MAX_NICS),
    ("MAX_ID_BYTES", MAX_ID_BYTES),
    ("MAX_HOSTNAME_BYTES", MAX_HOSTNAME_BYTES),
    ("MAX_DOMAIN_BYTES", MAX_DOMAIN_BYTES),
    ("MAX_UUID_BYTES", MAX_UUID_BYTES),
    ("MAX_CONTENT_PATH_BYTES", MAX_CONTENT_PATH_BYTES),
    ("MAX_DOCUMENT_BYTES", MAX_DOCUMENT_BYTES),
    ("MAX_NORMALIZED_JSON_BYTES", MAX_NORMALIZED_JSON_BYTES),
    ("MAX_JSON_DEPTH", MAX_JSON_DEPTH),
    ("MAX_JSON_STRING_BYTES", MAX_JSON_STRING_BYTES),
    ("MAX_JSON_KEY_BYTES", MAX_JSON_KEY_BYTES),
    ("MAX_LOG_LINE_BYTES", MAX_LOG_LINE_BYTES),
    ("MAX_CMDLINE_BYTES", MAX_CMDLINE_BYTES),
    ("MAX_PATH_BYTES", MAX_PATH_BYTES),
    ("MAX_DRIVE_NAME_BYTES", MAX_DRIVE_NAME_BYTES),
    ("MAX_DRIVE_DIR_BYTES", MAX_DRIVE_DIR_BYTES),
    ("MAX_ISO_DESCRIPTORS", MAX_ISO_DESCRIPTORS),
    ("MAX_RR_CONTINUATIONS", MAX_RR_CONTINUATIONS),
    ("MAX_RENDERED_FILE_BYTES", MAX_RENDERED_FILE_BYTES),
    ("MAX_RENDERED_FILES", MAX_RENDERED_FILES),
];
