"""Serving the app: the phone mode's certificate, access key, network addresses, QR code and launch command;
in hosted mode, the signed-in person's owner id (owner.py).

``kneeclick serve`` (core/commands/serve.py) puts these together; the app's gate (ui/access.py) checks the key.
May import: core.session, core.data
"""
