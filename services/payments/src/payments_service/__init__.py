"""The payments service: payments and their attempts, refunds, the simulated card processor."""
