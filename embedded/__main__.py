"""`python -m embedded` (what `./just up` runs): everything in the foreground until Ctrl-C."""

import asyncio
import os
import signal
import sys

from embedded import settings as settings_module
from embedded.processes import printer
from embedded.stack import Stack


def next_steps(stack: Stack, seconds: float) -> str:
    """What to try once metrics are served."""
    kubeconfig = stack.run_dir / "kubeconfig"
    console = (
        f"Console: {stack.console_url} (sign in with a token; the admin's:\n"
        "  kubectl config view --raw -o jsonpath='{.users[0].user.token}')\n"
        if stack.console_url
        else ""
    )
    return f"""
Flowmeter is serving metrics.k8s.io for {stack.settings.sim_nodes} simulated nodes (first metrics after {seconds:.1f}s).
Try:
  export KUBECONFIG={kubeconfig}
  kubectl top nodes
  kubectl top pods -A --containers
  kubectl get deployments -A
  kubectl annotate deployment -n shop frontend sim.flowmeter.dev/cpu=900m --overwrite   # then top again
  kubectl get --raw /apis/metrics.k8s.io/v1beta1/nodes
{console}Logs: {stack.run_dir / "logs"}/. Ctrl-C stops everything.
"""


async def main() -> None:
    try:
        settings = settings_module.load(os.environ)
    except ValueError as error:
        sys.exit(f"embedded: {error}")
    stack = Stack(settings, printer())
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    starting = asyncio.create_task(stack.up())
    stopping = asyncio.create_task(stop.wait())
    try:
        await asyncio.wait({starting, stopping}, return_when=asyncio.FIRST_COMPLETED)
        if starting.done():
            print(next_steps(stack, starting.result()), flush=True)
            await stop.wait()
    finally:
        starting.cancel()
        stopping.cancel()
        print("stopping…", flush=True)
        await stack.down()


if __name__ == "__main__":
    asyncio.run(main())
