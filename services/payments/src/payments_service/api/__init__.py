"""The payments service's HTTP routes: public under ``/api/payments``, internal under
``/internal/payments``."""
