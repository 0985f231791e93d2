#!/usr/bin/env python3
"""Prints the peak resident set size (VmHWM, KiB) of a command, measured at its exit.

usage: peak_rss.py COMMAND [ARGS...]

`time -v` and getrusage() report the largest RSS the child process ever had, which includes
the parent's memory copied or shared before exec. This tracer stops the child when it exits
(PTRACE_O_TRACEEXIT) and reads VmHWM of the program's own address space.
Output: "<vmhwm_kib> <exit_code>".
"""
import ctypes
import os
import sys

PTRACE_TRACEME, PTRACE_CONT, PTRACE_SETOPTIONS, PTRACE_GETEVENTMSG = 0, 7, 0x4200, 0x4201
PTRACE_O_TRACEEXIT, PTRACE_EVENT_EXIT = 0x40, 6
libc = ctypes.CDLL(None, use_errno=True)


def peak_rss(argv):
    pid = os.fork()
    if pid == 0:
        libc.ptrace(PTRACE_TRACEME, 0, 0, 0)
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, 1)
        os.dup2(null, 2)
        try:
            os.execvp(argv[0], argv)
        finally:
            os._exit(127)
    os.waitpid(pid, 0)  # the SIGTRAP after exec
    libc.ptrace(PTRACE_SETOPTIONS, pid, 0, PTRACE_O_TRACEEXIT)
    libc.ptrace(PTRACE_CONT, pid, 0, 0)
    hwm = None
    while True:
        _, status = os.waitpid(pid, 0)
        if os.WIFEXITED(status):
            return hwm, os.WEXITSTATUS(status)
        if os.WIFSIGNALED(status):
            return hwm, 128 + os.WTERMSIG(status)
        sig = os.WSTOPSIG(status)
        if sig == 5 and (status >> 16) == PTRACE_EVENT_EXIT:
            with open(f"/proc/{pid}/status") as f:
                hwm = next(int(line.split()[1]) for line in f if line.startswith("VmHWM"))
            sig = 0
        libc.ptrace(PTRACE_CONT, pid, 0, sig if sig != 5 else 0)


if __name__ == "__main__":
    kib, code = peak_rss(sys.argv[1:])
    print(kib, code)
