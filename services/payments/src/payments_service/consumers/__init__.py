"""Events the payments service consumes: order cancellations from orders (refunds). One
durable consumer, ``payments``, shared by the replicas."""
