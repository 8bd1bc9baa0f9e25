"""Secrets copflow keeps: keys outside the database (files.py), the chat channels' key (channel.py), and the
server's own random secrets in the database (server_secrets.py)."""
