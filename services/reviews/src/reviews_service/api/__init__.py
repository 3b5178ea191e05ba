"""The reviews service's HTTP API: thin routes that validate, call a use case, and render."""
