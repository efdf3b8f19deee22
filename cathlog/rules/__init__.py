"""Pure rules over the domain: validation, permissions (and, later, alerts
and follow-up reminders). Imports ``cathlog.domain`` only."""
