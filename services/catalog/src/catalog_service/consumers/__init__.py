"""Events the catalog consumes: rating aggregates from reviews, paid orders from orders, and
its own batched view counts. One durable consumer, ``catalog``, shared by the replicas."""
