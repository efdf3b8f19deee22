"""The design defaults a lab may change in Settings, in a module that imports nothing: the GUI
reads the lab's settings before its first window, before the rules themselves are loaded."""

ACT_RECHECK_MIN = 30  # minutes between ACT readings before a recheck is due; configurable per lab
