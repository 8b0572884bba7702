#!/usr/bin/python3
"""Runs a command that is killed when its parent dies: exec_guarded.py PARENT_PID COMMAND [ARG...].

Sets PR_SET_PDEATHSIG to SIGKILL, then execs COMMAND in place (same pid, so the caller can signal it). The
setting survives exec, so an ffmpeg feeder or an RTSP server started by a test cannot outlive the test
process, even when that process is SIGKILLed and its own exit handlers never run. Linux only.
"""

import ctypes
import os
import signal
import sys

PR_SET_PDEATHSIG = 1


def main(argv):
    if len(argv) < 2:
        print("usage: exec_guarded.py PARENT_PID COMMAND [ARG...]", file=sys.stderr)
        return 2
    parent_pid = int(argv[0])
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL) != 0:
        print(f"exec_guarded: prctl failed: {os.strerror(ctypes.get_errno())}", file=sys.stderr)
        return 1
    # The parent may have died before prctl took effect; then we were already re-parented.
    if os.getppid() != parent_pid:
        return 1
    os.execvp(argv[1], argv[1:])
    return 127


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
