"""Events the analytics service consumes: auth's users and logins, the catalog's products
and views, orders and payments, reviews, comments and likes. One durable consumer,
``analytics``, shared by the replicas."""
