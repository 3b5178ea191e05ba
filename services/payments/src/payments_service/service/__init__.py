"""The payments use cases: paying, recovery, refunds, reading."""
