"""Helpers shared by the tests: one home each, imported by test modules and by the fixtures of
the conftest.py files (which hold only fixtures and hooks).

- accounts: what a live account and a manifest are made of (Powerpacks, apps, members, ids)
- cli: running `powerpacks`, as a subprocess (`run_cli`) or in this process (`invoke`)
- world: a sandbox account and a work folder to run the CLI in (`Env`, `World`)
- pools: `PoolEnv`, the journal and plans read back by Powerpack name
- servers: loopback APIs for what the sandbox can't do (hostile, moving, raw sockets)
- plans: saved plans made for real, and the checks a tampered one must pass
- client: a fast PlivoClient and API objects for the client tests
- terminal: the terminal tests' account and names
"""
