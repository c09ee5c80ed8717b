"""gunicorn settings for production (README, "Production: gunicorn, PostgreSQL and Redis").

    gunicorn -c gunicorn.conf.py wsgi:app

Threaded workers (gthread): pages hold a thread only while they render, but Server-Sent
Events streams (the live chat) hold one for as long as they stay open, so each worker has
several threads. No preloading: every worker builds its own app, loads the embedding model,
the FAISS indexes and the match tables as it starts (post_worker_init), and follows the data
version on its own (app/matching).
"""

import os

# Set before the workers import numpy/FAISS: one BLAS/OpenMP thread per worker unless told
# otherwise, so that N workers on N cores do not fight over them (MATCHING_FAISS_THREADS
# sets FAISS's own OpenMP threads in app/matching/engine.py, 1 by default).
for variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(variable, os.environ.get("MATCHING_FAISS_THREADS", "1"))

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# Two processes per core: requests are CPU-bound Python, and within one process its threads
# take turns on one interpreter lock; bench/load.py's match-page p95 went from 250 ms (2 x 4)
# to 160 ms (4 x 4) on 2 cores.
workers = int(os.environ.get("WEB_CONCURRENCY", 2 * (os.cpu_count() or 1)))
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", 8))
preload_app = False
# gthread workers tell the arbiter they are alive from their main loop, so a long stream is
# not a "timeout"; this only catches a worker that hangs as a whole.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", 60))
graceful_timeout = 30
# Idle keep-alive connections wait in the worker's poll loop, not in a thread: keep them longer
# than people read a page (a client reusing a connection the server just closed sees a reset).
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", 75))
# Behind a load balancer or reverse proxy that sets X-Forwarded-* (e.g. nginx on the same
# host): trust it for the client address and the scheme (secure cookies).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-")
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")


def post_worker_init(worker) -> None:
    """Load the model, the indexes, the match tables, the templates and the reference data as
    the worker starts, so that its first match page does not pay for them (about 1.5 s; more
    for a large catalogue).

    In a thread: the arbiter counts a worker that has not reached its main loop within
    `timeout` as hung, and a large catalogue (or several workers starting on few cores) can
    take longer than that. Match pages asked for meanwhile wait for what the warm-up loads.
    """
    import threading

    from app.warm_up import warm_up

    threading.Thread(target=warm_up, args=(worker.wsgi,), name="matching-warm-up",
                     daemon=True).start()
