"""The wait of a runtime booted ahead of its function (Gust's ready sandboxes): the
interpreter and this runtime's modules are loaded before any function is known, and the
function arrives here. `_GUST_ASSIGNMENT` names a unix socket of the sandbox's own where Gust
serves one request, `GET /2018-06-01/runtime/gust/assignment`, answered once the sandbox is
given to an environment: 200 with `{"env": {...}}`, the environment's complete variables. By
then the function's code is at the task root and its layers where its variables say. Anything else means
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
    _take_python_path(os.environ.get("PYTHONPATH", ""), env.get("PYTHONPATH", ""))
    for key in list(os.environ):
        if key not in env:
            del os.environ[key]
    os.environ.update(env)
    # The working directory is where the runtime booted; the code is at the task root since.
    os.chdir(env.get("LAMBDA_TASK_ROOT") or "/var/task")
    # The import system may have listed the task root and the layers' directories while they
    # were empty mount points, or found them missing (the process driver's).
    importlib.invalidate_caches()
    return early


def _take_python_path(booted, assigned):
    """Puts the function's PYTHONPATH entries where the interpreter put those it started with:
    the process driver's name the code and layers where they are on the host."""
    if booted == assigned:
        return
    old = [p for p in booted.split(os.pathsep) if p]
    new = [p for p in assigned.split(os.pathsep) if p]
    at = next((i for i, p in enumerate(sys.path) if p in old), 1)
    sys.path[:] = [p for p in sys.path if p not in old]
    sys.path[at:at] = new
