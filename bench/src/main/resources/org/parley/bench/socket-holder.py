#!/usr/bin/env python3
"""What systemd socket activation does for a service, for a benchmark that restarts the server itself.

  socket-holder.py hold UNIX_PATH HOST:PORT...   binds and listens on each HOST:PORT and keeps the sockets open until
                                                 its standard input closes; hands them to whoever connects to UNIX_PATH
  socket-holder.py exec UNIX_PATH -- COMMAND...  takes the sockets from the holder, puts them at descriptors 3, 4, ...
                                                 with LISTEN_FDS and LISTEN_PID as sd_listen_fds(3) expects, and
                                                 execs COMMAND (same process id, so signals reach the server itself)
"""
import fcntl
import os
import socket
import sys
import threading

FIRST_FD = 3


def hold(path, addresses):
    listeners = []
    for address in addresses:
        host, port = address.rsplit(":", 1)
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind((host, int(port)))
        s.listen(socket.SOMAXCONN)  # systemd's Backlog= default
        s.setblocking(False)  # NonBlocking=true, which Parley's socket unit sets
        listeners.append(s)
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(path)
    server.listen(8)

    def serve():
        while True:
            conn, _ = server.accept()
            with conn:
                socket.send_fds(conn, [b"%d" % len(listeners)], [s.fileno() for s in listeners])

    threading.Thread(target=serve, daemon=True).start()
    print("ready", flush=True)
    sys.stdin.read()  # the owner went away: so do the sockets


def execute(path, command):
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
        conn.connect(path)
        _, fds, _, _ = socket.recv_fds(conn, 16, 64)
    # Out of the way first, so that moving one onto 3, 4, ... cannot close another still to be moved.
    high = [fcntl.fcntl(fd, fcntl.F_DUPFD, 100) for fd in fds]
    for fd in fds:
        os.close(fd)
    for i, fd in enumerate(high):
        os.dup2(fd, FIRST_FD + i, inheritable=True)
        os.close(fd)
    os.environ["LISTEN_FDS"] = str(len(high))
    os.environ["LISTEN_PID"] = str(os.getpid())
    os.execvp(command[0], command)


if __name__ == "__main__":
    if len(sys.argv) >= 4 and sys.argv[1] == "hold":
        hold(sys.argv[2], sys.argv[3:])
    elif len(sys.argv) >= 5 and sys.argv[1] == "exec" and sys.argv[3] == "--":
        execute(sys.argv[2], sys.argv[4:])
    else:
        sys.exit(__doc__)
