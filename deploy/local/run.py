"""``make run``: start the whole system on this machine and wait for Ctrl-C."""

from __future__ import annotations

import signal
import threading

from . import demo, servers
from .stack import start_stack


def main() -> None:
    stop = threading.Event()
    # Installed explicitly: a shell that starts us in the background ignores
    # SIGINT, and Python then installs no KeyboardInterrupt handler of its own.
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    print("Starting servers and services (first start takes a few seconds)...", flush=True)
    stack = start_stack(servers.LOCAL_DIR)
    try:
        where = "embedded Tansu + SecantusDB" if stack.embedded else "servers from the environment"
        print(f"\nBroker & Employer portal is up on {where}.")
        print(f"  Open {stack.gateway_url}")
        if stack.env.get("APP_ENV") == "demo":
            print(f"  Demo sign-ins (password '{demo.DEMO_PASSWORD}'):")
            for user in demo.DEMO_USERS:
                extra = f", group {user['group_id']}" if user["group_id"] else ""
                print(f"    {user['user_id']:<10} {user['role']}{extra}")
        print(f"  Logs: {stack.log_dir}")
        print("Press Ctrl-C to stop everything.", flush=True)
        while not stop.wait(1.0):
            if died := [name for name, proc in stack.procs.items() if proc.poll() is not None]:
                print(f"\nService(s) stopped unexpectedly: {', '.join(died)}; see {stack.log_dir}", flush=True)
                break
    finally:
        print("\nStopping...", flush=True)
        stack.stop()
        print("Stopped.")


if __name__ == "__main__":
    main()
