"""The auth service: users, credentials, roles, tokens, signing keys, profiles and avatars."""
