"""Gust's Python runtime: runs a function's handler behind the Lambda Runtime API, with the
behaviour of AWS's managed python runtimes (awslambdaric): handler import, context, logging,
error documents. Python standard library only; nothing from Gust's src/.

Started as `python3 runtimes/python/bootstrap.py` with the Lambda environment: required
AWS_LAMBDA_RUNTIME_API (`host:port`) and _HANDLER (`module.function`); LAMBDA_TASK_ROOT
(default: the working directory) goes first on sys.path, then PYTHONPATH (layers), then the
standard library. AWS_LAMBDA_FUNCTION_NAME, _VERSION, _MEMORY_SIZE, AWS_LAMBDA_LOG_GROUP_NAME
and _STREAM_NAME fill the context; AWS_LAMBDA_LOG_FORMAT / AWS_LAMBDA_LOG_LEVEL shape the logs.

Booted ahead of its function (`_GUST_ASSIGNMENT` set: Gust's ready sandboxes), it first waits
for the function's environment (_gust_runtime/assignment.py), then goes on as below.

An init failure is logged, posted to /runtime/init/error, and the process exits 1.
"""

import os
import sys


def main():
    # sys.path[0] is this script's directory: it serves the runtime's own imports, then
    # gives its place to the task root, so the function sees the path it has on Lambda.
    from _gust_runtime.client import RuntimeApiError, RuntimeClient
    from _gust_runtime.runtime import run

    # A runtime booted ahead (a ready sandbox) learns its function here; the imports above are done already.
    early = None
    if os.environ.get("_GUST_ASSIGNMENT"):
        from _gust_runtime.assignment import take_assignment

        early = take_assignment(os.environ["_GUST_ASSIGNMENT"], os.environ.get("_GUST_RUNTIME_API_SOCKET"))

    # In a namespace sandbox Gust also names the unix socket behind AWS_LAMBDA_RUNTIME_API: this
    # client talks to it directly, without gust-init's relay between (a hop per request). The
    # function's own code sees only AWS_LAMBDA_RUNTIME_API, as on Lambda.
    direct = os.environ.pop("_GUST_RUNTIME_API_SOCKET", None)
    task_root = os.environ.get("LAMBDA_TASK_ROOT") or os.getcwd()
    sys.path[0] = task_root
    try:
        run(early or RuntimeClient(direct or os.environ.get("AWS_LAMBDA_RUNTIME_API")), os.environ.get("_HANDLER", ""))
    except RuntimeApiError as e:
        # The environment is being torn down (or the API broke its contract): nothing to report to.
        sys.stderr.write("Gust runtime: the Runtime API failed: %s\n" % e)
        sys.exit(1)


if __name__ == "__main__":
    main()
