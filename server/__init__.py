"""Paperboy: a local-first follower of trending research papers."""

__version__ = "0.1.0"
