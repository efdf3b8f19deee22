"""The Qt GUI (PySide6 lives here and in cathlog/app.py only).

Windows take the services in their constructors and never run SQL.
"""
