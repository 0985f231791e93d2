#!/usr/bin/env python3
"""vmlinux.py BZIMAGE OUT: writes the ELF kernel held in a Debian bzImage (xz-compressed).

QEMU boots an ELF vmlinux through its PVH entry point, so the guest does not decompress the
kernel itself, which takes seconds under TCG.
"""
import lzma
import sys

data = open(sys.argv[1], "rb").read()
start = data.find(b"\xfd7zXZ\x00")
if start < 0:
    sys.exit(f"{sys.argv[1]}: no xz stream (is the kernel xz-compressed?)")
elf = lzma.LZMADecompressor().decompress(data[start:])
if elf[:4] != b"\x7fELF":
    sys.exit(f"{sys.argv[1]}: the xz stream is not an ELF image")
with open(sys.argv[2], "wb") as f:
    f.write(elf)
