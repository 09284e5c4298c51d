"""Entry point of Stratus's Python runtime, run by the host's Debian python3 inside the jail:

    /usr/bin/python3 -u /var/runtime/python/bootstrap.py

This file's directory is then sys.path[0], which is how the runtime package is found; nothing
else (no PYTHONPATH) is needed. The environment is Lambda's (AWS_LAMBDA_RUNTIME_API, _HANDLER,
LAMBDA_TASK_ROOT, ...; see stratus_lambda_runtime/main.py), plus STRATUS_PREWARM=1 for a process
started ahead of its function.
"""
import sys

if __name__ == "__main__":
    from stratus_lambda_runtime.main import main

    sys.exit(main())
