"""What every end-to-end test script needs: fail loudly, wait with a deadline, run only as root
(never skip in CI), and stop the processes it started."""
import os
import signal
import subprocess
import sys
import time


def fail(msg):
    print("FAIL:", msg)
    sys.exit(1)


def wait_for(pred, timeout, what):
    end = time.time() + timeout
    while time.time() < end:
        if pred():
            return
        time.sleep(0.1)
    fail("timed out waiting for " + what)


def require_root(needs="network namespaces, DPDK"):
    """End-to-end tests need root for `needs`: as root they run; elsewhere they skip (77),
    except in CI, where a skip would hide a missing environment."""
    if os.geteuid() != 0:
        if os.environ.get("CI") == "true":
            fail("end-to-end tests need root in CI")
        print("SKIP: needs root (%s)" % needs)
        sys.exit(77)


def stop_all(procs, timeout=10):
    """SIGTERM every process still running, newest first, then wait for each; a process that
    does not end within `timeout` seconds is killed."""
    for p in reversed(procs):
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
    for p in reversed(procs):
        try:
            p.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            p.kill()
