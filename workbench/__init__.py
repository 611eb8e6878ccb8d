"""Agent Workbench: the desktop workbench for telesales agents, store receptionists and leads."""

__version__ = "0.1.0"
