#!/usr/bin/env python3
"""ops run on a terminal: stdin, stdout and stderr are a pty, so the program sees a tty
(isatty, TCGETS) and reads what is typed. Drives busybox sh through a pseudo-terminal."""
import os, pty, select, sys, time

ops, bb = sys.argv[1], sys.argv[2]
pid, fd = pty.fork()
if pid == 0:
    os.execvp(ops, [ops, "run", bb, "sh", "-c",
                    "if [ -t 0 ] && [ -t 1 ]; then echo TTY-YES; else echo TTY-NO; fi; read line; echo GOT-$line; exit 5"])
out = b""
sent = False
deadline = time.time() + 120
while time.time() < deadline:
    r, _, _ = select.select([fd], [], [], 0.2)
    if r:
        try:
            data = os.read(fd, 4096)
        except OSError:
            break
        if not data:
            break
        out += data
    if not sent and b"TTY-" in out:
        os.write(fd, b"typed words\r")
        sent = True
_, status = os.waitpid(pid, 0)
text = out.decode(errors="replace")
ok = "TTY-YES" in text and "GOT-typed words" in text and os.WEXITSTATUS(status) == 5
print("PASS ops/tty-interactive" if ok else "FAIL ops/tty-interactive: status %d, output %r" % (os.WEXITSTATUS(status), text[-400:]))
sys.exit(0 if ok else 1)
