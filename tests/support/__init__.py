"""Helpers shared by tests/hardening: saved plans, raw socket servers, a pty runner."""
