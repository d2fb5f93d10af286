"""The wait of a runtime booted ahead of its function (Gust's ready sandboxes): the
interpreter and this runtime's modules are loaded before any function is known, and the
function arrives here. Gust answers on a unix socket of the sandbox's own, named by
`_GUST_ASSIGNMENT`, once the sandbox is given to an environment: one JSON document,
`{"env": {...}}`, the environment's complete variables, then the end of the stream. By then
the function's code is mounted at /var/task and its layers at /opt. An end with no document
means Gust gave the sandbox up: the runtime exits.
"""

import _socket
import importlib
import json
import os
import sys


def take_assignment(path):
    """Waits for the assignment, then takes its variables as the process's own and enters the task root."""
    sock = _socket.socket(_socket.AF_UNIX, _socket.SOCK_STREAM)
    sock.connect(path)
    chunks = []
    while True:
        chunk = sock.recv(65536)
        if not chunk:
            break
        chunks.append(chunk)
    sock.close()
    if not chunks:
        sys.exit(0)
    env = json.loads(b"".join(chunks).decode("utf-8"))["env"]
    for key in list(os.environ):
        if key not in env:
            del os.environ[key]
    os.environ.update(env)
    # The working directory is the empty mount point the sandbox started in; the code was mounted over it since.
    os.chdir(env.get("LAMBDA_TASK_ROOT") or "/var/task")
    # The import system may have listed the empty mount points (sys.path has /var/task and /opt's directories).
    importlib.invalidate_caches()
