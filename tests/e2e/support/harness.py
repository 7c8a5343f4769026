"""What every end-to-end test script needs: fail loudly, wait with a deadline."""
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
