"""Events the reviews service consumes: products from the catalog, authors' names from
auth, purchases from orders. One durable consumer, ``reviews``, shared by the replicas."""
