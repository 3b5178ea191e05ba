"""The analytics service's HTTP API: thin routes that validate, call a report, and render."""
