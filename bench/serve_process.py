"""flowdex serve as the benchmarks run it: on a free port of 127.0.0.1, its
log in the work folder, and its address once it is ready."""
import os
import subprocess
import time


def start_serve(flowdex, data, work, *extra):
    """Starts `flowdex serve --data DATA EXTRA...`; returns (process, host, port)."""
    ready = os.path.join(work, "ready")
    if os.path.exists(ready):
        os.remove(ready)
    log = open(os.path.join(work, "serve.log"), "w")
    serve = subprocess.Popen([flowdex, "serve", "--data", data, "--listen", "127.0.0.1:0", "--ready-file", ready,
                              *extra], stderr=log)
    for _ in range(600):
        if os.path.exists(ready) and os.path.getsize(ready) > 0:
            break
        if serve.poll() is not None:
            raise RuntimeError(f"flowdex serve exited with {serve.returncode}; see {log.name}")
        time.sleep(0.1)
    host, port = open(ready).read().strip().replace("http://", "").split(":")
    return serve, host, int(port)
