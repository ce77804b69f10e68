"""Running our `python -m ...` entry points as real subprocesses in tests, with their output kept for failures."""

import os
import signal
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path


class Process:
    """A child process whose combined output goes to a temporary file."""

    def __init__(self, argv: Sequence[str], env: dict[str, str] | None = None) -> None:
        self.argv = list(argv)
        self.output = Path(tempfile.mkstemp(prefix="flowmeter-test-", suffix=".log")[1])
        with self.output.open("wb") as sink:
            self.popen = subprocess.Popen(
                self.argv,
                stdout=sink,
                stderr=subprocess.STDOUT,
                env={**os.environ, **(env or {})},
                start_new_session=True,  # its own process group, so a signal reaches what it started too
            )

    @property
    def log(self) -> str:
        return self.output.read_text(errors="replace")

    def kill(self, sig: int = signal.SIGKILL) -> None:
        """Signal the process group and wait for the process to end."""
        if self.popen.poll() is None:
            os.killpg(self.popen.pid, sig)
            self.popen.wait(timeout=30)

    def stop(self) -> int:
        """SIGTERM and wait: the exit code of a clean shutdown."""
        self.kill(signal.SIGTERM)
        return self.popen.wait()


@contextmanager
def module(name: str, *args: str, env: dict[str, str] | None = None) -> Iterator[Process]:
    """`python -m name args...` for the duration of the block; its output is printed if the block fails."""
    process = Process([sys.executable, "-m", name, *args], env)
    try:
        yield process
    except BaseException:
        print(f"--- output of {name} ---\n{process.log}")
        raise
    finally:
        process.kill()
        process.output.unlink(missing_ok=True)
