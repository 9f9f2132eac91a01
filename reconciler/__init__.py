"""powerpacks: a declarative reconciler for Plivo Powerpacks."""

__version__ = "0.2.0"
