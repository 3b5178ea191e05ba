"""Use cases of the orders service: keyword-only functions named by verb."""
