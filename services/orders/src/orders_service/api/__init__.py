"""The orders service's HTTP API: thin routes over ``service``."""
