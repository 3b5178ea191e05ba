"""The payments domain: card checks and the payment's status rules. Plain Python, no I/O."""
