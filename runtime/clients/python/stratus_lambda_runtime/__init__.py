"""Stratus's Python runtime interface client: runs a Lambda function's Python handler inside its
sandbox, speaking the Runtime API 2018-06-01 to the server at $AWS_LAMBDA_RUNTIME_API.

It reproduces what AWS's awslambdaric does for a function author; the package name is private so
that it cannot clash with a function's own modules. Standard library only (python 3.9-3.13).

    main.py            startup (prewarm claim, init) and the invocation loop
    runtime_api.py     the HTTP client for the Runtime API
    handler_loader.py  `path/to/module.function` to a callable, with Lambda's init errors
    invoke.py          one invocation: context, event, handler, result or error
    context.py         the context object
    marshaller.py      JSON in and out, as Lambda's runtime encodes it
    faults.py          error bodies and stack traces
    logs.py            stdout, stderr and the root logger, as the function's log
    sys_path.py        sys.path order: code, layers, runtime, interpreter
    prewarm.py         waiting for a claim, and what is imported ahead of it
"""
