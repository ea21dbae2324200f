"""Running a media worker's supervisor (relay, recorder) in a background thread for a test."""

import contextlib
import threading


@contextlib.contextmanager
def supervisor_in_thread(supervisor, name):
    """Run `supervisor.run(stop)` in a daemon thread; stop it on exit and raise what it raised, if anything."""
    stop = threading.Event()
    failure = []

    def run():
        try:
            supervisor.run(stop)
        except BaseException as exc:  # shown to the test instead of dying silently in the thread
            failure.append(exc)

    thread = threading.Thread(target=run, name=name, daemon=True)
    thread.start()
    try:
        yield supervisor
    finally:
        stop.set()
        thread.join(timeout=30)
    if thread.is_alive():
        raise RuntimeError(f"the {name} did not stop within 30 s")
    if failure:
        raise failure[0]
