"""The notifications service: notifications made from other services' events, each user's
inbox and preferences, email, and live pushes over a WebSocket."""
