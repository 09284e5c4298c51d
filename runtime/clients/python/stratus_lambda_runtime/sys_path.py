"""sys.path in Lambda's order: the function's code, its layers, this runtime, then the rest.

The rest is the interpreter's own path: the standard library and Debian's dist-packages, where
the runtime-provided boto3 (python3-boto3) lives, so a function's or a layer's boto3 wins over it.
.pth files in the code and layer directories are honoured, as in site-packages.
"""
import os
import site
import sys


def layer_paths():
    version = "python{}.{}".format(*sys.version_info[:2])
    return ["/opt/python/lib/{}/site-packages".format(version), "/opt/python"]


def install(task_root, runtime_dir):
    front = [task_root] + layer_paths() + [runtime_dir]
    # PYTHONPATH entries the interpreter did not see: a prewarmed process got its function's
    # environment after it started. They go where the interpreter would have put them.
    pythonpath = [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
    missing = [p for p in pythonpath if p not in sys.path]
    rest = [p for p in missing + sys.path if p not in front]
    sys.path[:] = list(dict.fromkeys(front + rest))
    for directory in front[:3]:
        if os.path.isdir(directory):
            site.addsitedir(directory)  # already on the path: this only runs its .pth files
