"""What the payments service talks to: its database, the orders service, the card processor."""
