"""The wait of a runtime booted ahead of its function (Gust's ready sandboxes): the
interpreter and this runtime's modules are loaded before any function is known, and the
function arrives here. `_GUST_ASSIGNMENT` names a unix socket of the sandbox's own where Gust
serves one request, `GET /2018-06-01/runtime/gust/assignment`, answered once the sandbox is
given to an environment: 200 with `{"env": {...}}`, the environment's complete variables. By
then the function's code is mounted at /var/task and its layers at /opt. Anything else means
Gust gave the sandbox up: the runtime exits. Asked with the Runtime API client, whose code
has then run once before the function's first /next. Meanwhile the runtime is connected to
its Runtime API socket, which Gust holds unread until the assignment: the first /next then
needs no connect and accept.
"""

import importlib
import json
import os
import sys

from .client import RuntimeApiError, RuntimeClient


def take_assignment(path, runtime_api_socket=None):
    """Waits for the assignment, then takes its variables as the process's own and enters the
    task root; returns a Runtime API client already connected to `runtime_api_socket`, if given."""
    early = None
    if runtime_api_socket:
        early = RuntimeClient(runtime_api_socket)
        try:
            early.connect()
        except OSError:
            early = None
    try:
        body = RuntimeClient(path).assignment()
    except RuntimeApiError:
        body = None
    if body is None:
        sys.exit(0)
    env = json.loads(body.decode("utf-8"))["env"]
    for key in list(os.environ):
        if key not in env:
            del os.environ[key]
    os.environ.update(env)
    # The working directory is the empty mount point the sandbox started in; the code was mounted over it since.
    os.chdir(env.get("LAMBDA_TASK_ROOT") or "/var/task")
    # The import system may have listed the empty mount points (sys.path has /var/task and /opt's directories).
    importlib.invalidate_caches()
    return early
