"""Child processes of the embedded stack: output prefixed with their name, restarted when they die, stopped in order."""

import asyncio
import ctypes
import os
import signal
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

PR_SET_PDEATHSIG = 1
RESTART_BACKOFF_SECONDS = (0.2, 1.0, 5.0)
HEALTHY_RUN_SECONDS = 60.0  # a process that ran this long before it died starts its backoff again from the shortest


def _die_with_parent() -> None:
    """In the child: get SIGTERM if the launcher dies, so nothing outlives `./just up`."""
    os.setpgrp()  # Ctrl-C reaches the launcher only; it stops the children in order
    ctypes.CDLL(None).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


class Child:
    """One supervised process."""

    def __init__(
        self,
        name: str,
        argv: Sequence[str],
        log_dir: Path,
        on_line: Callable[[str, str], None],
        on_started: Callable[[], None] = lambda: None,
    ) -> None:
        self.name, self.argv, self.log_dir, self.on_line, self.on_started = (
            name,
            list(argv),
            log_dir,
            on_line,
            on_started,
        )
        self.process: asyncio.subprocess.Process | None = None
        self.started = asyncio.Event()  # set on each (re)start
        self.stopping = False
        self.restarts = 0  # since the last healthy run
        self.started_at = 0.0
        self.tasks: set[asyncio.Task[None]] = set()

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process else None

    async def start(self) -> None:
        """Start the process and pump its output."""
        self.process = await asyncio.create_subprocess_exec(
            *self.argv, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT, preexec_fn=_die_with_parent
        )
        self.started_at = time.monotonic()
        self.started.set()
        self.on_started()
        pump = asyncio.create_task(self._pump(self.process), name=f"{self.name}-output")
        self.tasks.add(pump)
        pump.add_done_callback(self.tasks.discard)

    async def _pump(self, process: asyncio.subprocess.Process) -> None:
        assert process.stdout is not None
        self.log_dir.mkdir(parents=True, exist_ok=True)
        with (self.log_dir / f"{self.name}.log").open("a") as log:
            async for raw in process.stdout:
                line = raw.decode(errors="replace").rstrip()
                log.write(line + "\n")
                log.flush()
                self.on_line(self.name, line)

    async def supervise(self) -> None:
        """Restart the process whenever it exits on its own, with a short backoff."""
        while not self.stopping:
            assert self.process is not None
            code = await self.process.wait()
            if self.stopping:
                return
            if time.monotonic() - self.started_at >= HEALTHY_RUN_SECONDS:
                self.restarts = 0  # as a kubelet's crash-loop backoff resets after a healthy run
            delay = RESTART_BACKOFF_SECONDS[min(self.restarts, len(RESTART_BACKOFF_SECONDS) - 1)]
            self.on_line("embedded", f"{self.name} exited with {code}; restarting in {delay}s")
            self.restarts += 1
            await asyncio.sleep(delay)
            if not self.stopping:
                await self.start()

    async def stop(self, timeout: float = 10) -> None:
        """SIGTERM, then SIGKILL after `timeout` seconds."""
        self.stopping = True
        process = self.process
        if process is None or process.returncode is not None:
            return
        process.terminate()
        try:
            await asyncio.wait_for(process.wait(), timeout)
        except TimeoutError:
            process.kill()
            await process.wait()


def printer(stream: object = sys.stdout) -> Callable[[str, str], None]:
    """Print a child's line prefixed with its name, aligned, like docker compose does."""

    def on_line(name: str, line: str) -> None:
        print(f"{name:>10} | {line}", file=stream, flush=True)  # type: ignore[call-overload]

    return on_line
