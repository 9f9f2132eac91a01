"""A local Plivo API (Powerpacks, number pools, applications, PHLOs) for demos, CI and tests.

It imports nothing from the rest of `reconciler`: it is a second, independent reading of the API.
"""

from .demo import DEMO_AUTH_ID, demo_state
from .errors import SandboxBusyError, SandboxError, SandboxStateError
from .faults import KINDS as FAULT_KINDS
from .faults import parse_fault
from .lock import RunningServer, reset_state, running_server
from .server import Sandbox
from .state import DEFAULT_SETTINGS, build_state, default_priority, load_state, write_state

__all__ = [
    "DEFAULT_SETTINGS",
    "DEMO_AUTH_ID",
    "FAULT_KINDS",
    "RunningServer",
    "Sandbox",
    "SandboxBusyError",
    "SandboxError",
    "SandboxStateError",
    "build_state",
    "default_priority",
    "demo_state",
    "load_state",
    "parse_fault",
    "reset_state",
    "running_server",
    "write_state",
]
