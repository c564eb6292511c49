"""Notifying a death, further notifications, registrar and coroner, transfers."""
