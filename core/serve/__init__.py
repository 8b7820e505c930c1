"""Serving the app: the phone mode's certificate, access key, network addresses, QR code and launch command.

``kneeclick serve`` (core/commands/serve.py) puts these together; the app's gate (ui/access.py) checks the key.
May import: core.session, core.data
"""
